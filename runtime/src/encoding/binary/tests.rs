//! Tests of the binary encodings: captured Mono messages, round trips and hostile input.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;
use serde::Deserialize;
use tokio_util::codec::Decoder as _;

use super::*;
use crate::encoding::text::TextEncoder;
use crate::message::{
    Body, Fault, FaultKind, HeaderBlock, Headers, MessageId, SOAP12_NS, WSA10_ANONYMOUS, WSA10_NS,
    XmlFragment,
};
use crate::transport::tcp::framing::{FramingCodec, Record};
use crate::xml::Infoset;

const CALC_NS: &str = "http://peers.test/calc";
const VIA: &str = "net.tcp://127.0.0.1:8732/calc/session";
const SESSION_ID: &str = "urn:uuid:9ba7443b-d21a-4e69-997c-df2a16b02e53";

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

/// The body as XML text: the binary decoder keeps bodies as events.
fn body(message: &Message) -> XmlFragment {
    match message.body.to_fragment() {
        Some(fragment) => fragment.into_owned(),
        None => panic!("expected a body element, got {:?}", message.body),
    }
}

fn envelope_scope() -> Vec<(String, String)> {
    vec![
        ("s".to_owned(), SOAP12_NS.to_owned()),
        ("a".to_owned(), WSA10_NS.to_owned()),
    ]
}

fn action(op: &str) -> String {
    format!("{CALC_NS}/ICalculatorSession/{op}")
}

fn encode_with(encoder: &mut BinaryEncoder, message: &Message) -> BytesMut {
    let mut out = BytesMut::new();
    encoder.encode(message, &mut out).expect("encode");
    out
}

// ---------------------------------------------------------------------------------------------
// Captured Mono messages.

#[test]
fn decodes_the_session_requests() {
    let messages = decode_stream("nettcp-mono-session.c2s.bin");
    assert_eq!(messages.len(), 2);
    let ids = [
        "urn:uuid:0348252d-f8aa-4635-bd8f-9fe78e725f3b",
        "urn:uuid:b2a98ff3-b60c-48c4-ba45-506ba83e0f20",
    ];
    for (message, id) in messages.iter().zip(ids) {
        let expected = Headers {
            action: Some(action("SessionInfo").into()),
            message_id: Some(id.into()),
            relates_to: None,
            to: Some(VIA.into()),
            reply_to: Some(WSA10_ANONYMOUS.into()),
            other: Vec::new(),
        };
        assert_eq!(message.headers, expected);
        assert_eq!(
            body(message),
            XmlFragment {
                text: format!("<SessionInfo xmlns=\"{CALC_NS}\"/>"),
                scope: envelope_scope(),
            }
        );
    }
}

#[test]
fn decodes_the_session_replies() {
    let messages = decode_stream("nettcp-mono-session.s2c.bin");
    assert_eq!(messages.len(), 2);
    let relates = [
        "urn:uuid:0348252d-f8aa-4635-bd8f-9fe78e725f3b",
        "urn:uuid:b2a98ff3-b60c-48c4-ba45-506ba83e0f20",
    ];
    #[derive(Debug, Deserialize)]
    struct SessionInfoResponse {
        #[serde(rename = "SessionInfoResult")]
        result: String,
    }
    for (message, id) in messages.iter().zip(relates) {
        let expected = Headers {
            action: Some(action("SessionInfoResponse").into()),
            relates_to: Some(id.into()),
            ..Headers::default()
        };
        assert_eq!(message.headers, expected);
        assert_eq!(
            body(message).text,
            format!(
                "<SessionInfoResponse xmlns=\"{CALC_NS}\"><SessionInfoResult>instance=5 \
                 sessionId={SESSION_ID}</SessionInfoResult></SessionInfoResponse>"
            )
        );
        let reply: SessionInfoResponse = message.body.deserialize().unwrap();
        assert_eq!(reply.result, format!("instance=5 sessionId={SESSION_ID}"));
        assert_eq!(
            crate::xml::root_element(&body(message)).unwrap(),
            (CALC_NS.to_owned(), "SessionInfoResponse".to_owned())
        );
    }
}

#[derive(Debug, PartialEq, Deserialize)]
struct AddTo {
    n: f64,
}

#[derive(Debug, PartialEq, Deserialize)]
struct EqualsResponse {
    #[serde(rename = "EqualsResult")]
    result: f64,
}

#[test]
fn decodes_the_calculator_session() {
    let requests = decode_stream("nettcp-mono-calc-session.c2s.bin");
    let ops: Vec<&str> = requests.iter().map(Message::action).collect();
    let expected_ops: Vec<String> = ["Clear", "AddTo", "AddTo", "Equals", "AddTo"]
        .iter()
        .map(|op| action(op))
        .collect();
    assert_eq!(ops, expected_ops);
    for request in &requests {
        assert_eq!(request.headers.to.as_deref(), Some(VIA));
        assert_eq!(request.headers.reply_to.as_deref(), Some(WSA10_ANONYMOUS));
        // `urn:uuid:` ids, read from UniqueId records as GUIDs.
        assert!(matches!(
            request.headers.message_id,
            Some(MessageId::Uuid(_))
        ));
        assert!(
            request
                .headers
                .message_id
                .as_ref()
                .is_some_and(|id| id.to_string().starts_with("urn:uuid:"))
        );
    }
    // The second message defines session id 1 = "n"; the third reuses it.
    assert_eq!(
        body(&requests[1]).text,
        format!("<AddTo xmlns=\"{CALC_NS}\"><n>5</n></AddTo>")
    );
    let amounts: Vec<AddTo> = [1, 2, 4]
        .iter()
        .map(|&i| requests[i].body.deserialize().unwrap())
        .collect();
    assert_eq!(
        amounts,
        [AddTo { n: 5.0 }, AddTo { n: 7.0 }, AddTo { n: 1.0 }]
    );

    let replies = decode_stream("nettcp-mono-calc-session.s2c.bin");
    assert_eq!(replies.len(), 5);
    for (reply, request) in replies.iter().zip(&requests) {
        assert_eq!(reply.headers.relates_to, request.headers.message_id);
        assert_eq!(reply.action(), format!("{}Response", request.action()));
    }
    assert_eq!(
        body(&replies[3]).text,
        format!(
            "<EqualsResponse xmlns=\"{CALC_NS}\"><EqualsResult>12</EqualsResult></EqualsResponse>"
        )
    );
    let equals: EqualsResponse = replies[3].body.deserialize().unwrap();
    assert_eq!(equals, EqualsResponse { result: 12.0 });
    assert_eq!(
        body(&replies[0]).text,
        format!("<ClearResponse xmlns=\"{CALC_NS}\"/>")
    );
}

#[test]
fn reencoding_reproduces_the_captured_bytes() {
    // Both directions of both captures: every header and body record, and the StringTables,
    // come out byte for byte.
    for name in [
        "nettcp-mono-session.c2s.bin",
        "nettcp-mono-session.s2c.bin",
        "nettcp-mono-calc-session.c2s.bin",
        "nettcp-mono-calc-session.s2c.bin",
    ] {
        let payloads = envelopes(name);
        let messages = decode_stream(name);
        let mut encoder = BinaryEncoder::session();
        for (i, (payload, message)) in payloads.iter().zip(&messages).enumerate() {
            let bytes = encode_with(&mut encoder, message);
            assert_eq!(&bytes[..], &payload[..], "{name} message {i}");
        }
    }
}

