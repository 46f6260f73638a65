//! A layer that makes a link unreliable on purpose, for tests of what runs above it: it drops,
//! duplicates, reorders and delays messages with seeded probabilities, per direction, and adds a
//! fixed latency (a WAN link). The same seed gives the same decisions for the same messages, and
//! every decision is recorded in a [`FaultLog`], so a test can say exactly what got through.
//!
//! ```
//! use std::time::Duration;
//! use indigo_runtime::binding::{Layered, MemoryBinding};
//! use indigo_runtime::channel::fault_injection::{FaultInjection, Faults};
//!
//! // The client's requests lose one in ten; its replies arrive 20 ms late.
//! let faults = FaultInjection::new(7)
//!     .outgoing(Faults::new().drop(0.1))
//!     .incoming(Faults::new().latency(Duration::from_millis(20)));
//! let binding = Layered::new(MemoryBinding::new(), faults.clone());
//! # let _ = binding;
//! // … connect a client with `binding`, call, then look at `faults.log().events()`.
//! ```
//!
//! On a duplex channel a dropped message is simply gone. On a request channel (and a service's
//! request handler) a dropped request or reply completes the exchange as "no reply", as an
//! empty HTTP 202 does, after the configured delay; [`Faults::lose`] instead fails the exchange
//! with [`ChannelError::Lost`], as a broken connection does. The layer never retries: what it
//! lets through is all that the other side sees.

use std::future::{Future, poll_fn};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::queue::{Finishing, Popped, Queue, QueueSink};
use super::{
    ChannelError, DuplexChannel, Layer, MessageSink, MessageSource, PIPE_CAPACITY, ReceiveExt,
    RequestChannel, RequestHandler, SendExt, Side, pipe,
};
use crate::message::Message;

/// How a reordered message is held when no later message comes to overtake it.
const REORDER_WINDOW: Duration = Duration::from_millis(10);

/// What happens to the messages of one direction. Probabilities are from 0 to 1, drawn once per
/// message in this order: lose (request-reply only), drop, duplicate, reorder, delay.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    lose: f64,
    drop: f64,
    duplicate: f64,
    reorder: f64,
    delay: f64,
    max_delay: Duration,
    latency: Duration,
}

impl Faults {
    /// No faults: every message passes, at once.
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops a message with probability `p`.
    pub fn drop(mut self, p: f64) -> Self {
        self.drop = p;
        self
    }

    /// Delivers a message twice with probability `p`.
    pub fn duplicate(mut self, p: f64) -> Self {
        self.duplicate = p;
        self
    }

    /// Holds a message back with probability `p` until the next one has passed (or
    /// 10 ms have).
    pub fn reorder(mut self, p: f64) -> Self {
        self.reorder = p;
        self
    }

    /// Delays a message with probability `p` by a uniformly drawn time up to `max`, in
    /// addition to the latency. On a duplex channel delayed messages keep their order (the
    /// link is a FIFO); use [`Faults::reorder`] to reorder.
    pub fn delay(mut self, p: f64, max: Duration) -> Self {
        self.delay = p;
        self.max_delay = max;
        self
    }

    /// Adds `latency` to every message (a WAN link).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Fails a request-reply exchange with [`ChannelError::Lost`] with probability `p` (a
    /// connection lost mid-exchange). Ignored on duplex channels.
    pub fn lose(mut self, p: f64) -> Self {
        self.lose = p;
        self
    }
}

/// Which way a message was going, seen from the side the layer wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Sent by this side (a client's requests, a service's replies).
    Outgoing,
    /// Received by this side.
    Incoming,
}

/// What the layer did with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fate {
    /// Passed on after `delay` (zero when at once).
    Delivered {
        /// How late it was passed on.
        delay: Duration,
    },
    /// Passed on twice.
    Duplicated,
    /// Held back until a later message had passed.
    Reordered,
    /// Dropped.
    Dropped,
    /// The exchange failed as a lost connection (request-reply only).
    Lost,
}

impl Fate {
    /// Whether the message reached the other side at least once.
    pub fn passed(self) -> bool {
        !matches!(self, Fate::Dropped | Fate::Lost)
    }
}

/// One decision of the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Event {
    /// The channel, numbered in the order the layer wrapped them (from 0).
    pub channel: u64,
    /// Which way the message went.
    pub direction: Direction,
    /// The message's position in its channel and direction (from 0).
    pub index: u64,
    /// What was done with it.
    pub fate: Fate,
}

