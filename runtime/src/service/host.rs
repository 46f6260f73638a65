//! The service host: endpoints, listeners, throttles and shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_util::task::TaskTracker;

use super::Service;
use super::dispatch::Dispatch;
use super::instance::Instancing;
use super::session::{self, Endpoint};
use crate::address::Address;
use crate::binding::{Binding, BindingSettings};
use crate::channel::Channel;
use crate::contract::SessionCompatible;
use crate::error::Error;
use crate::http::server::HttpRoute;
use crate::message::Message;
use crate::transport::memory::MemoryListener;
use crate::transport::tcp;

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
/// The answer of one call outside a session.
pub(crate) type CallFuture = Pin<Box<dyn Future<Output = Option<Message>> + Send>>;

/// Host-wide limits, with WCF 4's defaults (`ServiceThrottlingBehavior`).
#[derive(Debug, Clone)]
pub struct HostSettings {
    /// Sessions open at once (default 100 × processors); a connection past it is refused with a
    /// `ServerTooBusy` framing fault.
    pub max_concurrent_sessions: usize,
    /// Calls running at once (default 16 × processors); further calls wait their turn.
    pub max_concurrent_calls: usize,
    /// How long [`ServiceHost::shutdown`] lets sessions finish before aborting them (default 10 s).
    pub shutdown_timeout: Duration,
}

impl Default for HostSettings {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        HostSettings {
            max_concurrent_sessions: 100 * cores,
            max_concurrent_calls: 16 * cores,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// What the host needs of an endpoint, whatever its contract and service type.
pub(crate) trait SessionHandler: Send + Sync + 'static {
    /// Runs one session on `channel`.
    fn run(self: Arc<Self>, channel: Channel, abort: watch::Receiver<bool>) -> BoxFuture;
    /// Runs one call outside any session and returns its answer (`None` for one-way).
    fn call(self: Arc<Self>, message: Message) -> CallFuture;
    /// Releases a single instance when the host closes.
    fn close(self: Arc<Self>) -> BoxFuture;
    /// The binding's settings.
    fn settings(&self) -> &BindingSettings;
}

impl<C, S> SessionHandler for Endpoint<C, S>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    fn run(self: Arc<Self>, channel: Channel, abort: watch::Receiver<bool>) -> BoxFuture {
        Box::pin(session::run(self, channel, abort))
    }

    fn call(self: Arc<Self>, message: Message) -> CallFuture {
        Box::pin(session::call_once(self, message))
    }

    fn close(self: Arc<Self>) -> BoxFuture {
        Box::pin(async move {
            if let Instancing::Single(instance) = &self.service.instancing {
                session::release::<C, S>(instance.clone()).await;
            }
        })
    }

    fn settings(&self) -> &BindingSettings {
        &self.settings
    }
}

type MakeHandler = Box<dyn FnOnce(Arc<Semaphore>) -> Arc<dyn SessionHandler> + Send>;

/// Makes the HTTP route of an endpoint: from the call throttle and the host's abort signal.
type MakeHttpRoute = Box<dyn FnOnce(Arc<Semaphore>, watch::Receiver<bool>) -> HttpRoute + Send>;

struct PendingEndpoint {
    address: Result<Address, Error>,
    make: Make,
}

enum Make {
    Session(MakeHandler),
    Http(MakeHttpRoute),
}

/// Builds a [`ServiceHost`].
#[must_use]
pub struct ServiceHostBuilder {
    endpoints: Vec<PendingEndpoint>,
    settings: HostSettings,
}

impl std::fmt::Debug for ServiceHostBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceHostBuilder")
            .field("endpoints", &self.endpoints.len())
            .field("settings", &self.settings)
            .finish()
    }
}

impl ServiceHostBuilder {
    /// Adds an endpoint: `service` speaks its contract over `binding` at `address`.
    ///
    /// Fails to compile when the binding cannot carry the contract's session mode.
    pub fn endpoint<C, S, B>(mut self, service: Service<C, S>, binding: B, address: &str) -> Self
    where
        C: Dispatch<S>,
        S: Send + Sync + 'static,
        B: Binding,
        C::Session: SessionCompatible<C, B>,
    {
        let address = Address::parse(address, binding.transport());
        let settings = binding.settings().clone();
        let make = if binding.http().is_some() {
            Make::Http(Box::new(move |calls, abort| {
                crate::http::route::<C, S, B>(service, &binding, calls, abort, None)
            }))
        } else {
            Make::Session(Box::new(move |calls| {
                Arc::new(Endpoint {
                    service,
                    sessionful: B::SESSIONFUL,
                    settings,
                    calls,
                })
            }))
        };
        self.endpoints.push(PendingEndpoint { address, make });
        self
    }

