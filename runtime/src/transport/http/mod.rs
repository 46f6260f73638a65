//! SOAP over HTTP: the transport of the HTTP bindings, served with axum and called with hyper.
//!
//! The client side is a request channel ([`HttpRequestChannel`]): each exchange is one POST on a
//! pool of keep-alive connections, `202 Accepted` (or an empty `200`) answering nothing. The
//! service side is an [`HttpEndpoint`], a `tower::Service` that decodes each POST, hands it to
//! the endpoint's request handler in the connection's own task, and encodes what comes back: a
//! reply as `200 OK`, a fault as `500`, nothing as `202`, a refusal as `503`. A host serves its
//! endpoints on one axum server per port, routed by path; a user mounts the same object in
//! their own router.

mod client;
mod server;

pub use client::HttpRequestChannel;
pub use server::{HttpEndpoint, listen};

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