/// Every decision a [`FaultInjection`] layer (and its clones) made, in order.
#[derive(Debug, Clone, Default)]
pub struct FaultLog(Arc<Mutex<Vec<Event>>>);

impl FaultLog {
    /// The decisions so far.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().map(|e| e.clone()).unwrap_or_default()
    }

    fn record(&self, event: Event) {
        if let Ok(mut events) = self.0.lock() {
            events.push(event);
        }
    }
}

/// The fault-injection layer. Clones share the seed's channel numbering and the log.
#[derive(Debug, Clone)]
pub struct FaultInjection {
    seed: u64,
    outgoing: Faults,
    incoming: Faults,
    channels: Arc<AtomicU64>,
    log: FaultLog,
}

impl FaultInjection {
    /// A layer that injects nothing yet, with decisions drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        FaultInjection {
            seed,
            outgoing: Faults::new(),
            incoming: Faults::new(),
            channels: Arc::default(),
            log: FaultLog::default(),
        }
    }

    /// The faults of the messages this side sends.
    pub fn outgoing(mut self, faults: Faults) -> Self {
        self.outgoing = faults;
        self
    }

    /// The faults of the messages this side receives.
    pub fn incoming(mut self, faults: Faults) -> Self {
        self.incoming = faults;
        self
    }

    /// What the layer has done so far.
    pub fn log(&self) -> &FaultLog {
        &self.log
    }

    /// The deciders of the next channel's two directions.
    fn deciders(&self) -> (Decider, Decider) {
        let channel = self.channels.fetch_add(1, Ordering::Relaxed);
        let decider = |direction, faults, stream: u64| Decider {
            rng: fastrand::Rng::with_seed(
                self.seed ^ channel.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ stream,
            ),
            faults,
            channel,
            direction,
            next: 0,
            log: self.log.clone(),
        };
        (
            decider(Direction::Outgoing, self.outgoing, 0x5555_5555),
            decider(Direction::Incoming, self.incoming, 0xAAAA_AAAA),
        )
    }
}

/// Draws and records the fate of each message of one direction of one channel.
#[derive(Debug)]
struct Decider {
    rng: fastrand::Rng,
    faults: Faults,
    channel: u64,
    direction: Direction,
    next: u64,
    log: FaultLog,
}

impl Decider {
    /// The fate of the next message; `exchange`: a request-reply exchange, which can be lost.
    fn decide(&mut self, exchange: bool) -> Fate {
        let f = self.faults;
        let mut hit = |p: f64| p > 0.0 && self.rng.f64() < p;
        let fate = if exchange && hit(f.lose) {
            Fate::Lost
        } else if hit(f.drop) {
            Fate::Dropped
        } else if hit(f.duplicate) {
            Fate::Duplicated
        } else if hit(f.reorder) {
            Fate::Reordered
        } else {
            let extra = if hit(f.delay) {
                f.max_delay.mul_f64(self.rng.f64())
            } else {
                Duration::ZERO
            };
            Fate::Delivered {
                delay: f.latency + extra,
            }
        };
        self.log.record(Event {
            channel: self.channel,
            direction: self.direction,
            index: self.next,
            fate,
        });
        self.next += 1;
        fate
    }

    /// The time a message with `fate` is held before it is passed on.
    fn hold(&self, fate: Fate) -> Duration {
        match fate {
            Fate::Delivered { delay } => delay,
            Fate::Reordered => self.faults.latency + REORDER_WINDOW,
            _ => self.faults.latency,
        }
    }
}

impl Layer for FaultInjection {
    type RequestChannel<R: RequestChannel> = Faulty<R>;
    type RequestHandler<H: RequestHandler> = Faulty<H>;

    fn duplex(&self, channel: DuplexChannel, _side: Side) -> DuplexChannel {
        let (outgoing, incoming) = self.deciders();
        let (input, output, session) = channel.into_parts();
        let sink = delay_line(output, outgoing);
        // Received messages go through a delay line of their own, into a pipe read above.
        let (to_reader, from_line) = pipe(PIPE_CAPACITY);
        let into_line = delay_line(Arc::new(to_reader), incoming);
        tokio::spawn(receive_into(input, into_line));
        DuplexChannel::new(Box::new(from_line), Arc::new(sink), session)
    }

