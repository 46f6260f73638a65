//! Instance lifetimes under the service's control: release modes, `release_service_instance`,
//! instance contexts shared between sessions, and the instance throttle. Constructor and
//! destructor calls are counted (built, `on_release`, `Drop`) after every step.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use indigo::binding::Binding;
use indigo::message::{FaultKind, Message};
use indigo::prelude::*;
use indigo::service::{Admission, CallInfo, OperationContext};
use indigo::{Error, client::CallScope};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

/// Every operation answers with the number of the instance it ran on.
#[service_contract(namespace = "urn:indigo:tests:recycle")]
trait Recycler {
    async fn plain(&mut self) -> usize;
    #[operation(release_instance = BeforeCall)]
    async fn before(&mut self) -> usize;
    #[operation(release_instance = AfterCall)]
    async fn after(&mut self) -> usize;
    #[operation(release_instance = BeforeAndAfterCall)]
    async fn both(&mut self) -> usize;
    /// Asks for its instance to be released once it completes.
    async fn release(&mut self) -> usize;
}

/// An instance numbered in the order instances are built.
struct Recycled {
    number: usize,
    probe: Probe,
    _tracked: Tracked,
}

impl Recycled {
    fn new(probe: &Probe) -> Self {
        let tracked = Tracked::new(probe);
        Recycled {
            number: probe.built(),
            probe: probe.clone(),
            _tracked: tracked,
        }
    }
}

impl Recycler for Recycled {
    async fn plain(&mut self) -> usize {
        self.number
    }
    async fn before(&mut self) -> usize {
        self.number
    }
    async fn after(&mut self) -> usize {
        self.number
    }
    async fn both(&mut self) -> usize {
        self.number
    }
    async fn release(&mut self) -> usize {
        OperationContext::with(OperationContext::release_service_instance)
            .expect("inside an operation");
        self.number
    }
    async fn on_release(&mut self) {
        self.probe.note_released();
    }
}

/// Waits until `counts.2` instances are dropped, then checks the (built, released, dropped)
/// counts: an instance is released after its call's reply, as in WCF.
async fn settled(probe: &Probe, counts: (usize, usize, usize), why: &str) {
    probe.wait_dropped(counts.2).await;
    assert_eq!(probe.counts(), counts, "{why}");
}

/// One session's calls and, after each, the instance it ran on and the (built, released,
/// dropped) counts, as WCF's `ReleaseInstanceMode` and `ReleaseServiceInstance` make them.
async fn release_modes_over<B: Binding>(binding: B, address: &str) {
    let probe = Probe::default();
    let factory = probe.clone();
    let host = host(
        RecyclerContract::per_session(move || Recycled::new(&factory)),
        binding.clone(),
        address,
    )
    .await;
    let client = RecyclerClient::connect(binding, host.address())
        .await
        .unwrap();
    // (operation, the instance it runs on, (built, released, dropped) after it).
    let steps = [
        ("plain", 1, (1, 0, 0)),
        ("plain", 1, (1, 0, 0)),
        // AfterCall: the call runs on the instance in place, released after it.
        ("after", 1, (1, 1, 1)),
        // The session goes on, on a fresh instance.
        ("plain", 2, (2, 1, 1)),
        // BeforeCall: the instance in place is released, the call runs on a fresh one.
        ("before", 3, (3, 2, 2)),
        // Both: released before (3) and after (4).
        ("both", 4, (4, 4, 4)),
        // BeforeCall on a context without an instance releases nothing first.
        ("before", 5, (5, 4, 4)),
        // ReleaseServiceInstance: released once the call completes.
        ("release", 5, (5, 5, 5)),
        ("plain", 6, (6, 5, 5)),
    ];
    for (operation, instance, counts) in steps {
        let ran_on = match operation {
            "plain" => client.plain().await,
            "before" => client.before().await,
            "after" => client.after().await,
            "both" => client.both().await,
            _ => client.release().await,
        };
        assert_eq!(ran_on.unwrap(), instance, "{operation}");
        settled(&probe, counts, operation).await;
    }
    client.close().await.unwrap();
    settled(&probe, (6, 6, 6), "").await;
    host.shutdown().await;
}

