//! A bounded message queue with a close handshake, for the halves of a duplex channel.
//!
//! Many senders push through `&self` (the sending half of a channel is shared by every call of a
//! session); one receiver pops. Pushing is poll-based, so a channel's sink can offer it through
//! an object-safe trait without a boxed future. Closing is a handshake: the sender asks, the
//! receiver drains what was pushed before, does its part (writes the end of the session, or
//! hands it to its reader) and reports the outcome, which every closer awaits.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use super::{ChannelError, MessageSink};
use crate::message::Message;

/// What the receiver finds next.
#[derive(Debug)]
pub(crate) enum Popped<T> {
    /// An item, in push order.
    Item(T),
    /// Everything pushed before the close has been popped: the receiver does its part of the
    /// close, then calls [`Queue::finish`].
    Closing,
    /// The queue is over: closed (`Ok`), aborted, or its other end is gone.
    Done(Result<(), ChannelError>),
}

#[derive(Debug)]
enum Phase {
    Open,
    Closing,
    Done(Result<(), ChannelError>),
}

#[derive(Debug)]
struct State<T> {
    items: VecDeque<T>,
    /// An item that goes before every other and survives an abort (a transport's own fault).
    urgent: Option<T>,
    phase: Phase,
    /// The receiver, waiting for an item, the close or the end.
    receiver: Option<Waker>,
    /// Senders waiting for room.
    senders: Vec<Waker>,
    /// Closers waiting for the outcome.
    closers: Vec<Waker>,
}

impl<T> State<T> {
    /// The senders to wake after an item was taken from a full queue.
    fn room_made(&mut self, capacity: usize) -> Vec<Waker> {
        if self.items.len() + 1 >= capacity {
            std::mem::take(&mut self.senders)
        } else {
            Vec::new()
        }
    }
}

/// The queue; share it with `Arc`.
#[derive(Debug)]
pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
    capacity: usize,
}

fn register(wakers: &mut Vec<Waker>, cx: &Context<'_>) {
    if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
        wakers.push(cx.waker().clone());
    }
}

fn wake_all(wakers: Vec<Waker>) {
    for waker in wakers {
        waker.wake();
    }
}

