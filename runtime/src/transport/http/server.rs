//! The service side of the HTTP bindings: one POST is one exchange with the endpoint's request
//! handler.
//!
//! The decoded request goes to the handler in the connection's own task, with no channel in
//! between; what comes back is the reply (or a fault), or nothing for a one-way operation
//! (`202 Accepted`). A host's endpoints share one server per port ([`listen`], served by
//! [`super::serve`]), routed by exact path to the same [`HttpEndpoint`] a user mounts in their
//! own router.
//!
//! A body must arrive within the binding's receive timeout and above the minimum rate
//! ([`TimelyBody`]), else `408`. A body over `max_received_message_size` is answered `413` with
//! a SOAP fault, after the rest of it is read and discarded (up to [`DRAIN_FACTOR`] × the
//! limit), so that a client that writes its whole body before reading reads the answer
//! instead of a broken pipe.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body as HttpBody;
use bytes::{Bytes, BytesMut};
use http::header::{ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, EXPECT, HOST, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use tracing::Instrument;

use super::body_rate::{BodyTooSlow, MinDataRate, TimelyBody};
use super::connections::WatchedBody;
use super::serve::{Answer, PortLimits, serve};
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
use hyper::body::Incoming;

/// How much of an oversized body is read (and discarded) before it is answered `413`, as a
/// multiple of the endpoint's `max_received_message_size`. Past it the answer is sent and the
/// connection closed.
pub const DRAIN_FACTOR: usize = 4;

/// What one HTTP endpoint needs to answer requests.
struct Route {
    /// The endpoint's handler; `None` for a route that only publishes metadata.
    handler: Option<BoxRequestHandler>,
    version: MessageVersion,
    max_received_message_size: usize,
    /// The listen backlog the endpoint asks of its port.
    listen_backlog: u32,
    /// How long a whole request body may take (the binding's receive timeout).
    body_timeout: Duration,
    min_body_rate: Option<MinDataRate>,
    /// The limits this endpoint asks of the host's server on its port.
    port_limits: PortLimits,
    /// The WSDL source, when metadata is enabled.
    metadata: Option<Arc<dyn EndpointMetadata>>,
}

type Reply = Response<HttpBody>;

/// What reading a request body came to.
enum BodyRead {
    /// The whole body, within the limit.
    Whole(Bytes),
    /// Over the limit; `drained` when the rest was read and discarded (the connection can
    /// carry on), not when it was longer than the drain allows, too slow or broken.
    TooLarge { drained: bool },
    /// Cut off: too slow.
    TooSlow(BodyTooSlow),
    /// The body could not be read (the client went away, bad chunking).
    Failed(axum::BoxError),
}

impl From<axum::BoxError> for BodyRead {
    fn from(error: axum::BoxError) -> Self {
        match error.downcast::<BodyTooSlow>() {
            Ok(slow) => BodyRead::TooSlow(*slow),
            Err(error) => BodyRead::Failed(error),
        }
    }
}

impl Route {
    /// Answers one HTTP request.
    pub(crate) async fn handle<B>(&self, request: Request<B>) -> Reply
    where
        B: axum::body::HttpBody<Data = Bytes>,
        B::Error: Into<axum::BoxError>,
    {
        let wsdl = request
            .uri()
            .query()
            .is_some_and(|q| q.eq_ignore_ascii_case("wsdl"));
        match *request.method() {
            Method::POST if self.handler.is_some() => self.post(request).await,
            Method::GET | Method::HEAD if wsdl && self.metadata.is_some() => self.wsdl(&request),
            _ if self.handler.is_none() => {
                let mut response = plain(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "This address publishes a service's metadata: its WSDL is at GET ?wsdl.\n"
                        .into(),
                );
                response
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static("GET"));
                response
            }
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

    fn wsdl<B>(&self, request: &Request<B>) -> Reply {
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
        let text = metadata.wsdl(&location);
        let mut response = Response::new(HttpBody::from(text));
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        );
        response
    }

    async fn post<B>(&self, request: Request<B>) -> Reply
    where
        B: axum::body::HttpBody<Data = Bytes>,
        B::Error: Into<axum::BoxError>,
    {
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
        let oversized = declared.is_some_and(|len| len > limit as u64);
        let drain_limit = limit.saturating_mul(DRAIN_FACTOR);
        if oversized
            && (declared.is_some_and(|len| len > drain_limit as u64)
                || expects_continue(&parts.headers))
        {
            // Too long to drain, or not sent yet (the client waits for `100 Continue`).
            return self.too_large(false);
        }
        let body = TimelyBody::new(body, self.body_timeout, self.min_body_rate);
        let read = if oversized {
            drain(pin!(body), 0, drain_limit).await
        } else {
            read_body(body, limit, drain_limit).await
        };
        let bytes = match read {
            BodyRead::Whole(bytes) => bytes,
            BodyRead::TooLarge { drained } => return self.too_large(drained),
            BodyRead::TooSlow(why) => return self.too_slow(why),
            BodyRead::Failed(error) => {
                tracing::debug!(%error, "a request body could not be read");
                return closing(plain(
                    StatusCode::BAD_REQUEST,
                    format!("the request body could not be read: {error}\n"),
                ));
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
        let Some(handler) = &self.handler else {
            return plain(StatusCode::METHOD_NOT_ALLOWED, String::new());
        };
        match handler.handle_boxed(message).await {
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
            EncodingError::TooLarge { .. } => self.too_large(true),
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

    /// `413` with a Sender fault naming the limit; the connection closes unless the body was
    /// read whole.
    fn too_large(&self, drained: bool) -> Reply {
        let response = self.fault(
            StatusCode::PAYLOAD_TOO_LARGE,
            Fault::new(
                FaultKind::Sender,
                format!(
                    "The message is larger than the endpoint's maximum received message size of {} bytes (MaxReceivedMessageSize).",
                    self.max_received_message_size
                ),
            ),
        );
        if drained { response } else { closing(response) }
    }

    /// `408` with a Sender fault saying why; the connection closes.
    fn too_slow(&self, why: BodyTooSlow) -> Reply {
        tracing::debug!(%why, "a request body was cut off");
        let setting = match why {
            BodyTooSlow::Timeout(_) => "ReceiveTimeout",
            BodyTooSlow::BelowMinRate(_) => "MinRequestBodyDataRate",
        };
        closing(self.fault(
            StatusCode::REQUEST_TIMEOUT,
            Fault::new(FaultKind::Sender, format!("Cut off: {why} ({setting}).")),
        ))
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

/// `response`, closing its connection after it.
fn closing(mut response: Reply) -> Reply {
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Whether the client waits for `100 Continue` before it sends the body.
fn expects_continue(headers: &HeaderMap) -> bool {
    headers
        .get(EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

/// Reads a body of at most `limit` bytes; past it, drains the rest up to `drain_limit`.
async fn read_body<B>(body: B, limit: usize, drain_limit: usize) -> BodyRead
where
    B: axum::body::HttpBody<Data = Bytes, Error = axum::BoxError>,
{
    let mut body = pin!(body);
    // One frame (the usual case) is kept as it came; more are copied into one buffer.
    let mut first = None::<Bytes>;
    let mut joined = BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let data = match frame.map(|f| f.into_data()) {
            Ok(Ok(data)) => data,
            Ok(Err(_trailers)) => continue,
            Err(error) => return error.into(),
        };
        total = total.saturating_add(data.len());
        if total > limit {
            return drain(body, total, drain_limit).await;
        }
        match &first {
            None => first = Some(data),
            Some(head) => {
                if joined.is_empty() {
                    joined.reserve(total);
                    joined.extend_from_slice(head);
                }
                joined.extend_from_slice(&data);
            }
        }
    }
    if joined.is_empty() {
        BodyRead::Whole(first.unwrap_or_default())
    } else {
        BodyRead::Whole(joined.freeze())
    }
}

/// Reads and discards the rest of an oversized body (`read` bytes so far), up to `drain_limit`.
async fn drain<B>(mut body: Pin<&mut B>, mut read: usize, drain_limit: usize) -> BodyRead
where
    B: axum::body::HttpBody<Data = Bytes, Error = axum::BoxError>,
{
    while read <= drain_limit {
        match body.frame().await {
            None => return BodyRead::TooLarge { drained: true },
            Some(Ok(frame)) => read = read.saturating_add(frame.data_ref().map_or(0, Bytes::len)),
            Some(Err(error)) => {
                tracing::debug!(%error, "an oversized request body was not drained");
                return BodyRead::TooLarge { drained: false };
            }
        }
    }
    BodyRead::TooLarge { drained: false }
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
        let metadata = endpoint.metadata.filter(|_| http.metadata);
        HttpEndpoint::with(Some(Arc::new(endpoint.handler)), metadata, http, settings)
    }

    /// An endpoint that only publishes `metadata` at `GET ?wsdl` (WCF's
    /// `ServiceMetadataBehavior.HttpGetUrl` for a service whose endpoints are not HTTP); any
    /// other request is answered `405` with `Allow: GET`. The port's limits are the defaults of
    /// `settings` and of [`HttpSettings`].
    pub fn metadata_only(metadata: Arc<dyn EndpointMetadata>, settings: &BindingSettings) -> Self {
        let http = HttpSettings::new(MessageVersion::Soap12WsAddressing10);
        HttpEndpoint::with(None, Some(metadata), &http, settings)
    }

    /// The endpoint of `handler` (`None`: metadata only) with `http`'s and `settings`' limits.
    fn with(
        handler: Option<BoxRequestHandler>,
        metadata: Option<Arc<dyn EndpointMetadata>>,
        http: &HttpSettings,
        settings: &BindingSettings,
    ) -> Self {
        HttpEndpoint {
            route: Arc::new(Route {
                handler,
                version: http.version,
                max_received_message_size: settings.max_received_message_size,
                listen_backlog: settings.listen_backlog,
                body_timeout: settings.receive_timeout,
                min_body_rate: http.min_request_body_rate,
                port_limits: PortLimits {
                    header_read_timeout: http.header_read_timeout,
                    max_connections: http.max_connections,
                    send_timeout: settings.send_timeout,
                },
                metadata,
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
        .0
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

/// The endpoints of one port, by path.
pub(super) struct Routes(HashMap<String, HttpEndpoint>);

impl Answer for Routes {
    /// Answers `request` with the endpoint at its path (`404` if none).
    async fn answer(&self, request: Request<WatchedBody<Incoming>>) -> Reply {
        match self.0.get(request.uri().path()) {
            Some(endpoint) => endpoint.route.handle(request).await,
            None => plain(
                StatusCode::NOT_FOUND,
                format!("No endpoint listens at {}.\n", request.uri().path()),
            ),
        }
    }
}

impl Routes {
    /// The most generous limits the endpoints ask of their port.
    fn limits(&self) -> PortLimits {
        let asked = || self.0.values().map(|endpoint| endpoint.route.port_limits);
        PortLimits {
            header_read_timeout: asked()
                .map(|limits| limits.header_read_timeout)
                .max()
                .unwrap_or(Duration::from_secs(30)),
            max_connections: asked()
                .map(|limits| limits.max_connections)
                .max()
                .unwrap_or(1),
            send_timeout: asked()
                .map(|limits| limits.send_timeout)
                .max()
                .unwrap_or(Duration::from_secs(60)),
        }
    }
}

/// One port's HTTP server and the endpoints on it.
struct HttpPort {
    listener: PortListener,
    port: u16,
    routes: Routes,
}

impl HttpPort {
    fn bind(host: &str, port: u16, backlog: u32) -> Result<Self, Error> {
        let listener = PortListener::bind(host, port, backlog)?;
        let port = listener.port()?;
        Ok(HttpPort {
            listener,
            port,
            routes: Routes(HashMap::new()),
        })
    }
}

impl SharedAcceptor for HttpPort {
    fn start(self: Box<Self>, control: &HostControl) {
        let span = tracing::debug_span!("listener", transport = "http", port = self.port);
        let limits = self.routes.limits();
        control.tracker.spawn(
            serve(
                self.listener.into_inner(),
                Arc::new(self.routes),
                limits,
                control.clone(),
            )
            .instrument(span),
        );
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
