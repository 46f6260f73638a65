//! The service side: a [`ServiceHost`] listens on endpoints (contract + binding + address), keeps
//! one instance context per session, and dispatches each request to the service instance.
//!
//! The host asks each binding to listen, admits channels through one accept loop (or, for
//! request-reply transports, in the request handler it gives them), runs each session's loop,
//! and sends every call down one path: throttle, instance, dispatcher, answer.

mod accept;
mod admission;
mod call;
mod dispatch;
mod endpoint;
pub mod faults;
pub mod headers;
mod host;
mod instance;
mod mount;
mod requests;
mod runtime;
mod session;
mod wsdl;

use std::marker::PhantomData;
use std::sync::Arc;

use tokio::sync::RwLock;

pub use admission::Admission;
pub use dispatch::{
    Dispatch, DispatchFuture, ReleaseFuture, decode_request, detail_element, encode_fault,
    encode_reply, unknown_operation,
};
pub use host::{HostSettings, ServiceHost, ServiceHostBuilder};
pub use instance::{Concurrency, Instance};
pub use mount::{http_router, http_service};

use instance::Instancing;

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

    /// One instance for every session and call, released when the host shuts down.
    pub fn single(instance: S) -> Self {
        Self::new(Instancing::Single(Arc::new(RwLock::new(instance))))
    }

    /// Sets the concurrency mode (default [`Concurrency::Single`]).
    pub fn concurrency(mut self, concurrency: Concurrency) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Declares that the operations read `H` headers themselves (with
    /// [`headers::request_header`]): a request carrying one marked `mustUnderstand` runs, where
    /// it would otherwise get a `MustUnderstand` fault. WCF's equivalent is a header of a message
    /// contract.
    pub fn understand<H: Header>(mut self) -> Self {
        self.understood.push((H::NAMESPACE, H::NAME));
        self
    }

    fn new(instancing: Instancing<S>) -> Self {
        Service {
            instancing,
            concurrency: Concurrency::Single,
            understood: Vec::new(),
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
            .finish()
    }
}
