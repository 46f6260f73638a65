//! The service side: a [`ServiceHost`] listens on endpoints (contract + binding + address), keeps
//! instance contexts (one per session, per call, per shared key, or one for all), and dispatches
//! each request to the service instance.
//!
//! The host asks each binding to listen, admits channels through one accept loop (or, for
//! request-reply transports, in the request handler it gives them), runs each session's loop,
//! and sends every call down one path: inspectors, `mustUnderstand`, session rules, instance
//! context, call throttle, operation context, dispatcher, inspectors, answer.

mod accept;
mod admission;
mod call;
mod context;
mod dispatch;
mod endpoint;
pub mod faults;
mod host;
mod inspect;
mod instance;
mod metadata;
mod mount;
mod phased;
mod requests;
mod runtime;
mod session;
mod sharing;
mod stats;
mod wsdl;

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

pub use admission::Admission;
pub use context::{CallInfo, Identity, OperationContext};
pub use dispatch::{
    Dispatch, DispatchFuture, decode_request, detail_element, encode_fault, encode_fault_exception,
    encode_reply, unknown_operation,
};
pub use host::{HostSettings, ServiceHost, ServiceHostBuilder};
pub use inspect::DispatchInspector;
pub use instance::{Concurrency, Instance, ReleaseFuture};
pub use mount::{http_router, http_service};
pub use sharing::InstanceContextProvider;
pub use stats::HostStats;

use inspect::Inspectors;
use instance::{InstanceContext, Instancing};
use sharing::SharedContexts;

use crate::message::Header;

/// A service implementation of contract `C`, with its instancing and concurrency modes.
///
/// Build one with the contract's constructors: `MyContract::per_session(|| MyService::new())`,
/// `MyContract::per_call(…)` or `MyContract::single(instance)`.
pub struct Service<C, S> {
    instancing: Instancing<S>,
    concurrency: Concurrency,
    /// Headers the operations read themselves: a request carrying them marked `mustUnderstand`
    /// is not refused.
    understood: Vec<(&'static str, &'static str)>,
    /// The instance contexts shared between sessions, when a provider keys them.
    sharing: Option<Arc<SharedContexts<S>>>,
    /// How long a shared context no session uses stays.
    shared_idle_timeout: Duration,
    inspectors: Inspectors,
    /// How long an operation may run before its call is answered with a fault.
    operation_timeout: Option<Duration>,
    contract: PhantomData<fn() -> C>,
}

impl<C, S: Send + Sync + 'static> Service<C, S> {
    /// One instance per session (WCF's default), built by `factory` on the session's first
    /// initiating call and released when the session ends. On a binding without sessions this
    /// behaves like [`Service::per_call`], as in WCF.
    pub fn per_session(factory: impl Fn() -> S + Send + Sync + 'static) -> Self {
        Self::new(Instancing::PerSession(Arc::new(factory)))
    }

    /// A new instance for every call, released when the call returns.
    pub fn per_call(factory: impl Fn() -> S + Send + Sync + 'static) -> Self {
        Self::new(Instancing::PerCall(Arc::new(factory)))
    }

    /// One instance for every session and call, released when the host shuts down. Release
    /// modes and [`OperationContext::release_service_instance`] leave it in place, as WCF does
    /// with a singleton it was given.
    pub fn single(instance: S) -> Self {
        Self::new(Instancing::Single(InstanceContext::singleton(instance)))
    }

    /// Sets the concurrency mode (default [`Concurrency::Single`]).
    pub fn concurrency(mut self, concurrency: Concurrency) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Declares that the operations read `H` headers themselves (with
    /// [`OperationContext::request_header`]): a request carrying one marked `mustUnderstand` runs, where
    /// it would otherwise get a `MustUnderstand` fault. WCF's equivalent is a header of a message
    /// contract.
    pub fn understand<H: Header>(mut self) -> Self {
        self.understood.push((H::NAMESPACE, H::NAME));
        self
    }

    /// Shares instance contexts between sessions (WCF's `IInstanceContextProvider`):
    /// `provider` maps the first call of each session (and each call without a session) to a
    /// key, and the sessions with equal keys use one instance, built by this service's factory
    /// when the first of them needs it and released once, after the last of them has ended (and
    /// the [shared idle timeout](Self::shared_idle_timeout) has passed). A session the provider
    /// gives no key follows the service's instancing.
    ///
    /// The calls of all the sessions sharing an instance queue for it in arrival order, so a
    /// busy shared instance holds up every session attached to it. A singleton service has one
    /// instance anyway; keys share nothing more there.
    pub fn share_instances_by(mut self, provider: impl InstanceContextProvider) -> Self
    where
        C: Dispatch<S>,
    {
        self.sharing = Some(Arc::new(SharedContexts::new(
            Box::new(provider),
            |context| Box::pin(async move { context.close(C::release).await }),
        )));
        self
    }

    /// How long a shared instance stays once no session uses it, for a session with the same
    /// key to find it (default zero: it is released with the last session). Without
    /// [`share_instances_by`](Self::share_instances_by) nothing is shared, and this changes
    /// nothing.
    pub fn shared_idle_timeout(mut self, timeout: Duration) -> Self {
        self.shared_idle_timeout = timeout;
        self
    }

    /// Bounds how long an operation may run (default: no bound, as WCF has none on the
    /// service). Past it the call is answered with an `OperationTimedOut` fault and its session
    /// is aborted; the operation is dropped at its next `await`, or, on a singleton or shared
    /// instance (unless the operation is `cancel_safe`), left to finish with its reply
    /// discarded.
    pub fn operation_timeout(mut self, limit: Duration) -> Self {
        self.operation_timeout = Some(limit);
        self
    }

    /// Adds a [`DispatchInspector`] after the ones added before: it sees every request of this
    /// service, and every reply, after them (WCF's order).
    pub fn inspector(mut self, inspector: impl DispatchInspector) -> Self {
        self.inspectors.push(inspector);
        self
    }

    fn new(instancing: Instancing<S>) -> Self {
        Service {
            instancing,
            concurrency: Concurrency::Single,
            understood: Vec::new(),
            sharing: None,
            shared_idle_timeout: Duration::ZERO,
            inspectors: Inspectors::default(),
            operation_timeout: None,
            contract: PhantomData,
        }
    }
}

impl<C, S> Clone for Service<C, S> {
    fn clone(&self) -> Self {
        Service {
            instancing: self.instancing.clone(),
            concurrency: self.concurrency,
            understood: self.understood.clone(),
            sharing: self.sharing.clone(),
            shared_idle_timeout: self.shared_idle_timeout,
            inspectors: self.inspectors.clone(),
            operation_timeout: self.operation_timeout,
            contract: PhantomData,
        }
    }
}

impl<C, S> std::fmt::Debug for Service<C, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let instancing = match self.instancing {
            Instancing::PerSession(_) => "PerSession",
            Instancing::PerCall(_) => "PerCall",
            Instancing::Single(_) => "Single",
        };
        f.debug_struct("Service")
            .field("contract", &std::any::type_name::<C>())
            .field("instancing", &instancing)
            .field("concurrency", &self.concurrency)
            .field("understood", &self.understood)
            .field("shares_instances", &self.sharing.is_some())
            .field("shared_idle_timeout", &self.shared_idle_timeout)
            .field("inspectors", &self.inspectors.len())
            .field("operation_timeout", &self.operation_timeout)
            .finish()
    }
}
