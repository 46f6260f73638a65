//! One established framing session: a reader that decodes envelopes into messages, and a writer
//! task that encodes queued messages and coalesces them into as few socket writes as possible.

use bytes::{BufMut, BytesMut};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tokio_util::codec::{Framed, FramedRead};

use super::framing::{
    FramingCodec, FramingError, FramingLimits, Record, known_encoding, record_type,
};
use super::preamble::{PreambleError, send_preamble};
use crate::binding::{BindingSettings, MessageEncoding};
use crate::channel::{Channel, ChannelInput, ChannelOutput, OUTPUT_QUEUE, Outgoing, ReceiveError};
use crate::encoding::MessageEncoder;
use crate::encoding::binary::BinaryEncoder;
use crate::encoding::text::TextEncoder;
use crate::error::Error;
use crate::message::Message;

/// Writes are gathered up to this many bytes before they go to the socket.
const COALESCE_LIMIT: usize = 64 * 1024;

/// The read buffer a session starts with; it grows to fit larger messages, and to
/// [`KEEP_WHEN_IDLE`] when messages arrive back to back.
const READ_BUFFER: usize = 1024;

/// Buffers grown past this size are released when the session goes quiet, so that an idle
/// session does not keep the memory of its largest message.
const KEEP_WHEN_IDLE: usize = 16 * 1024;

/// Releases `buffer`'s memory if it is empty and has grown past [`KEEP_WHEN_IDLE`].
fn shrink_if_idle(buffer: &mut BytesMut, fresh: usize) {
    if buffer.is_empty() && buffer.capacity() > KEEP_WHEN_IDLE {
        *buffer = BytesMut::with_capacity(fresh);
    }
}

/// The receiving half of a framing session.
pub(crate) struct TcpInput {
    frames: FramedRead<OwnedReadHalf, FramingCodec>,
    decoder: Box<dyn MessageEncoder>,
}

impl std::fmt::Debug for TcpInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpInput").finish_non_exhaustive()
    }
}

impl TcpInput {
    pub(crate) async fn receive(&mut self) -> Result<Option<Message>, ReceiveError> {
        let record = self.frames.next().await;
        let buffer = self.frames.read_buffer_mut();
        if buffer.is_empty() {
            shrink_if_idle(buffer, READ_BUFFER);
        } else if buffer.capacity() < KEEP_WHEN_IDLE {
            // More has arrived than this message: the peer is pipelining, so read in larger
            // chunks than an idle session's buffer allows (fewer reads per message).
            buffer.reserve(KEEP_WHEN_IDLE - buffer.len());
        }
        match record {
            Some(Ok(Record::SizedEnvelope(payload))) => Ok(Some(self.decoder.decode(&payload)?)),
            Some(Ok(Record::End)) => Ok(None),
            Some(Ok(Record::Fault(uri))) => Err(ReceiveError::Fault(uri)),
            Some(Ok(other)) => Err(ReceiveError::Protocol {
                message: format!("a {} record where an envelope or End belongs", other.name()),
                fault: Some(super::framing::fault::INVALID_RECORD_SEQUENCE),
            }),
            Some(Err(FramingError::Io(error))) => Err(ReceiveError::Lost(error.to_string())),
            Some(Err(error)) => Err(ReceiveError::Protocol {
                message: error.to_string(),
                fault: error.fault_uri(),
            }),
            None => Err(ReceiveError::Lost(
                "the connection closed without an End record".into(),
            )),
        }
    }
}

/// The encoder for a preamble's known encoding, if it is one this transport speaks.
pub(crate) fn encoder_for(encoding: u8) -> Option<fn() -> Box<dyn MessageEncoder>> {
    match encoding {
        known_encoding::SOAP12_UTF8 => Some(|| Box::new(TextEncoder::soap12())),
        known_encoding::BINARY => Some(|| Box::new(BinaryEncoder::plain())),
        known_encoding::BINARY_SESSION => Some(|| Box::new(BinaryEncoder::session())),
        _ => None,
    }
}

/// Framing limits for a binding's settings.
pub(crate) fn limits(settings: &BindingSettings) -> FramingLimits {
    FramingLimits {
        max_message_size: settings.max_received_message_size,
        ..FramingLimits::default()
    }
}

