//! One session on the service side: messages are read in arrival order, checked against the
//! contract's session rules, dispatched to the session's instance context, and answered.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument;

use super::Service;
use super::dispatch::Dispatch;
use super::faults;
use super::instance::{Concurrency, Instance, Instancing, SharedInstance};
use crate::binding::BindingSettings;
use crate::channel::{Channel, ChannelOutput, ReceiveError};
use crate::contract::{OperationDescription, Receiver};
use crate::message::{Body, Fault, Message, WSA10_FAULT_ACTION};

/// What one endpoint's sessions share.
pub(crate) struct Endpoint<C, S> {
    pub service: Service<C, S>,
    /// Whether the binding's channels are sessions; without one every call stands alone.
    pub sessionful: bool,
    pub settings: BindingSettings,
    /// The host's call throttle (WCF `MaxConcurrentCalls`).
    pub calls: Arc<Semaphore>,
}

/// How a session ended.
#[derive(Debug)]
enum Ending {
    /// The client ended it (End record): answer with End.
    Graceful,
    /// The connection broke or the client aborted.
    Lost(String),
    /// No message arrived within the receive timeout (or the close timeout after a terminating
    /// operation).
    Idle(Duration),
    /// The host is shutting down past its deadline.
    Aborted,
}

/// Runs one session to its end, then releases its instance context.
pub(crate) async fn run<C, S>(
    endpoint: Arc<Endpoint<C, S>>,
    channel: Channel,
    abort: watch::Receiver<bool>,
) where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    // A process-wide counter names sessions in traces: no random number (a system call) per
    // session, which HTTP pays on every request.
    static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_SESSION.fetch_add(1, Ordering::Relaxed);
    let span = tracing::debug_span!("session", contract = C::DESCRIPTION.name, id);
    async move {
        let (mut input, output) = channel;
        let mut session = Session::<C, S> {
            endpoint,
            output,
            instance: None,
            started: false,
            terminated_by: None,
            inflight: JoinSet::new(),
        };
        let ending = session.pump(&mut input, abort).await;
        match &ending {
            Ending::Graceful => tracing::debug!("the client ended the session"),
            Ending::Lost(reason) => tracing::debug!(%reason, "the session was lost"),
            Ending::Idle(timeout) => tracing::debug!(?timeout, "the session timed out idle"),
            Ending::Aborted => tracing::debug!("the host aborted the session"),
        }
        session.finish(ending).await;
    }
    .instrument(span)
    .await;
}

struct Session<C, S> {
    endpoint: Arc<Endpoint<C, S>>,
    output: ChannelOutput,
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
    async fn pump(
        &mut self,
        input: &mut crate::channel::ChannelInput,
        mut abort: watch::Receiver<bool>,
    ) -> Ending {
        // One idle timer for the session, re-armed only when it fires early: registering a new
        // timer for every message would cost a trip through the timer wheel per message.
        let idle_timer = tokio::time::sleep(self.endpoint.settings.receive_timeout);
        tokio::pin!(idle_timer);
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
                    _ = abort.wait_for(|aborted| *aborted) => return Ending::Aborted,
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
                        return Ending::Lost("an operation panicked".into());
                    }
                }
                Ok(None) => return Ending::Graceful,
                Err(ReceiveError::Protocol {
                    message,
                    fault: Some(uri),
                }) => {
                    self.output.fault(uri).await;
                    return Ending::Lost(message);
                }
                Err(error) => return Ending::Lost(error.to_string()),
            }
            if self.output.is_closed() {
                return Ending::Lost("the channel's writer stopped".into());
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
    async fn handle(&mut self, mut message: Message) -> bool {
        let request_id = message.headers.message_id.take();
        let Some((index, op)) = C::DESCRIPTION.operation_by_action(message.action()) else {
            let fault = faults::action_not_supported(message.action());
            send_answer(&self.output, None, request_id, Err(fault)).await;
            return false;
        };
        if let Err(fault) = self.admit(op) {
            send_answer(&self.output, Some(op), request_id, Err(fault)).await;
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
            return false;
        };
        let shared = call.shared;
        let output = self.output.clone();
        let task = async move {
            let (result, panicked) = call.run::<C>().await;
            send_answer(&output, Some(op), request_id, result).await;
            panicked
        }
        .instrument(tracing::debug_span!("call", operation = op.name));
        if shared {
            self.inflight.spawn(task);
            false
        } else {
            task.await
        }
    }

    /// Applies the session rules to a call; updates the session's state when it is admitted.
    fn admit(&mut self, op: &'static OperationDescription) -> Result<(), Fault> {
        if !self.endpoint.sessionful {
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
            Instancing::PerSession(factory) if self.endpoint.sessionful => {
                let instance = self
                    .instance
                    .get_or_insert_with(|| new_instance(factory.as_ref()));
                (instance.clone(), false)
            }
            instancing => instance_outside_session(instancing),
        }
    }

    async fn finish(mut self, ending: Ending) {
        while self.inflight.join_next().await.is_some() {}
        if let Some(instance) = self.instance.take() {
            release::<C, S>(instance).await;
        }
        if matches!(ending, Ending::Graceful) {
            self.output.end().await;
        }
    }
}

