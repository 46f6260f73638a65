//! Runs one stack: its server on a current-thread runtime of its own OS thread, the client on the
//! calling thread's current-thread runtime, and the scenarios against it.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::runtime::{Builder, Runtime};
use tokio::sync::oneshot;

use crate::stacks::{BoxError, Client, Stack};

/// A current-thread runtime: every stack gets one worker thread for the server and one for the
/// client.
pub(crate) fn runtime() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A server running on its own thread until dropped.
pub(crate) struct ServerThread {
    /// Where clients connect.
    pub address: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerThread {
    /// Starts `stack`'s server on a new thread with its own runtime.
    pub(crate) fn start<S: Stack>(stack: S) -> Result<Self, BoxError> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || {
                runtime().block_on(async move {
                    match stack.serve().await {
                        Ok((server, address)) => {
                            let _ = ready_tx.send(Ok(address));
                            let _ = stopped.await;
                            drop(server);
                        }
                        Err(error) => {
                            let _ = ready_tx.send(Err(error.to_string()));
                        }
                    }
                });
            })?;
        let address = ready_rx.recv()??;
        Ok(ServerThread {
            address,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The operations a scenario calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `add(a, b)`.
    Add,
    /// `echo` of 1 KiB.
    Echo1K,
    /// `echo` of 64 KiB.
    Echo64K,
}

impl Op {
    /// All operations, in table order.
    pub(crate) const ALL: [Op; 3] = [Op::Add, Op::Echo1K, Op::Echo64K];

    /// The short name used on the command line.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Echo1K => "echo-1k",
            Op::Echo64K => "echo-64k",
        }
    }

    /// The label in the table.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Echo1K => "echo 1 KiB",
            Op::Echo64K => "echo 64 KiB",
        }
    }

    pub(crate) fn payload(self) -> Bytes {
        let size = match self {
            Op::Add => 0,
            Op::Echo1K => 1024,
            Op::Echo64K => 64 * 1024,
        };
        // Every stack gets the same bytes.
        (0..size).map(|i| (i * 31 % 251) as u8).collect()
    }
}

/// Calls `op` once and checks the answer.
pub(crate) async fn call<C: Client>(
    client: &C,
    op: Op,
    payload: &Bytes,
    n: u32,
) -> Result<(), BoxError> {
    match op {
        Op::Add => {
            let a = f64::from(n);
            let sum = client.add(a, 0.5).await?;
            if sum != a + 0.5 {
                return Err(format!("add returned {sum}, not {}", a + 0.5).into());
            }
        }
        Op::Echo1K | Op::Echo64K => {
            let len = client.echo(payload).await?;
            if len != payload.len() {
                return Err(format!("echo returned {len} bytes, not {}", payload.len()).into());
            }
        }
    }
    Ok(())
}

/// Round-trip latency of one call at a time: (p50, p99) in microseconds.
pub(crate) async fn sequential<C: Client>(
    client: &C,
    op: Op,
    warmup: u32,
    calls: u32,
) -> Result<(f64, f64), BoxError> {
    let payload = op.payload();
    for n in 0..warmup {
        call(client, op, &payload, n).await?;
    }
    let mut samples = Vec::with_capacity(calls as usize);
    for n in 0..calls {
        let start = Instant::now();
        call(client, op, &payload, n).await?;
        samples.push(start.elapsed());
    }
    samples.sort_unstable();
    Ok((
        micros(percentile(&samples, 0.50)),
        micros(percentile(&samples, 0.99)),
    ))
}

/// Calls per second with `window` calls in flight on one client for `duration`.
pub(crate) async fn pipelined<C: Client>(
    client: &C,
    op: Op,
    window: usize,
    duration: Duration,
) -> Result<f64, BoxError> {
    let payload = op.payload();
    let mut in_flight = FuturesUnordered::new();
    let mut n = 0u32;
    let mut issue = |in_flight: &mut FuturesUnordered<_>| {
        n = n.wrapping_add(1);
        in_flight.push(call(client, op, &payload, n));
    };
    // Warm up with a tenth of the time, then count.
    let warmup_end = Instant::now() + duration / 10;
    for _ in 0..window {
        issue(&mut in_flight);
    }
    let mut counting: Option<Instant> = None;
    let mut completed = 0u64;
    while let Some(result) = in_flight.next().await {
        result?;
        let now = Instant::now();
        match counting {
            None if now >= warmup_end => counting = Some(now),
            None => {}
            Some(start) if now - start >= duration => {
                let elapsed = (now - start).as_secs_f64();
                // Let the rest finish so that the connection is quiet for the next scenario.
                while let Some(result) = in_flight.next().await {
                    result?;
                }
                return Ok(completed as f64 / elapsed);
            }
            Some(_) => completed += 1,
        }
        issue(&mut in_flight);
    }
    Err("no call completed".into())
}

/// Session set-up cost: connect, one `add`, close; the median in microseconds.
pub(crate) async fn setup<S: Stack>(
    stack: &S,
    address: &str,
    sessions: u32,
) -> Result<f64, BoxError> {
    let mut samples = Vec::with_capacity(sessions as usize);
    for n in 0..sessions {
        let start = Instant::now();
        let client = stack.connect(address).await?;
        call(&client, Op::Add, &Bytes::new(), n).await?;
        client.close().await?;
        samples.push(start.elapsed());
    }
    samples.sort_unstable();
    Ok(micros(percentile(&samples, 0.50)))
}

/// Opens `sessions` clients, each with one completed call, and keeps them.
pub(crate) async fn open_idle<S: Stack>(
    stack: &S,
    address: &str,
    sessions: u32,
) -> Result<Vec<S::Client>, BoxError> {
    let mut clients = Vec::with_capacity(sessions as usize);
    for n in 0..sessions {
        let client = stack.connect(address).await?;
        call(&client, Op::Add, &Bytes::new(), n).await?;
        clients.push(client);
    }
    Ok(clients)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
