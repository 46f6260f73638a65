//! The host's one accept loop, run for every session listener whatever its transport: admission
//! (a slot now, a wait in the queue, or a refusal), then a session task the host tracks.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::Instrument;

use super::admission::{Admission, Slots};
use super::runtime::EndpointRuntime;
use super::stats::Counters;
use crate::channel::{AcceptExt, HostControl, Incoming, Refusal, SessionListener};

/// What every accept loop and session shares with its host.
pub(crate) struct HostShared {
    /// The session slots (WCF `MaxConcurrentSessions`) and the admission policy.
    pub slots: Arc<Slots>,
    /// The call throttle (WCF `MaxConcurrentCalls`).
    pub calls: Arc<Semaphore>,
    /// The instance throttle (WCF `MaxConcurrentInstances`).
    pub instances: Arc<Semaphore>,
    /// The host's event counters.
    pub counters: Arc<Counters>,
    /// When to stop, when to abort, and the tasks shutdown waits for.
    pub control: HostControl,
}

impl HostShared {
    /// Accepts `incoming` and runs its session on `runtime`, holding `slot` until it ends.
    fn start(
        &self,
        runtime: &Arc<dyn EndpointRuntime>,
        incoming: Box<dyn Incoming>,
        slot: OwnedSemaphorePermit,
    ) {
        let channel = match incoming.accept() {
            Ok(channel) => channel,
            Err(error) => {
                tracing::debug!(%error, "an admitted channel could not start");
                return;
            }
        };
        let session = runtime.clone().run(channel, self.control.abort.clone());
        self.control.tracker.spawn(async move {
            session.await;
            drop(slot);
        });
    }
}

/// Accepts the channels of `listener` until the host stops, and runs their sessions.
pub(crate) async fn accept_loop(
    mut listener: Box<dyn SessionListener>,
    runtime: Arc<dyn EndpointRuntime>,
    host: Arc<HostShared>,
    address: String,
) {
    let span = tracing::debug_span!("listener", %address);
    async move {
        loop {
            let incoming = tokio::select! {
                biased;
                () = host.control.stop.cancelled() => return,
                incoming = listener.accept() => incoming,
            };
            let Some(incoming) = incoming else { return };
            match host.slots.try_admit() {
                Some(slot) => host.start(&runtime, incoming, slot),
                None if host.slots.policy() == Admission::Refuse => {
                    tracing::debug!("at the session limit: refusing a channel");
                    host.slots.note_refused();
                    incoming.refuse(Refusal::TooBusy);
                }
                None => {
                    tracing::debug!("at the session limit: a channel waits for a slot");
                    let queued = queue(incoming, runtime.clone(), host.clone());
                    host.control.tracker.spawn(queued);
                }
            }
        }
    }
    .instrument(span)
    .await;
}

/// Keeps `incoming` waiting for a slot, unanswered, as long as the binding's open timeout.
async fn queue(
    incoming: Box<dyn Incoming>,
    runtime: Arc<dyn EndpointRuntime>,
    host: Arc<HostShared>,
) {
    match host.slots.admit(runtime.settings().open_timeout).await {
        Ok(slot) => host.start(&runtime, incoming, slot),
        Err(refusal) => {
            tracing::debug!(%refusal, "a queued channel is refused");
            incoming.refuse(refusal);
        }
    }
}
