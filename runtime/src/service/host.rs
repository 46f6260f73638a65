//! The service host: endpoints, their listeners, the throttles, and shutdown.
//!
//! Opening asks each endpoint's binding to listen; the host never asks which transport it is.
//! Session listeners feed the host's one accept loop; request-reply transports call the
//! endpoint's request handler themselves.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::Service;
use super::accept::{HostShared, accept_loop};
use super::admission::{Admission, Slots};
use super::dispatch::Dispatch;
use super::endpoint::Endpoint;
use super::metadata::{self, ContractMetadata, Described, EndpointWsdl};
use super::requests::Requests;
use super::runtime::EndpointRuntime;
use super::stats::{Counters, HostStats};
use crate::address::EndpointAddress;
use crate::binding::Binding;
use crate::channel::{HostControl, ListenContext, RequestEndpoint, SessionListener};
use crate::contract::SessionCompatible;
use crate::error::Error;
use crate::message::SharedStr;

/// How long a shutdown past its deadline waits for aborted work to end before it returns.
const ABORT_GRACE: Duration = Duration::from_millis(100);

/// Host-wide limits, with WCF 4's defaults (`ServiceThrottlingBehavior`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HostSettings {
    /// Channels open at once (default 100 × processors): sessions, and requests of bindings
    /// without sessions. What happens past it is the [`Admission`] policy.
    pub max_concurrent_sessions: usize,
    /// Calls running at once (default 16 × processors); further calls wait their turn.
    pub max_concurrent_calls: usize,
    /// Instance contexts alive at once (default `None`: sessions + calls, as WCF's
    /// `MaxConcurrentInstances`): one per session of a per-session service, one per call of a
    /// per-call service, one per shared key; a singleton is not counted. A call that needs one
    /// more waits, in arrival order, for at most its binding's send timeout, then gets a
    /// `ServerTooBusy` fault; under [`Admission::Refuse`] it gets the fault at once.
    pub max_concurrent_instances: Option<usize>,
    /// What a channel past `max_concurrent_sessions` gets (default [`Admission::Queue`]).
    pub admission: Admission,
    /// How long [`ServiceHost::shutdown`] lets sessions finish before aborting them (default 10 s).
    pub shutdown_timeout: Duration,
}

