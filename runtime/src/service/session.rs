//! One session on the service side: messages are read in arrival order, checked against the
//! contract's session rules, dispatched to the session's instance context, and answered.
//!
//! The loop sees only a [`DuplexChannel`]: it knows nothing of the transport or the layers under
//! it. A channel without a session (a datagram channel) is served the same way, every call
//! standing alone.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::call::{
    PreparedCall, answer, call_span, instance_outside_session, new_instance, release, understood,
};
use super::dispatch::Dispatch;
use super::endpoint::Endpoint;
use super::faults;
use super::instance::{Instancing, SharedInstance};
use crate::channel::{
    ChannelError, DuplexChannel, MessageSink, MessageSource, ReceiveExt, SendExt,
};
use crate::contract::OperationDescription;
use crate::message::{Body, Fault, HeaderBlock, MessageId};

/// How a session ended.
#[derive(Debug)]
enum Ending {
    /// The client ended it: end ours after the calls in flight.
    Graceful,
    /// The channel failed: lost, faulted, a protocol violation.
    Failed(ChannelError),
    /// An operation panicked: its fault has been sent, and the session ends after it.
    Panicked,
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
            sessionful: session.is_some(),
            instance: None,
            started: false,
            terminated_by: None,
            inflight: JoinSet::new(),
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
            Ending::Idle(timeout) => tracing::debug!(?timeout, "the session timed out idle"),
            Ending::Aborted => tracing::debug!("the host aborted the session"),
        }
        session.finish(ending, timer).await;
    }
    .instrument(span)
    .await;
}

