//! Tests of the text encoding: real WCF envelopes, round trips and refused inputs.

use bytes::BytesMut;
use proptest::prelude::*;

use super::*;
use crate::message::{
    Body, Fault, FaultKind, Headers, Message, RawHeader, SOAP11_NS, SOAP12_NS, WSA10_ANONYMOUS,
    WSA10_FAULT_ACTION, WSA10_NS, XmlFragment,
};

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

/// The scope of fragments in envelopes we write.
fn soap12_scope() -> Vec<(String, String)> {
    vec![
        ("s".to_owned(), SOAP12_NS.to_owned()),
        ("a".to_owned(), WSA10_NS.to_owned()),
    ]
}

fn soap11_scope() -> Vec<(String, String)> {
    vec![("s".to_owned(), SOAP11_NS.to_owned())]
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
    assert_eq!(
        h.message_id.as_deref(),
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
        h.relates_to.as_deref(),
        Some("urn:uuid:e8792edb-5709-4bff-8c7b-794844d402d5")
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
    let plain = Message::new("urn:a", Body::Empty);
    assert_eq!(
        encode(MessageVersion::Soap11, &plain),
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body></s:Body></s:Envelope>"#
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
    let fault = Fault::new(FaultKind::Sender, "bad")
        .with_detail(XmlFragment::new(r#"<D xmlns="urn:d">1</D>"#));
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
    assert_eq!(decoded.reason, "bad");
    assert_eq!(
        decoded.detail.map(|d| d.text),
        Some(r#"<D xmlns="urn:d">1</D>"#.to_owned())
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
    let mut out = BytesMut::new();
    write::write_fragment(&mut out, &detail, &[("s", SOAP12_NS)]).expect("write");
    assert_eq!(
        &out[..],
        br#"<!-- c --><p:A xmlns:p="urn:p"/><p:B xmlns:p="urn:other"></p:B>"#
    );
}

#[test]
fn escapes_text_and_attributes() {
    let mut out = BytesMut::new();
    write::escape_text(&mut out, "a<b>&c\"'\r\n\tz\u{e9}").expect("escape");
    assert_eq!(&out[..], "a&lt;b&gt;&amp;c\"'&#xD;\n\tz\u{e9}".as_bytes());
    let mut out = BytesMut::new();
    write::escape_attr(&mut out, "a\"<&\n\t").expect("escape");
    assert_eq!(&out[..], b"a&quot;&lt;&amp;&#xA;&#x9;");
    assert!(write::escape_text(&mut BytesMut::new(), "nul\0").is_err());
    assert!(write::escape_text(&mut BytesMut::new(), "\u{fffe}").is_err());
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
                RawHeader {
                    namespace: "urn:h".into(),
                    name: "Session".into(),
                    must_understand: true,
                    xml: XmlFragment::new(
                        r#"<h:Session s:mustUnderstand="1" xmlns:h="urn:h">42</h:Session>"#,
                    ),
                },
                RawHeader {
                    namespace: "urn:p".into(),
                    name: "Plain".into(),
                    must_understand: false,
                    xml: XmlFragment::new(r#"<Plain xmlns="urn:p"/>"#),
                },
            ],
        },
        body: Body::Xml(XmlFragment::new(r#"<Echo xmlns="urn:e"><s>x</s></Echo>"#)),
    }
}

/// What a message looks like after a trip through `version`: fragments gain the envelope's
/// bindings as scope, and SOAP 1.1 drops the addressing fields.
fn after_trip(version: MessageVersion, message: &Message) -> Message {
    let scope = match version {
        MessageVersion::Soap12WsAddressing10 => soap12_scope(),
        MessageVersion::Soap11 => soap11_scope(),
    };
    let mut expected = message.clone();
    if version == MessageVersion::Soap11 {
        expected.headers = Headers {
            other: expected.headers.other,
            ..Headers::default()
        };
    }
    for header in &mut expected.headers.other {
        header.xml.scope = scope.clone();
    }
    match &mut expected.body {
        Body::Xml(fragment) => fragment.scope = scope.clone(),
        Body::Fault(fault) => {
            if let Some(detail) = &mut fault.detail {
                detail.scope = scope.clone();
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
        .with_detail(XmlFragment::new(
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
        .with_detail(XmlFragment::new("<d/>"));
    round_trip(
        MessageVersion::Soap11,
        &Message::new("", Body::Fault(soap11)),
    );
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
    assert_eq!(
        (other[0].namespace.as_str(), other[0].name.as_str()),
        ("urn:h", "Id")
    );
    assert!(other[0].must_understand);
    assert_eq!(
        other[0].xml.text,
        format!(r#"<h:Id xmlns:e="{SOAP12_NS}" e:mustUnderstand="1"><h:v>1</h:v></h:Id>"#)
    );
    assert_eq!(
        other[0].xml.scope,
        vec![
            ("".to_owned(), SOAP12_NS.to_owned()),
            ("h".to_owned(), "urn:h".to_owned())
        ]
    );
    // An unqualified attribute is not the SOAP one.
    assert_eq!(
        (other[1].name.as_str(), other[1].must_understand),
        ("Other", false)
    );
    assert_eq!(
        other[1].xml.scope,
        vec![("h".to_owned(), "urn:h".to_owned())]
    );
    assert_eq!(
        (other[2].namespace.as_str(), other[2].name.as_str()),
        (WSA10_NS, "FaultTo")
    );
    let body = body_text(&message);
    assert_eq!(body.text, r#"<Op xmlns="urn:op"/>"#);
    assert_eq!(body.scope, Vec::<(String, String)>::new());

    // Re-encoding declares the default namespace the raw header inherited.
    let text = encode(MessageVersion::Soap12WsAddressing10, &message);
    assert!(
        text.contains(&format!(
            r#"<h:Id xmlns="{SOAP12_NS}" xmlns:h="urn:h" xmlns:e="#
        )),
        "{text}"
    );
    assert_eq!(
        decode(MessageVersion::Soap12WsAddressing10, text.as_bytes())
            .expect("decode")
            .headers
            .other
            .len(),
        3
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
    assert_eq!(fault.reason, "Error & more");
    let detail = fault.detail.as_ref().expect("detail");
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
    assert_malformed("", "no Envelope");
    assert_malformed(&soap12_envelope("<x><y></x></y>"), "");
    assert_malformed(&soap12_envelope("<x>"), "");
    assert_malformed(&soap12_envelope("text"), "text where elements belong");
    assert_malformed(
        &soap12_envelope("<![CDATA[x]]>"),
        "text where elements belong",
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
        "text where elements belong",
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
        "must contain text",
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
    assert_malformed(&soap12_envelope("<s:Fault/>"), "empty Fault");
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
            "<s:Fault><s:Code><s:Value>s:Bogus</s:Value></s:Code><s:Reason/></s:Fault>",
        ),
        "unknown SOAP 1.2 fault code",
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
        "unexpected element",
    );
    assert_malformed(
        &soap12_envelope(
            "<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Subcode><s:Value>a:X</s:Value></s:Subcode></s:Subcode></s:Code><s:Reason/></s:Fault>",
        ),
        "Subcode has no Value",
    );
}

#[test]
fn nesting_limit() {
    // Envelope (1) > Body (2) > n nested elements.
    let nested = |n: usize| "<x>".repeat(n) + &"</x>".repeat(n);
    let ok = soap12_envelope(&nested(read::MAX_DEPTH - 2));
    assert!(decode(MessageVersion::Soap12WsAddressing10, ok.as_bytes()).is_ok());
    let too_deep = soap12_envelope(&nested(read::MAX_DEPTH - 1));
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
    let mut out = BytesMut::new();
    write::escape_text(&mut out, s).expect("escape");
    String::from_utf8(out.to_vec()).expect("utf-8")
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
        fault in proptest::option::of((xml_string(), proptest::collection::vec(("[a-z:/.]{1,12}", ncname()), 0..3))),
        soap11 in any::<bool>(),
    ) {
        let version = if soap11 { MessageVersion::Soap11 } else { MessageVersion::Soap12WsAddressing10 };
        let header = RawHeader {
            namespace: "urn:h".into(),
            name: "H".into(),
            must_understand,
            xml: XmlFragment::new(format!(
                r#"<h:H xmlns:h="urn:h"{}>{}</h:H>"#,
                if must_understand { r#" s:mustUnderstand="1""# } else { "" },
                escaped(&header_value)
            )),
        };
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
            headers: Headers { action: Some(action), message_id, relates_to, to, reply_to, other: vec![header] },
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