impl<T> Queue<T> {
    /// A queue that holds up to `capacity` items before senders wait.
    pub(crate) fn new(capacity: usize) -> Self {
        Queue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                urgent: None,
                phase: Phase::Open,
                receiver: None,
                senders: Vec::new(),
                closers: Vec::new(),
            }),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic while holding the lock leaves the state consistent (every change is a single
        // assignment or push), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Pushes the value in `slot` (turned into an item by `wrap`) when there is room, taking it
    /// out of the slot; leaves it there and waits for room otherwise. Fails once the queue is
    /// closing or over.
    pub(crate) fn poll_push<U>(
        &self,
        cx: &mut Context<'_>,
        slot: &mut Option<U>,
        wrap: impl FnOnce(U) -> T,
    ) -> Poll<Result<(), ChannelError>> {
        let mut state = self.lock();
        match &state.phase {
            Phase::Open => {}
            Phase::Closing | Phase::Done(Ok(())) => return Poll::Ready(Err(ChannelError::Closed)),
            Phase::Done(Err(error)) => return Poll::Ready(Err(error.clone())),
        }
        if state.items.len() >= self.capacity {
            register(&mut state.senders, cx);
            return Poll::Pending;
        }
        let Some(value) = slot.take() else {
            return Poll::Ready(Ok(()));
        };
        state.items.push_back(wrap(value));
        let receiver = state.receiver.take();
        drop(state);
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Poll::Ready(Ok(()))
    }

    /// Puts `item` before everything queued, past the capacity: a transport's own fault, which
    /// must not wait behind messages and still goes out if the queue is aborted afterwards. A
    /// later urgent item replaces one not yet popped; ignored once the queue is over.
    pub(crate) fn push_urgent(&self, item: T) {
        let mut state = self.lock();
        if matches!(state.phase, Phase::Done(_)) {
            return;
        }
        state.urgent = Some(item);
        let receiver = state.receiver.take();
        drop(state);
        if let Some(receiver) = receiver {
            receiver.wake();
        }
    }

    /// Asks for the close (after every item pushed so far) and waits for the receiver's outcome.
    pub(crate) fn poll_close(&self, cx: &mut Context<'_>) -> Poll<Result<(), ChannelError>> {
        let mut state = self.lock();
        let wake = match &state.phase {
            Phase::Done(result) => return Poll::Ready(result.clone()),
            Phase::Open => {
                state.phase = Phase::Closing;
                state.receiver.take()
            }
            Phase::Closing => None,
        };
        register(&mut state.closers, cx);
        drop(state);
        if let Some(receiver) = wake {
            receiver.wake();
        }
        Poll::Pending
    }

    /// Ends the queue with `result`: items not yet popped are dropped (an urgent one stays for
    /// the receiver), later pushes fail, and every sender, closer and the receiver is woken.
    /// The first end stays.
    fn end(&self, result: Result<(), ChannelError>) {
        let mut state = self.lock();
        if matches!(state.phase, Phase::Done(_)) {
            return;
        }
        state.phase = Phase::Done(result);
        let items = std::mem::take(&mut state.items);
        let receiver = state.receiver.take();
        let mut wakers = std::mem::take(&mut state.senders);
        wakers.append(&mut state.closers);
        drop(state);
        drop(items);
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        wake_all(wakers);
    }

    /// Ends the queue at once with `error`, from the sending side.
    pub(crate) fn abort(&self, error: ChannelError) {
        self.end(Err(error));
    }

    /// Records the outcome of the close (or of the receiver's end), from the receiving side.
    pub(crate) fn finish(&self, result: Result<(), ChannelError>) {
        self.end(result);
    }

    /// The next item, the close, or the end; waits when there is none yet.
    pub(crate) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Popped<T>> {
        let mut state = self.lock();
        if let Some(item) = state.urgent.take() {
            return Poll::Ready(Popped::Item(item));
        }
        if let Some(item) = state.items.pop_front() {
            let room = state.room_made(self.capacity);
            drop(state);
            wake_all(room);
            return Poll::Ready(Popped::Item(item));
        }
        match &state.phase {
            Phase::Open => {
                if !state
                    .receiver
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    state.receiver = Some(cx.waker().clone());
                }
                Poll::Pending
            }
            Phase::Closing => Poll::Ready(Popped::Closing),
            Phase::Done(result) => Poll::Ready(Popped::Done(result.clone())),
        }
    }

    /// The next item if one is queued now (for batching without registering a waker).
    pub(crate) fn try_pop(&self) -> Option<T> {
        let mut state = self.lock();
        if let Some(item) = state.urgent.take() {
            return Some(item);
        }
        let item = state.items.pop_front()?;
        let room = state.room_made(self.capacity);
        drop(state);
        wake_all(room);
        Some(item)
    }

    /// Ready once the queue has ended (aborted, or its other end gone), for a receiver busy
    /// with something else (a write) that must stop when the sender aborts.
    pub(crate) fn poll_ended(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.lock();
        if matches!(state.phase, Phase::Done(_)) {
            return Poll::Ready(());
        }
        state.receiver = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Whether nothing is queued now.
    pub(crate) fn is_empty(&self) -> bool {
        let state = self.lock();
        state.items.is_empty() && state.urgent.is_none()
    }
}

/// Ends a queue when its receiver stops, whichever way: a receiver task that panics (in an
/// encoder, say) must not leave senders and closers waiting. [`Finishing::finish`] ends it with
/// the receiver's outcome; dropped without it, the queue ends as lost.
pub(crate) struct Finishing<'a, T>(&'a Queue<T>);

impl<'a, T> Finishing<'a, T> {
    pub(crate) fn new(queue: &'a Queue<T>) -> Self {
        Finishing(queue)
    }

    /// Ends the queue with `outcome`.
    pub(crate) fn finish(self, outcome: Result<(), ChannelError>) {
        // The first end stays: dropping `self` afterwards changes nothing.
        self.0.finish(outcome);
    }
}

impl<T> Drop for Finishing<'_, T> {
    fn drop(&mut self) {
        self.0
            .finish(Err(ChannelError::lost("the receiving task stopped")));
    }
}

/// A sink in front of a bounded queue: the messages it accepts (each turned into an item by its
/// `wrap`) go into the queue in order, for whatever pops them (a pipe's source, a connection's
/// writer task, a layer's delay line); its close is the queue's close handshake. Aborting or
/// dropping it ends the queue as [`ChannelError::Lost`], which is what the popping side reports.
pub struct QueueSink<T> {
    queue: Arc<Queue<T>>,
    wrap: fn(Message) -> T,
}

