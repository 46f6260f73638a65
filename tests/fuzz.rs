//! Mutation fuzzing of every decoder that reads a peer's bytes: the [MC-NMF] framing codec (with
//! the envelopes it yields decoded as a net.tcp connection would), the binary and text message
//! encoders, and the XML deserializer.
//!
//! Seeds are the captured WCF byte streams under `tests/vectors/` and messages indigo encodes
//! itself; each input is a seed (or an earlier input that decoded) with a few deterministic
//! mutations. Every input must decode or fail with an error: a panic fails the test with the seed,
//! the input's number and its bytes in hex. Each input's peak heap use, counted by this binary's
//! global allocator, must stay under [`allocation_bound`], and everything it allocated must be
//! freed once its decoders are dropped.
//!
//! By default the run takes about three seconds, split between the targets. For a longer run:
//!
//! ```text
//! INDIGO_FUZZ_SECONDS=300 cargo test --release -p indigo --test fuzz -- --nocapture
//! ```
//!
//! `INDIGO_FUZZ_SEED=<n>` repeats a run's inputs (the seed is printed at the start); a failing
//! input is also written to a file whose path is printed, and `INDIGO_FUZZ_INPUT=<path>` runs
//! only that file through every target.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use indigo::encoding::MessageEncoder;
use indigo::encoding::binary::BinaryEncoder;
use indigo::encoding::text::TextEncoder;
use indigo::message::{Body, Fault, FaultKind, HeaderBlock, Message, MessageId};
use indigo::transport::tcp::framing::{FramingCodec, Mode, Record, known_encoding};
use indigo::xml;
use peak_alloc::PeakAlloc;
use serde::{Deserialize, Serialize};
use tokio_util::codec::Decoder;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// The whole run's default length, split evenly between the targets.
const DEFAULT_SECONDS: f64 = 3.0;

/// Inputs grow by insertion and duplication; past the largest message a decoder accepts
/// (64 KiB by default) more bytes only exercise its size checks.
const MAX_INPUT: usize = 96 * 1024;

/// An input slower than this is reported as a hang (the slowest inputs take tens of
/// milliseconds in a debug build).
const MAX_INPUT_TIME: Duration = Duration::from_secs(2);

/// Heap bytes any input may use regardless of its length: the framing codec reserves a record's
/// announced size (up to the 64 KiB message limit) before its bytes arrive, and a message may
/// have up to 256 header blocks, each of which starts with room for a small header (about
/// 700 bytes with its slot) however short it is.
const FIXED_ALLOWANCE: usize = 256 * 1024;

/// The most heap bytes one input may have in use at once while it is decoded, on top of what
/// was in use before: [`FIXED_ALLOWANCE`] plus the target's bytes per input byte. An allocation
/// sized from a length field rather than from the bytes present (the bug this looks for) costs
/// far more than either.
fn allocation_bound(target: &Target, input_len: usize) -> usize {
    FIXED_ALLOWANCE + target.bytes_per_input_byte * input_len
}

/// What one input byte may cost a binary decoder. Binary records are small and each becomes a
/// node of a few dozen bytes: an Array item of one byte (a `bool`) becomes three (start, text,
/// end), about 170 bytes, and up to twice that while the node list grows. The worst case,
/// [`bool_array_message`], peaks at about 375 bytes per input byte; mutated inputs stay under 20.
const BINARY_BYTES_PER_BYTE: usize = 400;

/// What one input byte may cost a text decoder: bodies stay text, other elements become nodes
/// per tag of several bytes. Measured: under 5.
const TEXT_BYTES_PER_BYTE: usize = 16;

/// A decoder under test: runs one input, returning whether it was accepted (an accepted input
/// joins the corpus, so later mutations start from well-formed bytes more often).
type Run = fn(&[u8]) -> bool;

struct Target {
    name: &'static str,
    run: Run,
    /// What one input byte may cost at most, in heap bytes (see [`allocation_bound`]).
    bytes_per_input_byte: usize,
    seeds: Vec<Vec<u8>>,
    /// Byte strings the mutator inserts: the target's syntax.
    tokens: &'static [&'static [u8]],
}