    /// Sets the most sessions open at once (default 100 × processors).
    pub fn max_concurrent_sessions(mut self, sessions: usize) -> Self {
        self.settings.max_concurrent_sessions = sessions.max(1);
        self
    }

    /// Sets the most calls running at once (default 16 × processors).
    pub fn max_concurrent_calls(mut self, calls: usize) -> Self {
        self.settings.max_concurrent_calls = calls.max(1);
        self
    }

    /// Sets how long shutdown lets sessions finish (default 10 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.settings.shutdown_timeout = timeout;
        self
    }

    /// Binds every endpoint's listener and starts accepting sessions.
    pub async fn open(self) -> Result<ServiceHost, Error> {
        let (stop_tx, stop) = watch::channel(false);
        let (abort_tx, abort) = watch::channel(false);
        let shared = Arc::new(HostShared {
            sessions: Arc::new(Semaphore::new(self.settings.max_concurrent_sessions)),
            tracker: TaskTracker::new(),
            stop,
            abort,
        });
        let calls = Arc::new(Semaphore::new(self.settings.max_concurrent_calls));

        let mut tcp_groups: HashMap<TcpKey, Vec<tcp::Route>> = HashMap::new();
        let mut listings = Vec::new();
        let mut handlers = Vec::new();
        let mut memory = Vec::new();
        let mut http_groups: HashMap<TcpKey, HashMap<String, Arc<HttpRoute>>> = HashMap::new();
        for (index, endpoint) in self.endpoints.into_iter().enumerate() {
            let handler = match endpoint.make {
                Make::Session(make) => make(calls.clone()),
                Make::Http(make) => {
                    let route = make(calls.clone(), shared.abort.clone());
                    handlers.push(route.handler.clone());
                    let Address::Http { host, port, path } = endpoint.address? else {
                        return Err(Error::Communication(
                            "internal error: an HTTP endpoint without an HTTP address".into(),
                        ));
                    };
                    let key = TcpKey {
                        host,
                        port,
                        fresh: if port == 0 { index + 1 } else { 0 },
                    };
                    let address = format!("http://{}:{}{path}", key.host, key.port);
                    listings.push(Listing::Http(key.clone(), path.clone()));
                    let routes = http_groups.entry(key).or_default();
                    if routes.insert(path, Arc::new(route)).is_some() {
                        return Err(Error::InvalidAddress {
                            address,
                            reason: "two endpoints have the same HTTP address".into(),
                        });
                    }
                    continue;
                }
            };
            handlers.push(handler.clone());
            match endpoint.address? {
                Address::Tcp { host, port, path } => {
                    // Port 0 asks for a fresh port: such an endpoint gets a listener of its own.
                    let key = TcpKey {
                        host,
                        port,
                        fresh: if port == 0 { index + 1 } else { 0 },
                    };
                    listings.push(Listing::Tcp(key.clone(), path.clone()));
                    tcp_groups.entry(key).or_default().push((path, handler));
                }
                Address::Memory { name } => {
                    listings.push(Listing::Memory(name.clone()));
                    memory.push((MemoryListener::bind(&name)?, handler));
                }
                Address::Http { .. } => {
                    return Err(Error::Communication(
                        "internal error: an HTTP address for a non-HTTP binding".into(),
                    ));
                }
            }
        }

        let mut bound_ports = HashMap::new();
        for (key, routes) in tcp_groups {
            let listener = tcp::bind(&key.host, key.port).await?;
            bound_ports.insert(key, listener.local_addr()?.port());
            tokio::spawn(tcp::serve(listener, routes, shared.clone()));
        }
        for (key, routes) in http_groups {
            let listener = tcp::bind(&key.host, key.port).await?;
            bound_ports.insert(key, listener.local_addr()?.port());
            shared
                .tracker
                .spawn(crate::http::server::serve(listener, routes, shared.clone()));
        }
        for (listener, handler) in memory {
            tokio::spawn(serve_memory(listener, handler, shared.clone()));
        }

        let addresses = listings
            .into_iter()
            .map(|listing| {
                let (scheme, key, path) = match listing {
                    Listing::Tcp(key, path) => ("net.tcp", key, path),
                    Listing::Http(key, path) => ("http", key, path),
                    Listing::Memory(name) => return format!("memory://{name}"),
                };
                let port = bound_ports.get(&key).copied().unwrap_or(key.port);
                let host = if key.host.contains(':') {
                    format!("[{}]", key.host)
                } else {
                    key.host
                };
                format!("{scheme}://{host}:{port}{path}")
            })
            .collect();

        Ok(ServiceHost {
            addresses,
            handlers,
            shared,
            stop: stop_tx,
            abort: abort_tx,
            settings: self.settings,
        })
    }
}

