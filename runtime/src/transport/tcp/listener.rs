//! The service side: one acceptor per TCP port, shared by the endpoints (paths) on it. It
//! accepts connections, runs each preamble, routes it by its Via to the endpoint's listener and
//! leaves the answer (PreambleAck or a refusal) to the host's admission.
//!
//! A connection is pending from its accept until the host admits or refuses it. At
//! `max_pending_connections` a new connection evicts the oldest one still in its preamble (see
//! [`PendingSet`]); only when every pending connection has completed its preamble does the
//! acceptor stop accepting (the kernel's backlog holds the rest), as WCF does.

use std::collections::HashMap;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::codec::Framed;
use tracing::Instrument;

use super::DEFAULT_PORT;
use super::connection::{encoder_for, limits, start};
use super::drain::drain;
use super::framing::{Encoding, FramingCodec, Record, fault};
use super::pending::{Pending, PendingSet};
use super::preamble::{PreamblePolicy, receive_preamble};
use crate::address::{EndpointAddress, via_path};
use crate::channel::{
    BindingSettings, ChannelError, DuplexChannel, HostControl, Incoming, ListenContext, Listening,
    Refusal, SessionListener, SharedAcceptor,
};
use crate::error::Error;
use crate::transport::{AcceptBackoff, PortListener, shared_port};

/// Listens at `address` (`net.tcp://host:port/path`): registers the path with the port's
/// acceptor (binding the port if no endpoint has yet; port 0 always binds a fresh one).
pub fn listen(
    address: &EndpointAddress,
    settings: &BindingSettings,
    context: &mut ListenContext,
) -> Result<Listening, Error> {
    address.expect_scheme("net.tcp", "net.tcp://host:port/path")?;
    let acceptor = shared_port(context, address, DEFAULT_PORT, |host, port| {
        TcpPort::bind(host, port, settings.listen_backlog)
    })?;
    acceptor.listener.widen_backlog(settings.listen_backlog)?;
    let (tx, incoming) = mpsc::unbounded_channel();
    let path = address.path().to_owned();
    if acceptor.routes.contains_key(&path) {
        return Err(address.invalid("two endpoints have the same net.tcp address"));
    }
    acceptor.routes.insert(
        path,
        Route {
            settings: settings.clone(),
            incoming: tx,
        },
    );
    Ok(Listening {
        address: address.with_port(acceptor.port),
        sessions: Some(Box::new(PathListener { incoming })),
    })
}

/// An endpoint's share of a port: the channels routed to its path.
struct PathListener {
    incoming: mpsc::UnboundedReceiver<Box<dyn Incoming>>,
}

impl SessionListener for PathListener {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Option<Box<dyn Incoming>>> {
        self.incoming.poll_recv(cx)
    }
}

/// An endpoint on a port.
struct Route {
    settings: BindingSettings,
    incoming: mpsc::UnboundedSender<Box<dyn Incoming>>,
}

/// One TCP port and the endpoints on it.
struct TcpPort {
    listener: PortListener,
    port: u16,
    routes: HashMap<String, Route>,
}

impl TcpPort {
    fn bind(host: &str, port: u16, backlog: u32) -> Result<Self, Error> {
        let listener = PortListener::bind(host, port, backlog)?;
        let port = listener.port()?;
        Ok(TcpPort {
            listener,
            port,
            routes: HashMap::new(),
        })
    }
}

