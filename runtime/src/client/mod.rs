//! The client side: a [`ClientChannel`] carries the typed proxy's calls over whatever its
//! binding connects: a duplex channel or a request-reply channel.
//!
//! On a duplex channel calls may overlap: they are matched to replies by WS-Addressing
//! `MessageID`/`RelatesTo`, so one session can have many requests in flight, and a reader task
//! hands each reply to its call. A message that answers no call (a keep-alive, an
//! acknowledgement a layer let through, later a duplex callback) goes to the handler given in
//! [`ClientOptions::on_unsolicited`], or is logged and dropped. On a request-reply channel each
//! call is its own exchange, made by the calling task.

mod codec;
mod inspect;
mod scope;
mod state;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use codec::{
    decode_reply, decode_reply_or_fault, decode_reply_or_fault_exception,
    decode_reply_or_untyped_fault, encode_request,
};
pub use inspect::ClientInspector;
pub use scope::CallScope;
pub use state::{Active, Fresh, SessionState, Started};

use inspect::{Inspected, Inspectors};

use crate::address::EndpointAddress;
use crate::binding::Binding;
use crate::channel::{
    BindingSettings, BoxRequestChannel, ChannelError, Connection, MessageSink, MessageSource,
    ReceiveExt, SendExt, SessionId,
};
use crate::contract::{Contract, ContractDescription, SessionCompatible};
use crate::error::Error;
use crate::message::{Body, Message, MessageId, SharedStr, WSA10_ANONYMOUS};

type Reply = Result<Message, ChannelError>;

/// Calls waiting for their reply, by message id; `None` once the session is over.
type Pending = Mutex<Option<HashMap<u128, oneshot::Sender<Reply>>>>;

/// What a client does with messages that answer none of its calls.
pub type UnsolicitedHandler = Arc<dyn Fn(Message) + Send + Sync>;

/// How a [`ClientChannel`] is opened, beyond its binding and address.
#[derive(Clone, Default)]
pub struct ClientOptions {
    unsolicited: Option<UnsolicitedHandler>,
    inspectors: Inspectors,
}

impl ClientOptions {
    /// Options with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Hands every message that arrives on a duplex channel without answering a call (no
    /// `RelatesTo` naming a pending call) to `handler`, in arrival order, on the channel's reader
    /// task; keep it short. Without a handler such messages are logged and dropped.
    pub fn on_unsolicited(mut self, handler: impl Fn(Message) + Send + Sync + 'static) -> Self {
        self.unsolicited = Some(Arc::new(handler));
        self
    }

    /// Adds a [`ClientInspector`] after the ones added before: it sees every request, and every
    /// reply, after them (WCF's order).
    pub fn inspector(mut self, inspector: impl ClientInspector) -> Self {
        self.inspectors.push(inspector);
        self
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("unsolicited", &self.unsolicited.is_some())
            .field("inspectors", &self.inspectors.len())
            .finish()
    }
}

/// One client session: sends requests, matches replies, closes or aborts.
pub struct ClientChannel {
    link: Link,
    settings: BindingSettings,
    to: SharedStr,
    ids: MessageIds,
    inspectors: Inspectors,
    /// A call on the session timed out: the session is faulted, as WCF faults a session
    /// channel after a timeout, and later calls fail at once.
    faulted: AtomicBool,
}

impl fmt::Debug for ClientChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientChannel")
            .field("to", &self.to)
            .field("session", &self.session())
            .finish_non_exhaustive()
    }
}

/// How calls reach the service.
enum Link {
    /// A duplex channel: requests go out on `output`, and a reader task hands each reply to the
    /// call it answers.
    Duplex {
        output: Arc<dyn MessageSink>,
        pending: Arc<Pending>,
        reader: JoinHandle<Result<(), ChannelError>>,
        session: Option<SessionId>,
    },
    /// Request-reply: each call makes its own exchange, in the calling task.
    Request(BoxRequestChannel),
}

impl ClientChannel {
    /// Opens a channel for contract `C` to `address` over `binding`.
    pub async fn connect<C, B>(binding: B, address: &str) -> Result<Self, Error>
    where
        C: Contract,
        B: Binding,
        C::Session: SessionCompatible<C, B>,
    {
        Self::connect_with::<C, B>(binding, address, ClientOptions::default()).await
    }

    /// [`ClientChannel::connect`] with `options`.
    pub async fn connect_with<C, B>(
        binding: B,
        address: &str,
        options: ClientOptions,
    ) -> Result<Self, Error>
    where
        C: Contract,
        B: Binding,
        C::Session: SessionCompatible<C, B>,
    {
        let settings = binding.settings().clone();
        let parsed = EndpointAddress::parse(address)?;
        let connection = tokio::time::timeout(settings.open_timeout, binding.connect(&parsed))
            .await
            .map_err(|_| Error::Timeout {
                operation: "opening the channel",
                timeout: settings.open_timeout,
            })??;
        let ids = MessageIds::new();
        let link = match connection {
            Connection::Request(channel) => Link::Request(Arc::new(channel)),
            Connection::Duplex(channel) => {
                let (input, output, session) = channel.into_parts();
                let pending: Arc<Pending> = Arc::new(Mutex::new(Some(HashMap::new())));
                let reader = tokio::spawn(read_replies(
                    input,
                    pending.clone(),
                    ids.base,
                    options.unsolicited,
                ));
                Link::Duplex {
                    output,
                    pending,
                    reader,
                    session,
                }
            }
        };
        Ok(ClientChannel {
            link,
            settings,
            to: SharedStr::from(address.to_owned()),
            ids,
            inspectors: options.inspectors,
            faulted: AtomicBool::new(false),
        })
    }

