//! Admission: whether a new channel (a session, or one request without a session) may start
//! now, must wait for a slot, or is refused — the host's `max_concurrent_sessions` throttle.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::stats::Counters;
use crate::channel::Refusal;

/// What the host does with a channel that arrives when `max_concurrent_sessions` are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Admission {
    /// The channel waits, unanswered, until a slot frees (as WCF queues it), bounded by the
    /// binding's open timeout on the service and by the client's own; then it is refused.
    /// Waiting connections count against the transport's pending-connection limit. A call that
    /// needs an instance context past `max_concurrent_instances` waits likewise, bounded by the
    /// binding's send timeout.
    #[default]
    Queue,
    /// The channel is refused at once in the transport's words: a `ServerTooBusy` framing
    /// fault on net.tcp, `503 Service Unavailable` over HTTP. Likewise a call that needs an
    /// instance context past `max_concurrent_instances` gets a `ServerTooBusy` fault at once.
    Refuse,
}

/// The session slots of a host and its admission policy.
#[derive(Debug)]
pub(crate) struct Slots {
    sessions: Arc<Semaphore>,
    policy: Admission,
    /// Cancelled when the host stops accepting.
    stop: CancellationToken,
    /// Channels waiting for a slot now.
    waiting: AtomicUsize,
    /// The host's event counters.
    counters: Arc<Counters>,
}

/// Counts a channel as waiting while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Slots {
    pub(crate) fn new(
        sessions: usize,
        policy: Admission,
        stop: CancellationToken,
        counters: Arc<Counters>,
    ) -> Self {
        Slots {
            sessions: Arc::new(Semaphore::new(sessions)),
            policy,
            stop,
            waiting: AtomicUsize::new(0),
            counters,
        }
    }

    /// Counts a channel refused by its caller (the accept loop's `Refuse` policy).
    pub(crate) fn note_refused(&self) {
        self.counters.refused("session");
    }

    /// How many channels wait for a slot now.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// A slot if one is free now.
    pub(crate) fn try_admit(&self) -> Option<OwnedSemaphorePermit> {
        self.sessions.clone().try_acquire_owned().ok()
    }

    /// The policy for channels that find no free slot.
    pub(crate) fn policy(&self) -> Admission {
        self.policy
    }

    /// A slot now, or (under [`Admission::Queue`]) once one frees within `wait`; otherwise the
    /// refusal to answer with.
    pub(crate) async fn admit(&self, wait: Duration) -> Result<OwnedSemaphorePermit, Refusal> {
        if let Some(slot) = self.try_admit() {
            return Ok(slot);
        }
        let admitted = self.wait_for_slot(wait).await;
        if admitted.is_err() {
            self.counters.refused("session");
        }
        admitted
    }

    async fn wait_for_slot(&self, wait: Duration) -> Result<OwnedSemaphorePermit, Refusal> {
        if self.stop.is_cancelled() {
            return Err(Refusal::ShuttingDown);
        }
        if self.policy == Admission::Refuse {
            return Err(Refusal::TooBusy);
        }
        self.counters.throttled("sessions");
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let _waiting = Waiting(&self.waiting);
        tokio::select! {
            slot = tokio::time::timeout(wait, self.sessions.clone().acquire_owned()) => match slot {
                Ok(Ok(slot)) => Ok(slot),
                Ok(Err(_)) => Err(Refusal::ShuttingDown),
                Err(_) => Err(Refusal::TooBusy),
            },
            () = self.stop.cancelled() => Err(Refusal::ShuttingDown),
        }
    }

    /// How many slots are taken.
    pub(crate) fn taken(&self, max: usize) -> usize {
        max - self.sessions.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_queued_channel_gets_the_next_free_slot_or_is_refused_after_its_wait() {
        let counters = Arc::new(Counters::default());
        let slots = Slots::new(
            1,
            Admission::Queue,
            CancellationToken::new(),
            counters.clone(),
        );
        let slots = Arc::new(slots);
        let first = slots.admit(Duration::from_secs(1)).await.unwrap();
        let waiting = tokio::spawn({
            let slots = slots.clone();
            async move { slots.admit(Duration::from_secs(5)).await.map(drop) }
        });
        tokio::time::sleep(Duration::from_secs(2)).await;
        drop(first);
        assert_eq!(waiting.await.unwrap(), Ok(()));

        let _held = slots.admit(Duration::from_secs(1)).await.unwrap();
        let start = tokio::time::Instant::now();
        assert_eq!(
            slots.admit(Duration::from_secs(3)).await.map(drop),
            Err(Refusal::TooBusy)
        );
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        let stats = counters.snapshot();
        assert_eq!((stats.throttle_waits, stats.refused), (2, 1));
    }

    #[tokio::test]
    async fn the_refuse_policy_refuses_at_once_and_a_stopped_host_refuses_as_shutting_down() {
        let stop = CancellationToken::new();
        let counters = Arc::new(Counters::default());
        let slots = Slots::new(1, Admission::Refuse, stop.clone(), counters.clone());
        let _held = slots.try_admit().unwrap();
        assert_eq!(
            slots.admit(Duration::from_secs(3600)).await.map(drop),
            Err(Refusal::TooBusy)
        );
        stop.cancel();
        assert_eq!(
            slots.admit(Duration::from_secs(3600)).await.map(drop),
            Err(Refusal::ShuttingDown)
        );
        let stats = counters.snapshot();
        assert_eq!((stats.throttle_waits, stats.refused), (0, 2));
    }
}
