//! Bindings: named compositions of a transport, an encoding and the settings that go with them.
//!
//! A binding's type says whether its channels carry a session ([`ProvidesSession`]) or not
//! ([`ProvidesDatagram`]), so that a contract's session rule is checked by rustc wherever a client
//! or an endpoint is built.

use std::time::Duration;

use crate::contract::{Contract, ProvidesDatagram, ProvidesSession};
use crate::encoding::text::MessageVersion;

/// Settings every binding has, with WCF's defaults.
#[derive(Debug, Clone)]
pub struct BindingSettings {
    /// The largest message a receiver accepts (WCF `MaxReceivedMessageSize`): 65,536 bytes.
    pub max_received_message_size: usize,
    /// How long a session may stay idle before the service aborts it (WCF `ReceiveTimeout`):
    /// 10 minutes.
    pub receive_timeout: Duration,
    /// How long a client call may take, from send to reply (WCF `SendTimeout`): 1 minute.
    pub send_timeout: Duration,
    /// How long opening a channel may take (WCF `OpenTimeout`): 1 minute.
    pub open_timeout: Duration,
    /// How long closing a session may take (WCF `CloseTimeout`): 1 minute.
    pub close_timeout: Duration,
    /// How long a new connection has to complete its preamble (WCF
    /// `ChannelInitializationTimeout`): 30 seconds.
    pub channel_initialization_timeout: Duration,
    /// How messages are encoded on a `net.tcp` connection the client opens (services accept
    /// every encoding they know): [`MessageEncoding::Binary`], as WCF's NetTcpBinding.
    pub message_encoding: MessageEncoding,
}

/// The message encoding a `net.tcp` client announces in its preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MessageEncoding {
    /// .NET Binary XML with the in-band session dictionary (`application/soap+msbinsession1`,
    /// known encoding 0x08): WCF's NetTcpBinding default.
    #[default]
    Binary,
    /// SOAP 1.2 UTF-8 text (`application/soap+xml; charset=utf-8`, known encoding 0x03).
    Text,
}

impl Default for BindingSettings {
    fn default() -> Self {
        BindingSettings {
            max_received_message_size: 65_536,
            receive_timeout: Duration::from_secs(600),
            send_timeout: Duration::from_secs(60),
            open_timeout: Duration::from_secs(60),
            close_timeout: Duration::from_secs(60),
            channel_initialization_timeout: Duration::from_secs(30),
            message_encoding: MessageEncoding::default(),
        }
    }
}

/// The transports a binding can stand on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// TCP with .NET Message Framing (`net.tcp://`).
    Tcp,
    /// In-process queues (`memory://`).
    Memory,
    /// HTTP/1.1 POST, one request-reply exchange per call (`http://`).
    Http,
}

/// A binding: how clients and endpoints talk.
pub trait Binding: Clone + Send + Sync + 'static {
    /// Whether each channel is a session (one instance context per channel).
    const SESSIONFUL: bool;
    /// The transport under the binding.
    fn transport(&self) -> TransportKind;
    /// The binding's settings.
    fn settings(&self) -> &BindingSettings;
    /// The HTTP settings of a binding whose transport is [`TransportKind::Http`]; `None` for the
    /// others.
    fn http(&self) -> Option<&HttpSettings> {
        None
    }
}

/// What an HTTP binding adds to [`BindingSettings`].
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// The SOAP version of the envelopes, which also fixes the content type and where the action
    /// travels (`SOAPAction` header for SOAP 1.1, `wsa:Action` for SOAP 1.2).
    pub version: MessageVersion,
    /// Whether `GET {address}?wsdl` answers with the endpoint's WSDL (WCF's
    /// `ServiceMetadataBehavior.HttpGetEnabled`); default `false`.
    pub metadata: bool,
}

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
    };
}

/// WCF's NetTcpBinding with security mode None: TCP, .NET Message Framing, SOAP 1.2 with
/// WS-Addressing 1.0; one connection is one session. Addresses: `net.tcp://host:port/path`.
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

    settings_setters!();
}