    /// The session the channel carries; `None` without one (HTTP, a datagram channel).
    pub fn session(&self) -> Option<&SessionId> {
        match &self.link {
            Link::Duplex { session, .. } => session.as_ref(),
            Link::Request(_) => None,
        }
    }

    /// Sends operation `index`'s request and waits for its reply body (at once for one-way
    /// operations). A fault comes back as `Body::Fault` for the generated code to type.
    ///
    /// A call that times out on a session faults the session (as in WCF): the channel is
    /// aborted, this call fails with [`Error::Timeout`], and the calls still waiting and every
    /// later call fail at once with [`Error::SessionClosed`]. A
    /// caller that drops the call's future stops waiting: if the request has gone out, the
    /// service still runs it, and its reply, answering no call, goes to
    /// [`ClientOptions::on_unsolicited`] (or is logged and dropped).
    pub async fn call(
        &self,
        contract: &'static ContractDescription,
        index: usize,
        body: Body,
    ) -> Result<Body, Error> {
        if self.faulted.load(Ordering::Acquire) {
            return Err(Error::SessionClosed(
                "the session faulted: an earlier call timed out; open a new client",
            ));
        }
        let op = contract.operations.get(index).ok_or_else(|| {
            Error::Encoding(format!(
                "contract `{}` has no operation number {index}",
                contract.name
            ))
        })?;
        let mut message = Message::new(op.action, body);
        message.headers.to = Some(self.to.clone());
        scope::add_outgoing(&mut message.headers);
        let timeout = self.settings.send_timeout;
        let timed_out = || Error::Timeout {
            operation: "the call",
            timeout,
        };
        let id = (!op.is_one_way).then(|| self.ids.next());
        if let Some(id) = id {
            message.headers.message_id = Some(MessageId::from_u128(id));
            message.headers.reply_to = Some(SharedStr::from_static(WSA10_ANONYMOUS));
        }
        let inspected = self.inspectors.send(&mut message, op)?;
        let (output, pending) = match &self.link {
            Link::Request(channel) if op.is_one_way => {
                // Like a one-way call on a session, it returns once the message is on its way;
                // the exchange (answered after the operation has run) finishes in the background.
                let channel = channel.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(timeout, channel.request_boxed(message)).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(error)) => tracing::debug!(%error, "a one-way exchange failed"),
                        Err(_) => tracing::debug!(?timeout, "a one-way exchange timed out"),
                    }
                });
                return Ok(Body::Empty);
            }
            Link::Request(channel) => {
                let reply = tokio::time::timeout(timeout, channel.request_boxed(message))
                    .await
                    .map_err(|_| timed_out())?;
                return match reply? {
                    Some(reply) => self.take_body(reply, inspected),
                    None => Err(Error::Communication(format!(
                        "the service answered `{}` without a reply",
                        op.name
                    ))),
                };
            }
            Link::Duplex {
                output, pending, ..
            } => (output, pending),
        };
        let Some(id) = id else {
            return match tokio::time::timeout(timeout, output.send(message)).await {
                Ok(sent) => sent.map(|()| Body::Empty).map_err(Error::from),
                Err(_) => {
                    self.fault_session();
                    Err(timed_out())
                }
            };
        };
        let (tx, rx) = oneshot::channel();
        register(pending, id, tx)?;
        let waiting = PendingGuard { pending, id };
        let exchange = async {
            output.send(message).await?;
            rx.await.map_err(|_| ChannelError::Closed)?
        };
        let Ok(reply) = tokio::time::timeout(timeout, exchange).await else {
            // Faulted first, so that a late answer cannot reach another call meanwhile.
            self.fault_session();
            drop(waiting);
            return Err(timed_out());
        };
        drop(waiting);
        self.take_body(reply?, inspected)
    }

    /// The body of a reply, once the inspectors have seen it and its headers are checked (and
    /// kept in the call's scope). A fault is the answer whatever its headers.
    fn take_body(&self, mut reply: Message, inspected: Inspected) -> Result<Body, Error> {
        self.inspectors.receive(&mut reply, inspected)?;
        let Message { headers, body } = reply;
        let checked = scope::received(headers);
        if !matches!(body, Body::Fault(_)) {
            checked?;
        }
        Ok(body)
    }

    /// Faults a session after a call timed out: aborts it, and fails the calls still waiting
    /// (a datagram channel has no session to fault).
    fn fault_session(&self) {
        if let Link::Duplex {
            output,
            pending,
            session: Some(_),
            ..
        } = &self.link
        {
            tracing::debug!("a call timed out: faulting the session");
            self.faulted.store(true, Ordering::Release);
            output.abort();
            fail_all(pending, &ChannelError::Closed);
        }
    }

    /// Ends the session gracefully: tells the service, and waits (up to the close timeout) for
    /// it to end its side. The client's calls borrow it, so none is in flight now.
    pub async fn close(mut self) -> Result<(), Error> {
        let Link::Duplex { output, reader, .. } = &mut self.link else {
            // Request-reply has no session to end.
            return Ok(());
        };
        let timeout = self.settings.close_timeout;
        let closing = async {
            output.close().await?;
            match reader.await {
                Ok(ending) => ending,
                Err(_) => Err(ChannelError::Closed),
            }
        };
        match tokio::time::timeout(timeout, closing).await {
            Ok(ending) => Ok(ending?),
            Err(_) => Err(Error::Timeout {
                operation: "closing the session",
                timeout,
            }),
        }
    }

    /// Closes after a terminating operation; a failure to close is only logged, since the
    /// operation itself has completed.
    pub async fn close_after_terminating(self) {
        if let Err(error) = self.close().await {
            tracing::debug!(%error, "closing after a terminating operation failed");
        }
    }

    /// Ends the session at once without telling the service.
    pub fn abort(self) {
        drop(self);
    }
}

