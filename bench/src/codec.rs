//! The codec probe: one step of an `add` request's message path (serialize, encode, decode,
//! deserialize), repeated, so that `valgrind --tool=callgrind` counts the instructions of that
//! step alone (`bench/callgrind codec:STEP` runs it twice and takes the difference).

use bytes::BytesMut;
use indigo::encoding::MessageEncoder;
use indigo::encoding::binary::BinaryEncoder;
use indigo::encoding::text::TextEncoder;
use indigo::message::{Body, Message};
use indigo::xml;
use serde::{Deserialize, Serialize};

use crate::stacks::BoxError;

const NS: &str = "http://peers.test/calc";
const ACTION: &str = "http://peers.test/calc/ICalculator/Add";
const MESSAGE_ID: &str = "urn:uuid:9ba7443b-d21a-4e69-997c-df2a16b02e53";
const TO: &str = "net.tcp://127.0.0.1:8000/calc";

/// Repetitions before the counted ones (buffers and dictionaries warm in both runs).
const WARMUP: u32 = 200;

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

/// One direction of `cargo bench --bench codec`'s `add`: value → message → bytes → message →
/// value.
fn trip<T: Serialize + serde::de::DeserializeOwned>(
    value: &T,
    name: &str,
    sender: &mut dyn MessageEncoder,
    receiver: &mut dyn MessageEncoder,
    out: &mut BytesMut,
) -> Result<T, BoxError> {
    let mut message = Message::new(ACTION, Body::Infoset(xml::to_infoset(value, name, NS)?));
    message.headers.message_id = Some(MESSAGE_ID.parse()?);
    message.headers.to = Some(TO.into());
    out.clear();
    sender.encode(&message, out)?;
    let received = receiver.decode(out)?;
    Ok(received.body.deserialize()?)
}

/// The steps, by key.
pub(crate) const STEPS: &[&str] = &[
    "serialize",
    "encode",
    "decode",
    "deserialize",
    "encode-text",
    "decode-text",
    "deserialize-text",
    "exchange",
    "exchange-text",
];

fn request() -> Result<Message, BoxError> {
    let body = xml::to_infoset(&Add { a: 12.5, b: 30.25 }, "Add", NS)?;
    let mut message = Message::new(ACTION, Body::Infoset(body));
    message.headers.message_id = Some(MESSAGE_ID.parse()?);
    message.headers.to = Some(TO.into());
    Ok(message)
}

/// An encoder pair for `text`, and the request encoded as the second message of a session
/// (after the StringTable of the first).
fn encoded(text: bool) -> Result<(Box<dyn MessageEncoder>, BytesMut), BoxError> {
    let (mut tx, mut rx): (Box<dyn MessageEncoder>, Box<dyn MessageEncoder>) = if text {
        (
            Box::new(TextEncoder::soap12()),
            Box::new(TextEncoder::soap12()),
        )
    } else {
        (
            Box::new(BinaryEncoder::session()),
            Box::new(BinaryEncoder::session()),
        )
    };
    let message = request()?;
    let mut first = BytesMut::new();
    tx.encode(&message, &mut first)?;
    rx.decode(&first)?;
    let mut out = BytesMut::new();
    tx.encode(&message, &mut out)?;
    Ok((rx, out))
}

/// Runs `count` repetitions of `step` (after the warm-up).
pub(crate) fn run(step: &str, count: u32) -> Result<(), BoxError> {
    let text = step.ends_with("-text");
    let times = WARMUP + count;
    match step.trim_end_matches("-text") {
        "serialize" => {
            for _ in 0..times {
                std::hint::black_box(xml::to_infoset(&Add { a: 12.5, b: 30.25 }, "Add", NS)?);
            }
        }
        "encode" => {
            let message = request()?;
            let mut tx: Box<dyn MessageEncoder> = if text {
                Box::new(TextEncoder::soap12())
            } else {
                Box::new(BinaryEncoder::session())
            };
            let mut out = BytesMut::new();
            for _ in 0..times {
                out.clear();
                tx.encode(&message, &mut out)?;
                std::hint::black_box(&out);
            }
        }
        "decode" => {
            let (mut rx, bytes) = encoded(text)?;
            for _ in 0..times {
                std::hint::black_box(rx.decode(&bytes)?);
            }
        }
        "deserialize" => {
            let (mut rx, bytes) = encoded(text)?;
            let message = rx.decode(&bytes)?;
            for _ in 0..times {
                std::hint::black_box(message.body.deserialize::<Add>()?);
            }
        }
        "exchange" => {
            // The request and its reply, as `cargo bench --bench codec` times them.
            let (mut tx, mut rx): (Box<dyn MessageEncoder>, Box<dyn MessageEncoder>) = if text {
                (
                    Box::new(TextEncoder::soap12()),
                    Box::new(TextEncoder::soap12()),
                )
            } else {
                (
                    Box::new(BinaryEncoder::session()),
                    Box::new(BinaryEncoder::session()),
                )
            };
            let mut out = BytesMut::new();
            let request = Add { a: 12.5, b: 30.25 };
            for _ in 0..times {
                let req = trip(&request, "Add", tx.as_mut(), rx.as_mut(), &mut out)?;
                let reply = AddResponse {
                    result: req.a + req.b,
                };
                let reply = trip(&reply, "AddResponse", rx.as_mut(), tx.as_mut(), &mut out)?;
                std::hint::black_box(reply);
            }
        }
        _ => return Err(format!("unknown codec step {step}; steps: {STEPS:?}").into()),
    }
    Ok(())
}
