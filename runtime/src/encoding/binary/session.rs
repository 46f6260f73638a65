//! The [MC-NBFSE] in-band dictionary ("StringTable"): strings one side of a session adds ahead of
//! a document, addressed by odd DictionaryString ids (1, 3, 5, … in the order they were added).
//!
//! Each direction of a session has its own table: [`SessionReader`] for what the peer sent,
//! [`SessionWriter`] for what we send. Both enforce the per-session byte budget .NET calls
//! `MaxSessionSize` ([`MAX_SESSION_SIZE`]).

use bytes::BytesMut;
use rustc_hash::FxHashMap;

use crate::encoding::EncodingError;
use crate::varint;

/// The default StringTable budget per session and direction, in bytes (.NET's binary encoder
/// `MaxSessionSize`): the sum of the StringTable sizes (strings plus their length prefixes).
pub const MAX_SESSION_SIZE: usize = 2048;

fn malformed(message: impl Into<String>) -> EncodingError {
    EncodingError::Malformed(message.into())
}

/// The strings a peer has added to its side of the session, in id order.
#[derive(Debug, Clone)]
pub struct SessionReader {
    strings: Vec<String>,
    remaining: usize,
    broken: bool,
}

impl Default for SessionReader {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionReader {
    /// An empty table with the default budget.
    pub fn new() -> Self {
        Self::with_budget(MAX_SESSION_SIZE)
    }

    /// An empty table allowing `budget` StringTable bytes for the whole session.
    pub fn with_budget(budget: usize) -> Self {
        SessionReader {
            strings: Vec::new(),
            remaining: budget,
            broken: false,
        }
    }

    /// Parses the StringTable at the start of `payload`, appends its strings and returns the
    /// number of bytes it occupied (the document follows).
    ///
    /// Any error breaks the session: later calls fail too, as in .NET, since the peer's ids can
    /// no longer be trusted.
    pub fn read_table(&mut self, payload: &[u8]) -> Result<usize, EncodingError> {
        if self.broken {
            return Err(malformed(
                "the session's StringTable was invalid earlier; the session is unusable",
            ));
        }
        let result = self.parse(payload);
        if result.is_err() {
            self.broken = true;
        }
        result
    }

    fn parse(&mut self, payload: &[u8]) -> Result<usize, EncodingError> {
        let (size, header) = read_varint(payload, "the StringTable size")?;
        let size = size as usize;
        let end = header
            .checked_add(size)
            .filter(|&end| end <= payload.len())
            .ok_or_else(|| {
                malformed(format!(
                    "the StringTable size {size} runs past the end of the message ({} bytes)",
                    payload.len()
                ))
            })?;
        if size > self.remaining {
            return Err(malformed(format!(
                "the session's StringTable exceeds its quota of {MAX_SESSION_SIZE} bytes"
            )));
        }
        self.remaining -= size;
        let mut table = payload.get(header..end).unwrap_or_default();
        while !table.is_empty() {
            let (len, used) = read_varint(table, "a StringTable string length")?;
            let rest = table.get(used..).unwrap_or_default();
            let bytes = rest
                .get(..len as usize)
                .ok_or_else(|| malformed("a StringTable string runs past the table's size"))?;
            let s = std::str::from_utf8(bytes)
                .map_err(|_| malformed("a StringTable string is not valid UTF-8"))?;
            self.strings.push(s.to_owned());
            table = rest.get(len as usize..).unwrap_or_default();
        }
        Ok(end)
    }

    /// The string with the odd id `id`, if it has been defined.
    pub fn get(&self, id: u32) -> Option<&str> {
        if id & 1 == 0 {
            return None;
        }
        self.strings
            .get(usize::try_from(id >> 1).ok()?)
            .map(String::as_str)
    }

    /// The number of strings defined so far.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Whether no string has been defined yet.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

fn read_varint(bytes: &[u8], what: &str) -> Result<(u32, usize), EncodingError> {
    match varint::decode(bytes) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(malformed(format!("the message ends inside {what}"))),
        Err(e) => Err(malformed(format!("{what}: {e}"))),
    }
}

/// The strings we have added to our side of the session, and those waiting to be sent in the
/// next StringTable.
#[derive(Debug, Clone)]
pub struct SessionWriter {
    ids: FxHashMap<String, u32>,
    /// Strings added since the last [`SessionWriter::write_table`], in id order.
    pending: Vec<String>,
    remaining: usize,
}

impl Default for SessionWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionWriter {
    /// An empty table with the default budget.
    pub fn new() -> Self {
        Self::with_budget(MAX_SESSION_SIZE)
    }

    /// An empty table allowing `budget` StringTable bytes for the whole session.
    pub fn with_budget(budget: usize) -> Self {
        SessionWriter {
            ids: FxHashMap::default(),
            pending: Vec::new(),
            remaining: budget,
        }
    }

