//! An ordered session over request-reply exchanges: what turns HTTP's one-shot exchanges into
//! one duplex session, as WCF's reliable session does, without its retransmission.
//!
//! The client numbers the messages of its session and sends each as an exchange, several at a
//! time; the replies come back in the exchanges' responses. The service side is a request
//! handler that sorts requests into sessions by their session id, hands each session's messages
//! to the host in their number order (holding early ones back), and answers each exchange with
//! the reply its session sends to that request.
//!
//! The wire, indigo's own: every message carries a header
//! `<Session xmlns="urn:indigo:session"><Id>…</Id><Number>n</Number><Reply>b</Reply></Session>`,
//! where `Reply` says whether the sender waits for a reply (SOAP 1.1 has no `MessageID` to tell);
//! number 0 opens the session; the client ends it with an `urn:indigo:session/Close` message numbered after
//! the last, answered with `urn:indigo:session/CloseResponse` once the service has ended its
//! side. A lost exchange fails the session (nothing is resent); a request for a session the
//! service does not know (it timed out, or the service restarted) is answered with an
//! `UnknownSession` fault.

use std::collections::{BTreeMap, HashMap};
use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, watch};

use super::pipe::raw_pipe;
use super::queue::{Finishing, Popped, Queue};
use super::{
    BindingSettings, ChannelError, DuplexChannel, Incoming, MessageSink, PIPE_CAPACITY, PipeSink,
    Refusal, RequestChannel, RequestHandler, SendExt, SessionId, SessionListener,
};
use crate::message::{Body, Fault, FaultKind, Header, Message, MessageId, data_contract};
use crate::xml::{Infoset, XmlError, XmlSink};

/// The namespace of the session header, actions and faults.
pub const SESSION_NS: &str = "urn:indigo:session";
/// The action of the message that ends a session.
pub const CLOSE_ACTION: &str = "urn:indigo:session/Close";
/// The action of the service's answer to [`CLOSE_ACTION`].
pub const CLOSE_RESPONSE_ACTION: &str = "urn:indigo:session/CloseResponse";

/// How many messages of a session may arrive ahead of their turn before the session is faulted.
const EARLY_LIMIT: usize = 256;

/// How many exchanges a client has in flight at once: well below [`EARLY_LIMIT`], so that a slow
/// exchange never makes the service refuse the ones behind it.
const WINDOW: usize = 64;

/// The session header's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SessionHeader {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Number")]
    number: u64,
    /// Whether the sender waits for a reply to this message.
    #[serde(rename = "Reply", default)]
    reply: bool,
}

impl Header for SessionHeader {
    const NAMESPACE: &'static str = SESSION_NS;
    const NAME: &'static str = "Session";

    fn write(&self, out: &mut dyn XmlSink) -> Result<(), XmlError> {
        data_contract::write(self, Self::NAME, Self::NAMESPACE, out)
    }

    fn read(element: &Infoset) -> Result<Self, XmlError> {
        data_contract::read(element)
    }
}

fn put_header(message: &mut Message, id: &str, number: u64) -> Result<(), ChannelError> {
    let header = SessionHeader {
        id: id.to_owned(),
        number,
        reply: message.headers.message_id.is_some(),
    };
    message
        .headers
        .insert(&header)
        .map_err(ChannelError::encoding)?;
    Ok(())
}

/// Takes the session header out of `message`.
fn take_header(message: &mut Message) -> Option<SessionHeader> {
    let header = message.headers.get::<SessionHeader>().ok().flatten();
    message.headers.remove::<SessionHeader>();
    header
}

fn session_fault(name: &str, reason: String) -> Fault {
    Fault::new(FaultKind::Sender, reason).with_subcode(SESSION_NS, name)
}

/// The client's end: a duplex session over `channel`, whose exchanges may each take up to
/// `settings.send_timeout`.
pub(crate) fn client<R: RequestChannel>(channel: R, settings: &BindingSettings) -> DuplexChannel {
    let id: Arc<str> = uuid::Uuid::new_v4().urn().to_string().into();
    let (sink, outgoing) = raw_pipe(PIPE_CAPACITY);
    let (to_input, input) = super::pipe(PIPE_CAPACITY);
    tokio::spawn(client_pump(
        channel,
        outgoing,
        to_input,
        id.clone(),
        settings.send_timeout,
    ));
    DuplexChannel::new(Box::new(input), Arc::new(sink), Some(SessionId::new(id)))
}

