//! An [MC-NBFX] record writer: picks the shortest record for each name (static dictionary,
//! session StringTable or inline) and each text value, and writes straight into a [`BytesMut`].
//!
//! A text record followed by the end of its element is written as the `…WithEndElement` form, as
//! .NET does.

use std::sync::OnceLock;

use bytes::{BufMut, BytesMut};

use super::dictionary::static_id;
use super::session::SessionWriter;
use super::text::swap_guid;
use crate::varint;
use crate::xml::XmlError;
use crate::xml::XmlSink;
use crate::xml::lexical::parse_uuid;
use crate::xml::stream::{FixedCache, FixedEvent, FixedEvents};

fn too_long() -> XmlError {
    XmlError::Malformed("a string too long for a binary XML record".into())
}

/// How a name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameForm {
    /// A DictionaryString id.
    Dictionary(u32),
    /// An inline String.
    Inline,
}

/// Writes records into a buffer.
#[derive(Debug)]
pub struct Writer<'o> {
    out: &'o mut BytesMut,
    session: Option<&'o mut SessionWriter>,
    /// Position of the last record if it was an element-content text record.
    last_text: Option<usize>,
}

impl<'o> Writer<'o> {
    /// A writer appending to `out`, adding names to `session` when asked to intern them.
    pub fn new(out: &'o mut BytesMut, session: Option<&'o mut SessionWriter>) -> Self {
        Writer {
            out,
            session,
            last_text: None,
        }
    }

    fn name_form(&mut self, name: &str, intern: bool) -> NameForm {
        if let Some(id) = static_id(name) {
            return NameForm::Dictionary(id);
        }
        if intern
            && !name.is_empty()
            && let Some(session) = self.session.as_deref_mut()
            && let Some(id) = session.id_or_add(name)
        {
            return NameForm::Dictionary(id);
        }
        NameForm::Inline
    }

    fn string(&mut self, s: &str) -> Result<(), XmlError> {
        varint::encode_len(s.len(), self.out).map_err(|_| too_long())?;
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn id(&mut self, id: u32) -> Result<(), XmlError> {
        varint::encode(id, self.out).map_err(|_| too_long())
    }

    fn name(&mut self, form: NameForm, name: &str) -> Result<(), XmlError> {
        match form {
            NameForm::Dictionary(id) => self.id(id),
            NameForm::Inline => self.string(name),
        }
    }

    /// Starts an element `prefix:local` (`prefix` may be empty). With `intern`, a name not in the
    /// static dictionary goes to the session StringTable (budget permitting).
    pub fn element(&mut self, prefix: &str, local: &str, intern: bool) -> Result<(), XmlError> {
        let form = self.name_form(local, intern);
        self.element_record(prefix, local, form)
    }

    /// Starts an element with an inline name even if the name is in a dictionary.
    pub fn start_element_inline(&mut self, prefix: &str, local: &str) -> Result<(), XmlError> {
        self.element_record(prefix, local, NameForm::Inline)
    }

    fn element_record(
        &mut self,
        prefix: &str,
        local: &str,
        form: NameForm,
    ) -> Result<(), XmlError> {
        self.last_text = None;
        let dictionary = matches!(form, NameForm::Dictionary(_));
        match (prefix_letter(prefix), prefix.is_empty()) {
            (_, true) => self.out.put_u8(if dictionary { 0x42 } else { 0x40 }),
            (Some(letter), _) => self
                .out
                .put_u8(letter + if dictionary { 0x44 } else { 0x5E }),
            (None, _) => {
                self.out.put_u8(if dictionary { 0x43 } else { 0x41 });
                self.string(prefix)?;
            }
        }
        self.name(form, local)
    }

    /// Appends records written earlier by a writer without a session (they hold no session ids).
    pub fn raw(&mut self, records: &[u8]) {
        self.last_text = None;
        self.out.extend_from_slice(records);
    }

    fn text_record(&mut self, value: &str) -> Result<(), XmlError> {
        match value {
            "" => self.out.put_u8(0xA8),
            "0" => self.out.put_u8(0x80),
            "1" => self.out.put_u8(0x82),
            "false" => self.out.put_u8(0x84),
            "true" => self.out.put_u8(0x86),
            _ => {
                if let Some(v) = canonical_integer(value) {
                    if let Ok(v) = i8::try_from(v) {
                        self.out.put_u8(0x88);
                        self.out.put_i8(v);
                    } else if let Ok(v) = i16::try_from(v) {
                        self.out.put_u8(0x8A);
                        self.out.put_i16_le(v);
                    } else if let Ok(v) = i32::try_from(v) {
                        self.out.put_u8(0x8C);
                        self.out.put_i32_le(v);
                    } else {
                        self.out.put_u8(0x8E);
                        self.out.put_i64_le(v);
                    }
                } else if let Some(guid) = value.strip_prefix("urn:uuid:").and_then(parse_uuid) {
                    self.out.put_u8(0xAC);
                    self.out.put_slice(&swap_guid(guid));
                } else {
                    self.sized_record(0x98, value.as_bytes())?;
                }
            }
        }
        Ok(())
    }
}

impl Writer<'_> {
    /// Writes `data` as the shortest of a record family with an 8-, 16- or 32-bit length:
    /// record `base` (Chars8Text 0x98, Bytes8Text 0x9E), `base + 2`, `base + 4`.
    fn sized_record(&mut self, base: u8, data: &[u8]) -> Result<(), XmlError> {
        let len = data.len();
        if let Ok(len) = u8::try_from(len) {
            self.out.put_u8(base);
            self.out.put_u8(len);
        } else if let Ok(len) = u16::try_from(len) {
            self.out.put_u8(base + 2);
            self.out.put_u16_le(len);
        } else {
            let len = i32::try_from(len).map_err(|_| too_long())?;
            self.out.put_u8(base + 4);
            self.out.put_i32_le(len);
        }
        self.out.extend_from_slice(data);
        Ok(())
    }
}

