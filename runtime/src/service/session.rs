//! One session on the service side: messages are read in arrival order, checked against the
//! contract's session rules, dispatched to the session's instance context, and answered.
//!
//! The loop sees only a [`DuplexChannel`]: it knows nothing of the transport or the layers under
//! it. A channel without a session (a datagram channel) is served the same way, every call
//! standing alone.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tracing::Instrument;

use super::call::{
    self, Hold, Incoming, OnCancel, PreparedCall, Refusal, Refused, answer, call_span,
};
use super::context::CallInfo;
use super::dispatch::Dispatch;
use super::endpoint::Endpoint;
use super::faults;
use super::inspect::{Inspected, Inspectors};
use super::instance::InstanceContext;
use super::phased::Phased;
use super::stats::Counters;
use crate::channel::{
    ChannelError, DuplexChannel, MessageSink, MessageSource, ReceiveExt, SendExt, SessionId,
};
use crate::contract::OperationDescription;
use crate::deadline;
use crate::message::{Body, Fault, HeaderBlock, Message, MessageId};

/// How many messages a session reads ahead while a call runs, so that it sees its client go
/// (the end of the input comes after them); past it the transport's own buffers hold the rest
/// (back-pressure), and a client gone behind them is seen when the call ends.
const MAX_READ_AHEAD: usize = 8;

/// How a session ended.
#[derive(Debug)]
enum Ending {
    /// The client ended it: end ours after the calls in flight.
    Graceful,
    /// The channel failed: lost, faulted, a protocol violation.
    Failed(ChannelError),
    /// An operation panicked: its fault has been sent, and the session ends after it.
    Panicked,
    /// An operation ran past the service's operation timeout: its fault has been sent, and the
    /// session ends after it, its other calls cancelled.
    Overran(Duration),
    /// No message arrived within the receive timeout (or the close timeout after a terminating
    /// operation).
    Idle(Duration),
    /// The host is shutting down past its deadline.
    Aborted,
}

/// Runs one session to its end, then releases its instance context.
pub(crate) async fn run<C, S>(
    endpoint: Arc<Endpoint<C, S>>,
    channel: DuplexChannel,
    abort: CancellationToken,
) where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    let (mut input, output, session) = channel.into_parts();
    let span = match &session {
        Some(id) => tracing::debug_span!("session", contract = C::DESCRIPTION.name, id = %id),
        None => {
            // A datagram channel has no id of its own: a process-wide counter names it (no
            // random number, a system call, per channel).
            static NEXT: AtomicU64 = AtomicU64::new(1);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            tracing::debug_span!("channel", contract = C::DESCRIPTION.name, n)
        }
    };
    async move {
        let mut session = Session::<C, S> {
            endpoint,
            output,
            abort: abort.clone(),
            session,
            hold: None,
            started: false,
            terminated_by: None,
            inflight: JoinSet::new(),
            cancel: None,
            lookahead: VecDeque::new(),
            peer_ended: false,
        };
        // One timer for the session's idle limit and, at its end, its close limit: registering
        // a new timer for every message would cost a trip through the timer wheel per message.
        let timer = tokio::time::sleep(session.endpoint.settings.receive_timeout);
        tokio::pin!(timer);
        let ending = session.pump(input.as_mut(), abort, timer.as_mut()).await;
        match &ending {
            Ending::Graceful => tracing::debug!("the client ended the session"),
            Ending::Failed(error) => tracing::debug!(%error, "the session failed"),
            Ending::Panicked => tracing::debug!("an operation panicked: ending the session"),
            Ending::Overran(limit) => {
                tracing::debug!(
                    ?limit,
                    "an operation overran its timeout: ending the session"
                );
            }
            Ending::Idle(timeout) => tracing::debug!(?timeout, "the session timed out idle"),
            Ending::Aborted => tracing::debug!("the host aborted the session"),
        }
        session.finish(ending, timer).await;
    }
    .instrument(span)
    .await;
}