/// Sends the session's messages as exchanges and hands their replies to the session's input;
/// at the close, waits for the exchanges in flight, then closes the session with the service.
async fn client_pump<R: RequestChannel>(
    channel: R,
    outgoing: Arc<Queue<Box<Message>>>,
    input: PipeSink,
    id: Arc<str>,
    timeout: Duration,
) {
    let _ending = Finishing::new(&outgoing);
    let exchange = |message: Message| {
        let channel = &channel;
        async move {
            tokio::time::timeout(timeout, channel.request(message))
                .await
                .unwrap_or(Err(ChannelError::Timeout {
                    operation: "an exchange of the session",
                    timeout,
                }))
        }
    };
    let mut next = 0u64;
    let mut in_flight = FuturesUnordered::new();
    let failure = loop {
        // Message 0 opens the session: later ones wait for its exchange, so that none reaches
        // the service before the session exists. Then up to `WINDOW` are in flight.
        let opening = next == 1 && !in_flight.is_empty();
        let room = in_flight.len() < WINDOW;
        tokio::select! {
            popped = poll_fn(|cx| outgoing.poll_pop(cx)), if room && !opening => match popped {
                Popped::Item(message) => {
                    let mut message = *message;
                    if let Err(error) = put_header(&mut message, &id, next) {
                        break error;
                    }
                    next += 1;
                    in_flight.push(exchange(message));
                }
                Popped::Closing => {
                    while let Some(result) = in_flight.next().await {
                        if let Err(error) = pass_on(&input, result).await {
                            outgoing.finish(Err(error.clone()));
                            input.fail(error);
                            return;
                        }
                    }
                    let mut close = Message::new(CLOSE_ACTION, Body::Empty);
                    let closed = match put_header(&mut close, &id, next) {
                        Ok(()) => exchange(close).await.and_then(close_answered),
                        Err(error) => Err(error),
                    };
                    match &closed {
                        Ok(()) => {
                            // The session's input ends once the service has ended its side.
                            let _ = input.close().await;
                        }
                        Err(error) => input.fail(error.clone()),
                    }
                    outgoing.finish(closed);
                    return;
                }
                Popped::Done(_) => {
                    input.fail(ChannelError::Closed);
                    return;
                }
            },
            Some(result) = in_flight.next(), if !in_flight.is_empty() => {
                if let Err(error) = pass_on(&input, result).await {
                    break error;
                }
            }
        }
    };
    outgoing.abort(failure.clone());
    input.fail(failure);
}

/// Hands an exchange's reply to the session's input; the service's refusal of the session (a
/// fault of this protocol's namespace) fails it instead.
async fn pass_on(
    input: &PipeSink,
    result: Result<Option<Message>, ChannelError>,
) -> Result<(), ChannelError> {
    let Some(reply) = result? else {
        return Ok(());
    };
    if let Body::Fault(fault) = &reply.body
        && fault.code.subcodes.iter().any(|(ns, _)| ns == SESSION_NS)
    {
        return Err(ChannelError::protocol(format!(
            "the service ended the session: {}",
            fault.reason()
        )));
    }
    input.send(reply).await
}

/// Checks the service's answer to the close.
fn close_answered(answer: Option<Message>) -> Result<(), ChannelError> {
    match answer {
        Some(message) if message.action() == CLOSE_RESPONSE_ACTION => Ok(()),
        Some(message) => match message.body {
            Body::Fault(fault) => Err(ChannelError::protocol(format!(
                "the service refused to close the session: {}",
                fault.reason()
            ))),
            _ => Err(ChannelError::protocol(format!(
                "the service answered the close with `{}`",
                message.action()
            ))),
        },
        None => Err(ChannelError::protocol(
            "the service answered the close without a message",
        )),
    }
}

/// The sessions of one endpoint, as the service sees them.
type Sessions = Arc<Mutex<HashMap<String, Arc<ServerSession>>>>;

fn lock(sessions: &Sessions) -> MutexGuard<'_, HashMap<String, Arc<ServerSession>>> {
    sessions.lock().unwrap_or_else(|p| p.into_inner())
}

/// The service's end: a request handler that sorts requests into sessions, and the listener
/// that yields each new session to the host.
pub(crate) fn service(settings: &BindingSettings) -> (Demux, Box<dyn SessionListener>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let demux = Demux {
        sessions: Sessions::default(),
        incoming: tx,
        opening: Arc::new(AtomicUsize::new(0)),
        max_opening: settings.max_pending_connections,
        reply_timeout: settings.receive_timeout,
        close_timeout: settings.close_timeout,
    };
    (demux, Box::new(SessionSource(rx)))
}

