//! The service side of the HTTP bindings: one POST is one exchange with the endpoint's request
//! handler.
//!
//! The decoded request goes to the handler in the connection's own task, with no channel in
//! between; what comes back is the reply (or a fault), or nothing for a one-way operation
//! (`202 Accepted`). A host's endpoints share one axum server per port ([`listen`]), routed by
//! exact path to the same [`HttpEndpoint`] a user mounts in their own router.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body as HttpBody;
use bytes::{Bytes, BytesMut};
use http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tracing::Instrument;

use super::{DEFAULT_PORT, HttpSettings, action_param, media_type};
use crate::address::EndpointAddress;
use crate::channel::{
    BindingSettings, BoxRequestHandler, ChannelError, EndpointMetadata, HostControl, ListenContext,
    Listening, Refusal, RequestEndpoint, RequestHandler, SharedAcceptor,
};
use crate::encoding::text::{MessageVersion, TextEncoder};
use crate::encoding::{EncodingError, MessageEncoder};
use crate::error::Error;
use crate::message::{Body, Fault, FaultKind, Message, SharedStr, WSA10_FAULT_ACTION};
use crate::transport::{PortListener, shared_port};

/// What one HTTP endpoint needs to answer requests.
struct Route {
    handler: BoxRequestHandler,
    version: MessageVersion,
    max_received_message_size: usize,
    /// The listen backlog the endpoint asks of its port.
    listen_backlog: u32,
    /// The WSDL source, when metadata is enabled.
    metadata: Option<Arc<dyn EndpointMetadata>>,
}

type Reply = Response<HttpBody>;

