//! The client side: a [`ClientChannel`] carries the typed proxy's calls over one session.
//!
//! Calls may overlap (they are matched to replies by WS-Addressing `MessageID`/`RelatesTo`), so one
//! session can have many requests in flight. Over HTTP each call is its own request/reply
//! exchange, made by the calling task.

mod codec;
mod state;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use codec::{decode_reply, decode_reply_or_fault, encode_request};
pub use state::{Active, Fresh, SessionState, Started};

use crate::address::Address;
use crate::binding::{Binding, BindingSettings, TransportKind};
use crate::channel::{ChannelInput, ChannelOutput};
use crate::contract::{Contract, ContractDescription, SessionCompatible};
use crate::error::Error;
use crate::http::client::Exchange;
use crate::message::{Body, Message, WSA10_ANONYMOUS};
use crate::transport::{memory, tcp};

type Reply = Result<Message, Error>;

/// Calls waiting for their reply, by message id; `None` once the session is over.
type Pending = Mutex<Option<HashMap<u128, oneshot::Sender<Reply>>>>;

/// One client session: sends requests, matches replies, closes or aborts.
#[derive(Debug)]
pub struct ClientChannel {
    link: Link,
    settings: BindingSettings,
    to: String,
    ids: MessageIds,
}

/// How calls reach the service.
#[derive(Debug)]
enum Link {
    /// A duplex channel (TCP, memory): requests are queued on `output`, and a reader task hands
    /// each reply to the call it answers.
    Duplex {
        output: ChannelOutput,
        pending: Arc<Pending>,
        reader: JoinHandle<()>,
    },
    /// Request-reply (HTTP): each call makes its own exchange, in the calling task.
    RequestReply(Box<Exchange>),
}

impl ClientChannel {
    /// Opens a channel for contract `C` to `address` over `binding`.
    pub async fn connect<C, B>(binding: B, address: &str) -> Result<Self, Error>
    where
        C: Contract,
        B: Binding,
        C::Session: SessionCompatible<C, B>,
    {
        let settings = binding.settings().clone();
        let parsed = Address::parse(address, binding.transport())?;
        if let (TransportKind::Http, Address::Http { .. }) = (binding.transport(), &parsed) {
            let http = binding.http().ok_or_else(|| Error::InvalidAddress {
                address: address.to_owned(),
                reason: "the binding has no HTTP settings".into(),
            })?;
            let exchange = crate::http::client::connect(address, http, &settings)?;
            return Ok(ClientChannel {
                link: Link::RequestReply(Box::new(exchange)),
                settings,
                to: address.to_owned(),
                ids: MessageIds::new(),
            });
        }
        let open = async {
            match (binding.transport(), &parsed) {
                (TransportKind::Tcp, Address::Tcp { host, port, .. }) => {
                    tcp::connect(host, *port, address, &settings).await
                }
                (TransportKind::Memory, Address::Memory { name }) => memory::connect(name).await,
                _ => Err(Error::InvalidAddress {
                    address: address.to_owned(),
                    reason: "the address does not suit the binding's transport".into(),
                }),
            }
        };
        let (input, output) = tokio::time::timeout(settings.open_timeout, open)
            .await
            .map_err(|_| Error::Timeout {
                operation: "opening the channel",
                timeout: settings.open_timeout,
            })??;
        let pending: Arc<Pending> = Arc::new(Mutex::new(Some(HashMap::new())));
        let ids = MessageIds::new();
        let reader = tokio::spawn(read_replies(input, pending.clone(), ids.base));
        Ok(ClientChannel {
            link: Link::Duplex {
                output,
                pending,
                reader,
            },
            settings,
            to: address.to_owned(),
            ids,
        })
    }

