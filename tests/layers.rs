//! Layers compose: a counting layer written here, outside indigo, runs over net.tcp, memory and
//! HTTP on both sides without the host, the client or the session loop knowing; the
//! fault-injection layer's decisions are exactly what the other side sees.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use common::*;
use indigo::binding::{Binding, Layered};
use indigo::channel::fault_injection::{Direction, Fate, FaultInjection, Faults};
use indigo::channel::{
    ChannelError, DuplexChannel, Layer, MessageSink, MessageSource, RequestChannel, RequestHandler,
    Side,
};
use indigo::client::ClientOptions;
use indigo::message::Message;
use indigo::prelude::*;

/// Counts the messages that pass, each way.
#[derive(Clone, Default)]
struct Counting {
    sent: Arc<AtomicUsize>,
    received: Arc<AtomicUsize>,
}

impl Counting {
    fn counts(&self) -> (usize, usize) {
        (
            self.sent.load(Ordering::SeqCst),
            self.received.load(Ordering::SeqCst),
        )
    }
}

struct CountingSource {
    inner: Box<dyn MessageSource>,
    received: Arc<AtomicUsize>,
}

impl MessageSource for CountingSource {
    fn poll_receive(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Message>, ChannelError>> {
        let polled = self.inner.poll_receive(cx);
        if let Poll::Ready(Ok(Some(_))) = &polled {
            self.received.fetch_add(1, Ordering::SeqCst);
        }
        polled
    }
}

struct CountingSink {
    inner: Arc<dyn MessageSink>,
    sent: Arc<AtomicUsize>,
}

impl MessageSink for CountingSink {
    fn poll_send(
        &self,
        cx: &mut Context<'_>,
        message: &mut Option<Message>,
    ) -> Poll<Result<(), ChannelError>> {
        let polled = self.inner.poll_send(cx, message);
        if let Poll::Ready(Ok(())) = polled {
            self.sent.fetch_add(1, Ordering::SeqCst);
        }
        polled
    }

    fn poll_close(&self, cx: &mut Context<'_>) -> Poll<Result<(), ChannelError>> {
        self.inner.poll_close(cx)
    }

    fn abort(&self) {
        self.inner.abort();
    }
}

struct CountingRequests<R> {
    inner: R,
    counts: Counting,
}

impl<R: RequestChannel> RequestChannel for CountingRequests<R> {
    async fn request(&self, request: Message) -> Result<Option<Message>, ChannelError> {
        self.counts.sent.fetch_add(1, Ordering::SeqCst);
        let reply = self.inner.request(request).await?;
        if reply.is_some() {
            self.counts.received.fetch_add(1, Ordering::SeqCst);
        }
        Ok(reply)
    }
}

struct CountingHandler<H> {
    inner: H,
    counts: Counting,
}

impl<H: RequestHandler> RequestHandler for CountingHandler<H> {
    async fn handle(&self, request: Message) -> Result<Option<Message>, ChannelError> {
        self.counts.received.fetch_add(1, Ordering::SeqCst);
        let reply = self.inner.handle(request).await?;
        if reply.is_some() {
            self.counts.sent.fetch_add(1, Ordering::SeqCst);
        }
        Ok(reply)
    }
}

impl Layer for Counting {
    type RequestChannel<R: RequestChannel> = CountingRequests<R>;
    type RequestHandler<H: RequestHandler> = CountingHandler<H>;

    fn duplex(&self, channel: DuplexChannel, _side: Side) -> DuplexChannel {
        let (input, output, session) = channel.into_parts();
        DuplexChannel::new(
            Box::new(CountingSource {
                inner: input,
                received: self.received.clone(),
            }),
            Arc::new(CountingSink {
                inner: output,
                sent: self.sent.clone(),
            }),
            session,
        )
    }

    fn request_channel<R: RequestChannel>(&self, inner: R) -> CountingRequests<R> {
        CountingRequests {
            inner,
            counts: self.clone(),
        }
    }

