//! [`FramingCodec`]: a `tokio_util` codec between bytes and [`Record`]s.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::{FramingError, Mode, Record, record_type};
use crate::varint;

/// Receive quotas of a [`FramingCodec`]; the defaults are WCF's NetTcpBinding defaults.
///
/// Each limit is checked as soon as the size field of a record is decoded, so a peer cannot make
/// the decoder buffer more than the limit (plus a few header bytes) for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramingLimits {
    /// Largest envelope payload accepted (WCF `MaxBufferSize`, default 65,536 bytes). For unsized
    /// envelopes it bounds the joined chunks.
    pub max_message_size: usize,
    /// Largest Via accepted (WCF `MaxViaSize`, 2048 bytes).
    pub max_via: usize,
    /// Largest ExtensibleEncoding content type accepted (WCF `MaxContentTypeSize`, 256 bytes).
    pub max_content_type: usize,
    /// Largest Fault URI accepted (.NET clients refuse more than 256 bytes).
    pub max_fault: usize,
    /// Largest UpgradeRequest protocol name accepted (256 bytes).
    pub max_upgrade: usize,
}

impl FramingLimits {
    /// WCF's default `MaxBufferSize` / `MaxReceivedMessageSize`.
    pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 65_536;
    /// WCF's fixed `MaxViaSize`.
    pub const DEFAULT_MAX_VIA: usize = 2048;
    /// WCF's fixed `MaxContentTypeSize`.
    pub const DEFAULT_MAX_CONTENT_TYPE: usize = 256;
    /// Largest fault string a .NET client accepts.
    pub const DEFAULT_MAX_FAULT: usize = 256;
    /// Default limit for upgrade protocol names.
    pub const DEFAULT_MAX_UPGRADE: usize = 256;
}

impl Default for FramingLimits {
    fn default() -> Self {
        FramingLimits {
            max_message_size: Self::DEFAULT_MAX_MESSAGE_SIZE,
            max_via: Self::DEFAULT_MAX_VIA,
            max_content_type: Self::DEFAULT_MAX_CONTENT_TYPE,
            max_fault: Self::DEFAULT_MAX_FAULT,
            max_upgrade: Self::DEFAULT_MAX_UPGRADE,
        }
    }
}

/// The chunks of an unsized envelope received so far.
#[derive(Debug, Clone, Default)]
enum Chunks {
    /// No chunk yet.
    #[default]
    None,
    /// Exactly one chunk, kept without copying.
    One(Bytes),
    /// Several chunks, joined.
    Many(BytesMut),
}

/// Decoding state inside an unsized envelope (after its type byte was consumed).
#[derive(Debug, Clone, Default)]
struct UnsizedState {
    chunks: Chunks,
    total: usize,
}

/// Decodes and encodes [MC-NMF] framing records.
///
/// The decoder is incremental: given a partial record it returns `Ok(None)` and resumes when more
/// bytes arrive. It never panics on hostile input and never buffers more than the configured
/// [`FramingLimits`] per record. Envelope payloads are split off the read buffer without copying.
///
/// The decoder does not check the record *sequence* (that is the preamble's and the session's job);
/// it only rejects records that are malformed or over quota, and Mode values outside 1–4.
#[derive(Debug, Clone, Default)]
pub struct FramingCodec {
    limits: FramingLimits,
    unsized_envelope: Option<UnsizedState>,
}

impl FramingCodec {
    /// A codec with WCF's default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// A codec with the given limits.
    pub fn with_limits(limits: FramingLimits) -> Self {
        FramingCodec {
            limits,
            unsized_envelope: None,
        }
    }

    /// The codec's receive limits.
    pub fn limits(&self) -> &FramingLimits {
        &self.limits
    }

    /// Mutable access to the receive limits (takes effect from the next record).
    pub fn limits_mut(&mut self) -> &mut FramingLimits {
        &mut self.limits
    }