#[tokio::test]
async fn release_modes_recycle_a_sessions_instance_over_memory() {
    release_modes_over(MemoryBinding::new(), &unique("recycle")).await;
}

#[tokio::test]
async fn release_modes_recycle_a_sessions_instance_over_net_tcp() {
    release_modes_over(NetTcpBinding::new(), "net.tcp://127.0.0.1:0/recycle").await;
    release_modes_over(
        NetTcpBinding::new().text_encoding(),
        "net.tcp://127.0.0.1:0/recycle",
    )
    .await;
}

#[tokio::test]
async fn a_singleton_is_never_recycled() {
    let probe = Probe::default();
    let address = unique("recycle-single");
    let host = host(
        RecyclerContract::single(Recycled::new(&probe)),
        MemoryBinding::new(),
        &address,
    )
    .await;
    let client = RecyclerClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(client.after().await.unwrap(), 1);
        assert_eq!(client.both().await.unwrap(), 1);
        assert_eq!(client.release().await.unwrap(), 1);
    }
    settled(&probe, (1, 0, 0), "").await;
    client.close().await.unwrap();
    host.shutdown().await;
    settled(&probe, (1, 1, 1), "released once, with the host").await;
}

#[tokio::test]
async fn per_call_instances_are_built_and_released_once_per_call_whatever_the_mode() {
    let probe = Probe::default();
    let factory = probe.clone();
    let address = unique("recycle-per-call");
    let host = host(
        RecyclerContract::per_call(move || Recycled::new(&factory)),
        MemoryBinding::new(),
        &address,
    )
    .await;
    let client = RecyclerClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    assert_eq!(client.plain().await.unwrap(), 1);
    assert_eq!(client.before().await.unwrap(), 2);
    assert_eq!(client.after().await.unwrap(), 3);
    assert_eq!(client.both().await.unwrap(), 4);
    assert_eq!(client.release().await.unwrap(), 5);
    settled(&probe, (5, 5, 5), "").await;
    client.close().await.unwrap();
    host.shutdown().await;
}

#[tokio::test]
async fn without_a_session_release_modes_change_nothing() {
    let probe = Probe::default();
    let factory = probe.clone();
    let host = host(
        RecyclerContract::per_session(move || Recycled::new(&factory)),
        BasicHttpBinding::new(),
        "http://127.0.0.1:0/recycle",
    )
    .await;
    let client = RecyclerClient::connect(BasicHttpBinding::new(), host.address())
        .await
        .unwrap();
    // Per-session over a binding without sessions: an instance per call, as in WCF.
    assert_eq!(client.plain().await.unwrap(), 1);
    assert_eq!(client.both().await.unwrap(), 2);
    assert_eq!(client.release().await.unwrap(), 3);
    settled(&probe, (3, 3, 3), "").await;
    host.shutdown().await;
}

/// The cart a header names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, indigo::message::Header)]
#[header(namespace = "urn:indigo:tests:cart")]
struct CartId {
    #[serde(rename = "Id")]
    id: String,
}

/// A shopping cart, one per `CartId`.
#[service_contract(namespace = "urn:indigo:tests:cart")]
trait Cart {
    async fn add(&mut self, item: String) -> Vec<String>;
    async fn items(&self) -> Vec<String>;
    /// Waits for the test's signal, holding the instance.
    async fn hold(&mut self) -> usize;
}

/// Where the carts tell the test what they do.
#[derive(Clone, Default)]
struct Counter {
    /// What ran, in order: `enter N` / `leave N` for `hold`, `add ITEM`.
    log: Arc<Mutex<Vec<String>>>,
    /// Released by the test to let a `hold` finish.
    go: Arc<Notify>,
    /// How many `hold` calls are running.
    holding: Arc<watch::Sender<usize>>,
}

impl Counter {
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn note(&self, line: String) {
        self.log.lock().unwrap().push(line);
    }
}

struct Basket {
    number: usize,
    items: Vec<String>,
    counter: Counter,
    probe: Probe,
    _tracked: Tracked,
}

