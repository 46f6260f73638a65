//! Listening: accept connections, run each preamble, route it by its Via to an endpoint, and
//! start a session.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

use super::connection::{encoder_for, limits, start};
use super::framing::{Encoding, FramingCodec, Record, fault};
use super::preamble::{PreamblePolicy, accept_preamble};
use crate::address::via_path;
use crate::error::Error;
use crate::service::host::{HostShared, SessionHandler};

/// An endpoint path and the handler of its sessions.
pub(crate) type Route = (String, Arc<dyn SessionHandler>);

/// How long a refused connection is drained before it is closed, so the peer reads the fault.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// Binds a listener.
pub(crate) async fn bind(host: &str, port: u16) -> Result<TcpListener, Error> {
    Ok(TcpListener::bind((host, port)).await?)
}

/// Accepts connections until the host stops.
pub(crate) async fn serve(listener: TcpListener, routes: Vec<Route>, host: Arc<HostShared>) {
    let routes: Arc<[Route]> = routes.into();
    let mut stop = host.stop.clone();
    loop {
        let accepted = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                tokio::spawn(connection(stream, routes.clone(), host.clone()));
            }
            Err(error) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

struct Policy<'a> {
    routes: &'a [Route],
}

impl Policy<'_> {
    fn route(&self, via: &str) -> Option<&Route> {
        let path = via_path(via)?;
        self.routes.iter().find(|(route, _)| route == path)
    }
}

impl PreamblePolicy for Policy<'_> {
    fn accept_via(&self, via: &str) -> bool {
        self.route(via).is_some()
    }

    fn accept_encoding(&self, _via: &str, encoding: &Encoding) -> bool {
        matches!(encoding, Encoding::Known(value) if encoder_for(*value).is_some())
    }
}

async fn connection(stream: TcpStream, routes: Arc<[Route]>, host: Arc<HostShared>) {
    let _ = stream.set_nodelay(true);
    let Some(permit) = host.try_admit() else {
        return refuse(stream, fault::SERVER_TOO_BUSY).await;
    };
    let largest = routes
        .iter()
        .map(|(_, handler)| handler.settings())
        .max_by_key(|settings| settings.max_received_message_size);
    let Some(first) = largest else { return };
    let timeout = first.channel_initialization_timeout;
    let mut framed = Framed::new(stream, FramingCodec::with_limits(limits(first)));
    let policy = Policy { routes: &routes };
    let preamble = match tokio::time::timeout(timeout, accept_preamble(&mut framed, &policy)).await
    {
        Ok(Ok(preamble)) => preamble,
        Ok(Err(error)) => {
            tracing::debug!(%error, "preamble refused");
            return;
        }
        Err(_) => {
            tracing::debug!(?timeout, "preamble timed out");
            return;
        }
    };
    let Some((_, handler)) = policy.route(&preamble.via) else {
        return;
    };
    let handler = handler.clone();
    *framed.codec_mut() = FramingCodec::with_limits(limits(handler.settings()));
    let Encoding::Known(encoding) = preamble.encoding else {
        return;
    };
    match start(framed, encoding) {
        Ok(channel) => host.spawn_session(handler, channel, permit),
        Err(error) => tracing::debug!(%error, "the session could not start"),
    }
}

/// Sends a framing fault to a connection that will not be served, then closes it after reading
/// what the peer still sends (so the peer is not reset before it reads the fault).
async fn refuse(mut stream: TcpStream, uri: &'static str) {
    let mut fault = bytes::BytesMut::new();
    if FramingCodec::encode_record(&Record::Fault(uri.to_owned()), &mut fault).is_err() {
        return;
    }
    if stream.write_all(&fault).await.is_err() {
        return;
    }
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 1024];
    let drain = async {
        let mut drained = 0;
        while drained < 64 * 1024 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, drain).await;
}