/// Records of every fixed run after its leading ends, written once (by a writer without a
/// session: they hold no session ids); `None` if a run cannot be written, which is then replayed
/// event by event.
static FIXED: FixedCache<Box<[u8]>> = [const { OnceLock::new() }; FixedEvents::MAX_ID];

/// The records of `events`.
fn fixed_records(events: &[FixedEvent]) -> Option<Box<[u8]>> {
    let mut out = BytesMut::new();
    let mut w = Writer::new(&mut out, None);
    for event in events {
        match *event {
            FixedEvent::StartInline(prefix, local) => w.start_element_inline(prefix, local),
            other => FixedEvents::write_event(&mut w, other),
        }
        .ok()?;
    }
    Some(out.to_vec().into_boxed_slice())
}

/// The writer is the sink of the binary encodings. Element names below a body's top-level element
/// ([`XmlSink::start_recurring_element`]) go to the session StringTable, as WCF's serializers put
/// parameter and result names there.
impl XmlSink for Writer<'_> {
    fn start_element(&mut self, prefix: &str, local: &str) -> Result<(), XmlError> {
        self.element(prefix, local, false)
    }

    fn start_recurring_element(&mut self, prefix: &str, local: &str) -> Result<(), XmlError> {
        self.element(prefix, local, true)
    }

    /// Declares `prefix` (empty: the default namespace) as `uri` on the element just started.
    fn xmlns(&mut self, prefix: &str, uri: &str) -> Result<(), XmlError> {
        let form = self.name_form(uri, false);
        let dictionary = matches!(form, NameForm::Dictionary(_));
        if prefix.is_empty() {
            self.out.put_u8(if dictionary { 0x0A } else { 0x08 });
        } else {
            self.out.put_u8(if dictionary { 0x0B } else { 0x09 });
            self.string(prefix)?;
        }
        self.name(form, uri)
    }

    /// Writes the attribute `prefix:local="value"` on the element just started.
    fn attribute(&mut self, prefix: &str, local: &str, value: &str) -> Result<(), XmlError> {
        let form = self.name_form(local, false);
        let dictionary = matches!(form, NameForm::Dictionary(_));
        match (prefix_letter(prefix), prefix.is_empty()) {
            (_, true) => self.out.put_u8(if dictionary { 0x06 } else { 0x04 }),
            (Some(letter), _) => self
                .out
                .put_u8(letter + if dictionary { 0x0C } else { 0x26 }),
            (None, _) => {
                self.out.put_u8(if dictionary { 0x07 } else { 0x05 });
                self.string(prefix)?;
            }
        }
        self.name(form, local)?;
        self.text_record(value)?;
        self.last_text = None;
        Ok(())
    }

    /// Writes element content text, in the smallest record that reproduces it exactly.
    fn text(&mut self, value: &str) -> Result<(), XmlError> {
        let at = self.out.len();
        self.text_record(value)?;
        self.last_text = Some(at);
        Ok(())
    }

    /// Writes element content that is a byte payload (`xs:base64Binary`), as Bytes records.
    fn bytes(&mut self, value: &[u8]) -> Result<(), XmlError> {
        let at = self.out.len();
        self.sized_record(0x9E, value)?;
        self.last_text = Some(at);
        Ok(())
    }

    /// Ends the innermost element: folds into the preceding text record when there is one.
    fn end_element(&mut self) -> Result<(), XmlError> {
        match self.last_text.take() {
            Some(at) => {
                if let Some(record) = self.out.get_mut(at) {
                    *record |= 1;
                }
            }
            None => self.out.put_u8(0x01),
        }
        Ok(())
    }

    /// Writes a comment.
    fn comment(&mut self, text: &str) -> Result<(), XmlError> {
        self.last_text = None;
        self.out.put_u8(0x02);
        self.string(text)
    }

    fn unique_id(&mut self, id: &[u8; 16]) -> Result<(), XmlError> {
        let at = self.out.len();
        self.out.put_u8(0xAC);
        self.out.put_slice(&swap_guid(*id));
        self.last_text = Some(at);
        Ok(())
    }

    /// Leading ends of a fixed run are written as ends (an end may fold into the text before
    /// it); the rest is copied from its records, written once.
    fn fixed(&mut self, run: &'static FixedEvents) -> Result<(), XmlError> {
        run.write_cached(self, &FIXED, fixed_records, |w, records| w.raw(records))
    }
}

