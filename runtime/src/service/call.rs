//! One call's path through the service, whether a session holds it or not: its operation, the
//! inspectors, the `mustUnderstand` check, its instance context, the call throttle, the
//! operation context, the dispatcher, panics turned into faults, and the message that answers
//! it.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::Either;
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::context::{self, CallInfo, OperationContext};
use super::dispatch::Dispatch;
use super::endpoint::Endpoint;
use super::faults;
use super::inspect::{Inspected, Inspectors};
use super::instance::{Borrow, Concurrency, Instance, InstanceContext, Instancing};
use super::sharing::Attachment;
use crate::channel::SessionId;
use crate::contract::{OperationDescription, Receiver, ReleaseInstanceMode};
use crate::message::{
    Body, Fault, HeaderBlock, Headers, Message, MessageId, SharedStr, WSA10_FAULT_ACTION,
};

/// The span of one call: its operation and action, and, once it has run, its outcome
/// (`reply`, `fault`, `one-way` or `panic`).
pub(crate) fn call_span(op: &'static OperationDescription) -> tracing::Span {
    tracing::debug_span!(
        "call",
        operation = op.name,
        action = op.action,
        outcome = tracing::field::Empty
    )
}

/// A request on its way to its operation: identified and accepted by the inspectors.
pub(crate) struct Incoming {
    pub(crate) index: usize,
    pub(crate) op: &'static OperationDescription,
    pub(crate) call: CallInfo,
    pub(crate) inspected: Inspected,
}

/// A request answered before its operation could run: the fault, and the inspectors that saw it.
pub(crate) struct Refused {
    pub(crate) op: Option<&'static OperationDescription>,
    pub(crate) refusal: Refusal,
    pub(crate) inspected: Inspected,
}

/// Why a call is answered without running: the fault, and whether code of the service's that
/// the runtime called for it (an inspector, an instance context provider) panicked, which ends
/// the session as an operation's panic does.
pub(crate) struct Refusal {
    /// Boxed: refusals are rare, and results carrying one stay small.
    pub(crate) fault: Box<Fault>,
    pub(crate) panicked: bool,
}

impl From<Fault> for Refusal {
    fn from(fault: Fault) -> Self {
        Refusal {
            fault: Box::new(fault),
            panicked: false,
        }
    }
}

/// Runs `code`, the service's own (`what`: an inspector, a provider), outside an operation: a
/// panic becomes an internal fault (and ends the session), as an operation's does.
pub(crate) fn contained<R>(what: &str, code: impl FnOnce() -> R) -> Result<R, Refusal> {
    std::panic::catch_unwind(AssertUnwindSafe(code)).map_err(|_| {
        tracing::error!("{what} panicked: aborting its session");
        Refusal {
            fault: Box::new(faults::internal(format!(
                "the service failed unexpectedly ({what}); the session is aborted"
            ))),
            panicked: true,
        }
    })
}

/// Finds `message`'s operation, runs the inspectors on it, and checks that its headers are
/// understood (by a layer, an inspector or the service).
pub(crate) fn receive<C, S>(
    endpoint: &Endpoint<C, S>,
    message: &mut Message,
    session: Option<&SessionId>,
) -> Result<Incoming, Box<Refused>>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    let Some((index, op)) = C::DESCRIPTION.operation_by_action(message.action()) else {
        return Err(Box::new(Refused {
            op: None,
            refusal: faults::action_not_supported(message.action()).into(),
            inspected: Inspected::default(),
        }));
    };
    let call = CallInfo::new(session.cloned(), endpoint.address(), C::DESCRIPTION, op);
    let mut inspected = Inspected::default();
    let inspectors = &endpoint.service.inspectors;
    let checked = contained("a dispatch inspector", || {
        inspectors.receive(message, &call, &mut inspected)
    })
    .and_then(|inspection| Ok(inspection?))
    .and_then(|()| {
        Ok(understood(
            &mut message.headers,
            &endpoint.service.understood,
        )?)
    });
    match checked {
        Ok(()) => Ok(Incoming {
            index,
            op,
            call,
            inspected,
        }),
        Err(refusal) => Err(Box::new(Refused {
            op: Some(op),
            refusal,
            inspected,
        })),
    }
}