#[test]
fn the_worked_example_from_the_model() {
    // Built from the model, not from a decoded message.
    let message = Message {
        headers: Headers {
            action: Some(action("SessionInfo").into()),
            message_id: Some("urn:uuid:0348252d-f8aa-4635-bd8f-9fe78e725f3b".into()),
            to: Some(VIA.into()),
            reply_to: Some(WSA10_ANONYMOUS.into()),
            ..Headers::default()
        },
        body: Body::Xml(XmlFragment::new(format!(
            "<SessionInfo xmlns=\"{CALC_NS}\"/>"
        ))),
    };
    let bytes = encode_with(&mut BinaryEncoder::session(), &message);
    assert_eq!(&bytes[..], &vector("nettcp-mono-session.c2s.bin")[50..=288]);
    // The sessionless encoding is the same document without the StringTable.
    let bytes = encode_with(&mut BinaryEncoder::plain(), &message);
    assert_eq!(&bytes[..], &vector("nettcp-mono-session.c2s.bin")[51..=288]);
    assert_eq!(BinaryEncoder::plain().decode(&bytes).unwrap(), {
        let mut m = message.clone();
        m.body = Body::Xml(XmlFragment {
            text: format!("<SessionInfo xmlns=\"{CALC_NS}\"/>"),
            scope: envelope_scope(),
        });
        m
    });
}

// ---------------------------------------------------------------------------------------------
// Round trips.

/// Decodes `text` with the text encoder, then checks that binary encode → decode gives the same
/// message (with a fresh session encoder, a plain one, and through the text encoder again).
fn assert_round_trip(message: &Message) -> Message {
    for mut encoder in [BinaryEncoder::session(), BinaryEncoder::plain()] {
        let bytes = encode_with(&mut encoder, message);
        let mut decoder = if encoder.is_session() {
            BinaryEncoder::session()
        } else {
            BinaryEncoder::plain()
        };
        let back = decoder.decode(&bytes).expect("decode");
        // Re-encoding the decoded message as text and reading it gives the text model too.
        let mut text = BytesMut::new();
        TextEncoder::soap12().encode(&back, &mut text).unwrap();
        let via_text = TextEncoder::soap12().decode(&text).unwrap();
        assert_eq!(via_text, back, "{}", String::from_utf8_lossy(&text));
        if encoder.is_session() {
            return back;
        }
    }
    unreachable!()
}

fn text_message(xml: &str) -> Message {
    TextEncoder::soap12()
        .decode(xml.as_bytes())
        .expect("text decode")
}

#[test]
fn round_trips_text_envelopes() {
    let envelope = |headers: &str, body: &str| {
        format!(
            "<s:Envelope xmlns:s=\"{SOAP12_NS}\" xmlns:a=\"{WSA10_NS}\"><s:Header>\
             <a:Action s:mustUnderstand=\"1\">urn:op</a:Action>{headers}</s:Header>\
             <s:Body>{body}</s:Body></s:Envelope>"
        )
    };
    let cases = [
        envelope(
            "",
            "<Echo xmlns=\"urn:x\"><s>héllo &lt;&amp;&gt;\"</s></Echo>",
        ),
        envelope(
            "<h:Session xmlns:h=\"urn:h\" s:mustUnderstand=\"1\" h:id=\"7\">x<h:k a=\"&quot;&lt;\"/></h:Session>",
            "<p:Add xmlns:p=\"urn:p\"><p:a>-3</p:a><p:b>2.5</p:b><p:c>007</p:c><p:d/></p:Add>",
        ),
        envelope(
            "<a:MessageID>urn:uuid:0348252D-f8aa-4635-bd8f-9fe78e725f3b</a:MessageID>\
             <a:RelatesTo>urn:uuid:0348252d-f8aa-4635-bd8f-9fe78e725f3b</a:RelatesTo>\
             <a:ReplyTo><a:Address>http://x/&amp;</a:Address></a:ReplyTo><a:To>net.tcp://h/</a:To>",
            "<X xmlns=\"urn:x\"><!-- note --><Y xmlns=\"\">true</Y><Z>9223372036854775807</Z>\
             <W>-9223372036854775808</W><V>   </V><U>\u{1F600} 日本</U></X>",
        ),
        envelope("", ""),
    ];
    for xml in &cases {
        let message = text_message(xml);
        let back = assert_round_trip(&message);
        assert_eq!(back, message, "{xml}");
    }
}

#[test]
fn round_trips_faults() {
    let fault = Fault::new(FaultKind::Sender, "bad <input> & \"more\" – ü")
        .with_subcode("http://schemas.microsoft.com/ws/2005/05/addressing/none", "ActionNotSupported")
        .with_subcode(SOAP12_NS, "Inner")
        .with_subcode("", "Plain")
        .with_detail(Infoset::parse(
            "<ExceptionDetail xmlns=\"urn:d\"><Message>m&amp;m</Message><Count>3</Count></ExceptionDetail>",
        ).unwrap());
    let message = Message {
        headers: Headers {
            action: Some(crate::message::WSA10_FAULT_ACTION.into()),
            relates_to: Some("urn:uuid:0348252d-f8aa-4635-bd8f-9fe78e725f3b".into()),
            ..Headers::default()
        },
        body: Body::Fault(fault.clone()),
    };
    let back = assert_round_trip(&message);
    let Body::Fault(got) = &back.body else {
        panic!("not a fault: {back:?}");
    };
    assert_eq!(got.code, fault.code);
    assert_eq!(got.reasons, fault.reasons);
    assert_eq!(
        got.detail.as_ref().map(|d| d.to_fragment().unwrap().text),
        Some(
            "<ExceptionDetail xmlns=\"urn:d\"><Message>m&amp;m</Message><Count>3</Count></ExceptionDetail>"
                .to_owned()
        )
    );
    for kind in [
        FaultKind::Receiver,
        FaultKind::MustUnderstand,
        FaultKind::VersionMismatch,
        FaultKind::DataEncodingUnknown,
    ] {
        let message = Message::new("urn:f", Body::Fault(Fault::new(kind, "r")));
        assert_eq!(assert_round_trip(&message).body, message.body);
    }
    // The same fault read through the text encoder matches.
    let mut text = BytesMut::new();
    TextEncoder::soap12().encode(&message, &mut text).unwrap();
    let from_text = TextEncoder::soap12().decode(&text).unwrap();
    let mut binary = BinaryEncoder::plain();
    let bytes = encode_with(&mut BinaryEncoder::plain(), &message);
    assert_eq!(binary.decode(&bytes).unwrap(), from_text);
}

#[test]
fn header_blocks_keep_their_scope() {
    // A block that inherited `h` from where it was read; its SOAP attribute is a field.
    let mut element = Infoset::new();
    element.inherit("s", SOAP12_NS);
    element.inherit("h", "urn:h");
    element.start("h", "Ctx");
    element.start("h", "v");
    element.text("x").unwrap();
    element.end();
    element.end();
    let mut block = HeaderBlock::new(element);
    block.must_understand = true;
    let message = Message {
        headers: Headers {
            action: Some("urn:op".into()),
            other: vec![block],
            ..Headers::default()
        },
        body: Body::Empty,
    };
    let back = assert_round_trip(&message);
    // `h` is declared on the element when written, so it comes back as its own declaration;
    // what it inherits now is the envelope's scope.
    let mut expected = Infoset::new();
    expected.inherit("s", SOAP12_NS);
    expected.inherit("a", WSA10_NS);
    expected.start("h", "Ctx");
    expected.xmlns("h", "urn:h");
    expected.start("h", "v");
    expected.text("x").unwrap();
    expected.end();
    expected.end();
    let mut expected = HeaderBlock::new(expected);
    expected.must_understand = true;
    assert_eq!(back.headers.other, vec![expected]);
    assert_eq!(
        back.headers.other[0].element().to_fragment().unwrap(),
        XmlFragment {
            text: "<h:Ctx xmlns:h=\"urn:h\"><h:v>x</h:v></h:Ctx>".to_owned(),
            scope: envelope_scope(),
        }
    );
}

