//! What one endpoint's sessions and calls share: its service, its binding's settings, its
//! address, and the host's throttles for calls and instance contexts.

use std::sync::{Arc, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Service;
use super::admission::Admission;
use super::faults;
use super::instance::{Factory, InstanceContext};
use super::stats::Counters;
use crate::channel::BindingSettings;
use crate::message::{Fault, SharedStr};

/// What one endpoint's sessions and calls share.
pub(crate) struct Endpoint<C, S> {
    pub service: Service<C, S>,
    pub settings: BindingSettings,
    /// The address the endpoint listens on, known once it does.
    pub address: OnceLock<SharedStr>,
    /// The host's call throttle (WCF `MaxConcurrentCalls`).
    pub calls: Arc<Semaphore>,
    /// The host's instance throttle (WCF `MaxConcurrentInstances`).
    pub instances: Arc<Semaphore>,
    /// What a new instance context gets when the instance throttle is full.
    pub admission: Admission,
    /// The host's event counters.
    pub counters: Arc<Counters>,
}

impl<C, S: Send + Sync + 'static> Endpoint<C, S> {
    /// An endpoint of `service` over a binding with `settings`, under the host's throttles.
    pub(crate) fn new(
        service: Service<C, S>,
        settings: BindingSettings,
        calls: Arc<Semaphore>,
        instances: Arc<Semaphore>,
        admission: Admission,
        counters: Arc<Counters>,
    ) -> Self {
        Endpoint {
            service,
            settings,
            address: OnceLock::new(),
            calls,
            instances,
            admission,
            counters,
        }
    }

    /// The address, for the calls' contexts (empty until known: an endpoint mounted in a
    /// router of the user's does not know its own).
    pub(crate) fn address(&self) -> SharedStr {
        self.address.get().cloned().unwrap_or_default()
    }

    /// A new, empty instance context built by `factory`, once the instance throttle lets one
    /// more live: at once, or after waiting in arrival order as WCF queues it, for at most the
    /// binding's send timeout (the time its client gives the call); then, or at once under
    /// [`Admission::Refuse`], a `ServerTooBusy` fault.
    pub(crate) async fn new_context(
        &self,
        factory: &Factory<S>,
    ) -> Result<InstanceContext<S>, Fault> {
        let permit = self.instance_permit().await?;
        Ok(InstanceContext::new(factory.clone(), Some(permit)))
    }

    async fn instance_permit(&self) -> Result<OwnedSemaphorePermit, Fault> {
        if let Ok(permit) = self.instances.clone().try_acquire_owned() {
            return Ok(permit);
        }
        // Boxed: the wait (a timer and a place in the queue) would otherwise be part of every
        // session's state, idle or not.
        let permit = Box::pin(self.wait_for_permit()).await;
        if permit.is_err() {
            self.counters.refused("instance");
        }
        permit
    }

    async fn wait_for_permit(&self) -> Result<OwnedSemaphorePermit, Fault> {
        let wait = self.settings.send_timeout;
        if self.admission == Admission::Refuse {
            return Err(faults::too_many_instances(None));
        }
        self.counters.throttled("instances");
        match tokio::time::timeout(wait, self.instances.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(faults::internal(
                "the host stopped admitting calls; the call was not run".into(),
            )),
            Err(_) => Err(faults::too_many_instances(Some(wait))),
        }
    }
}