// ---------------------------------------------------------------------------------------------
// The targets.

/// A net.tcp connection's receive side: framing records from the bytes, given whole and then in
/// small pieces, each envelope decoded by one session-dictionary binary decoder.
///
/// Accepted: every record and envelope decoded, and there was at least one envelope.
fn run_framing(input: &[u8]) -> bool {
    let whole = decode_stream(input, input.len().max(1));
    let pieces = decode_stream(input, 1 + input.len() % 17);
    whole.is_some_and(|envelopes| envelopes > 0) && pieces.is_some()
}

/// Decodes `input` given `piece` bytes at a time: the number of envelopes, `None` on an error.
fn decode_stream(input: &[u8], piece: usize) -> Option<usize> {
    let mut codec = FramingCodec::new();
    let mut encoder = BinaryEncoder::session();
    let mut buffer = BytesMut::new();
    let mut envelopes = 0;
    for chunk in input.chunks(piece) {
        buffer.extend_from_slice(chunk);
        while let Some(record) = codec.decode(&mut buffer).ok()? {
            envelopes += decode_record(&mut encoder, record)?;
        }
    }
    while let Some(record) = codec.decode_eof(&mut buffer).ok()? {
        envelopes += decode_record(&mut encoder, record)?;
    }
    Some(envelopes)
}

/// Decodes an envelope's message: the number of envelopes (0 or 1), `None` on an error.
fn decode_record(encoder: &mut BinaryEncoder, record: Record) -> Option<usize> {
    match record {
        Record::SizedEnvelope(payload) | Record::UnsizedEnvelope(payload) => {
            read_message(encoder.decode(&payload)).then_some(1)
        }
        _ => Some(0),
    }
}

/// One envelope in each binary encoding.
fn run_binary(input: &[u8]) -> bool {
    let session = read_message(BinaryEncoder::session().decode(input));
    let plain = read_message(BinaryEncoder::plain().decode(input));
    session || plain
}

/// One envelope in each SOAP version's text encoding.
fn run_text(input: &[u8]) -> bool {
    let soap12 = read_message(TextEncoder::soap12().decode(input));
    let soap11 = read_message(TextEncoder::soap11().decode(input));
    soap12 || soap11
}

/// A body element deserialized into [`Shape`] (the input read as UTF-8, invalid sequences
/// replaced, so every input reaches the XML reader).
fn run_xml(input: &[u8]) -> bool {
    let text = String::from_utf8_lossy(input);
    let shape = xml::from_str::<Shape>(&text).is_ok();
    let map = xml::from_str::<HashMap<String, Vec<i64>>>(&text).is_ok();
    shape || map
}

/// What a service does with a decoded message: reads its body as a contract's type and the
/// body element's name, and turns it into text (for logging).
fn read_message(decoded: Result<Message, indigo::encoding::EncodingError>) -> bool {
    let Ok(message) = decoded else {
        return false;
    };
    let _ = message.body.element();
    let _ = message.body.deserialize::<Shape>();
    let _ = message.body.to_fragment();
    for block in &message.headers.other {
        let _ = xml::from_infoset::<Shape>(block.element());
    }
    true
}

/// A data contract with a field of every kind the deserializer handles; every field has a
/// default so that partial bodies still deserialize.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Shape {
    a: i32,
    b: f64,
    flag: bool,
    name: String,
    note: Option<String>,
    items: Vec<i64>,
    words: Vec<String>,
    color: Color,
    pairs: HashMap<String, u8>,
    #[serde(with = "indigo::xml::bytes")]
    data: Vec<u8>,
    letter: Option<char>,
    big: u64,
    tuple: (i16, String),
    nested: Option<Box<Shape>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
enum Color {
    #[default]
    Red,
    Named(String),
    Rgb {
        r: u8,
        g: u8,
        b: u8,
    },
}