#[test]
fn session_table_grows_across_messages() {
    let mut encoder = BinaryEncoder::session();
    let mut decoder = BinaryEncoder::session();
    let bodies = [
        "<Op xmlns=\"urn:x\"><alpha>1</alpha><beta>2</beta></Op>",
        "<Op xmlns=\"urn:x\"><alpha>3</alpha><gamma>4</gamma></Op>",
        "<Op xmlns=\"urn:x\"><beta>5</beta><alpha>6</alpha></Op>",
    ];
    let mut tables = Vec::new();
    for body in bodies {
        let message = Message::new("urn:op", Body::Xml(XmlFragment::new(body)));
        let bytes = encode_with(&mut encoder, &message);
        let back = decoder.decode(&bytes).unwrap();
        assert_eq!(
            back.body,
            Body::Xml(XmlFragment {
                text: body.to_owned(),
                scope: envelope_scope()
            })
        );
        let mut reader = SessionReader::new();
        let size = reader.read_table(&bytes).unwrap();
        tables.push(bytes[..size].to_vec());
    }
    assert_eq!(tables[0], b"\x0b\x05alpha\x04beta");
    assert_eq!(tables[1], b"\x06\x05gamma");
    assert_eq!(tables[2], b"\x00");
    // A decoder that missed the first message cannot resolve id 1.
    let message = Message::new("urn:op", Body::Xml(XmlFragment::new(bodies[2])));
    let bytes = encode_with(&mut encoder, &message);
    assert!(BinaryEncoder::session().decode(&bytes).is_err());
}

#[test]
fn session_budget_overflow_falls_back_to_inline_names() {
    let mut encoder = BinaryEncoder::session();
    let mut decoder = BinaryEncoder::session();
    for round in 0..40 {
        let body = format!(
            "<Op xmlns=\"urn:x\"><name_{round}_{}>v</name_{round}_{}></Op>",
            "x".repeat(60),
            "x".repeat(60)
        );
        let message = Message::new("urn:op", Body::Xml(XmlFragment::new(body.clone())));
        let bytes = encode_with(&mut encoder, &message);
        let back = decoder.decode(&bytes).unwrap();
        assert_eq!(body_text_of(&back), body);
    }
}

fn body_text_of(message: &Message) -> String {
    body(message).text.clone()
}

#[test]
fn encode_errors_leave_the_output_and_session_untouched() {
    let mut encoder = BinaryEncoder::session();
    let mut out = BytesMut::from(&b"keep"[..]);
    let bad = Message::new("urn:op", Body::Xml(XmlFragment::new("<a><newname>x</a>")));
    assert!(encoder.encode(&bad, &mut out).is_err());
    assert_eq!(&out[..], b"keep");
    let no_action = Message::default();
    assert!(encoder.encode(&no_action, &mut out).is_err());
    let mut plain = BinaryEncoder::plain();
    assert!(plain.encode(&bad, &mut out).is_err());
    assert_eq!(&out[..], b"keep");
    // `newname` was not kept in the session: the next message defines its own id 1.
    let good = Message::new(
        "urn:op",
        Body::Xml(XmlFragment::new("<a><other>x</other></a>")),
    );
    let bytes = encode_with(&mut encoder, &good);
    assert_eq!(&bytes[..8], b"\x06\x05other\x56");
}

// ---------------------------------------------------------------------------------------------
// SOAP attributes of header blocks, WS-Addressing August 2004, faults in full.

/// Writes `message` as an envelope of `version` in binary records and reads it back. The binary
/// encoders speak SOAP 1.2 + WS-Addressing 1.0 only, but the grammar they share speaks every
/// version; the result is checked against the text encoding of the same version.
fn records_round_trip(version: MessageVersion, message: &Message) -> (BytesMut, Message) {
    let mut out = BytesMut::new();
    write_message(version, message, &mut Writer::new(&mut out, None)).expect("encode");
    let back = read_message(
        version,
        &mut reader::Reader::new(&out, Strings::new(None)),
        &mut Default::default(),
    )
    .expect("decode");
    let mut text = BytesMut::new();
    TextEncoder::new(version)
        .encode(message, &mut text)
        .unwrap();
    let via_text = TextEncoder::new(version).decode(&text).unwrap();
    assert_eq!(back, via_text, "{}", String::from_utf8_lossy(&text));
    (out, back)
}

/// The document's root element, read from its records, as XML text.
fn records_as_text(document: &[u8]) -> String {
    use crate::xml::XmlSource;
    use crate::xml::stream::Event;
    let mut source = reader::Reader::new(document, Strings::new(None));
    assert!(matches!(source.next().unwrap(), Event::Start(_)));
    let mut infoset = Infoset::new();
    infoset.capture(&mut source, |_| false).unwrap();
    let mut text = String::new();
    infoset.write_text(&mut text).unwrap();
    text
}

/// A header block with every SOAP attribute.
fn soap_block() -> HeaderBlock {
    let element = Infoset::parse("<h:Ctx xmlns:h=\"urn:h\"><h:v>1</h:v></h:Ctx>").unwrap();
    let mut block = HeaderBlock::new(element);
    block.must_understand = true;
    block.role = Some("urn:role:gateway".into());
    block.relay = true;
    block
}

#[test]
fn header_block_soap_attributes_travel_as_records() {
    let message = Message {
        headers: Headers {
            action: Some("urn:op".into()),
            other: vec![soap_block()],
            ..Headers::default()
        },
        body: Body::Empty,
    };
    let back = assert_round_trip(&message);
    let ctx = &back.headers.other[0];
    assert!(ctx.must_understand && ctx.relay);
    assert_eq!(ctx.role.as_deref(), Some("urn:role:gateway"));
    assert_eq!(ctx.name(), ("urn:h", "Ctx"));
    // The decoded message re-encodes to the same records.
    let bytes = encode_with(&mut BinaryEncoder::plain(), &message);
    assert_eq!(encode_with(&mut BinaryEncoder::plain(), &back), bytes);
    // (Read back as events, an element's declarations come before its attributes.)
    assert!(
        records_as_text(&bytes).contains(
            "<h:Ctx xmlns:h=\"urn:h\" s:mustUnderstand=\"1\" s:role=\"urn:role:gateway\" \
             s:relay=\"1\"><h:v>1</h:v></h:Ctx>"
        ),
        "{}",
        records_as_text(&bytes)
    );

    // SOAP 1.1: `actor` and no `relay`.
    let (bytes, back) = records_round_trip(MessageVersion::Soap11WsAddressing10, &message);
    let ctx = &back.headers.other[0];
    assert!(ctx.must_understand && !ctx.relay);
    assert_eq!(ctx.role.as_deref(), Some("urn:role:gateway"));
    assert!(
        records_as_text(&bytes).contains(
            "<h:Ctx xmlns:h=\"urn:h\" s:mustUnderstand=\"1\" s:actor=\"urn:role:gateway\">"
        ),
        "{}",
        records_as_text(&bytes)
    );
}

#[test]
fn august_2004_addressing_travels_as_records() {
    use crate::message::{WSA10_FAULT_ACTION, WSA200408_ANONYMOUS, WSA200408_FAULT_ACTION};
    let message = Message {
        headers: Headers {
            action: Some(WSA10_FAULT_ACTION.into()),
            message_id: Some("urn:uuid:0348252d-f8aa-4635-bd8f-9fe78e725f3b".into()),
            reply_to: Some(WSA10_ANONYMOUS.into()),
            to: Some(WSA10_ANONYMOUS.into()),
            ..Headers::default()
        },
        body: Body::Fault(Fault::new(FaultKind::Sender, "bad")),
    };
    for version in [
        MessageVersion::Soap12WsAddressingAugust2004,
        MessageVersion::Soap11WsAddressingAugust2004,
    ] {
        let (bytes, back) = records_round_trip(version, &message);
        // Read back as the model's WS-Addressing 1.0 values…
        assert_eq!(back.headers, message.headers);
        // …from August 2004's on the wire.
        let text = records_as_text(&bytes);
        assert!(
            text.contains(&format!(
                "<a:Action s:mustUnderstand=\"1\">{WSA200408_FAULT_ACTION}</a:Action>"
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "<a:ReplyTo><a:Address>{WSA200408_ANONYMOUS}</a:Address></a:ReplyTo>\
                 <a:To s:mustUnderstand=\"1\">{WSA200408_ANONYMOUS}</a:To>"
            )),
            "{text}"
        );
        assert!(!text.contains(WSA10_NS), "{text}");
    }
}