impl Route {
    /// Answers one HTTP request.
    pub(crate) async fn handle(&self, request: Request<HttpBody>) -> Reply {
        let wsdl = request
            .uri()
            .query()
            .is_some_and(|q| q.eq_ignore_ascii_case("wsdl"));
        match *request.method() {
            Method::POST => self.post(request).await,
            Method::GET | Method::HEAD if wsdl && self.metadata.is_some() => self.wsdl(&request),
            _ => {
                let (allow, hint) = if self.metadata.is_some() {
                    ("POST, GET", "; its WSDL is at GET ?wsdl")
                } else {
                    ("POST", "")
                };
                let mut response = plain(
                    StatusCode::METHOD_NOT_ALLOWED,
                    format!(
                        "This is a SOAP endpoint ({}): POST an envelope to it{hint}.\n",
                        self.version.name()
                    ),
                );
                response
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static(allow));
                response
            }
        }
    }

    fn wsdl(&self, request: &Request<HttpBody>) -> Reply {
        let Some(metadata) = &self.metadata else {
            return plain(StatusCode::NOT_FOUND, "metadata is not enabled\n".into());
        };
        let path = request
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| request.uri().path(), |original| original.0.path());
        let host = request
            .headers()
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| request.uri().authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let location = format!("http://{host}{path}");
        let text = metadata.wsdl(&location, self.version);
        let mut response = Response::new(HttpBody::from(text));
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        );
        response
    }

    async fn post(&self, request: Request<HttpBody>) -> Reply {
        let (parts, body) = request.into_parts();
        let expected = self.version.content_type();
        let media = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let expected_media = media_type(expected);
        if !media_type(media).eq_ignore_ascii_case(expected_media) || !utf8_charset(media) {
            return plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Cannot process the message because the content type '{media}' was not the expected type '{expected}'.\n"
                ),
            );
        }
        let limit = self.max_received_message_size;
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return too_large(limit);
        }
        let bytes = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) if error.is::<LengthLimitError>() => return too_large(limit),
            Err(error) => {
                return plain(
                    StatusCode::BAD_REQUEST,
                    format!("the request body could not be read: {error}\n"),
                );
            }
        };

        let mut encoder = TextEncoder::new(self.version);
        let mut message = match encoder.decode(&bytes) {
            Ok(message) => message,
            Err(error) => return self.decode_failure(error),
        };
        if message.headers.action.is_none() {
            message.headers.action = if self.version.is_soap12() {
                action_param(media).map(SharedStr::from)
            } else {
                Some(SharedStr::from(soap_action(&parts.headers)))
            };
        }
        self.call(message).await
    }

    /// Runs one exchange with the handler and encodes what it answers.
    async fn call(&self, message: Message) -> Reply {
        let request_id = message.headers.message_id.clone();
        match self.handler.handle_boxed(message).await {
            Ok(Some(mut reply)) => {
                reply.headers.relates_to = request_id;
                let status = if reply.is_fault() {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                };
                self.envelope(status, &reply)
            }
            Ok(None) => {
                let mut response = Response::new(HttpBody::empty());
                *response.status_mut() = StatusCode::ACCEPTED;
                response
            }
            Err(ChannelError::Refused(refusal)) => {
                let reason = match refusal {
                    Refusal::TooBusy => {
                        "The service is too busy to accept the request; try again later."
                    }
                    Refusal::ShuttingDown => {
                        "The service is shutting down; the call was not completed."
                    }
                };
                let mut response = self.fault(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Fault::new(FaultKind::Receiver, reason),
                );
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static("1"));
                response
            }
            Err(error) => self.fault(
                StatusCode::INTERNAL_SERVER_ERROR,
                Fault::new(
                    FaultKind::Receiver,
                    format!("The request could not be answered: {error}."),
                ),
            ),
        }
    }

    fn decode_failure(&self, error: EncodingError) -> Reply {
        tracing::debug!(%error, "an HTTP request could not be decoded");
        match error {
            EncodingError::TooLarge { limit, .. } => too_large(limit),
            EncodingError::VersionMismatch { expected, found } => self.fault(
                StatusCode::INTERNAL_SERVER_ERROR,
                Fault::new(
                    FaultKind::VersionMismatch,
                    format!(
                        "The envelope's namespace '{found}' is not the expected '{expected}' ({}).",
                        self.version.name()
                    ),
                ),
            ),
            EncodingError::Refused(reason) => self.fault(
                StatusCode::BAD_REQUEST,
                Fault::new(
                    FaultKind::Sender,
                    format!("The message was refused: {reason}."),
                ),
            ),
            EncodingError::Malformed(reason) => self.fault(
                StatusCode::BAD_REQUEST,
                Fault::new(
                    FaultKind::Sender,
                    format!("The message is not a well-formed SOAP envelope: {reason}."),
                ),
            ),
        }
    }

    fn fault(&self, status: StatusCode, fault: Fault) -> Reply {
        self.envelope(
            status,
            &Message::new(WSA10_FAULT_ACTION, Body::Fault(fault)),
        )
    }

    fn envelope(&self, status: StatusCode, message: &Message) -> Reply {
        let mut out = BytesMut::new();
        let mut encoder = TextEncoder::new(self.version);
        if let Err(error) = encoder.encode(message, &mut out) {
            tracing::warn!(%error, "a reply could not be encoded");
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the reply could not be encoded: {error}\n"),
            );
        }
        let mut response = Response::new(HttpBody::from(out.freeze()));
        *response.status_mut() = status;
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static(self.version.content_type()),
        );
        response
    }
}

/// The `SOAPAction` header without its quotes (`""` when absent).
fn soap_action(headers: &HeaderMap) -> String {
    headers
        .get("soapaction")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_matches('"').to_owned())
        .unwrap_or_default()
}