    fn request_channel<R: RequestChannel>(&self, inner: R) -> Faulty<R> {
        let (outgoing, incoming) = self.deciders();
        Faulty {
            inner,
            requests: Mutex::new(outgoing),
            replies: Mutex::new(incoming),
        }
    }

    fn request_handler<H: RequestHandler>(&self, inner: H) -> Faulty<H> {
        let (outgoing, incoming) = self.deciders();
        Faulty {
            inner,
            requests: Mutex::new(incoming),
            replies: Mutex::new(outgoing),
        }
    }
}

fn decide(decider: &Mutex<Decider>, exchange: bool) -> (Fate, Duration) {
    let mut decider = decider.lock().unwrap_or_else(|p| p.into_inner());
    let fate = decider.decide(exchange);
    (fate, decider.hold(fate))
}

/// A message on its way to a delay line, stamped with the time it was sent.
type Stamped = (Instant, Box<Message>);

/// A sink whose messages pass through a delay line (deciding each one's fate with `decider`)
/// on their way to `output`.
fn delay_line(output: Arc<dyn MessageSink>, decider: Decider) -> QueueSink<Stamped> {
    let queue = Arc::new(Queue::new(PIPE_CAPACITY));
    tokio::spawn(run_delay_line(queue.clone(), output, decider));
    // Stamped as they are sent, so that a latency delays messages without spacing them out.
    QueueSink::new(queue, |m| (Instant::now(), Box::new(m)))
}