struct Session<C, S: Send + Sync + 'static> {
    endpoint: Arc<Endpoint<C, S>>,
    output: Arc<dyn MessageSink>,
    /// Cancelled when the host aborts its sessions.
    abort: CancellationToken,
    /// The channel's session; without one every call stands alone.
    session: Option<SessionId>,
    /// The session's instance context (its own, a shared one, or the singleton), taken by its
    /// first call.
    hold: Option<Hold<S>>,
    started: bool,
    /// The terminating operation that ended the session, once called.
    terminated_by: Option<&'static str>,
    /// Shared calls running alongside the pump (concurrency `Multiple`).
    inflight: JoinSet<Option<Ending>>,
    /// Cancelled when the session ends before its shared calls have: the ones that may be
    /// dropped are. Made with the first shared call.
    cancel: Option<CancellationToken>,
    /// Messages that arrived while a call ran (at most [`MAX_READ_AHEAD`]), handled next.
    lookahead: VecDeque<Message>,
    /// The client ended its side while a call ran: the session ends after it.
    peer_ended: bool,
}

impl<C, S> Session<C, S>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    /// Reads and handles messages until the session ends. `idle_timer` is re-armed only when it
    /// fires early.
    async fn pump(
        &mut self,
        input: &mut dyn MessageSource,
        abort: CancellationToken,
        mut idle_timer: Pin<&mut Sleep>,
    ) -> Ending {
        loop {
            let message = match self.next(input, &abort, idle_timer.as_mut()).await {
                Ok(message) => message,
                Err(ending) => return ending,
            };
            if let Some(ending) = self.handle(input, &abort, message).await {
                return ending;
            }
        }
    }

    /// The next message: the one kept while a call ran, or the next to arrive within the idle
    /// limit; `Err` with how the session ends when none will.
    async fn next(
        &mut self,
        input: &mut dyn MessageSource,
        abort: &CancellationToken,
        mut idle_timer: Pin<&mut Sleep>,
    ) -> Result<Message, Ending> {
        if let Some(message) = self.lookahead.pop_front() {
            return Ok(message);
        }
        if self.peer_ended {
            return Err(Ending::Graceful);
        }
        let idle = if self.terminated_by.is_some() {
            self.endpoint.settings.close_timeout
        } else {
            self.endpoint.settings.receive_timeout
        };
        let mut deadline = deadline::from_now(idle);
        if idle_timer.deadline() > deadline {
            idle_timer.as_mut().reset(deadline);
        }
        // The session is idle only while no shared call runs; one that ends it (a panic, an
        // overrun, an answer that cannot go out) ends it now, not at the next message.
        let received = loop {
            tokio::select! {
                biased;
                () = abort.cancelled() => return Err(Ending::Aborted),
                received = input.receive() => break received,
                Some(finished) = self.inflight.join_next(), if !self.inflight.is_empty() => {
                    if let Some(ending) = finished.unwrap_or(Some(Ending::Panicked)) {
                        return Err(ending);
                    }
                    if self.inflight.is_empty() {
                        deadline = deadline::from_now(idle);
                        idle_timer.as_mut().reset(deadline);
                    }
                }
                () = &mut idle_timer, if self.inflight.is_empty() => {
                    if Instant::now() >= deadline {
                        return Err(Ending::Idle(idle));
                    }
                    idle_timer.as_mut().reset(deadline);
                }
            }
        };
        match received {
            Ok(Some(message)) => Ok(message),
            Ok(None) => Err(Ending::Graceful),
            Err(error) => Err(Ending::Failed(error)),
        }
    }

    /// How the session ends, if a finished shared call (concurrency `Multiple`) ended it.
    fn shared_call_ended(&mut self) -> Option<Ending> {
        let mut ending = None;
        while let Some(finished) = self.inflight.try_join_next() {
            ending = ending.or(finished.unwrap_or(Some(Ending::Panicked)));
        }
        ending
    }

    /// Handles one message; returns how the session ends, if this call ends it: code of the
    /// service's panicked (its operation, an inspector, a provider, a release hook), or its
    /// answer could not be sent.
    async fn handle(
        &mut self,
        input: &mut dyn MessageSource,
        abort: &CancellationToken,
        message: Message,
    ) -> Option<Ending> {
        self.call(input, abort, message)
            .await
            .or_else(|| self.shared_call_ended())
    }

    /// Runs one message's call, watching for the session's end meanwhile (see
    /// [`Session::watch`]); a call cancelled that way is dropped or left to finish as its
    /// instance says ([`OnCancel`]).
    async fn call(
        &mut self,
        input: &mut dyn MessageSource,
        abort: &CancellationToken,
        mut message: Message,
    ) -> Option<Ending> {
        // Kept in the request's headers too: the operation may read it.
        let request_id = message.headers.message_id.clone();
        let incoming = match call::receive(&self.endpoint, &mut message, self.session.as_ref()) {
            Ok(incoming) => incoming,
            Err(refused) => {
                let Refused {
                    op,
                    refusal,
                    inspected,
                } = *refused;
                return self.refuse(op, request_id, refusal, inspected).await;
            }
        };
        let op = incoming.op;
        let context = match self.check(op) {
            // Making an instance may wait for the instance throttle: the host's abort cuts it.
            Ok(()) => tokio::select! {
                biased;
                context = self.context_for(&message, &incoming.call) => context,
                () = abort.cancelled() => return Some(Ending::Aborted),
            },
            Err(fault) => Err(fault.into()),
        };
        let (context, own, on_cancel) = match context {
            Ok(context) => context,
            Err(refusal) => {
                return self
                    .refuse(Some(op), request_id, refusal, incoming.inspected)
                    .await;
            }
        };
        self.commit(op);
        let operation = (incoming.index, op);
        let endpoint = self.endpoint.clone();
        let prepare = PreparedCall::prepare(
            &endpoint,
            operation,
            (&context, on_cancel),
            own,
            message.body,
        );
        let prepared = match self.watch(input, abort, std::pin::pin!(prepare)).await {
            Ok(prepared) => prepared,
            Err(ending) => return Some(ending),
        };
        let Some(call) = prepared else {
            let fault =
                faults::internal("the host stopped admitting calls; the call was not run".into());
            return self
                .refuse(Some(op), request_id, fault.into(), incoming.inspected)
                .await;
        };
        let shared = call.shared;
        let (outbox, endpoint) = (self.outbox(), self.endpoint.clone());
        let Incoming {
            call: info,
            inspected,
            ..
        } = incoming;
        // Combinators rather than an `async` block: each step's future is held once, not again
        // beside the values it was made from. The instance is released after the answer is on
        // its way, as WCF's cleanup follows its reply.
        let task = Phased::new(call.run::<C>(info, message.headers), move |outcome| {
            let inspectors = &endpoint.service.inspectors;
            let answer = Answer {
                op: Some(op),
                request_id,
                result: outcome.result,
                reply_headers: outcome.reply_headers,
                inspected,
            };
            let (message, inspector_panicked) = answer.message(inspectors);
            let panicked = outcome.panicked || inspector_panicked;
            let (cleanup, timed_out) = (outcome.cleanup, outcome.timed_out);
            outbox.deliver(message).then(move |undelivered| {
                cleanup.run::<C>().map(move |release_panicked| {
                    let panicked = panicked || release_panicked;
                    let overran = timed_out.map(Ending::Overran);
                    panicked
                        .then_some(Ending::Panicked)
                        .or(undelivered)
                        .or(overran)
                })
            })
        })
        .instrument(call_span(op));
        if shared {
            let cancel = self
                .cancel
                .get_or_insert_with(CancellationToken::new)
                .clone();
            let droppable = on_cancel == OnCancel::Drop;
            self.inflight.spawn(async move {
                let mut task = std::pin::pin!(task);
                tokio::select! {
                    ending = task.as_mut() => ending,
                    // An answer already on its way finishes: the instance's release is not cut.
                    () = cancel.cancelled(), if droppable => {
                        if task.inner().answering() {
                            task.await
                        } else {
                            None
                        }
                    }
                }
            });
            return None;
        }
        // Boxed: a call's future (its context, its instance's release) is larger than the rest
        // of the session's, and would otherwise stay in every idle session.
        let mut task = Box::pin(task);
        match self.watch(input, abort, task.as_mut()).await {
            Ok(ending) => ending,
            Err(ending) => {
                // Left to finish, or already answering (its instance's release must not be cut
                // half-way): its reply will find the channel gone.
                if on_cancel == OnCancel::Finish || task.inner().answering() {
                    tokio::spawn(task);
                }
                Some(ending)
            }
        }
    }

    /// Awaits `work` while watching for the session's end: the host's abort, or the client's
    /// channel failing (a client gone). A message that arrives meanwhile is kept for after it;
    /// the client's graceful end ends the session after it.
    async fn watch<F: Future + ?Sized>(
        &mut self,
        input: &mut dyn MessageSource,
        abort: &CancellationToken,
        mut work: Pin<&mut F>,
    ) -> Result<F::Output, Ending> {
        loop {
            let listening = self.lookahead.len() < MAX_READ_AHEAD && !self.peer_ended;
            tokio::select! {
                biased;
                () = abort.cancelled() => return Err(Ending::Aborted),
                output = work.as_mut() => return Ok(output),
                received = input.receive(), if listening => match received {
                    Ok(Some(message)) => self.lookahead.push_back(message),
                    Ok(None) => self.peer_ended = true,
                    Err(error) => return Err(Ending::Failed(error)),
                },
            }
        }
    }

    /// Where the session's answers go.
    fn outbox(&self) -> Outbox {
        Outbox {
            output: self.output.clone(),
            timeout: self.endpoint.settings.send_timeout,
            abort: self.abort.clone(),
            counters: self.endpoint.counters.clone(),
        }
    }

    /// Answers a call that does not run with its refusal's fault; returns how the session ends,
    /// if this ends it (code of the service's panicked, or the answer could not be sent).
    async fn refuse(
        &self,
        op: Option<&'static OperationDescription>,
        request_id: Option<MessageId>,
        refusal: Refusal,
        inspected: Inspected,
    ) -> Option<Ending> {
        let answer = Answer {
            op,
            request_id,
            result: Err(*refusal.fault),
            reply_headers: Vec::new(),
            inspected,
        };
        let (message, panicked) = answer.message(&self.endpoint.service.inspectors);
        let undelivered = self.outbox().deliver(message).await;
        let panicked = refusal.panicked || panicked;
        panicked.then_some(Ending::Panicked).or(undelivered)
    }

    /// Applies the session rules to a call.
    fn check(&self, op: &'static OperationDescription) -> Result<(), Fault> {
        if self.session.is_none() {
            return Ok(());
        }
        if let Some(terminating) = self.terminated_by {
            return Err(faults::session_terminated(terminating));
        }
        if !self.started && !op.is_initiating {
            return Err(faults::not_initiating(op));
        }
        Ok(())
    }

    /// Updates the session's state for a call that passed [`Session::check`] and runs.
    fn commit(&mut self, op: &'static OperationDescription) {
        if self.session.is_none() {
            return;
        }
        self.started = true;
        if op.is_terminating {
            self.terminated_by = Some(op.name);
        }
    }

    /// The instance context a call runs in, and the hold to end after the call when the session
    /// does not keep it.
    async fn context_for(
        &mut self,
        request: &Message,
        call: &CallInfo,
    ) -> Result<(InstanceContext<S>, Option<Hold<S>>, OnCancel), Refusal> {
        let op = call.operation();
        if let Some(hold) = &self.hold {
            return Ok((hold.context().clone(), None, hold.on_cancel(op)));
        }
        let (hold, keep) = call::hold_for(&self.endpoint, request, call).await?;
        let (context, on_cancel) = (hold.context().clone(), hold.on_cancel(op));
        if keep {
            self.hold = Some(hold);
            Ok((context, None, on_cancel))
        } else {
            Ok((context, Some(hold), on_cancel))
        }
    }

    /// Waits for the calls in flight to finish; `false` if the host aborts first.
    async fn calls_finish(&mut self) -> bool {
        loop {
            tokio::select! {
                biased;
                () = self.abort.cancelled() => return false,
                next = self.inflight.join_next() => if next.is_none() { return true },
            }
        }
    }

    /// Ends the session: after the client's end (or a panic, whose fault must reach the client)
    /// the calls in flight finish, the instance is released, and this side's end goes out after
    /// every answer (bounded by the close timeout). After an operation overran its timeout, the
    /// same, but the calls in flight are cancelled. After any other ending (or the host's abort
    /// while calls finish) the channel is aborted at once, and the calls in flight are
    /// cancelled: dropped where their instance is their own or they are `cancel_safe`, left to
    /// finish, their replies discarded, on a singleton or shared instance.
    async fn finish(mut self, ending: Ending, mut timer: Pin<&mut Sleep>) {
        let aborted = match ending {
            Ending::Graceful | Ending::Panicked => !self.calls_finish().await,
            Ending::Overran(_) => false,
            Ending::Failed(_) | Ending::Idle(_) | Ending::Aborted => true,
        };
        let cancelled = aborted || matches!(ending, Ending::Overran(_));
        if cancelled {
            // The calls in flight are dropped or left to finish as their instances say, and the
            // instance is released as soon as no call holds it.
            if let Some(cancel) = &self.cancel {
                cancel.cancel();
            }
            self.inflight.detach_all();
        }
        if aborted {
            self.output.abort();
        }
        if let Some(hold) = self.hold.take() {
            if cancelled {
                hold.end_now::<C>();
            } else {
                // The host's abort cuts a release that waits (an `on_release` that waits, a
                // shared context's last call left to finish): it goes on in the background.
                let mut end = Box::pin(hold.end::<C>());
                tokio::select! {
                    () = end.as_mut() => {}
                    () = self.abort.cancelled() => {
                        tokio::spawn(end);
                    }
                }
            }
        }
        if aborted {
            return;
        }
        let timeout = self.endpoint.settings.close_timeout;
        timer.as_mut().reset(deadline::from_now(timeout));
        let closed = tokio::select! {
            closed = self.output.close() => closed,
            () = timer => Err(ChannelError::Timeout {
                operation: "closing the session",
                timeout,
            }),
            // The host's abort: no more waiting for the client.
            () = self.abort.cancelled() => Err(ChannelError::Closed),
        };
        if let Err(error) = closed {
            tracing::debug!(%error, "the session's close did not complete: aborting it");
            self.output.abort();
        }
    }
}

