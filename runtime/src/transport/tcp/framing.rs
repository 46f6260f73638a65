//! [MC-NMF] .NET Message Framing: the records of WCF's NetTcpBinding wire format.
//!
//! A framing session is a sequence of [`Record`]s: a preamble (Version, Mode, Via, encoding,
//! PreambleEnd) answered by PreambleAck, then SizedEnvelope records both ways, closed by End.
//! [`FramingCodec`] turns bytes into records and back under configurable [`FramingLimits`]; the
//! preamble exchange itself lives in [`super::preamble`]. Malformed or oversized input yields a
//! [`FramingError`] whose [`FramingError::fault_uri`] names the [`fault`] a server should send.

mod codec;
mod error;
pub mod fault;

#[cfg(test)]
mod tests;

use bytes::Bytes;

pub use crate::varint::VarintError;
pub use codec::{FramingCodec, FramingLimits};
pub use error::FramingError;

/// Record type bytes (the first byte of every framing record, [MC-NMF] 2.2.3).
pub mod record_type {
    /// Version record: major and minor version bytes follow.
    pub const VERSION: u8 = 0x00;
    /// Mode record: one mode byte follows.
    pub const MODE: u8 = 0x01;
    /// Via record: size-prefixed UTF-8 URI follows.
    pub const VIA: u8 = 0x02;
    /// Known-encoding record: one encoding byte follows.
    pub const KNOWN_ENCODING: u8 = 0x03;
    /// Extensible-encoding record: size-prefixed UTF-8 content type follows.
    pub const EXTENSIBLE_ENCODING: u8 = 0x04;
    /// Unsized envelope: size-prefixed chunks follow, terminated by a zero size.
    pub const UNSIZED_ENVELOPE: u8 = 0x05;
    /// Sized envelope: size-prefixed message follows.
    pub const SIZED_ENVELOPE: u8 = 0x06;
    /// End record: no body.
    pub const END: u8 = 0x07;
    /// Fault record: size-prefixed UTF-8 fault URI follows.
    pub const FAULT: u8 = 0x08;
    /// Upgrade request: size-prefixed UTF-8 protocol name follows.
    pub const UPGRADE_REQUEST: u8 = 0x09;
    /// Upgrade response: no body.
    pub const UPGRADE_RESPONSE: u8 = 0x0A;
    /// Preamble acknowledgement: no body.
    pub const PREAMBLE_ACK: u8 = 0x0B;
    /// End of the preamble: no body.
    pub const PREAMBLE_END: u8 = 0x0C;

    /// Human-readable name of a record type byte, or `None` for an unknown type.
    pub fn name(record_type: u8) -> Option<&'static str> {
        Some(match record_type {
            VERSION => "Version",
            MODE => "Mode",
            VIA => "Via",
            KNOWN_ENCODING => "KnownEncoding",
            EXTENSIBLE_ENCODING => "ExtensibleEncoding",
            UNSIZED_ENVELOPE => "UnsizedEnvelope",
            SIZED_ENVELOPE => "SizedEnvelope",
            END => "End",
            FAULT => "Fault",
            UPGRADE_REQUEST => "UpgradeRequest",
            UPGRADE_RESPONSE => "UpgradeResponse",
            PREAMBLE_ACK => "PreambleAck",
            PREAMBLE_END => "PreambleEnd",
            _ => return None,
        })
    }
}

/// Known-encoding values carried by the KnownEncoding record ([MC-NMF] 2.2.3.4.1).
pub mod known_encoding {
    /// SOAP 1.1, UTF-8 text (`text/xml; charset=utf-8`).
    pub const SOAP11_UTF8: u8 = 0x00;
    /// SOAP 1.1, UTF-16 text (`text/xml; charset=utf16`).
    pub const SOAP11_UTF16: u8 = 0x01;
    /// SOAP 1.1, "Unicode" text (`text/xml; charset=unicodeFFFE`).
    pub const SOAP11_UNICODE_FFFE: u8 = 0x02;
    /// SOAP 1.2, UTF-8 text (`application/soap+xml; charset=utf-8`).
    pub const SOAP12_UTF8: u8 = 0x03;
    /// SOAP 1.2, UTF-16 text (`application/soap+xml; charset=utf16`).
    pub const SOAP12_UTF16: u8 = 0x04;
    /// SOAP 1.2, "Unicode" text (`application/soap+xml; charset=unicodeFFFE`).
    pub const SOAP12_UNICODE_FFFE: u8 = 0x05;
    /// SOAP 1.2, MTOM (`multipart/related`).
    pub const SOAP12_MTOM: u8 = 0x06;
    /// SOAP 1.2, [MC-NBFS] binary without in-band dictionary (`application/soap+msbin1`).
    pub const BINARY: u8 = 0x07;
    /// SOAP 1.2, [MC-NBFSE] binary with in-band dictionary (`application/soap+msbinsession1`),
    /// what NetTcpBinding uses in buffered mode.
    pub const BINARY_SESSION: u8 = 0x08;

