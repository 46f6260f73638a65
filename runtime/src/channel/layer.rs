//! Layers: code that wraps the channels of a binding without the transport, the host or the
//! client knowing, as WCF's binding elements do.
//!
//! A [`Layer`] keeps the shape of what it wraps: a duplex channel stays a duplex channel, a
//! request channel a request channel. It is added to a binding with
//! [`Layered`](crate::binding::Layered) (`Layered::new(NetTcpBinding::new(), MyLayer)`), which
//! keeps the binding's session capability. Duplex channels are wrapped once per channel, through
//! their object-safe halves; request channels and handlers are wrapped by type, so a stack of
//! layers boxes an exchange's future once, at its edge.

use super::{DuplexChannel, RequestChannel, RequestHandler};

/// Which end of a channel a layer is wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The client's end (the channel a proxy sends its calls on).
    Client,
    /// The service's end (a channel the host accepted).
    Service,
}

/// A layer of a binding's channel stack.
pub trait Layer: Clone + Send + Sync + 'static {
    /// A client's request channel with this layer on top of `R`.
    type RequestChannel<R: RequestChannel>: RequestChannel;
    /// A service's request handler with this layer in front of `H`.
    type RequestHandler<H: RequestHandler>: RequestHandler;

    /// Wraps a duplex channel at `side`.
    fn duplex(&self, channel: DuplexChannel, side: Side) -> DuplexChannel;

    /// Wraps a client's request channel.
    fn request_channel<R: RequestChannel>(&self, inner: R) -> Self::RequestChannel<R>;

    /// Wraps a service's request handler.
    fn request_handler<H: RequestHandler>(&self, inner: H) -> Self::RequestHandler<H>;
}