impl Basket {
    fn new(probe: &Probe, counter: &Counter) -> Self {
        let tracked = Tracked::new(probe);
        Basket {
            number: probe.built(),
            items: Vec::new(),
            counter: counter.clone(),
            probe: probe.clone(),
            _tracked: tracked,
        }
    }
}

impl Cart for Basket {
    async fn add(&mut self, item: String) -> Vec<String> {
        self.counter.note(format!("add {item}"));
        self.items.push(item);
        self.items.clone()
    }
    async fn items(&self) -> Vec<String> {
        self.items.clone()
    }
    async fn hold(&mut self) -> usize {
        self.counter.note(format!("enter {}", self.number));
        self.counter.holding.send_modify(|n| *n += 1);
        self.counter.go.notified().await;
        self.counter.holding.send_modify(|n| *n -= 1);
        self.counter.note(format!("leave {}", self.number));
        self.number
    }
    async fn on_release(&mut self) {
        self.probe.note_released();
    }
}

/// The cart a request's `CartId` header names, if it has one.
fn cart_of(request: &Message, _call: &CallInfo) -> Option<String> {
    request
        .headers
        .get::<CartId>()
        .ok()
        .flatten()
        .map(|cart| cart.id)
}

fn cart_service(probe: &Probe, counter: &Counter) -> Service<CartContract, Basket> {
    let (probe, counter) = (probe.clone(), counter.clone());
    CartContract::per_session(move || Basket::new(&probe, &counter)).share_instances_by(cart_of)
}

/// `call` with the `CartId` header `id`.
async fn in_cart<T>(id: &str, call: impl Future<Output = Result<T, Error>>) -> T {
    let scope = CallScope::new()
        .with_header(&CartId { id: id.to_owned() })
        .unwrap();
    scope.run(call).await.0.unwrap()
}

async fn carts_shared_over<B: Binding>(binding: B, address: &str) {
    let (probe, counter) = (Probe::default(), Counter::default());
    let host = host(cart_service(&probe, &counter), binding.clone(), address).await;
    let connect = || CartClient::connect(binding.clone(), host.address());
    let (ann, bob, cyd, dan) = (
        connect().await.unwrap(),
        connect().await.unwrap(),
        connect().await.unwrap(),
        connect().await.unwrap(),
    );
    // The key is read from a session's first call only.
    assert_eq!(in_cart("c1", ann.add("apple".into())).await, ["apple"]);
    assert_eq!(
        in_cart("c1", bob.add("pear".into())).await,
        ["apple", "pear"]
    );
    assert_eq!(ann.items().await.unwrap(), ["apple", "pear"]);
    assert_eq!(
        bob.add("fig".into()).await.unwrap(),
        ["apple", "pear", "fig"]
    );
    // Another key, and no key at all, have instances of their own.
    assert_eq!(in_cart("c2", cyd.add("kiwi".into())).await, ["kiwi"]);
    assert_eq!(dan.add("lime".into()).await.unwrap(), ["lime"]);
    settled(&probe, (3, 0, 0), "").await;

    ann.close().await.unwrap();
    settled(&probe, (3, 0, 0), "bob still uses cart c1").await;
    assert_eq!(bob.items().await.unwrap(), ["apple", "pear", "fig"]);
    bob.close().await.unwrap();
    settled(&probe, (3, 1, 1), "c1 released once, after both").await;
    cyd.close().await.unwrap();
    dan.close().await.unwrap();
    settled(&probe, (3, 3, 3), "").await;
    host.shutdown().await;
}

#[tokio::test]
async fn sessions_with_one_key_share_one_instance_over_memory() {
    carts_shared_over(MemoryBinding::new(), &unique("cart")).await;
}

#[tokio::test]
async fn sessions_with_one_key_share_one_instance_over_net_tcp() {
    carts_shared_over(NetTcpBinding::new(), "net.tcp://127.0.0.1:0/cart").await;
}

/// Lets every task run until all of them wait (the clock is paused: it only moves when nothing
/// else can).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

