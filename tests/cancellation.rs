//! Calls that outlive their welcome: clients that disconnect while their calls run, a host
//! that shuts down past its deadline, operations that run past the service's operation timeout,
//! calls that time out on the client, and a panicking instance factory.
//!
//! The rule: a call whose session ends is dropped at its next `await` when its instance is its
//! own (per session, per call) or the operation is `cancel_safe`; on a singleton or shared
//! instance it is left to finish, its reply discarded.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use indigo::Error;
use indigo::client::{CallScope, ClientOptions};
use indigo::message::{FaultKind, HeaderBlock};
use indigo::prelude::*;
use tokio::sync::{Notify, watch};

#[service_contract(namespace = "urn:indigo:tests:cancel")]
trait Stall {
    /// Waits for the test's gate, then counts itself completed.
    async fn hang(&mut self) -> usize;
    /// The same, but it may be dropped mid-way even on a shared instance.
    #[operation(cancel_safe)]
    async fn hang_safely(&mut self) -> usize;
    async fn ping(&self) -> usize;
}

/// What the stalling services share with the test.
#[derive(Clone, Default)]
struct Stage {
    /// Opened by the test (never, for calls that never return).
    gate: Arc<Notify>,
    /// Operations waiting at the gate now.
    running: Arc<watch::Sender<usize>>,
    /// Operations that got through the gate.
    completed: Arc<AtomicUsize>,
}

impl Stage {
    async fn wait_running(&self, n: usize) {
        let mut running = self.running.subscribe();
        tokio::time::timeout(Duration::from_secs(10), running.wait_for(|r| *r >= n))
            .await
            .expect("the calls started in time")
            .expect("the stage is alive");
    }

    fn completed(&self) -> usize {
        self.completed.load(Ordering::SeqCst)
    }
}

struct Staller {
    stage: Stage,
    probe: Probe,
    _tracked: Tracked,
}

impl Staller {
    fn new(stage: &Stage, probe: &Probe) -> Self {
        Staller {
            stage: stage.clone(),
            probe: probe.clone(),
            _tracked: Tracked::new(probe),
        }
    }

    async fn stall(&self) -> usize {
        /// Counts the operation as running while it waits, even when it is dropped there.
        struct Running<'a>(&'a watch::Sender<usize>);
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                self.0.send_modify(|r| *r -= 1);
            }
        }
        self.stage.running.send_modify(|r| *r += 1);
        let running = Running(&self.stage.running);
        self.stage.gate.notified().await;
        drop(running);
        self.stage.completed.fetch_add(1, Ordering::SeqCst) + 1
    }
}

impl Stall for Staller {
    async fn hang(&mut self) -> usize {
        self.stall().await
    }
    async fn hang_safely(&mut self) -> usize {
        self.stall().await
    }
    async fn ping(&self) -> usize {
        7
    }
    async fn on_release(&mut self) {
        self.probe.note_released();
    }
}

/// Calls `hang` on `client` in a task of its own.
fn hang_on(client: &Arc<StallClient>) -> tokio::task::JoinHandle<Result<usize, Error>> {
    let client = client.clone();
    tokio::spawn(async move { client.hang().await })
}

fn per_session(stage: &Stage, probe: &Probe) -> Service<StallContract, Staller> {
    let (stage, probe) = (stage.clone(), probe.clone());
    StallContract::per_session(move || Staller::new(&stage, &probe))
}

