//! The client side of the HTTP bindings: a request channel whose every exchange is one POST,
//! made by the calling task over a pool of keep-alive connections. `202 Accepted` (or an empty
//! `200`) answers nothing.

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::{HttpSettings, media_type};
use crate::address::EndpointAddress;
use crate::channel::{BindingSettings, ChannelError, RequestChannel};
use crate::encoding::MessageEncoder;
use crate::encoding::text::{MessageVersion, TextEncoder};
use crate::error::Error;
use crate::message::Message;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

impl HttpRequestChannel {
    /// A channel to `address` (`http://host:port/path`). Connections are made by the first
    /// exchanges, not here.
    pub fn new(
        address: &EndpointAddress,
        http: &HttpSettings,
        settings: &BindingSettings,
    ) -> Result<Self, Error> {
        address.expect_scheme("http", "http://host:port/path")?;
        let uri: Uri = address
            .as_str()
            .parse()
            .map_err(|e| address.invalid(&format!("not a valid HTTP URI: {e}")))?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(settings.open_timeout));
        let client: HttpClient = Client::builder(TokioExecutor::new()).build(connector);
        Ok(HttpRequestChannel {
            client,
            uri,
            version: http.version,
            max_received_message_size: settings.max_received_message_size,
        })
    }
}

/// POSTs messages to one endpoint, over a pool of keep-alive connections. Cloning is cheap:
/// clones share the pool.
#[derive(Debug, Clone)]
pub struct HttpRequestChannel {
    client: HttpClient,
    uri: Uri,
    version: MessageVersion,
    max_received_message_size: usize,
}

impl RequestChannel for HttpRequestChannel {
    /// One POST: the reply message, or `None` when the service answered without one. SOAP 1.1
    /// replies carry no `RelatesTo`; the request's `MessageID` is put on them.
    async fn request(&self, message: Message) -> Result<Option<Message>, ChannelError> {
        let mut encoder = TextEncoder::new(self.version);
        let mut body = BytesMut::new();
        encoder.encode(&message, &mut body)?;
        let action = message.action();
        let invalid =
            || ChannelError::encoding(format!("the action `{action}` is not a valid header value"));
        // Header values are built straight into the bytes they keep (no copy of a `String`).
        // SOAP 1.2 puts the action in the content type, SOAP 1.1 in `SOAPAction`.
        let (content_type, soap_action) = if self.version.is_soap12() {
            (
                HeaderValue::from_maybe_shared(Bytes::from(format!(
                    "{}; action=\"{action}\"",
                    self.version.content_type()
                )))
                .map_err(|_| invalid())?,
                None,
            )
        } else {
            (
                HeaderValue::from_static(self.version.content_type()),
                Some(
                    HeaderValue::from_maybe_shared(Bytes::from(format!("\"{action}\"")))
                        .map_err(|_| invalid())?,
                ),
            )
        };
        let mut request = Request::post(self.uri.clone())
            .header(CONTENT_TYPE, content_type)
            .body(Full::new(body.freeze()))
            .map_err(|e| ChannelError::encoding(format!("the request could not be built: {e}")))?;
        if let Some(soap_action) = soap_action {
            request.headers_mut().insert("SOAPAction", soap_action);
        }

        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| ChannelError::lost(format!("POST {} failed: {e}", self.uri)))?;
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
                // Too large for the limit, or the connection broke mid-body.
                let reason = format!(
                    "the response from {} could not be read (the limit is {} bytes): {e}",
                    self.uri, self.max_received_message_size
                );
                if e.is::<http_body_util::LengthLimitError>() {
                    ChannelError::protocol(reason)
                } else {
                    ChannelError::lost(reason)
                }
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
                Err(error) if status.is_success() => return Err(error.into()),
                Err(_) => {}
            }
        }
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
        Err(ChannelError::Protocol(
            format!(
                "POST {} answered HTTP {status} without a SOAP reply: {}",
                self.uri,
                text.trim()
            )
            .into(),
        ))
    }
}