/// Whether a call's headers are all understood, by a layer or by the service (see
/// [`Service::understand`](super::Service::understand)): a header it must understand that
/// nothing understood is a `MustUnderstand` fault (checked before the session rules, so such a
/// call changes nothing).
fn understood(
    headers: &mut Headers,
    by_service: &[(&'static str, &'static str)],
) -> Result<(), Fault> {
    for &(namespace, name) in by_service {
        headers.understand(namespace, name);
    }
    faults::not_understood(headers).map_or(Ok(()), Err)
}

/// An instance context a session (or a call without one) holds, and how its hold ends.
pub(crate) enum Hold<S: Send + Sync + 'static> {
    /// A context made for its holder, ended with it.
    Own(InstanceContext<S>),
    /// A context shared with other sessions, left when the holder ends (boxed: a session holds
    /// its hold while idle).
    Shared(Box<Attachment<S>>),
    /// The host's singleton, which stays.
    Singleton(InstanceContext<S>),
}

/// What becomes of a running call when its session ends, or when it runs past the operation
/// timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnCancel {
    /// Dropped at its next `await`: its instance is its own (per session or per call), or the
    /// operation is marked `cancel_safe`.
    Drop,
    /// Left to finish, its reply discarded: a singleton or shared instance other sessions use
    /// must not be left half-changed.
    Finish,
}

impl<S: Send + Sync + 'static> Hold<S> {
    /// What becomes of `op` running in this hold's instance when it is cancelled.
    pub(crate) fn on_cancel(&self, op: &OperationDescription) -> OnCancel {
        match self {
            Hold::Own(_) => OnCancel::Drop,
            _ if op.is_cancel_safe => OnCancel::Drop,
            Hold::Shared(_) | Hold::Singleton(_) => OnCancel::Finish,
        }
    }

    pub(crate) fn context(&self) -> &InstanceContext<S> {
        match self {
            Hold::Own(context) | Hold::Singleton(context) => context,
            Hold::Shared(attachment) => attachment.context(),
        }
    }

    /// Ends the hold: an own context's instance is released; a shared one is left (and
    /// released if this was its last user).
    pub(crate) async fn end<C: Dispatch<S>>(self) {
        match self {
            Hold::Own(context) => context.close(C::release).await,
            Hold::Shared(attachment) => attachment.detach().await,
            Hold::Singleton(_) => {}
        }
    }

    /// [`Hold::end`] for a session that was cancelled: a release that must wait (for a call
    /// left to finish, or an `on_release` that waits) goes on in the background.
    pub(crate) fn end_now<C: Dispatch<S>>(self) {
        let mut end = Box::pin(self.end::<C>());
        if end.as_mut().now_or_never().is_none() {
            tokio::spawn(end);
        }
    }
}

/// The instance context for a call its session holds none for yet (or a call without a
/// session), and whether the session keeps it for its later calls: a shared one if the service's
/// provider keys the call, else as the instancing says. Making a context may wait for the
/// instance throttle.
pub(crate) async fn hold_for<C, S>(
    endpoint: &Endpoint<C, S>,
    request: &Message,
    call: &CallInfo,
) -> Result<(Hold<S>, bool), Refusal>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    let service = &endpoint.service;
    let (factory, per_session) = match &service.instancing {
        Instancing::Single(context) => {
            return Ok((
                Hold::Singleton(context.clone()),
                call.session_id().is_some(),
            ));
        }
        Instancing::PerSession(factory) => (factory, true),
        Instancing::PerCall(factory) => (factory, false),
    };
    let sessionful = call.session_id().is_some();
    let key = match &service.sharing {
        Some(sharing) => contained("an instance context provider", || {
            sharing.provider.key(request, call)
        })?,
        None => None,
    };
    if let Some(sharing) = &service.sharing
        && let Some(key) = key
    {
        // Boxed, as its waits would otherwise be part of every session's state.
        let attach = sharing.attach(key, service.shared_idle_timeout, || {
            endpoint.new_context(factory)
        });
        let attachment = Box::pin(attach).await?;
        return Ok((Hold::Shared(Box::new(attachment)), sessionful));
    }
    let own = Hold::Own(endpoint.new_context(factory).await?);
    Ok((own, sessionful && per_session))
}

