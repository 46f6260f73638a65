//! WCF's NetTcpBinding: net.tcp with .NET Message Framing.

use super::{Binding, BindingSettings, MessageEncoding, settings_setters};
use crate::address::EndpointAddress;
use crate::channel::{
    Connection, ListenContext, Listening, NoRequests, RequestEndpoint, RequestHandler,
};
use crate::contract::{Contract, ProvidesSession, sealed};
use crate::encoding::text::MessageVersion;
use crate::error::Error;
use crate::metadata::{Assertion, BindingDescription, SOAP_TCP_TRANSPORT};
use crate::transport::tcp;

/// WCF's NetTcpBinding with security mode None: TCP, .NET Message Framing, SOAP 1.2 with
/// WS-Addressing 1.0; one connection is one session. Addresses: `net.tcp://host:port/path`
/// (port 808 when none is given).
#[derive(Debug, Clone, Default)]
pub struct NetTcpBinding {
    settings: BindingSettings,
}

impl NetTcpBinding {
    /// A binding with WCF's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes clients send SOAP 1.2 text instead of binary XML (known encoding 0x03).
    pub fn text_encoding(mut self) -> Self {
        self.settings.message_encoding = MessageEncoding::Text;
        self
    }

    /// Makes clients send binary XML with the session dictionary (known encoding 0x08, the
    /// default).
    pub fn binary_encoding(mut self) -> Self {
        self.settings.message_encoding = MessageEncoding::Binary;
        self
    }

    /// Sets how many connections may wait for admission (see
    /// [`BindingSettings::max_pending_connections`]).
    pub fn max_pending_connections(mut self, connections: usize) -> Self {
        self.settings.max_pending_connections = connections.max(1);
        self
    }

    settings_setters!();
}

impl Binding for NetTcpBinding {
    type RequestChannel = NoRequests;

    fn settings(&self) -> &BindingSettings {
        &self.settings
    }

    async fn connect(&self, address: &EndpointAddress) -> Result<Connection<NoRequests>, Error> {
        Ok(Connection::Duplex(
            tcp::connect(address, &self.settings).await?,
        ))
    }

    fn listen<H: RequestHandler>(
        &self,
        address: &EndpointAddress,
        context: &mut ListenContext,
        _endpoint: RequestEndpoint<H>,
    ) -> Result<Listening, Error> {
        tcp::listen(address, &self.settings, context)
    }

    /// As WCF publishes `NetTcpBinding(SecurityMode.None)`: SOAP 1.2 over
    /// `http://schemas.microsoft.com/soap/tcp`, with `msb:BinaryEncoding` (unless
    /// [`text_encoding`](NetTcpBinding::text_encoding) was chosen) and `wsaw:UsingAddressing`.
    fn description(&self) -> Option<BindingDescription> {
        let version = MessageVersion::Soap12WsAddressing10;
        let mut description = BindingDescription::new("NetTcpBinding", version, SOAP_TCP_TRANSPORT);
        if self.settings.message_encoding == MessageEncoding::Binary {
            description.policy.push(Assertion::binary_encoding());
        }
        description.policy.extend(Assertion::addressing(version));
        Some(description)
    }
}

impl sealed::Capability for NetTcpBinding {}
impl<C: Contract> ProvidesSession<C> for NetTcpBinding {}