/// The instance for a call that no session context holds, and whether it is released after the
/// call: the singleton, or a new instance (per-call, or per-session without a session).
fn instance_outside_session<S>(instancing: &Instancing<S>) -> (SharedInstance<S>, bool) {
    match instancing {
        Instancing::Single(instance) => (instance.clone(), false),
        Instancing::PerCall(factory) | Instancing::PerSession(factory) => {
            (new_instance(factory.as_ref()), true)
        }
    }
}

fn new_instance<S>(factory: &(dyn Fn() -> S + Send + Sync)) -> SharedInstance<S> {
    Arc::new(tokio::sync::RwLock::new(factory()))
}

/// Runs the instance's `on_release` hook once every call has let go of it, then drops it.
pub(crate) async fn release<C: Dispatch<S>, S>(instance: SharedInstance<S>) {
    let mut guard = instance.write_owned().await;
    C::release(&mut guard).await;
}

/// The message answering a call: its reply or fault; `None` for a one-way operation (whose
/// fault, if any, is logged).
fn answer(
    op: Option<&'static OperationDescription>,
    result: Result<Body, Fault>,
) -> Option<Message> {
    if op.is_some_and(|op| op.is_one_way) {
        if let Err(fault) = result {
            tracing::warn!(%fault, "a fault for a one-way call, which cannot be answered");
        }
        return None;
    }
    let (action, body) = match result {
        Ok(body) => (op.and_then(|op| op.reply_action).unwrap_or_default(), body),
        Err(fault) => {
            tracing::debug!(%fault, "answering with a fault");
            (WSA10_FAULT_ACTION, Body::Fault(fault))
        }
    };
    Some(Message::new(action, body))
}

/// Sends the answer of a call on a session, unless the call was one-way or its request had no
/// MessageID to relate the answer to.
async fn send_answer(
    output: &ChannelOutput,
    op: Option<&'static OperationDescription>,
    request_id: Option<String>,
    result: Result<Body, Fault>,
) {
    let Some(request_id) = request_id else {
        if let Err(fault) = result {
            tracing::warn!(%fault, "a fault for a message without a MessageID, which cannot be answered");
        }
        return;
    };
    let Some(mut message) = answer(op, result) else {
        return;
    };
    message.headers.relates_to = Some(request_id);
    if output.send(message).await.is_err() {
        tracing::debug!("the reply could not be sent: the channel is closed");
    }
}

/// Runs one call outside any session (an HTTP request): straight to dispatch, with a new
/// instance unless the service is a singleton, and back with the answer (`None` for one-way).
pub(crate) async fn call_once<C, S>(
    endpoint: Arc<Endpoint<C, S>>,
    message: Message,
) -> Option<Message>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    let Some((index, op)) = C::DESCRIPTION.operation_by_action(message.action()) else {
        return answer(None, Err(faults::action_not_supported(message.action())));
    };
    let (instance, release_after_call) = instance_outside_session(&endpoint.service.instancing);
    let prepared = PreparedCall::prepare(
        &endpoint,
        index,
        op,
        instance,
        release_after_call,
        message.body,
    )
    .await;
    let Some(call) = prepared else {
        return answer(
            Some(op),
            Err(faults::internal(
                "the host stopped admitting calls; the call was not run".into(),
            )),
        );
    };
    let (result, _panicked) = call
        .run::<C>()
        .instrument(tracing::debug_span!("call", operation = op.name))
        .await;
    answer(Some(op), result)
}

/// A call admitted by the call throttle, with its instance borrowed, ready to run.
struct PreparedCall<S> {
    op: &'static OperationDescription,
    call: super::dispatch::DispatchFuture,
    permit: OwnedSemaphorePermit,
    /// The instance to release after the call (per-call instancing).
    release: Option<SharedInstance<S>>,
    /// Whether the call may run beside others of its session (concurrency `Multiple`).
    shared: bool,
}

impl<S: Send + Sync + 'static> PreparedCall<S> {
    /// Waits for the call throttle and the instance; `None` if the host closed the throttle.
    async fn prepare<C: Dispatch<S>>(
        endpoint: &Endpoint<C, S>,
        index: usize,
        op: &'static OperationDescription,
        instance: SharedInstance<S>,
        release_after_call: bool,
        body: Body,
    ) -> Option<Self> {
        let shared = op.receiver == Receiver::Shared
            && endpoint.service.concurrency == Concurrency::Multiple;
        let permit = endpoint.calls.clone().acquire_owned().await.ok()?;
        let access = Instance::borrow(&instance, shared).await;
        Some(PreparedCall {
            op,
            call: C::dispatch(index, access, body),
            permit,
            release: release_after_call.then_some(instance),
            shared,
        })
    }

    /// Runs the call; returns its result and whether it panicked. A panicking operation is
    /// answered with a fault, and then its session is aborted (as WCF aborts a session channel
    /// after an unhandled exception).
    async fn run<C: Dispatch<S>>(self) -> (Result<Body, Fault>, bool) {
        let PreparedCall {
            op,
            call,
            permit,
            release: instance,
            ..
        } = self;
        let outcome = AssertUnwindSafe(call).catch_unwind().await;
        drop(permit);
        let panicked = outcome.is_err();
        let result = outcome.unwrap_or_else(|_| {
            tracing::error!(
                operation = op.name,
                "the operation panicked: aborting its session"
            );
            Err(faults::internal(format!(
                "operation '{}' failed unexpectedly; the session is aborted",
                op.name
            )))
        });
        if let Some(instance) = instance {
            release::<C, S>(instance).await;
        }
        (result, panicked)
    }
}