#[test]
fn full_faults_travel_as_records() {
    let mut fault = Fault::new(FaultKind::MustUnderstand, "Header not understood")
        .with_reason("de", "Kopf nicht verstanden")
        .with_subcode("urn:sub", "Detail");
    fault.node = Some("urn:node:1".into());
    fault.role = Some("urn:role:gateway".into());
    fault.not_understood = vec![
        ("urn:h".to_owned(), "Ctx".to_owned()),
        (String::new(), "Bare".to_owned()),
    ]
    .into();
    let message = Message::new(
        crate::message::WSA10_FAULT_ACTION,
        Body::Fault(fault.clone()),
    );
    // SOAP 1.2: everything, the names in NotUnderstood header blocks.
    let back = assert_round_trip(&message);
    assert!(back.headers.other.is_empty());
    assert_eq!(back.body, Body::Fault(fault.clone()));
    let text = records_as_text(&encode_with(&mut BinaryEncoder::plain(), &message));
    assert!(
        text.contains(
            "<s:NotUnderstood xmlns:n=\"urn:h\" qname=\"n:Ctx\"/><s:NotUnderstood qname=\"Bare\"/>"
        ),
        "{text}"
    );

    // SOAP 1.1: one reason, no node, no NotUnderstood; the class is not on the wire when there
    // is a subcode.
    let (_, back) = records_round_trip(MessageVersion::Soap11WsAddressing10, &message);
    let Body::Fault(got) = &back.body else {
        panic!("not a fault: {back:?}");
    };
    assert_eq!(got.code.kind, FaultKind::Receiver);
    assert_eq!(got.code.subcodes, fault.code.subcodes);
    assert_eq!(got.reasons, fault.reasons[..1]);
    assert_eq!(got.role, fault.role);
    assert_eq!((&got.node, got.not_understood.is_empty()), (&None, true));
}

// ---------------------------------------------------------------------------------------------
// Every record type.

/// A hand-built document using every record type of [MC-NBFX]; checks the text it reads as.
#[test]
fn reads_every_record_type() {
    let mut session = SessionReader::new();
    // Session strings: id 1 = "sess", id 3 = "urn:s".
    session.read_table(b"\x0b\x04sess\x05urn:s").unwrap();
    let mut d = Vec::new();
    let s = |d: &mut Vec<u8>, v: &str| {
        d.push(v.len() as u8);
        d.extend_from_slice(v.as_bytes());
    };
    // <s:Envelope xmlns:s=SOAP12 xmlns:a=WSA>
    d.extend_from_slice(b"\x56\x02\x0b\x01s\x04\x0b\x01a\x06");
    // <s:Header><a:Action>act</a:Action></s:Header>
    d.extend_from_slice(b"\x56\x08\x44\x0a\x99\x03act\x01");
    // <s:Body>
    d.extend_from_slice(b"\x56\x0e");
    // <r xmlns="urn:r" xmlns:p="urn:p" xmlns:q=(session urn:s) xmlns:z=(static 0x06)>
    d.push(0x40);
    s(&mut d, "r");
    d.push(0x08);
    s(&mut d, "urn:r");
    d.push(0x09);
    s(&mut d, "p");
    s(&mut d, "urn:p");
    d.push(0x0b);
    s(&mut d, "q");
    d.push(0x03);
    d.push(0x0b);
    s(&mut d, "z");
    d.push(0x06);
    // Attributes: 0x04 ShortAttribute, 0x05 Attribute, 0x06 ShortDictionaryAttribute,
    // 0x07 DictionaryAttribute, 0x0C+ PrefixDictionaryAttribute, 0x26+ PrefixAttribute.
    d.push(0x04);
    s(&mut d, "sa");
    d.extend_from_slice(b"\x98\x01<");
    d.push(0x05);
    s(&mut d, "p");
    s(&mut d, "at");
    d.push(0x80);
    d.extend_from_slice(b"\x06\x01\x82"); // sess="1"
    d.push(0x07);
    s(&mut d, "q");
    d.extend_from_slice(b"\x0a\x84"); // q:Action="false"
    d.extend_from_slice(b"\x0c\x0c\x86"); // a:To="true"
    d.push(0x26 + (b'p' - b'a'));
    s(&mut d, "pa");
    d.extend_from_slice(b"\xa8"); // p:pa=""
    d.extend_from_slice(b"\x06\x0c\xa4\x88\x01\x88\x02\xa6"); // To="1 2" (a list)
    // Children.
    let text_case = |d: &mut Vec<u8>, record: &[u8]| {
        d.push(0x42);
        d.push(0x01); // <sess>
        d.extend_from_slice(record);
    };
    text_case(&mut d, b"\x81"); // 0
    text_case(&mut d, b"\x83"); // 1
    text_case(&mut d, b"\x85"); // false
    text_case(&mut d, b"\x87"); // true
    text_case(&mut d, b"\x89\xfe"); // -2
    text_case(&mut d, b"\x8b\x00\x80"); // -32768
    text_case(&mut d, b"\x8d\x01\x00\x01\x00"); // 65537
    text_case(&mut d, b"\x8f\xff\xff\xff\xff\xff\xff\xff\x7f"); // i64::MAX
    text_case(&mut d, b"\x91\x00\x00\xc0\x3f"); // 1.5f
    text_case(&mut d, b"\x93\x00\x00\x00\x00\x00\x00\xf0\x7f"); // INF
    text_case(
        &mut d,
        b"\x95\x00\x00\x02\x80\x00\x00\x00\x00\x39\x30\x00\x00\x00\x00\x00\x00",
    ); // -123.45
    let mut dt = b"\x97".to_vec();
    dt.extend_from_slice(&(631_167_699_067_000_000u64 | 1 << 62).to_le_bytes());
    text_case(&mut d, &dt);
    text_case(&mut d, b"\x99\x02hi");
    text_case(&mut d, b"\x9b\x02\x00hi");
    text_case(&mut d, b"\x9d\x02\x00\x00\x00hi");
    text_case(&mut d, b"\x9f\x02hi"); // base64 aGk=
    text_case(&mut d, b"\xa1\x02\x00hi");
    text_case(&mut d, b"\xa3\x02\x00\x00\x00hi");
    text_case(&mut d, b"\xa9");
    text_case(&mut d, b"\xab\x01"); // sess
    let mut uid = b"\xad".to_vec();
    uid.extend_from_slice(&[
        0x2d, 0x25, 0x48, 0x03, 0xaa, 0xf8, 0x35, 0x46, 0xbd, 0x8f, 0x9f, 0xe7, 0x8e, 0x72, 0x5f,
        0x3b,
    ]);
    text_case(&mut d, &uid);
    let mut ts = b"\xaf".to_vec();
    ts.extend_from_slice(&36_000_000_000i64.to_le_bytes());
    text_case(&mut d, &ts);
    let mut uuid = uid.clone();
    uuid[0] = 0xb1;
    text_case(&mut d, &uuid);
    text_case(&mut d, b"\xb3\xff\xff\xff\xff\xff\xff\xff\xff");
    text_case(&mut d, b"\xb5\x01");
    text_case(&mut d, b"\xb7\x04h\x00\xe9\x00");
    text_case(&mut d, b"\xb9\x02\x00<\x00");
    text_case(&mut d, b"\xbb\x02\x00\x00\x00&\x00");
    text_case(&mut d, b"\xbd\x12\x0e"); // s:Body
    // Plain text records followed by EndElement, a list, and a comment.
    text_case(&mut d, b"\x98\x01a\x80\x01");
    text_case(&mut d, b"\xa4\x88\x01\x98\x00\xa6\x01");
    d.push(0x02);
    s(&mut d, " c ");
    // Element kinds: 0x41 Element, 0x43 DictionaryElement, 0x44+ PrefixDictionaryElement,
    // 0x5E+ PrefixElement.
    d.push(0x41);
    s(&mut d, "p");
    s(&mut d, "e1");
    d.push(0x01);
    d.push(0x43);
    s(&mut d, "q");
    d.push(0x01);
    d.push(0x01);
    d.extend_from_slice(b"\x44\x0c\x01"); // <a:To/>
    d.push(0x5e + (b'p' - b'a'));
    s(&mut d, "e2");
    d.push(0x01);
    // Array of three Int16 in <arr>.
    d.extend_from_slice(b"\x03\x40\x03arr\x01\x8b\x03\x33\x33\x88\x88\xdd\xdd");
    // Array of two bools with an attribute.
    d.extend_from_slice(b"\x03\x40\x01b\x04\x01k\x82\x01\xb5\x02\x00\x01");
    d.extend_from_slice(b"\x01\x01\x01"); // </r></s:Body></s:Envelope>

    let message = read_message(
        VERSION,
        &mut reader::Reader::new(&d, Strings::new(Some(&session))),
        &mut Default::default(),
    )
    .expect("decode");
    let expected = concat!(
        "<r xmlns=\"urn:r\" xmlns:p=\"urn:p\" xmlns:q=\"urn:s\" xmlns:z=\"http://www.w3.org/2005/08/addressing\"",
        " sa=\"&lt;\" p:at=\"0\" sess=\"1\" q:Action=\"false\" a:To=\"true\" p:pa=\"\" To=\"1 2\">",
        "<sess>0</sess><sess>1</sess><sess>false</sess><sess>true</sess><sess>-2</sess>",
        "<sess>-32768</sess><sess>65537</sess><sess>9223372036854775807</sess><sess>1.5</sess>",
        "<sess>INF</sess><sess>-123.45</sess><sess>2001-02-03T04:05:06.7Z</sess>",
        "<sess>hi</sess><sess>hi</sess><sess>hi</sess><sess>aGk=</sess><sess>aGk=</sess><sess>aGk=</sess>",
        "<sess/><sess>sess</sess><sess>urn:uuid:0348252d-f8aa-4635-bd8f-9fe78e725f3b</sess>",
        "<sess>PT1H</sess><sess>0348252d-f8aa-4635-bd8f-9fe78e725f3b</sess>",
        "<sess>18446744073709551615</sess><sess>true</sess><sess>hé</sess><sess>&lt;</sess>",
        "<sess>&amp;</sess><sess>s:Body</sess><sess>a0</sess><sess>1 </sess><!-- c -->",
        "<p:e1/><q:sess/><a:To/><p:e2/><arr>13107</arr><arr>-30584</arr><arr>-8739</arr>",
        "<b k=\"1\">false</b><b k=\"1\">true</b></r>",
    );
    // The EmptyText record is an empty text event, which XML text does not show: `<sess/>`.
    assert_eq!(body(&message).text, expected);
}

