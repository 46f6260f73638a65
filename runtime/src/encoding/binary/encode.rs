//! Writing a [`Message`] as a binary SOAP 1.2 + WS-Addressing 1.0 envelope, in the shape WCF
//! writes it. A body held as events ([`Infoset`]) is written record by record; XML text
//! fragments (raw headers, fault details, bodies given as text) are parsed with quick-xml and
//! re-written as records.

use std::sync::OnceLock;

use bytes::BytesMut;
use quick_xml::Reader as XmlReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::name::PrefixDeclaration;

use super::writer::Writer;
use crate::encoding::EncodingError;
use crate::message::{Body, Fault, FaultKind, Message, SOAP12_NS, WSA10_NS, XmlFragment};
use crate::xml::{Infoset, InfosetEvent};

fn malformed(message: impl Into<String>) -> EncodingError {
    EncodingError::Malformed(message.into())
}

/// The bindings the envelope puts in scope for everything inside it.
const INHERITED: &[(&str, &str)] = &[("s", SOAP12_NS), ("a", WSA10_NS)];

/// Writes `message`; `text` is scratch space for character data. In the body, element names
/// below the top-level element go to the session StringTable (as WCF's serializers do for
/// parameter and result names) when the writer has a session.
pub(super) fn write_message(
    message: &Message,
    w: &mut Writer<'_>,
    text: &mut String,
) -> Result<(), EncodingError> {
    let headers = &message.headers;
    if headers.action.is_none() {
        return Err(malformed(
            "a SOAP 1.2 + WS-Addressing 1.0 message needs an action",
        ));
    }
    let fixed = fixed_records();
    let fields = [
        (&headers.action, &fixed.action),
        (&headers.message_id, &fixed.message_id),
        (&headers.relates_to, &fixed.relates_to),
        (&headers.reply_to, &fixed.reply_to),
        (&headers.to, &fixed.to),
    ];
    for (value, (start, ends)) in fields {
        if let Some(value) = value {
            w.raw(start);
            w.text(value)?;
            for _ in 0..*ends {
                w.end_element();
            }
        }
    }
    for header in &headers.other {
        write_fragment(w, &header.xml, false, text)?;
    }
    w.raw(&fixed.body);
    match &message.body {
        Body::Empty => {}
        Body::Xml(fragment) => write_fragment(w, fragment, true, text)?,
        Body::Infoset(infoset) => write_infoset(w, infoset, true)?,
        Body::Fault(fault) => write_fault(w, fault, text)?,
    }
    w.end_element();
    w.end_element();
    Ok(())
}

fn write_fault(w: &mut Writer<'_>, fault: &Fault, text: &mut String) -> Result<(), EncodingError> {
    let class = match fault.code.kind {
        FaultKind::Sender => "s:Sender",
        FaultKind::Receiver => "s:Receiver",
        FaultKind::MustUnderstand => "s:MustUnderstand",
        FaultKind::VersionMismatch => "s:VersionMismatch",
        FaultKind::DataEncodingUnknown => "s:DataEncodingUnknown",
    };
    w.start_element("s", "Fault", false)?;
    w.start_element("s", "Code", false)?;
    w.start_element("s", "Value", false)?;
    w.text(class)?;
    w.end_element();
    for (namespace, name) in &fault.code.subcodes {
        if !is_ncname(name) {
            return Err(malformed(format!(
                "fault subcode {name:?} is not a valid XML name"
            )));
        }
        w.start_element("s", "Subcode", false)?;
        w.start_element("s", "Value", false)?;
        text.clear();
        if namespace.is_empty() {
            text.push_str(name);
        } else if namespace == SOAP12_NS {
            text.push_str("s:");
            text.push_str(name);
        } else {
            w.xmlns("a", namespace)?;
            text.push_str("a:");
            text.push_str(name);
        }
        w.text(text)?;
        w.end_element();
    }
    for _ in &fault.code.subcodes {
        w.end_element();
    }
    w.end_element();
    w.start_element("s", "Reason", false)?;
    w.start_element("s", "Text", false)?;
    w.attribute("xml", "lang", "en")?;
    w.text(&fault.reason)?;
    w.end_element();
    w.end_element();
    if let Some(detail) = &fault.detail {
        w.start_element("s", "Detail", false)?;
        write_fragment(w, detail, false, text)?;
        w.end_element();
    }
    w.end_element();
    Ok(())
}

/// Records of the envelope that are the same in every message, written once: each addressing
/// header's start (up to its text) with the number of elements its text closes, and the end of
/// the Header with the start of the Body. Every name in them is in the static dictionary, so
/// they hold no session ids.
struct FixedRecords {
    /// `<s:Envelope xmlns:s xmlns:a><s:Header><a:Action s:mustUnderstand="1">`: it opens the
    /// envelope too, which is right because every message has an action (checked first).
    action: (Vec<u8>, usize),
    message_id: (Vec<u8>, usize),
    relates_to: (Vec<u8>, usize),
    /// `<a:ReplyTo><a:Address>`, the Address name inline as Mono (and the captures) write it.
    reply_to: (Vec<u8>, usize),
    to: (Vec<u8>, usize),
    /// `</s:Header><s:Body>`.
    body: Vec<u8>,
}

