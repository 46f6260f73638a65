//! A session over a request-reply binding: `OrderedSession<B>`.

use super::{Binding, BindingSettings, HttpBinding};
use crate::address::EndpointAddress;
use crate::channel::{
    Connection, ListenContext, Listening, NoRequests, RequestEndpoint, RequestHandler, ordered,
};
use crate::contract::{ProvidesDatagram, ProvidesSession, sealed};
use crate::error::Error;
use crate::metadata::BindingDescription;

/// Binding `B` (a request-reply binding such as [`WsHttpBinding`](super::WsHttpBinding)) with
/// an ordered session on top: each client is one session, whose messages the service receives
/// in the order they were sent, one instance context for the whole session, as over net.tcp.
/// A contract with `session = Required` compiles on it.
///
/// The session is indigo's own protocol ([`crate::channel::ordered`]): both ends must be
/// indigo. It does not resend: a lost exchange fails the session, as a lost connection fails a
/// net.tcp session. Across lossy links, and with WCF peers, use a reliable session
/// (WS-ReliableMessaging) instead.
#[derive(Debug, Clone)]
pub struct OrderedSession<B> {
    binding: B,
}

impl<B> OrderedSession<B> {
    /// A session on top of `binding`.
    pub fn new(binding: B) -> Self {
        OrderedSession { binding }
    }

    /// The binding underneath.
    pub fn binding(&self) -> &B {
        &self.binding
    }
}

impl<B: HttpBinding> Binding for OrderedSession<B> {
    type RequestChannel = NoRequests;

    fn settings(&self) -> &BindingSettings {
        self.binding.settings()
    }

    async fn connect(&self, address: &EndpointAddress) -> Result<Connection<NoRequests>, Error> {
        match self.binding.connect(address).await? {
            Connection::Request(channel) => Ok(Connection::Duplex(ordered::client(
                channel,
                self.binding.settings(),
            ))),
            Connection::Duplex(_) => {
                Err(address.invalid("an ordered session needs a request-reply binding underneath"))
            }
        }
    }

    fn listen<H: RequestHandler>(
        &self,
        address: &EndpointAddress,
        context: &mut ListenContext,
        endpoint: RequestEndpoint<H>,
    ) -> Result<Listening, Error> {
        let (demux, sessions) = ordered::service(self.binding.settings());
        let mut listening = self.binding.listen(
            address,
            context,
            RequestEndpoint {
                handler: demux,
                metadata: endpoint.metadata,
            },
        )?;
        listening.sessions = Some(sessions);
        Ok(listening)
    }

    /// The HTTP binding's: indigo's session header has no WSDL form, so a foreign client sees
    /// the binding underneath.
    fn description(&self) -> Option<BindingDescription> {
        self.binding.description()
    }
}

impl<B> sealed::Capability for OrderedSession<B> {}
impl<C: ?Sized, B: ProvidesDatagram<C>> ProvidesSession<C> for OrderedSession<B> {}