// ---------------------------------------------------------------------------------------------
// Hostile input.

fn first_request() -> Vec<u8> {
    vector("nettcp-mono-session.c2s.bin")[50..=288].to_vec()
}

fn first_reply() -> Vec<u8> {
    vector("nettcp-mono-session.s2c.bin")[4..=242].to_vec()
}

#[test]
fn every_truncation_is_an_error() {
    for payload in [first_request(), first_reply()] {
        for cut in 0..payload.len() {
            assert!(
                BinaryEncoder::session().decode(&payload[..cut]).is_err(),
                "prefix of {cut} bytes"
            );
        }
        assert!(BinaryEncoder::session().decode(&payload).is_ok());
        // Without the StringTable, as msbin1.
        let document = &payload[1..];
        if payload[0] == 0 {
            for cut in 0..document.len() {
                assert!(BinaryEncoder::plain().decode(&document[..cut]).is_err());
            }
        }
    }
}

#[test]
fn bad_records_are_errors() {
    let request = first_request();
    let check = |bytes: &[u8], what: &str| {
        let error = BinaryEncoder::session().decode(bytes);
        assert!(error.is_err(), "{what}: {error:?}");
    };
    // Bad record type at the Header element (offset 61 in the file = 11 in the payload).
    for bad in [0x00u8, 0x78, 0x7f, 0xbe, 0xff, 0xa5, 0xa7] {
        let mut bytes = request.clone();
        bytes[11] = bad;
        check(&bytes, &format!("record 0x{bad:02x}"));
    }
    // Static dictionary id out of range (Envelope id 0x02 → 0x3ce = 974).
    let mut bytes = request.clone();
    bytes.splice(2..3, [0xce, 0x07]);
    check(&bytes, "static id 974");
    // Odd (session) id not defined.
    let mut bytes = request.clone();
    bytes[2] = 0x03;
    check(&bytes, "session id 3");
    // Action text length past the end.
    let mut bytes = request.clone();
    bytes.truncate(80);
    bytes[19] = 0xff;
    check(&bytes, "Chars8 length");
    // Chars32 with a huge length: no allocation, just an error.
    let mut bytes = request[..18].to_vec();
    bytes.extend_from_slice(&[0x9c, 0xff, 0xff, 0xff, 0x7f, b'x']);
    check(&bytes, "Chars32 length");
    let mut bytes = request[..18].to_vec();
    bytes.extend_from_slice(&[0x9c, 0xff, 0xff, 0xff, 0xff]);
    check(&bytes, "negative Chars32 length");
    // Name length past the end.
    let mut bytes = request[..1].to_vec();
    bytes.extend_from_slice(&[0x40, 0xff, 0xff, 0xff, 0x07, b'E']);
    check(&bytes, "name length");
    // StringTable size past the payload.
    let mut bytes = request.clone();
    bytes[0] = 0x80;
    bytes.insert(1, 0x10);
    check(&bytes, "StringTable size");
    // An array whose count runs past the end.
    let doc = b"\x00\x56\x02\x0b\x01s\x04\x03\x40\x01x\x01\x8d\xff\xff\xff\x7f\x00";
    check(doc, "array count");
    // Undeclared prefix.
    check(b"\x00\x56\x02\x01", "undeclared prefix");
    // Text outside the root, and EndElement at the top.
    check(b"\x00\x99\x01x", "text at top level");
    check(b"\x00\x01", "EndElement at top level");
    // Attribute value with an end element.
    check(
        b"\x00\x56\x02\x0b\x01s\x04\x04\x01k\x83\x01",
        "attribute WithEndElement",
    );
    // Invalid UTF-8 and UTF-16.
    check(b"\x00\x40\x01\xff\x01", "UTF-8 name");
    check(
        b"\x00\x56\x02\x0b\x01s\x04\xb7\x02\x00\xd8\x01",
        "lone surrogate",
    );
    check(
        b"\x00\x56\x02\x0b\x01s\x04\xb7\x01\x00\x01",
        "odd UTF-16 length",
    );
    // Invalid bool, decimal and DateTime values.
    check(b"\x00\x56\x02\x0b\x01s\x04\xb5\x02\x01", "bool 2");
}

