//! The connections of one HTTP port: how many may be open at once, and at that cap which one
//! makes room for a new one — the one that has waited longest for a request head (a slowloris
//! client's first head, or an idle keep-alive connection's next one).
//!
//! A connection that is in a request (its head read, its response not yet produced) is never
//! evicted; when every connection is, the port stops accepting until one closes or starts
//! waiting for a head again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

/// [`HeadWait::since`] of a connection in a request.
const IN_REQUEST: u64 = 0;
/// [`HeadWait::since`] of a connection being evicted.
const EVICTED: u64 = u64::MAX;

/// The open connections of one port.
#[derive(Debug)]
pub(super) struct Connections {
    places: Arc<Semaphore>,
    open: Mutex<Table>,
    /// Orders the moments connections start waiting for a head (never 0).
    ticks: AtomicU64,
    /// Told when a connection starts waiting for a head while the port is full.
    evictable: Notify,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    waits: HashMap<u64, Arc<HeadWait>>,
}

/// Whether one connection waits for a request head, since when, and how to cut it.
#[derive(Debug)]
struct HeadWait {
    /// The tick at which the connection started waiting, [`IN_REQUEST`] or [`EVICTED`].
    since: AtomicU64,
    cut: CancellationToken,
    /// The connection's place on the port, until it closes or an eviction hands it on.
    place: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Connections {
    /// A port that holds at most `max` connections (at least one).
    pub(super) fn new(max: usize) -> Arc<Self> {
        Arc::new(Connections {
            places: Arc::new(Semaphore::new(max.clamp(1, Semaphore::MAX_PERMITS))),
            open: Mutex::new(Table::default()),
            ticks: AtomicU64::new(1),
            evictable: Notify::new(),
        })
    }

    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Returns once a new connection could be admitted: a place is free, or some connection
    /// waits for a head and can be evicted.
    pub(super) async fn room(&self) {
        loop {
            let evictable = self.evictable.notified();
            if self.places.available_permits() > 0 || self.oldest_waiting().is_some() {
                return;
            }
            tokio::select! {
                place = self.places.acquire() => {
                    drop(place);
                    return;
                }
                () = evictable => {}
            }
        }
    }

    /// Admits a new connection, evicting the connection that has waited longest for a head if
    /// the port is full (and waiting for a place if none is waiting). The connection is not
    /// evictable until its task calls [`Admitted::waiting`] as it starts: a connection whose
    /// head came with it is read before a flood of newer connections can evict it. `parent`
    /// cancelled cuts it too.
    pub(super) async fn admit(self: &Arc<Self>, parent: &CancellationToken) -> Admitted {
        let place = loop {
            if let Ok(place) = self.places.clone().try_acquire_owned() {
                break place;
            }
            // The evicted connection's place passes on at once: the acceptor does not wait for
            // its task to close it.
            if let Some(place) = self.evict_oldest_waiting() {
                break place;
            }
            self.room().await;
        };
        let wait = Arc::new(HeadWait {
            since: AtomicU64::new(IN_REQUEST),
            cut: parent.child_token(),
            place: Mutex::new(Some(place)),
        });
        let id = {
            let mut table = self.table();
            let id = table.next_id;
            table.next_id += 1;
            table.waits.insert(id, wait.clone());
            id
        };
        Admitted {
            connections: self.clone(),
            id,
            wait,
        }
    }

    fn tick(&self) -> u64 {
        self.ticks.fetch_add(1, Ordering::Relaxed)
    }

    /// The connection that has waited longest for a head, with the tick it started at.
    fn oldest_waiting(&self) -> Option<(Arc<HeadWait>, u64)> {
        self.table()
            .waits
            .values()
            .filter_map(|wait| {
                let since = wait.since.load(Ordering::Acquire);
                (since != IN_REQUEST && since != EVICTED).then(|| (wait.clone(), since))
            })
            .min_by_key(|(_, since)| *since)
    }

    /// Evicts the connection that has waited longest for a head and returns its place; none
    /// if no connection waits.
    fn evict_oldest_waiting(&self) -> Option<OwnedSemaphorePermit> {
        while let Some((wait, since)) = self.oldest_waiting() {
            // It may have read its head meanwhile: then look again.
            if wait
                .since
                .compare_exchange(since, EVICTED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                tracing::debug!(
                    "the port is full: evicting the connection waiting longest for a request head"
                );
                wait.cut.cancel();
                let place = wait
                    .place
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                if place.is_some() {
                    return place;
                }
            }
        }
        None
    }
}

/// One admitted connection's place on its port; the place frees when this drops (unless an
/// eviction handed it on).
#[derive(Debug)]
pub(super) struct Admitted {
    connections: Arc<Connections>,
    id: u64,
    wait: Arc<HeadWait>,
}

impl Admitted {
    /// The connection read a request head: it is not evictable until it waits again.
    pub(super) fn in_request(&self) {
        let _ = self
            .wait
            .since
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |since| {
                (since != EVICTED).then_some(IN_REQUEST)
            });
    }

    /// The connection's task started, or answered its request: it waits for the next head.
    pub(super) fn waiting(&self) {
        let connections = &self.connections;
        let since = connections.tick();
        if self
            .wait
            .since
            .compare_exchange(IN_REQUEST, since, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
            && connections.places.available_permits() == 0
        {
            connections.evictable.notify_one();
        }
    }

    /// Cancelled when the connection is evicted (or its parent token is cancelled).
    pub(super) fn cut(&self) -> &CancellationToken {
        &self.wait.cut
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.connections.table().waits.remove(&self.id);
        self.wait
            .place
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn at_the_cap_the_longest_waiting_connection_is_evicted() {
        let connections = Connections::new(2);
        let parent = CancellationToken::new();
        let first = connections.admit(&parent).await;
        let second = connections.admit(&parent).await;
        // Their tasks start, the first's reads a head.
        first.waiting();
        second.waiting();
        first.in_request();
        // The first is in a request: the second, waiting, makes room.
        let admit = tokio::spawn({
            let (connections, parent) = (connections.clone(), parent.clone());
            async move { connections.admit(&parent).await }
        });
        // The evicted connection's place passes on before it closes.
        let third = admit.await.expect("admitted");
        assert!(second.cut().is_cancelled());
        assert!(!first.cut().is_cancelled());
        drop(second);
        // The first answered: it waits again, and is older than the third.
        first.waiting();
        third.in_request();
        let fourth = tokio::spawn({
            let (connections, parent) = (connections.clone(), parent.clone());
            async move { connections.admit(&parent).await }
        });
        let _fourth = fourth.await.expect("admitted");
        assert!(first.cut().is_cancelled());
        assert!(!third.cut().is_cancelled());
        // Still full: the evicted connection's drop frees no place.
        drop(first);
        assert_eq!(connections.places.available_permits(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn with_every_connection_in_a_request_admission_waits() {
        let connections = Connections::new(1);
        let parent = CancellationToken::new();
        // Admitted, its task not started yet: not evictable.
        let busy = connections.admit(&parent).await;
        let room = tokio::spawn({
            let connections = connections.clone();
            async move { connections.room().await }
        });
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert!(!room.is_finished());
        // Waiting again for a head makes it evictable: the acceptor is told.
        busy.waiting();
        tokio::time::timeout(std::time::Duration::from_secs(1), room)
            .await
            .expect("room")
            .expect("joined");
        assert!(!busy.cut().is_cancelled());
    }
}
