//! Channels: the duplex, session-shaped pipe that carries messages between a client and a service.
//!
//! A transport produces a [`ChannelInput`] (messages in arrival order, then the end of the session)
//! and a [`ChannelOutput`] (a cloneable handle that queues messages for a writer, which coalesces
//! them into as few writes as possible). Layers that add sessions of their own (reliable messaging,
//! secure conversation) wrap these halves.

use tokio::sync::mpsc;

use crate::encoding::EncodingError;
use crate::error::Error;
use crate::message::Message;
use crate::transport::tcp::TcpInput;

/// How many messages may wait for the writer before senders wait.
pub(crate) const OUTPUT_QUEUE: usize = 1024;

/// What a channel's writer is asked to do.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// Send one message. Boxed: the queue allocates its slots in blocks of 32 as soon as it is
    /// made, and an unboxed message would make that block 8 KiB in every idle session.
    Message(Box<Message>),
    /// Send the end of the session after everything queued before it, then stop.
    End,
    /// Send a transport-level fault (a framing fault URI), then stop.
    Fault(&'static str),
}

/// The sending half of a channel.
#[derive(Debug, Clone)]
pub struct ChannelOutput {
    tx: mpsc::Sender<Outgoing>,
}

impl ChannelOutput {
    pub(crate) fn new(tx: mpsc::Sender<Outgoing>) -> Self {
        ChannelOutput { tx }
    }

    /// Queues `message`; fails when the channel is closed.
    pub async fn send(&self, message: Message) -> Result<(), Error> {
        self.tx
            .send(Outgoing::Message(Box::new(message)))
            .await
            .map_err(|_| Error::SessionClosed("the channel's writer has stopped"))
    }

    /// Queues the end of the session: the peer receives it after every message queued before.
    pub async fn end(&self) {
        let _ = self.tx.send(Outgoing::End).await;
    }

    /// Queues a transport fault; the writer stops after sending it.
    pub(crate) async fn fault(&self, uri: &'static str) {
        let _ = self.tx.send(Outgoing::Fault(uri)).await;
    }

    /// Whether the writer has stopped.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// Why receiving failed. The session is over after any of these.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// The peer broke the transport protocol; `fault` is the framing fault to answer with.
    #[error("protocol violation: {message}")]
    Protocol {
        /// What happened.
        message: String,
        /// The framing fault URI to send before closing, if the protocol has one.
        fault: Option<&'static str>,
    },
    /// A message could not be decoded.
    #[error("undecodable message: {0}")]
    Decode(#[from] EncodingError),
    /// The peer sent a transport fault.
    #[error("the peer sent fault {0}")]
    Fault(String),
    /// The connection ended without the end of the session.
    #[error("the connection was lost: {0}")]
    Lost(String),
}

impl From<ReceiveError> for Error {
    fn from(error: ReceiveError) -> Self {
        match error {
            ReceiveError::Fault(uri) => Error::FramingFault(uri),
            ReceiveError::Decode(error) => Error::Encoding(error.to_string()),
            other => Error::Communication(other.to_string()),
        }
    }
}

/// The receiving half of a channel.
#[derive(Debug)]
pub struct ChannelInput {
    kind: InputKind,
}

#[derive(Debug)]
enum InputKind {
    Memory(mpsc::Receiver<Outgoing>),
    Tcp(Box<TcpInput>),
}

impl ChannelInput {
    pub(crate) fn memory(rx: mpsc::Receiver<Outgoing>) -> Self {
        ChannelInput {
            kind: InputKind::Memory(rx),
        }
    }

    pub(crate) fn tcp(input: TcpInput) -> Self {
        ChannelInput {
            kind: InputKind::Tcp(Box::new(input)),
        }
    }

    /// The next message; `Ok(None)` when the peer ended the session gracefully.
    pub async fn receive(&mut self) -> Result<Option<Message>, ReceiveError> {
        match &mut self.kind {
            InputKind::Memory(rx) => match rx.recv().await {
                Some(Outgoing::Message(message)) => Ok(Some(*message)),
                Some(Outgoing::End) => Ok(None),
                Some(Outgoing::Fault(uri)) => Err(ReceiveError::Fault(uri.to_owned())),
                None => Err(ReceiveError::Lost("the peer dropped the channel".into())),
            },
            InputKind::Tcp(input) => input.receive().await,
        }
    }
}

/// A connected pair of halves.
pub(crate) type Channel = (ChannelInput, ChannelOutput);
