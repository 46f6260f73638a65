//! The CPU cost of one request/reply exchange through indigo's message path, without sockets:
//! serialize the request, encode it, decode it, deserialize it, and the same for the reply.
//!
//! The baseline, measured in the same run, is serde_json doing the same four conversions on the
//! same values (what a JSON RPC pays at least). `cargo bench -p indigo-bench --bench codec`.

use bytes::BytesMut;
use criterion::{Criterion, criterion_group, criterion_main};
use indigo::encoding::MessageEncoder;
use indigo::xml;
use indigo_bench::{Add, AddResponse, Echo, NS, add_exchange, encoder_pair, message, trip};

/// Times `request` with each encoding, after `json` (the baseline).
fn exchange(
    c: &mut Criterion,
    group: &str,
    request: impl Fn(&mut dyn MessageEncoder, &mut dyn MessageEncoder, &mut BytesMut),
    json: impl Fn(),
) {
    let mut g = c.benchmark_group(group);
    g.bench_function("serde_json (baseline)", |b| b.iter(&json));
    let mut out = BytesMut::new();
    for (name, text) in [("indigo binary", false), ("indigo text", true)] {
        let (mut tx, mut rx) = encoder_pair(text);
        g.bench_function(name, |b| {
            b.iter(|| request(tx.as_mut(), rx.as_mut(), &mut out));
        });
    }
    g.finish();
}

fn add(c: &mut Criterion) {
    exchange(
        c,
        "add",
        |tx, rx, out| {
            std::hint::black_box(add_exchange(tx, rx, out).unwrap());
        },
        || {
            let bytes = serde_json::to_vec(&Add::SAMPLE).unwrap();
            let req: Add = serde_json::from_slice(&bytes).unwrap();
            let reply = serde_json::to_vec(&AddResponse {
                result: req.a + req.b,
            })
            .unwrap();
            std::hint::black_box(serde_json::from_slice::<AddResponse>(&reply).unwrap());
        },
    );
}

fn echo(c: &mut Criterion) {
    let request = Echo {
        data: (0..65_536u32).map(|i| (i % 251) as u8).collect(),
    };
    exchange(
        c,
        "echo 64 KiB",
        |tx, rx, out| {
            let req = trip(&request, "Echo", tx, rx, out).unwrap();
            std::hint::black_box(trip(&req, "Echo", rx, tx, out).unwrap());
        },
        || {
            let bytes = serde_json::to_vec(&request).unwrap();
            let req: Echo = serde_json::from_slice(&bytes).unwrap();
            let reply = serde_json::to_vec(&req).unwrap();
            std::hint::black_box(serde_json::from_slice::<Echo>(&reply).unwrap());
        },
    );
}

/// The steps of one `add` request, each on its own, with the binary session encoding.
fn steps(c: &mut Criterion) {
    let mut g = c.benchmark_group("add request steps (binary)");
    g.bench_function("serialize", |b| {
        b.iter(|| xml::to_infoset(&Add::SAMPLE, "Add", NS).unwrap())
    });
    let message = message(&Add::SAMPLE, "Add").unwrap();
    let (mut tx, _) = encoder_pair(false);
    let mut out = BytesMut::new();
    g.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            tx.encode(&message, &mut out).unwrap();
        })
    });
    // The first message of a session carries the StringTable; decode one after it.
    let (mut tx, mut rx) = encoder_pair(false);
    let mut first = BytesMut::new();
    tx.encode(&message, &mut first).unwrap();
    rx.decode(&first).unwrap();
    out.clear();
    tx.encode(&message, &mut out).unwrap();
    g.bench_function("decode", |b| b.iter(|| rx.decode(&out).unwrap()));
    let received = rx.decode(&out).unwrap();
    g.bench_function("deserialize", |b| {
        b.iter(|| received.body.deserialize::<Add>().unwrap())
    });
    g.finish();
}

criterion_group!(benches, add, echo, steps);
criterion_main!(benches);