#[tokio::test]
async fn never_returning_calls_of_clients_gone_release_their_instances_and_permits() {
    // 32 calls: the default call throttle on 2 cores, set here whatever the machine.
    const CALLS: usize = 32;
    let (stage, probe, spare) = (Stage::default(), Probe::default(), Probe::default());
    let host = ServiceHost::builder()
        .max_concurrent_calls(CALLS)
        .endpoint(
            per_session(&stage, &probe),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/stall",
        )
        .endpoint(
            per_session(&Stage::default(), &spare),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/spare",
        )
        .open()
        .await
        .unwrap();
    let (stall, spare_address) = (host.addresses()[0].clone(), host.addresses()[1].clone());
    let mut calls = Vec::new();
    for _ in 0..CALLS {
        let client = StallClient::connect(NetTcpBinding::new(), &stall)
            .await
            .unwrap();
        calls.push(tokio::spawn(async move { client.hang().await }));
    }
    stage.wait_running(CALLS).await;
    // Every call permit is taken: the clients go away.
    for call in &calls {
        call.abort();
    }
    probe.wait_dropped(CALLS).await;
    assert_eq!(
        probe.counts(),
        (CALLS, CALLS, CALLS),
        "released, on_release and Drop"
    );
    assert_eq!(stage.completed(), 0, "dropped where they waited");
    let good = StallClient::connect(NetTcpBinding::new(), &spare_address)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let answered = tokio::time::timeout(Duration::from_secs(5), good.ping()).await;
    assert_eq!(answered.expect("answered at once").unwrap(), 7);
    eprintln!(
        "a good call beside 32 cancelled ones: {:?}",
        started.elapsed()
    );
    good.close().await.unwrap();
    host.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn shutdown_returns_at_its_deadline_with_never_returning_calls() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let address = unique("stall-shutdown");
    let host = host(per_session(&stage, &probe), MemoryBinding::new(), &address).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let client = Arc::new(
            StallClient::connect(MemoryBinding::new(), &address)
                .await
                .unwrap(),
        );
        hang_on(&client);
        clients.push(client);
    }
    stage.wait_running(3).await;
    let started = tokio::time::Instant::now();
    host.shutdown_within(Duration::from_secs(1)).await;
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(1),
        "exactly the deadline"
    );
    probe.wait_dropped(3).await;
    assert_eq!(probe.counts(), (3, 3, 3));
}

#[tokio::test]
async fn shutdown_returns_at_its_deadline_over_real_sockets() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let host = host(
        per_session(&stage, &probe),
        NetTcpBinding::new(),
        "net.tcp://127.0.0.1:0/stall",
    )
    .await;
    let client = Arc::new(
        StallClient::connect(NetTcpBinding::new(), host.address())
            .await
            .unwrap(),
    );
    hang_on(&client);
    stage.wait_running(1).await;
    let started = std::time::Instant::now();
    host.shutdown_within(Duration::from_secs(1)).await;
    let took = started.elapsed();
    eprintln!("shutdown_within(1 s) over net.tcp with a never-returning call: {took:?}");
    assert!(took < Duration::from_secs(2), "shutdown took {took:?}");
    probe.wait_dropped(1).await;
    assert_eq!(probe.counts(), (1, 1, 1));
}

/// A singleton's call is not dropped mid-way when its client goes (other sessions use the
/// instance): it finishes once let through, its reply discarded. A `cancel_safe` one is dropped.
#[tokio::test(start_paused = true)]
async fn a_call_on_a_singleton_finishes_when_its_client_goes_unless_cancel_safe() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let address = unique("stall-single");
    let _host = host(
        StallContract::single(Staller::new(&stage, &probe)),
        MemoryBinding::new(),
        &address,
    )
    .await;
    for (safe, completes) in [(false, 1), (true, 0)] {
        let before = stage.completed();
        let client = StallClient::connect(MemoryBinding::new(), &address)
            .await
            .unwrap();
        let call = tokio::spawn(async move {
            if safe {
                client.hang_safely().await
            } else {
                client.hang().await
            }
        });
        stage.wait_running(1).await;
        call.abort();
        // Once the session has ended (every task waits: the clock is paused), the gate opens.
        tokio::time::sleep(Duration::from_millis(1)).await;
        stage.gate.notify_waiters();
        let mut running = stage.running.subscribe();
        tokio::time::timeout(Duration::from_secs(10), running.wait_for(|r| *r == 0))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stage.completed() - before, completes, "cancel_safe: {safe}");
    }
    assert_eq!(probe.counts(), (1, 0, 0), "the singleton stays");
}