#[tokio::test(start_paused = true)]
async fn calls_queue_at_a_shared_instance_in_arrival_order_across_sessions() {
    let (probe, counter) = (Probe::default(), Counter::default());
    let address = unique("cart-queue");
    let host = host(
        cart_service(&probe, &counter),
        MemoryBinding::new(),
        &address,
    )
    .await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let client = CartClient::connect(MemoryBinding::new(), &address)
            .await
            .unwrap();
        clients.push(Arc::new(client));
    }
    let mut holding = counter.holding.subscribe();
    let hold = |client: &Arc<CartClient>| {
        let client = client.clone();
        tokio::spawn(async move { in_cart("busy", client.hold()).await })
    };
    let first = hold(&clients[0]);
    holding.wait_for(|n| *n == 1).await.unwrap();
    let (second, third) = (hold(&clients[1]), {
        settle().await;
        hold(&clients[2])
    });
    settle().await;
    // The two later calls have arrived, and wait for the instance the first holds.
    assert_eq!(counter.log(), ["enter 1"]);
    for _ in 0..3 {
        counter.go.notify_one();
        settle().await;
    }
    let numbers = [first.await, second.await, third.await].map(Result::unwrap);
    assert_eq!(numbers, [1, 1, 1], "one instance for the three sessions");
    assert_eq!(
        counter.log(),
        [
            "enter 1", "leave 1", "enter 1", "leave 1", "enter 1", "leave 1"
        ],
        "one call at a time, in arrival order"
    );
    drop(clients);
    settled(&probe, (1, 1, 1), "").await;
    host.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_shared_instance_waits_its_idle_timeout_for_a_new_session() {
    let (probe, counter) = (Probe::default(), Counter::default());
    let address = unique("cart-idle");
    let service = cart_service(&probe, &counter).shared_idle_timeout(Duration::from_secs(30));
    let host = host(service, MemoryBinding::new(), &address).await;
    let connect = || CartClient::connect(MemoryBinding::new(), &address);

    let ann = connect().await.unwrap();
    assert_eq!(in_cart("c1", ann.add("apple".into())).await, ["apple"]);
    ann.close().await.unwrap();
    tokio::time::sleep(Duration::from_secs(20)).await;
    settled(&probe, (1, 0, 0), "kept for its idle timeout").await;

    // A session arriving in time finds it; its end starts the idle time again.
    let bob = connect().await.unwrap();
    assert_eq!(
        in_cart("c1", bob.add("pear".into())).await,
        ["apple", "pear"]
    );
    bob.close().await.unwrap();
    tokio::time::sleep(Duration::from_secs(29)).await;
    settled(&probe, (1, 0, 0), "").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    settled(&probe, (1, 1, 1), "released once, idle").await;

    let cyd = connect().await.unwrap();
    assert_eq!(
        in_cart("c1", cyd.add("fig".into())).await,
        ["fig"],
        "a new cart"
    );
    cyd.close().await.unwrap();
    host.shutdown().await;
    settled(&probe, (2, 2, 2), "the host releases what is left").await;
}

#[tokio::test]
async fn calls_without_a_session_share_an_instance_by_key() {
    let (probe, counter) = (Probe::default(), Counter::default());
    // Long enough to outlive the test: the cart lives between the calls, until the host ends.
    let service = cart_service(&probe, &counter).shared_idle_timeout(Duration::from_secs(600));
    let host = host(service, BasicHttpBinding::new(), "http://127.0.0.1:0/cart").await;
    let client = CartClient::connect(BasicHttpBinding::new(), host.address())
        .await
        .unwrap();
    assert_eq!(in_cart("c1", client.add("apple".into())).await, ["apple"]);
    assert_eq!(
        in_cart("c1", client.add("pear".into())).await,
        ["apple", "pear"]
    );
    assert_eq!(in_cart("c2", client.add("kiwi".into())).await, ["kiwi"]);
    // Without a key: per call.
    assert_eq!(client.add("lime".into()).await.unwrap(), ["lime"]);
    settled(&probe, (3, 1, 1), "").await;
    host.shutdown().await;
    settled(&probe, (3, 3, 3), "").await;
}

