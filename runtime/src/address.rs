//! Endpoint addresses: `scheme://host[:port][/path]` URIs, parsed once, read by transports.

use std::fmt;

use crate::error::Error;

/// A parsed endpoint address: `net.tcp://host:port/path`, `http://host:port/path`,
/// `memory://name`. It keeps the text as given and where its parts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointAddress {
    uri: String,
    /// Where the scheme ends (at `://`).
    scheme_end: usize,
    /// The host, without the brackets of an IPv6 literal.
    host: (usize, usize),
    port: Option<u16>,
    /// Where the path starts, when the address has one.
    path_start: Option<usize>,
}

impl EndpointAddress {
    /// Parses `uri`. The host may be an IPv6 literal in brackets (`[::1]`); the port is
    /// optional; the path starts with `/` (`/` when there is none).
    pub fn parse(uri: &str) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidAddress {
            address: uri.to_owned(),
            reason: reason.to_owned(),
        };
        let scheme_end = uri
            .find("://")
            .ok_or_else(|| invalid("an address is `scheme://host[:port]/path`"))?;
        if scheme_end == 0 {
            return Err(invalid("the scheme is missing"));
        }
        let authority_start = scheme_end + 3;
        let rest = &uri[authority_start..];
        let path_start = rest.find('/').map(|slash| authority_start + slash);
        let authority = &uri[authority_start..path_start.unwrap_or(uri.len())];
        let (host, port) = split_authority(authority).map_err(invalid)?;
        // The host starts the authority, after the `[` of an IPv6 literal.
        let host_start = authority_start + usize::from(authority.starts_with('['));
        Ok(EndpointAddress {
            uri: uri.to_owned(),
            scheme_end,
            host: (host_start, host_start + host.len()),
            port,
            path_start,
        })
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.uri
    }

    /// The scheme, as given (`net.tcp`, `http`, `memory`).
    pub fn scheme(&self) -> &str {
        &self.uri[..self.scheme_end]
    }

    /// The host, without the brackets of an IPv6 literal.
    pub fn host(&self) -> &str {
        &self.uri[self.host.0..self.host.1]
    }

    /// The port, when the address has one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The path, starting with `/`.
    pub fn path(&self) -> &str {
        self.path_start.map_or("/", |start| &self.uri[start..])
    }

    /// Everything after `scheme://` (a memory address's name).
    pub fn rest(&self) -> &str {
        &self.uri[self.scheme_end + 3..]
    }

    /// Fails unless the scheme is `scheme` (in any case), naming `form` as the address the
    /// binding needs.
    pub fn expect_scheme(&self, scheme: &str, form: &str) -> Result<(), Error> {
        if self.scheme().eq_ignore_ascii_case(scheme) {
            Ok(())
        } else {
            Err(self.invalid(&format!("this binding needs a `{form}` address")))
        }
    }

    /// An [`Error::InvalidAddress`] for this address.
    pub fn invalid(&self, reason: &str) -> Error {
        Error::InvalidAddress {
            address: self.uri.clone(),
            reason: reason.to_owned(),
        }
    }

    /// `scheme://host:port{path}` with `port` (the port actually bound) and the host in
    /// brackets when it is an IPv6 literal.
    pub fn with_port(&self, port: u16) -> String {
        let host = self.host();
        let (open, close) = if host.contains(':') {
            ("[", "]")
        } else {
            ("", "")
        };
        format!(
            "{}://{open}{host}{close}:{port}{}",
            self.scheme(),
            self.path()
        )
    }
}

impl fmt::Display for EndpointAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri)
    }
}

/// Splits `host[:port]`, where the host may be a bracketed IPv6 literal.
fn split_authority(authority: &str) -> Result<(&str, Option<u16>), &'static str> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("an IPv6 host needs its closing `]`")?;
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(
                    after
                        .strip_prefix(':')
                        .ok_or("only a port may follow `]`")?,
                ),
            ),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("the host is missing");
    }
    let port = port
        .map(|port| {
            port.parse::<u16>()
                .map_err(|_| "the port is not a number from 0 to 65535")
        })
        .transpose()?;
    Ok((host, port))
}

/// The path of a `net.tcp` via (`/` when it has none); `None` when it is not a `net.tcp` URI.
pub(crate) fn via_path(via: &str) -> Option<&str> {
    let rest = via.strip_prefix("net.tcp://")?;
    Some(rest.find('/').map_or("/", |slash| &rest[slash..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str) -> Option<(String, String, Option<u16>, String)> {
        let a = EndpointAddress::parse(uri).ok()?;
        Some((
            a.scheme().into(),
            a.host().into(),
            a.port(),
            a.path().into(),
        ))
    }

    #[test]
    fn parses_hosts_ports_and_paths() {
        assert_eq!(
            parts("net.tcp://127.0.0.1:0/calc"),
            Some((
                "net.tcp".into(),
                "127.0.0.1".into(),
                Some(0),
                "/calc".into()
            ))
        );
        assert_eq!(
            parts("net.tcp://[::1]:80"),
            Some(("net.tcp".into(), "::1".into(), Some(80), "/".into()))
        );
        assert_eq!(
            parts("net.tcp://[::1]/calc"),
            Some(("net.tcp".into(), "::1".into(), None, "/calc".into()))
        );
        assert_eq!(
            parts("http://[::1]"),
            Some(("http".into(), "::1".into(), None, "/".into()))
        );
        assert_eq!(
            parts("http://127.0.0.1:0/calc/basic"),
            Some((
                "http".into(),
                "127.0.0.1".into(),
                Some(0),
                "/calc/basic".into()
            ))
        );
        assert!(EndpointAddress::parse("net.tcp://h:99999/").is_err());
        assert!(EndpointAddress::parse("net.tcp://:80/").is_err());
        assert!(EndpointAddress::parse("net.tcp://[::1/").is_err());
        assert!(EndpointAddress::parse("no-scheme").is_err());
        assert_eq!(
            EndpointAddress::parse("memory://a/b").unwrap().rest(),
            "a/b"
        );
    }

    #[test]
    fn reports_the_bound_port() {
        let a = EndpointAddress::parse("net.tcp://[::1]:0/calc").unwrap();
        assert_eq!(a.with_port(808), "net.tcp://[::1]:808/calc");
    }

    #[test]
    fn via_paths() {
        assert_eq!(via_path("net.tcp://h:1/a/b"), Some("/a/b"));
        assert_eq!(via_path("net.tcp://h:1"), Some("/"));
        assert_eq!(via_path("http://h/"), None);
    }
}