#[tokio::test(start_paused = true)]
async fn an_operation_past_the_timeout_is_a_fault_and_faults_its_session() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let address = unique("stall-timeout");
    let service = per_session(&stage, &probe).operation_timeout(Duration::from_secs(3));
    let _host = host(service, MemoryBinding::new(), &address).await;
    let client = StallClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = client.hang().await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    let fault = error
        .fault()
        .unwrap_or_else(|| panic!("not a fault: {error}"));
    assert_eq!(fault.code.kind, FaultKind::Receiver, "{fault}");
    assert_eq!(
        fault.code.subcodes.first().map(|(_, name)| name.as_str()),
        Some("OperationTimedOut")
    );
    // The session is faulted: its instance is released, and the next call fails.
    probe.wait_dropped(1).await;
    assert_eq!(probe.counts(), (1, 1, 1));
    assert!(client.ping().await.is_err(), "the session is over");
    assert_eq!(stage.completed(), 0, "dropped where it waited");
}

#[tokio::test(start_paused = true)]
async fn a_call_that_times_out_faults_the_client_session() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let address = unique("stall-client-timeout");
    let _host = host(per_session(&stage, &probe), MemoryBinding::new(), &address).await;
    let binding = MemoryBinding::new().send_timeout(Duration::from_secs(2));
    let client = StallClient::connect(binding, &address).await.unwrap();
    let started = tokio::time::Instant::now();
    let error = client.hang().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    // The next call does not queue behind the hung one: it fails at once.
    let error = client.ping().await.unwrap_err();
    assert!(matches!(error, Error::SessionClosed(_)), "{error:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    // The service's side of the session ends with it, and releases its instance.
    probe.wait_dropped(1).await;
    assert_eq!(probe.counts(), (1, 1, 1));
}

#[tokio::test]
async fn a_dropped_call_future_leaves_its_reply_to_the_unsolicited_handler() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let address = unique("stall-dropped");
    let _host = host(per_session(&stage, &probe), MemoryBinding::new(), &address).await;
    let (replies, mut replied) = tokio::sync::mpsc::unbounded_channel();
    let options = ClientOptions::new().on_unsolicited(move |message| {
        let _ = replies.send(message.action().to_owned());
    });
    let client = Arc::new(
        StallClient::connect_with(MemoryBinding::new(), &address, options)
            .await
            .unwrap(),
    );
    let call = hang_on(&client);
    stage.wait_running(1).await;
    // The caller stops waiting; the service goes on and answers.
    call.abort();
    assert!(call.await.unwrap_err().is_cancelled());
    stage.gate.notify_one();
    let action = tokio::time::timeout(Duration::from_secs(10), replied.recv())
        .await
        .expect("the reply came")
        .expect("the handler is alive");
    assert!(action.ends_with("HangResponse"), "{action}");
    // The session goes on.
    assert_eq!(client.ping().await.unwrap(), 7);
}

#[service_contract(namespace = "urn:indigo:tests:cancel")]
trait Fragile {
    async fn touch(&self) -> u8;
}

struct Unbuildable;

impl Fragile for Unbuildable {
    async fn touch(&self) -> u8 {
        1
    }
}

fn unbuildable() -> Unbuildable {
    panic!("the factory's bug")
}

/// A panicking factory is an `InternalServiceFault`, as a panicking operation is.
async fn a_panicking_factory_is_a_fault_over<B: indigo::binding::Binding>(
    binding: B,
    address: &str,
) {
    let host = host(
        FragileContract::per_call(unbuildable),
        binding.clone(),
        address,
    )
    .await;
    let client = FragileClient::connect(binding, host.address())
        .await
        .unwrap();
    let error = client.touch().await.unwrap_err();
    let fault = error
        .fault()
        .unwrap_or_else(|| panic!("not a fault: {error}"));
    assert!(
        fault.subcodes_contain("InternalServiceFault"),
        "{fault}: {:?}",
        fault.code
    );
    drop(client);
    host.shutdown().await;
}