    /// The id of `s`, adding it to the table if the budget allows; `None` when it does not.
    pub fn id_or_add(&mut self, s: &str) -> Option<u32> {
        if let Some(&id) = self.ids.get(s) {
            return Some(id);
        }
        let cost = s.len() + varint::encoded_len(u32::try_from(s.len()).ok()?);
        if cost > self.remaining {
            return None;
        }
        let id = u32::try_from(self.ids.len())
            .ok()?
            .checked_mul(2)?
            .checked_add(1)?;
        self.remaining -= cost;
        self.ids.insert(s.to_owned(), id);
        self.pending.push(s.to_owned());
        Some(id)
    }

    /// Appends the StringTable of the pending strings (`00` when there are none) and marks them
    /// sent.
    pub fn write_table(&mut self, out: &mut BytesMut) -> Result<(), EncodingError> {
        let size: usize = self
            .pending
            .iter()
            .map(|s| s.len() + varint::encoded_len(s.len() as u32))
            .sum();
        let too_long = |_| malformed("the StringTable is too long");
        varint::encode_len(size, out).map_err(too_long)?;
        for s in self.pending.drain(..) {
            varint::encode_len(s.len(), out).map_err(too_long)?;
            out.extend_from_slice(s.as_bytes());
        }
        Ok(())
    }

    /// Forgets the pending strings (the message that added them was not sent).
    pub fn discard_pending(&mut self) {
        for s in self.pending.drain(..) {
            if self.ids.remove(&s).is_some() {
                self.remaining += s.len() + varint::encoded_len(s.len() as u32);
            }
        }
    }

    /// The number of strings defined so far (sent or pending).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no string has been defined yet.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_captured_table() {
        let mut table = vec![0x12, 0x11];
        table.extend_from_slice(b"SessionInfoResult");
        table.push(0x56);
        let mut reader = SessionReader::new();
        assert_eq!(reader.read_table(&table).unwrap(), 19);
        assert_eq!(reader.get(1), Some("SessionInfoResult"));
        assert_eq!(reader.get(3), None);
        assert_eq!(reader.get(2), None);
        assert_eq!(reader.read_table(&[0x00, 0x56]).unwrap(), 1);
        assert_eq!(reader.len(), 1);
    }

    #[test]
    fn rejects_bad_tables() {
        // Size past the payload.
        assert!(
            SessionReader::new()
                .read_table(&[0x05, 0x01, 0x61])
                .is_err()
        );
        // A string running past the size.
        assert!(
            SessionReader::new()
                .read_table(&[0x02, 0x05, 0x61, 0x62])
                .is_err()
        );
        // Truncated size.
        assert!(SessionReader::new().read_table(&[0x80]).is_err());
        assert!(SessionReader::new().read_table(&[]).is_err());
        // Not UTF-8.
        assert!(
            SessionReader::new()
                .read_table(&[0x02, 0x01, 0xFF])
                .is_err()
        );
        // After an error the session is broken.
        let mut reader = SessionReader::new();
        assert!(reader.read_table(&[0x05]).is_err());
        assert!(reader.read_table(&[0x00]).is_err());
    }

    #[test]
    fn enforces_the_session_budget() {
        let mut reader = SessionReader::with_budget(10);
        assert!(reader.read_table(&[0x04, 0x03, b'a', b'b', b'c']).is_ok());
        let mut big = vec![0x07, 0x06];
        big.extend_from_slice(b"abcdef");
        assert!(reader.read_table(&big).is_err());

        let mut reader = SessionReader::new();
        // 3000 bytes of table in one message: over 2048.
        let mut message = Vec::new();
        varint::encode_len(3000, &mut message).unwrap();
        message.extend(std::iter::repeat_n(0u8, 3000));
        assert!(reader.read_table(&message).is_err());
    }

    #[test]
    fn writer_assigns_odd_ids_and_respects_the_budget() {
        let mut writer = SessionWriter::with_budget(8);
        assert_eq!(writer.id_or_add("n"), Some(1));
        assert_eq!(writer.id_or_add("abc"), Some(3));
        assert_eq!(writer.id_or_add("n"), Some(1));
        assert_eq!(writer.id_or_add("toolong"), None);
        let mut out = BytesMut::new();
        writer.write_table(&mut out).unwrap();
        assert_eq!(&out[..], &[0x06, 0x01, b'n', 0x03, b'a', b'b', b'c']);
        out.clear();
        writer.write_table(&mut out).unwrap();
        assert_eq!(&out[..], &[0x00]);
        assert_eq!(writer.id_or_add("x"), Some(5));
        writer.discard_pending();
        assert_eq!(writer.id_or_add("y"), Some(5));
    }
}
