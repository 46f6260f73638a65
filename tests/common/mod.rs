//! Contracts, services and probes shared by the integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indigo::prelude::*;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// The seed's ICalculatorSession contract.
#[service_contract(name = "ICalculatorSession", namespace = "http://peers.test/calc", session = Required)]
pub trait CalculatorSession {
    #[operation(initiating)]
    async fn clear(&mut self);
    #[operation(initiating = false)]
    async fn add_to(&mut self, n: f64);
    #[operation(initiating = false)]
    async fn subtract_from(&mut self, n: f64);
    #[operation(initiating = false)]
    async fn multiply_by(&mut self, n: f64);
    #[operation(initiating = false)]
    async fn divide_by(&mut self, n: f64);
    #[operation(initiating = false, terminating)]
    async fn equals(&mut self) -> f64;
}

/// Counts what happens to service instances: built, released (`on_release`), dropped, called.
#[derive(Clone)]
pub struct Probe {
    built: Arc<AtomicUsize>,
    released: Arc<AtomicUsize>,
    calls: Arc<AtomicUsize>,
    dropped: Arc<watch::Sender<usize>>,
}

impl Default for Probe {
    fn default() -> Self {
        Probe {
            built: Arc::default(),
            released: Arc::default(),
            calls: Arc::default(),
            dropped: Arc::new(watch::channel(0).0),
        }
    }
}

impl Probe {
    pub fn built(&self) -> usize {
        self.built.load(Ordering::SeqCst)
    }
    pub fn released(&self) -> usize {
        self.released.load(Ordering::SeqCst)
    }
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    pub fn dropped(&self) -> usize {
        *self.dropped.borrow()
    }

    /// Waits until `n` instances have been dropped (fails the test after 10 s).
    pub async fn wait_dropped(&self, n: usize) {
        let mut dropped = self.dropped.subscribe();
        tokio::time::timeout(Duration::from_secs(10), dropped.wait_for(|d| *d >= n))
            .await
            .expect("instances were not dropped in time")
            .expect("probe closed");
    }

    /// Counts an `on_release` hook that ran.
    pub fn note_released(&self) {
        self.released.fetch_add(1, Ordering::SeqCst);
    }

    /// The (built, released, dropped) counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.built(), self.released(), self.dropped())
    }
}

/// A calculator instance that reports its lifecycle to a probe.
pub struct Calculator {
    total: f64,
    probe: Probe,
}

impl Calculator {
    pub fn new(probe: &Probe) -> Self {
        probe.built.fetch_add(1, Ordering::SeqCst);
        Calculator {
            total: 0.0,
            probe: probe.clone(),
        }
    }