#[test]
fn deep_nesting_is_an_error() {
    // Envelope, Body, then `x` elements: `depth` levels in all.
    let nested = |depth: usize| {
        let mut bytes = vec![0x00, 0x56, 0x02, 0x0b, 0x01, b's', 0x04, 0x56, 0x0e];
        for _ in 2..depth {
            bytes.extend_from_slice(&[0x40, 0x01, b'x']);
        }
        bytes.extend(std::iter::repeat_n(0x01, depth));
        bytes
    };
    for depth in [65usize, 1000] {
        let error = BinaryEncoder::session().decode(&nested(depth)).unwrap_err();
        assert!(error.to_string().contains("deeper"), "{error}");
        // The reader's own error, as the text reader's (the document without its StringTable).
        assert!(matches!(
            read_all(&nested(depth)[1..]),
            Err(crate::xml::XmlError::TooDeep)
        ));
    }
    // An Array's items at level 64 are read, at level 65 they are too deep.
    let array = |open: usize| {
        let mut bytes = nested(open);
        bytes.truncate(bytes.len() - open);
        bytes.extend_from_slice(b"\x03\x40\x01y\x01\xb5\x01\x01");
        bytes.extend(std::iter::repeat_n(0x01, open));
        bytes
    };
    assert!(read_all(&array(63)[1..]).is_ok());
    assert!(matches!(
        read_all(&array(64)[1..]),
        Err(crate::xml::XmlError::TooDeep)
    ));
    // 64 levels are read (the envelope then lacks its Action).
    let error = BinaryEncoder::session().decode(&nested(64)).unwrap_err();
    assert!(error.to_string().contains("Action"), "{error}");
}

/// A sessionless (msbin1) document: `<s:Envelope xmlns:s=… xmlns:a=…><s:Header><a:Action>act`
/// `</a:Action>`, then `header` (more header blocks), `</s:Header><s:Body>`, `body`, and the
/// ends of the Body and Envelope.
fn document(header: &[u8], body: &[u8]) -> Vec<u8> {
    let mut d = b"\x56\x02\x0b\x01s\x04\x0b\x01a\x06\x56\x08\x44\x0a\x99\x03act".to_vec();
    d.extend_from_slice(header);
    d.extend_from_slice(b"\x01\x56\x0e");
    d.extend_from_slice(body);
    d.extend_from_slice(b"\x01\x01");
    d
}

/// Reads every event of a sessionless document with the reader alone (to see its errors as
/// they are, not as a decoder's).
fn read_all(document: &[u8]) -> Result<(), crate::xml::XmlError> {
    use crate::xml::XmlSource;
    use crate::xml::stream::Event;
    let mut reader = reader::Reader::new(document, Strings::new(None));
    while !matches!(reader.next()?, Event::Eof) {}
    Ok(())
}

/// Appends an inline string (one-byte length).
fn push_str(d: &mut Vec<u8>, s: &str) {
    d.push(u8::try_from(s.len()).unwrap());
    d.extend_from_slice(s.as_bytes());
}

/// Appends a declaration `xmlns:prefix="uri"` (record 0x09).
fn push_xmlns(d: &mut Vec<u8>, prefix: &str, uri: &str) {
    d.push(0x09);
    push_str(d, prefix);
    push_str(d, uri);
}

#[test]
fn too_many_namespace_bindings_are_an_error() {
    use crate::xml::{MAX_BINDINGS, XmlError};
    // Elements `x` nested, declaring `declarations` prefixes in all, two per element.
    let nested = |declarations: usize| {
        let mut body = Vec::new();
        let mut elements = 0;
        for i in 0..declarations {
            if i % 2 == 0 {
                body.extend_from_slice(b"\x40\x01x");
                elements += 1;
            }
            push_xmlns(&mut body, &format!("p{i}"), "urn:x");
        }
        body.extend(std::iter::repeat_n(0x01, elements));
        document(b"", &body)
    };
    // The envelope declares two: 62 more make the limit.
    assert!(read_all(&nested(MAX_BINDINGS - 2)).is_ok());
    BinaryEncoder::plain()
        .decode(&nested(MAX_BINDINGS - 2))
        .expect("at the limit");
    let error = read_all(&nested(MAX_BINDINGS - 1)).unwrap_err();
    assert!(
        matches!(
            error,
            XmlError::TooMany {
                what: "namespace declarations in scope",
                limit: MAX_BINDINGS
            }
        ),
        "{error}"
    );
    let error = BinaryEncoder::plain()
        .decode(&nested(MAX_BINDINGS - 1))
        .unwrap_err();
    assert!(
        error.to_string().contains("namespace declarations"),
        "{error}"
    );
    // On one element.
    let mut body = b"\x40\x01x".to_vec();
    for i in 0..MAX_BINDINGS {
        push_xmlns(&mut body, &format!("p{i}"), "urn:x");
    }
    body.push(0x01);
    assert!(matches!(
        read_all(&document(b"", &body)),
        Err(XmlError::TooMany {
            limit: MAX_BINDINGS,
            ..
        })
    ));
    // Declarations go out of scope with their element: siblings may declare many in all.
    let mut body = b"\x40\x01r".to_vec();
    for _ in 0..10 {
        body.extend_from_slice(b"\x40\x01x");
        for i in 0..MAX_BINDINGS - 3 {
            push_xmlns(&mut body, &format!("p{i}"), "urn:x");
        }
        body.push(0x01);
    }
    body.push(0x01);
    read_all(&document(b"", &body)).expect("siblings");
}

#[test]
fn too_many_attributes_are_an_error() {
    use crate::xml::{MAX_ATTRIBUTES, XmlError};
    // `<x a0="" a1="" …>` with `attributes` attributes, the first `declarations` of them
    // namespace declarations.
    let element = |attributes: usize, declarations: usize| {
        let mut body = b"\x40\x01x".to_vec();
        for i in 0..attributes {
            if i < declarations {
                push_xmlns(&mut body, &format!("p{i}"), "urn:x");
            } else {
                body.push(0x04);
                push_str(&mut body, &format!("a{i}"));
                body.push(0xa8);
            }
        }
        body.push(0x01);
        document(b"", &body)
    };
    read_all(&element(MAX_ATTRIBUTES, 0)).expect("at the limit");
    read_all(&element(MAX_ATTRIBUTES, 10)).expect("at the limit, with declarations");
    for declarations in [0, 10] {
        let error = read_all(&element(MAX_ATTRIBUTES + 1, declarations)).unwrap_err();
        assert!(
            matches!(
                error,
                XmlError::TooMany {
                    what: "attributes on one element",
                    limit: MAX_ATTRIBUTES
                }
            ),
            "{error}"
        );
    }
    let error = BinaryEncoder::plain()
        .decode(&element(MAX_ATTRIBUTES + 1, 0))
        .unwrap_err();
    assert!(
        error.to_string().contains("attributes on one element"),
        "{error}"
    );
}

#[test]
fn duplicate_attributes_are_an_error() {
    use crate::xml::XmlError;
    let duplicate = |body: &[u8]| match read_all(&document(b"", body)) {
        Err(XmlError::DuplicateAttribute(name)) => name,
        other => panic!("{other:?}"),
    };
    // The same name twice: `<x k="0" k="1"/>`.
    assert_eq!(duplicate(b"\x40\x01x\x04\x01k\x80\x04\x01k\x82\x01"), "{}k");
    // One attribute through two prefixes bound to the same namespace:
    // `<x xmlns:p="urn:d" xmlns:q="urn:d" p:k="0" q:k="1"/>`.
    let mut body = b"\x40\x01x".to_vec();
    push_xmlns(&mut body, "p", "urn:d");
    push_xmlns(&mut body, "q", "urn:d");
    body.extend_from_slice(b"\x05\x01p\x01k\x80\x05\x01q\x01k\x82\x01");
    assert_eq!(duplicate(&body), "{urn:d}k");
    // Also in an Array's element.
    assert_eq!(
        duplicate(b"\x03\x40\x01b\x04\x01k\x82\x04\x01k\x82\x01\xb5\x01\x00"),
        "{}k"
    );
    // The same name in two namespaces, or on two elements, is fine.
    let mut body = b"\x40\x01x".to_vec();
    push_xmlns(&mut body, "p", "urn:d");
    body.extend_from_slice(b"\x05\x01p\x01k\x80\x04\x01k\x82\x40\x01y\x04\x01k\x80\x01\x01");
    read_all(&document(b"", &body)).expect("distinct attributes");

    // A header `mustUnderstand` both "0" and "1" (through `s` and a second prefix for the
    // envelope namespace): no reader may pick one.
    let mut header = b"\x40\x01H".to_vec();
    push_xmlns(&mut header, "", "urn:h");
    header.extend_from_slice(b"\x0b\x01e\x04"); // xmlns:e=SOAP 1.2 (static id 4)
    header.extend_from_slice(b"\x1e\x00\x84"); // s:mustUnderstand="false"
    header.extend_from_slice(b"\x07\x01e\x00\x86"); // e:mustUnderstand="true"
    header.push(0x01);
    let bytes = document(&header, b"");
    assert!(
        matches!(
            read_all(&bytes),
            Err(XmlError::DuplicateAttribute(name))
                if name == format!("{{{SOAP12_NS}}}mustUnderstand")
        ),
        "{:?}",
        read_all(&bytes)
    );
    let error = BinaryEncoder::plain().decode(&bytes).unwrap_err();
    assert!(error.to_string().contains("mustUnderstand"), "{error}");
    // Without the second one, it reads.
    let mut header = b"\x40\x01H".to_vec();
    push_xmlns(&mut header, "", "urn:h");
    header.extend_from_slice(b"\x1e\x00\x84\x01");
    let message = BinaryEncoder::plain()
        .decode(&document(&header, b""))
        .expect("one mustUnderstand");
    assert!(!message.headers.other[0].must_understand);
}