impl Binding for NetTcpBinding {
    const SESSIONFUL: bool = true;
    fn transport(&self) -> TransportKind {
        TransportKind::Tcp
    }
    fn settings(&self) -> &BindingSettings {
        &self.settings
    }
}

impl<C: Contract> ProvidesSession<C> for NetTcpBinding {}

/// An in-process binding whose channels are sessions, for tests and embedding.
/// Addresses: `memory://name`.
#[derive(Debug, Clone, Default)]
pub struct MemoryBinding {
    settings: BindingSettings,
}

impl MemoryBinding {
    /// A binding with WCF's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    settings_setters!();
}

impl Binding for MemoryBinding {
    const SESSIONFUL: bool = true;
    fn transport(&self) -> TransportKind {
        TransportKind::Memory
    }
    fn settings(&self) -> &BindingSettings {
        &self.settings
    }
}

impl<C: Contract> ProvidesSession<C> for MemoryBinding {}

/// An in-process binding without sessions: every call stands alone, as over HTTP, so a
/// per-session service gets a new instance for every call. Addresses: `memory://name`.
#[derive(Debug, Clone, Default)]
pub struct MemoryDatagramBinding {
    settings: BindingSettings,
}

impl MemoryDatagramBinding {
    /// A binding with WCF's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    settings_setters!();
}

impl Binding for MemoryDatagramBinding {
    const SESSIONFUL: bool = false;
    fn transport(&self) -> TransportKind {
        TransportKind::Memory
    }
    fn settings(&self) -> &BindingSettings {
        &self.settings
    }
}

impl<C: Contract> ProvidesDatagram<C> for MemoryDatagramBinding {}

macro_rules! http_binding {
    ($(#[$doc:meta])* $name:ident, $version:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            settings: BindingSettings,
            http: HttpSettings,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    settings: BindingSettings::default(),
                    http: HttpSettings {
                        version: $version,
                        metadata: false,
                    },
                }
            }
        }

        impl $name {
            /// A binding with WCF's defaults (metadata off).
            pub fn new() -> Self {
                Self::default()
            }

            /// Serves the endpoint's WSDL at `GET {address}?wsdl` when `enabled` (WCF's
            /// `httpGetEnabled`); off by default.
            pub fn metadata(mut self, enabled: bool) -> Self {
                self.http.metadata = enabled;
                self
            }

            settings_setters!();
        }

        impl Binding for $name {
            // Each HTTP request stands alone. A sessionful HTTP binding (reliable or secure
            // session layered on top) will be a separate type that implements `ProvidesSession`.
            const SESSIONFUL: bool = false;
            fn transport(&self) -> TransportKind {
                TransportKind::Http
            }
            fn settings(&self) -> &BindingSettings {
                &self.settings
            }
            fn http(&self) -> Option<&HttpSettings> {
                Some(&self.http)
            }
        }
    };
}

http_binding!(
    /// WCF's BasicHttpBinding (security None): SOAP 1.1 over HTTP POST, `text/xml; charset=utf-8`,
    /// the action in the `SOAPAction` header, no WS-Addressing and no session: every call is one
    /// request and one response (`202 Accepted` for one-way operations). Addresses:
    /// `http://host:port/path`.
    BasicHttpBinding,
    MessageVersion::Soap11
);

http_binding!(
    /// WCF's WSHttpBinding with security None and no reliable session: SOAP 1.2 with
    /// WS-Addressing 1.0 over HTTP POST, `application/soap+xml; charset=utf-8; action="…"`, no
    /// session. Addresses: `http://host:port/path`.
    WsHttpBinding,
    MessageVersion::Soap12WsAddressing10
);

impl<C: Contract> ProvidesDatagram<C> for BasicHttpBinding {}
impl<C: Contract> ProvidesDatagram<C> for WsHttpBinding {}
