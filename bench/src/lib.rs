//! What the codec measurements share: the `add` and `echo` exchanges of one message path
//! (value → message → bytes → message → value), without sockets.
//!
//! `indigo-bench --codec STEP COUNT` repeats one step for callgrind; `cargo bench -p indigo-bench
//! --bench codec` times the whole exchange with criterion. Both build their messages here, so the
//! two count the same work.

use bytes::BytesMut;
use indigo::encoding::MessageEncoder;
use indigo::encoding::binary::BinaryEncoder;
use indigo::encoding::text::TextEncoder;
use indigo::message::{Body, Message};
use indigo::xml;
use serde::{Deserialize, Serialize};

/// An error of a codec step.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The contract's namespace.
pub const NS: &str = "http://peers.test/calc";
/// The action every message carries.
pub const ACTION: &str = "http://peers.test/calc/ICalculator/Add";
const MESSAGE_ID: &str = "urn:uuid:9ba7443b-d21a-4e69-997c-df2a16b02e53";
const TO: &str = "net.tcp://127.0.0.1:8000/calc";

/// The `add` request's body.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename = "Add")]
pub struct Add {
    /// The first addend.
    pub a: f64,
    /// The second addend.
    pub b: f64,
}

impl Add {
    /// The request every measurement sends.
    pub const SAMPLE: Add = Add { a: 12.5, b: 30.25 };
}

/// The `add` reply's body.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename = "AddResponse")]
pub struct AddResponse {
    /// The sum.
    #[serde(rename = "AddResult")]
    pub result: f64,
}

/// The `echo` request's and reply's body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename = "Echo")]
pub struct Echo {
    /// The bytes echoed (base64 on the wire).
    #[serde(with = "indigo::xml::bytes")]
    pub data: Vec<u8>,
}

/// `value` as the body of a message named `name`, with the headers of a WCF request.
pub fn message<T: Serialize>(value: &T, name: &str) -> Result<Message, BoxError> {
    let mut message = Message::new(ACTION, Body::Infoset(xml::to_infoset(value, name, NS)?));
    message.headers.message_id = Some(MESSAGE_ID.parse()?);
    message.headers.to = Some(TO.into());
    Ok(message)
}

/// A sending and a receiving encoder: the binary session encoding, or SOAP 1.2 text if `text`.
pub fn encoder_pair(text: bool) -> (Box<dyn MessageEncoder>, Box<dyn MessageEncoder>) {
    if text {
        (
            Box::new(TextEncoder::soap12()),
            Box::new(TextEncoder::soap12()),
        )
    } else {
        (
            Box::new(BinaryEncoder::session()),
            Box::new(BinaryEncoder::session()),
        )
    }
}

/// One direction: `value` → message → bytes (into `out`) → message → value.
pub fn trip<T: Serialize + serde::de::DeserializeOwned>(
    value: &T,
    name: &str,
    sender: &mut dyn MessageEncoder,
    receiver: &mut dyn MessageEncoder,
    out: &mut BytesMut,
) -> Result<T, BoxError> {
    let message = message(value, name)?;
    out.clear();
    sender.encode(&message, out)?;
    let received = receiver.decode(out)?;
    Ok(received.body.deserialize()?)
}

/// One `add` exchange: the request one way, its reply the other.
pub fn add_exchange(
    client: &mut dyn MessageEncoder,
    server: &mut dyn MessageEncoder,
    out: &mut BytesMut,
) -> Result<AddResponse, BoxError> {
    let request = trip(&Add::SAMPLE, "Add", client, server, out)?;
    let reply = AddResponse {
        result: request.a + request.b,
    };
    trip(&reply, "AddResponse", server, client, out)
}
