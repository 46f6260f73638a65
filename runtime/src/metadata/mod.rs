//! What a binding says about itself in WSDL: its name, SOAP version, transport and WS-Policy.
//!
//! A host's WSDL is written from two halves: the contract (port type, messages, XML Schema),
//! and each endpoint's [`BindingDescription`], which a [`Binding`](crate::binding::Binding)
//! gives with [`Binding::description`](crate::binding::Binding::description). The description
//! names the `wsdl:binding` (`{name}_{Contract}`, as WCF names it), picks the SOAP 1.1 or 1.2
//! extension elements and the transport URI, and carries the binding's [`Policy`], written as a
//! `wsp:Policy` that the binding references. Features that change what travels (binary
//! encoding, addressing, later reliable sessions and security) add their assertions there, and
//! the WSDL writer stays as it is.

pub mod policy;

pub use policy::{Assertion, Policy};

use crate::encoding::text::MessageVersion;

/// The transport URI of SOAP over HTTP (`soap:binding transport="…"`).
pub const SOAP_HTTP_TRANSPORT: &str = "http://schemas.xmlsoap.org/soap/http";
/// The transport URI WCF writes for net.tcp (`soap12:binding transport="…"`).
pub const SOAP_TCP_TRANSPORT: &str = "http://schemas.microsoft.com/soap/tcp";

/// How an endpoint's binding appears in WSDL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BindingDescription {
    /// The binding's name as WCF gives it (`NetTcpBinding`, `WSHttpBinding`,
    /// `BasicHttpBinding`): the WSDL binding and port are `{name}_{Contract}`.
    pub name: &'static str,
    /// The envelope and addressing versions: SOAP 1.1 or 1.2 extension elements, and whether the
    /// port carries a WS-Addressing endpoint reference.
    pub version: MessageVersion,
    /// The transport URI of the SOAP binding element ([`SOAP_HTTP_TRANSPORT`],
    /// [`SOAP_TCP_TRANSPORT`]).
    pub transport: &'static str,
    /// The binding's policy assertions (none: no `wsp:Policy` is written).
    pub policy: Policy,
}

impl BindingDescription {
    /// A binding named `name` of SOAP `version` over `transport`, with no policy yet.
    pub fn new(name: &'static str, version: MessageVersion, transport: &'static str) -> Self {
        BindingDescription {
            name,
            version,
            transport,
            policy: Policy::new(),
        }
    }

    /// The description with `assertion` added last to its policy.
    #[must_use]
    pub fn with(mut self, assertion: Assertion) -> Self {
        self.policy.push(assertion);
        self
    }
}
