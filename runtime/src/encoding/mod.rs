//! Message encoders: turn a [`Message`] into bytes for one framed message and back.
//!
//! An encoder instance belongs to one connection (binary encodings keep per-session dictionaries).

pub mod binary;
pub mod envelope;
pub mod text;

use bytes::BytesMut;

pub use envelope::MessageVersion;

use crate::message::Message;
use crate::xml::XmlError;

/// Why a message could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodingError {
    /// The bytes are not a well-formed message of this encoding.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The message uses a feature that is refused (DTDs, entity declarations, …).
    #[error("refused: {0}")]
    Refused(String),
    /// The envelope is not of the SOAP version this encoder speaks (a SOAP 1.1 envelope sent to a
    /// SOAP 1.2 endpoint or the reverse). A dispatcher answers it with a `VersionMismatch` fault.
    #[error("SOAP version mismatch: expected an Envelope in {expected}, found one in {found:?}")]
    VersionMismatch {
        /// The envelope namespace the encoder expects.
        expected: &'static str,
        /// The namespace of the `Envelope` element received (`""` when it has none).
        found: String,
    },
    /// The message is larger than the configured limit.
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The message's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

impl From<XmlError> for EncodingError {
    fn from(error: XmlError) -> Self {
        match error {
            XmlError::Doctype => EncodingError::Refused(
                "document type declarations (DOCTYPE) are not accepted in SOAP messages".into(),
            ),
            XmlError::Malformed(message) => EncodingError::Malformed(message),
            other => EncodingError::Malformed(other.to_string()),
        }
    }
}

/// Encodes and decodes messages for one connection.
pub trait MessageEncoder: Send + 'static {
    /// The MIME content type of the encoding.
    fn content_type(&self) -> &'static str;
    /// Appends `message`, encoded, to `out`.
    fn encode(&mut self, message: &Message, out: &mut BytesMut) -> Result<(), EncodingError>;
    /// Decodes one message from `bytes`.
    fn decode(&mut self, bytes: &[u8]) -> Result<Message, EncodingError>;
}
