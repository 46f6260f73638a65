//! The request-reply shape: each exchange is one request and at most one reply, as one HTTP POST.
//!
//! A client holds a [`RequestChannel`]; a service hands its transport a [`RequestHandler`],
//! which the transport calls for every request it reads (push-based: no channel and no task
//! per request). Both return futures: an exchange is a future its caller must hold, so the
//! traits use `impl Future` and layers compose them statically, by wrapping; the stack is boxed
//! once at its edge ([`BoxRequestChannel`], [`BoxRequestHandler`]), not once per layer.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::ChannelError;
use crate::message::Message;

/// The future of one exchange, boxed at the edge of a stack.
pub type Exchange<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Message>, ChannelError>> + Send + 'a>>;

/// A client's request-reply channel.
pub trait RequestChannel: Send + Sync + 'static {
    /// Sends `request` and waits for the answer: `Some(reply)` (a fault is a reply), or `None`
    /// when the service answered without a message (HTTP `202 Accepted`, a one-way operation).
    fn request(
        &self,
        request: Message,
    ) -> impl Future<Output = Result<Option<Message>, ChannelError>> + Send;
}

/// What a service's transport calls for each request it reads.
pub trait RequestHandler: Send + Sync + 'static {
    /// Answers `request`: `Some(reply)`, `None` when nothing goes back (a one-way message), or
    /// an error the transport answers in its own protocol ([`ChannelError::Refused`] as HTTP
    /// 503, anything else as a server error).
    fn handle(
        &self,
        request: Message,
    ) -> impl Future<Output = Result<Option<Message>, ChannelError>> + Send;
}

/// A [`RequestChannel`] whose exchanges are boxed futures, so that it can be held as a trait
/// object ([`BoxRequestChannel`]). Implemented for every request channel.
pub trait DynRequestChannel: Send + Sync + 'static {
    /// [`RequestChannel::request`], boxed.
    fn request_boxed(&self, request: Message) -> Exchange<'_>;
}

impl<R: RequestChannel> DynRequestChannel for R {
    fn request_boxed(&self, request: Message) -> Exchange<'_> {
        Box::pin(self.request(request))
    }
}

/// A request channel stack, boxed once at its edge.
pub type BoxRequestChannel = Arc<dyn DynRequestChannel>;

/// A [`RequestHandler`] whose answers are boxed futures, so that it can be held as a trait
/// object ([`BoxRequestHandler`]). Implemented for every request handler.
pub trait DynRequestHandler: Send + Sync + 'static {
    /// [`RequestHandler::handle`], boxed.
    fn handle_boxed(&self, request: Message) -> Exchange<'_>;
}

impl<H: RequestHandler> DynRequestHandler for H {
    fn handle_boxed(&self, request: Message) -> Exchange<'_> {
        Box::pin(self.handle(request))
    }
}

/// A request handler stack, boxed once at its edge (where a transport keeps it).
pub type BoxRequestHandler = Arc<dyn DynRequestHandler>;

/// The request channel of a binding that has none (its channels are duplex): it cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRequests {}

impl RequestChannel for NoRequests {
    async fn request(&self, _request: Message) -> Result<Option<Message>, ChannelError> {
        match *self {}
    }
}

/// What a service's endpoint gives the transport that serves its requests: the handler, and the
/// endpoint's metadata for transports that publish it (`GET ?wsdl` over HTTP).
pub struct RequestEndpoint<H> {
    /// Answers the requests.
    pub handler: H,
    /// Describes the endpoint, when metadata is enabled.
    pub metadata: Option<Arc<dyn EndpointMetadata>>,
}

impl<H> RequestEndpoint<H> {
    /// The same endpoint with its handler wrapped (by a layer).
    pub fn map<H2>(self, wrap: impl FnOnce(H) -> H2) -> RequestEndpoint<H2> {
        RequestEndpoint {
            handler: wrap(self.handler),
            metadata: self.metadata,
        }
    }
}

impl<H> std::fmt::Debug for RequestEndpoint<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestEndpoint")
            .field("metadata", &self.metadata.is_some())
            .finish_non_exhaustive()
    }
}

/// An endpoint's description as a metadata document (WSDL 1.1 with XML Schema).
pub trait EndpointMetadata: Send + Sync + 'static {
    /// The document, for a request made at `location` (`http://host:port/path`, as the client
    /// addressed it): an HTTP endpoint's own address, or where a host publishes the WSDL of
    /// its other endpoints.
    fn wsdl(&self, location: &str) -> String;
}
