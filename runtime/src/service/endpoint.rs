//! An endpoint as the host runs it: the sessions its listener yields, and the requests its
//! request-reply transport pushes, both into the same call path.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::Service;
use super::admission::Slots;
use super::call::{call_once, release};
use super::dispatch::Dispatch;
use super::instance::Instancing;
use super::session;
use super::wsdl::ServiceMetadata;
use crate::channel::{
    BindingSettings, ChannelError, DuplexChannel, EndpointMetadata, Refusal, RequestHandler,
};
use crate::encoding::text::MessageVersion;
use crate::message::Message;

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What one endpoint's sessions and calls share.
pub(crate) struct Endpoint<C, S> {
    pub service: Service<C, S>,
    pub settings: BindingSettings,
    /// The host's call throttle (WCF `MaxConcurrentCalls`).
    pub calls: Arc<Semaphore>,
}

/// What the host needs of an endpoint, whatever its contract and service type.
pub(crate) trait EndpointRuntime: Send + Sync + 'static {
    /// Runs one session (or datagram channel) on `channel`, until it ends or `abort`.
    fn run(self: Arc<Self>, channel: DuplexChannel, abort: CancellationToken) -> BoxFuture;
    /// Releases a single instance when the host closes.
    fn close(self: Arc<Self>) -> BoxFuture;
    /// The binding's settings.
    fn settings(&self) -> &BindingSettings;
}

impl<C, S> EndpointRuntime for Endpoint<C, S>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    fn run(self: Arc<Self>, channel: DuplexChannel, abort: CancellationToken) -> BoxFuture {
        Box::pin(session::run(self, channel, abort))
    }

    fn close(self: Arc<Self>) -> BoxFuture {
        Box::pin(async move {
            if let Instancing::Single(instance) = &self.service.instancing {
                release::<C, S>(instance.clone()).await;
            }
        })
    }

    fn settings(&self) -> &BindingSettings {
        &self.settings
    }
}

/// The endpoint's answer to the requests of a request-reply transport: each is admitted as a
/// channel of one exchange, then runs as a call outside any session.
pub(crate) struct Requests<C, S> {
    pub endpoint: Arc<Endpoint<C, S>>,
    pub slots: Arc<Slots>,
    /// Cancelled when the host drops what is in progress.
    pub abort: CancellationToken,
}

impl<C, S> RequestHandler for Requests<C, S>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    async fn handle(&self, request: Message) -> Result<Option<Message>, ChannelError> {
        let _slot = self
            .slots
            .admit(self.endpoint.settings.open_timeout)
            .await
            .map_err(ChannelError::Refused)?;
        // On abort the call is dropped where it stands, and a per-call instance with it, without
        // its `on_release` hook (which would have to wait for the call to let go of it).
        tokio::select! {
            answer = call_once(&self.endpoint, request) => Ok(answer),
            () = self.abort.cancelled() => Err(ChannelError::Refused(Refusal::ShuttingDown)),
        }
    }
}

/// An endpoint's metadata, traced from its contract the first time it is asked for.
pub(crate) struct LazyMetadata<C, S> {
    metadata: OnceLock<ServiceMetadata>,
    contract: std::marker::PhantomData<fn() -> (C, S)>,
}

impl<C, S> LazyMetadata<C, S> {
    pub(crate) fn new() -> Self {
        LazyMetadata {
            metadata: OnceLock::new(),
            contract: std::marker::PhantomData,
        }
    }
}

impl<C, S> EndpointMetadata for LazyMetadata<C, S>
where
    C: Dispatch<S>,
    S: 'static,
{
    fn wsdl(&self, location: &str, version: MessageVersion) -> String {
        self.metadata
            .get_or_init(ServiceMetadata::of::<C, S>)
            .wsdl(location, version)
    }
}
