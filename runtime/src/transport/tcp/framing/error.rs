//! [`FramingError`]: every way a framing conversation can go wrong.

use super::{Encoding, VarintError, fault};

/// A framing protocol violation, an exceeded quota, or an I/O failure.
///
/// [`FramingError::fault_uri`] tells which framing fault (if any) a receiver should send before
/// closing the connection.
#[derive(Debug, thiserror::Error)]
pub enum FramingError {
    /// Reading from or writing to the underlying stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The record type byte is not one [MC-NMF] defines.
    #[error("unknown framing record type 0x{0:02X}")]
    UnknownRecord(u8),
    /// A size or length field is not a valid MultiByteInt31 (longer than five bytes; a size of
    /// 2^31 or more is reported as the record's over-limit error instead).
    #[error("invalid record size: {0}")]
    InvalidSize(#[from] VarintError),
    /// A record whose size must not be zero declared size zero (or an unsized envelope had no
    /// chunk). The field is the record type byte.
    #[error("framing record type 0x{0:02X} has size zero")]
    ZeroSize(u8),
    /// A string record (Via, encoding, fault, upgrade) is not valid UTF-8. The field is the record
    /// type byte.
    #[error("framing record type 0x{0:02X} carries invalid UTF-8")]
    InvalidUtf8(u8),
    /// An envelope declares more bytes than `max_message_size` allows.
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    MessageTooLarge {
        /// The declared size (for unsized envelopes: the bytes received so far plus the chunk).
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A Via record is longer than `max_via`.
    #[error("via of {size} bytes exceeds the limit of {limit} bytes")]
    ViaTooLong {
        /// The declared size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// An ExtensibleEncoding record is longer than `max_content_type`.
    #[error("content type of {size} bytes exceeds the limit of {limit} bytes")]
    ContentTypeTooLong {
        /// The declared size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A Fault or UpgradeRequest string is longer than its limit. `record` is the type byte.
    #[error(
        "framing record type 0x{record:02X} of {size} bytes exceeds the limit of {limit} bytes"
    )]
    StringTooLong {
        /// The record type byte.
        record: u8,
        /// The declared size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The Mode record carries a value that is unknown, or that the receiver does not support.
    #[error("unsupported framing mode 0x{0:02X}")]
    UnsupportedMode(u8),
    /// The Version record's major version is not 1.
    #[error("unsupported framing version {major}.{minor}")]
    UnsupportedVersion {
        /// Major version received.
        major: u8,
        /// Minor version received.
        minor: u8,
    },
    /// A record arrived where the framing grammar does not allow it.
    #[error("unexpected {found} record, expected {expected}")]
    UnexpectedRecord {
        /// What the grammar allows here.
        expected: &'static str,
        /// The record type that arrived.
        found: &'static str,
    },
    /// No endpoint accepts the Via.
    #[error("no endpoint at via {0:?}")]
    EndpointNotFound(String),
    /// The endpoint does not accept the announced encoding.
    #[error("encoding {0:?} not supported by the endpoint")]
    ContentTypeInvalid(Encoding),
    /// The peer asked for a stream upgrade, which is not supported.
    #[error("stream upgrade {0:?} not supported")]
    UpgradeInvalid(String),
    /// The stream ended in the middle of a record.
    #[error("stream ended inside a framing record ({0} bytes buffered)")]
    Truncated(usize),
}

impl FramingError {
    /// The framing fault URI a receiver should send (in a Fault record) for this error, or `None`
    /// when the connection should just be closed (I/O failure, malformed bytes).
    pub fn fault_uri(&self) -> Option<&'static str> {
        match self {
            FramingError::Io(_)
            | FramingError::ZeroSize(_)
            | FramingError::InvalidUtf8(_)
            | FramingError::StringTooLong { .. }
            | FramingError::Truncated(_) => None,
            FramingError::UnknownRecord(_)
            | FramingError::UnexpectedRecord { .. }
            | FramingError::InvalidSize(_) => Some(fault::INVALID_RECORD_SEQUENCE),
            FramingError::MessageTooLarge { .. } => Some(fault::MAX_MESSAGE_SIZE_EXCEEDED),
            FramingError::ViaTooLong { .. } => Some(fault::VIA_TOO_LONG),
            FramingError::ContentTypeTooLong { .. } => Some(fault::CONTENT_TYPE_TOO_LONG),
            FramingError::UnsupportedMode(_) => Some(fault::UNSUPPORTED_MODE),
            FramingError::UnsupportedVersion { .. } => Some(fault::UNSUPPORTED_VERSION),
            FramingError::EndpointNotFound(_) => Some(fault::ENDPOINT_NOT_FOUND),
            FramingError::ContentTypeInvalid(_) => Some(fault::CONTENT_TYPE_INVALID),
            FramingError::UpgradeInvalid(_) => Some(fault::UPGRADE_INVALID),
        }
    }
}