/// Turns a framed connection whose preamble is done into a channel.
pub(crate) fn start(
    framed: Framed<TcpStream, FramingCodec>,
    encoding: u8,
) -> Result<Channel, Error> {
    let make = encoder_for(encoding).ok_or_else(|| {
        Error::Communication(format!("encoding 0x{encoding:02X} is not supported"))
    })?;
    let parts = framed.into_parts();
    let (read, write) = parts.io.into_split();
    // The preamble's 8 KiB read buffer is replaced by a small one holding what it had left.
    let mut frames = FramedRead::with_capacity(read, parts.codec, READ_BUFFER);
    frames.read_buffer_mut().extend_from_slice(&parts.read_buf);
    let (tx, rx) = mpsc::channel(OUTPUT_QUEUE);
    tokio::spawn(write_loop(write, rx, make()));
    let input = TcpInput {
        frames,
        decoder: make(),
    };
    Ok((ChannelInput::tcp(input), ChannelOutput::new(tx)))
}

/// Writes queued messages; everything that is ready is written together, and the socket is
/// written only when the queue is empty or the batch is large.
async fn write_loop(
    mut socket: OwnedWriteHalf,
    mut queue: mpsc::Receiver<Outgoing>,
    mut encoder: Box<dyn MessageEncoder>,
) {
    // Allocated by the first message, sized by the messages, released when idle after growing.
    let mut batch = BytesMut::new();
    let mut scratch = BytesMut::new();
    while let Some(first) = queue.recv().await {
        let mut next = Some(first);
        let mut last = false;
        while let Some(item) = next.take() {
            match item {
                Outgoing::Message(message) => {
                    scratch.clear();
                    if let Err(error) = encoder.encode(&message, &mut scratch) {
                        tracing::warn!(%error, "a message could not be encoded: closing the connection");
                        return;
                    }
                    if FramingCodec::encode_sized_envelope_header(scratch.len(), &mut batch)
                        .is_err()
                    {
                        tracing::warn!(
                            size = scratch.len(),
                            "a message too large to frame: closing the connection"
                        );
                        return;
                    }
                    batch.extend_from_slice(&scratch);
                }
                Outgoing::End => {
                    batch.put_u8(record_type::END);
                    last = true;
                }
                Outgoing::Fault(uri) => {
                    if FramingCodec::encode_record(&Record::Fault(uri.to_owned()), &mut batch)
                        .is_err()
                    {
                        return;
                    }
                    last = true;
                }
            }
            if last || batch.len() >= COALESCE_LIMIT {
                break;
            }
            next = queue.try_recv().ok();
        }
        if let Err(error) = socket.write_all(&batch).await {
            tracing::debug!(%error, "writing to the connection failed");
            return;
        }
        batch.clear();
        if last {
            let _ = socket.shutdown().await;
            return;
        }
        if queue.is_empty() {
            scratch.clear();
            shrink_if_idle(&mut batch, 0);
            shrink_if_idle(&mut scratch, 0);
        }
    }
}

/// Connects to a `net.tcp` endpoint and runs the preamble.
pub(crate) async fn connect(
    host: &str,
    port: u16,
    via: &str,
    settings: &BindingSettings,
) -> Result<Channel, Error> {
    let stream = TcpStream::connect((host, port)).await?;
    stream.set_nodelay(true)?;
    let mut framed = Framed::new(stream, FramingCodec::with_limits(limits(settings)));
    let encoding = match settings.message_encoding {
        MessageEncoding::Text => known_encoding::SOAP12_UTF8,
        _ => known_encoding::BINARY_SESSION,
    };
    send_preamble(&mut framed, via, encoding)
        .await
        .map_err(|error| match error {
            PreambleError::Fault(uri) => Error::FramingFault(uri),
            other => Error::Communication(format!("the preamble failed: {other}")),
        })?;
    start(framed, encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoders_for_known_encodings() {
        let content_type = |encoding| encoder_for(encoding).map(|make| make().content_type());
        assert_eq!(
            content_type(known_encoding::SOAP12_UTF8),
            Some("application/soap+xml; charset=utf-8")
        );
        assert_eq!(
            content_type(known_encoding::BINARY),
            Some("application/soap+msbin1")
        );
        assert_eq!(
            content_type(known_encoding::BINARY_SESSION),
            Some("application/soap+msbinsession1")
        );
        assert_eq!(content_type(known_encoding::SOAP11_UTF8), None);
        assert_eq!(content_type(known_encoding::SOAP12_MTOM), None);
    }
}
