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
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body as HttpBody;
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;

use super::connections::{Admitted, Connections, WatchedBody};
use crate::channel::HostControl;
use crate::transport::AcceptBackoff;

/// A response body; when hyper is done with it, the connection's response has ended, and once
/// its bytes are out ([`Socket`]) the connection waits for the next head.
struct Replying<R> {
    body: HttpBody,
    connection: Arc<Connection<R>>,
}

impl<R> Body for Replying<R> {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl<R> Drop for Replying<R> {
    fn drop(&mut self) {
        self.connection.replied.store(true, Ordering::Release);
    }
}

pin_project! {
    /// A connection's socket, which tells when a response has gone out: after its body ended,
    /// at the next flush hyper completes (every byte is with the kernel), the connection waits
    /// for a head again and may be evicted. A response still being written is never cut by an
    /// eviction. (Not at a read: hyper reads while it writes, to see a client close.)
    struct Socket<R> {
        #[pin]
        stream: TcpStream,
        connection: Arc<Connection<R>>,
        // Armed while a write waits for the client to read (boxed: armed only then).
        stall: Option<Pin<Box<Sleep>>>,
    }
}

impl<R> Socket<R> {
    /// Moves the connection to waiting for a head if its response has ended.
    fn response_out(connection: &Connection<R>) {
        if connection.replied.swap(false, Ordering::AcqRel) {
            connection.admitted.waiting();
        }
    }

    /// A write's outcome, failed with `TimedOut` once it has waited the send timeout for a
    /// client that does not read (which would otherwise hold its connection place for ever: a
    /// reply being written is not evicted).
    fn within_send_timeout<T>(
        stall: &mut Option<Pin<Box<Sleep>>>,
        send_timeout: Duration,
        cx: &mut Context<'_>,
        written: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if written.is_ready() {
            *stall = None;
            return written;
        }
        let timer = stall.get_or_insert_with(|| Box::pin(tokio::time::sleep(send_timeout)));
        if timer.as_mut().poll(cx).is_ready() {
            *stall = None;
            tracing::debug!(?send_timeout, "an HTTP reply could not be sent in time");
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read none of its reply within the send timeout",
            )));
        }
        Poll::Pending
    }
}

impl<R> AsyncRead for Socket<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.project().stream.poll_read(cx, buf)
    }
}

impl<R> AsyncWrite for Socket<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let written = this.stream.poll_write(cx, buf);
        let limit = this.connection.send_timeout;
        Self::within_send_timeout(this.stall, limit, cx, written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let written = this.stream.poll_write_vectored(cx, bufs);
        let limit = this.connection.send_timeout;
        Self::within_send_timeout(this.stall, limit, cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        let flushed = this.stream.poll_flush(cx);
        if flushed.is_ready() {
            Self::response_out(this.connection);
        }
        flushed
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().stream.poll_shutdown(cx)
    }
}

/// The limits of one port's server.
#[derive(Debug, Clone, Copy)]
pub(super) struct PortLimits {
    /// How long a client has to send a request head.
    pub(super) header_read_timeout: Duration,
    /// How many connections the port holds at once.
    pub(super) max_connections: usize,
    /// How long a reply's write may wait for a client that does not read (the binding's send
    /// timeout).
    pub(super) send_timeout: Duration,
}

/// What answers a port's requests (its endpoints, by path).
pub(super) trait Answer: Send + Sync + 'static {
    /// The response to `request`.
    fn answer(
        &self,
        request: http::Request<WatchedBody<Incoming>>,
    ) -> impl Future<Output = http::Response<HttpBody>> + Send;
}

/// One admitted connection: what its requests need.
struct Connection<R> {
    routes: Arc<R>,
    admitted: Admitted,
    /// Its response's body has ended; set until its bytes are out.
    replied: AtomicBool,
    /// How long a write of its reply may wait for the client to read.
    send_timeout: Duration,
}

/// Serves `listener` with `routes` until the host stops (requests in progress finish) or
/// aborts (connections dropped).
pub(super) async fn serve<R: Answer>(
    listener: TcpListener,
    routes: Arc<R>,
    limits: PortLimits,
    control: HostControl,
) {
    let connections = Connections::new(limits.max_connections, control.connections.clone());
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
            admitted = connections.admit() => admitted,
        };
        let connection = Arc::new(Connection {
            routes: routes.clone(),
            admitted,
            replied: AtomicBool::new(false),
            send_timeout: limits.send_timeout,
        });
        control
            .tracker
            .spawn(run(stream, connection, builder.clone(), control.clone()));
    }
}

/// The next connection, once the port has room for it.
async fn accept(listener: &TcpListener, connections: &Connections) -> io::Result<TcpStream> {
    connections.room().await;
    let (stream, _peer) = listener.accept().await?;
    Ok(stream)
}

/// Serves one connection until it closes or is evicted. When the host stops, the request in
/// progress finishes and the connection closes; when it aborts, a request being handled gets
/// [`ABORT_GRACE`] to send its answer (the host answers aborted calls with a fault at once) and
/// anything else is dropped.
async fn run<R: Answer>(
    stream: TcpStream,
    connection: Arc<Connection<R>>,
    builder: Arc<http1::Builder>,
    control: HostControl,
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
                Ok::<_, Infallible>(reply.map(|body| Replying { body, connection }))
            }
        }
    });
    let socket = Socket {
        stream,
        connection: connection.clone(),
        stall: None,
    };
    let served = builder.serve_connection(TokioIo::new(socket), service);
    tokio::pin!(served);
    let evicted = connection.admitted.cut();
    tokio::select! {
        // An eviction first: an evicted connection starts no request.
        biased;
        () = evicted.cancelled() => return,
        result = served.as_mut() => return ended(result),
        // A connection waiting for a head (part of one, perhaps) closes now; one in a request
        // finishes it first.
        () = control.stop.cancelled() => {
            if connection.admitted.cut_if_waiting() {
                return;
            }
            served.as_mut().graceful_shutdown();
        }
        () = control.abort.cancelled() => served.as_mut().graceful_shutdown(),
    }
    tokio::select! {
        result = served.as_mut() => return ended(result),
        () = evicted.cancelled() => return,
        () = control.abort.cancelled() => {}
    }
    if connection.admitted.handling()
        && let Ok(result) = tokio::time::timeout(ABORT_GRACE, served).await
    {
        ended(result);
    }
}

/// How long a request being handled when the host aborts has to send its answer.
const ABORT_GRACE: Duration = Duration::from_secs(1);

fn ended(result: hyper::Result<()>) {
    if let Err(error) = result {
        tracing::debug!(%error, "an HTTP connection ended");
    }
}