    fn called(&self) {
        self.probe.calls.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for Calculator {
    fn drop(&mut self) {
        self.probe.dropped.send_modify(|d| *d += 1);
    }
}

impl CalculatorSession for Calculator {
    async fn clear(&mut self) {
        self.called();
        self.total = 0.0;
    }
    async fn add_to(&mut self, n: f64) {
        self.called();
        self.total += n;
    }
    async fn subtract_from(&mut self, n: f64) {
        self.called();
        self.total -= n;
    }
    async fn multiply_by(&mut self, n: f64) {
        self.called();
        self.total *= n;
    }
    async fn divide_by(&mut self, n: f64) {
        self.called();
        self.total /= n;
    }
    async fn equals(&mut self) -> f64 {
        self.called();
        self.total
    }
    async fn on_release(&mut self) {
        self.probe.released.fetch_add(1, Ordering::SeqCst);
    }
}

/// A session that receives numbers one way and reports whether they came in order.
#[service_contract(session = Required)]
pub trait Sequencer {
    #[operation(initiating)]
    async fn start(&mut self);
    #[operation(initiating = false, one_way)]
    async fn push(&mut self, n: u64);
    #[operation(initiating = false)]
    async fn report(&self) -> Report;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub count: u64,
    pub in_order: bool,
}

#[derive(Default)]
pub struct SequenceChecker {
    next: u64,
    in_order: bool,
}

impl Sequencer for SequenceChecker {
    async fn start(&mut self) {
        self.next = 0;
        self.in_order = true;
    }
    async fn push(&mut self, n: u64) {
        self.in_order &= n == self.next;
        self.next = n + 1;
    }
    async fn report(&self) -> Report {
        Report {
            count: self.next,
            in_order: self.in_order,
        }
    }
}

/// A fault detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TooLong {
    pub limit: u32,
}

/// A sessionless echo with a typed fault.
#[service_contract(namespace = "urn:indigo:tests")]
pub trait Echo {
    async fn echo(&self, text: String) -> String;
    async fn checked(&self, text: String, limit: u32) -> Result<String, TooLong>;
}

/// Echo instances, counted.
pub struct Echoer {
    probe: Probe,
}

impl Echoer {
    pub fn new(probe: &Probe) -> Self {
        probe.built.fetch_add(1, Ordering::SeqCst);
        Echoer {
            probe: probe.clone(),
        }
    }
}

impl Drop for Echoer {
    fn drop(&mut self) {
        self.probe.dropped.send_modify(|d| *d += 1);
    }
}

impl Echo for Echoer {
    async fn echo(&self, text: String) -> String {
        self.probe.calls.fetch_add(1, Ordering::SeqCst);
        text
    }
    async fn checked(&self, text: String, limit: u32) -> Result<String, TooLong> {
        self.probe.calls.fetch_add(1, Ordering::SeqCst);
        if text.len() > limit as usize {
            Err(TooLong { limit })
        } else {
            Ok(text)
        }
    }
    async fn on_release(&mut self) {
        self.probe.released.fetch_add(1, Ordering::SeqCst);
    }
}

/// A `memory://` address no other test of this process uses.
pub fn unique(name: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("memory://{name}-{n}")
}

/// Opens a host with one endpoint.
pub async fn host<C, S, B>(service: Service<C, S>, binding: B, address: &str) -> ServiceHost
where
    C: indigo::service::Dispatch<S>,
    S: Send + Sync + 'static,
    B: indigo::binding::Binding,
    C::Session: indigo::contract::SessionCompatible<C, B>,
{
    ServiceHost::builder()
        .endpoint(service, binding, address)
        .open()
        .await
        .expect("the host opens")
}

/// A lifecycle marker any test service can hold: counts as built when made, dropped when dropped.
pub struct Tracked(Probe);

impl Tracked {
    pub fn new(probe: &Probe) -> Self {
        probe.built.fetch_add(1, Ordering::SeqCst);
        Tracked(probe.clone())
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.dropped.send_modify(|d| *d += 1);
    }
}

/// A call that holds its channel (its session slot, its HTTP connection) until the test
/// releases it.
#[service_contract(namespace = "urn:indigo:tests:gate")]
pub trait Gate {
    async fn hold(&self) -> u32;
    async fn quick(&self) -> u32;
}

/// The gate's service: `hold` announces itself on `entered`, then waits for a `release` permit.
#[derive(Clone)]
pub struct Turnstile {
    pub entered: Arc<tokio::sync::Notify>,
    pub release: Arc<tokio::sync::Semaphore>,
}

impl Turnstile {
    pub fn new() -> Self {
        Turnstile {
            entered: Arc::new(tokio::sync::Notify::new()),
            release: Arc::new(tokio::sync::Semaphore::new(0)),
        }
    }
}

impl Gate for Turnstile {
    async fn hold(&self) -> u32 {
        self.entered.notify_one();
        self.release.acquire().await.expect("open").forget();
        1
    }
    async fn quick(&self) -> u32 {
        2
    }
}

/// The status and body of `method {url}{query}` (HTTP/1.1, `Connection: close`).
pub async fn http(method: &str, url: &str, query: &str) -> (u16, String) {
    exchange(method, url, query, "", "").await
}

/// The status and body of a SOAP 1.1 request (BasicHttp) with `action` and `envelope`.
pub async fn soap11(url: &str, action: &str, envelope: &str) -> (u16, String) {
    let headers = format!("Content-Type: text/xml; charset=utf-8\r\nSOAPAction: \"{action}\"\r\n");
    exchange("POST", url, "", &headers, envelope).await
}

/// One HTTP/1.1 exchange on a fresh connection; `headers` are whole lines.
async fn exchange(
    method: &str,
    url: &str,
    query: &str,
    headers: &str,
    body: &str,
) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(authority).await.expect("connect");
    let head = format!(
        "{method} {path}{query} HTTP/1.1\r\nHost: {authority}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let response = String::from_utf8(response).expect("utf-8");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    (status, body.to_owned())
}

/// The WSDL at `url`, checked to be well-formed XML with every prefix declared.
pub async fn wsdl(url: &str) -> String {
    let (status, body) = http("GET", url, "?wsdl").await;
    assert_eq!(status, 200, "{body}");
    indigo::xml::from_str::<serde::de::IgnoredAny>(&body)
        .unwrap_or_else(|e| panic!("the WSDL is not well-formed: {e}\n{body}"));
    body
}

/// `tests/mono/{program}.cs` compiled with Mono's `mcs` (and `references`, as `-r:` options) into
/// the test target directory; `None` (after a loud SKIP naming `what` did not run) where Mono is
/// missing, except under `CI=true`, where a missing Mono fails the test.
pub fn compile_mono(program: &str, references: &[&str], what: &str) -> Option<std::path::PathBuf> {
    let have = |tool: &str| {
        std::process::Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("mono") || !have("mcs") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Mono (mono, mcs) is missing under CI=true: run scripts/setup-mono"
        );
        eprintln!(
            "\n*** SKIPPED: Mono is not installed, so {what} did not run. Run scripts/setup-mono. ***\n"
        );
        return None;
    }
    let exe = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{program}.exe"));
    let source = format!("{}/tests/mono/{program}.cs", env!("CARGO_MANIFEST_DIR"));
    let status = std::process::Command::new("mcs")
        .arg("-nowarn:109")
        .args(references.iter().map(|r| format!("-r:{r}")))
        .arg(format!("-out:{}", exe.display()))
        .arg(&source)
        .status()
        .expect("mcs runs");
    assert!(status.success(), "mcs failed to compile {source}");
    Some(exe)
}

/// Runs the Mono program `exe` (with `env` set) and reads what it prints as tab-separated
/// `name<TAB>document` lines: the documents by name.
pub fn mono_documents(
    exe: &std::path::Path,
    env: &[(&str, &str)],
) -> std::collections::BTreeMap<String, String> {
    let output = std::process::Command::new("mono")
        .arg(exe)
        .envs(env.iter().copied())
        .output()
        .expect("mono runs");
    assert!(
        output.status.success(),
        "the C# program failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8 output");
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(name, doc)| (name.to_owned(), doc.to_owned()))
        .collect()
}
