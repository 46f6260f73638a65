//! Tests of the text encoding: real WCF envelopes, round trips and refused inputs.

use bytes::BytesMut;
use proptest::prelude::*;

use super::*;
use crate::message::{
    Body, Fault, FaultKind, HeaderBlock, Headers, Message, MessageId, ReasonText, SOAP11_NS,
    SOAP12_NS, WSA10_ANONYMOUS, WSA10_FAULT_ACTION, WSA10_NS, WSA200408_ANONYMOUS,
    WSA200408_FAULT_ACTION, WSA200408_NS, XmlFragment,
};
use crate::xml::{Infoset, InfosetEvent, TextWriter, XmlSink};

const DISPATCHER_NS: &str =
    "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher";

fn vector(name: &str) -> Vec<u8> {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// Bytes `from..=to` (inclusive offsets, as in the vectors' README) of a vector file.
fn slice(name: &str, from: usize, to: usize) -> Vec<u8> {
    vector(name)[from..=to].to_vec()
}

fn encode(version: MessageVersion, message: &Message) -> String {
    let mut out = BytesMut::new();
    TextEncoder::new(version)
        .encode(message, &mut out)
        .expect("encode");
    String::from_utf8(out.to_vec()).expect("utf-8")
}

fn decode(version: MessageVersion, bytes: &[u8]) -> Result<Message, EncodingError> {
    TextEncoder::new(version).decode(bytes)
}

fn body_text(message: &Message) -> &XmlFragment {
    match &message.body {
        Body::Xml(fragment) => fragment,
        other => panic!("expected an XML body, got {other:?}"),
    }
}

fn soap11_scope() -> Vec<(String, String)> {
    vec![("s".to_owned(), SOAP11_NS.to_owned())]
}

/// The bindings the envelope of `version` puts in scope, as a fragment's scope.
fn envelope_scope(version: MessageVersion) -> Vec<(String, String)> {
    version
        .envelope_scope()
        .iter()
        .map(|&(p, u)| (p.to_owned(), u.to_owned()))
        .collect()
}

/// The one element of `xml` (which declares every prefix it uses) as events.
fn element(xml: &str) -> Infoset {
    Infoset::parse(xml).unwrap_or_else(|e| panic!("parsing {xml}: {e}"))
}

/// A header block holding the element of `xml`.
fn block(xml: &str, must_understand: bool) -> HeaderBlock {
    let mut block = HeaderBlock::new(element(xml));
    block.must_understand = must_understand;
    block
}

/// `element` as a decoder reads it back from where `scope` is in scope: the bindings it inherits
/// (those of `scope` its root does not declare itself) recorded before its root.
fn inheriting(scope: &[(String, String)], element: &Infoset) -> Infoset {
    let own: Vec<&str> = element
        .events()
        .skip_while(|e| !matches!(e, InfosetEvent::Start { .. }))
        .skip(1)
        .map_while(|e| match e {
            InfosetEvent::Xmlns { prefix, .. } => Some(Some(prefix)),
            InfosetEvent::Attribute { .. } => Some(None),
            _ => None,
        })
        .flatten()
        .collect();
    let mut out = Infoset::new();
    for (prefix, uri) in scope {
        if !own.contains(&prefix.as_str()) {
            out.inherit(prefix, uri);
        }
    }
    for event in element.events() {
        match event {
            InfosetEvent::Inherited { prefix, uri } => out.inherit(prefix, uri),
            InfosetEvent::Start { prefix, local } => out.start(prefix, local),
            InfosetEvent::Xmlns { prefix, uri } => out.xmlns(prefix, uri),
            InfosetEvent::Attribute {
                prefix,
                local,
                value,
            } => out.attribute(prefix, local, value).unwrap(),
            InfosetEvent::Text(text) => out.text(text).unwrap(),
            InfosetEvent::Bytes(bytes) => out.bytes(bytes),
            InfosetEvent::Comment(text) => out.comment(text).unwrap(),
            InfosetEvent::End => out.end(),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Real envelopes from a WCF (Mono) peer.

#[test]
fn decodes_wshttp_request() {
    let bytes = vector("wshttp-mono.request.bin");
    let message = decode(MessageVersion::Soap12WsAddressing10, &bytes[166..]).expect("decode");
    let h = &message.headers;
    assert_eq!(
        h.action.as_deref(),
        Some("http://peers.test/calc/ICalculator/Add")
    );
    // A canonical `urn:uuid:` id is read as a GUID.
    assert_eq!(
        h.message_id,
        Some(MessageId::from_u128(0xe8792edb_5709_4bff_8c7b_794844d402d5))
    );
    assert_eq!(
        h.message_id.as_ref().map(ToString::to_string).as_deref(),
        Some("urn:uuid:e8792edb-5709-4bff-8c7b-794844d402d5")
    );
    assert_eq!(h.relates_to, None);
    assert_eq!(h.reply_to.as_deref(), Some(WSA10_ANONYMOUS));
    assert_eq!(h.to.as_deref(), Some("http://127.0.0.1:8733/calc/ws"));
    assert!(h.other.is_empty());
    let body = body_text(&message);
    assert_eq!(
        body.text,
        r#"<Add xmlns="http://peers.test/calc"><a>1</a><b>2</b></Add>"#
    );
    // Mono declares `a` first.
    assert_eq!(
        body.scope,
        vec![
            ("a".to_owned(), WSA10_NS.to_owned()),
            ("s".to_owned(), SOAP12_NS.to_owned()),
        ]
    );
}

#[test]
fn decodes_wshttp_response() {
    let bytes = vector("wshttp-mono.response.bin");
    let message = decode(MessageVersion::Soap12WsAddressing10, &bytes[211..]).expect("decode");
    let h = &message.headers;
    assert_eq!(
        h.action.as_deref(),
        Some("http://peers.test/calc/ICalculator/AddResponse")
    );
    assert_eq!(
        h.relates_to,
        Some(MessageId::from(
            "urn:uuid:e8792edb-5709-4bff-8c7b-794844d402d5"
        ))
    );
    assert_eq!((&h.message_id, &h.to, &h.reply_to), (&None, &None, &None));
    assert!(h.other.is_empty());
    assert_eq!(
        body_text(&message).text,
        r#"<AddResponse xmlns="http://peers.test/calc"><AddResult>3</AddResult></AddResponse>"#
    );
}

#[test]
fn reencodes_wshttp_request_like_wcf() {
    let bytes = vector("wshttp-mono.request.bin");
    let message = decode(MessageVersion::Soap12WsAddressing10, &bytes[166..]).expect("decode");
    let encoded = encode(MessageVersion::Soap12WsAddressing10, &message);
    // Same envelope as the peer's, but with WCF's declaration order and no XML declaration.
    let original = std::str::from_utf8(&bytes[166..]).expect("utf-8");
    let expected = original
        .replace(r#"<?xml version="1.0" encoding="utf-8"?>"#, "")
        .replace(
            r#"xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope""#,
            r#"xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing""#,
        );
    assert_eq!(encoded, expected);
    let bytes = vector("wshttp-mono.response.bin");
    let message = decode(MessageVersion::Soap12WsAddressing10, &bytes[211..]).expect("decode");
    let encoded = encode(MessageVersion::Soap12WsAddressing10, &message);
    assert!(encoded.contains(
        "<s:Header><a:Action s:mustUnderstand=\"1\">http://peers.test/calc/ICalculator/AddResponse</a:Action><a:RelatesTo>urn:uuid:e8792edb-5709-4bff-8c7b-794844d402d5</a:RelatesTo></s:Header>"
    ));
}

#[test]
fn decodes_basichttp_requests_and_responses() {
    let v = MessageVersion::Soap11;
    let cases = [
        (
            slice("basichttp-mono.request.bin", 211, 400),
            r#"<Add xmlns="http://peers.test/calc"><a>2</a><b>3</b></Add>"#,
        ),
        (
            slice("basichttp-mono.request.bin", 589, 791),
            "<Echo xmlns=\"http://peers.test/calc\"><s>h\u{e9}llo &lt;&amp;&gt;</s></Echo>",
        ),
        (
            slice("basichttp-mono.response.bin", 199, 412),
            r#"<AddResponse xmlns="http://peers.test/calc"><AddResult>5</AddResult></AddResponse>"#,
        ),
        (
            slice("basichttp-mono.response.bin", 611, 852),
            "<EchoResponse xmlns=\"http://peers.test/calc\"><EchoResult>echo:h\u{e9}llo &lt;&amp;&gt;</EchoResult></EchoResponse>",
        ),
    ];
    for (bytes, expected) in cases {
        let message = decode(v, &bytes).expect("decode");
        assert_eq!(message.headers, Headers::default());
        let body = body_text(&message);
        assert_eq!(body.text, expected);
        assert_eq!(body.scope, soap11_scope());
        // Re-encoding gives back the peer's envelope, minus the XML declaration.
        let original = std::str::from_utf8(&bytes).expect("utf-8");
        assert_eq!(
            encode(v, &message),
            original.replace(r#"<?xml version="1.0" encoding="utf-8"?>"#, "")
        );
    }
}

#[test]
fn version_mismatch_on_real_envelopes() {
    let soap11 = slice("basichttp-mono.request.bin", 211, 400);
    match decode(MessageVersion::Soap12WsAddressing10, &soap11) {
        Err(EncodingError::VersionMismatch { expected, found }) => {
            assert_eq!(expected, SOAP12_NS);
            assert_eq!(found, SOAP11_NS);
        }
        other => panic!("expected a version mismatch, got {other:?}"),
    }
    let soap12 = vector("wshttp-mono.request.bin");
    assert!(matches!(
        decode(MessageVersion::Soap11, &soap12[166..]),
        Err(EncodingError::VersionMismatch {
            expected: SOAP11_NS,
            ..
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// Writing.

#[test]
fn content_types() {
    assert_eq!(
        TextEncoder::soap12().content_type(),
        "application/soap+xml; charset=utf-8"
    );
    assert_eq!(
        TextEncoder::soap11().content_type(),
        "text/xml; charset=utf-8"
    );
}

#[test]
fn writes_all_headers_in_wcf_order() {
    let message = full_message();
    let text = encode(MessageVersion::Soap12WsAddressing10, &message);
    assert_eq!(
        text,
        concat!(
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">"#,
            r#"<s:Header><a:Action s:mustUnderstand="1">urn:act&amp;&lt;x&gt;</a:Action>"#,
            r#"<a:MessageID>urn:uuid:1</a:MessageID><a:RelatesTo>urn:uuid:0</a:RelatesTo>"#,
            r#"<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>"#,
            r#"<a:To s:mustUnderstand="1">net.tcp://h/x</a:To>"#,
            r#"<h:Session s:mustUnderstand="1" xmlns:h="urn:h">42</h:Session>"#,
            r#"<Plain xmlns="urn:p"/></s:Header>"#,
            r#"<s:Body><Echo xmlns="urn:e"><s>x</s></Echo></s:Body></s:Envelope>"#
        )
    );
}

#[test]
fn soap11_writes_no_addressing() {
    let message = full_message();
    let text = encode(MessageVersion::Soap11, &message);
    assert_eq!(
        text,
        concat!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>"#,
            r#"<h:Session s:mustUnderstand="1" xmlns:h="urn:h">42</h:Session>"#,
            r#"<Plain xmlns="urn:p"/></s:Header>"#,
            r#"<s:Body><Echo xmlns="urn:e"><s>x</s></Echo></s:Body></s:Envelope>"#
        )
    );
    // An empty Body is written as an element without content, `<s:Body/>` (the text writer
    // writes every such element so).
    let plain = Message::new("urn:a", Body::Empty);
    assert_eq!(
        encode(MessageVersion::Soap11, &plain),
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>"#
    );
}

#[test]
fn soap12_requires_an_action() {
    let mut out = BytesMut::from(&b"keep"[..]);
    let err = TextEncoder::soap12()
        .encode(&Message::default(), &mut out)
        .unwrap_err();
    assert!(matches!(err, EncodingError::Malformed(_)), "{err}");
    assert_eq!(&out[..], b"keep");
    let input = format!(r#"<s:Envelope xmlns:s="{SOAP12_NS}"><s:Body/></s:Envelope>"#);
    let err = decode(MessageVersion::Soap12WsAddressing10, input.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("wsa:Action"), "{err}");
}

#[test]
fn writes_soap12_fault_like_wcf() {
    let fault = Fault::new(
        FaultKind::Sender,
        "The message with Action 'x' cannot be processed <&>",
    )
    .with_subcode(WSA10_NS, "ActionNotSupported");
    let message = Message::new(WSA10_FAULT_ACTION, Body::Fault(fault.clone()));
    let text = encode(MessageVersion::Soap12WsAddressing10, &message);
    assert!(text.contains(concat!(
        r#"<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode>"#,
        r#"<s:Value xmlns:a="http://www.w3.org/2005/08/addressing">a:ActionNotSupported</s:Value>"#,
        r#"</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">The message with Action 'x' cannot be processed &lt;&amp;&gt;</s:Text>"#,
        r#"</s:Reason></s:Fault></s:Body>"#
    )), "{text}");
    let decoded = decode(MessageVersion::Soap12WsAddressing10, text.as_bytes()).expect("decode");
    assert_eq!(decoded.body, Body::Fault(fault));
}

#[test]
fn writes_soap11_fault_like_wcf() {
    let fault =
        Fault::new(FaultKind::Sender, "bad").with_detail(element(r#"<D xmlns="urn:d">1</D>"#));
    let message = Message::new("urn:x", Body::Fault(fault.clone()));
    let text = encode(MessageVersion::Soap11, &message);
    assert!(text.contains(concat!(
        r#"<s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring xml:lang="en">bad</faultstring>"#,
        r#"<detail><D xmlns="urn:d">1</D></detail></s:Fault></s:Body>"#
    )), "{text}");
    let decoded = decode(MessageVersion::Soap11, text.as_bytes()).expect("decode");
    let Body::Fault(decoded) = decoded.body else {
        panic!("not a fault")
    };
    assert_eq!(decoded.code, fault.code);
    assert_eq!(decoded.reason(), "bad");
    // The detail records the envelope's binding it inherited.
    assert_eq!(
        decoded.detail.map(|d| d.to_fragment().unwrap()),
        Some(XmlFragment {
            text: r#"<D xmlns="urn:d">1</D>"#.to_owned(),
            scope: soap11_scope(),
        })
    );

    // A subcode becomes the faultcode; SOAP 1.1 does not carry the class.
    let fault =
        Fault::new(FaultKind::Receiver, "oops").with_subcode(DISPATCHER_NS, "InternalServiceFault");
    let text = encode(
        MessageVersion::Soap11,
        &Message::new("urn:x", Body::Fault(fault.clone())),
    );
    assert!(text.contains(&format!(
        r#"<faultcode xmlns:a="{DISPATCHER_NS}">a:InternalServiceFault</faultcode>"#
    )));
    let decoded = decode(MessageVersion::Soap11, text.as_bytes()).expect("decode");
    assert_eq!(decoded.body, Body::Fault(fault));

    let server = Fault::new(FaultKind::Receiver, "r");
    let text = encode(
        MessageVersion::Soap11,
        &Message::new("urn:x", Body::Fault(server.clone())),
    );
    assert!(text.contains("<faultcode>s:Server</faultcode>"));
    assert_eq!(
        decode(MessageVersion::Soap11, text.as_bytes())
            .expect("decode")
            .body,
        Body::Fault(server)
    );
}

#[test]
fn scoped_fragments_get_their_declarations() {
    // A body cut from an envelope that declared `b` and a default namespace.
    let body = XmlFragment {
        text: r#"<b:Op><x xsi:type="b:T" xmlns:xsi="urn:xsi"/></b:Op>"#.to_owned(),
        scope: vec![
            ("b".to_owned(), "urn:b".to_owned()),
            ("".to_owned(), "urn:default".to_owned()),
            ("s".to_owned(), SOAP12_NS.to_owned()),
            ("a".to_owned(), "urn:not-addressing".to_owned()),
        ],
    };
    let message = Message::new("urn:op", Body::Xml(body.clone()));
    let text = encode(MessageVersion::Soap12WsAddressing10, &message);
    assert!(
        text.contains(r#"<s:Body><b:Op xmlns:b="urn:b" xmlns="urn:default" xmlns:a="urn:not-addressing"><x xsi:type"#),
        "{text}"
    );
    let decoded = decode(MessageVersion::Soap12WsAddressing10, text.as_bytes()).expect("decode");
    let fragment = body_text(&decoded);
    assert_eq!(
        fragment.text,
        r#"<b:Op xmlns:b="urn:b" xmlns="urn:default" xmlns:a="urn:not-addressing"><x xsi:type="b:T" xmlns:xsi="urn:xsi"/></b:Op>"#
    );
    // Declared on the element itself, so not in the inherited scope.
    assert_eq!(fragment.scope, vec![("s".to_owned(), SOAP12_NS.to_owned())]);

    // Several top-level elements, one declaring the prefix itself, and a comment.
    let detail = XmlFragment {
        text: r#"<!-- c --><p:A/><p:B xmlns:p="urn:other"></p:B>"#.to_owned(),
        scope: vec![("p".to_owned(), "urn:p".to_owned())],
    };
    let mut out = String::new();
    TextWriter::new(&mut out)
        .fragment(&detail, &[("s", SOAP12_NS)], false)
        .expect("write");
    assert_eq!(
        out,
        r#"<!-- c --><p:A xmlns:p="urn:p"/><p:B xmlns:p="urn:other"></p:B>"#
    );
    // The same, event by event (what a sink without a text form of its own does): the comment
    // outside the elements is dropped, and an element without content is written `<p:B/>`.
    let mut events = Infoset::new();
    events
        .fragment(&detail, &[("s", SOAP12_NS)], false)
        .expect("write");
    let mut out = String::new();
    events.write_text(&mut out).expect("text");
    assert_eq!(out, r#"<p:A xmlns:p="urn:p"/><p:B xmlns:p="urn:other"/>"#);
}

#[test]
fn escapes_text_and_attributes() {
    // The writer the encoder writes envelopes with.
    let mut out = BytesMut::new();
    let mut writer = TextWriter::new(&mut out);
    writer.start_element("", "e").unwrap();
    writer.attribute("", "v", "a\"<&\n\t").expect("escape");
    writer.text("a<b>&c\"'\r\n\tz\u{e9}").expect("escape");
    writer.end_element().unwrap();
    assert_eq!(
        &out[..],
        "<e v=\"a&quot;&lt;&amp;&#xA;&#x9;\">a&lt;b&gt;&amp;c\"'&#xD;\n\tz\u{e9}</e>".as_bytes()
    );
    assert!(TextWriter::new(&mut BytesMut::new()).text("nul\0").is_err());
    assert!(
        TextWriter::new(&mut BytesMut::new())
            .text("\u{fffe}")
            .is_err()
    );
    let mut writer = TextWriter::new(&mut out);
    writer.start_element("", "e").unwrap();
    assert!(writer.attribute("", "v", "\u{1}").is_err());
}

// ---------------------------------------------------------------------------------------------
// Round trips.

fn full_message() -> Message {
    Message {
        headers: Headers {
            action: Some("urn:act&<x>".into()),
            message_id: Some("urn:uuid:1".into()),
            relates_to: Some("urn:uuid:0".into()),
            to: Some("net.tcp://h/x".into()),
            reply_to: Some(WSA10_ANONYMOUS.into()),
            other: vec![
                block(r#"<h:Session xmlns:h="urn:h">42</h:Session>"#, true),
                block(r#"<Plain xmlns="urn:p"/>"#, false),
            ],
        },
        body: Body::Xml(XmlFragment::new(r#"<Echo xmlns="urn:e"><s>x</s></Echo>"#)),
    }
}

/// What a message looks like after a trip through `version`: fragments gain the envelope's
/// bindings as scope and header blocks and details as inherited bindings; SOAP 1.1 drops the
/// addressing fields (without addressing), `relay`, a fault's node, its reasons but the English
/// one, and its `NotUnderstood` names.
fn after_trip(version: MessageVersion, message: &Message) -> Message {
    let scope = envelope_scope(version);
    let mut expected = message.clone();
    if !version.has_addressing() {
        expected.headers = Headers {
            other: expected.headers.other,
            ..Headers::default()
        };
    }
    for header in &mut expected.headers.other {
        let mut block = HeaderBlock::new(inheriting(&scope, header.element()));
        block.must_understand = header.must_understand;
        block.relay = header.relay && version.is_soap12();
        block.role = header.role.clone();
        *header = block;
    }
    match &mut expected.body {
        Body::Xml(fragment) => fragment.scope = scope.clone(),
        Body::Fault(fault) => {
            if let Some(detail) = &mut fault.detail {
                **detail = inheriting(&scope, detail);
            }
            if fault.reasons.is_empty() {
                fault.reasons.push(ReasonText {
                    lang: "en".to_owned(),
                    text: String::new(),
                });
            }
            if !version.is_soap12() {
                let reason = fault.reason().to_owned();
                fault.reasons.retain(|r| r.text == reason);
                fault.reasons.truncate(1);
                fault.node = None;
                fault.not_understood = Box::default();
            }
        }
        Body::Infoset(infoset) => {
            let mut fragment = infoset.to_fragment().unwrap();
            fragment.scope = scope.clone();
            expected.body = Body::Xml(fragment);
        }
        Body::Empty => {}
    }
    expected
}

fn round_trip(version: MessageVersion, message: &Message) {
    let text = encode(version, message);
    let decoded =
        decode(version, text.as_bytes()).unwrap_or_else(|e| panic!("decoding {text}: {e}"));
    assert_eq!(decoded, after_trip(version, message), "{text}");
    // And the decoded message re-encodes to the same bytes.
    assert_eq!(encode(version, &decoded), text);
}

#[test]
fn round_trips_full_messages() {
    for version in [MessageVersion::Soap12WsAddressing10, MessageVersion::Soap11] {
        round_trip(version, &full_message());
        round_trip(version, &Message::new("urn:a", Body::Empty));
    }
}

#[test]
fn round_trips_faults() {
    let soap12 = Fault::new(FaultKind::Receiver, "broke: <&> \"q\" \u{e9}")
        .with_subcode(DISPATCHER_NS, "InternalServiceFault")
        .with_subcode("urn:inner", "Deeper")
        .with_subcode(SOAP12_NS, "Odd")
        .with_detail(element(
            r#"<ExceptionDetail xmlns="urn:x"><Message>m &amp; n</Message></ExceptionDetail>"#,
        ));
    round_trip(
        MessageVersion::Soap12WsAddressing10,
        &Message::new(WSA10_FAULT_ACTION, Body::Fault(soap12)),
    );
    for kind in [
        FaultKind::Sender,
        FaultKind::Receiver,
        FaultKind::MustUnderstand,
        FaultKind::VersionMismatch,
        FaultKind::DataEncodingUnknown,
    ] {
        let fault = Fault::new(kind, "r");
        round_trip(
            MessageVersion::Soap12WsAddressing10,
            &Message::new(WSA10_FAULT_ACTION, Body::Fault(fault.clone())),
        );
        if kind != FaultKind::DataEncodingUnknown {
            round_trip(
                MessageVersion::Soap11,
                &Message::new("", Body::Fault(fault)),
            );
        }
    }
    let soap11 = Fault::new(FaultKind::Receiver, "x")
        .with_subcode(WSA10_NS, "ActionNotSupported")
        .with_detail(element("<d/>"));
    round_trip(
        MessageVersion::Soap11,
        &Message::new("", Body::Fault(soap11)),
    );
}

// ---------------------------------------------------------------------------------------------
// SOAP attributes of header blocks, WS-Addressing August 2004, faults in full.

/// A header block with every SOAP attribute.
fn soap_block() -> HeaderBlock {
    let mut block = block(r#"<h:Ctx xmlns:h="urn:h"><h:v>1</h:v></h:Ctx>"#, true);
    block.role = Some("urn:role:gateway".into());
    block.relay = true;
    block
}

#[test]
fn header_block_soap_attributes_round_trip() {
    let message = Message {
        headers: Headers {
            action: Some("urn:a".into()),
            other: vec![soap_block(), block(r#"<Plain xmlns="urn:p"/>"#, false)],
            ..Headers::default()
        },
        body: Body::Empty,
    };
    // SOAP 1.2: the three attributes, right after the element's name.
    let soap12 = MessageVersion::Soap12WsAddressing10;
    let text = encode(soap12, &message);
    assert!(
        text.contains(concat!(
            r#"<h:Ctx s:mustUnderstand="1" s:role="urn:role:gateway" s:relay="1" xmlns:h="urn:h">"#,
            r#"<h:v>1</h:v></h:Ctx><Plain xmlns="urn:p"/></s:Header>"#
        )),
        "{text}"
    );
    round_trip(soap12, &message);
    let decoded = decode(soap12, text.as_bytes()).expect("decode");
    let ctx = &decoded.headers.other[0];
    assert!(ctx.must_understand && ctx.relay);
    assert_eq!(ctx.role.as_deref(), Some("urn:role:gateway"));
    // The attributes are fields, not part of the element.
    assert_eq!(
        ctx.element().to_fragment().unwrap().text,
        r#"<h:Ctx xmlns:h="urn:h"><h:v>1</h:v></h:Ctx>"#
    );
    let plain = &decoded.headers.other[1];
    assert!(!plain.must_understand && !plain.relay && plain.role.is_none());

    // SOAP 1.1: the role is written as `actor`, and there is no `relay`.
    for version in [
        MessageVersion::Soap11,
        MessageVersion::Soap11WsAddressing10,
        MessageVersion::Soap11WsAddressingAugust2004,
    ] {
        let text = encode(version, &message);
        assert!(
            text.contains(
                r#"<h:Ctx s:mustUnderstand="1" s:actor="urn:role:gateway" xmlns:h="urn:h">"#
            ),
            "{text}"
        );
        assert!(!text.contains("relay"), "{text}");
        round_trip(version, &message);
        let ctx = &decode(version, text.as_bytes())
            .expect("decode")
            .headers
            .other[0];
        assert!(ctx.must_understand && !ctx.relay);
        assert_eq!(ctx.role.as_deref(), Some("urn:role:gateway"));
    }

    // The `next` role is written in each version's own form.
    let mut next = message.clone();
    next.headers.other[0].role = Some(crate::message::SOAP12_ROLE_NEXT.into());
    let text = encode(MessageVersion::Soap11, &next);
    assert!(
        text.contains(r#"s:actor="http://schemas.xmlsoap.org/soap/actor/next""#),
        "{text}"
    );
    next.headers.other[0].role = Some(crate::message::SOAP11_ACTOR_NEXT.into());
    let text = encode(soap12, &next);
    assert!(
        text.contains(r#"s:role="http://www.w3.org/2003/05/soap-envelope/role/next""#),
        "{text}"
    );

    // Read whatever the prefix, as `true` or `1`. SOAP 1.2 has no `actor` and SOAP 1.1 no `role`
    // or `relay`: those stay in the element as the ordinary attributes they are there.
    let input = format!(
        concat!(
            r#"<s:Envelope xmlns:s="{soap}" xmlns:a="{wsa}"><s:Header><a:Action>urn:a</a:Action>"#,
            r#"<h:H xmlns:h="urn:h" xmlns:e="{soap}" e:mustUnderstand="true" e:relay="true" e:role="urn:r" e:actor="urn:x" h:a="1"/>"#,
            r#"</s:Header><s:Body/></s:Envelope>"#
        ),
        soap = SOAP12_NS,
        wsa = WSA10_NS
    );
    let decoded = decode(soap12, input.as_bytes()).expect("decode");
    let h = &decoded.headers.other[0];
    assert!(h.must_understand && h.relay);
    assert_eq!(h.role.as_deref(), Some("urn:r"));
    assert_eq!(
        h.element().to_fragment().unwrap().text,
        format!(r#"<h:H xmlns:h="urn:h" xmlns:e="{SOAP12_NS}" e:actor="urn:x" h:a="1"/>"#)
    );
    let input = input
        .replace(SOAP12_NS, SOAP11_NS)
        .replace("<a:Action>urn:a</a:Action>", "");
    let decoded = decode(MessageVersion::Soap11, input.as_bytes()).expect("decode");
    let h = &decoded.headers.other[0];
    assert!(h.must_understand && !h.relay);
    assert_eq!(h.role.as_deref(), Some("urn:x"));
    assert_eq!(
        h.element().to_fragment().unwrap().text,
        format!(
            r#"<h:H xmlns:h="urn:h" xmlns:e="{SOAP11_NS}" e:relay="true" e:role="urn:r" h:a="1"/>"#
        )
    );
}

#[test]
fn soap_attributes_of_an_element_that_rebinds_s() {
    // The element binds `s` to its own namespace: the attribute gets another prefix.
    let message = Message {
        headers: Headers {
            action: Some("urn:a".into()),
            other: vec![block(r#"<s:H xmlns:s="urn:other"/>"#, true)],
            ..Headers::default()
        },
        body: Body::Empty,
    };
    let version = MessageVersion::Soap12WsAddressing10;
    let text = encode(version, &message);
    assert!(
        text.contains(&format!(
            r#"<s:H xmlns:env="{SOAP12_NS}" env:mustUnderstand="1" xmlns:s="urn:other"/>"#
        )),
        "{text}"
    );
    let decoded = decode(version, text.as_bytes()).expect("decode");
    let h = &decoded.headers.other[0];
    assert_eq!(h.name(), ("urn:other", "H"));
    assert!(h.must_understand);
    // `env` was declared for the SOAP attribute only: the element keeps its own binding.
    assert_eq!(
        h.element().to_fragment().unwrap().text,
        format!(r#"<s:H xmlns:env="{SOAP12_NS}" xmlns:s="urn:other"/>"#)
    );
    // Re-encoded, the attribute takes that `env` rather than declaring yet another prefix, and
    // the block stays the same from then on.
    let again = encode(version, &decoded);
    assert!(
        again.contains(&format!(
            r#"<s:H env:mustUnderstand="1" xmlns:env="{SOAP12_NS}" xmlns:s="urn:other"/>"#
        )),
        "{again}"
    );
    let decoded = decode(version, again.as_bytes()).expect("decode");
    assert_eq!(encode(version, &decoded), again);
    // An element that binds `s` to the envelope namespace itself needs no other prefix.
    let message = Message {
        headers: Headers {
            action: Some("urn:a".into()),
            other: vec![block(&format!(r#"<s:H xmlns:s="{SOAP12_NS}"/>"#), true)],
            ..Headers::default()
        },
        body: Body::Empty,
    };
    assert!(encode(version, &message).contains(&format!(
        r#"<s:H s:mustUnderstand="1" xmlns:s="{SOAP12_NS}"/>"#
    )));
}

#[test]
fn august_2004_addressing_round_trips() {
    for version in [
        MessageVersion::Soap12WsAddressingAugust2004,
        MessageVersion::Soap11WsAddressingAugust2004,
    ] {
        let soap = version.envelope_namespace();
        let message = Message {
            headers: Headers {
                action: Some(WSA10_FAULT_ACTION.into()),
                message_id: Some(MessageId::from_u128(0x0348252d_f8aa_4635_bd8f_9fe78e725f3b)),
                relates_to: Some("urn:id:1".into()),
                to: Some(WSA10_ANONYMOUS.into()),
                reply_to: Some(WSA10_ANONYMOUS.into()),
                other: Vec::new(),
            },
            body: Body::Fault(Fault::new(FaultKind::Sender, "bad")),
        };
        // The model's WS-Addressing 1.0 anonymous address and fault action are written as
        // August 2004's.
        let text = encode(version, &message);
        assert!(
            text.starts_with(&format!(
                concat!(
                    r#"<s:Envelope xmlns:s="{soap}" xmlns:a="{wsa}"><s:Header>"#,
                    r#"<a:Action s:mustUnderstand="1">{fault}</a:Action>"#,
                    r#"<a:MessageID>urn:uuid:0348252d-f8aa-4635-bd8f-9fe78e725f3b</a:MessageID>"#,
                    r#"<a:RelatesTo>urn:id:1</a:RelatesTo>"#,
                    r#"<a:ReplyTo><a:Address>{anonymous}</a:Address></a:ReplyTo>"#,
                    r#"<a:To s:mustUnderstand="1">{anonymous}</a:To></s:Header>"#
                ),
                soap = soap,
                wsa = WSA200408_NS,
                fault = WSA200408_FAULT_ACTION,
                anonymous = WSA200408_ANONYMOUS
            )),
            "{text}"
        );
        assert!(!text.contains(WSA10_NS), "{text}");
        // And read back as the model's.
        round_trip(version, &message);

        // Headers of the other WS-Addressing version are ordinary blocks.
        let input = format!(
            concat!(
                r#"<s:Envelope xmlns:s="{soap}" xmlns:a="{wsa}"><s:Header>"#,
                r#"<w:Action xmlns:w="{wsa10}">urn:ten</w:Action><a:Action>urn:a</a:Action>"#,
                r#"<a:ReplyTo><a:Address>{anonymous}</a:Address></a:ReplyTo>"#,
                r#"</s:Header><s:Body/></s:Envelope>"#
            ),
            soap = soap,
            wsa = WSA200408_NS,
            wsa10 = WSA10_NS,
            anonymous = WSA200408_ANONYMOUS
        );
        let decoded = decode(version, input.as_bytes()).expect("decode");
        assert_eq!(decoded.action(), "urn:a");
        assert_eq!(decoded.headers.reply_to.as_deref(), Some(WSA10_ANONYMOUS));
        assert_eq!(decoded.headers.other.len(), 1);
        assert_eq!(decoded.headers.other[0].name(), (WSA10_NS, "Action"));
        // Read as WS-Addressing 1.0, the same envelope has no Action of its own.
        let ten = if version.is_soap12() {
            MessageVersion::Soap12WsAddressing10
        } else {
            MessageVersion::Soap11WsAddressing10
        };
        let decoded = decode(ten, input.as_bytes()).expect("decode");
        assert_eq!(decoded.action(), "urn:ten");
        assert_eq!(decoded.headers.reply_to, None);
        assert_eq!(decoded.headers.other.len(), 2);
    }
}

/// A `MustUnderstand` fault with everything a fault can carry.
fn full_fault() -> Fault {
    let mut fault = Fault::new(FaultKind::MustUnderstand, "Header not understood")
        .with_subcode("urn:sub", "Detail")
        .with_detail(element(r#"<Why xmlns="urn:w">w</Why>"#));
    // German first: SOAP 1.1 carries the English text.
    fault.reasons.insert(
        0,
        ReasonText {
            lang: "de".to_owned(),
            text: "Kopf nicht verstanden".to_owned(),
        },
    );
    fault.node = Some("urn:node:1".into());
    fault.role = Some("urn:role:gateway".into());
    fault.not_understood = vec![
        ("urn:h".to_owned(), "Ctx".to_owned()),
        ("urn:other".to_owned(), "Session".to_owned()),
        (String::new(), "Bare".to_owned()),
    ]
    .into();
    fault
}

#[test]
fn full_faults_round_trip() {
    let message = Message::new(WSA10_FAULT_ACTION, Body::Fault(full_fault()));
    let soap12 = MessageVersion::Soap12WsAddressing10;
    let text = encode(soap12, &message);
    // The names not understood travel as NotUnderstood header blocks.
    assert!(
        text.contains(concat!(
            r#"<a:Action s:mustUnderstand="1">http://www.w3.org/2005/08/addressing/soap/fault</a:Action>"#,
            r#"<s:NotUnderstood xmlns:n="urn:h" qname="n:Ctx"/>"#,
            r#"<s:NotUnderstood xmlns:n="urn:other" qname="n:Session"/>"#,
            r#"<s:NotUnderstood qname="Bare"/></s:Header>"#
        )),
        "{text}"
    );
    assert!(
        text.contains(concat!(
            r#"<s:Reason><s:Text xml:lang="de">Kopf nicht verstanden</s:Text>"#,
            r#"<s:Text xml:lang="en">Header not understood</s:Text></s:Reason>"#,
            r#"<s:Node>urn:node:1</s:Node><s:Role>urn:role:gateway</s:Role>"#,
            r#"<s:Detail><Why xmlns="urn:w">w</Why></s:Detail></s:Fault>"#
        )),
        "{text}"
    );
    // Read back, the NotUnderstood blocks are the fault's names, not headers.
    round_trip(soap12, &message);
    let decoded = decode(soap12, text.as_bytes()).expect("decode");
    assert!(decoded.headers.other.is_empty());
    let Body::Fault(fault) = &decoded.body else {
        panic!("not a fault: {decoded:?}")
    };
    assert_eq!(fault.not_understood, full_fault().not_understood);
    assert_eq!(fault.reason(), "Header not understood");

    // SOAP 1.1 has one reason, no node and no NotUnderstood headers; the role is `faultactor`.
    for version in [MessageVersion::Soap11, MessageVersion::Soap11WsAddressing10] {
        let text = encode(version, &message);
        assert!(
            text.contains(concat!(
                r#"<s:Fault><faultcode xmlns:a="urn:sub">a:Detail</faultcode>"#,
                r#"<faultstring xml:lang="en">Header not understood</faultstring>"#,
                r#"<faultactor>urn:role:gateway</faultactor>"#,
                r#"<detail><Why xmlns="urn:w">w</Why></detail></s:Fault>"#
            )),
            "{text}"
        );
        assert!(!text.contains("NotUnderstood") && !text.contains("urn:node:1"));
        // The fault's class is not on the SOAP 1.1 wire when it has a subcode.
        let mut expected = message.clone();
        if let Body::Fault(fault) = &mut expected.body {
            fault.code.kind = FaultKind::Receiver;
        }
        round_trip(version, &expected);
    }
}

#[test]
fn soap11_unqualified_fault_codes_naming_a_class_are_that_class() {
    // Mono's WCF writes SOAP 1.2's local name, unqualified, in its SOAP 1.1 faults.
    for (code, kind, subcodes) in [
        ("Sender", FaultKind::Sender, vec![]),
        ("Client", FaultKind::Sender, vec![]),
        ("Receiver", FaultKind::Receiver, vec![]),
        ("Server", FaultKind::Receiver, vec![]),
        ("MustUnderstand", FaultKind::MustUnderstand, vec![]),
        // Anything else unqualified is still an unknown code of no class.
        (
            "Whatever",
            FaultKind::Receiver,
            vec![(String::new(), "Whatever".to_owned())],
        ),
        (
            "Client.Auth",
            FaultKind::Receiver,
            vec![(String::new(), "Client.Auth".to_owned())],
        ),
    ] {
        let input = format!(
            r#"<s:Envelope xmlns:s="{SOAP11_NS}"><s:Body><s:Fault><faultcode>{code}</faultcode><faultstring>r</faultstring></s:Fault></s:Body></s:Envelope>"#
        );
        let decoded = decode(MessageVersion::Soap11, input.as_bytes()).expect("decode");
        let Body::Fault(fault) = &decoded.body else {
            panic!("not a fault: {decoded:?}")
        };
        assert_eq!(
            (fault.code.kind, &fault.code.subcodes),
            (kind, &subcodes),
            "{code}"
        );
    }
}

#[test]
fn soap11_dotted_fault_codes_keep_their_refinement() {
    // `Client.Authentication`: a Sender fault, refined. The envelope's prefix need not be `s`.
    let input = format!(
        concat!(
            r#"<e:Envelope xmlns:e="{soap}"><e:Body><e:Fault>"#,
            r#"<faultcode>e:Client.Authentication</faultcode><faultstring>Denied</faultstring>"#,
            r#"</e:Fault></e:Body></e:Envelope>"#
        ),
        soap = SOAP11_NS
    );
    let decoded = decode(MessageVersion::Soap11, input.as_bytes()).expect("decode");
    let Body::Fault(fault) = &decoded.body else {
        panic!("not a fault: {decoded:?}")
    };
    assert_eq!(fault.code.kind, FaultKind::Sender);
    assert_eq!(
        fault.code.subcodes,
        vec![(SOAP11_NS.to_owned(), "Client.Authentication".to_owned())]
    );
    // Written back as it came (with the writer's prefix).
    let text = encode(MessageVersion::Soap11, &decoded);
    assert!(
        text.contains(concat!(
            r#"<s:Fault><faultcode>s:Client.Authentication</faultcode>"#,
            r#"<faultstring>Denied</faultstring></s:Fault>"#
        )),
        "{text}"
    );
    assert_eq!(
        decode(MessageVersion::Soap11, text.as_bytes())
            .expect("decode")
            .body,
        decoded.body
    );
    // A plain class still has no subcode; a refined one of each class keeps its class.
    for (code, kind) in [
        ("s:Client", FaultKind::Sender),
        ("s:Server.Database.Timeout", FaultKind::Receiver),
        ("s:MustUnderstand.Security", FaultKind::MustUnderstand),
    ] {
        let input = format!(
            r#"<s:Envelope xmlns:s="{SOAP11_NS}"><s:Body><s:Fault><faultcode>{code}</faultcode><faultstring>r</faultstring></s:Fault></s:Body></s:Envelope>"#
        );
        let decoded = decode(MessageVersion::Soap11, input.as_bytes()).expect("decode");
        let Body::Fault(fault) = &decoded.body else {
            panic!("not a fault: {decoded:?}")
        };
        assert_eq!(fault.code.kind, kind, "{code}");
        let refinement = code.strip_prefix("s:").filter(|c| c.contains('.'));
        assert_eq!(
            fault.code.subcodes,
            refinement
                .map(|c| (SOAP11_NS.to_owned(), c.to_owned()))
                .into_iter()
                .collect::<Vec<_>>()
        );
        assert!(
            encode(MessageVersion::Soap11, &decoded)
                .contains(&format!("<faultcode>{code}</faultcode>"))
        );
    }
    // The same fault in SOAP 1.2: its class, and the SOAP 1.1 code as a subcode.
    let fault =
        Fault::new(FaultKind::Sender, "Denied").with_subcode(SOAP11_NS, "Client.Authentication");
    round_trip(
        MessageVersion::Soap11,
        &Message::new("", Body::Fault(fault.clone())),
    );
    let message = Message::new(WSA10_FAULT_ACTION, Body::Fault(fault));
    let text = encode(MessageVersion::Soap12WsAddressing10, &message);
    assert!(
        text.contains(&format!(
            concat!(
                r#"<s:Code><s:Value>s:Sender</s:Value><s:Subcode>"#,
                r#"<s:Value xmlns:a="{}">a:Client.Authentication</s:Value></s:Subcode></s:Code>"#
            ),
            SOAP11_NS
        )),
        "{text}"
    );
    round_trip(MessageVersion::Soap12WsAddressing10, &message);
}

#[test]
fn reasons_without_a_language() {
    let unknown = |text: &str| ReasonText {
        lang: String::new(),
        text: text.to_owned(),
    };
    // A SOAP 1.1 faultstring without xml:lang is read with lang "" and written without one.
    let input = format!(
        r#"<s:Envelope xmlns:s="{SOAP11_NS}"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>Oops</faultstring></s:Fault></s:Body></s:Envelope>"#
    );
    let decoded = decode(MessageVersion::Soap11, input.as_bytes()).expect("decode");
    let Body::Fault(fault) = &decoded.body else {
        panic!("not a fault: {decoded:?}")
    };
    assert_eq!(fault.reasons, vec![unknown("Oops")]);
    let text = encode(MessageVersion::Soap11, &decoded);
    assert!(text.contains("<faultstring>Oops</faultstring>"), "{text}");
    assert!(!text.contains("xml:lang"), "{text}");
    let mut fault = Fault::new(FaultKind::Receiver, "");
    fault.reasons = vec![unknown("Oops")];
    round_trip(
        MessageVersion::Soap11,
        &Message::new("", Body::Fault(fault.clone())),
    );

    // SOAP 1.2 requires xml:lang on Text: an unknown language is written as `en`.
    for version in [
        MessageVersion::Soap12WsAddressing10,
        MessageVersion::Soap12WsAddressingAugust2004,
    ] {
        let message = Message::new("urn:fault", Body::Fault(fault.clone()));
        let text = encode(version, &message);
        assert!(
            text.contains(r#"<s:Reason><s:Text xml:lang="en">Oops</s:Text></s:Reason>"#),
            "{text}"
        );
        assert!(!text.contains(r#"xml:lang="""#), "{text}");
        let Body::Fault(decoded) = decode(version, text.as_bytes()).expect("decode").body else {
            panic!("not a fault")
        };
        assert_eq!(
            decoded.reasons,
            vec![ReasonText {
                lang: "en".to_owned(),
                text: "Oops".to_owned(),
            }]
        );
    }
    // A SOAP 1.2 Text without xml:lang (which SOAP 1.2 requires) is read with lang "" too.
    let input = soap12_envelope(
        "<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text>r</s:Text></s:Reason></s:Fault>",
    );
    let Body::Fault(decoded) = decode(MessageVersion::Soap12WsAddressing10, input.as_bytes())
        .expect("decode")
        .body
    else {
        panic!("not a fault")
    };
    assert_eq!(decoded.reasons, vec![unknown("r")]);
}

// ---------------------------------------------------------------------------------------------
// Reading: tolerated inputs.

#[test]
fn accepts_bom_declaration_comments_and_whitespace() {
    let input = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- hi -->\n<env:Envelope xmlns:env=\"{SOAP12_NS}\">\n  <env:Header>\n    <!-- c -->\n    <w:Action xmlns:w=\"{WSA10_NS}\" env:mustUnderstand=\"true\">urn:a&#x41;&amp;<![CDATA[<c>]]></w:Action>\n  </env:Header>\n  <env:Body>\n    <x:Op xmlns:x=\"urn:x\"/>\n  </env:Body>\n</env:Envelope>\n<!-- bye -->\n"
    );
    let message = decode(MessageVersion::Soap12WsAddressing10, input.as_bytes()).expect("decode");
    assert_eq!(message.headers.action.as_deref(), Some("urn:aA&<c>"));
    let body = body_text(&message);
    assert_eq!(body.text, r#"<x:Op xmlns:x="urn:x"/>"#);
    assert_eq!(body.scope, vec![("env".to_owned(), SOAP12_NS.to_owned())]);
}

#[test]
fn resolves_default_namespaces_and_keeps_raw_headers() {
    let input = format!(
        concat!(
            r#"<Envelope xmlns="{soap}"><Header xmlns:h="urn:h">"#,
            r#"<Action xmlns="{wsa}">urn:a</Action>"#,
            r#"<h:Id xmlns:e="{soap}" e:mustUnderstand="1"><h:v>1</h:v></h:Id>"#,
            r#"<Other xmlns="urn:o" mustUnderstand="1"/>"#,
            r#"<FaultTo xmlns="{wsa}"><Address>urn:f</Address></FaultTo>"#,
            r#"</Header><Body><Op xmlns="urn:op"/><Second/></Body></Envelope>"#
        ),
        soap = SOAP12_NS,
        wsa = WSA10_NS
    );
    let message = decode(MessageVersion::Soap12WsAddressing10, input.as_bytes()).expect("decode");
    assert_eq!(message.headers.action.as_deref(), Some("urn:a"));
    let other = &message.headers.other;
    assert_eq!(other.len(), 3);
    assert_eq!(other[0].name(), ("urn:h", "Id"));
    assert!(other[0].must_understand);
    // The SOAP attribute is the block's field, not part of its element; the element keeps the
    // declaration of the prefix it used.
    let id = other[0].element().to_fragment().unwrap();
    assert_eq!(
        id.text,
        format!(r#"<h:Id xmlns:e="{SOAP12_NS}"><h:v>1</h:v></h:Id>"#)
    );
    assert_eq!(
        id.scope,
        vec![
            ("".to_owned(), SOAP12_NS.to_owned()),
            ("h".to_owned(), "urn:h".to_owned())
        ]
    );
    // An unqualified attribute is not the SOAP one.
    assert_eq!(
        (other[1].name(), other[1].must_understand),
        (("urn:o", "Other"), false)
    );
    let plain = other[1].element().to_fragment().unwrap();
    assert_eq!(plain.text, r#"<Other xmlns="urn:o" mustUnderstand="1"/>"#);
    assert_eq!(plain.scope, vec![("h".to_owned(), "urn:h".to_owned())]);
    assert_eq!(other[2].name(), (WSA10_NS, "FaultTo"));
    let body = body_text(&message);
    assert_eq!(body.text, r#"<Op xmlns="urn:op"/>"#);
    assert_eq!(body.scope, Vec::<(String, String)>::new());

    // Re-encoding declares the default namespace the header inherited; its SOAP attribute is
    // written first, with the envelope's prefix.
    let text = encode(MessageVersion::Soap12WsAddressing10, &message);
    assert!(
        text.contains(&format!(
            r#"<h:Id s:mustUnderstand="1" xmlns="{SOAP12_NS}" xmlns:h="urn:h" xmlns:e="{SOAP12_NS}"><h:v>1</h:v></h:Id>"#
        )),
        "{text}"
    );
    let again = decode(MessageVersion::Soap12WsAddressing10, text.as_bytes()).expect("decode");
    assert_eq!(again.headers.other.len(), 3);
    assert!(again.headers.other[0].must_understand);
    assert_eq!(again.headers.other[0].name(), ("urn:h", "Id"));
    // The declarations are now the element's own, and it re-encodes the same.
    assert_eq!(encode(MessageVersion::Soap12WsAddressing10, &again), text);
}

#[test]
fn header_blocks_keep_undeclared_default_namespaces() {
    // `v` is in no namespace: its `xmlns=""` must survive the trip through events.
    let input = format!(
        concat!(
            r#"<s:Envelope xmlns:s="{soap}" xmlns:a="{wsa}"><s:Header><a:Action>urn:a</a:Action>"#,
            r#"<Ctx xmlns="urn:c"><v xmlns="">1</v><w/></Ctx></s:Header><s:Body/></s:Envelope>"#
        ),
        soap = SOAP12_NS,
        wsa = WSA10_NS
    );
    let version = MessageVersion::Soap12WsAddressing10;
    let message = decode(version, input.as_bytes()).expect("decode");
    let ctx = &message.headers.other[0];
    assert_eq!(
        ctx.element().to_fragment().unwrap().text,
        r#"<Ctx xmlns="urn:c"><v xmlns="">1</v><w/></Ctx>"#
    );
    assert!(
        encode(version, &message).contains(r#"<Ctx xmlns="urn:c"><v xmlns="">1</v><w/></Ctx>"#)
    );
}

#[test]
fn reads_fault_with_foreign_prefixes() {
    let input = format!(
        concat!(
            r#"<e:Envelope xmlns:e="{soap}"><e:Header><Action xmlns="{wsa}">{action}</Action></e:Header>"#,
            r#"<e:Body xmlns:d="urn:d"><e:Fault><e:Code><e:Value>e:Sender</e:Value>"#,
            r#"<e:Subcode><e:Value xmlns:q="urn:q">q:One</e:Value><e:Subcode><e:Value>Two</e:Value></e:Subcode></e:Subcode></e:Code>"#,
            r#"<e:Reason><e:Text xml:lang="de">Fehler</e:Text><e:Text xml:lang="en-US">Error &amp; more</e:Text></e:Reason>"#,
            r#"<e:Node>urn:n</e:Node><e:Detail> <d:Info>i</d:Info><d:Ignored/></e:Detail></e:Fault></e:Body></e:Envelope>"#
        ),
        soap = SOAP12_NS,
        wsa = WSA10_NS,
        action = WSA10_FAULT_ACTION
    );
    let message = decode(MessageVersion::Soap12WsAddressing10, input.as_bytes()).expect("decode");
    let Body::Fault(fault) = &message.body else {
        panic!("not a fault: {message:?}")
    };
    assert_eq!(fault.code.kind, FaultKind::Sender);
    assert_eq!(
        fault.code.subcodes,
        vec![
            ("urn:q".to_owned(), "One".to_owned()),
            ("".to_owned(), "Two".to_owned())
        ]
    );
    assert_eq!(fault.reason(), "Error & more");
    assert_eq!(
        fault.reasons,
        vec![
            ReasonText {
                lang: "de".to_owned(),
                text: "Fehler".to_owned()
            },
            ReasonText {
                lang: "en-US".to_owned(),
                text: "Error & more".to_owned()
            },
        ]
    );
    assert_eq!(fault.node.as_deref(), Some("urn:n"));
    let detail = fault
        .detail
        .as_ref()
        .expect("detail")
        .to_fragment()
        .unwrap();
    assert_eq!(detail.text, "<d:Info>i</d:Info>");
    assert_eq!(
        detail.scope,
        vec![
            ("e".to_owned(), SOAP12_NS.to_owned()),
            ("d".to_owned(), "urn:d".to_owned())
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Reading: refused and malformed inputs.

fn soap12_envelope(body: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="{SOAP12_NS}" xmlns:a="{WSA10_NS}"><s:Header><a:Action>urn:a</a:Action></s:Header><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

#[test]
fn the_envelope_helper_is_valid() {
    let message = decode(
        MessageVersion::Soap12WsAddressing10,
        soap12_envelope("<x/>").as_bytes(),
    )
    .expect("decode");
    assert_eq!(body_text(&message).text, "<x/>");
}

#[test]
fn refuses_doctype_and_entity_bombs() {
    let bomb = format!(
        concat!(
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">",
            "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">",
            "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>{}"
        ),
        soap12_envelope("<x>&lol3;</x>")
    );
    let err = decode(MessageVersion::Soap12WsAddressing10, bomb.as_bytes()).unwrap_err();
    assert!(matches!(err, EncodingError::Refused(_)), "{err}");
    // Without the DTD, the entity is undefined.
    let undefined = soap12_envelope("<x>&lol3;</x>");
    let err = decode(MessageVersion::Soap12WsAddressing10, undefined.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("undefined entity"), "{err}");
    let in_attribute = soap12_envelope(r#"<x y="&lol3;"/>"#);
    assert!(matches!(
        decode(
            MessageVersion::Soap12WsAddressing10,
            in_attribute.as_bytes()
        ),
        Err(EncodingError::Malformed(_))
    ));
}

/// A code value outside SOAP 1.2's five (as Mono's WCF sends for untyped faults) is a Receiver
/// fault whose first subcode is that value; the fault is not lost as a malformed message.
#[test]
fn reads_a_foreign_fault_code_as_a_receiver_fault() {
    let input = soap12_envelope(concat!(
        "<s:Fault><s:Code><s:Value>a:InternalServiceFault</s:Value>",
        "<s:Subcode><s:Value>s:Inner</s:Value></s:Subcode></s:Code>",
        "<s:Reason><s:Text xml:lang=\"en\">closed</s:Text></s:Reason></s:Fault>"
    ));
    let message = decode(MessageVersion::Soap12WsAddressing10, input.as_bytes()).expect("decode");
    let Body::Fault(fault) = &message.body else {
        panic!("not a fault: {message:?}")
    };
    assert_eq!(fault.code.kind, FaultKind::Receiver);
    assert_eq!(
        fault.code.subcodes,
        vec![
            (WSA10_NS.to_owned(), "InternalServiceFault".to_owned()),
            (SOAP12_NS.to_owned(), "Inner".to_owned())
        ]
    );
    assert_eq!(fault.reason(), "closed");
}

fn assert_malformed(input: &str, needle: &str) {
    match decode(MessageVersion::Soap12WsAddressing10, input.as_bytes()) {
        Err(EncodingError::Malformed(message)) => {
            assert!(
                message.contains(needle),
                "error {message:?} should mention {needle:?} for {input}"
            );
        }
        other => panic!("expected Malformed for {input}, got {other:?}"),
    }
}

#[test]
fn malformed_inputs_are_errors() {
    let good = soap12_envelope("<x><y>1</y></x>");
    // Every truncation is an error, never a panic.
    for end in 0..good.len() {
        if good.is_char_boundary(end) {
            assert!(
                decode(
                    MessageVersion::Soap12WsAddressing10,
                    &good.as_bytes()[..end]
                )
                .is_err(),
                "truncated at {end} decoded"
            );
        }
    }
    // The messages are the envelope grammar's and the XML sources', shared by the encodings.
    assert_malformed("", "no Envelope");
    assert_malformed(&soap12_envelope("<x><y></x></y>"), "");
    assert_malformed(&soap12_envelope("<x>"), "");
    assert_malformed(
        &soap12_envelope("text"),
        "expected child elements, found text",
    );
    assert_malformed(
        &soap12_envelope("<![CDATA[x]]>"),
        "expected child elements, found text",
    );
    assert_malformed(&soap12_envelope("<p:x/>"), "undeclared prefix");
    assert_malformed(&soap12_envelope(r#"<x p:y="1"/>"#), "undeclared prefix");
    assert_malformed(&soap12_envelope(r#"<x y="<"/>"#), "'<'");
    assert_malformed(&soap12_envelope(r#"<x y/>"#), "bad attribute");
    assert_malformed(&soap12_envelope("<x>&#0;</x>"), "character reference");
    assert_malformed(
        &format!(r#"<s:Envelope xmlns:s="{SOAP12_NS}"><s:Header/></s:Envelope>"#),
        "no Body",
    );
    assert_malformed(
        &format!(r#"<s:Envelope xmlns:s="{SOAP12_NS}"/>"#),
        "no Body",
    );
    assert_malformed(
        &format!(r#"<s:Envelope xmlns:s="{SOAP12_NS}"><s:Bogus/></s:Envelope>"#),
        "unexpected element",
    );
    assert_malformed(r#"<Envelop xmlns="urn:x"/>"#, "not a SOAP Envelope");
    assert_malformed(&format!("{good}<again/>"), "after the end");
    assert_malformed(&format!("{good}junk"), "after the end");
    assert_malformed(&format!("junk{good}"), "before the Envelope");
    assert_malformed(
        &good.replace("<s:Body>", "<s:Body>x"),
        "expected child elements, found text",
    );
    assert_malformed(
        &good.replace("</s:Header>", "<a:Action>urn:b</a:Action></s:Header>"),
        "more than one wsa:Action",
    );
    assert_malformed(
        &good.replace("</s:Header>", "<a:ReplyTo/></s:Header>"),
        "no wsa:Address",
    );
    assert_malformed(
        &good.replace(
            "</s:Header>",
            "<h mustUnderstand=\"1\" s:mustUnderstand=\"yes\"/></s:Header>",
        ),
        "mustUnderstand",
    );
    assert_malformed(
        &good.replace("<a:Action>urn:a</a:Action>", "<a:Action><b/></a:Action>"),
        "expected text, found element <b>",
    );
    assert_malformed(
        &good.replace("</s:Body>", "</s:Body><s:Trailer/>"),
        "after the Body",
    );
    assert_malformed(
        &format!("<?xml version=\"1.0\" encoding=\"utf-16\"?>{good}"),
        "UTF-8 only",
    );
    assert_malformed(
        &format!(" <?xml version=\"1.0\"?>{good}"),
        "only allowed at the start",
    );
    let mut invalid_utf8 = good.clone().into_bytes();
    invalid_utf8[good.len() - 20] = 0xff;
    assert!(matches!(
        decode(MessageVersion::Soap12WsAddressing10, &invalid_utf8),
        Err(EncodingError::Malformed(_))
    ));
    // An unknown envelope namespace is a version mismatch too.
    assert!(matches!(
        decode(
            MessageVersion::Soap12WsAddressing10,
            br#"<s:Envelope xmlns:s="urn:soap-2"><s:Body/></s:Envelope>"#
        ),
        Err(EncodingError::VersionMismatch { .. })
    ));
}

#[test]
fn malformed_faults_are_errors() {
    // The messages are the envelope grammar's, shared by the encodings.
    assert_malformed(&soap12_envelope("<s:Fault/>"), "the Fault has no Code");
    assert_malformed(
        &soap12_envelope("<s:Fault><s:Reason><s:Text>r</s:Text></s:Reason></s:Fault>"),
        "no Code",
    );
    assert_malformed(
        &soap12_envelope("<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code></s:Fault>"),
        "no Reason",
    );
    assert_malformed(
        &soap12_envelope(
            "<s:Fault><s:Code><s:Value>q:Sender</s:Value></s:Code><s:Reason/></s:Fault>",
        ),
        "undeclared prefix",
    );
    assert_malformed(
        &soap12_envelope(
            "<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode/></s:Code><s:Reason/></s:Fault>",
        ),
        "Subcode has no Value",
    );
    assert_malformed(
        &soap12_envelope(
            "<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Subcode><s:Value>a:X</s:Value></s:Subcode></s:Subcode></s:Code><s:Reason/></s:Fault>",
        ),
        "unexpected element <Subcode>",
    );
}

#[test]
fn nesting_limit() {
    // Envelope (1) > Body (2) > n nested elements.
    let nested = |n: usize| "<x>".repeat(n) + &"</x>".repeat(n);
    let ok = soap12_envelope(&nested(crate::xml::MAX_DEPTH - 2));
    assert!(decode(MessageVersion::Soap12WsAddressing10, ok.as_bytes()).is_ok());
    let too_deep = soap12_envelope(&nested(crate::xml::MAX_DEPTH - 1));
    assert_malformed(&too_deep, "deeper than 64");
    let empty_too_deep = soap12_envelope(&("<x>".repeat(62) + "<y/>" + &"</x>".repeat(62)));
    assert_malformed(&empty_too_deep, "deeper than 64");
    let bomb = soap12_envelope(&nested(100_000));
    assert_malformed(&bomb, "deeper than 64");
}

#[test]
fn soap11_keeps_addressing_headers_raw() {
    let input = format!(
        r#"<s:Envelope xmlns:s="{SOAP11_NS}"><s:Header><a:Action s:mustUnderstand="1" xmlns:a="{WSA10_NS}">urn:a</a:Action></s:Header><s:Body/></s:Envelope>"#
    );
    let message = decode(MessageVersion::Soap11, input.as_bytes()).expect("decode");
    assert_eq!(message.headers.action, None);
    assert_eq!(message.headers.other.len(), 1);
    assert!(message.headers.other[0].must_understand);
    assert_eq!(message.body, Body::Empty);
    // SOAP 1.1 allows elements after the Body.
    let trailing = input.replace(
        "</s:Envelope>",
        "<x:More xmlns:x=\"urn:x\"><y/></x:More></s:Envelope>",
    );
    assert!(decode(MessageVersion::Soap11, trailing.as_bytes()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Property: any header values and body strings survive a round trip.

fn xml_string() -> impl Strategy<Value = String> {
    // Any characters XML 1.0 can carry, markup-significant ones included.
    proptest::collection::vec(
        prop_oneof![
            Just('<'),
            Just('>'),
            Just('&'),
            Just('"'),
            Just('\''),
            Just('\r'),
            Just('\n'),
            Just('\t'),
            Just(' '),
            Just(']'),
            any::<char>().prop_filter("XML 1.0 character", |c| {
                !(c.is_control() || *c == '\u{fffe}' || *c == '\u{ffff}')
            }),
        ],
        0..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn ncname() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_.-]{0,10}"
}

fn escaped(s: &str) -> String {
    let mut out = String::new();
    TextWriter::new(&mut out).text(s).expect("escape");
    out
}

proptest! {
    #[test]
    fn round_trips_random_messages(
        action in xml_string(),
        message_id in proptest::option::of(xml_string()),
        relates_to in proptest::option::of(xml_string()),
        to in proptest::option::of(xml_string()),
        reply_to in proptest::option::of(xml_string()),
        header_value in xml_string(),
        body_value in xml_string(),
        must_understand in any::<bool>(),
        relay in any::<bool>(),
        role in proptest::option::of(xml_string()),
        fault in proptest::option::of((xml_string(), proptest::collection::vec(("[a-z:/.]{1,12}", ncname()), 0..3))),
        version in proptest::sample::select(MessageVersion::ALL.to_vec()),
    ) {
        let soap11 = !version.is_soap12();
        let mut header = block(&format!(r#"<h:H xmlns:h="urn:h">{}</h:H>"#, escaped(&header_value)), must_understand);
        header.relay = relay;
        header.role = role.map(Into::into);
        let body = match fault {
            Some((reason, subcodes)) => {
                let mut fault = Fault::new(FaultKind::Sender, reason);
                if soap11 {
                    fault.code.kind = if subcodes.is_empty() { FaultKind::Sender } else { FaultKind::Receiver };
                }
                for (ns, name) in subcodes.into_iter().take(if soap11 { 1 } else { 3 }) {
                    fault = fault.with_subcode(ns, name);
                }
                Body::Fault(fault)
            }
            None => Body::Xml(XmlFragment::new(format!("<b xmlns=\"urn:b\">{}</b>", escaped(&body_value)))),
        };
        let message = Message {
            headers: Headers {
                action: Some(action.into()),
                message_id: message_id.map(MessageId::from),
                relates_to: relates_to.map(MessageId::from),
                to: to.map(Into::into),
                reply_to: reply_to.map(Into::into),
                other: vec![header],
            },
            body,
        };
        let text = encode(version, &message);
        let decoded = decode(version, text.as_bytes());
        prop_assert!(decoded.is_ok(), "{text}: {decoded:?}");
        prop_assert_eq!(decoded.ok(), Some(after_trip(version, &message)));
    }

    #[test]
    fn never_panics_on_garbage(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = decode(MessageVersion::Soap12WsAddressing10, &bytes);
        let _ = decode(MessageVersion::Soap11, &bytes);
    }

    #[test]
    fn never_panics_on_mutated_envelopes(index in 0usize..400, byte in any::<u8>()) {
        let mut input = soap12_envelope("<x a=\"1\"><y>t&amp;</y></x>").into_bytes();
        let i = index % input.len();
        input[i] = byte;
        let _ = decode(MessageVersion::Soap12WsAddressing10, &input);
    }
}
