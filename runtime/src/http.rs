//! SOAP over HTTP ([`BasicHttpBinding`](crate::binding::BasicHttpBinding), SOAP 1.1, and
//! [`WsHttpBinding`](crate::binding::WsHttpBinding), SOAP 1.2 + WS-Addressing 1.0), served with
//! axum and called with hyper.
//!
//! There are two ways to serve a contract over HTTP:
//!
//! - give a [`ServiceHost`](crate::service::ServiceHost) an endpoint with an HTTP binding and an
//!   `http://host:port/path` address: the host runs the server itself; endpoints on the same host
//!   and port share one server and are routed by path; port 0 picks a free port, which
//!   [`ServiceHost::addresses`](crate::service::ServiceHost::addresses) reports;
//! - or mount the service into your own `axum::Router` with [`router`] or [`service`] (a
//!   [`tower::Service`]), next to your other routes and under your tower layers. It is the same
//!   [`HttpEndpoint`] the host mounts.
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
//! keep-alive connections. A transport failure (connection refused, an HTTP error without a
//! SOAP fault) fails the call with [`Error::Communication`](crate::Error::Communication).

pub use crate::binding::HttpBinding;
pub use crate::service::{http_router as router, http_service as service};
pub use crate::transport::http::{BodyTooSlow, HttpEndpoint, HttpSettings, MinDataRate};
