//! The .NET Binary XML message encodings of WCF: [MC-NBFX] records with the [MC-NBFS] SOAP static
//! dictionary, optionally with the [MC-NBFSE] in-band session dictionary (the NetTcpBinding
//! default).
//!
//! * [`dictionary`]: the static dictionary.
//! * [`session`]: the per-direction StringTable.
//! * [`reader`] / [`writer`]: NBFX records to events and back: the reader is an
//!   [`XmlSource`](crate::xml::XmlSource), the writer an [`XmlSink`](crate::xml::XmlSink).
//! * [`BinaryEncoder`]: the [`MessageEncoder`] for `application/soap+msbinsession1` (known
//!   encoding 0x08) and `application/soap+msbin1` (0x07).
//!
//! Messages are SOAP 1.2 + WS-Addressing 1.0 envelopes written and read by the envelope grammar
//! ([`super::envelope`]), the same as the text encoder's. A decoded body or header is an
//! [`Infoset`](crate::xml::Infoset): its records become events (typed values in their XSD
//! lexical forms, byte payloads kept as bytes, `UniqueId` GUIDs as 16 bytes), which the
//! deserializer and header codecs read directly; an infoset is written record by record.
//! Nothing on this path is printed as XML text or parsed again.

pub mod dictionary;
pub mod reader;
pub mod session;
pub mod text;
pub mod writer;

#[cfg(test)]
mod tests;

use bytes::BytesMut;

use self::reader::{Reader, Strings};
use self::session::{SessionReader, SessionWriter};
use self::writer::Writer;
use super::envelope::{RecentStrings, read_message, write_message};
use super::{EncodingError, MessageEncoder, MessageVersion};
use crate::message::Message;

/// The message version of the binary encodings: WCF's NetTcpBinding writes SOAP 1.2 with
/// WS-Addressing 1.0.
const VERSION: MessageVersion = MessageVersion::Soap12WsAddressing10;

/// The content type of the binary encoding with in-band dictionary.
pub const SESSION_CONTENT_TYPE: &str = "application/soap+msbinsession1";
/// The content type of the binary encoding without in-band dictionary.
pub const PLAIN_CONTENT_TYPE: &str = "application/soap+msbin1";

/// The binary SOAP 1.2 encoder of one connection.
///
/// In session mode each encoded message starts with a StringTable and each decoded one must;
/// the encoder keeps both directions' tables (use one instance per direction).
#[derive(Debug)]
pub struct BinaryEncoder {
    session: bool,
    incoming: SessionReader,
    outgoing: SessionWriter,
    /// The document being written, in session mode (its StringTable goes first).
    document: BytesMut,
    /// The addressing strings of recent incoming messages.
    strings: RecentStrings,
}

impl BinaryEncoder {
    /// `application/soap+msbinsession1` (known encoding 0x08): StringTables before each document.
    pub fn session() -> Self {
        Self::new(true)
    }

    /// `application/soap+msbin1` (known encoding 0x07): the static dictionary only.
    pub fn plain() -> Self {
        Self::new(false)
    }

    fn new(session: bool) -> Self {
        BinaryEncoder {
            session,
            incoming: SessionReader::new(),
            outgoing: SessionWriter::new(),
            document: BytesMut::new(),
            strings: RecentStrings::default(),
        }
    }

    /// Whether this is the session (StringTable) variant.
    pub fn is_session(&self) -> bool {
        self.session
    }
}

impl MessageEncoder for BinaryEncoder {
    fn content_type(&self) -> &'static str {
        if self.session {
            SESSION_CONTENT_TYPE
        } else {
            PLAIN_CONTENT_TYPE
        }
    }

    fn encode(&mut self, message: &Message, out: &mut BytesMut) -> Result<(), EncodingError> {
        if self.session {
            self.document.clear();
            let result = {
                let mut writer = Writer::new(&mut self.document, Some(&mut self.outgoing));
                write_message(VERSION, message, &mut writer)
            };
            if let Err(error) = result {
                self.outgoing.discard_pending();
                return Err(error);
            }
            out.reserve(self.document.len() + 64);
            self.outgoing.write_table(out)?;
            out.extend_from_slice(&self.document);
            Ok(())
        } else {
            let mark = out.len();
            let result = {
                let mut writer = Writer::new(out, None);
                write_message(VERSION, message, &mut writer)
            };
            if result.is_err() {
                out.truncate(mark);
            }
            result
        }
    }

    fn decode(&mut self, bytes: &[u8]) -> Result<Message, EncodingError> {
        if self.session {
            let start = self.incoming.read_table(bytes)?;
            let document = bytes.get(start..).unwrap_or_default();
            let mut source = Reader::new(document, Strings::new(Some(&self.incoming)));
            read_message(VERSION, &mut source, &mut self.strings)
        } else {
            let mut source = Reader::new(bytes, Strings::new(None));
            read_message(VERSION, &mut source, &mut self.strings)
        }
    }
}