    /// Sends operation `index`'s request and waits for its reply body (at once for one-way
    /// operations). A fault comes back as `Body::Fault` for the generated code to type.
    pub async fn call(
        &self,
        contract: &'static ContractDescription,
        index: usize,
        body: Body,
    ) -> Result<Body, Error> {
        let op = contract.operations.get(index).ok_or_else(|| {
            Error::Encoding(format!(
                "contract `{}` has no operation number {index}",
                contract.name
            ))
        })?;
        let mut message = Message::new(op.action, body);
        message.headers.to = Some(self.to.clone());
        let timeout = self.settings.send_timeout;
        let timed_out = || Error::Timeout {
            operation: "the call",
            timeout,
        };
        let id = (!op.is_one_way).then(|| self.ids.next());
        if let Some(id) = id {
            message.headers.message_id = Some(uuid::Uuid::from_u128(id).urn().to_string());
            message.headers.reply_to = Some(WSA10_ANONYMOUS.to_owned());
        }
        let (output, pending) = match &self.link {
            Link::RequestReply(exchange) if op.is_one_way => {
                // Like a one-way call on a session, it returns once the message is on its way;
                // the POST (answered after the operation has run) finishes in the background.
                let exchange = Exchange::clone(exchange);
                tokio::spawn(async move {
                    match tokio::time::timeout(timeout, exchange.exchange(&message)).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(error)) => tracing::debug!(%error, "a one-way POST failed"),
                        Err(_) => tracing::debug!(?timeout, "a one-way POST timed out"),
                    }
                });
                return Ok(Body::Empty);
            }
            Link::RequestReply(exchange) => {
                let reply = tokio::time::timeout(timeout, exchange.exchange(&message))
                    .await
                    .map_err(|_| timed_out())?;
                return match reply.map_err(Error::from)? {
                    Some(reply) => Ok(reply.body),
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
            return tokio::time::timeout(timeout, output.send(message))
                .await
                .map_err(|_| timed_out())?
                .map(|()| Body::Empty);
        };
        let (tx, rx) = oneshot::channel();
        register(pending, id, tx)?;
        let waiting = PendingGuard { pending, id };
        let exchange = async {
            output.send(message).await?;
            rx.await
                .map_err(|_| Error::SessionClosed("the session ended before the reply arrived"))?
        };
        let reply = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| timed_out())?;
        drop(waiting);
        reply.map(|message| message.body)
    }

    /// Ends the session gracefully: tells the service, and waits (up to the close timeout) for
    /// it to end its side. The client's calls borrow it, so none is in flight now.
    pub async fn close(mut self) -> Result<(), Error> {
        let Link::Duplex { output, reader, .. } = &mut self.link else {
            // Request-reply has no session to end.
            return Ok(());
        };
        output.end().await;
        let timeout = self.settings.close_timeout;
        match tokio::time::timeout(timeout, reader).await {
            Ok(_) => Ok(()),
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
            pending, reader, ..
        } = &self.link
        {
            reader.abort();
            fail_all(pending, || Error::SessionClosed("the client was dropped"));
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

/// Hands each reply to its call, until the session ends.
async fn read_replies(mut input: ChannelInput, pending: Arc<Pending>, ids_base: u128) {
    let ending = loop {
        match input.receive().await {
            Ok(Some(message)) => deliver(&pending, message, ids_base),
            Ok(None) => break Error::SessionClosed("the service ended the session"),
            Err(error) => break Error::from(error),
        }
    };
    tracing::debug!(%ending, "client session ended");
    fail_all(&pending, || ending.replicate());
}

/// Hands `message` to the call it answers: the one its `RelatesTo` names, or, when it names none
/// (Mono's WCF sends faults without `RelatesTo`), the oldest call still waiting, which is the one
/// a service that answers in order is answering.
fn deliver(pending: &Pending, message: Message, ids_base: u128) {
    let related = message.headers.relates_to.as_deref().map(|id| {
        uuid::Uuid::parse_str(id.trim_start_matches("urn:uuid:"))
            .map(|id| id.as_u128())
            .ok()
    });
    let waiter = pending.lock().ok().and_then(|mut pending| {
        let map = pending.as_mut()?;
        let id = match related {
            Some(id) => id?,
            None => *map.keys().min_by_key(|id| id.wrapping_sub(ids_base))?,
        };
        map.remove(&id)
    });
    match waiter {
        Some(waiter) => {
            let _ = waiter.send(Ok(message));
        }
        None => tracing::debug!(action = message.action(), "a message that answers no call"),
    }
}

fn fail_all(pending: &Pending, error: impl Fn() -> Error) {
    let waiters = pending.lock().ok().and_then(|mut pending| pending.take());
    for (_, waiter) in waiters.into_iter().flatten() {
        let _ = waiter.send(Err(error()));
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
