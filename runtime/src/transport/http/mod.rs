//! SOAP over HTTP: the transport of the HTTP bindings, served and called with hyper.
//!
//! The client side is a request channel ([`HttpRequestChannel`]): each exchange is one POST on a
//! pool of keep-alive connections, `202 Accepted` (or an empty `200`) answering nothing. The
//! service side is an [`HttpEndpoint`], a `tower::Service` that decodes each POST, hands it to
//! the endpoint's request handler in the connection's own task, and encodes what comes back: a
//! reply as `200 OK`, a fault as `500`, nothing as `202`, a refusal as `503`. A host serves its
//! endpoints on one server per port (hyper, with an accept loop of its own), routed by path; a
//! user mounts the same object in their own axum router.
//!
//! A port's server is hardened against slow and idle clients: a request head must arrive within
//! [`HttpSettings::header_read_timeout`], a body within the binding's receive timeout and above
//! [`HttpSettings::min_request_body_rate`], and a port holds at most
//! [`HttpSettings::max_connections`], evicting the connection that has waited longest for a
//! head (else for its body) to admit a new one.

mod body_rate;
mod client;
mod connections;
mod serve;
mod server;

pub use body_rate::{BodyTooSlow, MinDataRate};
pub use client::HttpRequestChannel;
pub use server::{HttpEndpoint, listen};

use std::time::Duration;

use crate::channel::processors;
use crate::encoding::text::MessageVersion;

/// What an HTTP binding adds to the common settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// The SOAP version of the envelopes, which also fixes the content type and where the action
    /// travels (`SOAPAction` header for SOAP 1.1, `wsa:Action` for SOAP 1.2).
    pub version: MessageVersion,
    /// Whether `GET {address}?wsdl` answers with the endpoint's WSDL (WCF's
    /// `ServiceMetadataBehavior.HttpGetEnabled`); default `false`.
    pub metadata: bool,
    /// How long a client has to send a request head, from the connection's accept or the end
    /// of its previous response to the blank line that ends the head; past it the connection is
    /// closed. Default 30 seconds (hyper's default; WCF leaves it to http.sys, whose
    /// `HeaderWait` is 2 minutes). Applies to the host's own server only: a user's router has
    /// its own.
    pub header_read_timeout: Duration,
    /// The slowest a request body may arrive, after a grace period, before the request is cut
    /// off with `408 Request Timeout`: by default 240 bytes per second after 5 seconds, as
    /// Kestrel's `MinRequestBodyDataRate`. `None` turns the check off. The whole body must
    /// also arrive within the binding's receive timeout.
    pub min_request_body_rate: Option<MinDataRate>,
    /// How many connections a port holds at once (busy or idle). At the limit a new connection
    /// closes the connection that has waited longest for a request head (a slow client's first
    /// head or an idle keep-alive connection), or if none waits for a head, the one that has
    /// been sending its body longest; if every connection's request is being handled, the port
    /// stops accepting until one ends. Default max(12 × processors, 256), as net.tcp's
    /// pending connections: calls past the host's call throttle (16 × processors) only queue,
    /// and the limit keeps a port's descriptors well under a 1,024-descriptor process limit.
    /// Applies to the host's own server only.
    pub max_connections: usize,
}

impl HttpSettings {
    /// Settings for `version` with the defaults: no metadata, a 30 s header-read timeout, a
    /// minimum body rate of 240 bytes/s after 5 s, and max(12 × processors, 256) connections
    /// per port.
    pub fn new(version: MessageVersion) -> Self {
        HttpSettings {
            version,
            metadata: false,
            header_read_timeout: Duration::from_secs(30),
            min_request_body_rate: Some(MinDataRate::default()),
            max_connections: (12 * processors()).max(256),
        }
    }
}

/// The port of an `http` address that names none.
pub const DEFAULT_PORT: u16 = 80;

/// The media type of a content type, without parameters (`text/xml`).
pub(crate) fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// The `action` parameter of a SOAP 1.2 content type.
pub(crate) fn action_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.trim().split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("action")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_parts() {
        assert_eq!(media_type("text/xml; charset=utf-8"), "text/xml");
        assert_eq!(
            action_param(r#"application/soap+xml; charset=utf-8; action="urn:a""#).as_deref(),
            Some("urn:a")
        );
        assert_eq!(action_param("application/soap+xml"), None);
    }
}