/// Feeds what `input` receives into `line`, and its end after it.
async fn receive_into(mut input: Box<dyn MessageSource>, line: QueueSink<Stamped>) {
    loop {
        let sent = match input.receive().await {
            Ok(Some(message)) => line.send(message).await,
            Ok(None) => {
                let _ = line.close().await;
                return;
            }
            Err(error) => {
                line.fail(error);
                return;
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

/// What the delay line waits on: the queue's end cuts any wait short.
async fn unless_ended<F: Future>(queue: &Queue<Stamped>, work: F) -> Option<F::Output> {
    tokio::select! {
        done = work => Some(done),
        () = poll_fn(|cx| queue.poll_ended(cx)) => None,
    }
}

/// Passes `queue`'s messages on to `output` as `decider` decides, in order, each no earlier
/// than its send time plus its delay; closes `output` when the queue closes, and ends it with
/// the queue's error when the queue ends.
async fn run_delay_line(
    queue: Arc<Queue<Stamped>>,
    output: Arc<dyn MessageSink>,
    mut decider: Decider,
) {
    let ending = Finishing::new(&queue);
    // A reordered message, held until the next one has passed (or its time has come).
    let mut held: Option<(Instant, Message)> = None;
    let outcome = loop {
        let next = match &held {
            None => poll_fn(|cx| queue.poll_pop(cx)).await,
            Some((due, _)) => {
                let due = *due;
                tokio::select! {
                    popped = poll_fn(|cx| queue.poll_pop(cx)) => popped,
                    () = tokio::time::sleep_until(due) => {
                        if let Some((_, message)) = held.take()
                            && let Some(Err(error)) = unless_ended(&queue, output.send(message)).await
                        {
                            break Err(error);
                        }
                        continue;
                    }
                }
            }
        };
        let (sent_at, message) = match next {
            Popped::Item((sent_at, message)) => (sent_at, *message),
            Popped::Closing => {
                if let Some((_, message)) = held.take() {
                    let _ = output.send(message).await;
                }
                break output.close().await;
            }
            Popped::Done(Ok(())) => {
                output.abort();
                return;
            }
            Popped::Done(Err(error)) => {
                output.fail(error);
                return;
            }
        };
        let fate = decider.decide(false);
        let due = sent_at + decider.hold(fate);
        if fate != Fate::Reordered
            && unless_ended(&queue, tokio::time::sleep_until(due))
                .await
                .is_none()
        {
            continue;
        }
        let mut out = Vec::with_capacity(2);
        match fate {
            Fate::Dropped | Fate::Lost => {}
            Fate::Reordered => {
                // One held before is released first.
                out.extend(held.replace((due, message)).map(|(_, m)| m));
            }
            Fate::Duplicated => {
                out.push(message.clone());
                out.push(message);
            }
            Fate::Delivered { .. } => out.push(message),
        }
        if fate != Fate::Reordered {
            out.extend(held.take().map(|(_, m)| m));
        }
        let mut failed = None;
        for message in out {
            match unless_ended(&queue, output.send(message)).await {
                Some(Ok(())) => {}
                Some(Err(error)) => {
                    failed = Some(error);
                    break;
                }
                None => break,
            }
        }
        if let Some(error) = failed {
            break Err(error);
        }
    };
    if let Err(error) = &outcome {
        tracing::debug!(%error, "the channel under the fault-injection layer failed");
    }
    ending.finish(outcome);
}

/// A request channel or handler with faults: requests may be dropped, doubled, delayed or
/// lost on their way in, replies dropped or delayed on their way back.
pub struct Faulty<T> {
    inner: T,
    requests: Mutex<Decider>,
    replies: Mutex<Decider>,
}

impl<R: RequestChannel> RequestChannel for Faulty<R> {
    async fn request(&self, request: Message) -> Result<Option<Message>, ChannelError> {
        exchange(&self.requests, &self.replies, request, |m| {
            self.inner.request(m)
        })
        .await
    }
}

impl<H: RequestHandler> RequestHandler for Faulty<H> {
    async fn handle(&self, request: Message) -> Result<Option<Message>, ChannelError> {
        exchange(&self.requests, &self.replies, request, |m| {
            self.inner.handle(m)
        })
        .await
    }
}

/// One exchange through `next`, with the request's fate from `requests` and the reply's from
/// `replies`.
async fn exchange<F, Fut>(
    requests: &Mutex<Decider>,
    replies: &Mutex<Decider>,
    request: Message,
    next: F,
) -> Result<Option<Message>, ChannelError>
where
    F: Fn(Message) -> Fut,
    Fut: Future<Output = Result<Option<Message>, ChannelError>>,
{
    let (fate, hold) = decide(requests, true);
    tokio::time::sleep(hold).await;
    let reply = match fate {
        Fate::Lost => {
            return Err(ChannelError::lost(
                "the fault-injection layer cut the connection",
            ));
        }
        Fate::Dropped => return Ok(None),
        Fate::Duplicated => {
            // The first answer is the exchange's; the duplicate's is thrown away.
            let first = next(request.clone()).await;
            let _ = next(request).await;
            first?
        }
        Fate::Delivered { .. } | Fate::Reordered => next(request).await?,
    };
    let Some(reply) = reply else {
        return Ok(None);
    };
    let (fate, hold) = decide(replies, true);
    tokio::time::sleep(hold).await;
    match fate {
        Fate::Lost => Err(ChannelError::lost(
            "the fault-injection layer cut the connection",
        )),
        Fate::Dropped => Ok(None),
        _ => Ok(Some(reply)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{ReceiveExt, pipe};
    use crate::message::Body;

    fn numbered(n: u64) -> Message {
        Message::new(n.to_string(), Body::Empty)
    }

    fn numbers(messages: &[Message]) -> Vec<u64> {
        messages
            .iter()
            .map(|m| m.action().parse().unwrap())
            .collect()
    }

    /// Sends `count` numbered messages through a channel whose sending side has `faults`, and
    /// returns what arrived and the log.
    async fn through(faults: Faults, seed: u64, count: u64) -> (Vec<u64>, Vec<Event>) {
        let layer = FaultInjection::new(seed).outgoing(faults);
        let (to_peer, mut peer) = pipe(PIPE_CAPACITY);
        let (_unused, from_peer) = pipe(PIPE_CAPACITY);
        let channel = layer.duplex(
            DuplexChannel::new(Box::new(from_peer), Arc::new(to_peer), None),
            Side::Client,
        );
        let (_input, output, _) = channel.into_parts();
        let reader = tokio::spawn(async move {
            let mut received = Vec::new();
            while let Some(message) = peer.receive().await.unwrap() {
                received.push(message);
            }
            received
        });
        for n in 0..count {
            output.send(numbered(n)).await.unwrap();
        }
        output.close().await.unwrap();
        let received = reader.await.unwrap();
        (numbers(&received), layer.log().events())
    }

    #[tokio::test]
    async fn what_arrives_is_exactly_what_the_log_let_through() {
        let (received, events) = through(Faults::new().drop(0.1).duplicate(0.05), 42, 500).await;
        let expected: Vec<u64> = events
            .iter()
            .flat_map(|e| match e.fate {
                Fate::Dropped => vec![],
                Fate::Duplicated => vec![e.index, e.index],
                _ => vec![e.index],
            })
            .collect();
        assert_eq!(received, expected);
        let dropped = events.iter().filter(|e| e.fate == Fate::Dropped).count();
        assert!((25..=75).contains(&dropped), "{dropped} of 500 dropped");
    }

    // Paused time: a reordered message is held for a window of time, and on a loaded machine
    // real time could let the window pass before the next message comes (a flaky order).
    #[tokio::test(start_paused = true)]
    async fn the_same_seed_makes_the_same_decisions() {
        let faults = Faults::new().drop(0.2).reorder(0.1).duplicate(0.1);
        let (a, log_a) = through(faults, 9, 200).await;
        let (b, log_b) = through(faults, 9, 200).await;
        let (c, _) = through(faults, 10, 200).await;
        assert_eq!(a, b);
        assert_eq!(log_a, log_b);
        assert_ne!(a, c, "another seed, other decisions");
    }

    #[tokio::test(start_paused = true)]
    async fn delays_and_reorders_together_lose_nothing() {
        let faults = Faults::new()
            .reorder(0.2)
            .delay(0.3, Duration::from_millis(80));
        let (mut received, _) = through(faults, 12, 200).await;
        received.sort_unstable();
        assert_eq!(received, (0..200).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn a_reordered_message_arrives_after_the_next_one() {
        let (received, events) = through(Faults::new().reorder(0.3), 3, 100).await;
        let mut sorted = received.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>(), "nothing lost");
        let first = events
            .iter()
            .find(|e| e.fate == Fate::Reordered && e.index < 99)
            .expect("something was reordered");
        let at = |n| received.iter().position(|&m| m == n).unwrap();
        assert!(at(first.index) > at(first.index + 1), "{received:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn latency_delays_every_received_message_by_the_same_time() {
        let layer =
            FaultInjection::new(1).incoming(Faults::new().latency(Duration::from_millis(40)));
        let (to_us, from_peer) = pipe(PIPE_CAPACITY);
        let (to_peer, _peer) = pipe(PIPE_CAPACITY);
        let channel = layer.duplex(
            DuplexChannel::new(Box::new(from_peer), Arc::new(to_peer), None),
            Side::Service,
        );
        let (mut input, _output, _) = channel.into_parts();
        let start = Instant::now();
        to_us.send(numbered(0)).await.unwrap();
        let first = input.receive().await.unwrap().unwrap();
        assert_eq!(first.action(), "0");
        assert_eq!(start.elapsed(), Duration::from_millis(40));
    }

    #[tokio::test(start_paused = true)]
    async fn a_latency_delays_sent_messages_without_spacing_them_out() {
        let layer =
            FaultInjection::new(1).outgoing(Faults::new().latency(Duration::from_millis(25)));
        let (to_peer, mut peer) = pipe(PIPE_CAPACITY);
        let (_unused, from_peer) = pipe(PIPE_CAPACITY);
        let channel = layer.duplex(
            DuplexChannel::new(Box::new(from_peer), Arc::new(to_peer), None),
            Side::Client,
        );
        let (_input, output, _) = channel.into_parts();
        let start = Instant::now();
        for n in 0..10 {
            output.send(numbered(n)).await.unwrap();
        }
        for n in 0..10 {
            assert_eq!(
                peer.receive().await.unwrap().unwrap().action(),
                n.to_string()
            );
        }
        assert_eq!(start.elapsed(), Duration::from_millis(25));
    }

    struct Echo;

    impl RequestChannel for Echo {
        async fn request(&self, request: Message) -> Result<Option<Message>, ChannelError> {
            Ok(Some(request))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_exchange_is_no_reply_after_the_delay_and_a_lost_one_is_lost() {
        let layer = FaultInjection::new(5)
            .outgoing(Faults::new().drop(1.0).latency(Duration::from_millis(30)));
        let channel = layer.request_channel(Echo);
        let start = Instant::now();
        assert_eq!(channel.request(numbered(1)).await, Ok(None));
        assert_eq!(start.elapsed(), Duration::from_millis(30));

        let layer = FaultInjection::new(5).outgoing(Faults::new().lose(1.0));
        let channel = layer.request_channel(Echo);
        assert!(matches!(
            channel.request(numbered(1)).await,
            Err(ChannelError::Lost(_))
        ));
        let layer = FaultInjection::new(5);
        let channel = layer.request_channel(Echo);
        assert_eq!(
            channel
                .request(numbered(2))
                .await
                .unwrap()
                .unwrap()
                .action(),
            "2"
        );
    }
}
