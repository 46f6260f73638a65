//! Admission past `max_concurrent_sessions`, over real sockets: `Queue` (the default, as WCF)
//! keeps a channel waiting until a slot frees or its wait runs out; `Refuse` answers at once
//! in the transport's words (`ServerTooBusy` on net.tcp, 503 over HTTP).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use indigo::Error;
use indigo::prelude::*;
use indigo::transport::tcp::framing::fault;

async fn one_slot_host<B>(
    binding: B,
    address: &str,
    admission: Admission,
    gate: &Turnstile,
) -> ServiceHost
where
    B: indigo::binding::Binding,
{
    let gate = gate.clone();
    ServiceHost::builder()
        .endpoint(
            GateContract::per_session(move || gate.clone()),
            binding,
            address,
        )
        .max_concurrent_sessions(1)
        .admission(admission)
        .open()
        .await
        .expect("the host opens")
}

/// A call that holds the host's one slot until the gate is released; returns once it is in.
async fn hold_the_slot<B: indigo::binding::Binding>(
    binding: B,
    host: &ServiceHost,
    gate: &Turnstile,
) -> tokio::task::JoinHandle<Result<u32, Error>> {
    let address = host.address().to_owned();
    let holding = tokio::spawn(async move {
        let client = GateClient::connect(binding, &address).await?;
        client.hold().await
    });
    gate.entered.notified().await;
    holding
}

#[tokio::test]
async fn a_queued_net_tcp_session_starts_when_the_slot_frees() {
    let probe = Probe::default();
    let factory = probe.clone();
    let host = ServiceHost::builder()
        .endpoint(
            CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/calc",
        )
        .max_concurrent_sessions(1)
        .open()
        .await
        .unwrap();
    let (first, ()) = CalculatorSessionClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    let released = Arc::new(AtomicBool::new(false));
    let second = tokio::spawn({
        let (address, released) = (host.address().to_owned(), released.clone());
        async move {
            let client = CalculatorSessionClient::connect(NetTcpBinding::new(), &address).await;
            // The connection was not admitted before the first session let its slot go.
            assert!(released.load(Ordering::SeqCst), "admitted too early");
            let (calc, ()) = client?.clear().await?;
            calc.add_to(3.0).await?;
            calc.equals().await
        }
    });
    first.add_to(1.0).await.unwrap();
    while host.waiting_sessions() == 0 {
        tokio::task::yield_now().await;
    }
    released.store(true, Ordering::SeqCst);
    assert_eq!(first.equals().await.unwrap(), 1.0);
    assert_eq!(second.await.unwrap().unwrap(), 3.0);
    probe.wait_dropped(2).await;
}

#[tokio::test]
async fn a_queued_net_tcp_session_is_refused_when_its_wait_runs_out() {
    let gate = Turnstile::new();
    let binding = NetTcpBinding::new().open_timeout(Duration::from_millis(200));
    let host = one_slot_host(
        binding,
        "net.tcp://127.0.0.1:0/gate",
        Admission::Queue,
        &gate,
    )
    .await;
    let first = GateClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap();
    assert_eq!(first.quick().await.unwrap(), 2);
    let refused = GateClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::FramingFault(uri) if uri == fault::SERVER_TOO_BUSY),
        "{refused:?}"
    );
    assert_eq!(first.quick().await.unwrap(), 2, "the open session goes on");
}

#[tokio::test]
async fn refused_net_tcp_sessions_get_server_too_busy_at_once() {
    let gate = Turnstile::new();
    let binding = NetTcpBinding::new();
    let host = one_slot_host(
        binding,
        "net.tcp://127.0.0.1:0/gate",
        Admission::Refuse,
        &gate,
    )
    .await;
    let first = GateClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap();
    assert_eq!(first.quick().await.unwrap(), 2);
    let refused = GateClient::connect(
        NetTcpBinding::new().open_timeout(Duration::from_secs(3600)),
        host.address(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&refused, Error::FramingFault(uri) if uri == fault::SERVER_TOO_BUSY),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_http_request_past_the_limit_gets_503_under_refuse() {
    let gate = Turnstile::new();
    let host = one_slot_host(
        BasicHttpBinding::new(),
        "http://127.0.0.1:0/gate",
        Admission::Refuse,
        &gate,
    )
    .await;
    let client = GateClient::connect(BasicHttpBinding::new(), host.address())
        .await
        .unwrap();
    let holding = hold_the_slot(BasicHttpBinding::new(), &host, &gate).await;
    let error = client.quick().await.unwrap_err();
    let reason = error
        .fault()
        .map(|f| f.reason().to_owned())
        .unwrap_or_default();
    assert!(reason.contains("too busy"), "{error:?}");
    assert_eq!(host.open_sessions(), 1);
    gate.release.add_permits(1);
    assert_eq!(holding.await.unwrap().unwrap(), 1);
    assert_eq!(
        client.quick().await.unwrap(),
        2,
        "served once the slot is free"
    );
}

#[tokio::test]
async fn an_http_request_past_the_limit_waits_for_a_slot_under_queue() {
    let gate = Turnstile::new();
    let host = one_slot_host(
        WsHttpBinding::new(),
        "http://127.0.0.1:0/gate",
        Admission::Queue,
        &gate,
    )
    .await;
    let holding = hold_the_slot(WsHttpBinding::new(), &host, &gate).await;
    let released = Arc::new(AtomicBool::new(false));
    let queued = tokio::spawn({
        let (address, released) = (host.address().to_owned(), released.clone());
        async move {
            let client = GateClient::connect(WsHttpBinding::new(), &address).await?;
            let answer = client.quick().await;
            assert!(
                released.load(Ordering::SeqCst),
                "answered before the slot freed"
            );
            answer
        }
    });
    while host.waiting_sessions() == 0 {
        tokio::task::yield_now().await;
    }
    assert_eq!(host.open_sessions(), 1, "the queued request holds no slot");
    released.store(true, Ordering::SeqCst);
    gate.release.add_permits(1);
    assert_eq!(holding.await.unwrap().unwrap(), 1);
    assert_eq!(queued.await.unwrap().unwrap(), 2);
}
