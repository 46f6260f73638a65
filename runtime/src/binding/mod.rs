//! Bindings: named compositions of a transport, an encoding, layers and the settings that go
//! with them, as WCF's bindings are stacks of binding elements.
//!
//! A [`Binding`] is what the client and the host ask for channels: [`Binding::connect`] is the
//! client's channel factory, [`Binding::listen`] the service's channel listener. Neither ever
//! asks which transport is underneath. [`Layered`] puts a [`Layer`](crate::channel::Layer) on
//! top of any binding.
//!
//! A binding's type also says whether its channels carry a session
//! ([`ProvidesSession`](crate::contract::ProvidesSession)) or not
//! ([`ProvidesDatagram`](crate::contract::ProvidesDatagram)), so that a contract's session rule
//! is checked by rustc wherever a client or an endpoint is built. Those traits are sealed: only
//! indigo's bindings and layers can claim a session.

mod http;
mod layered;
mod memory;
mod net_tcp;
mod ordered;

use std::future::Future;

pub use crate::channel::{BindingSettings, MessageEncoding};
pub use crate::transport::http::HttpSettings;
pub use http::{BasicHttpBinding, HttpBinding, WsHttpBinding};
pub use layered::Layered;
pub use memory::{MemoryBinding, MemoryDatagramBinding};
pub use net_tcp::NetTcpBinding;
pub use ordered::OrderedSession;

use crate::address::EndpointAddress;
use crate::channel::{
    Connection, ListenContext, Listening, RequestChannel, RequestEndpoint, RequestHandler,
};
use crate::error::Error;
use crate::metadata::BindingDescription;

/// A binding: how clients and endpoints talk.
pub trait Binding: Clone + Send + Sync + 'static {
    /// The request channel a client of a request-reply binding holds
    /// ([`NoRequests`](crate::channel::NoRequests) for a duplex binding).
    type RequestChannel: RequestChannel;

    /// The binding's settings.
    fn settings(&self) -> &BindingSettings;

    /// Opens a client's connection to `address` (WCF's channel factory). The caller bounds it
    /// with the open timeout.
    fn connect(
        &self,
        address: &EndpointAddress,
    ) -> impl Future<Output = Result<Connection<Self::RequestChannel>, Error>> + Send;

    /// Listens at `address` for a service (WCF's channel listener): a duplex transport returns
    /// the sessions to accept; a request-reply transport serves `endpoint`'s handler itself.
    /// Shared sockets register in `context` and start when the host has opened every endpoint.
    fn listen<H: RequestHandler>(
        &self,
        address: &EndpointAddress,
        context: &mut ListenContext,
        endpoint: RequestEndpoint<H>,
    ) -> Result<Listening, Error>;

    /// How the binding appears in WSDL: WCF's binding name, the SOAP version, the transport URI
    /// and the policy assertions of what travels (see [`crate::metadata`]). `None` (the default)
    /// for a binding WSDL cannot describe, such as indigo's in-memory bindings: its endpoints are
    /// left out of the metadata.
    fn description(&self) -> Option<BindingDescription> {
        None
    }
}

/// The setters of [`BindingSettings`] that every binding offers.
macro_rules! settings_setters {
    () => {
        /// Sets the largest message accepted (default 65,536 bytes).
        pub fn max_received_message_size(mut self, bytes: usize) -> Self {
            self.settings.max_received_message_size = bytes;
            self
        }

        /// Sets the session idle limit (default 10 minutes).
        pub fn receive_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.receive_timeout = timeout;
            self
        }

        /// Sets the client call limit (default 1 minute).
        pub fn send_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.send_timeout = timeout;
            self
        }

        /// Sets the open limit (default 1 minute).
        pub fn open_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.open_timeout = timeout;
            self
        }

        /// Sets the close limit (default 1 minute).
        pub fn close_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.close_timeout = timeout;
            self
        }

        /// Sets the listen backlog of the endpoint's port (default 1,024, capped by the
        /// system's `somaxconn`; see
        /// [`BindingSettings::listen_backlog`](crate::binding::BindingSettings::listen_backlog)).
        /// At least 1.
        pub fn listen_backlog(mut self, connections: u32) -> Self {
            self.settings.listen_backlog = connections.max(1);
            self
        }
    };
}
pub(crate) use settings_setters;