#[test]
fn many_duplicate_attributes_are_refused_by_both_encodings() {
    // 20,000 copies of `k="0"` on one body element: refused at the second, by the binary and
    // the text decoder alike, with the same error.
    const COPIES: usize = 20_000;
    let mut body = b"\x40\x01x".to_vec();
    for _ in 0..COPIES {
        body.extend_from_slice(b"\x04\x01k\x80"); // k="0" (ZeroText)
    }
    body.push(0x01);
    let binary = BinaryEncoder::plain()
        .decode(&document(b"", &body))
        .unwrap_err();

    let text = format!(
        r#"<s:Envelope xmlns:s="{SOAP12_NS}" xmlns:a="{WSA10_NS}"><s:Header><a:Action>act</a:Action></s:Header><s:Body><x{}/></s:Body></s:Envelope>"#,
        r#" k="0""#.repeat(COPIES)
    );
    let text = TextEncoder::soap12().decode(text.as_bytes()).unwrap_err();

    for error in [&binary, &text] {
        assert!(
            matches!(error, EncodingError::Malformed(m) if m.ends_with("k appears twice on one element")),
            "{error:?}"
        );
    }
}

#[test]
fn duplicate_prefix_declarations_are_an_error() {
    use crate::xml::XmlError;
    let declared_twice = |prefix: &str| {
        let mut body = b"\x40\x01x".to_vec();
        if prefix.is_empty() {
            body.extend_from_slice(b"\x08\x05urn:1\x08\x05urn:2");
        } else {
            push_xmlns(&mut body, prefix, "urn:1");
            push_xmlns(&mut body, prefix, "urn:2");
        }
        body.push(0x01);
        read_all(&document(b"", &body))
    };
    assert!(matches!(
        declared_twice("p"),
        Err(XmlError::DuplicateAttribute(name)) if name == "xmlns:p"
    ));
    assert!(matches!(
        declared_twice(""),
        Err(XmlError::DuplicateAttribute(name)) if name == "xmlns"
    ));
    // Even to the same namespace, with a dictionary string (0x0B) for one of them.
    let mut body = b"\x40\x01x".to_vec();
    push_xmlns(&mut body, "p", SOAP12_NS);
    body.extend_from_slice(b"\x0b\x01p\x04\x01");
    assert!(matches!(
        read_all(&document(b"", &body)),
        Err(XmlError::DuplicateAttribute(name)) if name == "xmlns:p"
    ));
    // Redeclaring a prefix of an enclosing element is fine: `s` is the envelope's.
    let mut body = b"\x40\x01x".to_vec();
    push_xmlns(&mut body, "s", "urn:other");
    body.push(0x01);
    read_all(&document(b"", &body)).expect("a redeclaration");
}

#[test]
fn arrays_of_long_names_share_the_name() {
    // An Array of 60,000 one-byte bools in an element with a 2,000-character name: 62 KB of
    // records. Each item is an element of that name; the name is kept once, not per item
    // (which made a 124 MB infoset).
    const ITEMS: usize = 60_000;
    let name = "n".repeat(2_000);
    // <r>, then Array, ShortElement, name length 2,000.
    let mut body = vec![0x40, 0x01, b'r', 0x03, 0x40, 0xd0, 0x0f];
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(&[0x01, 0xb5, 0xe0, 0xd4, 0x03]); // EndElement, Bool, 60,000
    body.extend((0..ITEMS).map(|i| u8::from(i % 3 == 0)));
    body.push(0x01); // </r>
    let bytes = document(b"", &body);
    assert!(bytes.len() < 64 * 1024);
    let message = BinaryEncoder::plain().decode(&bytes).expect("decode");
    let Body::Infoset(infoset) = &message.body else {
        panic!("expected an infoset body, got {:?}", message.body)
    };
    let starts = infoset
        .events()
        .filter(|e| matches!(e, crate::xml::InfosetEvent::Start { local, .. } if *local == name))
        .count();
    assert_eq!(starts, ITEMS);
    // The nodes (three per item, about 15 MB in all) and the items' text; no copy of the name
    // per item (120 MB).
    let size = infoset.heap_size();
    assert!(size < 32 * 1024 * 1024, "{size} bytes");
}

#[test]
fn version_mismatch_and_missing_action() {
    // An Envelope in the SOAP 1.1 namespace (static id 0x3C2).
    let bytes = b"\x00\x56\x02\x0b\x01s\xc2\x07\x56\x0e\x01\x01";
    assert!(matches!(
        BinaryEncoder::session().decode(bytes),
        Err(EncodingError::VersionMismatch { .. })
    ));
    let bytes = b"\x00\x56\x02\x0b\x01s\x04\x56\x0e\x01\x01";
    assert!(BinaryEncoder::session().decode(bytes).is_err());
}

#[test]
fn a_broken_session_stays_broken() {
    let mut decoder = BinaryEncoder::session();
    assert!(decoder.decode(&[0x05, 0x01]).is_err());
    assert!(decoder.decode(&first_request()).is_err());
}

#[test]
fn content_types() {
    assert_eq!(
        BinaryEncoder::session().content_type(),
        "application/soap+msbinsession1"
    );
    assert_eq!(
        BinaryEncoder::plain().content_type(),
        "application/soap+msbin1"
    );
    let mut out = BytesMut::new();
    out.put_u8(0);
    assert!(out.len() == 1);
}

// ---------------------------------------------------------------------------------------------
// Properties.

fn name_strategy() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_.-]{0,12}"
}

