//! Listening and connecting: what a binding gives the host (a listener of sessions, or a
//! transport that pushes requests to a handler) and the client (a connection of either shape).
//!
//! A session listener yields [`Incoming`] channels whose opening handshake is done but not yet
//! answered, so that the host decides admission: accept now, keep the peer waiting for a slot,
//! or refuse in the transport's own words. Transports that share a socket between endpoints
//! (several paths on one TCP port) keep one [`SharedAcceptor`] per socket in the
//! [`ListenContext`], started once every endpoint has registered.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::{Future, poll_fn};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{ChannelError, DuplexChannel, Refusal};

/// A channel whose peer has connected and asked for a session, waiting for the host's answer.
pub trait Incoming: Send + 'static {
    /// Accepts the channel: the peer is told (net.tcp's PreambleAck) and the session starts.
    fn accept(self: Box<Self>) -> Result<DuplexChannel, ChannelError>;
    /// Refuses the channel in the transport's own protocol (net.tcp's `ServerTooBusy` framing
    /// fault) and closes it.
    fn refuse(self: Box<Self>, refusal: Refusal);
}

/// Yields the sessions of one endpoint.
pub trait SessionListener: Send + 'static {
    /// The next incoming channel; `None` once the listener is closed.
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Option<Box<dyn Incoming>>>;
}

impl<L: SessionListener + ?Sized> SessionListener for Box<L> {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Option<Box<dyn Incoming>>> {
        (**self).poll_accept(cx)
    }
}

/// `async` accepting on any [`SessionListener`].
pub trait AcceptExt: SessionListener {
    /// The next incoming channel; `None` once the listener is closed.
    fn accept(&mut self) -> impl Future<Output = Option<Box<dyn Incoming>>> + Send {
        poll_fn(move |cx| self.poll_accept(cx))
    }
}

impl<L: SessionListener + ?Sized> AcceptExt for L {}

/// What a client's connection is: a duplex channel, or a request-reply channel `R`.
#[derive(Debug)]
pub enum Connection<R> {
    /// A duplex channel (net.tcp, memory), with or without a session.
    Duplex(DuplexChannel),
    /// A request-reply channel (HTTP).
    Request(R),
}

/// What an endpoint listens with, once its binding has set it up.
pub struct Listening {
    /// The address as bound (port 0 replaced by the port the system chose).
    pub address: String,
    /// The sessions to accept, for a duplex transport; `None` for a request-reply transport,
    /// which calls the endpoint's handler itself.
    pub sessions: Option<Box<dyn SessionListener>>,
}

impl fmt::Debug for Listening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listening")
            .field("address", &self.address)
            .field("sessions", &self.sessions.is_some())
            .finish()
    }
}

/// A socket (or other resource) that several endpoints share, such as one TCP port serving
/// several paths. It is started once, after every endpoint has registered with it.
pub trait SharedAcceptor: Send + 'static {
    /// Starts serving, under the host's `control`.
    fn start(self: Box<Self>, control: &HostControl);
    /// For [`ListenContext::shared`]'s downcast.
    fn as_any(&mut self) -> &mut dyn Any;
}

/// The host's signals for what its listeners run: when to stop accepting, when to drop what is
/// in progress, and where to track the tasks that shutdown waits for.
#[derive(Debug, Clone, Default)]
pub struct HostControl {
    /// Cancelled when listeners must stop accepting (shutdown begins).
    pub stop: CancellationToken,
    /// Cancelled when work in progress must end at once (the shutdown deadline passed).
    pub abort: CancellationToken,
    /// Tasks that shutdown waits for (requests being answered).
    pub tracker: TaskTracker,
    /// What the listeners count about the connections they hold, for the host's stats.
    pub connections: ConnectionCounters,
}

/// What a host's listeners count about their connections: how many are pending now (accepted,
/// not yet admitted or refused) and how many were evicted to make room for newer ones. Clones
/// share the counts.
#[derive(Debug, Clone, Default)]
pub struct ConnectionCounters(Arc<ConnectionCounts>);

#[derive(Debug, Default)]
struct ConnectionCounts {
    pending: AtomicUsize,
    evicted: AtomicU64,
}

impl ConnectionCounters {
    /// Connections pending now.
    pub fn pending(&self) -> usize {
        self.0.pending.load(Ordering::Relaxed)
    }

    /// Pending connections evicted since the host opened.
    pub fn evicted(&self) -> u64 {
        self.0.evicted.load(Ordering::Relaxed)
    }

    /// A connection became pending.
    pub(crate) fn pending_added(&self) {
        self.0.pending.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection is no longer pending (admitted, refused, gone or evicted).
    pub(crate) fn pending_removed(&self) {
        self.0.pending.fetch_sub(1, Ordering::Relaxed);
    }

    /// A pending connection was evicted for a newer one.
    pub(crate) fn evicted_one(&self) {
        self.0.evicted.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(target: "indigo::stats", "connection evicted");
    }
}

/// Where the endpoints of one host register the acceptors they share while the host opens.
#[derive(Default)]
pub struct ListenContext {
    shared: HashMap<String, Box<dyn SharedAcceptor>>,
}

impl fmt::Debug for ListenContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListenContext")
            .field("shared", &self.shared.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ListenContext {
    /// A context for one host.
    pub fn new() -> Self {
        Self::default()
    }

    /// The shared acceptor registered under `key`, made by `make` if there is none yet. Fails
    /// when `make` fails, or when `key` names an acceptor of another type (two transports
    /// claiming one socket).
    pub fn shared<A, E>(
        &mut self,
        key: &str,
        make: impl FnOnce() -> Result<A, E>,
    ) -> Result<&mut A, SharedError<E>>
    where
        A: SharedAcceptor,
    {
        if !self.shared.contains_key(key) {
            let acceptor = make().map_err(SharedError::Make)?;
            self.shared.insert(key.to_owned(), Box::new(acceptor));
        }
        self.shared
            .get_mut(key)
            .and_then(|acceptor| acceptor.as_any().downcast_mut::<A>())
            .ok_or(SharedError::Conflict)
    }

    /// Starts every shared acceptor under `control`.
    pub fn start(self, control: &HostControl) {
        for acceptor in self.shared.into_values() {
            acceptor.start(control);
        }
    }
}

/// Why [`ListenContext::shared`] failed.
#[derive(Debug)]
pub enum SharedError<E> {
    /// Making the acceptor failed.
    Make(E),
    /// Another transport's acceptor holds the key.
    Conflict,
}
