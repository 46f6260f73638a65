//! net.tcp under hostile or unlucky peers, over real sockets: silent sockets cannot lock a port
//! out (a full pending set evicts the oldest connection still in its preamble).

mod common;

use std::time::{Duration, Instant};

use common::*;
use indigo::prelude::*;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Every test here is over within this.
const TEST_LIMIT: Duration = Duration::from_secs(20);

#[service_contract(namespace = "urn:indigo:tests:hardening")]
trait Ping {
    async fn ping(&self, n: u32) -> u32;
}

struct Pinger;

impl Ping for Pinger {
    async fn ping(&self, n: u32) -> u32 {
        n + 1
    }
}

async fn ping_host(binding: NetTcpBinding) -> ServiceHost {
    host(
        PingContract::per_session(|| Pinger),
        binding,
        "net.tcp://127.0.0.1:0/ping",
    )
    .await
}

/// Opens `count` connections to `host` that never send a byte.
async fn silent_sockets(host: &ServiceHost, count: usize) -> Vec<TcpStream> {
    let port = indigo::address::EndpointAddress::parse(host.address())
        .unwrap()
        .port()
        .unwrap();
    let mut sockets = Vec::with_capacity(count);
    for _ in 0..count {
        sockets.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    sockets
}

/// A real client's first answer: connect, preamble, one call. Returns how long it took.
async fn one_call(host: &ServiceHost) -> Duration {
    let start = Instant::now();
    let client = PingClient::connect(NetTcpBinding::new(), host.address())
        .await
        .expect("the client connects");
    assert_eq!(client.ping(41).await.expect("the call is answered"), 42);
    let elapsed = start.elapsed();
    client.close().await.unwrap();
    elapsed
}

/// Waits until the service has closed `socket` (EOF or reset).
async fn closed_by_service(socket: &mut TcpStream) {
    let mut byte = [0u8; 1];
    match socket.read(&mut byte).await {
        Ok(0) | Err(_) => {}
        Ok(_) => panic!("the service sent bytes to a silent socket"),
    }
}

#[tokio::test]
async fn silent_sockets_past_the_pending_limit_evict_the_oldest_and_a_real_client_is_served() {
    tokio::time::timeout(TEST_LIMIT, async {
        let host = ping_host(NetTcpBinding::new().max_pending_connections(8)).await;
        let mut silent = silent_sockets(&host, 24).await;
        // The client is accepted after every silent socket (the kernel's accept queue is FIFO).
        let latency = one_call(&host).await;
        eprintln!("one call with 24 silent sockets and 8 pending places: {latency:?}");
        // 25 connections for 8 places: the 17 oldest silent ones were closed.
        for socket in &mut silent[..17] {
            closed_by_service(socket).await;
        }
        host.shutdown().await;
    })
    .await
    .expect("the test finished in time");
}

#[tokio::test]
async fn a_real_client_is_answered_at_once_with_250_silent_sockets_on_a_default_host() {
    tokio::time::timeout(TEST_LIMIT, async {
        let host = ping_host(NetTcpBinding::new()).await;
        let baseline = one_call(&host).await;
        let _silent = silent_sockets(&host, 250).await;
        let latency = one_call(&host).await;
        eprintln!("one call: {baseline:?} alone, {latency:?} with 250 silent sockets open");
        assert!(
            latency < Duration::from_secs(1),
            "the client waited {latency:?} behind silent sockets"
        );
        // More silent sockets than the default pending limit (max(12 × cores, 256)): still served.
        let _more = silent_sockets(&host, 300).await;
        let latency = one_call(&host).await;
        eprintln!("one call with 550 silent sockets open: {latency:?}");
        host.shutdown().await;
    })
    .await
    .expect("the test finished in time");
}
