//! One call's path through the service, whether a session holds it or not: the call throttle,
//! the instance, the dispatcher, panics turned into faults, and the message that answers it.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use tokio::sync::OwnedSemaphorePermit;
use tracing::Instrument;

use super::dispatch::{Dispatch, DispatchFuture};
use super::endpoint::Endpoint;
use super::faults;
use super::headers;
use super::instance::{Concurrency, Instance, Instancing, SharedInstance};
use crate::contract::{OperationDescription, Receiver};
use crate::message::{Body, Fault, HeaderBlock, Headers, Message, WSA10_FAULT_ACTION};

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

/// The instance for a call that no session context holds, and whether it is released after the
/// call: the singleton, or a new instance (per-call, or per-session without a session).
pub(crate) fn instance_outside_session<S>(instancing: &Instancing<S>) -> (SharedInstance<S>, bool) {
    match instancing {
        Instancing::Single(instance) => (instance.clone(), false),
        Instancing::PerCall(factory) | Instancing::PerSession(factory) => {
            (new_instance(factory.as_ref()), true)
        }
    }
}

pub(crate) fn new_instance<S>(factory: &(dyn Fn() -> S + Send + Sync)) -> SharedInstance<S> {
    std::sync::Arc::new(tokio::sync::RwLock::new(factory()))
}

/// Runs the instance's `on_release` hook once every call has let go of it, then drops it.
pub(crate) async fn release<C: Dispatch<S>, S>(instance: SharedInstance<S>) {
    let mut guard = instance.write_owned().await;
    C::release(&mut guard).await;
}

/// The message answering a call: its reply or fault, with the reply headers the operation
/// added; `None` for a one-way operation (whose fault, if any, is logged).
pub(crate) fn answer(
    op: Option<&'static OperationDescription>,
    result: Result<Body, Fault>,
    reply_headers: Vec<HeaderBlock>,
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
    let mut message = Message::new(action, body);
    message.headers.other = reply_headers;
    Some(message)
}

/// How a call ended.
pub(crate) struct Outcome {
    /// The reply body or the fault.
    pub(crate) result: Result<Body, Fault>,
    /// The headers the operation added to its reply.
    pub(crate) reply_headers: Vec<HeaderBlock>,
    /// Whether the operation panicked.
    pub(crate) panicked: bool,
}

/// Whether a call's headers are all understood, by a layer or by the service (see
/// [`Service::understand`](super::Service::understand)): a header it must understand that
/// nothing understood is a `MustUnderstand` fault (checked before the session rules, so such a
/// call changes nothing).
pub(crate) fn understood(
    headers: &mut Headers,
    by_service: &[(&'static str, &'static str)],
) -> Result<(), Fault> {
    for &(namespace, name) in by_service {
        headers.understand(namespace, name);
    }
    faults::not_understood(headers).map_or(Ok(()), Err)
}

/// Runs one call outside any session (an HTTP request, a datagram): straight to dispatch, with
/// a new instance unless the service is a singleton, and back with the answer (`None` for
/// one-way).
pub(crate) async fn call_once<C, S>(
    endpoint: &Endpoint<C, S>,
    mut message: Message,
) -> Option<Message>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    let Some((index, op)) = C::DESCRIPTION.operation_by_action(message.action()) else {
        return answer(
            None,
            Err(faults::action_not_supported(message.action())),
            Vec::new(),
        );
    };
    if let Err(fault) = understood(&mut message.headers, &endpoint.service.understood) {
        return answer(Some(op), Err(fault), Vec::new());
    }
    let (instance, release_after_call) = instance_outside_session(&endpoint.service.instancing);
    let prepared = PreparedCall::prepare(
        endpoint,
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
            Vec::new(),
        );
    };
    let outcome = call
        .run::<C>(message.headers)
        .instrument(call_span(op))
        .await;
    answer(Some(op), outcome.result, outcome.reply_headers)
}

/// A call admitted by the call throttle, with its instance borrowed, ready to run.
pub(crate) struct PreparedCall<S> {
    op: &'static OperationDescription,
    call: DispatchFuture,
    permit: OwnedSemaphorePermit,
    /// The instance to release after the call (per-call instancing).
    release: Option<SharedInstance<S>>,
    /// Whether the call may run beside others of its session (concurrency `Multiple`).
    pub(crate) shared: bool,
}

impl<S: Send + Sync + 'static> PreparedCall<S> {
    /// Waits for the call throttle and the instance; `None` if the host closed the throttle.
    pub(crate) async fn prepare<C: Dispatch<S>>(
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

    /// Runs the call with `request` as its call's headers (see [`headers`]). A panicking
    /// operation is answered with a fault, and then its session is aborted (as WCF aborts a
    /// session channel after an unhandled exception).
    pub(crate) async fn run<C: Dispatch<S>>(self, request: Headers) -> Outcome {
        let PreparedCall {
            op,
            call,
            permit,
            release: instance,
            ..
        } = self;
        let (outcome, reply_headers) =
            headers::scope(request, AssertUnwindSafe(call).catch_unwind()).await;
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
        }
    }
}
