//! Publishing WSDL: an HTTP endpoint's own (`GET {address}?wsdl`), and a host's description of
//! its endpoints at an HTTP address of its own (WCF's `ServiceMetadataBehavior` with
//! `HttpGetEnabled` and `HttpGetUrl`), which is how net.tcp endpoints get a WSDL.
//!
//! A contract's types are traced once, the first time a document is asked for
//! ([`ContractMetadata`]); each document then adds its endpoints' bindings
//! ([`BindingDescription`]) and addresses.

use std::sync::{Arc, OnceLock};

use super::Dispatch;
use super::wsdl::{Port, ServiceMetadata};
use crate::address::EndpointAddress;
use crate::channel::{BindingSettings, EndpointMetadata, ListenContext};
use crate::contract::ContractDescription;
use crate::error::Error;
use crate::metadata::BindingDescription;
use crate::transport::http::{self, HttpEndpoint};

/// A contract's metadata, traced the first time it is asked for.
pub(crate) struct ContractMetadata {
    contract: &'static ContractDescription,
    built: OnceLock<ServiceMetadata>,
    build: fn() -> ServiceMetadata,
}

impl ContractMetadata {
    /// The metadata of contract `C`, served by instances of `S`.
    pub(crate) fn of<C: Dispatch<S>, S: 'static>() -> Arc<Self> {
        Arc::new(ContractMetadata {
            contract: C::DESCRIPTION,
            built: OnceLock::new(),
            build: ServiceMetadata::of::<C, S>,
        })
    }

    fn get(&self) -> &ServiceMetadata {
        self.built.get_or_init(self.build)
    }
}

/// An HTTP endpoint's own WSDL: its binding, at the address the request was sent to.
pub(crate) struct EndpointWsdl {
    contract: Arc<ContractMetadata>,
    binding: BindingDescription,
}

impl EndpointWsdl {
    /// The metadata of an endpoint of `contract` over a binding described by `binding`, or
    /// `None` when the binding has no description.
    pub(crate) fn of(
        contract: Arc<ContractMetadata>,
        binding: Option<BindingDescription>,
    ) -> Option<Arc<dyn EndpointMetadata>> {
        let binding = binding?;
        Some(Arc::new(EndpointWsdl { contract, binding }))
    }
}

impl EndpointMetadata for EndpointWsdl {
    fn wsdl(&self, location: &str) -> String {
        self.contract.get().wsdl(&[Port {
            binding: &self.binding,
            address: location,
        }])
    }
}

/// An endpoint a host's metadata describes.
pub(crate) struct Described {
    /// Its contract.
    pub contract: Arc<ContractMetadata>,
    /// Its binding.
    pub binding: BindingDescription,
    /// Its address, as bound.
    pub address: String,
}

/// A host's WSDL: every endpoint of one contract, one port each.
struct ServiceWsdl {
    contract: Arc<ContractMetadata>,
    ports: Vec<(BindingDescription, String)>,
}

impl EndpointMetadata for ServiceWsdl {
    fn wsdl(&self, location: &str) -> String {
        let addresses: Vec<String> = self
            .ports
            .iter()
            .map(|(_, address)| as_seen_from(address, location))
            .collect();
        let ports: Vec<Port<'_>> = self
            .ports
            .iter()
            .zip(&addresses)
            .map(|((binding, _), address)| Port { binding, address })
            .collect();
        self.contract.get().wsdl(&ports)
    }
}

/// Publishes the WSDL of `endpoints` at `url` (`http://host:port/path`, `GET {url}?wsdl`) on
/// the host's HTTP server for that port; returns the address as bound.
///
/// The endpoints must share one contract (a WSDL document here describes one port type); those
/// whose binding has no description are not given. Fails when there is none, or when they have
/// different contracts.
pub(crate) fn publish(
    url: &str,
    endpoints: Vec<Described>,
    context: &mut ListenContext,
) -> Result<String, Error> {
    let address = EndpointAddress::parse(url)?;
    let Some(first) = endpoints.first() else {
        return Err(address.invalid(
            "no endpoint of this host can be described in WSDL (in-memory bindings cannot)",
        ));
    };
    let contract = first.contract.clone();
    if let Some(other) = endpoints
        .iter()
        .find(|e| !same_contract(e.contract.contract, contract.contract))
    {
        return Err(address.invalid(&format!(
            "a host's WSDL describes one contract, and its endpoints have two: `{}` and `{}`",
            contract.contract.name, other.contract.contract.name
        )));
    }
    let ports = endpoints
        .into_iter()
        .map(|e| (e.binding, e.address))
        .collect();
    let metadata: Arc<dyn EndpointMetadata> = Arc::new(ServiceWsdl { contract, ports });
    let endpoint = HttpEndpoint::metadata_only(metadata, &BindingSettings::default());
    Ok(http::listen(&address, endpoint, context)?.address)
}

/// Whether `a` and `b` are one contract: one name in one namespace (a description is a constant,
/// which need not have one address).
fn same_contract(a: &ContractDescription, b: &ContractDescription) -> bool {
    a.name == b.name && a.namespace == b.namespace
}

/// `address` as a client that asked for the WSDL at `location` reaches it: a host bound to
/// every interface (`0.0.0.0`, `::`) is named as the client named this host.
fn as_seen_from(address: &str, location: &str) -> String {
    let (Ok(bound), Ok(asked)) = (
        EndpointAddress::parse(address),
        EndpointAddress::parse(location),
    ) else {
        return address.to_owned();
    };
    if !matches!(bound.host(), "0.0.0.0" | "::") {
        return address.to_owned();
    }
    let host = asked.host();
    let (open, close) = if host.contains(':') {
        ("[", "]")
    } else {
        ("", "")
    };
    let port = bound.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{open}{host}{close}{port}{}",
        bound.scheme(),
        bound.path()
    )
}

#[cfg(test)]
mod tests {
    use super::as_seen_from;

    #[test]
    fn an_unspecified_host_is_named_as_the_client_named_it() {
        assert_eq!(
            as_seen_from("net.tcp://0.0.0.0:808/calc", "http://example.test:80/mex"),
            "net.tcp://example.test:808/calc"
        );
        assert_eq!(
            as_seen_from("net.tcp://[::]:808/calc", "http://[::1]:80/mex"),
            "net.tcp://[::1]:808/calc"
        );
        assert_eq!(
            as_seen_from("net.tcp://10.0.0.1:808/calc", "http://example.test/mex"),
            "net.tcp://10.0.0.1:808/calc"
        );
        assert_eq!(
            as_seen_from("net.tcp://0.0.0.0:1/a", "bad"),
            "net.tcp://0.0.0.0:1/a"
        );
    }
}