impl SharedAcceptor for TcpPort {
    fn start(self: Box<Self>, control: &HostControl) {
        let span = tracing::debug_span!("listener", transport = "net.tcp", port = self.port);
        tokio::spawn(accept_loop(*self, control.clone()).instrument(span));
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// What every connection's preamble task shares.
struct Shared {
    routes: HashMap<String, Route>,
    /// The limits and timeout a connection has before its Via names its endpoint: the most
    /// generous of the port's endpoints.
    first: BindingSettings,
}

async fn accept_loop(port: TcpPort, control: HostControl) {
    let TcpPort {
        listener, routes, ..
    } = port;
    let listener = listener.into_inner();
    let Some(first) = routes
        .values()
        .map(|route| &route.settings)
        .max_by_key(|settings| settings.max_received_message_size)
        .cloned()
    else {
        return;
    };
    let pending = PendingSet::new(
        routes
            .values()
            .map(|r| r.settings.max_pending_connections)
            .max()
            .unwrap_or(1),
        control.connections.clone(),
    );
    let shared = Arc::new(Shared { routes, first });
    let mut backoff = AcceptBackoff::default();
    loop {
        let accepted = tokio::select! {
            () = control.stop.cancelled() => return,
            accepted = accept(&listener, &pending) => accepted,
        };
        match accepted {
            Ok((stream, place)) => {
                backoff.reset();
                tokio::spawn(preamble(stream, shared.clone(), place));
            }
            Err(error) => {
                // Out of file descriptors and the like: back off instead of spinning.
                let wait = backoff.after(&error);
                tokio::select! {
                    () = control.stop.cancelled() => return,
                    () = tokio::time::sleep(wait) => {}
                }
            }
        }
    }
}

/// The next connection and its place among the pending ones, accepted once it can have one.
async fn accept(
    listener: &TcpListener,
    pending: &Arc<PendingSet>,
) -> std::io::Result<(TcpStream, Pending)> {
    pending.room().await;
    let (stream, _peer) = listener.accept().await?;
    Ok((stream, pending.insert().await))
}

struct Policy<'a> {
    routes: &'a HashMap<String, Route>,
}

impl Policy<'_> {
    fn route(&self, via: &str) -> Option<&Route> {
        self.routes.get(via_path(via)?)
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

/// Runs a connection's preamble and hands it to its endpoint's listener.
async fn preamble(stream: TcpStream, shared: Arc<Shared>, place: Pending) {
    let _ = stream.set_nodelay(true);
    let timeout = shared.first.channel_initialization_timeout;
    let mut framed = Framed::new(stream, FramingCodec::with_limits(limits(&shared.first)));
    let policy = Policy {
        routes: &shared.routes,
    };
    let received = tokio::select! {
        () = place.evicted() => {
            tracing::debug!("a connection still in its preamble was evicted for a newer one");
            return;
        }
        received = tokio::time::timeout(timeout, receive_preamble(&mut framed, &policy)) => received,
    };
    let preamble = match received {
        Ok(Ok(preamble)) if place.preamble_done() => preamble,
        Ok(Ok(_)) => {
            tracing::debug!("a connection was evicted as its preamble completed");
            return;
        }
        Ok(Err(error)) => {
            tracing::debug!(%error, "preamble refused");
            if error.fault_uri().is_some() {
                // receive_preamble has sent the fault. The connection is no longer pending.
                drop(place);
                close_after_fault(framed.into_inner()).await;
            }
            return;
        }
        Err(_) => {
            tracing::debug!(?timeout, "preamble timed out");
            return;
        }
    };
    let (Some(route), Encoding::Known(encoding)) = (policy.route(&preamble.via), preamble.encoding)
    else {
        return;
    };
    *framed.codec_mut() = FramingCodec::with_limits(limits(&route.settings));
    let incoming: Box<dyn Incoming> = Box::new(TcpIncoming {
        framed,
        encoding,
        _pending: place,
    });
    if let Err(mpsc::error::SendError(incoming)) = route.incoming.send(incoming) {
        incoming.refuse(Refusal::ShuttingDown);
    }
}

/// A connection whose preamble is read, waiting for PreambleAck or a refusal.
struct TcpIncoming {
    framed: Framed<TcpStream, FramingCodec>,
    encoding: u8,
    /// Holds the connection's pending place until it is admitted or refused.
    _pending: Pending,
}

impl Incoming for TcpIncoming {
    fn accept(self: Box<Self>) -> Result<DuplexChannel, ChannelError> {
        start(self.framed, self.encoding, true)
    }

    fn refuse(self: Box<Self>, refusal: Refusal) {
        let uri = match refusal {
            Refusal::TooBusy => fault::SERVER_TOO_BUSY,
            Refusal::ShuttingDown => fault::ENDPOINT_UNAVAILABLE,
        };
        tokio::spawn(refuse(self.framed.into_inner(), uri));
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
    close_after_fault(stream).await;
}

/// Closes a connection whose last bytes (a framing fault) are written: shuts its sending side
/// down, then drains its input before the socket is closed.
async fn close_after_fault(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    drain(&mut stream).await;
}