/// A call admitted by the call throttle, holding its instance context in arrival order, ready
/// to run.
pub(crate) struct PreparedCall<S: Send + Sync + 'static> {
    index: usize,
    op: &'static OperationDescription,
    /// How long the operation may run (the service's operation timeout), and what becomes of
    /// it past that.
    limit: Option<(Duration, OnCancel)>,
    borrow: Borrow<S>,
    permit: OwnedSemaphorePermit,
    /// A hold that ends with the call (per-call instancing; a call without a session).
    own: Option<Hold<S>>,
    body: Body,
    /// Whether the call may run beside others of its instance (concurrency `Multiple`).
    pub(crate) shared: bool,
}

impl<S: Send + Sync + 'static> PreparedCall<S> {
    /// Waits for the call throttle and the instance context; `None` if the host closed the
    /// throttle. `own` is a hold that ends with the call.
    pub(crate) async fn prepare<C: Dispatch<S>>(
        endpoint: &Endpoint<C, S>,
        (index, op): (usize, &'static OperationDescription),
        (context, on_cancel): (&InstanceContext<S>, OnCancel),
        own: Option<Hold<S>>,
        body: Body,
    ) -> Option<Self> {
        // A call whose release mode recycles its instance holds it exclusively, so that no call
        // runs on an instance on its way out (a singleton is never recycled).
        let recycles = op.release_instance != ReleaseInstanceMode::None
            && !matches!(endpoint.service.instancing, Instancing::Single(_));
        let shared = op.receiver == Receiver::Shared
            && endpoint.service.concurrency == Concurrency::Multiple
            && !recycles;
        let permit = match endpoint.calls.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                endpoint.counters.throttled("calls");
                endpoint.calls.clone().acquire_owned().await.ok()?
            }
        };
        let borrow = context.borrow(shared).await;
        let limit = endpoint
            .service
            .operation_timeout
            .map(|limit| (limit, on_cancel));
        Some(PreparedCall {
            index,
            op,
            limit,
            borrow,
            permit,
            own,
            body,
            shared,
        })
    }

    /// Runs the call as `call` with `request` as its headers (see [`OperationContext`]): its
    /// instance is made ready (built, or recycled first by release mode `BeforeCall`) and the
    /// operation runs. A panicking operation (or factory, or release hook) is answered with a
    /// fault, and then its session is aborted (as WCF aborts a session channel after an
    /// unhandled exception). What follows the answer is the outcome's [`Cleanup`].
    pub(crate) fn run<C: Dispatch<S>>(
        self,
        call: CallInfo,
        request: Headers,
    ) -> impl Future<Output = Outcome<S>> + Send + use<C, S> {
        let PreparedCall {
            index,
            op,
            limit,
            borrow,
            permit,
            own,
            body,
            shared,
        } = self;
        let work = async move {
            let instance = if op.release_instance.before_call() {
                let instance = Box::pin(borrow.recycled(C::release)).await;
                // An `on_release` that asked for a release spoke for the instance it ended.
                OperationContext::forget_release_request();
                instance
            } else {
                borrow.ready(shared)
            };
            let (instance, result) = C::dispatch(index, instance, body).await;
            let recycle = op.release_instance.after_call() || OperationContext::release_requested();
            // Only a call whose instance is on its way out keeps it past its answer.
            (result, recycle.then_some(instance))
        };
        let scoped = context::scope(call, request, AssertUnwindSafe(work).catch_unwind());
        // The call throttle lets the next call in once the operation is done: a reply that
        // takes long to go out (a client that does not read) holds no place.
        let limited = match limit {
            None => Either::Left(scoped.map(move |done| {
                drop(permit);
                Ok(done)
            })),
            Some((limit, on_cancel)) => Either::Right(
                within(limit, on_cancel, scoped, permit).map(move |done| done.map_err(|()| limit)),
            ),
        };
        limited.map(move |done| {
            let (outcome, recycling, reply_headers, timed_out) = match done {
                Ok((Ok((result, recycling)), reply_headers)) => {
                    (Ok(result), recycling, reply_headers, None)
                }
                Ok((Err(panic), reply_headers)) => (Err(panic), None, reply_headers, None),
                Err(limit) => {
                    let fault = faults::operation_timed_out(op, limit);
                    (Ok(Err(fault)), None, Vec::new(), Some(limit))
                }
            };
            let mut outcome = finish(op, outcome, reply_headers, Cleanup { recycling, own });
            outcome.timed_out = timed_out;
            outcome
        })
    }
}

