//! What a host counts for its operators: sessions open and waiting, calls in flight, instances
//! alive, and the events worth watching (faults sent, channels and calls refused, waits at a
//! throttle). [`ServiceHost::stats`](super::ServiceHost::stats) takes a snapshot, for a
//! metrics exporter to poll; the events are also traced (`tracing`, target `indigo::stats`).

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of a host's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct HostStats {
    /// Channels open now: sessions, and requests of bindings without sessions.
    pub open_sessions: usize,
    /// Channels waiting for a session slot now (under `Admission::Queue`).
    pub waiting_sessions: usize,
    /// Calls running now (holding a `max_concurrent_calls` place).
    pub calls_in_flight: usize,
    /// Instance contexts alive now (counted by `max_concurrent_instances`).
    pub instances: usize,
    /// Connections accepted and not yet admitted or refused now (net.tcp: their preamble
    /// running, or waiting for a session slot), counted by `max_pending_connections`.
    pub pending_connections: usize,
    /// Connections evicted since the host opened to admit newer ones: net.tcp's at
    /// `max_pending_connections` (the oldest that has not sent its whole preamble), HTTP's at
    /// `max_connections` (the one waiting longest for a request head, else a body).
    pub evicted_connections: u64,
    /// Faults sent since the host opened (an operation's typed fault, a refused call, …).
    pub faults: u64,
    /// Channels and calls refused since the host opened: past a limit (`ServerTooBusy`, HTTP
    /// 503), or while shutting down.
    pub refused: u64,
    /// Times a channel or call had to wait at a throttle (session slots, calls, instances).
    pub throttle_waits: u64,
}

/// The event counters, shared by a host's endpoints.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    faults: AtomicU64,
    refused: AtomicU64,
    throttle_waits: AtomicU64,
}

impl Counters {
    /// A fault went out.
    pub(crate) fn fault(&self) {
        self.faults.fetch_add(1, Ordering::Relaxed);
    }

    /// A channel or call was refused.
    pub(crate) fn refused(&self, what: &'static str) {
        self.refused.fetch_add(1, Ordering::Relaxed);
        tracing::info!(target: "indigo::stats", what, "refused");
    }

    /// A channel or call waits at a throttle.
    pub(crate) fn throttled(&self, throttle: &'static str) {
        self.throttle_waits.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(target: "indigo::stats", throttle, "waiting at a throttle");
    }

    /// The event counts, in a snapshot whose gauges the host fills in.
    pub(crate) fn snapshot(&self) -> HostStats {
        HostStats {
            faults: self.faults.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            throttle_waits: self.throttle_waits.load(Ordering::Relaxed),
            ..HostStats::default()
        }
    }
}
