//! Endpoint addresses: `net.tcp://host:port/path` and `memory://name`.

use crate::binding::TransportKind;
use crate::error::Error;

/// A parsed endpoint address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Address {
    /// `net.tcp://host:port/path`.
    Tcp {
        host: String,
        port: u16,
        /// The path, starting with `/` (`/` when empty).
        path: String,
    },
    /// `memory://name`.
    Memory { name: String },
    /// `http://host:port/path`.
    Http {
        host: String,
        port: u16,
        /// The path, starting with `/` (`/` when empty), without query.
        path: String,
    },
}

impl Address {
    /// Parses `address` for a binding on `transport`.
    pub(crate) fn parse(address: &str, transport: TransportKind) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidAddress {
            address: address.to_owned(),
            reason: reason.to_owned(),
        };
        match transport {
            TransportKind::Http => {
                let rest = address.strip_prefix("http://").ok_or_else(|| {
                    invalid("an HTTP binding needs an `http://host:port/path` address")
                })?;
                let (host, port, path) = authority_and_path(rest, 80).map_err(invalid)?;
                if path.contains(['?', '#']) {
                    return Err(invalid("the address must not have a query or a fragment"));
                }
                Ok(Address::Http { host, port, path })
            }
            TransportKind::Tcp => {
                let rest = address.strip_prefix("net.tcp://").ok_or_else(|| {
                    invalid("a TCP binding needs a `net.tcp://host:port/path` address")
                })?;
                let (authority, path) = match rest.find('/') {
                    Some(slash) => rest.split_at(slash),
                    None => (rest, "/"),
                };
                let (host, port) = match authority.rsplit_once(':') {
                    Some((host, port)) => {
                        let port = port
                            .parse::<u16>()
                            .map_err(|_| invalid("the port is not a number from 0 to 65535"))?;
                        (host, port)
                    }
                    None => (authority, 808),
                };
                if host.is_empty() {
                    return Err(invalid("the host is missing"));
                }
                let host = host.trim_start_matches('[').trim_end_matches(']');
                Ok(Address::Tcp {
                    host: host.to_owned(),
                    port,
                    path: path.to_owned(),
                })
            }
            TransportKind::Memory => {
                let name = address
                    .strip_prefix("memory://")
                    .ok_or_else(|| invalid("a memory binding needs a `memory://name` address"))?;
                if name.is_empty() {
                    return Err(invalid("the name is missing"));
                }
                Ok(Address::Memory {
                    name: name.to_owned(),
                })
            }
        }
    }
}

/// Splits `host[:port][/path]`; `default_port` when there is no port.
fn authority_and_path(
    rest: &str,
    default_port: u16,
) -> Result<(String, u16, String), &'static str> {
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => {
            let port = port
                .parse::<u16>()
                .map_err(|_| "the port is not a number from 0 to 65535")?;
            (host, port)
        }
        _ => (authority, default_port),
    };
    if host.is_empty() {
        return Err("the host is missing");
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_owned(), port, path.to_owned()))
}

/// The path of a `net.tcp` via (`/` when it has none); `None` when it is not a `net.tcp` URI.
pub(crate) fn via_path(via: &str) -> Option<&str> {
    let rest = via.strip_prefix("net.tcp://")?;
    Some(rest.find('/').map_or("/", |slash| &rest[slash..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tcp_addresses() {
        assert_eq!(
            Address::parse("net.tcp://127.0.0.1:0/calc", TransportKind::Tcp).ok(),
            Some(Address::Tcp {
                host: "127.0.0.1".into(),
                port: 0,
                path: "/calc".into()
            })
        );
        assert_eq!(
            Address::parse("net.tcp://[::1]:80", TransportKind::Tcp).ok(),
            Some(Address::Tcp {
                host: "::1".into(),
                port: 80,
                path: "/".into()
            })
        );
        assert!(Address::parse("http://x/", TransportKind::Tcp).is_err());
        assert!(Address::parse("net.tcp://h:99999/", TransportKind::Tcp).is_err());
        assert!(Address::parse("memory://", TransportKind::Memory).is_err());
        assert_eq!(via_path("net.tcp://h:1/a/b"), Some("/a/b"));
        assert_eq!(via_path("net.tcp://h:1"), Some("/"));
        assert_eq!(via_path("http://h/"), None);
        assert_eq!(
            Address::parse("http://127.0.0.1:0/calc/basic", TransportKind::Http).ok(),
            Some(Address::Http {
                host: "127.0.0.1".into(),
                port: 0,
                path: "/calc/basic".into()
            })
        );
        assert_eq!(
            Address::parse("http://[::1]", TransportKind::Http).ok(),
            Some(Address::Http {
                host: "::1".into(),
                port: 80,
                path: "/".into()
            })
        );
        assert!(Address::parse("http://h:1/a?wsdl", TransportKind::Http).is_err());
        assert!(Address::parse("https://h/", TransportKind::Http).is_err());
    }
}