/// `call`'s output if it completes within `limit`; past it `Err`, and the call (its operation
/// context and panic guard with it) is dropped or left to finish, its output discarded, as
/// `on_cancel` says. The call's throttle place returns when it is over either way.
async fn within<F: Future + Send + 'static>(
    limit: Duration,
    on_cancel: OnCancel,
    call: F,
    permit: OwnedSemaphorePermit,
) -> Result<F::Output, ()> {
    let mut call = Box::pin(call);
    match tokio::time::timeout(limit, &mut call).await {
        Ok(done) => Ok(done),
        Err(_) => {
            tracing::warn!(?limit, "an operation ran past its timeout");
            if on_cancel == OnCancel::Finish {
                tokio::spawn(call.map(move |_| drop(permit)));
            }
            Err(())
        }
    }
}

/// How a call ended, from its outcome: a panic becomes a fault (and ends the session).
fn finish<S: Send + Sync + 'static>(
    op: &'static OperationDescription,
    outcome: std::thread::Result<Result<Body, Fault>>,
    reply_headers: Vec<HeaderBlock>,
    cleanup: Cleanup<S>,
) -> Outcome<S> {
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
    let outcome = match &result {
        _ if panicked => "panic",
        Err(_) => "fault",
        Ok(_) if op.is_one_way => "one-way",
        Ok(_) => "reply",
    };
    tracing::Span::current().record("outcome", outcome);
    Outcome {
        result,
        reply_headers,
        panicked,
        timed_out: None,
        cleanup,
    }
}

/// How a call ended.
pub(crate) struct Outcome<S: Send + Sync + 'static> {
    /// The reply body or the fault.
    pub(crate) result: Result<Body, Fault>,
    /// The headers the operation added to its reply.
    pub(crate) reply_headers: Vec<HeaderBlock>,
    /// Whether the operation panicked.
    pub(crate) panicked: bool,
    /// The operation timeout it ran past, if it did (which faults its session).
    pub(crate) timed_out: Option<Duration>,
    /// What remains to do once the answer is on its way.
    pub(crate) cleanup: Cleanup<S>,
}

/// What follows a call's answer, as WCF's cleanup follows its reply: an instance that the
/// release mode or the operation asked to release is released (the call's borrow held until
/// then, so no other call takes an instance on its way out), and a hold that ends with the call
/// (per-call instancing) ends.
pub(crate) struct Cleanup<S: Send + Sync + 'static> {
    /// The call's borrow of an instance to release after it.
    recycling: Option<Instance<S>>,
    own: Option<Hold<S>>,
}

impl<S: Send + Sync + 'static> Cleanup<S> {
    /// Runs it; returns whether a release hook panicked (which ends the session, as a
    /// panicking operation does).
    pub(crate) async fn run<C: Dispatch<S>>(self) -> bool {
        let Cleanup { recycling, own } = self;
        if recycling.is_none() && own.is_none() {
            return false;
        }
        let release = async move {
            if let Some(instance) = recycling {
                instance.recycle(C::release).await;
            }
            if let Some(own) = own {
                own.end::<C>().await;
            }
        };
        let panicked = AssertUnwindSafe(release).catch_unwind().await.is_err();
        if panicked {
            tracing::error!("a service instance's on_release hook panicked");
        }
        panicked
    }
}

/// The message answering a call: its reply or fault, related to `request_id`, with the reply
/// headers the operation added, as the inspectors leave it; `None` for a one-way operation
/// (whose fault, if any, is logged). If an inspector panics, the answer is an internal fault,
/// and the session is to end (`true`).
pub(crate) fn answer(
    inspectors: &Inspectors,
    op: Option<&'static OperationDescription>,
    request_id: Option<&MessageId>,
    result: Result<Body, Fault>,
    reply_headers: Vec<HeaderBlock>,
    inspected: Inspected,
) -> (Option<Message>, bool) {
    let mut message = if op.is_some_and(|op| op.is_one_way) {
        if let Err(fault) = result {
            tracing::warn!(%fault, "a fault for a one-way call, which cannot be answered");
        }
        None
    } else {
        let (action, body) = match result {
            Ok(body) => {
                let action = op.and_then(|op| op.reply_action).unwrap_or_default();
                (SharedStr::from_static(action), body)
            }
            Err(fault) => {
                tracing::debug!(%fault, "answering with a fault");
                let action = SharedStr::from_static(fault.action().unwrap_or(WSA10_FAULT_ACTION));
                (action, Body::Fault(fault))
            }
        };
        let mut message = Message::new(action, body);
        message.headers.relates_to = request_id.cloned();
        message.headers.other = reply_headers;
        Some(message)
    };
    match contained("a dispatch inspector", || {
        inspectors.send(message.as_mut(), inspected);
    }) {
        Ok(()) => (message, false),
        Err(refusal) => {
            let failed = message.map(|mut message| {
                message.headers.action = Some(SharedStr::from_static(WSA10_FAULT_ACTION));
                message.body = Body::Fault(*refusal.fault);
                message
            });
            (failed, true)
        }
    }
}