/// The answer of a call on a session, before the inspectors have seen it.
struct Answer {
    op: Option<&'static OperationDescription>,
    request_id: Option<MessageId>,
    result: Result<Body, Fault>,
    reply_headers: Vec<HeaderBlock>,
    inspected: Inspected,
}

impl Answer {
    /// The message to send (with the reply headers the operation added, as the inspectors
    /// leave it); `None` when the call was one-way or its request had no MessageID to relate
    /// an answer to. `true` if an inspector panicked.
    fn message(self, inspectors: &Inspectors) -> (Option<Message>, bool) {
        let (message, panicked) = answer(
            inspectors,
            self.op,
            self.request_id.as_ref(),
            self.result,
            self.reply_headers,
            self.inspected,
        );
        match message {
            Some(message) if self.request_id.is_none() => {
                if let Body::Fault(fault) = &message.body {
                    tracing::warn!(%fault, "a fault for a message without a MessageID, which cannot be answered");
                }
                (None, panicked)
            }
            message => (message, panicked),
        }
    }
}

/// What an answer that finds the channel's queue full waits for: the send timeout, and the
/// host's abort.
type Waits = (Pin<Box<Sleep>>, Pin<Box<WaitForCancellationFutureOwned>>);

/// How a session's answers go out.
#[derive(Clone)]
struct Outbox {
    output: Arc<dyn MessageSink>,
    /// How long an answer may wait for room in the channel (the binding's send timeout).
    timeout: Duration,
    /// Cancelled when the host aborts its sessions.
    abort: CancellationToken,
    /// Where the faults that go out are counted.
    counters: Arc<Counters>,
}

