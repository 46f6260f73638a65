//! A port's HTTP/1.1 server: the accept loop and each connection's task, over hyper.
//!
//! Each request head must arrive within the header-read timeout (hyper's, on the first head
//! and every keep-alive one after); the port holds at most `max_connections`, evicting the one
//! that has waited longest for a head (else for its body) to admit a new one
//! ([`Connections`]); a failing `accept`
//! (out of descriptors) backs off instead of spinning. When the host stops, the port stops
//! accepting and each connection finishes its request in progress, then closes; when it
//! aborts, every connection is dropped.

use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::connections::{Admitted, Connections};
use super::server::Routes;
use crate::channel::HostControl;
use crate::transport::AcceptBackoff;

/// The limits of one port's server.
#[derive(Debug, Clone, Copy)]
pub(super) struct PortLimits {
    /// How long a client has to send a request head.
    pub(super) header_read_timeout: Duration,
    /// How many connections the port holds at once.
    pub(super) max_connections: usize,
}

/// One admitted connection: what its requests need.
struct Connection {
    routes: Arc<Routes>,
    admitted: Admitted,
}

/// Serves `listener` with `routes` until the host stops (requests in progress finish) or
/// aborts (connections dropped).
pub(super) async fn serve(
    listener: TcpListener,
    routes: Arc<Routes>,
    limits: PortLimits,
    control: HostControl,
) {
    let connections = Connections::new(limits.max_connections);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let builder = Arc::new(builder);
    let mut backoff = AcceptBackoff::default();
    loop {
        let accepted = tokio::select! {
            () = control.stop.cancelled() => return,
            accepted = accept(&listener, &connections) => accepted,
        };
        let stream = match accepted {
            Ok(stream) => {
                backoff.reset();
                stream
            }
            Err(error) => {
                let wait = backoff.after(&error);
                tokio::select! {
                    () = control.stop.cancelled() => return,
                    () = tokio::time::sleep(wait) => continue,
                }
            }
        };
        let admitted = tokio::select! {
            () = control.stop.cancelled() => return,
            admitted = connections.admit(&control.abort) => admitted,
        };
        let connection = Arc::new(Connection {
            routes: routes.clone(),
            admitted,
        });
        control.tracker.spawn(run(
            stream,
            connection,
            builder.clone(),
            control.stop.clone(),
        ));
    }
}

/// The next connection, once the port has room for it.
async fn accept(listener: &TcpListener, connections: &Connections) -> io::Result<TcpStream> {
    connections.room().await;
    let (stream, _peer) = listener.accept().await?;
    Ok(stream)
}

/// Serves one connection until it closes, is evicted or the host aborts; when the host stops,
/// the request in progress finishes and the connection closes.
async fn run(
    stream: TcpStream,
    connection: Arc<Connection>,
    builder: Arc<http1::Builder>,
    stop: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    // Evictable from now until its head is read, in this same poll if it came with the
    // connection.
    connection.admitted.waiting();
    let service = service_fn({
        let connection = connection.clone();
        move |request: http::Request<Incoming>| {
            let connection = connection.clone();
            let request = request.map(|body| connection.admitted.reading(body));
            async move {
                let reply = connection.routes.answer(request).await;
                connection.admitted.waiting();
                Ok::<_, Infallible>(reply)
            }
        }
    });
    let served = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(served);
    let cut = connection.admitted.cut();
    let result = tokio::select! {
        result = served.as_mut() => result,
        () = cut.cancelled() => return,
        () = stop.cancelled() => {
            served.as_mut().graceful_shutdown();
            tokio::select! {
                result = served.as_mut() => result,
                () = cut.cancelled() => return,
            }
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, "an HTTP connection ended");
    }
}