/// Runs one call outside any session (an HTTP request, a datagram): straight to dispatch, with
/// its own instance context unless the service is a singleton or shares one by key, and back
/// with the answer (`None` for one-way).
pub(crate) async fn call_once<C, S>(
    endpoint: &Arc<Endpoint<C, S>>,
    mut message: Message,
    cleanups: &TaskTracker,
) -> Option<Message>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    let inspectors = &endpoint.service.inspectors;
    let request_id = message.headers.message_id.clone();
    let refuse = |op, fault, inspected| {
        let answer = answer(
            inspectors,
            op,
            request_id.as_ref(),
            Err(fault),
            Vec::new(),
            inspected,
        );
        answer.0.inspect(|reply| {
            if reply.is_fault() {
                endpoint.counters.fault();
            }
        })
    };
    let incoming = match receive(endpoint, &mut message, None) {
        Ok(incoming) => incoming,
        Err(refused) => return refuse(refused.op, *refused.refusal.fault, refused.inspected),
    };
    let op = incoming.op;
    let hold = match hold_for(endpoint, &message, &incoming.call).await {
        Ok((hold, _)) => hold,
        Err(refusal) => return refuse(Some(op), *refusal.fault, incoming.inspected),
    };
    let (context, on_cancel) = (hold.context().clone(), hold.on_cancel(op));
    let operation = (incoming.index, op);
    let prepared = PreparedCall::prepare(
        endpoint,
        operation,
        (&context, on_cancel),
        Some(hold),
        message.body,
    )
    .await;
    let Some(call) = prepared else {
        let fault =
            faults::internal("the host stopped admitting calls; the call was not run".into());
        return refuse(Some(op), fault, incoming.inspected);
    };
    let Incoming {
        call: info,
        inspected,
        ..
    } = incoming;
    let run = call
        .run::<C>(info, message.headers)
        .instrument(call_span(op));
    if on_cancel == OnCancel::Drop {
        let outcome = run.await;
        return reply_once(endpoint, op, request_id, outcome, inspected, cleanups);
    }
    // A singleton or shared instance must not be left half-changed when the request is dropped
    // (its client gone, the host's abort): the call runs in a task of its own, and its reply is
    // discarded when nobody waits for it any more.
    let (endpoint, tracker) = (endpoint.clone(), cleanups.clone());
    let task = cleanups.spawn(async move {
        let outcome = run.await;
        reply_once(&endpoint, op, request_id, outcome, inspected, &tracker)
    });
    task.await.unwrap_or_else(|error| {
        tracing::error!(%error, "a call's task failed");
        None
    })
}

/// The answer to a call outside any session, from its outcome; its instance's release follows
/// (in a task when it has to wait).
fn reply_once<C, S>(
    endpoint: &Endpoint<C, S>,
    op: &'static OperationDescription,
    request_id: Option<MessageId>,
    outcome: Outcome<S>,
    inspected: Inspected,
    cleanups: &TaskTracker,
) -> Option<Message>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    let (reply, _) = answer(
        &endpoint.service.inspectors,
        Some(op),
        request_id.as_ref(),
        outcome.result,
        outcome.reply_headers,
        inspected,
    );
    if reply.as_ref().is_some_and(Message::is_fault) {
        endpoint.counters.fault();
    }
    // The transport sends the reply once this returns. A release that completes at once (no
    // `on_release` that waits) costs the reply nothing; one that waits goes on in a task.
    let mut cleanup = Box::pin(outcome.cleanup.run::<C>());
    if cleanup.as_mut().now_or_never().is_none() {
        cleanups.spawn(cleanup);
    }
    reply
}