/// A per-session calculator service on `address`, at most `instances` instance contexts alive.
async fn throttled_host(
    probe: &Probe,
    address: &str,
    instances: usize,
    admission: Admission,
) -> ServiceHost {
    let factory = probe.clone();
    ServiceHost::builder()
        .endpoint(
            CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
            MemoryBinding::new().send_timeout(Duration::from_secs(10)),
            address,
        )
        .max_concurrent_instances(instances)
        .admission(admission)
        .open()
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn past_max_concurrent_instances_a_new_session_waits_for_one_to_end() {
    let probe = Probe::default();
    let address = unique("throttled");
    let _host = throttled_host(&probe, &address, 1, Admission::Queue).await;
    let connect = || CalculatorSessionClient::connect(MemoryBinding::new(), &address);
    let (first, ()) = connect().await.unwrap().clear().await.unwrap();
    let second = tokio::spawn({
        let second = connect().await.unwrap();
        async move { second.clear().await.map(|(client, ())| client) }
    });
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert!(!second.is_finished(), "waiting for an instance context");
    assert_eq!(probe.built(), 1);
    assert_eq!(first.equals().await.unwrap(), 0.0);
    let second = second
        .await
        .unwrap()
        .expect("admitted once the first ended");
    assert_eq!(probe.built(), 2);
    assert_eq!(second.equals().await.unwrap(), 0.0);
}

#[tokio::test(start_paused = true)]
async fn past_max_concurrent_instances_a_call_that_waits_too_long_gets_server_too_busy() {
    let probe = Probe::default();
    let address = unique("throttled-long");
    let _host = throttled_host(&probe, &address, 1, Admission::Queue).await;
    let connect = || CalculatorSessionClient::connect(MemoryBinding::new(), &address);
    let (_first, ()) = connect().await.unwrap().clear().await.unwrap();
    let started = tokio::time::Instant::now();
    let error = connect().await.unwrap().clear().await.unwrap_err();
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(10),
        "the service's send timeout"
    );
    assert_server_too_busy(&error);
    assert_eq!(probe.built(), 1, "the refused session built nothing");
}

#[tokio::test(start_paused = true)]
async fn under_the_refuse_admission_a_call_past_the_instance_limit_is_refused_at_once() {
    let probe = Probe::default();
    let address = unique("throttled-refuse");
    let _host = throttled_host(&probe, &address, 1, Admission::Refuse).await;
    let connect = || CalculatorSessionClient::connect(MemoryBinding::new(), &address);
    let (_first, ()) = connect().await.unwrap().clear().await.unwrap();
    let started = tokio::time::Instant::now();
    let error = connect().await.unwrap().clear().await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_server_too_busy(&error);
}

fn assert_server_too_busy(error: &Error) {
    let fault = error
        .fault()
        .unwrap_or_else(|| panic!("not a fault: {error}"));
    assert_eq!(fault.code.kind, FaultKind::Receiver, "{fault}");
    let subcode = fault.code.subcodes.first().map(|(_, name)| name.as_str());
    assert_eq!(subcode, Some("ServerTooBusy"), "{fault}");
    assert!(
        fault.reason().contains("max_concurrent_instances"),
        "{fault}"
    );
}

