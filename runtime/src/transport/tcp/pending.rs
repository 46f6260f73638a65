//! The connections a port has accepted but the host has not yet admitted or refused, and the
//! limit on them (`max_pending_connections`).
//!
//! A full set does not lock the port: a new connection evicts the oldest pending connection that
//! has not yet sent its whole preamble, so silent sockets cannot keep real clients out. Only when
//! every pending connection has completed its preamble (and waits for a session slot) does the
//! acceptor stop accepting, leaving new connections to the kernel's listen backlog.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::channel::ConnectionCounters;

/// The pending connections of one port, oldest first.
#[derive(Debug)]
pub(super) struct PendingSet {
    capacity: usize,
    state: Mutex<State>,
    /// The host's counts of pending and evicted connections.
    counters: ConnectionCounters,
    /// Signalled when a connection leaves the set.
    freed: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// Ids grow with accept time, so the map's order is the accept order.
    next_id: u64,
    entries: BTreeMap<u64, Entry>,
}

#[derive(Debug)]
struct Entry {
    evict: CancellationToken,
    preamble_done: bool,
}

impl State {
    fn oldest_in_preamble(&self) -> Option<u64> {
        self.entries
            .iter()
            .find(|(_, entry)| !entry.preamble_done)
            .map(|(id, _)| *id)
    }

    fn has_room(&self, capacity: usize) -> bool {
        self.entries.len() < capacity || self.oldest_in_preamble().is_some()
    }
}

impl PendingSet {
    /// A set holding at most `capacity` connections (at least one), counted in `counters`.
    pub(super) fn new(capacity: usize, counters: ConnectionCounters) -> Arc<Self> {
        Arc::new(PendingSet {
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
            counters,
            freed: Notify::new(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until a new connection would find a place: a free one, or one it may take from a
    /// connection still in its preamble.
    pub(super) async fn room(&self) {
        while !self.state().has_room(self.capacity) {
            self.freed.notified().await;
        }
    }

    /// Adds a newly accepted connection, once it finds a place (see [`PendingSet::room`]). When
    /// the set is full, the oldest connection still in its preamble is evicted: its
    /// [`Pending::evicted`] completes.
    pub(super) async fn insert(self: &Arc<Self>) -> Pending {
        loop {
            if let Some(pending) = self.try_insert() {
                return pending;
            }
            self.freed.notified().await;
        }
    }

    fn try_insert(self: &Arc<Self>) -> Option<Pending> {
        let mut state = self.state();
        if state.entries.len() >= self.capacity {
            let oldest = state.oldest_in_preamble()?;
            if let Some(evicted) = state.entries.remove(&oldest) {
                tracing::debug!(
                    pending = self.capacity,
                    "the pending connections are full: evicting the oldest one still in its preamble"
                );
                evicted.evict.cancel();
                self.counters.pending_removed();
                self.counters.evicted_one();
            }
        }
        self.counters.pending_added();
        let id = state.next_id;
        state.next_id += 1;
        let evict = CancellationToken::new();
        state.entries.insert(
            id,
            Entry {
                evict: evict.clone(),
                preamble_done: false,
            },
        );
        Some(Pending {
            set: self.clone(),
            id,
            evict,
        })
    }

    /// How many connections are pending now.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.state().entries.len()
    }
}

/// A connection's place in its port's [`PendingSet`], given back when dropped.
#[derive(Debug)]
pub(super) struct Pending {
    set: Arc<PendingSet>,
    id: u64,
    evict: CancellationToken,
}

impl Pending {
    /// Completes when a newer connection has taken this one's place.
    pub(super) async fn evicted(&self) {
        self.evict.cancelled().await;
    }

    /// Marks the preamble complete, which protects the connection from eviction. `false` if it
    /// was evicted first.
    pub(super) fn preamble_done(&self) -> bool {
        match self.set.state().entries.get_mut(&self.id) {
            Some(entry) => {
                entry.preamble_done = true;
                true
            }
            None => false,
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.set.state().entries.remove(&self.id).is_some() {
            self.set.counters.pending_removed();
            self.set.freed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn is_evicted(pending: &Pending) -> bool {
        pending.evict.is_cancelled()
    }

    #[tokio::test]
    async fn a_full_set_evicts_its_oldest_connection_still_in_its_preamble() {
        let counters = ConnectionCounters::default();
        let set = PendingSet::new(3, counters.clone());
        let first = set.insert().await;
        let second = set.insert().await;
        let third = set.insert().await;
        assert!(first.preamble_done());
        let fourth = set.insert().await;
        assert!(!is_evicted(&first), "a connection past its preamble stays");
        assert!(is_evicted(&second), "the oldest one in its preamble goes");
        assert!(!is_evicted(&third));
        assert!(
            !second.preamble_done(),
            "an evicted connection cannot complete"
        );
        assert_eq!(set.len(), 3);
        let fifth = set.insert().await;
        assert!(is_evicted(&third));
        assert!(!is_evicted(&fourth) && !is_evicted(&fifth));
        assert_eq!((counters.pending(), counters.evicted()), (3, 2));
        tokio::time::timeout(Duration::from_secs(1), second.evicted())
            .await
            .expect("eviction is signalled");
    }

    #[tokio::test(start_paused = true)]
    async fn a_set_full_of_connections_past_their_preamble_has_no_room_until_one_leaves() {
        let set = PendingSet::new(2, ConnectionCounters::default());
        let first = set.insert().await;
        let second = set.insert().await;
        assert!(first.preamble_done() && second.preamble_done());
        let room = tokio::time::timeout(Duration::from_millis(50), set.room()).await;
        assert!(
            room.is_err(),
            "no room while every connection is admitted-pending"
        );
        let waiting = tokio::spawn({
            let set = set.clone();
            async move { set.insert().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(first);
        let third = tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("a place freed")
            .unwrap();
        assert!(!is_evicted(&second) && !is_evicted(&third));
        assert_eq!(set.len(), 2);
    }

    #[tokio::test]
    async fn dropping_a_pending_connection_frees_its_place() {
        let counters = ConnectionCounters::default();
        let set = PendingSet::new(1, counters.clone());
        let first = set.insert().await;
        assert_eq!(counters.pending(), 1);
        drop(first);
        assert_eq!((set.len(), counters.pending()), (0, 0));
        let second = set.insert().await;
        assert!(!is_evicted(&second));
        assert!(second.preamble_done());
    }
}