fn text_strategy() -> impl Strategy<Value = String> {
    // Any XML character except '\r' (which text parsing normalises) and control characters.
    proptest::collection::vec(
        prop_oneof![
            Just('<'),
            Just('&'),
            Just('>'),
            Just('"'),
            Just('\''),
            Just(' '),
            Just('\n'),
            Just('\t'),
            proptest::char::range('!', '~'),
            proptest::char::range('\u{a0}', '\u{d7ff}'),
            proptest::char::range('\u{e000}', '\u{fffd}'),
            proptest::char::range('\u{10000}', '\u{10ffff}'),
        ],
        0..40,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

#[derive(Debug, Clone)]
enum Node {
    Element {
        prefix: Option<usize>,
        name: String,
        attributes: Vec<(String, String)>,
        children: Vec<Node>,
    },
    Text(String),
}

fn node_strategy() -> impl Strategy<Value = Node> {
    let leaf = text_strategy().prop_map(Node::Text);
    leaf.prop_recursive(5, 40, 4, |inner| {
        (
            proptest::option::of(0usize..2),
            name_strategy(),
            proptest::collection::vec((name_strategy(), text_strategy()), 0..3),
            proptest::collection::vec(inner, 0..4),
        )
            .prop_map(|(prefix, name, attributes, children)| Node::Element {
                prefix,
                name,
                attributes,
                children,
            })
    })
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::new();
    crate::xml::escape::escape_into(&mut out, s, attribute).unwrap();
    out
}

fn render(node: &Node, out: &mut String) {
    match node {
        Node::Text(t) => out.push_str(&escape(t, false)),
        Node::Element {
            prefix,
            name,
            attributes,
            children,
        } => {
            let qname = match prefix {
                Some(0) => format!("p:{name}"),
                Some(_) => format!("ns1:{name}"),
                None => name.clone(),
            };
            out.push('<');
            out.push_str(&qname);
            let mut seen = std::collections::HashSet::new();
            for (k, v) in attributes {
                if seen.insert(k.clone()) {
                    out.push_str(&format!(" {k}=\"{}\"", escape(v, true)));
                }
            }
            out.push('>');
            for child in children {
                render(child, out);
            }
            out.push_str(&format!("</{qname}>"));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_infosets_round_trip(
        children in proptest::collection::vec(node_strategy(), 0..4),
        action in text_strategy(),
        to in text_strategy(),
        message_id in proptest::option::of(text_strategy()),
    ) {
        let mut text = String::from("<root xmlns=\"urn:d\" xmlns:p=\"urn:p\" xmlns:ns1=\"urn:n\">");
        for child in &children {
            render(child, &mut text);
        }
        text.push_str("</root>");
        let message = Message {
            headers: Headers {
                action: Some(action.into()),
                to: Some(to.into()),
                message_id: message_id.map(MessageId::from),
                ..Headers::default()
            },
            body: Body::Xml(XmlFragment::new(text.clone())),
        };
        let mut encoder = BinaryEncoder::session();
        let mut decoder = BinaryEncoder::session();
        for _ in 0..2 {
            let bytes = encode_with(&mut encoder, &message);
            let back = decoder.decode(&bytes).unwrap();
            prop_assert_eq!(&back.headers, &message.headers);
            // Adjacent texts merge and empty elements are written `<x/>`; compare through the
            // text reader, which sees the same infoset either way.
            let mut expected = BytesMut::new();
            TextEncoder::soap12().encode(&message, &mut expected).unwrap();
            let expected = TextEncoder::soap12().decode(&expected).unwrap();
            let mut got = BytesMut::new();
            TextEncoder::soap12().encode(&back, &mut got).unwrap();
            let got = TextEncoder::soap12().decode(&got).unwrap();
            prop_assert_eq!(canonical(&got), canonical(&expected));
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = BinaryEncoder::session().decode(&bytes);
        let _ = BinaryEncoder::plain().decode(&bytes);
    }

    #[test]
    fn mutated_captures_never_panic(at in 0usize..239, value in any::<u8>()) {
        let mut bytes = first_reply();
        if let Some(b) = bytes.get_mut(at) {
            *b = value;
        }
        let _ = BinaryEncoder::session().decode(&bytes);
    }
}

/// The body text normalised through quick-xml events (empty-element form, merged text).
fn canonical(message: &Message) -> Vec<String> {
    use quick_xml::events::Event;
    let fragment = body(message);
    let mut reader = quick_xml::Reader::from_str(&fragment.text);
    reader.config_mut().expand_empty_elements = true;
    let mut events = Vec::new();
    let mut text = String::new();
    loop {
        let event = reader.read_event().unwrap();
        match &event {
            Event::Text(t) => {
                text.push_str(&t.xml10_content());
                continue;
            }
            Event::GeneralRef(r) => {
                match r.resolve_char_ref().unwrap() {
                    Some(c) => text.push(c),
                    None => text.push_str(quick_xml::escape::resolve_predefined_entity(r).unwrap()),
                }
                continue;
            }
            _ => {}
        }
        if !text.is_empty() {
            events.push(format!("text:{text}"));
            text.clear();
        }
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let mut s = format!("<{}", e.name().0);
                for a in e.attributes() {
                    let a = a.unwrap();
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap();
                    s.push_str(&format!(" {}={v:?}", a.key.0));
                }
                events.push(s);
            }
            Event::End(e) => events.push(format!("</{}>", e.name().0)),
            other => events.push(format!("{other:?}")),
        }
    }
    events
}

#[test]
fn byte_payloads_travel_as_bytes_records() {
    #[derive(serde::Serialize, Deserialize, PartialEq, Debug)]
    struct Echo {
        #[serde(with = "crate::xml::bytes")]
        data: Vec<u8>,
    }
    let value = Echo {
        data: (0..70_000u32).map(|i| (i % 251) as u8).collect(),
    };
    let body = crate::xml::to_infoset(&value, "Echo", "http://tempuri.org/").unwrap();
    let message = Message::new("urn:echo", Body::Infoset(body));
    let mut encoder = BinaryEncoder::session();
    let mut bytes = BytesMut::new();
    encoder.encode(&message, &mut bytes).unwrap();
    // A Bytes32TextWithEndElement record holds the payload as is: no base64.
    let record = [&[0xA3u8][..], &70_000i32.to_le_bytes()].concat();
    assert!(bytes.windows(5).any(|w| w == record.as_slice()));
    assert!(bytes.len() < value.data.len() + 200);

    let decoded = BinaryEncoder::session().decode(&bytes).unwrap();
    let Body::Infoset(infoset) = &decoded.body else {
        panic!("expected events, got {:?}", decoded.body);
    };
    assert!(
        infoset
            .events()
            .any(|e| matches!(e, crate::xml::InfosetEvent::Bytes(b) if b == value.data.as_slice()))
    );
    assert_eq!(decoded.body.deserialize::<Echo>().unwrap(), value);
    // Equal to the same body read from SOAP text.
    let mut text = BytesMut::new();
    TextEncoder::soap12().encode(&message, &mut text).unwrap();
    let from_text = TextEncoder::soap12().decode(&text).unwrap();
    assert_eq!(from_text.body, decoded.body);
}

#[test]
fn infoset_bodies_declare_inherited_prefixes_and_skip_empty_text() {
    use crate::xml::Infoset;
    // The root inherits `x`; a descendant rebinds it, which must not hide the root's need.
    let mut body = Infoset::new();
    body.inherit("x", "urn:x");
    body.start("x", "Root");
    body.start("x", "Child");
    body.xmlns("x", "urn:y");
    body.end();
    body.start("", "empty");
    body.text("").unwrap();
    body.end();
    body.start("", "nothing");
    body.bytes(&[]);
    body.end();
    body.end();
    let message = Message::new("urn:a", Body::Infoset(body));
    let mut bytes = BytesMut::new();
    BinaryEncoder::plain().encode(&message, &mut bytes).unwrap();
    // .NET writes no text record for an empty string or byte array: no EmptyText (0xA8/0xA9)
    // and no zero-length Bytes8 (0x9E/0x9F 00).
    assert!(!bytes.iter().any(|&b| b == 0xA9 || b == 0xA8));
    assert!(
        !bytes
            .windows(2)
            .any(|w| w == [0x9F, 0x00] || w == [0x9E, 0x00])
    );
    let decoded = BinaryEncoder::plain().decode(&bytes).unwrap();
    let (ns, name) = decoded.body.element().unwrap();
    assert_eq!((ns.as_ref(), name.as_ref()), ("urn:x", "Root"));

    // Declarations after content are refused rather than written in content position.
    let mut bad = Infoset::new();
    bad.start("", "a");
    bad.text("x").unwrap();
    bad.xmlns("p", "urn:p");
    bad.end();
    let mut out = BytesMut::new();
    assert!(
        BinaryEncoder::plain()
            .encode(&Message::new("urn:a", Body::Infoset(bad)), &mut out)
            .is_err()
    );
}