fn fixed_records() -> &'static FixedRecords {
    fn records(write: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodingError>) -> Vec<u8> {
        let mut out = BytesMut::new();
        let written = write(&mut Writer::new(&mut out, None));
        debug_assert!(written.is_ok(), "static names always fit a record");
        out.to_vec()
    }
    static FIXED: OnceLock<FixedRecords> = OnceLock::new();
    FIXED.get_or_init(|| FixedRecords {
        action: (
            records(|w| {
                w.start_element("s", "Envelope", false)?;
                w.xmlns("s", SOAP12_NS)?;
                w.xmlns("a", WSA10_NS)?;
                w.start_element("s", "Header", false)?;
                w.start_element("a", "Action", false)?;
                w.attribute("s", "mustUnderstand", "1")
            }),
            1,
        ),
        message_id: (records(|w| w.start_element("a", "MessageID", false)), 1),
        relates_to: (records(|w| w.start_element("a", "RelatesTo", false)), 1),
        reply_to: (
            records(|w| {
                w.start_element("a", "ReplyTo", false)?;
                w.start_element_inline("a", "Address")
            }),
            2,
        ),
        to: (
            records(|w| {
                w.start_element("a", "To", false)?;
                w.attribute("s", "mustUnderstand", "1")
            }),
            1,
        ),
        body: records(|w| {
            w.end_element();
            w.start_element("s", "Body", false)
        }),
    })
}

/// Splits `prefix:local`.
fn split_name(name: &str) -> Result<(&str, &str), EncodingError> {
    Ok(match name.split_once(':') {
        Some((prefix, local)) => (prefix, local),
        None => ("", name),
    })
}

/// Whether a scope binding must be declared on a top-level element of a fragment.
fn needed(prefix: &str, uri: &str) -> bool {
    if prefix == "xml" || prefix == "xmlns" || (!prefix.is_empty() && uri.is_empty()) {
        return false;
    }
    match INHERITED.iter().find(|(p, _)| *p == prefix) {
        Some((_, u)) => *u != uri,
        // No default namespace is in scope in the envelope: `xmlns=""` is a no-op there.
        None => !uri.is_empty(),
    }
}

/// Writes the events of `infoset` as records. `intern_children`: element names below the top
/// level go to the session StringTable.
fn write_infoset(
    w: &mut Writer<'_>,
    infoset: &Infoset,
    intern_children: bool,
) -> Result<(), EncodingError> {
    let mut depth = 0usize;
    // Declarations and attributes may follow only an element's start.
    let mut in_start_tag = false;
    let mut inherited: Vec<(&str, &str)> = Vec::new();
    let mut events = infoset.events();
    while let Some(event) = events.next() {
        let starts = matches!(event, InfosetEvent::Start { .. });
        let of_start_tag = matches!(
            event,
            InfosetEvent::Xmlns { .. } | InfosetEvent::Attribute { .. }
        );
        if of_start_tag && !in_start_tag {
            return Err(malformed(
                "a namespace declaration or attribute after an element's content",
            ));
        }
        match event {
            InfosetEvent::Inherited { prefix, uri } => {
                if needed(prefix, uri) {
                    inherited.push((prefix, uri));
                }
            }
            InfosetEvent::Start { prefix, local } => {
                w.start_element(prefix, local, intern_children && depth > 0)?;
                if depth == 0 {
                    declare_inherited(w, &inherited, events.clone())?;
                }
                depth += 1;
            }
            InfosetEvent::Xmlns { prefix, uri } => w.xmlns(prefix, uri)?,
            InfosetEvent::Attribute {
                prefix,
                local,
                value,
            } => w.attribute(prefix, local, value)?,
            // .NET writes nothing for empty text or an empty byte array.
            InfosetEvent::Text("") | InfosetEvent::Bytes([]) => {}
            InfosetEvent::Text(text) if depth > 0 => w.text(text)?,
            InfosetEvent::Bytes(bytes) if depth > 0 => w.bytes(bytes)?,
            InfosetEvent::Text(text) if is_whitespace(text) => {}
            InfosetEvent::Text(_) | InfosetEvent::Bytes(_) => {
                return Err(malformed("text outside the elements of a body"));
            }
            InfosetEvent::Comment(text) if depth > 0 => w.comment(text)?,
            InfosetEvent::Comment(_) => {}
            InfosetEvent::End => {
                w.end_element();
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| malformed("an element ends that did not start"))?;
            }
        }
        in_start_tag = starts || (in_start_tag && of_start_tag);
    }
    if depth != 0 {
        return Err(malformed("the body ends inside an element"));
    }
    Ok(())
}

