//! The client side of the HTTP bindings: each call is one POST, made by the calling task
//! ([`ClientChannel`](crate::client::ClientChannel) calls [`Exchange::exchange`]), over a pool
//! of keep-alive connections. `202 Accepted` (or an empty `200`) answers nothing.

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::media_type;
use crate::binding::{BindingSettings, HttpSettings};
use crate::channel::ReceiveError;
use crate::encoding::MessageEncoder;
use crate::encoding::text::{MessageVersion, TextEncoder};
use crate::error::Error;
use crate::message::Message;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Prepares exchanges with `address` (already checked to be an `http://` address).
pub(crate) fn connect(
    address: &str,
    http: &HttpSettings,
    settings: &BindingSettings,
) -> Result<Exchange, Error> {
    let uri: Uri = address.parse().map_err(|e| Error::InvalidAddress {
        address: address.to_owned(),
        reason: format!("not a valid HTTP URI: {e}"),
    })?;
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(settings.open_timeout));
    let client: HttpClient = Client::builder(TokioExecutor::new()).build(connector);
    Ok(Exchange {
        client,
        uri,
        version: http.version,
        max_received_message_size: settings.max_received_message_size,
    })
}

/// POSTs messages to one endpoint, over a pool of keep-alive connections.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    client: HttpClient,
    uri: Uri,
    version: MessageVersion,
    max_received_message_size: usize,
}

impl Exchange {
    /// One POST: the reply message, or `None` when the service answered without one. SOAP 1.1
    /// replies carry no `RelatesTo`; the request's `MessageID` is put on them.
    pub(crate) async fn exchange(
        &self,
        message: &Message,
    ) -> Result<Option<Message>, ReceiveError> {
        let mut encoder = TextEncoder::new(self.version);
        let mut body = BytesMut::new();
        encoder.encode(message, &mut body)?;
        let action = message.action();
        let content_type = match self.version {
            MessageVersion::Soap11 => self.version.content_type().to_owned(),
            MessageVersion::Soap12WsAddressing10 => {
                format!("{}; action=\"{action}\"", self.version.content_type())
            }
        };
        let mut request = Request::post(self.uri.clone())
            .header(CONTENT_TYPE, content_type)
            .body(Full::new(body.freeze()))
            .map_err(|e| lost(format!("the request could not be built: {e}")))?;
        if self.version == MessageVersion::Soap11 {
            let value = HeaderValue::from_str(&format!("\"{action}\""))
                .map_err(|_| lost(format!("the action `{action}` is not a valid header value")))?;
            request.headers_mut().insert("SOAPAction", value);
        }

        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| lost(format!("POST {} failed: {e}", self.uri)))?;
        let status = response.status();
        let soap = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(media_type)
            .is_some_and(|media| {
                media.eq_ignore_ascii_case("text/xml")
                    || media.eq_ignore_ascii_case("application/soap+xml")
            });
        let bytes = Limited::new(response.into_body(), self.max_received_message_size)
            .collect()
            .await
            .map_err(|e| {
                lost(format!(
                    "the response from {} could not be read (the limit is {} bytes): {e}",
                    self.uri, self.max_received_message_size
                ))
            })?
            .to_bytes();
        if status == StatusCode::ACCEPTED || (status.is_success() && bytes.is_empty()) {
            return Ok(None);
        }
        if soap && !bytes.is_empty() {
            match encoder.decode(&bytes) {
                Ok(mut reply) if status.is_success() || reply.is_fault() => {
                    if reply.headers.relates_to.is_none() {
                        reply.headers.relates_to = message.headers.message_id.clone();
                    }
                    return Ok(Some(reply));
                }
                Ok(_) => {}
                Err(error) if status.is_success() => return Err(ReceiveError::Decode(error)),
                Err(_) => {}
            }
        }
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
        Err(ReceiveError::Protocol {
            message: format!(
                "POST {} answered HTTP {status} without a SOAP reply: {}",
                self.uri,
                text.trim()
            ),
            fault: None,
        })
    }
}

fn lost(message: String) -> ReceiveError {
    ReceiveError::Lost(message)
}
