//! The connections of one HTTP port: how many may be open at once, and at that cap which one
//! makes room for a new one — the one that has waited longest for a request head (a slowloris
//! client's first head, or an idle keep-alive connection's next one), or failing that the one
//! that has been sending its request body longest (a slow body would otherwise hold its place
//! until the minimum rate cuts it).
//!
//! A connection whose request is being handled (its body read, its response not yet produced)
//! is never evicted; when every connection is, the port stops accepting until one closes or
//! starts waiting again.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::channel::ConnectionCounters;

/// [`Activity::since`] of a connection whose request is being handled (or whose task has not
/// started): not evictable.
const HANDLING: u64 = 0;
/// Marks [`Activity::since`] of a connection reading a request body, so that it ranks after
/// every connection waiting for a head (whose ticks are below it).
const READING_BODY: u64 = 1 << 62;
/// [`Activity::since`] of a connection being evicted.
const EVICTED: u64 = u64::MAX;

/// The open connections of one port.
#[derive(Debug)]
pub(super) struct Connections {
    /// The host's count of evicted connections.
    counters: ConnectionCounters,
    places: Arc<Semaphore>,
    open: Mutex<Table>,
    /// Orders the moments connections start waiting (never 0).
    ticks: AtomicU64,
    /// Told when a connection starts waiting while the port is full.
    evictable: Notify,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    waits: HashMap<u64, Arc<Activity>>,
}