    /// The content type .NET maps a known-encoding value to, or `None` for a reserved value.
    pub fn content_type(encoding: u8) -> Option<&'static str> {
        Some(match encoding {
            SOAP11_UTF8 => "text/xml; charset=utf-8",
            SOAP11_UTF16 => "text/xml; charset=utf16",
            SOAP11_UNICODE_FFFE => "text/xml; charset=unicodeFFFE",
            SOAP12_UTF8 => "application/soap+xml; charset=utf-8",
            SOAP12_UTF16 => "application/soap+xml; charset=utf16",
            SOAP12_UNICODE_FFFE => "application/soap+xml; charset=unicodeFFFE",
            SOAP12_MTOM => "multipart/related",
            BINARY => "application/soap+msbin1",
            BINARY_SESSION => "application/soap+msbinsession1",
            _ => return None,
        })
    }
}

/// Communication mode of a framing session (Mode record, [MC-NMF] 2.2.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Mode {
    /// One unsized (chunked) message each way: net.tcp streamed transfer.
    SingletonUnsized = 1,
    /// Many sized messages both ways: net.tcp buffered transfer (the transport session).
    Duplex = 2,
    /// Many sized messages one way (MSMQ).
    Simplex = 3,
    /// One message as raw bytes after the preamble (MSMQ).
    SingletonSized = 4,
}

impl TryFrom<u8> for Mode {
    /// The unknown mode byte.
    type Error = u8;

    fn try_from(value: u8) -> Result<Self, u8> {
        match value {
            1 => Ok(Mode::SingletonUnsized),
            2 => Ok(Mode::Duplex),
            3 => Ok(Mode::Simplex),
            4 => Ok(Mode::SingletonSized),
            other => Err(other),
        }
    }
}

impl From<Mode> for u8 {
    fn from(mode: Mode) -> u8 {
        mode as u8
    }
}

/// The message encoding a preamble announces: a KnownEncoding or an ExtensibleEncoding record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// A [`known_encoding`] value.
    Known(u8),
    /// A MIME content type, e.g. `application/soap+msbinsession1+gzip`.
    Extensible(String),
}

impl Encoding {
    /// The content type this encoding stands for (`None` for a reserved known-encoding value).
    pub fn content_type(&self) -> Option<&str> {
        match self {
            Encoding::Known(value) => known_encoding::content_type(*value),
            Encoding::Extensible(content_type) => Some(content_type),
        }
    }

    /// The record announcing this encoding.
    pub fn to_record(&self) -> Record {
        match self {
            Encoding::Known(value) => Record::KnownEncoding(*value),
            Encoding::Extensible(content_type) => Record::ExtensibleEncoding(content_type.clone()),
        }
    }
}

/// One [MC-NMF] framing record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// Starts every framing session; NetTcpBinding sends 1.0.
    Version {
        /// Major version (1).
        major: u8,
        /// Minor version (0).
        minor: u8,
    },
    /// The communication mode.
    Mode(Mode),
    /// The absolute URI of the target endpoint.
    Via(String),
    /// A [`known_encoding`] value.
    KnownEncoding(u8),
    /// A MIME content type naming the encoding.
    ExtensibleEncoding(String),
    /// One message of known size.
    SizedEnvelope(Bytes),
    /// One message sent in chunks (singleton-unsized mode); the chunks joined.
    UnsizedEnvelope(Bytes),
    /// The sender will send nothing more in this framing session.
    End,
    /// A framing fault URI (see [`fault`]); the connection closes after it.
    Fault(String),
    /// A request to upgrade the stream (e.g. `application/ssl-tls`).
    UpgradeRequest(String),
    /// The upgrade was accepted; the handshake follows.
    UpgradeResponse,
    /// The preamble was accepted; envelopes may flow.
    PreambleAck,
    /// Ends the initiator's preamble.
    PreambleEnd,
}

impl Record {
    /// The record type byte this record starts with (see [`record_type`]).
    pub fn record_type(&self) -> u8 {
        match self {
            Record::Version { .. } => record_type::VERSION,
            Record::Mode(_) => record_type::MODE,
            Record::Via(_) => record_type::VIA,
            Record::KnownEncoding(_) => record_type::KNOWN_ENCODING,
            Record::ExtensibleEncoding(_) => record_type::EXTENSIBLE_ENCODING,
            Record::UnsizedEnvelope(_) => record_type::UNSIZED_ENVELOPE,
            Record::SizedEnvelope(_) => record_type::SIZED_ENVELOPE,
            Record::End => record_type::END,
            Record::Fault(_) => record_type::FAULT,
            Record::UpgradeRequest(_) => record_type::UPGRADE_REQUEST,
            Record::UpgradeResponse => record_type::UPGRADE_RESPONSE,
            Record::PreambleAck => record_type::PREAMBLE_ACK,
            Record::PreambleEnd => record_type::PREAMBLE_END,
        }
    }

    /// The record's name as used in [MC-NMF] (e.g. `"SizedEnvelope"`).
    pub fn name(&self) -> &'static str {
        record_type::name(self.record_type()).unwrap_or("Unknown")
    }
}