const XML_TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"/>",
    b"</",
    b"=\"",
    b"\"",
    b"&amp;",
    b"&#x10FFFF;",
    b"&#0;",
    b"&unknown;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?xml version=\"1.0\"?>",
    b"<!DOCTYPE x>",
    b" xmlns=\"urn:x\"",
    b" xmlns:p=\"urn:x\"",
    b" xmlns:p=\"\"",
    b"p:",
    b" i:nil=\"true\"",
    b" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"",
    b"<items>",
    b"</items>",
    b"<nested>",
    b"</nested>",
    b"<Rgb><r>1</r></Rgb>",
    b"<KeyValue><Key>k</Key><Value>1</Value></KeyValue>",
    b"-1",
    b"1E400",
    b"NaN",
    b"99999999999999999999",
    b"AAAA",
    b"====",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
];

const BINARY_TOKENS: &[&[u8]] = &[
    // Element and attribute records, end element, text records with size prefixes.
    b"\x40\x01x",
    b"\x41\x01p\x01x",
    b"\x04\x01k\x82",
    b"\x08\x05urn:x",
    b"\x09\x01p\x05urn:x",
    b"\x01",
    b"\x99\x01x",
    b"\x9e\xff\xff\xff\xff\x0f",
    b"\xa0\xff\xff\x03",
    // Arrays of each item type (the items are whatever bytes follow), one too long.
    b"\x03\x40\x01b\x01\xb5\x10",
    b"\x03\x40\x01b\x01\x8b\x08",
    b"\x03\x40\x01b\x01\x8d\x04",
    b"\x03\x40\x01b\x01\x8f\x02",
    b"\x03\x40\x01b\x01\x91\x02",
    b"\x03\x40\x01b\x01\x93\x02",
    b"\x03\x40\x01b\x01\xaf\x02",
    b"\x03\x40\x01b\x01\x95\x01",
    b"\x03\x40\x01b\x01\x97\x02",
    b"\x03\x40\x01b\x01\xb1\x01",
    b"\x03\x40\x01b\x01\x8b\xff\xff\xff\xff\x07",
    b"\xac\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    b"\x02\x01c",
];

const FRAMING_TOKENS: &[&[u8]] = &[
    b"\x00\x01\x00",
    b"\x01\x02",
    b"\x01\x01",
    b"\x02\x05net.t",
    b"\x03\x08",
    b"\x04\x05text/",
    b"\x05\x01\x00\x00",
    b"\x06\x80\x80\x04",
    b"\x06\xff\xff\xff\xff\x07",
    b"\x07",
    b"\x0c",
    b"\x0b",
    b"\x09\x03ssl",
];

// ---------------------------------------------------------------------------------------------
// Seeds.

fn vectors() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "bin"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into();
            (name, std::fs::read(&path).expect("a readable vector"))
        })
        .collect()
}

