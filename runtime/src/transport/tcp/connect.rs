//! The client side: connect, send the preamble, wait for PreambleAck, start the channel.

use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use super::connection::{limits, start};
use super::framing::{FramingCodec, known_encoding};
use super::preamble::{PreambleError, send_preamble};
use super::{ByteStream, DEFAULT_PORT};
use crate::address::EndpointAddress;
use crate::channel::{BindingSettings, DuplexChannel, MessageEncoding};
use crate::error::Error;

/// Connects to a `net.tcp` endpoint and opens a framing session on the connection.
pub async fn connect(
    address: &EndpointAddress,
    settings: &BindingSettings,
) -> Result<DuplexChannel, Error> {
    address.expect_scheme("net.tcp", "net.tcp://host:port/path")?;
    let port = address.port().unwrap_or(DEFAULT_PORT);
    let stream = TcpStream::connect((address.host(), port)).await?;
    stream.set_nodelay(true)?;
    open(stream, address.as_str(), settings).await
}

/// Opens a framing session to `via` on an established stream: the preamble, then the channel.
pub async fn open<S: ByteStream>(
    stream: S,
    via: &str,
    settings: &BindingSettings,
) -> Result<DuplexChannel, Error> {
    let mut framed = Framed::new(stream, FramingCodec::with_limits(limits(settings)));
    let encoding = match settings.message_encoding {
        MessageEncoding::Text => known_encoding::SOAP12_UTF8,
        _ => known_encoding::BINARY_SESSION,
    };
    send_preamble(&mut framed, via, encoding)
        .await
        .map_err(|error| match error {
            PreambleError::Fault(uri) => Error::FramingFault(uri),
            other => Error::Communication(format!("the preamble failed: {other}")),
        })?;
    Ok(start(framed, encoding, false)?)
}