/// Yields the sessions the demultiplexer opened.
struct SessionSource(mpsc::UnboundedReceiver<Box<dyn Incoming>>);

impl SessionListener for SessionSource {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Option<Box<dyn Incoming>>> {
        self.0.poll_recv(cx)
    }
}

/// Sorts requests into sessions and answers each with its session's reply.
pub(crate) struct Demux {
    sessions: Sessions,
    incoming: mpsc::UnboundedSender<Box<dyn Incoming>>,
    /// Sessions opened and not yet admitted or refused by the host.
    opening: Arc<AtomicUsize>,
    /// Past this many, a request that would open one more is refused (as net.tcp's
    /// `max_pending_connections`).
    max_opening: usize,
    /// How long an exchange waits for its session's reply.
    reply_timeout: Duration,
    /// How long the close waits for the session to end its side.
    close_timeout: Duration,
}

/// One session on the service side.
struct ServerSession {
    /// Messages in number order into the session's input.
    order: tokio::sync::Mutex<Order>,
    /// Exchanges waiting for the session's reply, and how the session's output ended.
    replies: Arc<Replies>,
}

struct Order {
    next: u64,
    early: BTreeMap<u64, Delivery>,
    to_session: PipeSink,
}

enum Delivery {
    /// Boxed: early messages wait in a map, and a close carries nothing.
    Message(Box<Message>),
    Close,
}

/// Where an exchange waits for its reply.
type Waiter = oneshot::Sender<Result<Message, ChannelError>>;

/// What the session's output side shares with the exchanges.
struct Replies {
    /// By the `MessageID` of the request each answers; `None` once the output has ended.
    pending: Mutex<Option<HashMap<MessageId, Waiter>>>,
    /// Set once the session's output is closed (`Ok`) or aborted.
    ended: watch::Sender<Option<Result<(), ChannelError>>>,
}

impl Replies {
    fn new() -> Self {
        Replies {
            pending: Mutex::new(Some(HashMap::new())),
            ended: watch::channel(None).0,
        }
    }

    fn pending(&self) -> MutexGuard<'_, Option<HashMap<MessageId, Waiter>>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers the exchange of request `message_id`; `None` when the session's output has
    /// ended or another exchange waits for the same id.
    fn wait_for(self: &Arc<Self>, message_id: &MessageId) -> Option<Waiting> {
        let mut pending = self.pending();
        let map = pending.as_mut()?;
        if map.contains_key(message_id) {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        map.insert(message_id.clone(), tx);
        Some(Waiting {
            replies: self.clone(),
            message_id: message_id.clone(),
            reply: rx,
        })
    }

    /// Ends the session's output: every exchange still waiting gets `result`'s error (or
    /// "closed").
    fn end(&self, result: Result<(), ChannelError>) {
        let waiting = self.pending().take();
        let error = result.clone().err().unwrap_or(ChannelError::Closed);
        for (_, waiter) in waiting.into_iter().flatten() {
            let _ = waiter.send(Err(error.clone()));
        }
        self.ended.send_if_modified(|ended| {
            let first = ended.is_none();
            if first {
                *ended = Some(result);
            }
            first
        });
    }
}

/// An exchange waiting for its reply; it stops waiting (and forgets its entry) when dropped.
struct Waiting {
    replies: Arc<Replies>,
    message_id: MessageId,
    reply: oneshot::Receiver<Result<Message, ChannelError>>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(map) = self.replies.pending().as_mut() {
            map.remove(&self.message_id);
        }
    }
}

/// A fault answering the request with `request_id`.
fn answer_fault(request_id: Option<&MessageId>, fault: Fault) -> Message {
    let mut message = Message::new(crate::message::WSA10_FAULT_ACTION, Body::Fault(fault));
    message.headers.relates_to = request_id.cloned();
    message
}

fn session_ended() -> Fault {
    session_fault(
        "SessionEnded",
        "The session has ended; open a new one.".to_owned(),
    )
}

