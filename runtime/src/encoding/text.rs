//! The SOAP text message encoding (UTF-8): the envelope WCF's text encoder writes and reads.
//!
//! Two message versions are supported (see [`MessageVersion`]): SOAP 1.2 with WS-Addressing 1.0
//! (NetTcp, WSHttp) and SOAP 1.1 without addressing (BasicHttp).
//!
//! Writing goes straight into the output buffer. Reading uses quick-xml's namespace-aware reader
//! over the input and cuts the body and unknown headers out of the input as text, without
//! re-serialising them; only the owned strings of the [`Message`] are allocated.
//!
//! # Fragments and namespace scope
//!
//! A decoded [`XmlFragment`](crate::message::XmlFragment) carries the namespace bindings that
//! were in scope where it was cut (minus the ones its own first element redeclares), so it can be
//! re-parsed on its own. When a
//! fragment with a non-empty `scope` is written, the bindings it needs are declared on each of its
//! top-level start tags (`<Add` becomes `<Add xmlns:x="…"`), except bindings the tag declares itself
//! and bindings identical to the ones the envelope already has in scope (`s`, and `a` for SOAP 1.2).
//! A decoded message therefore re-encodes to the same body text.

mod read;
mod write;

#[cfg(test)]
mod tests;

use bytes::BytesMut;

use super::{EncodingError, MessageEncoder};
use crate::message::{Message, SOAP11_NS, SOAP12_NS};

/// The SOAP and WS-Addressing versions of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageVersion {
    /// SOAP 1.2 with WS-Addressing 1.0 headers (`application/soap+xml`): WCF's NetTcp and WSHttp
    /// bindings.
    Soap12WsAddressing10,
    /// SOAP 1.1 without addressing (`text/xml`): WCF's BasicHttp binding. The action travels in
    /// the HTTP `SOAPAction` header, so the envelope carries no `wsa:*` header: the encoder drops
    /// the addressing fields of [`crate::message::Headers`] and the decoder keeps any `wsa:*`
    /// header it finds as a [`crate::message::RawHeader`].
    Soap11,
}

impl MessageVersion {
    /// The namespace of the `Envelope` element.
    pub const fn envelope_namespace(self) -> &'static str {
        match self {
            MessageVersion::Soap12WsAddressing10 => SOAP12_NS,
            MessageVersion::Soap11 => SOAP11_NS,
        }
    }

    /// The MIME content type of the text encoding of this version.
    pub const fn content_type(self) -> &'static str {
        match self {
            MessageVersion::Soap12WsAddressing10 => "application/soap+xml; charset=utf-8",
            MessageVersion::Soap11 => "text/xml; charset=utf-8",
        }
    }

    /// Whether the envelope carries WS-Addressing 1.0 headers.
    pub const fn has_addressing(self) -> bool {
        matches!(self, MessageVersion::Soap12WsAddressing10)
    }

    /// A short human-readable name ("SOAP 1.2", "SOAP 1.1").
    pub const fn name(self) -> &'static str {
        match self {
            MessageVersion::Soap12WsAddressing10 => "SOAP 1.2",
            MessageVersion::Soap11 => "SOAP 1.1",
        }
    }
}

/// The SOAP text encoder: UTF-8 XML envelopes, as WCF's `TextMessageEncodingBindingElement`
/// writes them.
///
/// Decoding accepts a UTF-8 byte-order mark, an XML declaration, comments and whitespace; it
/// refuses DTDs ([`EncodingError::Refused`]) and reports an envelope of the other SOAP version as
/// [`EncodingError::VersionMismatch`]. With SOAP 1.2 a `wsa:Action` header is required on both
/// sides.
///
/// Conventions:
/// - a [`RawHeader`](crate::message::RawHeader)'s `xml` is written as is: its `namespace`,
///   `name` and `must_understand` describe that XML and are not written separately;
/// - only the Body's first child element is read; further children are checked and dropped
///   (likewise for a fault's detail);
/// - SOAP 1.1 has no fault subcodes: like WCF, the first subcode, if any, is written as the
///   `faultcode`; such a code (outside the envelope namespace) is read back as a
///   [`FaultKind::Receiver`](crate::message::FaultKind::Receiver) fault with that one subcode,
///   since the class is not on the wire.
#[derive(Debug, Clone)]
pub struct TextEncoder {
    version: MessageVersion,
}

impl TextEncoder {
    /// A text encoder for `version`.
    pub const fn new(version: MessageVersion) -> Self {
        TextEncoder { version }
    }

    /// A SOAP 1.2 + WS-Addressing 1.0 text encoder (NetTcp, WSHttp).
    pub const fn soap12() -> Self {
        Self::new(MessageVersion::Soap12WsAddressing10)
    }

    /// A SOAP 1.1 text encoder without addressing (BasicHttp).
    pub const fn soap11() -> Self {
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
        write::write_message(self.version, message, out)
    }

    fn decode(&mut self, bytes: &[u8]) -> Result<Message, EncodingError> {
        read::read_message(self.version, bytes)
    }
}