impl Outbox {
    /// Sends `message`, if any. It waits while the channel's queue is full (a client that does
    /// not read its replies) for at most the send timeout, or until the host aborts; then the
    /// channel is aborted. Returns how the session ends when it must: the channel failed, the
    /// wait timed out, the host aborted. The waits are made only when the queue is full.
    fn deliver(self, message: Option<Message>) -> impl Future<Output = Option<Ending>> {
        let fault = message.as_ref().is_some_and(Message::is_fault);
        let mut slot = message;
        let mut waits: Option<Waits> = None;
        poll_fn(move |cx| {
            if slot.is_none() {
                return Poll::Ready(None);
            }
            if let Poll::Ready(sent) = self.output.poll_send(cx, &mut slot) {
                if fault && sent.is_ok() {
                    self.counters.fault();
                }
                // A channel that takes no answers ends the session.
                return Poll::Ready(sent.err().map(|error| {
                    tracing::debug!(%error, "a reply could not be sent");
                    Ending::Failed(error)
                }));
            }
            let (timer, aborted) = waits.get_or_insert_with(|| {
                let timer = Box::pin(tokio::time::sleep(self.timeout));
                (timer, Box::pin(self.abort.clone().cancelled_owned()))
            });
            if aborted.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Some(Ending::Aborted));
            }
            if timer.as_mut().poll(cx).is_ready() {
                tracing::debug!(timeout = ?self.timeout, "a reply could not be sent in time");
                self.output.abort();
                return Poll::Ready(Some(Ending::Failed(ChannelError::Timeout {
                    operation: "sending a reply",
                    timeout: self.timeout,
                })));
            }
            Poll::Pending
        })
    }
}