    fn request_handler<H: RequestHandler>(&self, inner: H) -> CountingHandler<H> {
        CountingHandler {
            inner,
            counts: self.clone(),
        }
    }
}

/// Ten echo calls through a counting layer on each side of `binding` at `address`.
async fn counted<B: Binding>(binding: B, address: &str) {
    let (service_side, client_side) = (Counting::default(), Counting::default());
    let probe = Probe::default();
    let factory = probe.clone();
    let host = host(
        EchoContract::per_session(move || Echoer::new(&factory)),
        Layered::new(binding.clone(), service_side.clone()),
        address,
    )
    .await;
    let client = EchoClient::connect(Layered::new(binding, client_side.clone()), host.address())
        .await
        .unwrap();
    for n in 0..10 {
        assert_eq!(client.echo(n.to_string()).await.unwrap(), n.to_string());
    }
    client.close().await.unwrap();
    host.shutdown().await;
    assert_eq!(probe.calls(), 10);
    assert_eq!(client_side.counts(), (10, 10), "client: (sent, received)");
    assert_eq!(service_side.counts(), (10, 10), "service: (sent, received)");
}

#[tokio::test]
async fn a_layer_written_outside_indigo_counts_every_message_over_net_tcp() {
    counted(NetTcpBinding::new(), "net.tcp://127.0.0.1:0/counted").await;
}

#[tokio::test]
async fn a_layer_written_outside_indigo_counts_every_message_over_memory() {
    counted(MemoryBinding::new(), "memory://layers-counted").await;
}

#[tokio::test]
async fn a_layer_written_outside_indigo_counts_every_message_over_http() {
    counted(WsHttpBinding::new(), "http://127.0.0.1:0/counted").await;
    counted(BasicHttpBinding::new(), "http://127.0.0.1:0/counted").await;
}

#[tokio::test]
async fn layers_nest() {
    let (inner, outer) = (Counting::default(), Counting::default());
    let probe = Probe::default();
    let factory = probe.clone();
    let host = host(
        EchoContract::per_call(move || Echoer::new(&factory)),
        NetTcpBinding::new(),
        "net.tcp://127.0.0.1:0/nested",
    )
    .await;
    let binding = Layered::new(
        Layered::new(NetTcpBinding::new(), inner.clone()),
        outer.clone(),
    );
    let client = EchoClient::connect(binding, host.address()).await.unwrap();
    client.echo("x".into()).await.unwrap();
    assert_eq!(inner.counts(), (1, 1));
    assert_eq!(outer.counts(), (1, 1));
}

/// A session that records the numbers it is pushed.
#[service_contract(namespace = "urn:indigo:tests:record")]
trait Recorder {
    #[operation(one_way)]
    async fn push(&self, n: u64);
    async fn echo(&self, n: u64) -> u64;
}

#[derive(Clone, Default)]
struct Record(Arc<Mutex<Vec<u64>>>);

impl Record {
    fn seen(&self) -> Vec<u64> {
        self.0.lock().unwrap().clone()
    }
}

impl Recorder for Record {
    async fn push(&self, n: u64) {
        self.0.lock().unwrap().push(n);
    }
    async fn echo(&self, n: u64) -> u64 {
        self.0.lock().unwrap().push(n);
        n
    }
}

/// The indexes of the messages of `direction` that passed (twice for a duplicate).
fn passed(layer: &FaultInjection, direction: Direction) -> Vec<u64> {
    layer
        .log()
        .events()
        .into_iter()
        .filter(|e| e.direction == direction)
        .flat_map(|e| match e.fate {
            Fate::Duplicated => vec![e.index, e.index],
            fate if fate.passed() => vec![e.index],
            _ => vec![],
        })
        .collect()
}

#[tokio::test]
async fn a_memory_session_sees_exactly_what_a_ten_percent_drop_let_through() {
    let record = Record::default();
    let seen = record.clone();
    let host = host(
        RecorderContract::per_session(move || seen.clone()),
        MemoryBinding::new(),
        "memory://layers-drop",
    )
    .await;
    let faults = FaultInjection::new(2026).outgoing(Faults::new().drop(0.1));
    let client = RecorderClient::connect(
        Layered::new(MemoryBinding::new(), faults.clone()),
        host.address(),
    )
    .await
    .unwrap();
    for n in 0..1_000 {
        client.push(n).await.unwrap();
    }
    client.close().await.unwrap();
    host.shutdown().await;

    let let_through = passed(&faults, Direction::Outgoing);
    assert_eq!(record.seen(), let_through, "no retries below the layer");
    let dropped = 1_000 - let_through.len();
    assert!((60..=140).contains(&dropped), "{dropped} of 1000 dropped");
}

#[tokio::test]
async fn a_duplicated_request_over_net_tcp_runs_twice_and_its_second_reply_answers_no_call() {
    let record = Record::default();
    let seen = record.clone();
    let host = host(
        RecorderContract::per_session(move || seen.clone()),
        NetTcpBinding::new(),
        "net.tcp://127.0.0.1:0/duplicates",
    )
    .await;
    let faults = FaultInjection::new(7).outgoing(Faults::new().duplicate(0.3));
    let unsolicited = Arc::new(AtomicUsize::new(0));
    let count = unsolicited.clone();
    let client = RecorderClient::connect_with(
        Layered::new(NetTcpBinding::new(), faults.clone()),
        host.address(),
        ClientOptions::new().on_unsolicited(move |_| {
            count.fetch_add(1, Ordering::SeqCst);
        }),
    )
    .await
    .unwrap();
    for n in 0..100 {
        assert_eq!(client.echo(n).await.unwrap(), n);
    }
    client.close().await.unwrap();
    host.shutdown().await;

    assert_eq!(record.seen(), passed(&faults, Direction::Outgoing));
    let duplicated = faults
        .log()
        .events()
        .iter()
        .filter(|e| e.fate == Fate::Duplicated)
        .count();
    assert!(duplicated > 10, "{duplicated} duplicated");
    assert_eq!(unsolicited.load(Ordering::SeqCst), duplicated);
}

#[tokio::test]
async fn a_dropped_http_request_is_no_reply_and_never_reaches_the_service() {
    let record = Record::default();
    let seen = record.clone();
    let host = host(
        RecorderContract::per_call(move || seen.clone()),
        BasicHttpBinding::new(),
        "http://127.0.0.1:0/dropped",
    )
    .await;
    let faults = FaultInjection::new(11).outgoing(Faults::new().drop(0.3));
    let client = RecorderClient::connect(
        Layered::new(BasicHttpBinding::new(), faults.clone()),
        host.address(),
    )
    .await
    .unwrap();
    let mut unanswered = 0;
    for n in 0..60 {
        match client.echo(n).await {
            Ok(echoed) => assert_eq!(echoed, n),
            Err(indigo::Error::Communication(reason)) if reason.contains("without a reply") => {
                unanswered += 1
            }
            Err(error) => panic!("{error:?}"),
        }
    }
    let let_through = passed(&faults, Direction::Outgoing);
    assert_eq!(record.seen(), let_through);
    assert_eq!(unanswered, 60 - let_through.len());
    assert!(unanswered > 5, "{unanswered} dropped");
}

#[tokio::test]
async fn a_lost_http_exchange_fails_the_call_as_a_lost_connection() {
    let host = host(
        RecorderContract::per_call(Record::default),
        WsHttpBinding::new(),
        "http://127.0.0.1:0/lost",
    )
    .await;
    let faults = FaultInjection::new(1).outgoing(Faults::new().lose(1.0));
    let client =
        RecorderClient::connect(Layered::new(WsHttpBinding::new(), faults), host.address())
            .await
            .unwrap();
    let error = client.echo(1).await.unwrap_err();
    assert!(
        matches!(&error, indigo::Error::Communication(m) if m.contains("lost")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_service_side_fault_layer_drops_requests_before_the_dispatcher() {
    let record = Record::default();
    let seen = record.clone();
    let faults = FaultInjection::new(5).incoming(Faults::new().drop(0.5));
    let host = host(
        RecorderContract::per_call(move || seen.clone()),
        Layered::new(WsHttpBinding::new(), faults.clone()),
        "http://127.0.0.1:0/service-drops",
    )
    .await;
    let client = RecorderClient::connect(WsHttpBinding::new(), host.address())
        .await
        .unwrap();
    for n in 0..40 {
        let _ = client.echo(n).await;
    }
    assert_eq!(record.seen(), passed(&faults, Direction::Incoming));
    assert!(record.seen().len() < 35);
}
