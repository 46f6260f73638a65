//! SOAP over HTTP: the transport of [`BasicHttpBinding`](crate::binding::BasicHttpBinding)
//! (SOAP 1.1) and [`WsHttpBinding`](crate::binding::WsHttpBinding) (SOAP 1.2 + WS-Addressing
//! 1.0), served with axum and called with hyper.
//!
//! There are two ways to serve a contract over HTTP:
//!
//! - give a [`ServiceHost`](crate::service::ServiceHost) an endpoint with an HTTP binding and an
//!   `http://host:port/path` address: the host runs the server itself; endpoints on the same host
//!   and port share one server and are routed by path; port 0 picks a free port, which
//!   [`ServiceHost::addresses`](crate::service::ServiceHost::addresses) reports;
//! - or mount the service into your own `axum::Router` with [`router`] or [`service`] (a
//!   [`tower::Service`]), next to your other routes and under your tower layers.
//!
//! Each POST is one call: the reply comes back as `200 OK`, a SOAP fault as
//! `500 Internal Server Error`, a one-way operation as `202 Accepted` with no body. Bad requests
//! are answered as WCF answers them: an unparseable envelope or a refused DTD with
//! `400 Bad Request` and a `Client`/`Sender` fault, an unknown action with an
//! `ActionNotSupported` fault (500), a body over the binding's `max_received_message_size` with
//! `413 Payload Too Large` (checked before parsing), a wrong content type with
//! `415 Unsupported Media Type`, another method than POST with `405 Method Not Allowed`.
//!
//! With metadata enabled on the binding (`BasicHttpBinding::new().metadata(true)`),
//! `GET {address}?wsdl` returns a WSDL 1.1 document with an XML Schema of every parameter, result
//! and fault type (see [`crate::xml::schema`]), whose address is the one the request used.
//!
//! The generated clients connect over HTTP too: `CalculatorClient::connect(BasicHttpBinding::new(),
//! "http://127.0.0.1:8080/calc")`. Calls may overlap: each one is its own POST on a pool of
//! keep-alive connections. As in WCF, a transport failure (connection refused, an HTTP error
//! without a SOAP fault) faults the client: every pending call fails and the client must be made
//! anew.

pub(crate) mod client;
pub(crate) mod server;
pub(crate) mod wsdl;

use std::sync::Arc;

use tokio::sync::{Semaphore, watch};

pub use server::HttpEndpoint;

use crate::binding::{Binding, HttpSettings};
use crate::contract::SessionCompatible;
use crate::encoding::text::MessageVersion;
use crate::service::host::SessionHandler;
use crate::service::{Dispatch, HostSettings, Service};
use server::HttpRoute;
use wsdl::ServiceMetadata;

/// A binding whose transport is HTTP: [`BasicHttpBinding`](crate::binding::BasicHttpBinding) or
/// [`WsHttpBinding`](crate::binding::WsHttpBinding).
pub trait HttpBinding: Binding {
    /// The binding's HTTP settings.
    fn http_settings(&self) -> &HttpSettings;
}

impl HttpBinding for crate::binding::BasicHttpBinding {
    fn http_settings(&self) -> &HttpSettings {
        self.http().unwrap_or(&BASIC)
    }
}

impl HttpBinding for crate::binding::WsHttpBinding {
    fn http_settings(&self) -> &HttpSettings {
        self.http().unwrap_or(&BASIC)
    }
}

static BASIC: HttpSettings = HttpSettings {
    version: MessageVersion::Soap11,
    metadata: false,
};

/// `service` over `binding` as a [`tower::Service`] that answers every path it is given: mount it
/// with `axum::Router::route_service("/calc", indigo::http::service(…))`.
///
/// Calls are throttled to `HostSettings::default().max_concurrent_calls` (16 × processors) for
/// this endpoint. A `GET ?wsdl` (when the binding enables metadata) describes the endpoint at the
/// URL the request was sent to. Fails to compile when the binding cannot carry the contract's
/// session mode.
pub fn service<C, S, B>(service: Service<C, S>, binding: B) -> HttpEndpoint
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
    B: HttpBinding,
    C::Session: SessionCompatible<C, B>,
{
    let calls = Arc::new(Semaphore::new(HostSettings::default().max_concurrent_calls));
    let (abort_owner, abort) = watch::channel(false);
    let route = route::<C, S, B>(service, &binding, calls, abort, Some(abort_owner));
    HttpEndpoint {
        route: Arc::new(route),
    }
}

/// `service` over `binding` as an `axum::Router` that answers every path: nest it where it should
/// live (`Router::new().nest("/calc", indigo::http::router(…))`), or merge it as the fallback.
/// See [`service()`].
pub fn router<C, S, B>(service: Service<C, S>, binding: B) -> axum::Router
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
    B: HttpBinding,
    C::Session: SessionCompatible<C, B>,
{
    axum::Router::new().fallback_service(self::service(service, binding))
}

/// The endpoint of `service` over `binding`, for a host or a user's router.
pub(crate) fn route<C, S, B>(
    service: Service<C, S>,
    binding: &B,
    calls: Arc<Semaphore>,
    abort: watch::Receiver<bool>,
    abort_owner: Option<watch::Sender<bool>>,
) -> HttpRoute
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
    B: Binding,
{
    let http = binding.http().unwrap_or(&BASIC).clone();
    let settings = binding.settings().clone();
    let metadata = http
        .metadata
        .then(|| Arc::new(ServiceMetadata::of::<C, S>(http.version)));
    let handler: Arc<dyn SessionHandler> = Arc::new(crate::service::session::Endpoint {
        service,
        sessionful: B::SESSIONFUL,
        settings: settings.clone(),
        calls,
    });
    HttpRoute {
        handler,
        version: http.version,
        max_received_message_size: settings.max_received_message_size,
        metadata,
        abort,
        _abort_owner: abort_owner,
    }
}

/// The media type of a content type, without parameters (`text/xml`).
pub(crate) fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// The `action` parameter of a SOAP 1.2 content type.
pub(crate) fn action_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.trim().split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("action")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_parts() {
        assert_eq!(media_type("text/xml; charset=utf-8"), "text/xml");
        assert_eq!(
            action_param(r#"application/soap+xml; charset=utf-8; action="urn:a""#).as_deref(),
            Some("urn:a")
        );
        assert_eq!(action_param("application/soap+xml"), None);
    }
}
