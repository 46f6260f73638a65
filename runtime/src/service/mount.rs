//! Serving an endpoint from a user's own axum router instead of a host: the same
//! [`HttpEndpoint`] the host mounts, with throttles of its own.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::admission::Slots;
use super::dispatch::Dispatch;
use super::endpoint::Endpoint;
use super::metadata::{ContractMetadata, EndpointWsdl};
use super::requests::Requests;
use super::stats::Counters;
use super::{HostSettings, Service};
use crate::binding::HttpBinding;
use crate::channel::RequestEndpoint;
use crate::contract::SessionCompatible;
use crate::transport::http::HttpEndpoint;

/// `service` over `binding` as a [`tower::Service`] that answers every path it is given: mount it
/// with `axum::Router::route_service("/calc", indigo::http::service(…))`.
///
/// Requests are admitted and calls throttled with [`HostSettings`]' defaults
/// (`max_concurrent_sessions` requests at once, queued past it; `max_concurrent_calls` calls;
/// `max_concurrent_instances` instances) for this endpoint. A `GET ?wsdl` (when the binding enables metadata) describes the endpoint
/// at the URL the request was sent to. Fails to compile when the binding cannot carry the
/// contract's session mode.
pub fn http_service<C, S, B>(service: Service<C, S>, binding: B) -> HttpEndpoint
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
    B: HttpBinding,
    C::Session: SessionCompatible<C, B>,
{
    let defaults = HostSettings::default();
    let counters = Arc::new(Counters::default());
    let endpoint = Arc::new(Endpoint::new(
        service,
        binding.settings().clone(),
        Arc::new(Semaphore::new(defaults.max_concurrent_calls)),
        Arc::new(Semaphore::new(defaults.instances())),
        defaults.admission,
        counters.clone(),
    ));
    let never = CancellationToken::new();
    let metadata = EndpointWsdl::of(ContractMetadata::of::<C, S>(), binding.description());
    binding.http_endpoint(RequestEndpoint {
        handler: Requests {
            endpoint,
            slots: Arc::new(Slots::new(
                defaults.max_concurrent_sessions,
                defaults.admission,
                never.clone(),
                counters,
            )),
            abort: never,
            cleanups: TaskTracker::new(),
        },
        metadata,
    })
}

/// `service` over `binding` as an `axum::Router` that answers every path: nest it where it should
/// live (`Router::new().nest("/calc", indigo::http::router(…))`), or merge it as the fallback.
/// See [`http_service`].
pub fn http_router<C, S, B>(service: Service<C, S>, binding: B) -> axum::Router
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
    B: HttpBinding,
    C::Session: SessionCompatible<C, B>,
{
    axum::Router::new().fallback_service(http_service(service, binding))
}