/// Declares on a fragment's root element the bindings it inherited, except those the root
/// declares itself (`rest`: the events after the root's start).
fn declare_inherited(
    w: &mut Writer<'_>,
    inherited: &[(&str, &str)],
    rest: crate::xml::InfosetEvents<'_>,
) -> Result<(), EncodingError> {
    let own: Vec<&str> = rest
        .map_while(|event| match event {
            InfosetEvent::Xmlns { prefix, .. } => Some(Some(prefix)),
            InfosetEvent::Attribute { .. } => Some(None),
            _ => None,
        })
        .flatten()
        .collect();
    for (prefix, uri) in inherited {
        if !own.contains(prefix) {
            w.xmlns(prefix, uri)?;
        }
    }
    Ok(())
}

fn is_whitespace(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Converts the XML text of `fragment` to records. `intern_children`: element names below the
/// top level go to the session StringTable.
fn write_fragment(
    w: &mut Writer<'_>,
    fragment: &XmlFragment,
    intern_children: bool,
    text: &mut String,
) -> Result<(), EncodingError> {
    let mut reader = XmlReader::from_str(&fragment.text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(false);
    let mut depth = 0usize;
    text.clear();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| malformed(format!("the XML fragment is not well formed: {e}")))?;
        match event {
            XmlEvent::Start(start) => {
                flush_text(w, text, depth)?;
                write_start(w, &start, depth, intern_children, fragment)?;
                depth += 1;
            }
            XmlEvent::Empty(start) => {
                flush_text(w, text, depth)?;
                write_start(w, &start, depth, intern_children, fragment)?;
                w.end_element();
            }
            XmlEvent::End(_) => {
                flush_text(w, text, depth)?;
                w.end_element();
                depth = depth.saturating_sub(1);
            }
            XmlEvent::Text(t) => text.push_str(&t.xml10_content()),
            XmlEvent::CData(c) => text.push_str(&c.xml10_content()),
            XmlEvent::GeneralRef(reference) => {
                if let Ok(Some(c)) = reference.resolve_char_ref() {
                    text.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&reference) {
                    text.push_str(s);
                } else {
                    return Err(malformed("an undefined entity in an XML fragment"));
                }
            }
            XmlEvent::Comment(c) => {
                flush_text(w, text, depth)?;
                if depth > 0 {
                    w.comment(&c.xml10_content())?;
                }
            }
            XmlEvent::DocType(_) => {
                return Err(EncodingError::Refused(
                    "document type declarations are not accepted in SOAP messages".into(),
                ));
            }
            XmlEvent::Decl(_) | XmlEvent::PI(_) => {}
            XmlEvent::Eof => break,
        }
    }
    if depth != 0 {
        return Err(malformed("the XML fragment ends inside an element"));
    }
    flush_text(w, text, depth)
}

/// Writes the text gathered so far; at the top level only whitespace is allowed (and dropped).
fn flush_text(w: &mut Writer<'_>, text: &mut String, depth: usize) -> Result<(), EncodingError> {
    if text.is_empty() {
        return Ok(());
    }
    if depth == 0 {
        if !is_whitespace(text) {
            return Err(malformed("text outside the elements of an XML fragment"));
        }
    } else {
        w.text(text)?;
    }
    text.clear();
    Ok(())
}

fn write_start(
    w: &mut Writer<'_>,
    start: &BytesStart<'_>,
    depth: usize,
    intern_children: bool,
    fragment: &XmlFragment,
) -> Result<(), EncodingError> {
    let (prefix, local) = split_name(start.name().0)?;
    w.start_element(prefix, local, intern_children && depth > 0)?;
    if depth == 0 {
        for (prefix, uri) in &fragment.scope {
            if !needed(prefix, uri) {
                continue;
            }
            let declared_here = start.attributes().with_checks(false).flatten().any(|a| {
                match a.key.as_namespace_binding() {
                    Some(PrefixDeclaration::Default) => prefix.is_empty(),
                    Some(PrefixDeclaration::Named(p)) => p == prefix,
                    None => false,
                }
            });
            if !declared_here {
                w.xmlns(prefix, uri)?;
            }
        }
    }
    for attribute in start.attributes() {
        let attribute =
            attribute.map_err(|e| malformed(format!("a bad attribute in an XML fragment: {e}")))?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| malformed(format!("a bad attribute value in an XML fragment: {e}")))?;
        match attribute.key.as_namespace_binding() {
            Some(PrefixDeclaration::Default) => w.xmlns("", &value)?,
            Some(PrefixDeclaration::Named(p)) => w.xmlns(p, &value)?,
            None => {
                let (prefix, local) = split_name(attribute.key.0)?;
                w.attribute(prefix, local, &value)?;
            }
        }
    }
    Ok(())
}

/// Whether `name` is an XML name without a colon, approximately.
fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_' || !first.is_ascii())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') || !c.is_ascii())
}