impl<T> QueueSink<T> {
    /// A sink that pushes `wrap(message)` into `queue`.
    pub(crate) fn new(queue: Arc<Queue<T>>, wrap: fn(Message) -> T) -> Self {
        QueueSink { queue, wrap }
    }
}

impl<T> std::fmt::Debug for QueueSink<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueSink").finish_non_exhaustive()
    }
}

impl<T: Send + 'static> MessageSink for QueueSink<T> {
    fn poll_send(
        &self,
        cx: &mut Context<'_>,
        message: &mut Option<Message>,
    ) -> Poll<Result<(), ChannelError>> {
        self.queue.poll_push(cx, message, self.wrap)
    }

    fn poll_close(&self, cx: &mut Context<'_>) -> Poll<Result<(), ChannelError>> {
        self.queue.poll_close(cx)
    }

    fn abort(&self) {
        self.queue
            .abort(ChannelError::lost("the channel was aborted"));
    }
}

impl<T> Drop for QueueSink<T> {
    fn drop(&mut self) {
        self.queue
            .abort(ChannelError::lost("the sending half was dropped"));
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use super::*;

    async fn push(queue: &Queue<u32>, value: u32) -> Result<(), ChannelError> {
        let mut slot = Some(value);
        poll_fn(|cx| queue.poll_push(cx, &mut slot, |v| v)).await
    }

    async fn pop(queue: &Queue<u32>) -> Popped<u32> {
        poll_fn(|cx| queue.poll_pop(cx)).await
    }

    #[tokio::test]
    async fn items_come_out_in_push_order_then_the_close() {
        let queue = Arc::new(Queue::new(8));
        for n in 0..3 {
            push(&queue, n).await.unwrap();
        }
        let closer = tokio::spawn({
            let queue = queue.clone();
            async move { poll_fn(|cx| queue.poll_close(cx)).await }
        });
        for n in 0..3 {
            assert!(matches!(pop(&queue).await, Popped::Item(v) if v == n));
        }
        tokio::task::yield_now().await;
        assert!(matches!(pop(&queue).await, Popped::Closing));
        assert_eq!(push(&queue, 9).await, Err(ChannelError::Closed));
        queue.finish(Ok(()));
        assert_eq!(closer.await.unwrap(), Ok(()));
        assert!(matches!(pop(&queue).await, Popped::Done(Ok(()))));
    }

    #[tokio::test]
    async fn a_full_queue_makes_senders_wait_until_the_receiver_pops() {
        let queue = Arc::new(Queue::new(2));
        push(&queue, 1).await.unwrap();
        push(&queue, 2).await.unwrap();
        let mut waiting = tokio::spawn({
            let queue = queue.clone();
            async move { push(&queue, 3).await }
        });
        tokio::task::yield_now().await;
        assert!(
            futures_util::poll!(&mut waiting).is_pending(),
            "a third push waits"
        );
        assert!(matches!(pop(&queue).await, Popped::Item(1)));
        assert_eq!(waiting.await.unwrap(), Ok(()));
        assert!(matches!(pop(&queue).await, Popped::Item(2)));
        assert!(matches!(pop(&queue).await, Popped::Item(3)));
    }

    #[tokio::test]
    async fn an_abort_fails_senders_closers_and_the_receiver() {
        let queue = Arc::new(Queue::new(1));
        push(&queue, 1).await.unwrap();
        let blocked = tokio::spawn({
            let queue = queue.clone();
            async move { push(&queue, 2).await }
        });
        tokio::task::yield_now().await;
        queue.abort(ChannelError::lost("gone"));
        assert_eq!(blocked.await.unwrap(), Err(ChannelError::lost("gone")));
        assert!(matches!(
            pop(&queue).await,
            Popped::Done(Err(ChannelError::Lost(_)))
        ));
        assert_eq!(
            poll_fn(|cx| queue.poll_close(cx)).await,
            Err(ChannelError::lost("gone"))
        );
    }

    #[tokio::test]
    async fn an_urgent_item_passes_a_full_queue_and_survives_an_abort() {
        let queue = Queue::new(1);
        push(&queue, 1).await.unwrap();
        queue.push_urgent(7);
        assert_eq!(queue.try_pop(), Some(7));
        assert_eq!(queue.try_pop(), Some(1));
        assert!(queue.is_empty());

        queue.push_urgent(8);
        queue.abort(ChannelError::Closed);
        assert!(matches!(pop(&queue).await, Popped::Item(8)));
        assert!(matches!(
            pop(&queue).await,
            Popped::Done(Err(ChannelError::Closed))
        ));
    }
}
