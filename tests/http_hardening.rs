//! A host's HTTP server against slow and greedy clients, over real sockets with small limits: a
//! head that does not arrive in time is cut, a body below the minimum rate or past the receive
//! timeout gets `408`, a full port evicts the connection that has waited longest for a head,
//! and an oversized body is read before its `413` SOAP fault — while good clients are served.

mod common;

use std::future::Future;
use std::time::{Duration, Instant};

use common::*;
use indigo::http::MinDataRate;
use indigo::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Every test's time box.
const TIME_BOX: Duration = Duration::from_secs(10);

async fn time_boxed<F: Future>(test: F) -> F::Output {
    tokio::time::timeout(TIME_BOX, test)
        .await
        .expect("the test ran past its time box")
}

/// A host serving the echo contract on `binding` at a fresh port.
async fn echo_host<B: indigo::binding::Binding>(binding: B) -> ServiceHost {
    host(
        EchoContract::per_call(|| Echoer::new(&Probe::default())),
        binding,
        "http://127.0.0.1:0/echo",
    )
    .await
}

/// `host:port` and path of an `http://` address.
fn split(address: &str) -> (String, String) {
    let rest = address.strip_prefix("http://").expect("http address");
    let slash = rest.find('/').unwrap_or(rest.len());
    (rest[..slash].to_owned(), rest[slash..].to_owned())
}

/// A good client's call succeeds.
async fn good_call<B: indigo::binding::Binding>(binding: B, address: &str) {
    good_call_result(binding, address)
        .await
        .expect("a good call");
}

/// A good client's call, on a fresh connection.
async fn good_call_result<B: indigo::binding::Binding>(
    binding: B,
    address: &str,
) -> Result<(), indigo::Error> {
    let client = EchoClient::connect(binding, address).await?;
    assert_eq!(client.echo("hi".into()).await?, "hi");
    Ok(())
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return received,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The head of a SOAP 1.1 POST to `address` with `length` bytes of body.
fn post_head(address: &str, length: usize) -> String {
    let (authority, path) = split(address);
    format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: \"urn:indigo:tests/Echo/Echo\"\r\nContent-Length: {length}\r\n\r\n"
    )
}

#[tokio::test]
async fn half_a_head_is_cut_after_the_header_read_timeout() {
    time_boxed(async {
        let timeout = Duration::from_millis(400);
        let binding = BasicHttpBinding::new().header_read_timeout(timeout);
        let host = echo_host(binding.clone()).await;
        let (authority, path) = split(host.address());

        let mut slow = TcpStream::connect(&authority).await.expect("connect");
        let started = Instant::now();
        slow.write_all(format!("POST {path} HTTP/1.1\r\nHost: ").as_bytes())
            .await
            .expect("write");
        // A good client is served meanwhile.
        good_call(binding.clone(), host.address()).await;
        let answer = read_to_close(&mut slow).await;
        let elapsed = started.elapsed();
        assert!(
            elapsed >= timeout - Duration::from_millis(50) && elapsed < timeout * 5,
            "cut after {elapsed:?}"
        );
        // hyper answers nothing, or a 408, to a head that timed out.
        assert!(
            answer.is_empty() || answer.starts_with(b"HTTP/1.1 408"),
            "{}",
            String::from_utf8_lossy(&answer)
        );

        // The timeout applies to every head: an idle keep-alive connection is closed too.
        let mut idle = TcpStream::connect(&authority).await.expect("connect");
        let body = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Echo xmlns="urn:indigo:tests"><text>x</text></Echo></s:Body></s:Envelope>"#;
        idle.write_all(post_head(host.address(), body.len()).as_bytes())
            .await
            .expect("write");
        idle.write_all(body.as_bytes()).await.expect("write");
        let answered = Instant::now();
        let answer = read_to_close(&mut idle).await;
        assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
        assert!(answered.elapsed() >= timeout - Duration::from_millis(50));
        good_call(binding, host.address()).await;
    })
    .await;
}

