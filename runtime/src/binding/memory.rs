//! In-process bindings, with and without sessions.

use super::{Binding, BindingSettings, settings_setters};
use crate::address::EndpointAddress;
use crate::channel::{
    Connection, ListenContext, Listening, NoRequests, RequestEndpoint, RequestHandler,
};
use crate::contract::{Contract, ProvidesDatagram, ProvidesSession, sealed};
use crate::error::Error;
use crate::transport::memory;

macro_rules! memory_binding {
    ($(#[$doc:meta])* $name:ident, sessionful: $sessionful:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default)]
        pub struct $name {
            settings: BindingSettings,
        }

        impl $name {
            /// A binding with WCF's defaults.
            pub fn new() -> Self {
                Self::default()
            }

            settings_setters!();
        }

        impl Binding for $name {
            type RequestChannel = NoRequests;

            fn settings(&self) -> &BindingSettings {
                &self.settings
            }

            async fn connect(
                &self,
                address: &EndpointAddress,
            ) -> Result<Connection<NoRequests>, Error> {
                Ok(Connection::Duplex(memory::connect(address, $sessionful).await?))
            }

            fn listen<H: RequestHandler>(
                &self,
                address: &EndpointAddress,
                _context: &mut ListenContext,
                _endpoint: RequestEndpoint<H>,
            ) -> Result<Listening, Error> {
                memory::listen(address, $sessionful)
            }
        }

        impl sealed::Capability for $name {}
    };
}

memory_binding!(
    /// An in-process binding whose channels are sessions, for tests and embedding.
    /// Addresses: `memory://name`.
    MemoryBinding,
    sessionful: true
);

memory_binding!(
    /// An in-process binding without sessions: every call stands alone, as over HTTP, so a
    /// per-session service gets a new instance for every call. Addresses: `memory://name`.
    MemoryDatagramBinding,
    sessionful: false
);

impl<C: Contract> ProvidesSession<C> for MemoryBinding {}
impl<C: Contract> ProvidesDatagram<C> for MemoryDatagramBinding {}
