//! Tests of the binary encodings: captured Mono messages, round trips and hostile input.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder as _;

use super::*;
use crate::message::Body;
use crate::transport::tcp::framing::{FramingCodec, Record};

fn vector(name: &str) -> Vec<u8> {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// The SizedEnvelope payloads of a captured stream, in order.
fn envelopes(name: &str) -> Vec<Bytes> {
    let mut codec = FramingCodec::new();
    let mut src = BytesMut::from(&vector(name)[..]);
    let mut payloads = Vec::new();
    while let Some(record) = codec.decode_eof(&mut src).expect("framing") {
        if let Record::SizedEnvelope(payload) = record {
            payloads.push(payload);
        }
    }
    payloads
}

/// Decodes every envelope of a direction with one decoder.
fn decode_stream(name: &str) -> Vec<Message> {
    let mut decoder = BinaryEncoder::session();
    envelopes(name)
        .iter()
        .map(|payload| decoder.decode(payload).expect("decode"))
        .collect()
}

#[test]
fn dump() {
    for name in [
        "nettcp-mono-session.c2s.bin",
        "nettcp-mono-session.s2c.bin",
        "nettcp-mono-calc-session.c2s.bin",
        "nettcp-mono-calc-session.s2c.bin",
    ] {
        for m in decode_stream(name) {
            println!("{name}: {m:#?}");
        }
    }
}