struct Session<C, S> {
    endpoint: Arc<Endpoint<C, S>>,
    output: Arc<dyn MessageSink>,
    /// Whether the channel is a session; without one every call stands alone.
    sessionful: bool,
    /// The session's instance context (per-session instancing), built by the first initiating call.
    instance: Option<SharedInstance<S>>,
    started: bool,
    /// The terminating operation that ended the session, once called.
    terminated_by: Option<&'static str>,
    /// Shared calls running alongside the pump (concurrency `Multiple`).
    inflight: JoinSet<bool>,
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
            let idle = if self.terminated_by.is_some() {
                self.endpoint.settings.close_timeout
            } else {
                self.endpoint.settings.receive_timeout
            };
            let deadline = Instant::now() + idle;
            if idle_timer.deadline() > deadline {
                idle_timer.as_mut().reset(deadline);
            }
            let received = loop {
                tokio::select! {
                    biased;
                    () = abort.cancelled() => return Ending::Aborted,
                    received = input.receive() => break received,
                    () = &mut idle_timer => {
                        if Instant::now() >= deadline {
                            return Ending::Idle(idle);
                        }
                        idle_timer.as_mut().reset(deadline);
                    }
                }
            };
            match received {
                Ok(Some(message)) => {
                    if self.handle(message).await || self.shared_call_panicked() {
                        return Ending::Panicked;
                    }
                }
                Ok(None) => return Ending::Graceful,
                Err(error) => return Ending::Failed(error),
            }
        }
    }

    /// Whether a finished shared call (concurrency `Multiple`) panicked.
    fn shared_call_panicked(&mut self) -> bool {
        let mut panicked = false;
        while let Some(finished) = self.inflight.try_join_next() {
            panicked |= finished.unwrap_or(true);
        }
        panicked
    }

    /// Handles one message; returns whether its operation panicked.
    async fn handle(&mut self, mut message: crate::message::Message) -> bool {
        // Kept in the request's headers too: the operation may read it.
        let request_id = message.headers.message_id.clone();
        let Some((index, op)) = C::DESCRIPTION.operation_by_action(message.action()) else {
            let fault = faults::action_not_supported(message.action());
            self.refuse(None, request_id, fault).await;
            return false;
        };
        let by_service = &self.endpoint.service.understood;
        if let Err(fault) =
            understood(&mut message.headers, by_service).and_then(|()| self.admit(op))
        {
            self.refuse(Some(op), request_id, fault).await;
            return false;
        }
        let (instance, release_after_call) = self.instance_for_call();
        let Some(call) = PreparedCall::prepare(
            &self.endpoint,
            index,
            op,
            instance,
            release_after_call,
            message.body,
        )
        .await
        else {
            let fault =
                faults::internal("the host stopped admitting calls; the call was not run".into());
            self.refuse(Some(op), request_id, fault).await;
            return false;
        };
        let shared = call.shared;
        let output = self.output.clone();
        let request = message.headers;
        let task = async move {
            let outcome = call.run::<C>(request).await;
            let (result, headers) = (outcome.result, outcome.reply_headers);
            send_answer(output.as_ref(), Some(op), request_id, result, headers).await;
            outcome.panicked
        }
        .instrument(call_span(op));
        if shared {
            self.inflight.spawn(task);
            false
        } else {
            // Boxed: a call's future (its headers' scope, its instance's release) is larger
            // than the rest of the session's, and would otherwise stay in every idle session.
            Box::pin(task).await
        }
    }

    /// Answers a call that does not run with `fault`.
    async fn refuse(
        &self,
        op: Option<&'static OperationDescription>,
        request_id: Option<MessageId>,
        fault: Fault,
    ) {
        send_answer(self.output.as_ref(), op, request_id, Err(fault), Vec::new()).await;
    }

    /// Applies the session rules to a call; updates the session's state when it is admitted.
    fn admit(&mut self, op: &'static OperationDescription) -> Result<(), Fault> {
        if !self.sessionful {
            return Ok(());
        }
        if let Some(terminating) = self.terminated_by {
            return Err(faults::session_terminated(terminating));
        }
        if !self.started && !op.is_initiating {
            return Err(faults::not_initiating(op));
        }
        self.started = true;
        if op.is_terminating {
            self.terminated_by = Some(op.name);
        }
        Ok(())
    }

    /// The instance a call runs on, and whether it is released after the call.
    fn instance_for_call(&mut self) -> (SharedInstance<S>, bool) {
        match &self.endpoint.service.instancing {
            Instancing::PerSession(factory) if self.sessionful => {
                let instance = self
                    .instance
                    .get_or_insert_with(|| new_instance(factory.as_ref()));
                (instance.clone(), false)
            }
            instancing => instance_outside_session(instancing),
        }
    }

    /// Ends the session: after the client's end (or a panic, whose fault must reach the client)
    /// the calls in flight finish, the instance is released, and this side's end goes out after
    /// every answer (bounded by the close timeout); after any other ending the channel is
    /// aborted at once.
    async fn finish(mut self, ending: Ending, mut timer: Pin<&mut Sleep>) {
        let close = matches!(ending, Ending::Graceful | Ending::Panicked);
        if !close {
            self.output.abort();
        }
        while self.inflight.join_next().await.is_some() {}
        if let Some(instance) = self.instance.take() {
            release::<C, S>(instance).await;
        }
        if close {
            let timeout = self.endpoint.settings.close_timeout;
            timer.as_mut().reset(Instant::now() + timeout);
            let closed = tokio::select! {
                closed = self.output.close() => closed,
                () = timer => Err(ChannelError::Timeout {
                    operation: "closing the session",
                    timeout,
                }),
            };
            if let Err(error) = closed {
                tracing::debug!(%error, "the session's close failed: aborting it");
                self.output.abort();
            }
        }
    }
}

/// Sends the answer of a call on a session (with the reply headers its operation added), unless
/// the call was one-way or its request had no MessageID to relate the answer to.
async fn send_answer(
    output: &dyn MessageSink,
    op: Option<&'static OperationDescription>,
    request_id: Option<MessageId>,
    result: Result<Body, Fault>,
    reply_headers: Vec<HeaderBlock>,
) {
    let Some(request_id) = request_id else {
        if let Err(fault) = result {
            tracing::warn!(%fault, "a fault for a message without a MessageID, which cannot be answered");
        }
        return;
    };
    let Some(mut message) = answer(op, result, reply_headers) else {
        return;
    };
    message.headers.relates_to = Some(request_id);
    if output.send(message).await.is_err() {
        tracing::debug!("the reply could not be sent: the channel is closed");
    }
}
