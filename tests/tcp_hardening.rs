//! net.tcp under hostile or unlucky peers, over real sockets: silent sockets cannot lock a port
//! out (a full pending set evicts the oldest connection still in its preamble); malformed sizes
//! get their framing fault, and a faulted connection is closed normally (drained, not reset) so
//! the peer reads the whole fault.

mod common;

use std::time::{Duration, Instant};

use common::*;
use indigo::prelude::*;
use indigo::transport::tcp::framing::fault;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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

/// The port `host` listens on.
fn port(host: &ServiceHost) -> u16 {
    indigo::address::EndpointAddress::parse(host.address())
        .unwrap()
        .port()
        .unwrap()
}

/// Opens `count` connections to `host` that never send a byte.
async fn silent_sockets(host: &ServiceHost, count: usize) -> Vec<TcpStream> {
    let port = port(host);
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
        let stats = host.stats();
        assert_eq!(
            (stats.pending_connections, stats.evicted_connections),
            (7, 17)
        );
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

/// Version 1.0, duplex mode, then a Via record whose size field is `via_size`.
fn preamble_start(via_size: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0x00, 0x01, 0x00, 0x01, 0x02, 0x02];
    bytes.extend_from_slice(via_size);
    bytes
}

/// A complete duplex preamble to `host`'s endpoint (binary session encoding).
fn preamble(host: &ServiceHost) -> Vec<u8> {
    let via = host.address().as_bytes();
    let mut bytes = preamble_start(&[u8::try_from(via.len()).unwrap()]);
    bytes.extend_from_slice(via);
    bytes.extend_from_slice(&[0x03, 0x08, 0x0C]);
    bytes
}

/// A Fault record carrying `uri`.
fn fault_record(uri: &str) -> Vec<u8> {
    let mut bytes = vec![0x08, u8::try_from(uri.len()).unwrap()];
    bytes.extend_from_slice(uri.as_bytes());
    bytes
}

/// Sends `bytes` and 16 KiB of junk after them in one go; returns everything the service sent
/// until it closed its side. The service must still be draining then (the connection is not
/// reset: more junk can be sent), and close normally once this side closes too.
async fn answer_to(host: &ServiceHost, bytes: &[u8]) -> Vec<u8> {
    let mut socket = TcpStream::connect(("127.0.0.1", port(host))).await.unwrap();
    let mut sent = bytes.to_vec();
    sent.extend(std::iter::repeat_n(0xAB, 16 * 1024));
    socket.write_all(&sent).await.unwrap();
    let mut answer = Vec::new();
    socket
        .read_to_end(&mut answer)
        .await
        .expect("the service closes its side normally");
    let more = socket.write_all(&[0xAB; 1024]).await;
    assert!(
        more.is_ok() && socket.take_error().unwrap().is_none(),
        "the service reset the connection: {more:?}"
    );
    socket.shutdown().await.unwrap();
    answer
}

#[tokio::test]
async fn a_malformed_envelope_size_is_answered_with_its_fault_and_a_normal_close() {
    tokio::time::timeout(TEST_LIMIT, async {
        let host = ping_host(NetTcpBinding::new()).await;
        let cases: [(&[u8], &str); 3] = [
            // 2^31: beyond any MultiByteInt31.
            (
                &[0x06, 0x80, 0x80, 0x80, 0x80, 0x08],
                fault::MAX_MESSAGE_SIZE_EXCEEDED,
            ),
            // 65,537: one byte over the default buffer limit.
            (&[0x06, 0x81, 0x80, 0x04], fault::MAX_MESSAGE_SIZE_EXCEEDED),
            // Six bytes: not a MultiByteInt31.
            (
                &[0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
                fault::INVALID_RECORD_SEQUENCE,
            ),
        ];
        for (envelope, uri) in cases {
            let mut sent = preamble(&host);
            sent.extend_from_slice(envelope);
            let mut expected = vec![0x0B]; // PreambleAck
            expected.extend(fault_record(uri));
            assert_eq!(
                answer_to(&host, &sent).await,
                expected,
                "for {envelope:02X?}"
            );
        }
        host.shutdown().await;
    })
    .await
    .expect("the test finished in time");
}

#[tokio::test]
async fn a_malformed_via_size_is_answered_with_its_fault_and_a_normal_close() {
    tokio::time::timeout(TEST_LIMIT, async {
        let host = ping_host(NetTcpBinding::new()).await;
        let cases: [(&[u8], &str); 2] = [
            (&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F], fault::VIA_TOO_LONG),
            (
                &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
                fault::INVALID_RECORD_SEQUENCE,
            ),
        ];
        for (size, uri) in cases {
            let answer = answer_to(&host, &preamble_start(size)).await;
            assert_eq!(answer, fault_record(uri), "for {size:02X?}");
        }
        host.shutdown().await;
    })
    .await
    .expect("the test finished in time");
}

#[tokio::test]
async fn ports_with_a_listen_backlog_of_one_still_serve() {
    tokio::time::timeout(TEST_LIMIT, async {
        let host = ServiceHost::builder()
            .endpoint(
                PingContract::per_session(|| Pinger),
                NetTcpBinding::new().listen_backlog(1),
                "net.tcp://127.0.0.1:0/ping",
            )
            .endpoint(
                PingContract::per_call(|| Pinger),
                BasicHttpBinding::new().listen_backlog(1),
                "http://127.0.0.1:0/ping",
            )
            .open()
            .await
            .expect("the host opens");
        one_call(&host).await;
        let client = PingClient::connect(BasicHttpBinding::new(), &host.addresses()[1])
            .await
            .unwrap();
        assert_eq!(client.ping(1).await.unwrap(), 2);
        host.shutdown().await;
    })
    .await
    .expect("the test finished in time");
}

#[tokio::test]
async fn a_connection_takes_no_session_slot_before_its_preamble() {
    tokio::time::timeout(TEST_LIMIT, async {
        // One session slot, refused at once when taken: a silent socket holding it would make
        // the real client fail with ServerTooBusy.
        let host = ServiceHost::builder()
            .endpoint(
                PingContract::per_session(|| Pinger),
                NetTcpBinding::new(),
                "net.tcp://127.0.0.1:0/ping",
            )
            .max_concurrent_sessions(1)
            .admission(Admission::Refuse)
            .open()
            .await
            .expect("the host opens");
        let _silent = silent_sockets(&host, 10).await;
        one_call(&host).await;
        assert_eq!(host.stats().refused, 0);
        host.shutdown().await;
    })
    .await
    .expect("the test finished in time");
}