trait Subcodes {
    fn subcodes_contain(&self, name: &str) -> bool;
}

impl Subcodes for indigo::message::Fault {
    fn subcodes_contain(&self, name: &str) -> bool {
        self.code.subcodes.iter().any(|(_, n)| n == name)
            || self.reason().contains("failed unexpectedly")
    }
}

#[tokio::test]
async fn a_panicking_factory_is_a_fault_over_net_tcp() {
    a_panicking_factory_is_a_fault_over(NetTcpBinding::new(), "net.tcp://127.0.0.1:0/fragile")
        .await;
}

#[tokio::test]
async fn a_panicking_factory_is_a_fault_over_http() {
    a_panicking_factory_is_a_fault_over(BasicHttpBinding::new(), "http://127.0.0.1:0/fragile")
        .await;
}

#[tokio::test(start_paused = true)]
async fn the_host_counts_sessions_calls_instances_faults_refusals_and_waits() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let address = unique("stall-stats");
    let host = ServiceHost::builder()
        .endpoint(per_session(&stage, &probe), MemoryBinding::new(), &address)
        .max_concurrent_sessions(2)
        .max_concurrent_calls(1)
        .admission(indigo::service::Admission::Refuse)
        .open()
        .await
        .unwrap();
    let connect = || StallClient::connect(MemoryBinding::new(), &address);
    let first = Arc::new(connect().await.unwrap());
    let second = Arc::new(connect().await.unwrap());
    let refused = connect().await;
    assert!(refused.is_err(), "a third session is past the limit");
    let hung = hang_on(&first);
    stage.wait_running(1).await;
    // The second session's call waits for the only call place.
    let waiting = second.clone();
    let waited = tokio::spawn(async move { waiting.ping().await });
    tokio::time::sleep(Duration::from_millis(1)).await;
    let stats = host.stats();
    assert_eq!(
        (stats.open_sessions, stats.calls_in_flight, stats.instances),
        (2, 1, 2)
    );
    assert_eq!(
        (stats.refused, stats.throttle_waits, stats.faults),
        (1, 1, 0)
    );
    stage.gate.notify_one();
    assert_eq!(hung.await.unwrap().unwrap(), 1);
    assert_eq!(waited.await.unwrap().unwrap(), 7);
    // A header nothing understands is answered with a fault.
    let mut block = HeaderBlock::from_header(&Unknown { level: 1 }).unwrap();
    block.must_understand = true;
    let (refused, _) = CallScope::new().with_block(block).run(first.ping()).await;
    assert!(refused.unwrap_err().fault().is_some());
    let stats = host.stats();
    assert_eq!((stats.calls_in_flight, stats.faults), (0, 1));
    drop((first, second));
    host.shutdown().await;
}

/// A header no service here understands.
#[derive(Debug, serde::Serialize, serde::Deserialize, indigo::message::Header)]
#[header(namespace = "urn:indigo:tests:cancel")]
struct Unknown {
    level: u32,
}

/// A request the session read ahead while a call runs does not hide the client's end: the
/// session still sees its client go, and the call is dropped.
#[tokio::test(start_paused = true)]
async fn a_client_gone_behind_a_request_read_ahead_is_noticed() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let address = unique("stall-read-ahead");
    let host = host(per_session(&stage, &probe), MemoryBinding::new(), &address).await;
    let client = Arc::new(
        StallClient::connect(MemoryBinding::new(), &address)
            .await
            .unwrap(),
    );
    let hang = hang_on(&client);
    stage.wait_running(1).await;
    let pinging = client.clone();
    let ping = tokio::spawn(async move { pinging.ping().await });
    // The paused clock moves on once every task waits: the ping has reached the session.
    tokio::time::sleep(Duration::from_millis(10)).await;
    hang.abort();
    ping.abort();
    drop(client);
    probe.wait_dropped(1).await;
    assert_eq!(probe.counts(), (1, 1, 1));
    assert_eq!(stage.completed(), 0);
    host.shutdown().await;
}