impl Drop for ClientChannel {
    fn drop(&mut self) {
        if let Link::Duplex {
            output,
            pending,
            reader,
            ..
        } = &self.link
        {
            output.abort();
            reader.abort();
            fail_all(pending, &ChannelError::Closed);
        }
    }
}

fn register(pending: &Pending, id: u128, tx: oneshot::Sender<Reply>) -> Result<(), Error> {
    let mut pending = pending
        .lock()
        .map_err(|_| Error::SessionClosed("the channel's state is poisoned"))?;
    match pending.as_mut() {
        Some(map) => {
            map.insert(id, tx);
            Ok(())
        }
        None => Err(Error::SessionClosed("the session has ended")),
    }
}

/// Removes a call's pending entry when the call ends early (timeout, cancellation).
struct PendingGuard<'a> {
    pending: &'a Pending,
    id: u128,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut pending) = self.pending.lock()
            && let Some(map) = pending.as_mut()
        {
            map.remove(&self.id);
        }
    }
}

/// Hands each reply to its call, until the session ends; returns how it ended.
async fn read_replies(
    mut input: Box<dyn MessageSource>,
    pending: Arc<Pending>,
    ids_base: u128,
    unsolicited: Option<UnsolicitedHandler>,
) -> Result<(), ChannelError> {
    let ending = loop {
        match input.receive().await {
            Ok(Some(message)) => {
                if let Some(message) = deliver(&pending, message, ids_base) {
                    match &unsolicited {
                        Some(handler) => handler(message),
                        None => tracing::debug!(
                            action = message.action(),
                            "a message that answers no call"
                        ),
                    }
                }
            }
            Ok(None) => break Ok(()),
            Err(error) => break Err(error),
        }
    };
    match &ending {
        Ok(()) => tracing::debug!("the service ended the session"),
        Err(error) => tracing::debug!(%error, "the client's session failed"),
    }
    fail_all(
        &pending,
        ending.as_ref().err().unwrap_or(&ChannelError::Closed),
    );
    ending
}

/// Hands `message` to the call it answers: the one its `RelatesTo` names, or, for a fault that
/// names none (Mono's WCF sends faults without `RelatesTo`), the oldest call still waiting, which
/// is the one a service that answers in order is answering. Returns the message when it answers
/// no call.
fn deliver(pending: &Pending, message: Message, ids_base: u128) -> Option<Message> {
    let related = message.headers.relates_to.as_ref().map(MessageId::as_u128);
    let waiter = pending.lock().ok().and_then(|mut pending| {
        let map = pending.as_mut()?;
        let id = match related {
            Some(id) => id?,
            None if message.is_fault() => *map.keys().min_by_key(|id| id.wrapping_sub(ids_base))?,
            None => return None,
        };
        map.remove(&id)
    });
    match waiter {
        Some(waiter) => {
            let _ = waiter.send(Ok(message));
            None
        }
        None => Some(message),
    }
}

fn fail_all(pending: &Pending, error: &ChannelError) {
    let waiters = pending.lock().ok().and_then(|mut pending| pending.take());
    for (_, waiter) in waiters.into_iter().flatten() {
        let _ = waiter.send(Err(error.clone()));
    }
}

/// Message ids unique to this channel: a random base plus a counter, as UUIDs.
#[derive(Debug)]
struct MessageIds {
    base: u128,
    counter: AtomicU64,
}

impl MessageIds {
    fn new() -> Self {
        MessageIds {
            base: uuid::Uuid::new_v4().as_u128(),
            counter: AtomicU64::new(0),
        }
    }

    fn next(&self) -> u128 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        self.base.wrapping_add(u128::from(n))
    }
}