/// Whether a content type's charset (if given) is UTF-8.
fn utf8_charset(content_type: &str) -> bool {
    content_type
        .split(';')
        .skip(1)
        .all(|param| match param.trim().split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
                value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

fn plain(status: StatusCode, text: String) -> Reply {
    let mut response = Response::new(HttpBody::from(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn too_large(limit: usize) -> Reply {
    plain(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The message is larger than the endpoint's maximum received message size of {limit} bytes (MaxReceivedMessageSize).\n"
        ),
    )
}

/// An HTTP endpoint as a [`tower::Service`]: answers SOAP POSTs (and `GET ?wsdl` when metadata
/// is enabled) for one service, whatever the request's path.
///
/// Made by [`crate::http::service`]; mount it in an `axum::Router` with `route_service`, or use
/// [`crate::http::router`]. A host mounts the same object on its own server. Cloning is cheap:
/// clones share the endpoint.
#[derive(Clone)]
pub struct HttpEndpoint {
    route: Arc<Route>,
}

impl HttpEndpoint {
    /// An endpoint that answers requests with `endpoint`'s handler, in `http`'s SOAP version,
    /// refusing bodies larger than `settings.max_received_message_size`. Metadata is served when
    /// `http.metadata` is set and the endpoint has some.
    pub fn new<H: RequestHandler>(
        endpoint: RequestEndpoint<H>,
        http: &HttpSettings,
        settings: &BindingSettings,
    ) -> Self {
        HttpEndpoint {
            route: Arc::new(Route {
                handler: Arc::new(endpoint.handler),
                version: http.version,
                max_received_message_size: settings.max_received_message_size,
                listen_backlog: settings.listen_backlog,
                metadata: endpoint.metadata.filter(|_| http.metadata),
            }),
        }
    }
}

impl std::fmt::Debug for HttpEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpEndpoint")
            .field("version", &self.route.version)
            .field("metadata", &self.route.metadata.is_some())
            .finish()
    }
}

impl<B> tower::Service<Request<B>> for HttpEndpoint
where
    B: axum::body::HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response<HttpBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let route = self.route.clone();
        let request = request.map(HttpBody::new);
        Box::pin(async move { Ok(route.handle(request).await) })
    }
}

/// Mounts `endpoint` at `address` (`http://host:port/path`) on the host's server for its port
/// (binding the port if no endpoint has yet; port 0 always binds a fresh one).
pub fn listen(
    address: &EndpointAddress,
    endpoint: HttpEndpoint,
    context: &mut ListenContext,
) -> Result<Listening, Error> {
    address.expect_scheme("http", "http://host:port/path")?;
    if address.path().contains(['?', '#']) {
        return Err(address.invalid("the address must not have a query or a fragment"));
    }
    let backlog = endpoint.route.listen_backlog;
    let server = shared_port(context, address, DEFAULT_PORT, |host, port| {
        HttpPort::bind(host, port, backlog)
    })?;
    server.listener.widen_backlog(backlog)?;
    if server
        .routes
        .insert(address.path().to_owned(), endpoint)
        .is_some()
    {
        return Err(address.invalid("two endpoints have the same HTTP address"));
    }
    Ok(Listening {
        address: address.with_port(server.port),
        sessions: None,
    })
}

/// One port's HTTP server and the endpoints on it, by path.
struct HttpPort {
    listener: PortListener,
    port: u16,
    routes: HashMap<String, HttpEndpoint>,
}

impl HttpPort {
    fn bind(host: &str, port: u16, backlog: u32) -> Result<Self, Error> {
        let listener = PortListener::bind(host, port, backlog)?;
        let port = listener.port()?;
        Ok(HttpPort {
            listener,
            port,
            routes: HashMap::new(),
        })
    }
}

impl SharedAcceptor for HttpPort {
    fn start(self: Box<Self>, control: &HostControl) {
        let span = tracing::debug_span!("listener", transport = "http", port = self.port);
        control
            .tracker
            .spawn(serve(*self, control.clone()).instrument(span));
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// Serves one port until the host stops (graceful: requests in progress finish) or aborts.
async fn serve(port: HttpPort, control: HostControl) {
    let routes = Arc::new(port.routes);
    let app = axum::Router::new().fallback(move |request: Request<HttpBody>| {
        let routes = routes.clone();
        async move {
            match routes.get(request.uri().path()) {
                Some(endpoint) => endpoint.route.handle(request).await,
                None => plain(
                    StatusCode::NOT_FOUND,
                    format!("No endpoint listens at {}.\n", request.uri().path()),
                ),
            }
        }
    });
    let stop = control.stop.clone();
    let server = axum::serve(port.listener.into_inner(), app)
        .with_graceful_shutdown(async move { stop.cancelled().await });
    tokio::select! {
        result = server => {
            if let Err(error) = result {
                tracing::warn!(%error, "the HTTP server stopped");
            }
        }
        () = control.abort.cancelled() => {}
    }
}