/// Writes `head`, then the body `step` bytes every `every` until the server stops reading;
/// returns the answer.
async fn trickle(address: &str, length: usize, step: usize, every: Duration) -> (Duration, String) {
    let (authority, _) = split(address);
    let stream = TcpStream::connect(&authority).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    writer
        .write_all(post_head(address, length).as_bytes())
        .await
        .expect("write");
    let feeder = tokio::spawn(async move {
        let mut sent = 0;
        while sent + step < length {
            if writer.write_all(&vec![b' '; step]).await.is_err() {
                break;
            }
            sent += step;
            tokio::time::sleep(every).await;
        }
    });
    let mut answer = Vec::new();
    let _ = reader.read_to_end(&mut answer).await;
    let elapsed = started.elapsed();
    feeder.abort();
    (elapsed, String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn a_body_below_the_minimum_rate_or_past_the_receive_timeout_gets_408() {
    time_boxed(async {
        // 1,000 bytes/s after 300 ms; the body comes at about 200 bytes/s.
        let grace = Duration::from_millis(300);
        let binding =
            BasicHttpBinding::new().min_request_body_rate(Some(MinDataRate::new(1000, grace)));
        let host = echo_host(binding.clone()).await;
        let (elapsed, answer) =
            trickle(host.address(), 10_000, 10, Duration::from_millis(50)).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("MinRequestBodyDataRate"), "{answer}");
        assert!(answer.contains("text/xml"), "{answer}");
        assert!(
            elapsed >= grace && elapsed < Duration::from_secs(3),
            "{elapsed:?}"
        );
        good_call(binding, host.address()).await;

        // Fast enough, but never done: cut at the receive timeout.
        let timeout = Duration::from_millis(500);
        let binding = BasicHttpBinding::new()
            .receive_timeout(timeout)
            .min_request_body_rate(None);
        let host = echo_host(binding.clone()).await;
        let (elapsed, answer) =
            trickle(host.address(), 60_000, 1000, Duration::from_millis(20)).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("ReceiveTimeout"), "{answer}");
        assert!(
            elapsed >= timeout && elapsed < Duration::from_secs(3),
            "{elapsed:?}"
        );
        good_call(binding, host.address()).await;
    })
    .await;
}