impl Default for HostSettings {
    fn default() -> Self {
        let cores = crate::channel::processors();
        HostSettings {
            max_concurrent_sessions: 100 * cores,
            max_concurrent_calls: 16 * cores,
            max_concurrent_instances: None,
            admission: Admission::default(),
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

impl HostSettings {
    /// The instance contexts alive at once: as set, or sessions + calls.
    pub(crate) fn instances(&self) -> usize {
        self.max_concurrent_instances
            .unwrap_or(
                self.max_concurrent_sessions
                    .saturating_add(self.max_concurrent_calls),
            )
            .max(1)
    }
}

/// An endpoint once it listens.
struct Opened {
    address: String,
    sessions: Option<Box<dyn SessionListener>>,
    runtime: Arc<dyn EndpointRuntime>,
    /// What the host's metadata says of it; `None` when its binding has no description.
    described: Option<Described>,
}

/// Opens one endpoint in the host's listen context.
type OpenEndpoint =
    Box<dyn FnOnce(&mut ListenContext, &Arc<HostShared>) -> Result<Opened, Error> + Send>;

/// Builds a [`ServiceHost`].
#[must_use]
pub struct ServiceHostBuilder {
    endpoints: Vec<OpenEndpoint>,
    settings: HostSettings,
    /// Where the host publishes its endpoints' WSDL over HTTP.
    metadata_url: Option<String>,
}

impl std::fmt::Debug for ServiceHostBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceHostBuilder")
            .field("endpoints", &self.endpoints.len())
            .field("settings", &self.settings)
            .field("metadata_url", &self.metadata_url)
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
        let address = EndpointAddress::parse(address);
        self.endpoints.push(Box::new(move |context, host| {
            let address = address?;
            let endpoint = Arc::new(Endpoint::new(
                service,
                binding.settings().clone(),
                host.calls.clone(),
                host.instances.clone(),
                host.slots.policy(),
                host.counters.clone(),
            ));
            let contract = ContractMetadata::of::<C, S>();
            let description = binding.description();
            let requests = RequestEndpoint {
                handler: Requests {
                    endpoint: endpoint.clone(),
                    slots: host.slots.clone(),
                    abort: host.control.abort.clone(),
                    cleanups: host.control.tracker.clone(),
                },
                metadata: EndpointWsdl::of(contract.clone(), description.clone()),
            };
            let listening = binding.listen(&address, context, requests)?;
            let _ = endpoint
                .address
                .set(SharedStr::from(listening.address.clone()));
            let described = description.map(|binding| Described {
                contract,
                binding,
                address: listening.address.clone(),
            });
            Ok(Opened {
                address: listening.address,
                sessions: listening.sessions,
                runtime: endpoint,
                described,
            })
        }));
        self
    }

    /// Publishes the WSDL of the host's endpoints at `url`: `GET {url}?wsdl`, served by the
    /// host on that HTTP address (port 0 picks a free port, reported by
    /// [`ServiceHost::metadata_address`]). This is WCF's `ServiceMetadataBehavior` with
    /// `HttpGetEnabled = true` and `HttpGetUrl = url`, and the way to describe net.tcp endpoints,
    /// which have no HTTP address of their own.
    ///
    /// The document has one port per endpoint whose binding can be described (not the in-memory
    /// bindings), each with its binding's policy and its address as bound; a host bound to every
    /// interface (`0.0.0.0`) is named as the client named the metadata address. Those endpoints
    /// must share one contract: opening fails otherwise, or when no endpoint can be described.
    /// An HTTP endpoint's own `?wsdl` (`BasicHttpBinding::new().metadata(true)`) is independent of
    /// this.
    pub fn metadata_http(mut self, url: &str) -> Self {
        self.metadata_url = Some(url.to_owned());
        self
    }

    /// Sets the most channels open at once (default 100 × processors).
    pub fn max_concurrent_sessions(mut self, sessions: usize) -> Self {
        self.settings.max_concurrent_sessions = sessions.max(1);
        self
    }

    /// Sets the most calls running at once (default 16 × processors).
    pub fn max_concurrent_calls(mut self, calls: usize) -> Self {
        self.settings.max_concurrent_calls = calls.max(1);
        self
    }

    /// Sets the most instance contexts alive at once (default sessions + calls); see
    /// [`HostSettings::max_concurrent_instances`].
    pub fn max_concurrent_instances(mut self, instances: usize) -> Self {
        self.settings.max_concurrent_instances = Some(instances.max(1));
        self
    }

    /// Sets what a channel past the session limit gets (default [`Admission::Queue`]).
    pub fn admission(mut self, admission: Admission) -> Self {
        self.settings.admission = admission;
        self
    }

    /// Sets how long shutdown lets sessions finish (default 10 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.settings.shutdown_timeout = timeout;
        self
    }

    /// Binds every endpoint's listener and starts accepting.
    pub async fn open(self) -> Result<ServiceHost, Error> {
        let control = HostControl::default();
        let counters = Arc::new(Counters::default());
        let shared = Arc::new(HostShared {
            slots: Arc::new(Slots::new(
                self.settings.max_concurrent_sessions,
                self.settings.admission,
                control.stop.clone(),
                counters.clone(),
            )),
            calls: Arc::new(Semaphore::new(self.settings.max_concurrent_calls)),
            instances: Arc::new(Semaphore::new(self.settings.instances())),
            counters,
            control: control.clone(),
        });
        // If opening fails half-way, dropping the context closes what was bound.
        let mut context = ListenContext::new();
        let mut opened = Vec::with_capacity(self.endpoints.len());
        for open in self.endpoints {
            opened.push(open(&mut context, &shared)?);
        }
        let metadata_address = match &self.metadata_url {
            Some(url) => {
                let described = opened
                    .iter_mut()
                    .filter_map(|e| e.described.take())
                    .collect();
                Some(metadata::publish(url, described, &mut context)?)
            }
            None => None,
        };
        context.start(&control);
        let mut addresses = Vec::with_capacity(opened.len());
        let mut runtimes = Vec::with_capacity(opened.len());
        for endpoint in opened {
            if let Some(listener) = endpoint.sessions {
                // Tracked: shutdown returns once every listener is closed.
                control.tracker.spawn(accept_loop(
                    listener,
                    endpoint.runtime.clone(),
                    shared.clone(),
                    endpoint.address.clone(),
                ));
            }
            addresses.push(endpoint.address);
            runtimes.push(endpoint.runtime);
        }
        Ok(ServiceHost {
            addresses,
            metadata_address,
            runtimes,
            shared,
            settings: self.settings,
        })
    }
}

