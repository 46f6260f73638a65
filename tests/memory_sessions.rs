//! Sessions over the in-memory transport, with tokio's paused clock where time matters.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use indigo::Error;
use indigo::prelude::*;
use tokio::sync::Barrier;

#[tokio::test(start_paused = true)]
async fn an_idle_session_times_out_after_the_receive_timeout() {
    let probe = Probe::default();
    let factory = probe.clone();
    let address = unique("idle");
    let _host = host(
        CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
        MemoryBinding::new(),
        &address,
    )
    .await;
    let client = CalculatorSessionClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    let (calc, ()) = client.clear().await.unwrap();

    tokio::time::advance(Duration::from_secs(599)).await;
    tokio::task::yield_now().await;
    assert_eq!(probe.dropped(), 0, "still alive just before 10 minutes");
    calc.add_to(1.0).await.unwrap();

    // The call above restarted the idle clock.
    tokio::time::advance(Duration::from_secs(599)).await;
    tokio::task::yield_now().await;
    assert_eq!(probe.dropped(), 0);
    tokio::time::advance(Duration::from_secs(2)).await;
    probe.wait_dropped(1).await;
    assert_eq!(probe.counts(), (1, 1, 1));

    let error = calc.add_to(1.0).await.unwrap_err();
    assert!(
        matches!(error, Error::SessionClosed(_) | Error::Communication(_)),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_configured_receive_timeout_applies() {
    let probe = Probe::default();
    let factory = probe.clone();
    let address = unique("idle-short");
    let _host = host(
        CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
        MemoryBinding::new().receive_timeout(Duration::from_secs(5)),
        &address,
    )
    .await;
    let client = CalculatorSessionClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    let (_calc, ()) = client.clear().await.unwrap();
    tokio::time::advance(Duration::from_secs(6)).await;
    probe.wait_dropped(1).await;
}

/// "Infinite" timeouts (`Duration::MAX`, WCF's `Infinite`) mean no limit, not an overflow.
#[tokio::test]
async fn infinite_timeouts_are_no_limit() {
    let probe = Probe::default();
    let factory = probe.clone();
    let address = unique("infinite");
    let binding = MemoryBinding::new()
        .receive_timeout(Duration::MAX)
        .close_timeout(Duration::MAX)
        .send_timeout(Duration::MAX);
    let host = host(
        CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
        binding.clone(),
        &address,
    )
    .await;
    let client = CalculatorSessionClient::connect(binding, &address)
        .await
        .unwrap();
    let (calc, ()) = client.clear().await.unwrap();
    let total = calc.equals().await.unwrap();
    assert_eq!(total, 0.0);
    host.shutdown_within(Duration::MAX).await;
    probe.wait_dropped(1).await;
}

#[tokio::test]
async fn per_session_without_a_session_builds_an_instance_per_call() {
    let probe = Probe::default();
    let factory = probe.clone();
    let address = unique("datagram");
    let _host = host(
        EchoContract::per_session(move || Echoer::new(&factory)),
        MemoryDatagramBinding::new(),
        &address,
    )
    .await;
    let client = EchoClient::connect(MemoryDatagramBinding::new(), &address)
        .await
        .unwrap();
    client.echo("a".into()).await.unwrap();
    client.echo("b".into()).await.unwrap();
    probe.wait_dropped(2).await;
    assert_eq!(probe.counts(), (2, 2, 2));
}

/// Shared operations that only finish together.
#[service_contract]
trait Rendezvous {
    async fn meet(&self) -> u32;
    async fn exclusive(&mut self) -> u32;
}

struct Meeting {
    barrier: Arc<Barrier>,
    exclusive_calls: u32,
}

impl Rendezvous for Meeting {
    async fn meet(&self) -> u32 {
        self.barrier.wait().await;
        1
    }
    async fn exclusive(&mut self) -> u32 {
        self.exclusive_calls += 1;
        self.exclusive_calls
    }
}

#[tokio::test]
async fn shared_operations_overlap_when_concurrency_is_multiple() {
    let address = unique("multiple");
    let barrier = Arc::new(Barrier::new(2));
    let _host = host(
        RendezvousContract::per_session(move || Meeting {
            barrier: barrier.clone(),
            exclusive_calls: 0,
        })
        .concurrency(Concurrency::Multiple),
        MemoryBinding::new(),
        &address,
    )
    .await;
    let client = RendezvousClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    // Both calls wait at a barrier of two: they can only complete if they run at the same time.
    let (a, b) = tokio::time::timeout(Duration::from_secs(10), async {
        tokio::join!(client.meet(), client.meet())
    })
    .await
    .expect("the shared calls ran concurrently");
    assert_eq!((a.unwrap(), b.unwrap()), (1, 1));
    assert_eq!(client.exclusive().await.unwrap(), 1);
}

#[tokio::test(start_paused = true)]
async fn shared_operations_run_one_at_a_time_by_default() {
    let address = unique("single");
    let barrier = Arc::new(Barrier::new(2));
    let _host = host(
        RendezvousContract::per_session(move || Meeting {
            barrier: barrier.clone(),
            exclusive_calls: 0,
        }),
        MemoryBinding::new().send_timeout(Duration::from_secs(5)),
        &address,
    )
    .await;
    let client = RendezvousClient::connect(
        MemoryBinding::new().send_timeout(Duration::from_secs(5)),
        &address,
    )
    .await
    .unwrap();
    // With one call at a time the first call waits at the barrier alone until the send timeout;
    // the first timeout faults the session, so the other call fails with it.
    let (a, b) = tokio::join!(client.meet(), client.meet());
    let timed_out = |r: &Result<u32, Error>| matches!(r, Err(Error::Timeout { .. }));
    assert!(timed_out(&a) || timed_out(&b), "{a:?} {b:?}");
    assert!(a.is_err() && b.is_err(), "{a:?} {b:?}");
}

#[tokio::test(start_paused = true)]
async fn a_call_without_a_reply_times_out_after_the_send_timeout() {
    let address = unique("stuck");
    let barrier = Arc::new(Barrier::new(2));
    let _host = host(
        RendezvousContract::per_session(move || Meeting {
            barrier: barrier.clone(),
            exclusive_calls: 0,
        }),
        MemoryBinding::new(),
        &address,
    )
    .await;
    let binding = MemoryBinding::new().send_timeout(Duration::from_secs(3));
    let client = RendezvousClient::connect(binding, &address).await.unwrap();
    let started = tokio::time::Instant::now();
    let error = client.meet().await.unwrap_err();
    assert!(
        matches!(error, Error::Timeout { timeout, .. } if timeout == Duration::from_secs(3)),
        "{error:?}"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}

/// Two sessions whose calls meet at a barrier of two: they complete only if both run at once.
async fn meet_from_two_sessions(max_calls: usize) -> (Result<u32, Error>, Result<u32, Error>) {
    let address = unique("throttle");
    let barrier = Arc::new(Barrier::new(2));
    let _host = ServiceHost::builder()
        .endpoint(
            RendezvousContract::per_session(move || Meeting {
                barrier: barrier.clone(),
                exclusive_calls: 0,
            }),
            MemoryBinding::new(),
            &address,
        )
        .max_concurrent_calls(max_calls)
        .open()
        .await
        .unwrap();
    let binding = MemoryBinding::new().send_timeout(Duration::from_secs(5));
    let first = RendezvousClient::connect(binding.clone(), &address)
        .await
        .unwrap();
    let second = RendezvousClient::connect(binding, &address).await.unwrap();
    tokio::join!(first.meet(), second.meet())
}

#[tokio::test(start_paused = true)]
async fn max_concurrent_calls_throttles_calls_across_sessions() {
    let (a, b) = meet_from_two_sessions(2).await;
    assert_eq!((a.unwrap(), b.unwrap()), (1, 1));
    // With one call at a time the second call waits for the first, which waits for the second.
    let (a, b) = meet_from_two_sessions(1).await;
    assert!(matches!(a, Err(Error::Timeout { .. })), "{a:?}");
    assert!(matches!(b, Err(Error::Timeout { .. })), "{b:?}");
}

/// A session whose second operation panics.
#[service_contract(session = Required)]
trait Fragile {
    #[operation(initiating)]
    async fn start(&mut self) -> u32;
    #[operation(initiating = false)]
    async fn explode(&mut self) -> u32;
}

struct Bomb {
    _lifecycle: Tracked,
}

impl Fragile for Bomb {
    async fn start(&mut self) -> u32 {
        1
    }
    async fn explode(&mut self) -> u32 {
        panic!("boom (this panic is part of the test)");
    }
}

#[tokio::test]
async fn a_panicking_operation_gets_a_fault_and_aborts_only_its_session() {
    let probe = Probe::default();
    let factory = probe.clone();
    let address = unique("panic");
    let _host = host(
        FragileContract::per_session(move || Bomb {
            _lifecycle: Tracked::new(&factory),
        }),
        MemoryBinding::new(),
        &address,
    )
    .await;
    let (bomb, first) = FragileClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap()
        .start()
        .await
        .unwrap();
    assert_eq!(first, 1);
    let error = bomb.explode().await.unwrap_err();
    let fault = error.fault().expect("a fault");
    assert_eq!(fault.subcode(), Some("InternalServiceFault"));
    assert!(fault.reason().contains("Explode"), "{}", fault.reason());
    probe.wait_dropped(1).await;
    let after = bomb.explode().await.unwrap_err();
    assert!(
        matches!(after, Error::SessionClosed(_) | Error::Communication(_)),
        "the session is over: {after:?}"
    );

    // Other sessions go on.
    let (_other, value) = FragileClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap()
        .start()
        .await
        .unwrap();
    assert_eq!(value, 1);
    assert_eq!(probe.built(), 2);
}
