//! Transports: the bottom of the channel stack. Each makes channels of one shape and knows
//! nothing above them: [`tcp`] (net.tcp's .NET Message Framing, duplex sessions), [`memory`]
//! (in-process duplex channels), [`http`] (request-reply over HTTP/1.1).

mod backoff;
pub mod http;
pub mod memory;
pub mod tcp;

use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) use backoff::AcceptBackoff;

use crate::address::EndpointAddress;
use crate::channel::{ListenContext, SharedAcceptor, SharedError};
use crate::error::Error;

/// The listen backlog of every port (connections the kernel completes before they are accepted).
const LISTEN_BACKLOG: u32 = 1024;

/// A listening socket on `host:port` (port 0: one the system picks), with a backlog of 1,024.
pub(crate) fn bind_listener(host: &str, port: u16) -> Result<tokio::net::TcpListener, Error> {
    let address = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))?
        .next()
        .ok_or_else(|| Error::Communication(format!("`{host}` has no address")))?;
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    Ok(socket.listen(LISTEN_BACKLOG)?)
}

/// The acceptor of `address`'s port in `context`, bound by `bind` if no endpoint has yet. Port
/// 0 asks for a fresh port: each such endpoint gets an acceptor of its own. Endpoints of two
/// transports cannot share a port.
pub(crate) fn shared_port<'c, A: SharedAcceptor>(
    context: &'c mut ListenContext,
    address: &EndpointAddress,
    default_port: u16,
    bind: impl FnOnce(&str, u16) -> Result<A, Error>,
) -> Result<&'c mut A, Error> {
    static FRESH: AtomicUsize = AtomicUsize::new(0);
    let port = address.port().unwrap_or(default_port);
    let key = if port == 0 {
        format!("fresh {}", FRESH.fetch_add(1, Ordering::Relaxed))
    } else {
        format!("tcp {}:{port}", address.host())
    };
    context
        .shared(&key, || bind(address.host(), port))
        .map_err(|error| match error {
            SharedError::Make(error) => error,
            SharedError::Conflict => address.invalid("another transport listens on this port"),
        })
}
