//! An endpoint as the host runs it, whatever its contract and service type: its sessions, and
//! the release of a singleton and of shared instances when the host closes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::dispatch::Dispatch;
use super::endpoint::Endpoint;
use super::instance::Instancing;
use super::session;
use crate::channel::{BindingSettings, DuplexChannel};

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the host needs of an endpoint, whatever its contract and service type.
pub(crate) trait EndpointRuntime: Send + Sync + 'static {
    /// Runs one session (or datagram channel) on `channel`, until it ends or `abort`.
    fn run(self: Arc<Self>, channel: DuplexChannel, abort: CancellationToken) -> BoxFuture;
    /// Releases a singleton, and the shared instances left, when the host closes.
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
            if let Instancing::Single(context) = &self.service.instancing {
                context.close(C::release).await;
            }
            if let Some(sharing) = &self.service.sharing {
                sharing.close_idle().await;
            }
        })
    }

    fn settings(&self) -> &BindingSettings {
        &self.settings
    }
}
