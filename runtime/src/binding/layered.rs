//! A binding with a layer on top: the layer wraps every channel the binding makes.

use std::task::{Context, Poll};

use super::{Binding, BindingSettings, HttpBinding};
use crate::address::EndpointAddress;
use crate::channel::{
    ChannelError, Connection, DuplexChannel, Incoming, Layer, ListenContext, Listening, Refusal,
    RequestEndpoint, RequestHandler, SessionListener, Side,
};
use crate::contract::{ProvidesDatagram, ProvidesSession, sealed};
use crate::error::Error;
use crate::metadata::BindingDescription;
use crate::transport::http::HttpEndpoint;

/// Binding `B` with layer `L` on top: `Layered::new(NetTcpBinding::new(), MyLayer)`.
///
/// The layer keeps the binding's session capability: a `Layered` binding provides a session
/// exactly when `B` does, so a contract that requires one still does not compile on a layered
/// HTTP binding. Layers nest: `Layered::new(Layered::new(b, inner), outer)`, outer on top.
#[derive(Debug, Clone)]
pub struct Layered<B, L> {
    binding: B,
    layer: L,
}

impl<B, L> Layered<B, L> {
    /// `layer` on top of `binding`.
    pub fn new(binding: B, layer: L) -> Self {
        Layered { binding, layer }
    }

    /// The binding underneath.
    pub fn binding(&self) -> &B {
        &self.binding
    }

    /// The layer on top.
    pub fn layer(&self) -> &L {
        &self.layer
    }
}

impl<B: Binding, L: Layer> Binding for Layered<B, L> {
    type RequestChannel = L::RequestChannel<B::RequestChannel>;

    fn settings(&self) -> &BindingSettings {
        self.binding.settings()
    }

    async fn connect(
        &self,
        address: &EndpointAddress,
    ) -> Result<Connection<Self::RequestChannel>, Error> {
        Ok(match self.binding.connect(address).await? {
            Connection::Duplex(channel) => {
                Connection::Duplex(self.layer.duplex(channel, Side::Client))
            }
            Connection::Request(channel) => {
                Connection::Request(self.layer.request_channel(channel))
            }
        })
    }

    fn listen<H: RequestHandler>(
        &self,
        address: &EndpointAddress,
        context: &mut ListenContext,
        endpoint: RequestEndpoint<H>,
    ) -> Result<Listening, Error> {
        let endpoint = endpoint.map(|handler| self.layer.request_handler(handler));
        let mut listening = self.binding.listen(address, context, endpoint)?;
        listening.sessions = listening.sessions.map(|inner| {
            Box::new(LayeredListener {
                inner,
                layer: self.layer.clone(),
            }) as Box<dyn SessionListener>
        });
        Ok(listening)
    }

    /// The inner binding's: a layer adds nothing to the WSDL yet.
    fn description(&self) -> Option<BindingDescription> {
        self.binding.description()
    }
}

impl<B: HttpBinding, L: Layer> HttpBinding for Layered<B, L> {
    fn http_endpoint<H: RequestHandler>(&self, endpoint: RequestEndpoint<H>) -> HttpEndpoint {
        self.binding
            .http_endpoint(endpoint.map(|handler| self.layer.request_handler(handler)))
    }
}

impl<B, L> sealed::Capability for Layered<B, L> {}
impl<C: ?Sized, B: ProvidesSession<C>, L: Layer> ProvidesSession<C> for Layered<B, L> {}
impl<C: ?Sized, B: ProvidesDatagram<C>, L: Layer> ProvidesDatagram<C> for Layered<B, L> {}

/// The inner listener's channels, each wrapped by the layer once accepted.
struct LayeredListener<L> {
    inner: Box<dyn SessionListener>,
    layer: L,
}

impl<L: Layer> SessionListener for LayeredListener<L> {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Option<Box<dyn Incoming>>> {
        self.inner.poll_accept(cx).map(|incoming| {
            incoming.map(|inner| {
                Box::new(LayeredIncoming {
                    inner,
                    layer: self.layer.clone(),
                }) as Box<dyn Incoming>
            })
        })
    }
}

struct LayeredIncoming<L> {
    inner: Box<dyn Incoming>,
    layer: L,
}

impl<L: Layer> Incoming for LayeredIncoming<L> {
    fn accept(self: Box<Self>) -> Result<DuplexChannel, ChannelError> {
        let channel = self.inner.accept()?;
        Ok(self.layer.duplex(channel, Side::Service))
    }

    fn refuse(self: Box<Self>, refusal: Refusal) {
        self.inner.refuse(refusal);
    }
}