/// Endpoints that share a TCP listener: same host and port (never for port 0).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TcpKey {
    host: String,
    port: u16,
    /// Distinguishes port-0 endpoints, which each get a fresh port.
    fresh: usize,
}

/// Where an endpoint listens, to report its address once bound.
enum Listing {
    Tcp(TcpKey, String),
    Http(TcpKey, String),
    Memory(String),
}

/// What listeners and sessions share with the host.
pub(crate) struct HostShared {
    /// The session throttle (WCF `MaxConcurrentSessions`).
    pub sessions: Arc<Semaphore>,
    /// Every running session.
    pub tracker: TaskTracker,
    /// Turns true when listeners must stop accepting.
    pub stop: watch::Receiver<bool>,
    /// Turns true when sessions must end at once.
    pub abort: watch::Receiver<bool>,
}

impl HostShared {
    /// A session slot, or `None` when the host is at its session limit.
    pub(crate) fn try_admit(&self) -> Option<OwnedSemaphorePermit> {
        self.sessions.clone().try_acquire_owned().ok()
    }

    /// Runs a session of `handler` on `channel`, holding `permit` until it ends.
    pub(crate) fn spawn_session(
        &self,
        handler: Arc<dyn SessionHandler>,
        channel: Channel,
        permit: OwnedSemaphorePermit,
    ) {
        let session = handler.run(channel, self.abort.clone());
        self.tracker.spawn(async move {
            session.await;
            drop(permit);
        });
    }
}

async fn serve_memory(
    mut listener: MemoryListener,
    handler: Arc<dyn SessionHandler>,
    shared: Arc<HostShared>,
) {
    let mut stop = shared.stop.clone();
    loop {
        let channel = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            channel = listener.accept() => channel,
        };
        let Some(channel) = channel else { return };
        match shared.try_admit() {
            Some(permit) => shared.spawn_session(handler.clone(), channel, permit),
            None => {
                channel
                    .1
                    .fault(crate::transport::tcp::framing::fault::SERVER_TOO_BUSY)
                    .await
            }
        }
    }
}

/// A running service host.
///
/// Dropping it aborts every session; [`ServiceHost::shutdown`] ends them gracefully.
pub struct ServiceHost {
    addresses: Vec<String>,
    handlers: Vec<Arc<dyn SessionHandler>>,
    shared: Arc<HostShared>,
    stop: watch::Sender<bool>,
    abort: watch::Sender<bool>,
    settings: HostSettings,
}

impl std::fmt::Debug for ServiceHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceHost")
            .field("addresses", &self.addresses)
            .field("settings", &self.settings)
            .finish()
    }
}

impl ServiceHost {
    /// Starts building a host.
    pub fn builder() -> ServiceHostBuilder {
        ServiceHostBuilder {
            endpoints: Vec::new(),
            settings: HostSettings::default(),
        }
    }

    /// The endpoints' addresses in the order they were added, with the ports actually bound.
    pub fn addresses(&self) -> &[String] {
        &self.addresses
    }

    /// The address of the first endpoint.
    pub fn address(&self) -> &str {
        self.addresses.first().map_or("", String::as_str)
    }

    /// How many sessions are open now.
    pub fn open_sessions(&self) -> usize {
        self.settings.max_concurrent_sessions - self.shared.sessions.available_permits()
    }

    /// Serves until `signal` completes, then shuts down gracefully.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        signal.await;
        self.shutdown().await;
    }

    /// Stops accepting, lets open sessions finish until the shutdown timeout, then aborts the
    /// rest and releases every instance.
    pub async fn shutdown(self) {
        let timeout = self.settings.shutdown_timeout;
        self.shutdown_within(timeout).await;
    }

    /// [`ServiceHost::shutdown`] with an explicit deadline.
    pub async fn shutdown_within(self, timeout: Duration) {
        let _ = self.stop.send(true);
        self.shared.tracker.close();
        if tokio::time::timeout(timeout, self.shared.tracker.wait())
            .await
            .is_err()
        {
            tracing::info!(
                ?timeout,
                "sessions still open at the shutdown deadline: aborting them"
            );
            let _ = self.abort.send(true);
            self.shared.tracker.wait().await;
        }
        for handler in &self.handlers {
            handler.clone().close().await;
        }
    }
}

impl Drop for ServiceHost {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        let _ = self.abort.send(true);
    }
}