/// A singleton's call past the operation timeout is left to finish: it keeps its call place
/// while it runs on, and does not hold up the host's shutdown past its deadline.
#[tokio::test(start_paused = true)]
async fn a_runaway_singleton_call_keeps_its_place_and_does_not_hold_up_shutdown() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let address = unique("stall-single-runaway");
    let service = StallContract::single(Staller::new(&stage, &probe))
        .operation_timeout(Duration::from_secs(1));
    let host = host(service, MemoryBinding::new(), &address).await;
    let client = StallClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    let error = client.hang().await.unwrap_err();
    assert!(error.fault().is_some(), "{error}");
    assert_eq!(*stage.running.borrow(), 1, "left to finish");
    assert_eq!(host.stats().calls_in_flight, 1, "its place is still taken");
    drop(client);
    let started = tokio::time::Instant::now();
    host.shutdown_within(Duration::from_secs(1)).await;
    assert_eq!(started.elapsed(), Duration::from_secs(1));
}

#[service_contract(namespace = "urn:indigo:tests:cancel:multiple")]
trait Overlap {
    /// Waits for the test's gate.
    async fn slow(&self) -> usize;
}

struct Overlapper(Stage);

impl Overlap for Overlapper {
    async fn slow(&self) -> usize {
        self.0.running.send_modify(|r| *r += 1);
        self.0.gate.notified().await;
        self.0.completed.fetch_add(1, Ordering::SeqCst) + 1
    }
}

fn overlapping(stage: &Stage) -> Service<OverlapContract, Overlapper> {
    let stage = stage.clone();
    OverlapContract::per_session(move || Overlapper(stage.clone()))
        .concurrency(indigo::service::Concurrency::Multiple)
}

/// Under concurrency `Multiple`, a shared call past the operation timeout ends its session at
/// once, not at the session's next message.
#[tokio::test(start_paused = true)]
async fn a_shared_call_past_the_operation_timeout_ends_its_session_at_once() {
    let stage = Stage::default();
    let address = unique("overlap-timeout");
    let service = overlapping(&stage).operation_timeout(Duration::from_secs(1));
    let host = host(service, MemoryBinding::new(), &address).await;
    let client = OverlapClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    let error = client.slow().await.unwrap_err();
    assert!(error.fault().is_some(), "{error}");
    tokio::time::sleep(Duration::from_millis(10)).await;
    let stats = host.stats();
    assert_eq!((stats.open_sessions, stats.instances), (0, 0), "{stats:?}");
    assert!(client.slow().await.is_err(), "the session is over");
}

/// Under concurrency `Multiple`, a session is not idle while a shared call runs: the receive
/// timeout does not cut it off.
#[tokio::test(start_paused = true)]
async fn a_running_shared_call_is_not_cut_by_the_receive_timeout() {
    let stage = Stage::default();
    let address = unique("overlap-idle");
    let binding = MemoryBinding::new().receive_timeout(Duration::from_secs(2));
    let host = host(overlapping(&stage), binding.clone(), &address).await;
    let client = OverlapClient::connect(binding, &address).await.unwrap();
    let gate = stage.clone();
    tokio::spawn(async move {
        gate.wait_running(1).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        gate.gate.notify_waiters();
    });
    assert_eq!(client.slow().await.unwrap(), 1);
    // Idle again from the call's end: the receive timeout ends the session after 2 s more.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(host.stats().open_sessions, 0);
    host.shutdown().await;
}

