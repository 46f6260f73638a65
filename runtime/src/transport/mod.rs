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

/// A port's listening socket. Its listen backlog is the largest any of the port's endpoints asks
/// for ([`BindingSettings::listen_backlog`](crate::channel::BindingSettings::listen_backlog)).
#[derive(Debug)]
pub(crate) struct PortListener {
    listener: tokio::net::TcpListener,
    backlog: u32,
}

impl PortListener {
    /// A socket listening on `host:port` (port 0: one the system picks) with `backlog`.
    pub(crate) fn bind(host: &str, port: u16, backlog: u32) -> Result<Self, Error> {
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
        Ok(PortListener {
            listener: socket.listen(backlog)?,
            backlog,
        })
    }

    /// Raises the backlog to `backlog` if it is larger (another endpoint on the port asks for
    /// more): listening again on a listening socket only changes its backlog.
    pub(crate) fn widen_backlog(&mut self, backlog: u32) -> Result<(), Error> {
        if backlog > self.backlog {
            let value = i32::try_from(backlog).unwrap_or(i32::MAX);
            socket2::SockRef::from(&self.listener).listen(value)?;
            self.backlog = backlog;
        }
        Ok(())
    }

    /// The port listened on.
    pub(crate) fn port(&self) -> Result<u16, Error> {
        Ok(self.listener.local_addr()?.port())
    }

    /// The listening socket, to accept from.
    pub(crate) fn into_inner(self) -> tokio::net::TcpListener {
        self.listener
    }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Connects `count` sockets to `port`; none is accepted, so each needs a place in the
    /// kernel's accept queue (the backlog, plus one).
    async fn connect_unaccepted(port: u16, count: usize) -> Vec<tokio::net::TcpStream> {
        let mut sockets = Vec::new();
        for _ in 0..count {
            sockets.push(
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .unwrap(),
            );
        }
        sockets
    }

    #[tokio::test]
    async fn a_widened_backlog_reaches_the_listening_socket() {
        let mut listener = PortListener::bind("127.0.0.1", 0, 2).unwrap();
        listener.widen_backlog(1).unwrap();
        listener.widen_backlog(16).unwrap();
        assert_eq!(listener.backlog, 16);
        let port = listener.port().unwrap();
        // With the first backlog of 2, the fourth connect would wait for SYN retries.
        let connected =
            tokio::time::timeout(Duration::from_secs(5), connect_unaccepted(port, 17)).await;
        assert!(connected.is_ok(), "the kernel queued 17 connections");
    }
}
