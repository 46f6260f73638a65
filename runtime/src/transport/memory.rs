//! An in-process transport for fast tests and embedding: addresses `memory://name`, channels
//! are [`pipe`]s.
//!
//! Messages travel without being encoded, so it measures the runtime, not the wire. A client's
//! connection waits for the host to admit it, as a net.tcp connection waits for its
//! PreambleAck.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use tokio::sync::{mpsc, oneshot};

use crate::address::EndpointAddress;
use crate::channel::{
    ChannelError, DuplexChannel, Incoming, Listening, PIPE_CAPACITY, Refusal, SessionId,
    SessionListener, pipe,
};
use crate::error::Error;
use crate::transport::tcp::framing::fault;

/// A client's request to open a channel, as the host's listener receives it.
struct Request {
    channel: DuplexChannel,
    answer: oneshot::Sender<Result<(), ChannelError>>,
}

type Registry = Mutex<HashMap<String, mpsc::Sender<Request>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

fn registry_lock() -> std::sync::MutexGuard<'static, HashMap<String, mpsc::Sender<Request>>> {
    registry()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Two channels joined back to back; with `sessionful`, each carries a session of its own.
pub fn channel_pair(sessionful: bool) -> (DuplexChannel, DuplexChannel) {
    let (to_server, from_client) = pipe(PIPE_CAPACITY);
    let (to_client, from_server) = pipe(PIPE_CAPACITY);
    let session = || sessionful.then(SessionId::unique);
    let client = DuplexChannel::new(Box::new(from_server), Arc::new(to_server), session());
    let server = DuplexChannel::new(Box::new(from_client), Arc::new(to_client), session());
    (client, server)
}

/// Connects to the listener at `address` (`memory://name`) and waits for the host to admit the
/// channel.
pub async fn connect(address: &EndpointAddress, sessionful: bool) -> Result<DuplexChannel, Error> {
    address.expect_scheme("memory", "memory://name")?;
    let name = address.rest();
    let listener = registry_lock().get(name).cloned();
    let Some(listener) = listener else {
        return Err(Error::Communication(format!(
            "no host listens on memory://{name}"
        )));
    };
    let (client, server) = channel_pair(sessionful);
    let (answer, answered) = oneshot::channel();
    let closed = || Error::Communication(format!("the host at memory://{name} has closed"));
    listener
        .send(Request {
            channel: server,
            answer,
        })
        .await
        .map_err(|_| closed())?;
    match answered.await {
        Ok(Ok(())) => Ok(client),
        Ok(Err(error)) => Err(error.into()),
        Err(_) => Err(closed()),
    }
}

/// Listens at `address` (`memory://name`); fails when another listener has the name.
pub fn listen(address: &EndpointAddress, sessionful: bool) -> Result<Listening, Error> {
    address.expect_scheme("memory", "memory://name")?;
    let name = address.rest().to_owned();
    let mut listeners = registry_lock();
    if listeners.get(&name).is_some_and(|tx| !tx.is_closed()) {
        return Err(address.invalid("another host already listens on it"));
    }
    let (tx, incoming) = mpsc::channel(64);
    listeners.insert(name.clone(), tx);
    Ok(Listening {
        address: address.as_str().to_owned(),
        sessions: Some(Box::new(MemoryListener {
            name,
            incoming,
            sessionful,
        })),
    })
}

/// The listener of one name.
struct MemoryListener {
    name: String,
    incoming: mpsc::Receiver<Request>,
    sessionful: bool,
}

impl SessionListener for MemoryListener {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Option<Box<dyn Incoming>>> {
        self.incoming.poll_recv(cx).map(|request| {
            request.map(|mut request| {
                if !self.sessionful {
                    // A datagram listener: the host sees a channel without a session.
                    let (input, output, _) = request.channel.into_parts();
                    request.channel = DuplexChannel::new(input, output, None);
                }
                Box::new(request) as Box<dyn Incoming>
            })
        })
    }
}

impl Drop for MemoryListener {
    fn drop(&mut self) {
        self.incoming.close();
        let mut listeners = registry_lock();
        if listeners.get(&self.name).is_some_and(|tx| tx.is_closed()) {
            listeners.remove(&self.name);
        }
    }
}

impl Incoming for Request {
    fn accept(self: Box<Self>) -> Result<DuplexChannel, ChannelError> {
        self.answer
            .send(Ok(()))
            .map_err(|_| ChannelError::lost("the client gave up waiting"))?;
        Ok(self.channel)
    }

    fn refuse(self: Box<Self>, refusal: Refusal) {
        // Answered with net.tcp's framing faults, so that a client sees a refusal the same way
        // over either transport.
        let uri = match refusal {
            Refusal::TooBusy => fault::SERVER_TOO_BUSY,
            Refusal::ShuttingDown => fault::ENDPOINT_UNAVAILABLE,
        };
        let _ = self.answer.send(Err(ChannelError::Faulted(uri.into())));
    }
}
