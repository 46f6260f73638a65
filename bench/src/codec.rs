//! The codec probe: one step of an `add` request's message path (serialize, encode, decode,
//! deserialize), repeated, so that `valgrind --tool=callgrind` counts the instructions of that
//! step alone (`bench/callgrind codec:STEP` runs it twice and takes the difference).

use bytes::BytesMut;
use indigo::encoding::MessageEncoder;
use indigo::xml;
use indigo_bench::{Add, BoxError, NS, add_exchange, encoder_pair, message};

/// Repetitions before the counted ones (buffers and dictionaries warm in both runs).
const WARMUP: u32 = 200;

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

/// A receiving encoder for `text`, and the request encoded as the second message of a session
/// (after the StringTable of the first).
fn encoded(text: bool) -> Result<(Box<dyn MessageEncoder>, BytesMut), BoxError> {
    let (mut tx, mut rx) = encoder_pair(text);
    let message = message(&Add::SAMPLE, "Add")?;
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
                std::hint::black_box(xml::to_infoset(&Add::SAMPLE, "Add", NS)?);
            }
        }
        "encode" => {
            let message = message(&Add::SAMPLE, "Add")?;
            let (mut tx, _) = encoder_pair(text);
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
            // The request and its reply, as `cargo bench -p indigo-bench --bench codec` times them.
            let (mut tx, mut rx) = encoder_pair(text);
            let mut out = BytesMut::new();
            for _ in 0..times {
                std::hint::black_box(add_exchange(tx.as_mut(), rx.as_mut(), &mut out)?);
            }
        }
        _ => return Err(format!("unknown codec step {step}; steps: {STEPS:?}").into()),
    }
    Ok(())
}