    /// Appends `record` to `dst`.
    ///
    /// Fails (writing nothing) for records the decoder would reject: empty strings or envelopes,
    /// and sizes beyond 0x7FFFFFFF. Receive limits are not applied to outgoing records.
    pub fn encode_record(record: &Record, dst: &mut BytesMut) -> Result<(), FramingError> {
        let ty = record.record_type();
        match record {
            Record::Version { major, minor } => {
                dst.reserve(3);
                dst.put_u8(ty);
                dst.put_u8(*major);
                dst.put_u8(*minor);
            }
            Record::Mode(mode) => {
                dst.reserve(2);
                dst.put_u8(ty);
                dst.put_u8(u8::from(*mode));
            }
            Record::KnownEncoding(encoding) => {
                dst.reserve(2);
                dst.put_u8(ty);
                dst.put_u8(*encoding);
            }
            Record::Via(text)
            | Record::ExtensibleEncoding(text)
            | Record::Fault(text)
            | Record::UpgradeRequest(text) => put_sized(ty, text.as_bytes(), dst)?,
            Record::SizedEnvelope(payload) => put_sized(ty, payload, dst)?,
            Record::UnsizedEnvelope(payload) => {
                if payload.is_empty() {
                    return Err(FramingError::ZeroSize(ty));
                }
                // Chunks of at most MAX_VALUE bytes; in practice a single chunk.
                let max_chunk = varint::MAX_VALUE as usize;
                let chunk_count = payload.len().div_ceil(max_chunk);
                dst.reserve(1 + payload.len() + chunk_count * varint::MAX_LEN + 1);
                dst.put_u8(ty);
                for chunk in payload.chunks(max_chunk) {
                    varint::encode_len(chunk.len(), dst)?;
                    dst.put_slice(chunk);
                }
                dst.put_u8(0);
            }
            Record::End | Record::UpgradeResponse | Record::PreambleAck | Record::PreambleEnd => {
                dst.put_u8(ty)
            }
        }
        Ok(())
    }

    /// Appends only the header of a SizedEnvelope (type byte and size) for a payload of `len`
    /// bytes that the caller writes right after it, e.g. a message already encoded in its own
    /// buffer, so the payload is not copied into the record.
    pub fn encode_sized_envelope_header(
        len: usize,
        dst: &mut BytesMut,
    ) -> Result<(), FramingError> {
        put_sized_header(record_type::SIZED_ENVELOPE, len, dst)
    }

    /// A lower bound (at least 1) on the bytes still missing before the record starting at
    /// `src` can be decoded. Reading no more than this never consumes bytes of a later record.
    pub(crate) fn bytes_needed(&self, src: &[u8]) -> usize {
        if self.unsized_envelope.is_some() {
            return sized_missing(src, 0);
        }
        let Some(&ty) = src.first() else {
            return 1;
        };
        let total: usize = match ty {
            record_type::VERSION => 3,
            record_type::MODE | record_type::KNOWN_ENCODING => 2,
            record_type::VIA
            | record_type::EXTENSIBLE_ENCODING
            | record_type::FAULT
            | record_type::UPGRADE_REQUEST
            | record_type::SIZED_ENVELOPE => return sized_missing(src, 1),
            _ => 1,
        };
        total.saturating_sub(src.len()).max(1)
    }

    /// Whether the decoder is in the middle of an unsized envelope.
    pub(crate) fn in_unsized_envelope(&self) -> bool {
        self.unsized_envelope.is_some()
    }

    fn decode_string(
        &self,
        src: &mut BytesMut,
        ty: u8,
        limit: usize,
    ) -> Result<Option<String>, FramingError> {
        let too_long = |size| match ty {
            record_type::VIA => FramingError::ViaTooLong { size, limit },
            record_type::EXTENSIBLE_ENCODING => FramingError::ContentTypeTooLong { size, limit },
            _ => FramingError::StringTooLong {
                record: ty,
                size,
                limit,
            },
        };
        let Some((size, header)) = sized_header(src, 1, too_long)? else {
            return Ok(None);
        };
        if size == 0 {
            return Err(FramingError::ZeroSize(ty));
        }
        if size > limit {
            return Err(too_long(size));
        }
        let Some(body) = take_body(src, header, size) else {
            return Ok(None);
        };
        match String::from_utf8(body.to_vec()) {
            Ok(text) => Ok(Some(text)),
            Err(_) => Err(FramingError::InvalidUtf8(ty)),
        }
    }

