//! The duplex channel: messages in arrival order on one side, messages out from many tasks on
//! the other, and a close that is a handshake.
//!
//! The two halves are object-safe, poll-based traits, so that layers wrap them without a boxed
//! future per message ([`MessageSource`] is polled like a `Stream`, [`MessageSink`] like a
//! `Sink` that takes `&self`). [`ReceiveExt`] and [`SendExt`] add the async conveniences.

use std::fmt;
use std::future::{Future, poll_fn};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use super::ChannelError;
use crate::message::Message;

/// The receiving half of a duplex channel: messages in arrival order, then the end.
pub trait MessageSource: Send + 'static {
    /// The next message; `Ok(None)` once the peer has ended its side of the session gracefully.
    /// After `Ok(None)` or an error, the source is over.
    fn poll_receive(&mut self, cx: &mut Context<'_>)
    -> Poll<Result<Option<Message>, ChannelError>>;
}

/// The sending half of a duplex channel, shared by every task that sends on it.
pub trait MessageSink: Send + Sync + 'static {
    /// Offers the message in `message`: takes it out of the slot once it is accepted
    /// (`Ready(Ok)`), or leaves it there and wakes the task when it can be offered again
    /// (`Pending`, the channel's queue is full). Accepted messages go out in the order they were
    /// accepted.
    fn poll_send(
        &self,
        cx: &mut Context<'_>,
        message: &mut Option<Message>,
    ) -> Poll<Result<(), ChannelError>>;

    /// Closes this side gracefully: every message accepted before goes out, then the end of the
    /// session (an End record, a `TerminateSequence`, …); ready once the layer's close is done.
    /// The peer's own end arrives on the [`MessageSource`] as `Ok(None)`.
    fn poll_close(&self, cx: &mut Context<'_>) -> Poll<Result<(), ChannelError>>;

    /// Ends the channel at once: what is queued is dropped and the connection is closed without
    /// the end of the session.
    fn abort(&self);

    /// Ends the channel at once because of `error`, which the other side reports where it can (a
    /// pipe's source does; a socket's peer only sees the connection end). By default, an abort.
    fn fail(&self, error: ChannelError) {
        let _ = error;
        self.abort();
    }
}

impl<S: MessageSource + ?Sized> MessageSource for Box<S> {
    fn poll_receive(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Message>, ChannelError>> {
        (**self).poll_receive(cx)
    }
}

/// `async` receiving on any [`MessageSource`].
pub trait ReceiveExt: MessageSource {
    /// The next message; `Ok(None)` when the peer ended the session.
    fn receive(&mut self) -> impl Future<Output = Result<Option<Message>, ChannelError>> + Send {
        poll_fn(move |cx| self.poll_receive(cx))
    }
}

impl<S: MessageSource + ?Sized> ReceiveExt for S {}

/// `async` sending and closing on any [`MessageSink`].
pub trait SendExt: MessageSink {
    /// Sends `message`, waiting while the channel's queue is full.
    fn send(&self, message: Message) -> impl Future<Output = Result<(), ChannelError>> + Send {
        let mut slot = Some(message);
        poll_fn(move |cx| self.poll_send(cx, &mut slot))
    }

    /// Closes this side gracefully (see [`MessageSink::poll_close`]).
    fn close(&self) -> impl Future<Output = Result<(), ChannelError>> + Send {
        poll_fn(move |cx| self.poll_close(cx))
    }
}

impl<S: MessageSink + ?Sized> SendExt for S {}

/// A duplex channel: its two halves, and its session when it is one.
///
/// Transports and layers make them; the host's session loop and the client consume them.
pub struct DuplexChannel {
    input: Box<dyn MessageSource>,
    output: Arc<dyn MessageSink>,
    session: Option<SessionId>,
}

impl DuplexChannel {
    /// A channel of `input` and `output`. `session` is the session the channel carries, or
    /// `None` for a datagram channel, on which every message stands alone.
    pub fn new(
        input: Box<dyn MessageSource>,
        output: Arc<dyn MessageSink>,
        session: Option<SessionId>,
    ) -> Self {
        DuplexChannel {
            input,
            output,
            session,
        }
    }

    /// The session this channel carries; `None` for a datagram channel.
    pub fn session(&self) -> Option<&SessionId> {
        self.session.as_ref()
    }

    /// The halves and the session.
    pub fn into_parts(
        self,
    ) -> (
        Box<dyn MessageSource>,
        Arc<dyn MessageSink>,
        Option<SessionId>,
    ) {
        (self.input, self.output, self.session)
    }
}

impl fmt::Debug for DuplexChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DuplexChannel")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// The identity of a session, stable for its whole life: what traces name it by, and what a
/// service reads as its session id (WCF's `SessionId`). A transport session names itself
/// locally (`uuid:…;id=N`, as WCF does; written out only when it is shown); a reliable or secure
/// session uses the identifier both peers share.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionId(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// A session of this process, by number.
    Local(u64),
    /// An identifier the peers share.
    Shared(Arc<str>),
}

/// The random base of this process's local session ids, drawn once.
fn local_base() -> u128 {
    static BASE: OnceLock<u128> = OnceLock::new();
    *BASE.get_or_init(|| uuid::Uuid::new_v4().as_u128())
}

impl SessionId {
    /// A session id with the given text.
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        SessionId(Repr::Shared(id.into()))
    }

    /// A new id unique to this process, shown as `uuid:<uuid>;id=<n>`: a random base drawn
    /// once and a counter (no system call and no allocation per session).
    pub fn unique() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        local_base();
        SessionId(Repr::Local(NEXT.fetch_add(1, Ordering::Relaxed)))
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Local(n) => {
                let uuid = uuid::Uuid::from_u128(local_base().wrapping_add(u128::from(*n)));
                write!(f, "uuid:{uuid};id={n}")
            }
            Repr::Shared(id) => f.write_str(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SessionId;

    #[test]
    fn unique_session_ids_differ_and_look_like_wcfs() {
        let (a, b) = (SessionId::unique(), SessionId::unique());
        assert_ne!(a, b);
        let text = a.to_string();
        assert!(text.starts_with("uuid:"), "{text}");
        assert!(text.contains(";id="), "{text}");
        assert_eq!(SessionId::new("urn:x").to_string(), "urn:x");
    }
}