impl Demux {
    /// The session `header` names; number 0 opens it.
    fn session(&self, header: &SessionHeader) -> Result<Arc<ServerSession>, ChannelError> {
        let mut sessions = lock(&self.sessions);
        if let Some(session) = sessions.get(&header.id) {
            return Ok(session.clone());
        }
        if header.number != 0 {
            return Err(ChannelError::Protocol(
                format!(
                    "The session '{}' is not open on this service (it ended, timed out, or the service restarted); open a new one.",
                    header.id
                )
                .into(),
            ));
        }
        if self.opening.load(Ordering::Relaxed) >= self.max_opening {
            return Err(ChannelError::Refused(Refusal::TooBusy));
        }
        let (to_session, from_demux) = super::pipe(PIPE_CAPACITY);
        let replies = Arc::new(Replies::new());
        let session = Arc::new(ServerSession {
            order: tokio::sync::Mutex::new(Order {
                next: 0,
                early: BTreeMap::new(),
                to_session,
            }),
            replies: replies.clone(),
        });
        let output = Arc::new(DemuxSink {
            id: header.id.clone(),
            sessions: self.sessions.clone(),
            replies: replies.clone(),
        });
        let channel = DuplexChannel::new(
            Box::new(from_demux),
            output,
            Some(SessionId::new(header.id.clone())),
        );
        self.opening.fetch_add(1, Ordering::Relaxed);
        let incoming = Box::new(OpenedSession {
            channel,
            replies,
            _opening: Opening(self.opening.clone()),
        });
        sessions.insert(header.id.clone(), session.clone());
        drop(sessions);
        // Sent with the sessions unlocked: a failed send drops the session's sink, whose end
        // takes the lock.
        if self.incoming.send(incoming).is_err() {
            return Err(ChannelError::Refused(Refusal::ShuttingDown));
        }
        Ok(session)
    }

    /// Waits for the session to end its side after the client's close, and answers the close.
    async fn closed(&self, session: &ServerSession) -> Message {
        let mut ended = session.replies.ended.subscribe();
        let outcome =
            tokio::time::timeout(self.close_timeout, ended.wait_for(Option::is_some)).await;
        let reason = match outcome {
            Ok(Ok(ended)) => match &*ended {
                Some(Ok(())) => return Message::new(CLOSE_RESPONSE_ACTION, Body::Empty),
                Some(Err(error)) => format!("The session failed while closing: {error}."),
                None => "The session failed while closing.".to_owned(),
            },
            Ok(Err(_)) => "The session failed while closing.".to_owned(),
            Err(_) => format!("The session did not close within {:?}.", self.close_timeout),
        };
        answer_fault(None, Fault::new(FaultKind::Receiver, reason))
    }
}

impl RequestHandler for Demux {
    async fn handle(&self, mut request: Message) -> Result<Option<Message>, ChannelError> {
        let request_id = request.headers.message_id.clone();
        let Some(header) = take_header(&mut request) else {
            return Ok(Some(answer_fault(
                request_id.as_ref(),
                session_fault(
                    "MissingSession",
                    format!(
                        "This endpoint carries sessions: every message needs the session header of namespace '{SESSION_NS}'."
                    ),
                ),
            )));
        };
        let session = match self.session(&header) {
            Ok(session) => session,
            Err(ChannelError::Protocol(reason)) => {
                return Ok(Some(answer_fault(
                    request_id.as_ref(),
                    session_fault("UnknownSession", reason.to_string()),
                )));
            }
            Err(error) => return Err(error),
        };
        let close = request.action() == CLOSE_ACTION;
        if header.reply && request.headers.message_id.is_none() {
            // Without WS-Addressing (SOAP 1.1) the request has no id for its reply to relate to:
            // it gets one here, unique within the session.
            request.headers.message_id = Some(MessageId::from(format!(
                "urn:indigo:session:{}:{}",
                header.id, header.number
            )));
        }
        let expects_reply = header.reply && !close;
        let delivery = if close {
            Delivery::Close
        } else {
            Delivery::Message(Box::new(request))
        };
        let waiting = match deliver(&session, header.number, delivery, expects_reply).await {
            Ok(waiting) => waiting,
            Err(fault) => return Ok(Some(answer_fault(request_id.as_ref(), fault))),
        };
        if close {
            return Ok(Some(self.closed(&session).await));
        }
        let Some(mut waiting) = waiting else {
            return Ok(None);
        };
        match tokio::time::timeout(self.reply_timeout, &mut waiting.reply).await {
            Ok(Ok(Ok(reply))) => Ok(Some(reply)),
            Ok(Ok(Err(ChannelError::Refused(refusal)))) => Err(ChannelError::Refused(refusal)),
            Ok(Ok(Err(error))) => Ok(Some(answer_fault(
                request_id.as_ref(),
                Fault::new(
                    FaultKind::Receiver,
                    format!("The session ended before it answered: {error}."),
                ),
            ))),
            Ok(Err(_)) => Ok(Some(answer_fault(request_id.as_ref(), session_ended()))),
            Err(_) => Ok(Some(answer_fault(
                request_id.as_ref(),
                Fault::new(
                    FaultKind::Receiver,
                    format!(
                        "The session did not answer within {:?}.",
                        self.reply_timeout
                    ),
                ),
            ))),
        }
    }
}