/// What one connection is doing, since when, and how to cut it.
#[derive(Debug)]
struct Activity {
    /// The tick at which the connection started waiting for a head, that tick marked
    /// [`READING_BODY`] when it started reading a body, [`HANDLING`] or [`EVICTED`].
    since: AtomicU64,
    cut: CancellationToken,
    /// The connection's place on the port, until it closes or an eviction hands it on.
    place: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Connections {
    /// A port that holds at most `max` connections (at least one).
    pub(super) fn new(max: usize, counters: ConnectionCounters) -> Arc<Self> {
        Arc::new(Connections {
            counters,
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
    /// waits and can be evicted.
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

    /// Admits a new connection, evicting the connection that has waited longest for a head (or
    /// a body) if the port is full, and waiting for a place if none is waiting. The connection
    /// is not evictable until its task calls [`Admitted::waiting`] as it starts: a connection
    /// whose head came with it is read before a flood of newer connections can evict it.
    pub(super) async fn admit(self: &Arc<Self>) -> Admitted {
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
        let wait = Arc::new(Activity {
            since: AtomicU64::new(HANDLING),
            cut: CancellationToken::new(),
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

    /// The connection that has waited longest for a head, else for a body, with what its
    /// [`Activity::since`] was.
    fn oldest_waiting(&self) -> Option<(Arc<Activity>, u64)> {
        self.table()
            .waits
            .values()
            .filter_map(|wait| {
                let since = wait.since.load(Ordering::Acquire);
                (since != HANDLING && since != EVICTED).then(|| (wait.clone(), since))
            })
            .min_by_key(|(_, since)| *since)
    }

    /// Evicts the connection that has waited longest for a head (else for a body) and returns
    /// its place; none if no connection waits.
    fn evict_oldest_waiting(&self) -> Option<OwnedSemaphorePermit> {
        while let Some((wait, since)) = self.oldest_waiting() {
            // It may have moved on meanwhile: then look again.
            if wait
                .since
                .compare_exchange(since, EVICTED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                tracing::debug!(
                    body = since & READING_BODY != 0,
                    "the port is full: evicting the connection that has waited longest"
                );
                wait.cut.cancel();
                let place = wait
                    .place
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                // No place: the connection was closing, and its place went back to the port
                // (the caller takes it from there); that was no eviction.
                if place.is_some() {
                    self.counters.evicted_one();
                }
                return place;
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
    wait: Arc<Activity>,
}

impl Admitted {
    /// The connection read a request head and reads its `body`: evictable after every
    /// connection waiting for a head, until the body ends and the request is handled.
    pub(super) fn reading<B>(&self, body: B) -> WatchedBody<B>
    where
        B: Body,
    {
        if body.is_end_stream() {
            self.wait.set(HANDLING);
        } else {
            self.wait.set(READING_BODY | self.connections.tick());
        }
        WatchedBody {
            inner: body,
            activity: self.wait.clone(),
        }
    }

    /// The connection's task started, or its response went out: it waits for the next head.
    pub(super) fn waiting(&self) {
        let connections = &self.connections;
        self.wait.set(connections.tick());
        if connections.places.available_permits() == 0 {
            connections.evictable.notify_one();
        }
    }

    /// Cuts the connection (as an eviction does, without counting one) if it waits for a head;
    /// `false` if it is in a request. What a stopping host does to connections it need not
    /// wait for.
    pub(super) fn cut_if_waiting(&self) -> bool {
        let since = self.wait.since.load(Ordering::Acquire);
        let waiting = since != HANDLING && since != EVICTED && since & READING_BODY == 0;
        waiting
            && self
                .wait
                .since
                .compare_exchange(since, EVICTED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    /// Cancelled when the connection is evicted.
    pub(super) fn cut(&self) -> &CancellationToken {
        &self.wait.cut
    }

    /// Whether the connection's request is being handled (its body read, its response not yet
    /// out).
    pub(super) fn handling(&self) -> bool {
        self.wait.since.load(Ordering::Acquire) == HANDLING
    }
}

impl Activity {
    /// Moves to `since`, unless the connection is being evicted.
    fn set(&self, since: u64) {
        let _ = self
            .since
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |now| {
                (now != EVICTED).then_some(since)
            });
    }
}

/// A request body that marks its connection as handling its request once it ends.
#[derive(Debug)]
pub(super) struct WatchedBody<B> {
    inner: B,
    activity: Arc<Activity>,
}

impl<B: Body + Unpin> Body for WatchedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(None) = frame {
            self.activity.set(HANDLING);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
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
    use bytes::Bytes;
    use futures_util::FutureExt;
    use http_body_util::{BodyExt, Empty, Full};

    /// Admits a connection (failing the test after 5 s).
    async fn admit(connections: &Arc<Connections>) -> Admitted {
        let connections = connections.clone();
        let admitted = tokio::spawn(async move { connections.admit().await });
        tokio::time::timeout(std::time::Duration::from_secs(5), admitted)
            .await
            .expect("admitted in time")
            .expect("joined")
    }

    #[tokio::test]
    async fn at_the_cap_the_longest_waiting_connection_is_evicted() {
        let connections = Connections::new(2, ConnectionCounters::default());
        let first = admit(&connections).await;
        let second = admit(&connections).await;
        // Their tasks start; the first reads a head without a body and handles it.
        first.waiting();
        second.waiting();
        let _body = first.reading(Empty::<Bytes>::new());
        // The second, waiting, makes room; its place passes on before it closes.
        let third = admit(&connections).await;
        assert!(second.cut().is_cancelled());
        assert!(!first.cut().is_cancelled());
        drop(second);
        // The first answered: it waits again; the third's task has not started.
        first.waiting();
        let _fourth = admit(&connections).await;
        assert!(first.cut().is_cancelled());
        assert!(!third.cut().is_cancelled());
        // Still full: the evicted connection's drop frees no place.
        drop(first);
        assert_eq!(connections.places.available_permits(), 0);
    }

    #[tokio::test]
    async fn heads_go_before_bodies_and_handled_requests_stay() {
        let connections = Connections::new(3, ConnectionCounters::default());
        let (body, head, handled) = (
            admit(&connections).await,
            admit(&connections).await,
            admit(&connections).await,
        );
        for connection in [&body, &head, &handled] {
            connection.waiting();
        }
        let mut slow = body.reading(Full::new(Bytes::from_static(b"x")));
        let _done = handled.reading(Empty::<Bytes>::new());
        // The head waiter goes first, though it waited less.
        let fourth = admit(&connections).await;
        assert!(head.cut().is_cancelled() && !body.cut().is_cancelled());
        // Then the slow body.
        let _fifth = admit(&connections).await;
        assert!(body.cut().is_cancelled() && !handled.cut().is_cancelled());
        // A body read to its end makes its connection one that handles its request.
        drop((body, head, fourth));
        let sixth = admit(&connections).await;
        sixth.waiting();
        let mut whole = sixth.reading(Full::new(Bytes::from_static(b"x")));
        while whole.frame().now_or_never().flatten().is_some() {}
        assert!(slow.frame().now_or_never().flatten().is_some());
        let room = connections.oldest_waiting();
        assert!(room.is_none(), "{room:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn with_every_connection_in_a_request_admission_waits() {
        let connections = Connections::new(1, ConnectionCounters::default());
        // Admitted, its task not started yet: not evictable.
        let busy = admit(&connections).await;
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