/// The index of a one-letter lowercase prefix (`a` = 0), for the letter record forms.
fn prefix_letter(prefix: &str) -> Option<u8> {
    match prefix.as_bytes() {
        [c @ b'a'..=b'z'] => Some(c - b'a'),
        _ => None,
    }
}

/// `s` as an `i64` if `s` is exactly the decimal form a reader renders for that value (no sign
/// `+`, no leading zeros, no `-0`), so writing it as a number loses nothing.
fn canonical_integer(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let bytes = digits.as_bytes();
    if bytes.is_empty()
        || bytes.len() > 19
        || !bytes.iter().all(u8::is_ascii_digit)
        || (bytes[0] == b'0' && (bytes.len() > 1 || digits.len() != s.len()))
    {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_integers_only() {
        assert_eq!(canonical_integer("12"), Some(12));
        assert_eq!(canonical_integer("-128"), Some(-128));
        assert_eq!(canonical_integer("0"), Some(0));
        assert_eq!(canonical_integer("-0"), None);
        assert_eq!(canonical_integer("007"), None);
        assert_eq!(canonical_integer("+7"), None);
        assert_eq!(canonical_integer("1e3"), None);
        assert_eq!(canonical_integer(""), None);
        assert_eq!(canonical_integer("-"), None);
        assert_eq!(canonical_integer("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(canonical_integer("9223372036854775808"), None);
    }

    #[test]
    fn records_of_the_worked_example() {
        let mut out = BytesMut::new();
        let mut w = Writer::new(&mut out, None);
        w.start_element("s", "Envelope").unwrap();
        w.xmlns("s", crate::message::SOAP12_NS).unwrap();
        w.xmlns("a", crate::message::WSA10_NS).unwrap();
        w.start_element("a", "Action").unwrap();
        w.attribute("s", "mustUnderstand", "1").unwrap();
        w.text("x").unwrap();
        w.end_element().unwrap();
        w.start_element_inline("a", "Address").unwrap();
        w.text("12").unwrap();
        w.end_element().unwrap();
        w.end_element().unwrap();
        assert_eq!(
            &out[..],
            &[
                0x56, 0x02, 0x0b, 0x01, b's', 0x04, 0x0b, 0x01, b'a', 0x06, 0x44, 0x0a, 0x1e, 0x00,
                0x82, 0x99, 0x01, b'x', 0x5e, 0x07, b'A', b'd', b'd', b'r', b'e', b's', b's', 0x89,
                0x0c, 0x01
            ]
        );
    }
}