#[tokio::test(start_paused = true)]
async fn sessions_waiting_for_one_shared_instance_take_one_place_in_the_throttle() {
    let (probe, counter) = (Probe::default(), Counter::default());
    let address = unique("cart-throttled");
    let host = ServiceHost::builder()
        .endpoint(
            cart_service(&probe, &counter),
            MemoryBinding::new().send_timeout(Duration::from_secs(10)),
            &address,
        )
        .max_concurrent_instances(1)
        .open()
        .await
        .unwrap();
    let connect = || CartClient::connect(MemoryBinding::new(), &address);
    // A session of its own takes the only place.
    let own = connect().await.unwrap();
    assert_eq!(own.add("lime".into()).await.unwrap(), ["lime"]);
    // Two sessions of one cart wait for it: the first to get it makes the cart, which the
    // second joins without a place of its own.
    let (ann, bob) = (
        Arc::new(connect().await.unwrap()),
        Arc::new(connect().await.unwrap()),
    );
    let add = |client: &Arc<CartClient>, item: &'static str| {
        let client = client.clone();
        tokio::spawn(async move { in_cart("c1", client.add(item.into())).await.len() })
    };
    let (first, second) = (add(&ann, "apple"), add(&bob, "pear"));
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(!first.is_finished() && !second.is_finished());
    own.close().await.unwrap();
    let mut lengths = [first.await.unwrap(), second.await.unwrap()];
    lengths.sort_unstable();
    assert_eq!(lengths, [1, 2], "one cart for both");
    settled(&probe, (2, 1, 1), "").await;
    drop((ann, bob));
    host.shutdown().await;
}

/// An instance whose release waits for the test's signal.
#[service_contract(namespace = "urn:indigo:tests:recycle")]
trait Lingering {
    async fn ping(&self) -> u32;
}

struct Lingerer {
    gate: Arc<Notify>,
    probe: Probe,
    _tracked: Tracked,
}

impl Lingering for Lingerer {
    async fn ping(&self) -> u32 {
        7
    }
    async fn on_release(&mut self) {
        self.gate.notified().await;
        self.probe.note_released();
    }
}

/// A per-call instance is released after its call's reply, as WCF releases it: the reply does
/// not wait for a slow `on_release`.
async fn released_after_the_reply_over<B: Binding>(binding: B, address: &str) {
    let (probe, gate) = (Probe::default(), Arc::new(Notify::new()));
    let (factory, opened) = (probe.clone(), gate.clone());
    let host = host(
        LingeringContract::per_call(move || Lingerer {
            gate: opened.clone(),
            probe: factory.clone(),
            _tracked: Tracked::new(&factory),
        }),
        binding.clone(),
        address,
    )
    .await;
    let client = LingeringClient::connect(binding, host.address())
        .await
        .unwrap();
    assert_eq!(client.ping().await.unwrap(), 7);
    assert_eq!(
        probe.counts(),
        (1, 0, 0),
        "answered while its release waits"
    );
    gate.notify_one();
    settled(&probe, (1, 1, 1), "released once let go").await;
    drop(client);
    host.shutdown().await;
}

#[tokio::test]
async fn a_per_call_instance_is_released_after_the_reply_over_memory() {
    released_after_the_reply_over(MemoryBinding::new(), &unique("linger")).await;
}

#[tokio::test]
async fn a_per_call_instance_is_released_after_the_reply_over_http() {
    released_after_the_reply_over(BasicHttpBinding::new(), "http://127.0.0.1:0/linger").await;
}

#[tokio::test]
async fn a_service_served_by_two_hosts_shares_across_them_and_each_host_ends_only_its_part() {
    let (probe, counter) = (Probe::default(), Counter::default());
    let service = cart_service(&probe, &counter);
    let (first_address, second_address) = (unique("cart-first"), unique("cart-second"));
    let first = host(service.clone(), MemoryBinding::new(), &first_address).await;
    let second = host(service, MemoryBinding::new(), &second_address).await;
    let ann = CartClient::connect(MemoryBinding::new(), &first_address)
        .await
        .unwrap();
    let bob = CartClient::connect(MemoryBinding::new(), &second_address)
        .await
        .unwrap();
    assert_eq!(in_cart("c1", ann.add("apple".into())).await, ["apple"]);
    assert_eq!(
        in_cart("c1", bob.add("pear".into())).await,
        ["apple", "pear"]
    );
    ann.close().await.unwrap();
    first.shutdown().await;
    // The first host's end does not end the cart the second host's session uses.
    assert_eq!(bob.items().await.unwrap(), ["apple", "pear"]);
    settled(&probe, (1, 0, 0), "still in use").await;
    bob.close().await.unwrap();
    settled(&probe, (1, 1, 1), "released once, with its last session").await;
    second.shutdown().await;
    settled(&probe, (1, 1, 1), "").await;
}
