//! One established framing session as a duplex channel: a source that decodes envelopes into
//! messages, and a sink whose writer task encodes queued messages and coalesces them into as few
//! writes as possible.
//!
//! The transport answers its own protocol: a record out of place or an oversized envelope is
//! answered with its framing fault before the source reports the error (and the peer's input is
//! drained, so the close that follows is not a reset), and closing the sink writes the End
//! record.

use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::{BufMut, BytesMut};
use futures_util::Stream;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_util::codec::{Framed, FramedRead};

use super::ByteStream;
use super::drain::drain;
use super::framing::{
    FramingCodec, FramingError, FramingLimits, Record, fault, known_encoding, record_type,
};
use crate::channel::queue::{Finishing, Popped, Queue, QueueSink};
use crate::channel::{
    BindingSettings, ChannelError, DuplexChannel, MessageSource, PIPE_CAPACITY, SessionId,
};
use crate::encoding::MessageEncoder;
use crate::encoding::binary::BinaryEncoder;
use crate::encoding::text::TextEncoder;
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

/// What the writer task is asked to send.
#[derive(Debug)]
enum Outgoing {
    /// One message. Boxed: an idle session's queue then holds pointers, not messages.
    Message(Box<Message>),
    /// A framing fault (the transport's answer to a protocol violation); the writer stops after
    /// it.
    Fault(&'static str),
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

/// Turns a framed stream whose preamble is done into a channel. `ack`: the service's side, which
/// answers the preamble with PreambleAck as its first write.
pub(crate) fn start<S: ByteStream>(
    framed: Framed<S, FramingCodec>,
    encoding: u8,
    ack: bool,
) -> Result<DuplexChannel, ChannelError> {
    let make = encoder_for(encoding).ok_or_else(|| {
        ChannelError::protocol(format!("encoding 0x{encoding:02X} is not supported"))
    })?;
    let parts = framed.into_parts();
    let (read, write) = parts.io.split();
    // The preamble's 8 KiB read buffer is replaced by a small one holding what it had left.
    let mut frames = FramedRead::with_capacity(read, parts.codec, READ_BUFFER);
    frames.read_buffer_mut().extend_from_slice(&parts.read_buf);
    let queue = Arc::new(Queue::new(PIPE_CAPACITY));
    let mut first = BytesMut::new();
    if ack {
        first.put_u8(record_type::PREAMBLE_ACK);
    }
    tokio::spawn(write_loop(write, queue.clone(), make(), first));
    let input = TcpInput {
        frames: Some(frames),
        decoder: make(),
        queue: queue.clone(),
    };
    Ok(DuplexChannel::new(
        Box::new(input),
        Arc::new(QueueSink::new(queue, |m| Outgoing::Message(Box::new(m)))),
        Some(SessionId::unique()),
    ))
}

/// The receiving half of a framing session.
struct TcpInput<R> {
    /// The connection's input; gone (being drained) once a framing fault was answered.
    frames: Option<FramedRead<R, FramingCodec>>,
    decoder: Box<dyn MessageEncoder>,
    /// The writer's queue, for the faults this side answers with.
    queue: Arc<Queue<Outgoing>>,
}

impl<R: tokio::io::AsyncRead + Send + Unpin + 'static> TcpInput<R> {
    /// Answers a protocol violation with its framing fault, then reports it. The writer sends
    /// the fault and shuts the connection's sending side down while the input is drained, so the
    /// peer reads the fault and a normal close.
    fn violation(&mut self, reason: String, uri: Option<&'static str>) -> ChannelError {
        if let Some(uri) = uri {
            self.queue.push_urgent(Outgoing::Fault(uri));
            if let Some(frames) = self.frames.take() {
                tokio::spawn(async move { drain(&mut frames.into_inner()).await });
            }
        }
        ChannelError::protocol(reason)
    }
}

impl<R: tokio::io::AsyncRead + Send + Unpin + 'static> MessageSource for TcpInput<R> {
    fn poll_receive(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Message>, ChannelError>> {
        let Some(frames) = self.frames.as_mut() else {
            return Poll::Ready(Err(ChannelError::protocol("the connection was faulted")));
        };
        let record = ready!(std::pin::Pin::new(&mut *frames).poll_next(cx));
        let buffer = frames.read_buffer_mut();
        if buffer.is_empty() {
            shrink_if_idle(buffer, READ_BUFFER);
        } else if buffer.capacity() < KEEP_WHEN_IDLE {
            // More has arrived than this message: the peer is pipelining, so read in larger
            // chunks than an idle session's buffer allows (fewer reads per message).
            buffer.reserve(KEEP_WHEN_IDLE - buffer.len());
        }
        Poll::Ready(match record {
            Some(Ok(Record::SizedEnvelope(payload))) => self
                .decoder
                .decode(&payload)
                .map(Some)
                .map_err(ChannelError::from),
            Some(Ok(Record::End)) => Ok(None),
            Some(Ok(Record::Fault(uri))) => Err(ChannelError::Faulted(uri.into())),
            Some(Ok(other)) => Err(self.violation(
                format!("a {} record where an envelope or End belongs", other.name()),
                Some(fault::INVALID_RECORD_SEQUENCE),
            )),
            Some(Err(FramingError::Io(error))) => Err(ChannelError::from(error)),
            Some(Err(error)) => Err(self.violation(error.to_string(), error.fault_uri())),
            None => Err(ChannelError::lost(
                "the connection closed without an End record",
            )),
        })
    }
}

/// Writes queued messages; everything that is ready is written together, and the socket is
/// written only when the queue is empty or the batch is large. `batch` holds what must go first
/// (the PreambleAck).
async fn write_loop<W: AsyncWrite + Send + Unpin>(
    mut socket: W,
    queue: Arc<Queue<Outgoing>>,
    mut encoder: Box<dyn MessageEncoder>,
    mut batch: BytesMut,
) {
    let ending = Finishing::new(&queue);
    let outcome = write_all_queued(&mut socket, &queue, encoder.as_mut(), &mut batch).await;
    if let Err(error) = &outcome {
        tracing::debug!(%error, "the connection's writer stopped");
    }
    ending.finish(outcome);
}

/// Writes `bytes`, unless the queue is aborted first (a peer that stops reading must not keep
/// an aborted connection's writer, and its socket, for ever).
async fn write<W: AsyncWrite + Send + Unpin>(
    socket: &mut W,
    queue: &Queue<Outgoing>,
    bytes: &[u8],
) -> Result<(), ChannelError> {
    tokio::select! {
        // The write first: the queue is looked at only while the write waits.
        biased;
        written = socket.write_all(bytes) => Ok(written?),
        () = std::future::poll_fn(|cx| queue.poll_ended(cx)) => Err(ChannelError::Closed),
    }
}

async fn write_all_queued<W: AsyncWrite + Send + Unpin>(
    socket: &mut W,
    queue: &Queue<Outgoing>,
    encoder: &mut dyn MessageEncoder,
    batch: &mut BytesMut,
) -> Result<(), ChannelError> {
    // Allocated by the first message, sized by the messages, released when idle after growing.
    let mut scratch = BytesMut::new();
    if !batch.is_empty() {
        write(socket, queue, batch).await?;
        batch.clear();
    }
    loop {
        let first = std::future::poll_fn(|cx| queue.poll_pop(cx)).await;
        let mut next = match first {
            Popped::Item(item) => Some(item),
            Popped::Closing => {
                batch.put_u8(record_type::END);
                write(socket, queue, batch).await?;
                let _ = socket.shutdown().await;
                return Ok(());
            }
            Popped::Done(result) => return result,
        };
        let mut stop = None;
        while let Some(item) = next.take() {
            match item {
                Outgoing::Message(message) => {
                    if let Err(error) = frame(encoder, &message, &mut scratch, batch) {
                        // What was framed before still goes out.
                        stop = Some(error);
                        break;
                    }
                }
                Outgoing::Fault(uri) => {
                    FramingCodec::encode_record(&Record::Fault(uri.to_owned()), batch)
                        .map_err(|e| ChannelError::encoding(e.to_string()))?;
                    stop = Some(ChannelError::protocol("the connection was faulted"));
                    break;
                }
            }
            if batch.len() >= COALESCE_LIMIT {
                break;
            }
            next = queue.try_pop();
        }
        write(socket, queue, batch).await?;
        batch.clear();
        if let Some(error) = stop {
            let _ = socket.shutdown().await;
            return Err(error);
        }
        if queue.is_empty() {
            scratch.clear();
            shrink_if_idle(batch, 0);
            shrink_if_idle(&mut scratch, 0);
        }
    }
}

/// Encodes `message` into `scratch` and appends it to `batch` as a sized envelope.
fn frame(
    encoder: &mut dyn MessageEncoder,
    message: &Message,
    scratch: &mut BytesMut,
    batch: &mut BytesMut,
) -> Result<(), ChannelError> {
    scratch.clear();
    encoder.encode(message, scratch).map_err(|error| {
        tracing::warn!(%error, "a message could not be encoded: closing the connection");
        ChannelError::from(error)
    })?;
    FramingCodec::encode_sized_envelope_header(scratch.len(), batch).map_err(|_| {
        tracing::warn!(
            size = scratch.len(),
            "a message too large to frame: closing the connection"
        );
        ChannelError::encoding("a message too large to frame")
    })?;
    batch.extend_from_slice(scratch);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{ReceiveExt, SendExt};
    use crate::message::Body;
    use crate::transport::tcp::framing::Encoding;
    use crate::transport::tcp::preamble::{StaticPolicy, accept_preamble};

    /// A peer that stops reading must not keep an aborted connection's writer (and its socket)
    /// alive: the write is cut short and the stream is dropped.
    #[tokio::test]
    async fn an_abort_stops_a_writer_blocked_on_a_peer_that_does_not_read() {
        let (ours, mut peer) = tokio::io::duplex(64);
        let framed = Framed::new(ours, FramingCodec::new());
        let (input, output, _) = start(framed, known_encoding::BINARY_SESSION, false)
            .unwrap()
            .into_parts();
        let big = Message::new(
            "urn:big",
            Body::Xml(crate::message::XmlFragment::new(format!(
                "<big>{}</big>",
                "x".repeat(10_000)
            ))),
        );
        output.send(big).await.unwrap();
        tokio::task::yield_now().await;
        drop(input);
        output.abort();
        // Once the writer has let go of its half, the stream is gone and the peer's writes fail.
        let gone = async {
            use tokio::io::AsyncWriteExt as _;
            while peer.write_all(b"x").await.is_ok() {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(5), gone)
            .await
            .expect("the aborted writer let go of the stream");
    }

    /// The framing runs on any byte stream: here an in-memory pipe instead of a socket, as a
    /// TLS stream will after an upgrade.
    #[tokio::test]
    async fn a_framing_session_runs_on_any_byte_stream() {
        let (client_end, service_end) = tokio::io::duplex(4096);
        let via = "net.tcp://pipe/echo";
        let service = tokio::spawn(async move {
            let mut framed = Framed::new(service_end, FramingCodec::new());
            let policy = StaticPolicy {
                vias: vec![via.into()],
                encodings: vec![Encoding::Known(known_encoding::BINARY_SESSION)],
            };
            let preamble = accept_preamble(&mut framed, &policy).await.unwrap();
            let Encoding::Known(encoding) = preamble.encoding else {
                unreachable!()
            };
            let (mut input, output, _) = start(framed, encoding, false).unwrap().into_parts();
            while let Some(message) = input.receive().await.unwrap() {
                output.send(message).await.unwrap();
            }
            output.close().await
        });
        let settings = BindingSettings::default();
        let channel = super::super::open(client_end, via, &settings)
            .await
            .unwrap();
        let (mut input, output, session) = channel.into_parts();
        assert!(session.is_some());
        output
            .send(Message::new("urn:echo", Body::Empty))
            .await
            .unwrap();
        assert_eq!(input.receive().await.unwrap().unwrap().action(), "urn:echo");
        output.close().await.unwrap();
        assert_eq!(
            input.receive().await,
            Ok(None),
            "the service ended its side too"
        );
        assert_eq!(service.await.unwrap(), Ok(()));
    }

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