/// A running service host.
///
/// Dropping it aborts every session; [`ServiceHost::shutdown`] ends them gracefully.
pub struct ServiceHost {
    addresses: Vec<String>,
    metadata_address: Option<String>,
    runtimes: Vec<Arc<dyn EndpointRuntime>>,
    shared: Arc<HostShared>,
    settings: HostSettings,
}

impl std::fmt::Debug for ServiceHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceHost")
            .field("addresses", &self.addresses)
            .field("metadata_address", &self.metadata_address)
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
            metadata_url: None,
        }
    }

    /// The endpoints' addresses in the order they were added, with the ports actually bound.
    pub fn addresses(&self) -> &[String] {
        &self.addresses
    }

    /// Where the host publishes its WSDL ([`ServiceHostBuilder::metadata_http`]), with the port
    /// actually bound: `GET {metadata_address}?wsdl`.
    pub fn metadata_address(&self) -> Option<&str> {
        self.metadata_address.as_deref()
    }

    /// The address of the first endpoint.
    pub fn address(&self) -> &str {
        self.addresses.first().map_or("", String::as_str)
    }

    /// How many channels are open now (sessions, and requests of bindings without sessions).
    pub fn open_sessions(&self) -> usize {
        self.shared
            .slots
            .taken(self.settings.max_concurrent_sessions)
    }

    /// How many channels wait for a free slot now (under [`Admission::Queue`]).
    pub fn waiting_sessions(&self) -> usize {
        self.shared.slots.waiting()
    }

    /// A snapshot of the host's counters, for an operator's metrics: sessions, calls and
    /// instances now, faults, refusals and throttle waits so far (see [`HostStats`]).
    pub fn stats(&self) -> HostStats {
        let settings = &self.settings;
        let in_use = |max: usize, semaphore: &Semaphore| max - semaphore.available_permits();
        HostStats {
            open_sessions: self.open_sessions(),
            waiting_sessions: self.waiting_sessions(),
            calls_in_flight: in_use(settings.max_concurrent_calls, &self.shared.calls),
            instances: in_use(settings.instances(), &self.shared.instances),
            pending_connections: self.shared.control.connections.pending(),
            evicted_connections: self.shared.control.connections.evicted(),
            ..self.shared.counters.snapshot()
        }
    }

    /// Serves until `signal` completes, then shuts down gracefully.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        signal.await;
        self.shutdown().await;
    }

    /// Stops accepting, lets open sessions finish until the shutdown timeout, then aborts the
    /// rest and releases every instance. Aborted sessions cancel their calls in flight (dropped
    /// where their instance is their own or they are `cancel_safe`, left to finish with their
    /// replies discarded on a singleton or shared instance), so it returns at the deadline.
    pub async fn shutdown(self) {
        let timeout = self.settings.shutdown_timeout;
        self.shutdown_within(timeout).await;
    }

    /// [`ServiceHost::shutdown`] with an explicit deadline.
    pub async fn shutdown_within(self, timeout: Duration) {
        let control = &self.shared.control;
        let deadline = crate::deadline::from_now(timeout);
        control.stop.cancel();
        control.tracker.close();
        let finished = tokio::time::timeout_at(deadline, control.tracker.wait()).await;
        if finished.is_err() {
            tracing::info!(
                ?timeout,
                "sessions still open at the shutdown deadline: aborting them"
            );
            control.abort.cancel();
            // Aborted work ends at its next await; what does not (a release waiting for a call
            // left to finish) goes on in the background.
            let _ = tokio::time::timeout(ABORT_GRACE, control.tracker.wait()).await;
        }
        for runtime in &self.runtimes {
            let mut close = runtime.clone().close();
            // A singleton a call left to finish still holds is released once that call lets
            // go of it, in the background past the deadline.
            if tokio::time::timeout_at(deadline, &mut close).await.is_err() {
                tokio::spawn(close);
            }
        }
    }
}

impl Drop for ServiceHost {
    fn drop(&mut self) {
        self.shared.control.stop.cancel();
        self.shared.control.abort.cancel();
    }
}