/// Whether the server has closed `stream` (read gives end of stream or an error) — without
/// waiting: an open, silent connection is not ready to read.
fn closed_now(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    !matches!(stream.try_read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

#[tokio::test]
async fn a_full_port_evicts_the_connection_waiting_longest_for_a_head() {
    time_boxed(async {
        let binding = BasicHttpBinding::new().max_connections(4);
        let host = echo_host(binding.clone()).await;
        let (authority, _) = split(host.address());
        let mut silent = Vec::new();
        for _ in 0..4 {
            let mut stream = TcpStream::connect(&authority).await.expect("connect");
            // Half a head: accepted, but no request yet.
            stream.write_all(b"PO").await.expect("write");
            silent.push(stream);
        }
        // A fifth connection (the good client's) evicts the oldest silent one.
        good_call(binding.clone(), host.address()).await;
        assert!(read_to_close(&mut silent[0]).await.is_empty());
        for stream in &silent[1..] {
            assert!(!closed_now(stream), "a newer connection was evicted");
        }
        // And again: the next oldest goes.
        good_call(binding, host.address()).await;
        read_to_close(&mut silent[1]).await;
        assert!(!closed_now(&silent[3]));
        assert_eq!(host.stats().evicted_connections, 2);
    })
    .await;
}

#[tokio::test]
async fn a_full_port_of_requests_being_handled_waits_for_one_to_end() {
    time_boxed(async {
        let binding = BasicHttpBinding::new().max_connections(1);
        let gate = Turnstile::new();
        let service = gate.clone();
        let host = host(
            GateContract::per_call(move || service.clone()),
            binding.clone(),
            "http://127.0.0.1:0/gate",
        )
        .await;
        let address = host.address().to_owned();
        let holding = tokio::spawn({
            let (binding, address) = (binding.clone(), address.clone());
            async move { GateClient::connect(binding, &address).await?.hold().await }
        });
        gate.entered.notified().await;
        // The only connection's request is being handled: a new client waits for it (it is
        // not evicted), then its idle connection makes room.
        let quick =
            tokio::spawn(
                async move { GateClient::connect(binding, &address).await?.quick().await },
            );
        gate.release.add_permits(1);
        assert_eq!(holding.await.expect("joined").expect("the held call"), 1);
        assert_eq!(quick.await.expect("joined").expect("the quick call"), 2);
    })
    .await;
}

#[tokio::test]
async fn a_slow_body_makes_room_when_no_connection_waits_for_a_head() {
    time_boxed(async {
        let binding = BasicHttpBinding::new().max_connections(1);
        let host = echo_host(binding.clone()).await;
        let (authority, _) = split(host.address());
        let mut slow = TcpStream::connect(&authority).await.expect("connect");
        slow.write_all(post_head(host.address(), 1000).as_bytes())
            .await
            .expect("write");
        slow.write_all(b"<s:Envelope").await.expect("write");
        good_call(binding, host.address()).await;
        assert!(read_to_close(&mut slow).await.is_empty());
    })
    .await;
}

/// Writes a whole oversized body before reading, as Python's `http.client` does.
async fn write_then_read(address: &str, content_type: &str, body: &[u8]) -> String {
    let (authority, path) = split(address);
    let mut stream = TcpStream::connect(&authority).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("write the head");
    stream.write_all(body).await.expect("write the whole body");
    String::from_utf8_lossy(&read_to_close(&mut stream).await).into_owned()
}

#[tokio::test]
async fn an_oversized_body_is_read_then_answered_413_with_a_soap_fault() {
    time_boxed(async {
        let basic = BasicHttpBinding::new().max_received_message_size(1024);
        let host = echo_host(basic.clone()).await;
        let answer = write_then_read(host.address(), "text/xml; charset=utf-8", &[b'x'; 3000]).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.to_ascii_lowercase().contains("content-type: text/xml"), "{answer}");
        assert!(answer.contains("<faultcode>s:Client</faultcode>"), "{answer}");
        assert!(answer.contains("MaxReceivedMessageSize"), "{answer}");
        good_call(basic, host.address()).await;

        let ws = WsHttpBinding::new().max_received_message_size(1024);
        let host = echo_host(ws.clone()).await;
        let answer = write_then_read(
            host.address(),
            "application/soap+xml; charset=utf-8",
            &[b'x'; 3000],
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(
            answer.to_ascii_lowercase().contains("content-type: application/soap+xml"),
            "{answer}"
        );
        assert!(answer.contains("<s:Value>s:Sender</s:Value>"), "{answer}");
        assert!(answer.contains("MaxReceivedMessageSize"), "{answer}");

        // Too long to drain (over 4 × the limit): answered at once, and the connection closes.
        let (authority, path) = split(host.address());
        let mut stream = TcpStream::connect(&authority).await.expect("connect");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/soap+xml; charset=utf-8\r\nContent-Length: 1000000\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        let answer = String::from_utf8_lossy(&read_to_close(&mut stream).await).into_owned();
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
        good_call(ws, host.address()).await;
    })
    .await;
}

/// What Python's `http.client` (which writes the whole body before it reads) gets for an
/// oversized POST: status, content type and body, one per line.
const PYTHON_OVERSIZED_POST: &str = r#"
import http.client, sys
host, port, path, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
connection = http.client.HTTPConnection(host, port, timeout=5)
connection.request("POST", path, body=b"x" * size,
                   headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})
response = connection.getresponse()
print(response.status)
print(response.getheader("Content-Type"))
print(response.read().decode())
"#;

/// The project's `.venv` Python if made (`scripts/setup-python`), else `python3` on the path.
fn python() -> Option<std::path::PathBuf> {
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() {
        return Some(venv);
    }
    let on_path = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    on_path.then(|| "python3".into())
}

#[tokio::test]
async fn pythons_http_client_reads_the_413_fault() {
    let Some(python) = python() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no Python: run scripts/setup-python"
        );
        eprintln!("\n==== SKIP http.client test: no Python ====\n");
        return;
    };
    time_boxed(async {
        // A body larger than the sockets' buffers: a server that closed before reading it
        // would reset the connection under the client's writes.
        let limit = 2 << 20;
        let host = echo_host(BasicHttpBinding::new().max_received_message_size(limit)).await;
        let (authority, path) = split(host.address());
        let (name, port) = authority.rsplit_once(':').expect("a port");
        let size = (3 * limit).to_string();
        let output = tokio::process::Command::new(python)
            .args(["-c", PYTHON_OVERSIZED_POST, name, port, &path, &size])
            .output()
            .await
            .expect("python runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut lines = stdout.lines();
        assert_eq!(lines.next(), Some("413"), "{stdout}");
        assert_eq!(lines.next(), Some("text/xml; charset=utf-8"), "{stdout}");
        assert!(stdout.contains("MaxReceivedMessageSize"), "{stdout}");
    })
    .await;
}