    fn decode_unsized_chunks(
        &mut self,
        src: &mut BytesMut,
    ) -> Result<Option<Record>, FramingError> {
        let limit = self.limits.max_message_size;
        loop {
            let Some(state) = self.unsized_envelope.as_mut() else {
                return Ok(None);
            };
            let too_large = |size: usize| FramingError::MessageTooLarge {
                size: state.total.saturating_add(size),
                limit,
            };
            let Some((size, header)) = sized_header(src, 0, too_large)? else {
                return Ok(None);
            };
            if size == 0 {
                src.advance(header);
                let finished = self.unsized_envelope.take().unwrap_or_default();
                return match finished.chunks {
                    Chunks::None => Err(FramingError::ZeroSize(record_type::UNSIZED_ENVELOPE)),
                    Chunks::One(bytes) => Ok(Some(Record::UnsizedEnvelope(bytes))),
                    Chunks::Many(bytes) => Ok(Some(Record::UnsizedEnvelope(bytes.freeze()))),
                };
            }
            let total = state.total.saturating_add(size);
            if total > limit {
                return Err(FramingError::MessageTooLarge { size: total, limit });
            }
            let Some(chunk) = take_body(src, header, size) else {
                return Ok(None);
            };
            state.total = total;
            state.chunks = match std::mem::take(&mut state.chunks) {
                Chunks::None => Chunks::One(chunk),
                Chunks::One(first) => {
                    let mut joined = BytesMut::with_capacity(total);
                    joined.put_slice(&first);
                    joined.put_slice(&chunk);
                    Chunks::Many(joined)
                }
                Chunks::Many(mut joined) => {
                    joined.put_slice(&chunk);
                    Chunks::Many(joined)
                }
            };
        }
    }
}

/// Decodes the MultiByteInt31 size at `src[offset..]`: `Ok(None)` while incomplete, else the size
/// and the length of the header up to and including it. A size of 2^31 or more exceeds every
/// limit: it is reported as `too_large(2^31)`, the record's own over-limit error; a size field
/// longer than five bytes is [`FramingError::InvalidSize`].
fn sized_header(
    src: &[u8],
    offset: usize,
    too_large: impl FnOnce(usize) -> FramingError,
) -> Result<Option<(usize, usize)>, FramingError> {
    let rest = src.get(offset..).unwrap_or_default();
    match varint::decode(rest) {
        Ok(size) => Ok(size.map(|(size, len)| (size as usize, offset + len))),
        Err(varint::VarintError::Overflow) => Err(too_large(varint::MAX_VALUE as usize + 1)),
        Err(error) => Err(error.into()),
    }
}

/// Lower bound of missing bytes for a size-prefixed record whose size field starts at `offset`.
fn sized_missing(src: &[u8], offset: usize) -> usize {
    match sized_header(src, offset, |_| FramingError::Truncated(0)) {
        Ok(Some((size, header))) => header.saturating_add(size).saturating_sub(src.len()).max(1),
        _ => 1,
    }
}

/// Splits off `header + size` bytes if all are buffered and returns the last `size` of them;
/// otherwise reserves room for the rest of the record and returns `None`.
///
/// Callers have checked `size` against a limit, so the reservation is bounded.
fn take_body(src: &mut BytesMut, header: usize, size: usize) -> Option<Bytes> {
    let total = header + size;
    if src.len() < total {
        src.reserve(total - src.len());
        return None;
    }
    src.advance(header);
    Some(src.split_to(size).freeze())
}

fn put_sized_header(ty: u8, len: usize, dst: &mut BytesMut) -> Result<(), FramingError> {
    if len == 0 {
        return Err(FramingError::ZeroSize(ty));
    }
    let size = u32::try_from(len)
        .ok()
        .filter(|size| *size <= varint::MAX_VALUE)
        .ok_or(varint::VarintError::Overflow)?;
    dst.reserve(1 + varint::encoded_len(size));
    dst.put_u8(ty);
    varint::encode(size, dst)?;
    Ok(())
}

