//! The CPU cost of one request/reply exchange through indigo's message path, without sockets:
//! serialize the request, encode it, decode it, deserialize it, and the same for the reply.
//!
//! The baseline, measured in the same run, is serde_json doing the same four conversions on the
//! same values (what a JSON RPC pays at least). `cargo bench --bench codec`.

use bytes::BytesMut;
use criterion::{Criterion, criterion_group, criterion_main};
use indigo::encoding::MessageEncoder;
use indigo::encoding::binary::BinaryEncoder;
use indigo::encoding::text::TextEncoder;
use indigo::message::{Body, Message};
use indigo::xml;
use serde::{Deserialize, Serialize};

const NS: &str = "http://peers.test/calc";

#[derive(Serialize, Deserialize)]
#[serde(rename = "Add")]
struct Add {
    a: f64,
    b: f64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "AddResponse")]
struct AddResponse {
    #[serde(rename = "AddResult")]
    result: f64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "Echo")]
struct Echo {
    #[serde(with = "indigo::xml::bytes")]
    data: Vec<u8>,
}

/// One direction: value → message → bytes → message → value.
fn trip<T: Serialize + serde::de::DeserializeOwned>(
    value: &T,
    name: &str,
    sender: &mut dyn MessageEncoder,
    receiver: &mut dyn MessageEncoder,
    out: &mut BytesMut,
) -> T {
    let mut message = Message::new(
        "http://peers.test/calc/ICalculator/Add",
        Body::Infoset(xml::to_infoset(value, name, NS).unwrap()),
    );
    message.headers.message_id = Some("urn:uuid:9ba7443b-d21a-4e69-997c-df2a16b02e53".into());
    message.headers.to = Some("net.tcp://127.0.0.1:8000/calc".into());
    out.clear();
    sender.encode(&message, out).unwrap();
    let received = receiver.decode(out).unwrap();
    received.body.deserialize().unwrap()
}

fn exchange(
    c: &mut Criterion,
    group: &str,
    request: impl Fn(&mut dyn MessageEncoder, &mut dyn MessageEncoder, &mut BytesMut),
    json: impl Fn(),
) {
    let mut g = c.benchmark_group(group);
    g.bench_function("serde_json (baseline)", |b| b.iter(&json));
    let mut out = BytesMut::new();
    let (mut tx, mut rx) = (BinaryEncoder::session(), BinaryEncoder::session());
    g.bench_function("indigo binary", |b| {
        b.iter(|| request(&mut tx, &mut rx, &mut out));
    });
    let (mut tx, mut rx) = (TextEncoder::soap12(), TextEncoder::soap12());
    g.bench_function("indigo text", |b| {
        b.iter(|| request(&mut tx, &mut rx, &mut out));
    });
    g.finish();
}

fn add(c: &mut Criterion) {
    let request = Add { a: 12.5, b: 30.25 };
    exchange(
        c,
        "add",
        |tx, rx, out| {
            let req = trip(&request, "Add", tx, rx, out);
            let reply = AddResponse {
                result: req.a + req.b,
            };
            std::hint::black_box(trip(&reply, "AddResponse", rx, tx, out));
        },
        || {
            let bytes = serde_json::to_vec(&request).unwrap();
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
            let req = trip(&request, "Echo", tx, rx, out);
            std::hint::black_box(trip(&req, "Echo", rx, tx, out));
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
    let request = Add { a: 12.5, b: 30.25 };
    let mut g = c.benchmark_group("add request steps (binary)");
    g.bench_function("serialize", |b| {
        b.iter(|| xml::to_infoset(&request, "Add", NS).unwrap())
    });
    let message = {
        let mut m = Message::new(
            "http://peers.test/calc/ICalculator/Add",
            Body::Infoset(xml::to_infoset(&request, "Add", NS).unwrap()),
        );
        m.headers.message_id = Some("urn:uuid:9ba7443b-d21a-4e69-997c-df2a16b02e53".into());
        m.headers.to = Some("net.tcp://127.0.0.1:8000/calc".into());
        m
    };
    let mut tx = BinaryEncoder::session();
    let mut out = BytesMut::new();
    g.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            tx.encode(&message, &mut out).unwrap();
        })
    });
    // The first message of a session carries the StringTable; decode one after it.
    let (mut tx, mut rx) = (BinaryEncoder::session(), BinaryEncoder::session());
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