/// The bodies of the HTTP messages in a captured stream (each after its blank line, as long as
/// its `Content-Length`; an interim `100 Continue` has none).
fn http_bodies(mut stream: &[u8]) -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    while let Some(end) = find(stream, b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&stream[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let rest = &stream[end + 4..];
        let length = length.min(rest.len());
        if length > 0 {
            bodies.push(rest[..length].to_vec());
        }
        stream = &rest[length..];
    }
    bodies
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The envelope payloads of a framing stream.
fn envelopes(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut codec = FramingCodec::new();
    let mut buffer = BytesMut::from(stream);
    let mut payloads = Vec::new();
    while let Ok(Some(record)) = codec.decode_eof(&mut buffer) {
        if let Record::SizedEnvelope(payload) | Record::UnsizedEnvelope(payload) = record {
            payloads.push(payload.to_vec());
        }
    }
    payloads
}

/// A sessionless binary message of about 60 KB whose body is one Array of 60,000 `bool`s:
/// the most nodes per input byte the binary decoders make.
fn bool_array_message() -> Vec<u8> {
    const ITEMS: usize = 60_000;
    // <s:Envelope xmlns:s=… xmlns:a=…><s:Header><a:Action>act</a:Action></s:Header><s:Body>
    let mut message =
        b"\x56\x02\x0b\x01s\x04\x0b\x01a\x06\x56\x08\x44\x0a\x99\x03act\x01\x56\x0e".to_vec();
    // <r>, then an Array of <n> elements: BoolText, 60,000 items.
    message.extend_from_slice(b"\x40\x01r\x03\x40\x01n\x01\xb5\xe0\xd4\x03");
    message.extend((0..ITEMS).map(|i| u8::from(i % 3 == 0)));
    // </r></s:Body></s:Envelope>
    message.extend_from_slice(b"\x01\x01\x01");
    message
}

fn sample_shape() -> Shape {
    Shape {
        a: -7,
        b: 2.5,
        flag: true,
        name: "héllo <&>".into(),
        note: None,
        items: vec![1, -2, i64::MAX],
        words: vec!["a".into(), String::new()],
        color: Color::Rgb { r: 1, g: 2, b: 3 },
        pairs: HashMap::from([("k".to_owned(), 9)]),
        data: vec![0, 1, 2, 255],
        letter: Some('λ'),
        big: u64::MAX,
        tuple: (3, "t".into()),
        nested: Some(Box::new(Shape {
            color: Color::Named("blue".into()),
            ..Shape::default()
        })),
    }
}

/// Messages indigo writes: a request with addressing and a custom header, a fault with a
/// subcode and detail, an empty reply.
fn sample_messages() -> Vec<Message> {
    const NS: &str = "urn:indigo:fuzz";
    let body = xml::to_infoset(&sample_shape(), "Shape", NS).expect("the shape serializes");
    let mut request = Message::new(format!("{NS}/IShapes/Put"), Body::Infoset(body));
    request.headers.message_id = Some(MessageId::new_random());
    request.headers.to = Some("net.tcp://127.0.0.1:808/shapes".into());
    request.headers.reply_to = Some("http://www.w3.org/2005/08/addressing/anonymous".into());
    let header = xml::to_infoset(&vec![1i64, 2], "Trace", NS).expect("the header serializes");
    let mut block = HeaderBlock::new(header);
    block.must_understand = true;
    request.headers.other.push(block);

    let detail = xml::to_infoset("why", "Detail", NS).expect("the detail serializes");
    let fault = Fault::new(FaultKind::Sender, "bad shape")
        .with_subcode(NS, "BadShape")
        .with_detail(detail);
    let mut fault = Message::new(format!("{NS}/fault"), Body::Fault(fault));
    fault.headers.relates_to = Some(MessageId::new_random());

    let reply = Message::new(format!("{NS}/IShapes/PutResponse"), Body::Empty);
    vec![request, fault, reply]
}

fn encode_all(encoder: &mut dyn MessageEncoder, messages: &[Message]) -> Vec<Vec<u8>> {
    messages
        .iter()
        .map(|message| {
            let mut out = BytesMut::new();
            encoder.encode(message, &mut out).expect("indigo encodes");
            out.to_vec()
        })
        .collect()
}

/// A client's stream: the preamble, `payloads` as sized envelopes, one unsized envelope, End.
fn framing_stream(payloads: &[Vec<u8>]) -> Vec<u8> {
    let mut out = BytesMut::new();
    let mut records = vec![
        Record::Version { major: 1, minor: 0 },
        Record::Mode(Mode::Duplex),
        Record::Via("net.tcp://127.0.0.1:808/shapes".into()),
        Record::KnownEncoding(known_encoding::BINARY_SESSION),
        Record::PreambleEnd,
    ];
    records.extend(
        payloads
            .iter()
            .map(|payload| Record::SizedEnvelope(payload.clone().into())),
    );
    records.push(Record::UnsizedEnvelope(b"\x00\x56\x02".to_vec().into()));
    records.push(Record::End);
    for record in &records {
        FramingCodec::encode_record(record, &mut out).expect("a valid record");
    }
    out.to_vec()
}

fn targets() -> Vec<Target> {
    let messages = sample_messages();
    let session = encode_all(&mut BinaryEncoder::session(), &messages);
    let plain = encode_all(&mut BinaryEncoder::plain(), &messages);
    let soap12 = encode_all(&mut TextEncoder::soap12(), &messages);
    let soap11 = encode_all(&mut TextEncoder::soap11(), &messages);

    let mut streams = vec![framing_stream(&session)];
    let mut binary = [session, plain].concat();
    let mut text = [soap12, soap11].concat();
    for (name, bytes) in vectors() {
        if name.starts_with("nettcp") {
            binary.extend(envelopes(&bytes));
            streams.push(bytes);
        } else {
            text.extend(http_bodies(&bytes));
        }
    }
    assert!(streams.len() >= 5 && binary.len() >= 16 && text.len() >= 12);

    // Body elements as XML text, from the text messages (and so from the captures).
    let mut elements: Vec<Vec<u8>> = text
        .iter()
        .filter_map(|bytes| {
            let message = TextEncoder::soap12()
                .decode(bytes)
                .or_else(|_| TextEncoder::soap11().decode(bytes))
                .ok()?;
            Some(message.body.to_fragment()?.text.as_bytes().to_vec())
        })
        .collect();
    let shape = xml::to_string(&sample_shape(), "Shape", "urn:indigo:fuzz").expect("serializes");
    elements.push(shape.into_bytes());
    assert!(elements.len() >= 4, "{} body elements", elements.len());

    vec![
        Target {
            name: "framing",
            bytes_per_input_byte: BINARY_BYTES_PER_BYTE,
            run: run_framing,
            seeds: streams,
            tokens: FRAMING_TOKENS,
        },
        Target {
            name: "binary",
            bytes_per_input_byte: BINARY_BYTES_PER_BYTE,
            run: run_binary,
            seeds: binary,
            tokens: BINARY_TOKENS,
        },
        Target {
            name: "text",
            bytes_per_input_byte: TEXT_BYTES_PER_BYTE,
            run: run_text,
            seeds: text,
            tokens: XML_TOKENS,
        },
        Target {
            name: "xml",
            bytes_per_input_byte: TEXT_BYTES_PER_BYTE,
            run: run_xml,
            seeds: elements,
            tokens: XML_TOKENS,
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Mutations.

/// Single bytes that sit on boundaries: zero, the sign bits, the varint continuation bit.
const INTERESTING_BYTES: &[u8] = &[0x00, 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x40, 0x3c];

/// Sizes around the limits a decoder checks, written as MultiByteInt31 varints.
const INTERESTING_SIZES: &[u32] = &[
    0,
    1,
    0x7f,
    0x80,
    0x3fff,
    0x4000,
    2048,
    65_535,
    65_536,
    65_537,
    0x00ff_ffff,
    0x7fff_ffff,
];

fn varint(mut value: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(5);
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// A random range of `input`: start and end, possibly empty.
fn range(rng: &mut fastrand::Rng, len: usize) -> (usize, usize) {
    let start = rng.usize(..=len);
    let span = if rng.u8(..4) == 0 { 256 } else { 16 };
    let end = (start + rng.usize(..=span)).min(len);
    (start, end)
}

/// Applies one to four mutations to `input`, drawing splice partners from `corpus`.
fn mutate(rng: &mut fastrand::Rng, input: &mut Vec<u8>, corpus: &[Vec<u8>], tokens: &[&[u8]]) {
    for _ in 0..rng.usize(1..=4) {
        let len = input.len();
        match rng.u8(..10) {
            0 if len > 0 => {
                let at = rng.usize(..len);
                input[at] ^= 1 << rng.u8(..8);
            }
            1 if len > 0 => {
                let at = rng.usize(..len);
                input[at] = INTERESTING_BYTES[rng.usize(..INTERESTING_BYTES.len())];
            }
            2 if len > 0 => {
                let at = rng.usize(..len);
                input[at] = rng.u8(..);
            }
            3 => {
                let size = varint(INTERESTING_SIZES[rng.usize(..INTERESTING_SIZES.len())]);
                let at = rng.usize(..=len);
                if rng.bool() {
                    input.splice(at..at, size);
                } else {
                    let end = (at + size.len()).min(len);
                    input.splice(at..end, size);
                }
            }
            4 => {
                let token = tokens[rng.usize(..tokens.len())];
                let at = rng.usize(..=len);
                input.splice(at..at, token.iter().copied());
            }
            5 => {
                let (start, end) = range(rng, len);
                input.drain(start..end);
            }
            6 => {
                // Duplicate a range, sometimes many times over (repeated elements, attributes).
                let (start, end) = range(rng, len);
                let copies = if rng.u8(..8) == 0 {
                    rng.usize(2..200)
                } else {
                    1
                };
                let repeated = input[start..end].repeat(copies);
                let at = rng.usize(..=len);
                input.splice(at..at, repeated);
            }
            7 => {
                let at = rng.usize(..=len);
                let random: Vec<u8> = (0..rng.usize(1..=8)).map(|_| rng.u8(..)).collect();
                input.splice(at..at, random);
            }
            8 if !corpus.is_empty() => {
                let other = &corpus[rng.usize(..corpus.len())];
                let cut = rng.usize(..=len);
                let from = rng.usize(..=other.len());
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
            _ => {
                input.truncate(rng.usize(..=len));
            }
        }
    }
    input.truncate(MAX_INPUT);
}

// ---------------------------------------------------------------------------------------------
// The run.

/// What went wrong with one input.
#[derive(Debug)]
enum Failure {
    Panicked,
    TooMuchMemory { peak: usize, bound: usize },
    Leaked { bytes: usize },
    TooSlow(Duration),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Panicked => f.write_str("panicked"),
            Failure::TooMuchMemory { peak, bound } => {
                write!(
                    f,
                    "had {peak} heap bytes in use at once, over its bound of {bound}"
                )
            }
            Failure::Leaked { bytes } => write!(f, "left {bytes} heap bytes allocated"),
            Failure::TooSlow(elapsed) => write!(f, "took {elapsed:?}"),
        }
    }
}

/// How one input went: whether it was accepted, and the most heap bytes it had in use at once.
#[derive(Debug)]
struct Outcome {
    accepted: bool,
    peak: usize,
    elapsed: Duration,
}

/// Runs `input` through `target`, measuring its heap use.
fn check(target: &Target, input: &[u8]) -> Result<Outcome, Failure> {
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    let elapsed = started.elapsed();
    let peak = HEAP.peak_usage().saturating_sub(before);
    let after = HEAP.current_usage();
    let accepted = outcome.map_err(|_| Failure::Panicked)?;
    let bound = allocation_bound(target, input.len());
    if peak > bound {
        return Err(Failure::TooMuchMemory { peak, bound });
    }
    if after > before && leaks(target, input) {
        return Err(Failure::Leaked {
            bytes: after - before,
        });
    }
    if elapsed > MAX_INPUT_TIME {
        return Err(Failure::TooSlow(elapsed));
    }
    Ok(Outcome {
        accepted,
        peak,
        elapsed,
    })
}

/// Whether running `input` again still leaves heap bytes allocated: the first run of a code path
/// may keep what it initializes once (a tracing call site's registration, a lazy table).
fn leaks(target: &Target, input: &[u8]) -> bool {
    let before = HEAP.current_usage();
    let _ = catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    HEAP.current_usage() > before
}

/// Counts of one target's run.
#[derive(Debug, Default)]
struct Tally {
    inputs: u64,
    accepted: u64,
    /// The largest peak heap use of one input, and that input's length.
    peak: (usize, usize),
    /// The longest one input took.
    slowest: Duration,
    failures: Vec<String>,
}

/// The most inputs an accepted mutant may add to a target's corpus.
const MAX_CORPUS: usize = 2048;

fn fuzz(target: &Target, seed: u64, budget: Duration) -> Tally {
    let mut rng = fastrand::Rng::with_seed(seed ^ fnv1a(target.name));
    let mut corpus = target.seeds.clone();
    let mut tally = Tally::default();
    let started = Instant::now();
    while started.elapsed() < budget && tally.failures.len() < 5 {
        let mut input = corpus[rng.usize(..corpus.len())].clone();
        mutate(&mut rng, &mut input, &corpus, target.tokens);
        tally.inputs += 1;
        match check(target, &input) {
            Ok(outcome) => {
                tally.slowest = tally.slowest.max(outcome.elapsed);
                if outcome.peak > tally.peak.0 {
                    tally.peak = (outcome.peak, input.len());
                }
                if outcome.accepted {
                    tally.accepted += 1;
                    if corpus.len() < target.seeds.len() + MAX_CORPUS {
                        corpus.push(input);
                    } else {
                        let slot = target.seeds.len() + rng.usize(..MAX_CORPUS);
                        corpus[slot] = input;
                    }
                }
            }
            Err(failure) => {
                tally
                    .failures
                    .push(report(target.name, seed, tally.inputs, &input, &failure))
            }
        }
    }
    tally
}

/// A failure's description, with where the input was saved.
fn report(target: &str, seed: u64, number: u64, input: &[u8], failure: &Failure) -> String {
    let path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{target}-{seed}-{number}.bin"));
    let saved = match std::fs::write(&path, input) {
        Ok(()) => format!("saved to {}", path.display()),
        Err(e) => format!("not saved ({e})"),
    };
    let hex: String = input
        .iter()
        .take(2048)
        .map(|b| format!("{b:02x}"))
        .collect();
    let more = if input.len() > 2048 { "…" } else { "" };
    format!(
        "{target}: input #{number} of seed {seed} {failure}; it has {} bytes, {saved}\n  {hex}{more}",
        input.len()
    )
}

/// FNV-1a: a small stable hash, to give each target its own stream of random numbers.
fn fnv1a(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not valid")),
    )
}

#[test]
fn decoders_survive_mutated_input() {
    let targets = targets();
    // Warm up: lazily built tables are allocated once, not charged to the first input. Most
    // seeds decode (not all: a session's later messages use strings its earlier ones defined).
    for target in &targets {
        let accepted = target
            .seeds
            .iter()
            .filter(|seed| (target.run)(seed))
            .count();
        assert!(
            accepted * 2 > target.seeds.len(),
            "{}: {accepted} of {} seeds decode",
            target.name,
            target.seeds.len()
        );
    }

    // The binary decoders' known worst case stays within their bound.
    let binary = &targets[1];
    let outcome = check(binary, &bool_array_message());
    assert!(
        matches!(outcome, Ok(Outcome { accepted: true, .. })),
        "{outcome:?}"
    );

    if let Some(path) = env::<String>("INDIGO_FUZZ_INPUT") {
        let input = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        for target in &targets {
            let result = check(target, &input);
            eprintln!("{}: {result:?}", target.name);
            assert!(result.is_ok(), "{}: {result:?}", target.name);
        }
        return;
    }

    let seed = env("INDIGO_FUZZ_SEED").unwrap_or_else(|| fastrand::u64(..));
    let seconds = env("INDIGO_FUZZ_SECONDS").unwrap_or(DEFAULT_SECONDS);
    let budget = Duration::from_secs_f64(seconds / targets.len() as f64);
    eprintln!("fuzzing with INDIGO_FUZZ_SEED={seed} for {seconds} s");

    let mut failures = Vec::new();
    for target in &targets {
        let tally = fuzz(target, seed, budget);
        eprintln!(
            "{:>8}: {} inputs ({:.0}/s), {} accepted, {} seeds; largest peak {} bytes for {} \
             input bytes; slowest input {:?}",
            target.name,
            tally.inputs,
            tally.inputs as f64 / budget.as_secs_f64(),
            tally.accepted,
            target.seeds.len(),
            tally.peak.0,
            tally.peak.1,
            tally.slowest,
        );
        assert!(tally.inputs > 0, "{}: no input ran", target.name);
        failures.extend(tally.failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
