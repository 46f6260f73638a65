//! Allocations per call, counted by dhat's heap profiler over every thread of this test binary
//! (one test, one current-thread runtime): the channel stack must not add any per message.
//!
//! Each figure is the difference between two runs of sequential calls on one warm client,
//! divided by the number of extra calls, so that set-up and first-use growth cancel out. The
//! ceilings are the counts measured before the channel stack was introduced (2026-12-01).

use indigo::prelude::*;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

#[service_contract(namespace = "urn:indigo:alloc")]
trait Adder {
    async fn add(&self, a: f64, b: f64) -> f64;
}

struct AdderService;

impl Adder for AdderService {
    async fn add(&self, a: f64, b: f64) -> f64 {
        a + b
    }
}

/// Heap blocks allocated so far.
fn blocks() -> u64 {
    dhat::HeapStats::get().total_blocks
}

/// Allocations per `add` call, client and server together, on `binding` at `address`.
async fn per_call<B>(binding: B, address: &str) -> f64
where
    B: indigo::binding::Binding,
{
    const FEW: u64 = 100;
    const MANY: u64 = 400;
    let host = ServiceHost::builder()
        .endpoint(
            AdderContract::per_call(|| AdderService),
            binding.clone(),
            address,
        )
        .open()
        .await
        .expect("the host opens");
    let client = AdderClient::connect(binding, host.address())
        .await
        .expect("the client connects");
    let calls = async |n: u64| {
        let start = blocks();
        for i in 0..n {
            let sum = client.add(i as f64, 1.0).await.expect("the call succeeds");
            assert_eq!(sum, i as f64 + 1.0);
        }
        blocks() - start
    };
    calls(50).await; // warm-up: buffers, pools, dictionaries
    let few = calls(FEW).await;
    let many = calls(MANY).await;
    client.close().await.expect("the client closes");
    host.shutdown().await;
    (many - few) as f64 / (MANY - FEW) as f64
}

#[test]
fn the_channel_stack_adds_no_allocation_per_call() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let memory = per_call(MemoryBinding::new(), "memory://alloc-per-call").await;
        let tcp = per_call(NetTcpBinding::new(), "net.tcp://127.0.0.1:0/alloc").await;
        let http = per_call(BasicHttpBinding::new(), "http://127.0.0.1:0/alloc").await;
        eprintln!("allocations per call: memory {memory:.2}, net.tcp {tcp:.2}, http {http:.2}");
        for (name, measured, ceiling) in [
            ("memory", memory, MEMORY),
            ("net.tcp", tcp, TCP),
            ("http", http, HTTP),
        ] {
            // An allocation added per message adds at least one per call; fractions are buffers
            // and pools that grow now and then.
            assert!(
                measured < ceiling + 0.5,
                "{name}: {measured:.2} allocations per call, more than the {ceiling} measured on 2026-12-07"
            );
        }
    });
}

/// Allocations per call measured on 2026-12-07, with the one envelope grammar (before it: 15,
/// 29.1 and 112; a typed message id, shared header strings and a deserializer without quick-xml's
/// namespace reader took them away, and a session's call future, boxed so that idle sessions
/// stay small, adds one back on sessions). Over HTTP, the per-call instance's release after the
/// reply is boxed (one more), and goes on in a task only if its `on_release` waits. Serving
/// HTTP with indigo's own hyper loop instead of `axum::serve` and its router took HTTP from 84
/// to 75 (2026-12-07).
const MEMORY: f64 = 11.0;
const TCP: f64 = 17.1;
const HTTP: f64 = 75.0;