/// Puts `delivery` (number `number`) into the session in its turn, with every early one it
/// releases. With `expects_reply`, registers the exchange's wait for its reply first (after the
/// duplicate check, before the session can answer).
async fn deliver(
    session: &ServerSession,
    number: u64,
    delivery: Delivery,
    expects_reply: bool,
) -> Result<Option<Waiting>, Fault> {
    let mut order = session.order.lock().await;
    if number < order.next || order.early.contains_key(&number) {
        return Err(session_fault(
            "DuplicateMessage",
            format!("Message number {number} of this session was already received."),
        ));
    }
    let waiting = match (&delivery, expects_reply) {
        (Delivery::Message(message), true) => {
            let id = message
                .headers
                .message_id
                .as_ref()
                .ok_or_else(session_ended)?;
            Some(session.replies.wait_for(id).ok_or_else(session_ended)?)
        }
        _ => None,
    };
    if number > order.next {
        if order.early.len() >= EARLY_LIMIT {
            // A gap this long will not close: the session is over.
            order.to_session.fail(ChannelError::protocol(format!(
                "more than {EARLY_LIMIT} messages arrived ahead of message {}",
                order.next
            )));
            return Err(session_fault(
                "TooManyEarlyMessages",
                format!(
                    "More than {EARLY_LIMIT} messages arrived ahead of message {}; the session is ended.",
                    order.next
                ),
            ));
        }
        order.early.insert(number, delivery);
        return Ok(waiting);
    }
    let mut delivery = Some(delivery);
    while let Some(next) = delivery.take() {
        order.next += 1;
        let done = match next {
            Delivery::Message(message) => order.to_session.send(*message).await,
            Delivery::Close => order.to_session.close().await,
        };
        if done.is_err() {
            return Err(session_ended());
        }
        let next = order.next;
        delivery = order.early.remove(&next);
    }
    Ok(waiting)
}

/// Counts a session as opening (not yet admitted or refused) while it lives.
struct Opening(Arc<AtomicUsize>);

impl Drop for Opening {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A session the demultiplexer opened, waiting for the host's admission.
struct OpenedSession {
    channel: DuplexChannel,
    replies: Arc<Replies>,
    /// Counts the session as opening until it is admitted, refused or dropped.
    _opening: Opening,
}

impl Incoming for OpenedSession {
    fn accept(self: Box<Self>) -> Result<DuplexChannel, ChannelError> {
        let OpenedSession { channel, .. } = *self;
        Ok(channel)
    }

    fn refuse(self: Box<Self>, refusal: Refusal) {
        // Its exchanges are answered with the refusal (HTTP 503); its output ends, which forgets
        // the session.
        let OpenedSession {
            channel, replies, ..
        } = *self;
        replies.end(Err(ChannelError::Refused(refusal)));
        let (_, output, _) = channel.into_parts();
        output.abort();
    }
}

/// The session's output: each reply goes to the exchange of the request it relates to.
struct DemuxSink {
    id: String,
    sessions: Sessions,
    replies: Arc<Replies>,
}

impl DemuxSink {
    fn end(&self, result: Result<(), ChannelError>) {
        lock(&self.sessions).remove(&self.id);
        self.replies.end(result);
    }
}

impl MessageSink for DemuxSink {
    fn poll_send(
        &self,
        _cx: &mut Context<'_>,
        message: &mut Option<Message>,
    ) -> Poll<Result<(), ChannelError>> {
        let Some(message) = message.take() else {
            return Poll::Ready(Ok(()));
        };
        let waiter = message
            .headers
            .relates_to
            .as_ref()
            .and_then(|id| self.replies.pending().as_mut()?.remove(id));
        match waiter {
            Some(waiter) => {
                let _ = waiter.send(Ok(message));
            }
            None => tracing::debug!(
                action = message.action(),
                "a message of an ordered session that answers no exchange: dropped"
            ),
        }
        Poll::Ready(Ok(()))
    }

    fn poll_close(&self, _cx: &mut Context<'_>) -> Poll<Result<(), ChannelError>> {
        self.end(Ok(()));
        Poll::Ready(Ok(()))
    }

    fn abort(&self) {
        self.end(Err(ChannelError::Closed));
    }
}

impl Drop for DemuxSink {
    fn drop(&mut self) {
        self.end(Err(ChannelError::Closed));
    }
}
