//! The HTTP bindings: BasicHttp (SOAP 1.1) and WSHttp (SOAP 1.2 + WS-Addressing), without
//! sessions.

use super::{Binding, BindingSettings, HttpSettings, settings_setters};
use crate::address::EndpointAddress;
use crate::channel::{Connection, ListenContext, Listening, RequestEndpoint, RequestHandler};
use crate::contract::{Contract, ProvidesDatagram, sealed};
use crate::encoding::text::MessageVersion;
use crate::error::Error;
use crate::metadata::{Assertion, BindingDescription, SOAP_HTTP_TRANSPORT};
use crate::transport::http::{self, HttpEndpoint, HttpRequestChannel, MinDataRate};

/// A binding whose service side is an [`HttpEndpoint`], which a user can mount in their own
/// `axum::Router` ([`crate::http::service`]).
pub trait HttpBinding: Binding {
    /// The endpoint that answers requests with `endpoint`'s handler, with the binding's layers
    /// in front of it.
    fn http_endpoint<H: RequestHandler>(&self, endpoint: RequestEndpoint<H>) -> HttpEndpoint;
}

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
                    http: HttpSettings::new($version),
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

            /// Sets how long a client has to send a request head (default 30 seconds); see
            /// [`HttpSettings::header_read_timeout`].
            pub fn header_read_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.http.header_read_timeout = timeout;
                self
            }

            /// Sets the slowest a request body may arrive (default 240 bytes/s after a 5 s
            /// grace; `None`: no minimum); see [`HttpSettings::min_request_body_rate`].
            pub fn min_request_body_rate(mut self, rate: Option<MinDataRate>) -> Self {
                self.http.min_request_body_rate = rate;
                self
            }

            /// Sets how many connections a port holds at once (default max(12 × processors,
            /// 256)); see [`HttpSettings::max_connections`].
            pub fn max_connections(mut self, connections: usize) -> Self {
                self.http.max_connections = connections;
                self
            }

            /// The HTTP settings.
            pub fn http_settings(&self) -> &HttpSettings {
                &self.http
            }

            settings_setters!();
        }

        impl Binding for $name {
            type RequestChannel = HttpRequestChannel;

            fn settings(&self) -> &BindingSettings {
                &self.settings
            }

            async fn connect(
                &self,
                address: &EndpointAddress,
            ) -> Result<Connection<HttpRequestChannel>, Error> {
                HttpRequestChannel::new(address, &self.http, &self.settings)
                    .map(Connection::Request)
            }

            fn listen<H: RequestHandler>(
                &self,
                address: &EndpointAddress,
                context: &mut ListenContext,
                endpoint: RequestEndpoint<H>,
            ) -> Result<Listening, Error> {
                http::listen(address, self.http_endpoint(endpoint), context)
            }

            /// SOAP over HTTP (`http://schemas.xmlsoap.org/soap/http`) in the binding's SOAP
            /// version, with the addressing assertion when it has addressing, as WCF publishes
            /// the binding with security None.
            fn description(&self) -> Option<BindingDescription> {
                let version = self.http.version;
                // WCF's name, which spells WSHttp with two capitals.
                let name = match stringify!($name) {
                    "WsHttpBinding" => "WSHttpBinding",
                    other => other,
                };
                let mut description = BindingDescription::new(name, version, SOAP_HTTP_TRANSPORT);
                description.policy.extend(Assertion::addressing(version));
                Some(description)
            }
        }

        impl HttpBinding for $name {
            fn http_endpoint<H: RequestHandler>(
                &self,
                endpoint: RequestEndpoint<H>,
            ) -> HttpEndpoint {
                HttpEndpoint::new(endpoint, &self.http, &self.settings)
            }
        }

        impl sealed::Capability for $name {}
        impl<C: Contract> ProvidesDatagram<C> for $name {}
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