/// Over HTTP too, a call on a singleton is not dropped mid-way when its request is: at the
/// host's abort it runs on in a task of its own and finishes, its reply discarded.
#[tokio::test]
async fn an_http_call_on_a_singleton_finishes_when_the_host_aborts_it() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let host = host(
        StallContract::single(Staller::new(&stage, &probe)),
        BasicHttpBinding::new(),
        "http://127.0.0.1:0/stall",
    )
    .await;
    let client = StallClient::connect(BasicHttpBinding::new(), host.address())
        .await
        .unwrap();
    let call = tokio::spawn(async move { client.hang().await });
    stage.wait_running(1).await;
    host.shutdown_within(Duration::from_millis(100)).await;
    assert!(
        call.await.unwrap().is_err(),
        "the request was answered with a fault"
    );
    assert_eq!(*stage.running.borrow(), 1, "not dropped mid-way");
    stage.gate.notify_waiters();
    let mut running = stage.running.subscribe();
    tokio::time::timeout(Duration::from_secs(10), running.wait_for(|r| *r == 0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stage.completed(), 1);
}

#[service_contract(namespace = "urn:indigo:tests:cancel:release")]
trait Recycle {
    #[operation(release_instance = AfterCall)]
    async fn work(&mut self) -> u32;
}

/// Its `on_release` waits at the stage's gate.
struct SlowRelease(Stage);

impl Recycle for SlowRelease {
    async fn work(&mut self) -> u32 {
        1
    }
    async fn on_release(&mut self) {
        self.0.running.send_modify(|r| *r += 1);
        self.0.gate.notified().await;
        self.0.running.send_modify(|r| *r -= 1);
        self.0.completed.fetch_add(1, Ordering::SeqCst);
    }
}

/// A session that ends while its call's instance is being released (the operation is over)
/// does not cut the `on_release` hook half-way: only a running operation is dropped.
#[tokio::test(start_paused = true)]
async fn a_release_hook_under_way_is_not_cut_when_the_session_ends() {
    let stage = Stage::default();
    let address = unique("stall-release");
    let service = {
        let stage = stage.clone();
        RecycleContract::per_session(move || SlowRelease(stage.clone()))
    };
    let host = host(service, MemoryBinding::new(), &address).await;
    let client = RecycleClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    assert_eq!(client.work().await.unwrap(), 1);
    stage.wait_running(1).await;
    drop(client);
    // The paused clock moves on once every task waits: the session has seen its client go.
    tokio::time::sleep(Duration::from_millis(10)).await;
    stage.gate.notify_waiters();
    let mut running = stage.running.subscribe();
    tokio::time::timeout(Duration::from_secs(10), running.wait_for(|r| *r == 0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stage.completed(), 1, "the hook ran to its end");
    host.shutdown().await;
}

/// A call waiting for an instance (past `max_concurrent_instances`) is cut by the host's abort:
/// shutdown returns at its deadline, not at the wait's own limit (the send timeout).
#[tokio::test(start_paused = true)]
async fn a_call_waiting_for_an_instance_does_not_hold_up_shutdown() {
    let (stage, probe) = (Stage::default(), Probe::default());
    let address = unique("stall-instances");
    let host = ServiceHost::builder()
        .endpoint(per_session(&stage, &probe), MemoryBinding::new(), &address)
        .max_concurrent_instances(1)
        .open()
        .await
        .unwrap();
    let first = Arc::new(
        StallClient::connect(MemoryBinding::new(), &address)
            .await
            .unwrap(),
    );
    hang_on(&first);
    stage.wait_running(1).await;
    let second = StallClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    tokio::spawn(async move { second.ping().await });
    // Every task waits (the paused clock moves on): the second call waits for an instance.
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(host.stats().throttle_waits, 1);
    let started = tokio::time::Instant::now();
    host.shutdown_within(Duration::from_secs(1)).await;
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    probe.wait_dropped(1).await;
}