fn put_sized(ty: u8, body: &[u8], dst: &mut BytesMut) -> Result<(), FramingError> {
    put_sized_header(ty, body.len(), dst)?;
    dst.extend_from_slice(body);
    Ok(())
}

impl Decoder for FramingCodec {
    type Item = Record;
    type Error = FramingError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Record>, FramingError> {
        if self.unsized_envelope.is_some() {
            return self.decode_unsized_chunks(src);
        }
        let Some(&ty) = src.first() else {
            return Ok(None);
        };
        let record = match ty {
            record_type::VERSION => match src.get(..3) {
                Some(&[_, major, minor]) => {
                    src.advance(3);
                    Record::Version { major, minor }
                }
                _ => return Ok(None),
            },
            record_type::MODE | record_type::KNOWN_ENCODING => {
                let Some(&value) = src.get(1) else {
                    return Ok(None);
                };
                let record = if ty == record_type::MODE {
                    Record::Mode(Mode::try_from(value).map_err(FramingError::UnsupportedMode)?)
                } else {
                    Record::KnownEncoding(value)
                };
                src.advance(2);
                record
            }
            record_type::VIA => match self.decode_string(src, ty, self.limits.max_via)? {
                Some(via) => Record::Via(via),
                None => return Ok(None),
            },
            record_type::EXTENSIBLE_ENCODING => {
                match self.decode_string(src, ty, self.limits.max_content_type)? {
                    Some(content_type) => Record::ExtensibleEncoding(content_type),
                    None => return Ok(None),
                }
            }
            record_type::FAULT => match self.decode_string(src, ty, self.limits.max_fault)? {
                Some(uri) => Record::Fault(uri),
                None => return Ok(None),
            },
            record_type::UPGRADE_REQUEST => {
                match self.decode_string(src, ty, self.limits.max_upgrade)? {
                    Some(protocol) => Record::UpgradeRequest(protocol),
                    None => return Ok(None),
                }
            }
            record_type::SIZED_ENVELOPE => {
                let limit = self.limits.max_message_size;
                let too_large = |size| FramingError::MessageTooLarge { size, limit };
                let Some((size, header)) = sized_header(src, 1, too_large)? else {
                    return Ok(None);
                };
                if size == 0 {
                    return Err(FramingError::ZeroSize(ty));
                }
                if size > limit {
                    return Err(FramingError::MessageTooLarge { size, limit });
                }
                match take_body(src, header, size) {
                    Some(payload) => Record::SizedEnvelope(payload),
                    None => return Ok(None),
                }
            }
            record_type::UNSIZED_ENVELOPE => {
                src.advance(1);
                self.unsized_envelope = Some(UnsizedState::default());
                return self.decode_unsized_chunks(src);
            }
            record_type::END => simple(src, Record::End),
            record_type::UPGRADE_RESPONSE => simple(src, Record::UpgradeResponse),
            record_type::PREAMBLE_ACK => simple(src, Record::PreambleAck),
            record_type::PREAMBLE_END => simple(src, Record::PreambleEnd),
            other => return Err(FramingError::UnknownRecord(other)),
        };
        Ok(Some(record))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Record>, FramingError> {
        match self.decode(src)? {
            Some(record) => Ok(Some(record)),
            None if src.is_empty() && self.unsized_envelope.is_none() => Ok(None),
            None => Err(FramingError::Truncated(src.len())),
        }
    }
}

/// Consumes the type byte of a body-less record.
fn simple(src: &mut BytesMut, record: Record) -> Record {
    src.advance(1);
    record
}

impl Encoder<Record> for FramingCodec {
    type Error = FramingError;

    fn encode(&mut self, record: Record, dst: &mut BytesMut) -> Result<(), FramingError> {
        Self::encode_record(&record, dst)
    }
}

impl Encoder<&Record> for FramingCodec {
    type Error = FramingError;

    fn encode(&mut self, record: &Record, dst: &mut BytesMut) -> Result<(), FramingError> {
        Self::encode_record(record, dst)
    }
}
