//! What one endpoint's sessions and calls share: its service, its binding's settings, and the
//! host's call throttle.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::Service;
use crate::channel::BindingSettings;

/// What one endpoint's sessions and calls share.
pub(crate) struct Endpoint<C, S> {
    pub service: Service<C, S>,
    pub settings: BindingSettings,
    /// The host's call throttle (WCF `MaxConcurrentCalls`).
    pub calls: Arc<Semaphore>,
}
