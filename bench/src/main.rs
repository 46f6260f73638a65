//! `indigo-bench`: indigo against tarpc, tonic and a raw-socket floor, on loopback, in one run.
//!
//! ```text
//! cargo run --release -p indigo-bench -- --runs 3     # the full benchmark
//! cargo run --release -p indigo-bench -- --quick      # a short smoke pass
//! ```
//!
//! Every stack serves the same operations (add two numbers; echo 1 KiB and 64 KiB) with its
//! server on one current-thread runtime and its client on another, each on its own OS thread,
//! `TCP_NODELAY` on both sides. Figures: sequential round-trip latency (p50, p99), pipelined
//! throughput with 1, 16 and 128 calls in flight on one session or connection, session set-up
//! cost (connect, first call, close), and resident memory of idle sessions (in child processes).

mod codec;
mod harness;
mod memory;
mod percall;
mod report;
mod stacks;

use std::time::Duration;

use harness::{Op, ServerThread, pipelined, runtime, sequential, setup};
use report::{Metric, Results};
use stacks::{BoxError, Client, Stack, StackKind, WithStack};

/// How much work one run does.
#[derive(Debug, Clone, Copy)]
struct Plan {
    warmup: u32,
    sequential_calls: u32,
    large_sequential_calls: u32,
    window_time: Duration,
    setup_sessions: u32,
    idle_sessions: u32,
}

impl Plan {
    const FULL: Plan = Plan {
        warmup: 2_000,
        sequential_calls: 10_000,
        large_sequential_calls: 2_000,
        window_time: Duration::from_secs(1),
        setup_sessions: 500,
        idle_sessions: 10_000,
    };

    const QUICK: Plan = Plan {
        warmup: 200,
        sequential_calls: 1_000,
        large_sequential_calls: 200,
        window_time: Duration::from_millis(150),
        setup_sessions: 50,
        idle_sessions: 1_000,
    };
}

/// The windows of the pipelined scenario.
const WINDOWS: [usize; 3] = [1, 16, 128];

struct Options {
    runs: u32,
    plan: Plan,
    stacks: Vec<StackKind>,
    ops: Vec<Op>,
    memory: bool,
}

const USAGE: &str = "usage: indigo-bench [--runs N] [--quick] [--stacks KEY,…] [--ops KEY,…]
                   [--idle-sessions N] [--no-memory]
       indigo-bench --percall STACK OP|setup COUNT   (one thread, for bench/callgrind)
       indigo-bench --codec STEP COUNT               (one codec step of an add request)
stacks: floor, tarpc, indigo-tcp, indigo-tcp-text, indigo-http, tonic; ops: add, echo-1k, echo-64k";

fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, BoxError> {
    let mut options = Options {
        runs: 3,
        plan: Plan::FULL,
        stacks: StackKind::ALL.to_vec(),
        ops: Op::ALL.to_vec(),
        memory: true,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => options.runs = args.next().ok_or(USAGE)?.parse()?,
            "--quick" => {
                options.plan = Plan::QUICK;
                options.runs = 1;
            }
            "--stacks" => {
                let list = args.next().ok_or(USAGE)?;
                options.stacks = list
                    .split(',')
                    .map(|key| StackKind::from_key(key).ok_or(USAGE))
                    .collect::<Result<_, _>>()?;
            }
            "--ops" => {
                let list = args.next().ok_or(USAGE)?;
                options.ops = list
                    .split(',')
                    .map(|key| Op::ALL.into_iter().find(|op| op.key() == key).ok_or(USAGE))
                    .collect::<Result<_, _>>()?;
            }
            "--idle-sessions" => options.plan.idle_sessions = args.next().ok_or(USAGE)?.parse()?,
            "--no-memory" => options.memory = false,
            _ => return Err(USAGE.into()),
        }
    }
    Ok(options)
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["--child-server", key] => return memory::child_server(key),
        ["--child-client", key, address, sessions] => {
            return memory::child_client(key, address, sessions);
        }
        ["--percall", stack, step, count] => {
            let kind = StackKind::from_key(stack).ok_or(USAGE)?;
            let step = percall::Step::from_key(step).ok_or(USAGE)?;
            return percall::run(kind, step, count.parse()?);
        }
        ["--codec", step, count] => return codec::run(step, count.parse()?),
        _ => {}
    }
    let options = parse_options(args.into_iter())?;
    println!("{}", machine());
    let mut results = Results::default();
    for run in 1..=options.runs {
        eprintln!("run {run} of {}", options.runs);
        for &kind in &options.stacks {
            eprintln!("  {}", kind.name());
            kind.with(RunStack {
                plan: options.plan,
                ops: &options.ops,
                kind,
                results: &mut results,
            })?;
            if options.memory {
                let idle = memory::measure(kind, options.plan.idle_sessions)?;
                let section = format!(
                    "Memory of {} idle sessions (KiB per session, lower is better)",
                    options.plan.idle_sessions
                );
                let section: &'static str = Box::leak(section.into_boxed_str());
                let metric = |label: &str| Metric {
                    section,
                    label: label.to_owned(),
                    unit: "KiB",
                };
                results.record(metric("server"), kind, idle.server / 1024.0);
                results.record(metric("client"), kind, idle.client / 1024.0);
            }
        }
    }
    println!(
        "{} run(s); ratios compare medians over the runs.\n{}",
        options.runs,
        results.table(&options.stacks)
    );
    Ok(())
}

/// Runs the client-side scenarios of one stack against its server.
struct RunStack<'a> {
    plan: Plan,
    ops: &'a [Op],
    kind: StackKind,
    results: &'a mut Results,
}

impl WithStack for RunStack<'_> {
    type Output = Result<(), BoxError>;

    fn run<S: Stack>(self, stack: S) -> Self::Output {
        let RunStack {
            plan,
            ops,
            kind,
            results,
        } = self;
        let server = ServerThread::start(stack.clone())?;
        runtime().block_on(async {
            let client = stack.connect(&server.address).await?;
            for &op in ops {
                let calls = match op {
                    Op::Echo64K => plan.large_sequential_calls,
                    _ => plan.sequential_calls,
                };
                let (p50, p99) = sequential(&client, op, plan.warmup, calls).await?;
                let metric = |p: &str| Metric {
                    section: "Sequential round trip (µs, lower is better)",
                    label: format!("{} {p}", op.label()),
                    unit: "µs",
                };
                results.record(metric("p50"), kind, p50);
                results.record(metric("p99"), kind, p99);
            }
            for &op in ops {
                for window in WINDOWS {
                    let rate = pipelined(&client, op, window, plan.window_time).await?;
                    let metric = Metric {
                        section: "Pipelined throughput on one session/connection (calls/s, higher is better)",
                        label: format!("{}, {window} in flight", op.label()),
                        unit: "/s",
                    };
                    results.record(metric, kind, rate);
                }
            }
            client.close().await?;
            let cost = setup(&stack, &server.address, plan.setup_sessions).await?;
            let metric = Metric {
                section: "Session set-up: connect + first call + close (µs, lower is better)",
                label: "p50".to_owned(),
                unit: "µs",
            };
            results.record(metric, kind, cost);
            Ok::<_, BoxError>(())
        })?;
        drop(server);
        Ok(())
    }
}

/// The machine, as the table's preamble.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".into(), |k| k.trim().to_owned());
    format!(
        "machine: {cores} CPUs (nproc), {model}, Linux {kernel}; server and client each on one \
         current-thread tokio runtime on its own OS thread, loopback, TCP_NODELAY"
    )
}
