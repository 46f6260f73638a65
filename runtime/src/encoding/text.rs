//! The SOAP text message encoding (UTF-8): the envelope WCF's text encoder writes and reads, in
//! any [`MessageVersion`].
//!
//! An adapter of the envelope grammar ([`super::envelope`]): writing goes through
//! [`TextWriter`] straight into the output buffer; reading through [`TextSource`]
//! (quick-xml's namespace-aware reader over the input). A body is cut out of the input as text
//! (`Body::Xml`), not re-serialised; headers other than the
//! addressing ones are read into events.
//!
//! # Fragments and namespace scope
//!
//! A decoded [`XmlFragment`](crate::message::XmlFragment) carries the namespace bindings that
//! were in scope where it was cut (minus the ones its own first element redeclares), so it can be
//! re-parsed on its own. When a fragment with a non-empty `scope` is written, the bindings it
//! needs are declared on each of its top-level start tags (`<Add` becomes `<Add xmlns:x="…"`),
//! except bindings the tag declares itself and bindings identical to the ones the envelope
//! already has in scope (`s`, and `a` with addressing). A decoded message therefore re-encodes
//! to the same body text.

#[cfg(test)]
mod tests;

use bytes::BytesMut;

use super::envelope::{RecentStrings, read_message, write_message};
use super::{EncodingError, MessageEncoder};
use crate::message::{Body, Message};
use crate::xml::{TextSource, TextWriter};

pub use super::MessageVersion;

/// The SOAP text encoder: UTF-8 XML envelopes, as WCF's `TextMessageEncodingBindingElement`
/// writes them.
///
/// Decoding accepts a UTF-8 byte-order mark, an XML declaration, comments and whitespace; it
/// refuses DTDs ([`EncodingError::Refused`]) and reports an envelope of the other SOAP version as
/// [`EncodingError::VersionMismatch`]. With WS-Addressing a `wsa:Action` header is required on
/// both sides.
#[derive(Debug, Clone)]
pub struct TextEncoder {
    version: MessageVersion,
    strings: RecentStrings,
}

impl TextEncoder {
    /// A text encoder for `version`.
    pub fn new(version: MessageVersion) -> Self {
        TextEncoder {
            version,
            strings: RecentStrings::default(),
        }
    }

    /// A SOAP 1.2 + WS-Addressing 1.0 text encoder (NetTcp, WSHttp).
    pub fn soap12() -> Self {
        Self::new(MessageVersion::Soap12WsAddressing10)
    }

    /// A SOAP 1.1 text encoder without addressing (BasicHttp).
    pub fn soap11() -> Self {
        Self::new(MessageVersion::Soap11)
    }

    /// The message version this encoder reads and writes.
    pub const fn version(&self) -> MessageVersion {
        self.version
    }
}

impl MessageEncoder for TextEncoder {
    fn content_type(&self) -> &'static str {
        self.version.content_type()
    }

    fn encode(&mut self, message: &Message, out: &mut BytesMut) -> Result<(), EncodingError> {
        out.reserve(estimate_size(message));
        // Undo a partial write on error, so `out` holds only whole messages.
        let mark = out.len();
        let result = write_message(self.version, message, &mut TextWriter::new(out));
        if result.is_err() {
            out.truncate(mark);
        }
        result
    }

    fn decode(&mut self, bytes: &[u8]) -> Result<Message, EncodingError> {
        let mut source = TextSource::from_bytes(bytes)?;
        read_message(self.version, &mut source, &mut self.strings)
    }
}

/// A generous estimate of the encoded size, to reserve the buffer once.
fn estimate_size(message: &Message) -> usize {
    let h = &message.headers;
    let strings = [&h.action, &h.to, &h.reply_to];
    let mut size = 400
        + strings
            .iter()
            .filter_map(|s| s.as_ref())
            .map(|s| s.len() + 60)
            .sum::<usize>()
        + 2 * 110;
    size += h
        .other
        .iter()
        .map(|block| block.element().text_len_hint())
        .sum::<usize>();
    size += match &message.body {
        Body::Empty => 0,
        Body::Xml(fragment) => fragment.text.len() + 64,
        Body::Infoset(infoset) => infoset.text_len_hint(),
        Body::Fault(fault) => {
            300 + fault.reason().len() + fault.detail.as_ref().map_or(0, |d| d.text_len_hint())
        }
    };
    size
}