/// Latencies in ms: (p50, p99, max).
fn percentiles(mut samples: Vec<f64>) -> (f64, f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
    (at(0.5), at(0.99), at(1.0))
}

/// The issue's figure, by hand: `tests/slowloris/slowloris.py` (another process) keeps 2,000
/// slow connections on the host's HTTP port while good HTTP and net.tcp clients call, each on
/// a fresh connection. Run it under a 1,024-descriptor limit:
///
/// ```text
/// cargo test -p indigo --test http_hardening --no-run
/// prlimit --nofile=1024:65536 cargo test -p indigo --test http_hardening -- --ignored --nocapture slowloris
/// ```
///
/// `SLOWLORIS_MODE=body` trickles bodies instead of heads; `SLOWLORIS_SECONDS` (default 40),
/// `SLOWLORIS_CONNECTIONS` (2,000) and `SLOWLORIS_MAX_CONNECTIONS` (the port's cap, default
/// the binding's) change the run. Prints the attacker's summary and the good calls' latencies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a manual measurement of a minute: run it under prlimit (see its doc)"]
async fn slowloris_against_a_host_with_good_clients() {
    let python = python().expect("python3");
    let seconds: f64 = std::env::var("SLOWLORIS_SECONDS").map_or(40.0, |s| s.parse().unwrap());
    let mut http = BasicHttpBinding::new();
    if let Ok(max) = std::env::var("SLOWLORIS_MAX_CONNECTIONS") {
        http = http.max_connections(max.parse().unwrap());
    }
    let host = ServiceHost::builder()
        .endpoint(
            EchoContract::per_call(|| Echoer::new(&Probe::default())),
            http.clone(),
            "http://127.0.0.1:0/echo",
        )
        .endpoint(
            EchoContract::per_call(|| Echoer::new(&Probe::default())),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/echo",
        )
        .open()
        .await
        .expect("the host opens");
    let (http_address, tcp_address) = (host.addresses()[0].clone(), host.addresses()[1].clone());
    let (authority, path) = split(&http_address);
    let port = authority.rsplit_once(':').expect("a port").1.to_owned();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slowloris/slowloris.py");
    let attacker = tokio::process::Command::new(python)
        .arg(script)
        .args([&port, &path])
        .kill_on_drop(true)
        .output();
    let attacker = tokio::spawn(attacker);
    // Let the attack build up before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (mut over_http, mut over_tcp, mut failures) = (Vec::new(), Vec::new(), Vec::new());
    let until = Instant::now() + Duration::from_secs_f64(seconds - 5.0);
    while Instant::now() < until {
        let started = Instant::now();
        let call = tokio::time::timeout(
            Duration::from_secs(10),
            good_call_result(http.clone(), &http_address),
        )
        .await;
        match call {
            Ok(Ok(())) => over_http.push(started.elapsed().as_secs_f64() * 1000.0),
            other => failures.push(format!("http: {other:?}")),
        }
        let started = Instant::now();
        let call = tokio::time::timeout(
            Duration::from_secs(10),
            good_call_result(NetTcpBinding::new(), &tcp_address),
        )
        .await;
        match call {
            Ok(Ok(())) => over_tcp.push(started.elapsed().as_secs_f64() * 1000.0),
            other => failures.push(format!("net.tcp: {other:?}")),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let output = attacker.await.expect("joined").expect("the attacker ran");
    println!(
        "attacker: {}",
        String::from_utf8_lossy(&output.stdout).trim()
    );
    eprintln!("{}", String::from_utf8_lossy(&output.stderr).trim());
    let over_http_count = over_http.len();
    for (name, samples) in [("http", over_http), ("net.tcp", over_tcp)] {
        let count = samples.len();
        let (p50, p99, max) = percentiles(samples);
        println!("good {name} calls: {count}, p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms");
    }
    println!(
        "failed good calls: {} {:?}",
        failures.len(),
        failures.iter().take(5).collect::<Vec<_>>()
    );
    // Under a reconnecting flood a good HTTP client's connection can still be evicted when
    // its head comes after a cap's worth of newer connections: allow 5 % over HTTP, none over
    // net.tcp.
    let http_failures = failures.iter().filter(|f| f.starts_with("http")).count();
    assert_eq!(http_failures, failures.len(), "net.tcp calls failed");
    assert!(
        http_failures * 20 <= over_http_count + http_failures,
        "{http_failures} of {} good HTTP calls failed",
        over_http_count + http_failures
    );
}

/// A stopping host closes a connection that waits for a head (part of one, here) at once: one
/// slow client does not hold the shutdown to its deadline.
#[tokio::test]
async fn half_a_head_does_not_hold_up_a_graceful_shutdown() {
    time_boxed(async {
        let host = echo_host(BasicHttpBinding::new()).await;
        let (authority, path) = split(host.address());
        let mut slow = TcpStream::connect(&authority).await.expect("connect");
        slow.write_all(format!("POST {path} HTTP/1.1\r\n").as_bytes())
            .await
            .expect("write");
        // The server has the half head once a full request on another connection is answered.
        good_call(BasicHttpBinding::new(), host.address()).await;
        let started = Instant::now();
        host.shutdown_within(Duration::from_secs(5)).await;
        let took = started.elapsed();
        assert!(took < Duration::from_secs(1), "shutdown took {took:?}");
        read_to_close(&mut slow).await;
    })
    .await;
}

/// At the connection cap, a connection still sending its reply (to a slow reader) is not
/// evicted: only one waiting for a head or a body is.
#[tokio::test]
async fn a_reply_being_sent_is_not_cut_by_an_eviction() {
    time_boxed(async {
        let binding = BasicHttpBinding::new()
            .max_connections(1)
            .max_received_message_size(2 * BIG_ECHO);
        let host = echo_host(binding.clone()).await;
        // The reply is under way (the slow reader has its first bytes) when a new client comes.
        let (mut slow, first) = big_echo_to_a_slow_reader(host.address()).await;
        let client = EchoClient::connect(binding, host.address())
            .await
            .expect("connect");
        let call = tokio::spawn(async move { client.echo("hi".into()).await });
        let mut head = first.to_vec();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(slow.read_u8().await.expect("the head"));
        }
        let length: usize = String::from_utf8_lossy(&head)
            .lines()
            .find_map(|line| {
                let line = line.to_ascii_lowercase();
                line.strip_prefix("content-length:")
                    .map(|value| value.trim().parse().expect("a length"))
            })
            .expect("a content length");
        let mut reply = vec![0u8; length];
        slow.read_exact(&mut reply)
            .await
            .expect("the whole reply, not cut short");
        assert!(reply.ends_with(b"</s:Envelope>"));
        // Its reply out, the slow connection waits for a head: now it may make room.
        assert_eq!(call.await.unwrap().unwrap(), "hi");
    })
    .await;
}

/// A client that never reads its reply holds its connection only for the send timeout: the
/// reply's write then fails and the connection closes, so it cannot lock a full port out.
#[tokio::test]
async fn a_client_that_never_reads_its_reply_gives_its_place_back() {
    time_boxed(async {
        let binding = BasicHttpBinding::new()
            .max_connections(1)
            .max_received_message_size(2 * BIG_ECHO)
            .send_timeout(Duration::from_secs(1));
        let host = echo_host(binding.clone()).await;
        // Its reply has started (and stalls: the client reads no more).
        let (stuck, _) = big_echo_to_a_slow_reader(host.address()).await;
        let client =
            EchoClient::connect(binding.send_timeout(Duration::from_secs(8)), host.address())
                .await
                .expect("connect");
        assert_eq!(client.echo("hi".into()).await.unwrap(), "hi");
        drop(stuck);
    })
    .await;
}

/// The size of the text [`big_echo_to_a_slow_reader`] sends.
const BIG_ECHO: usize = 4 * 1024 * 1024;

/// Sends an `Echo` of [`BIG_ECHO`] bytes from a socket with a small receive buffer and reads the
/// first 12 bytes of its reply (`HTTP/1.1 200`): the reply is under way, and stalls until the
/// socket reads on.
async fn big_echo_to_a_slow_reader(address: &str) -> (TcpStream, [u8; 12]) {
    let (authority, _) = split(address);
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut slow = socket
        .connect(authority.parse().unwrap())
        .await
        .expect("connect");
    let body = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Echo xmlns="urn:indigo:tests"><text>{}</text></Echo></s:Body></s:Envelope>"#,
        "x".repeat(BIG_ECHO)
    );
    slow.write_all(post_head(address, body.len()).as_bytes())
        .await
        .unwrap();
    slow.write_all(body.as_bytes()).await.unwrap();
    let mut first = [0u8; 12];
    slow.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    (slow, first)
}
