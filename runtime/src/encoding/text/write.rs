//! Writing envelopes: straight into the output buffer, escaping text and attribute values.

use bytes::BytesMut;
use quick_xml::Reader;
use quick_xml::events::Event;

use super::MessageVersion;
use crate::encoding::EncodingError;
use crate::message::{Body, Fault, FaultKind, Message, RawHeader, WSA10_NS, XmlFragment};
use crate::xml::{Infoset, InfosetEvent, XmlError};

/// Appends the envelope of `message` in `version` to `out`.
pub(super) fn write_message(
    version: MessageVersion,
    message: &Message,
    out: &mut BytesMut,
) -> Result<(), EncodingError> {
    let headers = &message.headers;
    let addressing = version.has_addressing();
    if addressing && headers.action.is_none() {
        return Err(EncodingError::Malformed(
            "a SOAP 1.2 + WS-Addressing 1.0 message needs an action".into(),
        ));
    }
    out.reserve(estimate_size(message));
    // Undo a partial write on error, so `out` holds only whole messages.
    let mark = out.len();
    let result = write_envelope(version, message, out);
    if result.is_err() {
        out.truncate(mark);
    }
    result
}

fn write_envelope(
    version: MessageVersion,
    message: &Message,
    out: &mut BytesMut,
) -> Result<(), EncodingError> {
    let headers = &message.headers;
    let addressing = version.has_addressing();
    let env_ns = version.envelope_namespace();
    // The bindings the envelope puts in scope for everything inside it.
    let inherited: &[(&str, &str)] = if addressing {
        &[("s", env_ns), ("a", WSA10_NS)]
    } else {
        &[("s", env_ns)]
    };

    push(out, "<s:Envelope xmlns:s=\"");
    push(out, env_ns);
    if addressing {
        push(out, "\" xmlns:a=\"");
        push(out, WSA10_NS);
    }
    push(out, "\">");

    let has_addressing_headers = addressing
        && (headers.action.is_some()
            || headers.message_id.is_some()
            || headers.relates_to.is_some()
            || headers.reply_to.is_some()
            || headers.to.is_some());
    if has_addressing_headers || !headers.other.is_empty() {
        push(out, "<s:Header>");
        if addressing {
            // In the order WCF writes them.
            let fields = [
                (
                    &headers.action,
                    "<a:Action s:mustUnderstand=\"1\">",
                    "</a:Action>",
                ),
                (&headers.message_id, "<a:MessageID>", "</a:MessageID>"),
                (&headers.relates_to, "<a:RelatesTo>", "</a:RelatesTo>"),
                (
                    &headers.reply_to,
                    "<a:ReplyTo><a:Address>",
                    "</a:Address></a:ReplyTo>",
                ),
                (&headers.to, "<a:To s:mustUnderstand=\"1\">", "</a:To>"),
            ];
            for (value, open, close) in fields {
                if let Some(value) = value {
                    push(out, open);
                    escape_text(out, value)?;
                    push(out, close);
                }
            }
        }
        for header in &headers.other {
            write_raw_header(out, header, inherited)?;
        }
        push(out, "</s:Header>");
    }

    push(out, "<s:Body>");
    match &message.body {
        Body::Empty => {}
        Body::Xml(fragment) => write_fragment(out, fragment, inherited)?,
        Body::Infoset(infoset) => write_infoset(out, infoset, inherited)?,
        Body::Fault(fault) => match version {
            MessageVersion::Soap12WsAddressing10 => write_fault12(out, fault, inherited)?,
            MessageVersion::Soap11 => write_fault11(out, fault, inherited)?,
        },
    }
    push(out, "</s:Body></s:Envelope>");
    Ok(())
}

/// A generous estimate of the encoded size, to reserve the buffer once.
fn estimate_size(message: &Message) -> usize {
    let h = &message.headers;
    let fields = [&h.action, &h.message_id, &h.relates_to, &h.to, &h.reply_to];
    let mut size = 400
        + fields
            .iter()
            .filter_map(|f| f.as_ref())
            .map(|s| s.len() + 60)
            .sum::<usize>();
    size += h.other.iter().map(|r| fragment_size(&r.xml)).sum::<usize>();
    size += match &message.body {
        Body::Empty => 0,
        Body::Xml(fragment) => fragment_size(fragment),
        Body::Infoset(infoset) => infoset.text_len_hint(),
        Body::Fault(fault) => {
            300 + fault.reason.len()
                + fault
                    .code
                    .subcodes
                    .iter()
                    .map(|(ns, n)| ns.len() + n.len() + 80)
                    .sum::<usize>()
                + fault.detail.as_ref().map_or(0, fragment_size)
        }
    };
    size
}

fn fragment_size(fragment: &XmlFragment) -> usize {
    fragment.text.len()
        + fragment
            .scope
            .iter()
            .map(|(p, u)| p.len() + u.len() + 10)
            .sum::<usize>()
}

/// Writes a raw header. Its `xml` is authoritative: `namespace`, `name` and `must_understand`
/// describe it but are not written separately.
fn write_raw_header(
    out: &mut BytesMut,
    header: &RawHeader,
    inherited: &[(&str, &str)],
) -> Result<(), EncodingError> {
    write_fragment(out, &header.xml, inherited)
}

/// Writes the SOAP 1.2 fault element.
fn write_fault12(
    out: &mut BytesMut,
    fault: &Fault,
    inherited: &[(&str, &str)],
) -> Result<(), EncodingError> {
    let class = match fault.code.kind {
        FaultKind::Sender => "s:Sender",
        FaultKind::Receiver => "s:Receiver",
        FaultKind::MustUnderstand => "s:MustUnderstand",
        FaultKind::VersionMismatch => "s:VersionMismatch",
        FaultKind::DataEncodingUnknown => "s:DataEncodingUnknown",
    };
    push(out, "<s:Fault><s:Code><s:Value>");
    push(out, class);
    push(out, "</s:Value>");
    for (namespace, name) in &fault.code.subcodes {
        push(out, "<s:Subcode>");
        write_qname_element(out, "s:Value", namespace, name, crate::message::SOAP12_NS)?;
    }
    for _ in &fault.code.subcodes {
        push(out, "</s:Subcode>");
    }
    push(out, "</s:Code><s:Reason><s:Text xml:lang=\"en\">");
    escape_text(out, &fault.reason)?;
    push(out, "</s:Text></s:Reason>");
    if let Some(detail) = &fault.detail {
        push(out, "<s:Detail>");
        write_fragment(out, detail, inherited)?;
        push(out, "</s:Detail>");
    }
    push(out, "</s:Fault>");
    Ok(())
}

/// Writes the SOAP 1.1 fault element. SOAP 1.1 has no subcodes: like WCF, the first subcode, when
/// there is one, becomes the `faultcode`.
fn write_fault11(
    out: &mut BytesMut,
    fault: &Fault,
    inherited: &[(&str, &str)],
) -> Result<(), EncodingError> {
    push(out, "<s:Fault>");
    match fault.code.subcodes.first() {
        Some((namespace, name)) => {
            write_qname_element(out, "faultcode", namespace, name, crate::message::SOAP11_NS)?;
        }
        None => {
            let code = match fault.code.kind {
                FaultKind::Sender | FaultKind::DataEncodingUnknown => "s:Client",
                FaultKind::Receiver => "s:Server",
                FaultKind::MustUnderstand => "s:MustUnderstand",
                FaultKind::VersionMismatch => "s:VersionMismatch",
            };
            push(out, "<faultcode>");
            push(out, code);
            push(out, "</faultcode>");
        }
    }
    push(out, "<faultstring xml:lang=\"en\">");
    escape_text(out, &fault.reason)?;
    push(out, "</faultstring>");
    if let Some(detail) = &fault.detail {
        push(out, "<detail>");
        write_fragment(out, detail, inherited)?;
        push(out, "</detail>");
    }
    push(out, "</s:Fault>");
    Ok(())
}

/// Writes `<tag>prefix:name</tag>`, declaring the prefix `a` for `namespace` on the element unless
/// the namespace is the envelope's (`s`) or empty (unprefixed).
fn write_qname_element(
    out: &mut BytesMut,
    tag: &str,
    namespace: &str,
    name: &str,
    envelope_ns: &str,
) -> Result<(), EncodingError> {
    if !is_ncname(name) {
        return Err(EncodingError::Malformed(format!(
            "fault subcode {name:?} is not a valid XML name"
        )));
    }
    push(out, "<");
    push(out, tag);
    if namespace.is_empty() {
        push(out, ">");
    } else if namespace == envelope_ns {
        push(out, ">s:");
    } else {
        push(out, " xmlns:a=\"");
        escape_attr(out, namespace)?;
        push(out, "\">a:");
    }
    push(out, name);
    push(out, "</");
    push(out, tag);
    push(out, ">");
    Ok(())
}

/// Writes an infoset as XML text; one cut out of another document goes through
/// [`write_fragment`] so that its inherited bindings are declared where needed.
fn write_infoset(
    out: &mut BytesMut,
    infoset: &Infoset,
    inherited: &[(&str, &str)],
) -> Result<(), EncodingError> {
    let unwritable = |e: XmlError| EncodingError::Malformed(format!("the body: {e}"));
    // Inherited bindings come before the first element.
    if infoset
        .events()
        .take_while(|event| !matches!(event, InfosetEvent::Start { .. }))
        .any(|event| matches!(event, InfosetEvent::Inherited { .. }))
    {
        let fragment = infoset.to_fragment().map_err(unwritable)?;
        return write_fragment(out, &fragment, inherited);
    }
    let mut text = String::new();
    infoset.write_text(&mut text).map_err(unwritable)?;
    push(out, &text);
    Ok(())
}

/// Writes a fragment verbatim, adding the declarations of its `scope` that `inherited` does not
/// already provide to each of its top-level start tags.
pub(super) fn write_fragment(
    out: &mut BytesMut,
    fragment: &XmlFragment,
    inherited: &[(&str, &str)],
) -> Result<(), EncodingError> {
    let needed = |(prefix, uri): &&(String, String)| {
        let (prefix, uri) = (prefix.as_str(), uri.as_str());
        if prefix == "xml" || prefix == "xmlns" || (!prefix.is_empty() && uri.is_empty()) {
            return false;
        }
        match inherited.iter().find(|(p, _)| *p == prefix) {
            Some((_, u)) => *u != uri,
            // No default namespace is in scope in the envelope: `xmlns=""` is a no-op there.
            None => !uri.is_empty(),
        }
    };
    if !fragment.scope.iter().any(|b| needed(&b)) {
        push(out, &fragment.text);
        return Ok(());
    }

    let text = fragment.text.as_str();
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    let mut copied = 0usize;
    loop {
        let before = to_usize(reader.buffer_position());
        let event = reader.read_event().map_err(|e| {
            EncodingError::Malformed(format!(
                "cannot declare the scope of an XML fragment that is not well formed: {e}"
            ))
        })?;
        let start = match event {
            Event::Start(start) => {
                depth += 1;
                if depth > 1 {
                    continue;
                }
                start
            }
            Event::Empty(start) if depth == 0 => start,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        // Insert right after `<name`.
        let insert_at = before + 1 + start.name().0.len();
        let Some(head) = text.get(copied..insert_at) else {
            return Err(EncodingError::Malformed(
                "XML fragment start tag out of bounds".into(),
            ));
        };
        push(out, head);
        copied = insert_at;
        for (prefix, uri) in fragment.scope.iter().filter(|b| needed(b)) {
            let declared_here = start.attributes().with_checks(false).flatten().any(|a| {
                match a.key.as_namespace_binding() {
                    Some(quick_xml::name::PrefixDeclaration::Default) => prefix.is_empty(),
                    Some(quick_xml::name::PrefixDeclaration::Named(p)) => p == prefix,
                    None => false,
                }
            });
            if declared_here {
                continue;
            }
            if prefix.is_empty() {
                push(out, " xmlns=\"");
            } else {
                push(out, " xmlns:");
                push(out, prefix);
                push(out, "=\"");
            }
            escape_attr(out, uri)?;
            push(out, "\"");
        }
    }
    push(out, text.get(copied..).unwrap_or(""));
    Ok(())
}

fn to_usize(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

#[inline]
fn push(out: &mut BytesMut, s: &str) {
    out.extend_from_slice(s.as_bytes());
}

/// Escapes element text: `&`, `<`, `>` and `\r` (which a reader would normalise away).
pub(super) fn escape_text(out: &mut BytesMut, s: &str) -> Result<(), EncodingError> {
    escape(out, s, false)
}

/// Escapes an attribute value (in double quotes): also `"` and the whitespace characters that
/// attribute-value normalisation would turn into spaces.
pub(super) fn escape_attr(out: &mut BytesMut, s: &str) -> Result<(), EncodingError> {
    escape(out, s, true)
}

fn escape(out: &mut BytesMut, s: &str, attribute: bool) -> Result<(), EncodingError> {
    let bytes = s.as_bytes();
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let replacement: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'\r' => b"&#xD;",
            b'"' if attribute => b"&quot;",
            b'\n' if attribute => b"&#xA;",
            b'\t' if attribute => b"&#x9;",
            b'\n' | b'\t' => continue,
            0..=0x1f => return Err(not_xml_char(&s[i..])),
            // U+FFFE and U+FFFF are not XML characters either.
            0xef if matches!(bytes.get(i + 1..i + 3), Some([0xbf, 0xbe | 0xbf])) => {
                return Err(not_xml_char(&s[i..]));
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[copied..i]);
        out.extend_from_slice(replacement);
        copied = i + 1;
    }
    out.extend_from_slice(&bytes[copied..]);
    Ok(())
}

fn not_xml_char(rest: &str) -> EncodingError {
    let c = rest.chars().next().unwrap_or('\0');
    EncodingError::Malformed(format!(
        "text contains U+{:04X}, which XML 1.0 cannot represent",
        u32::from(c)
    ))
}

/// Whether `name` is an XML name without a colon (an NCName), approximately: ASCII letters,
/// digits, `_`, `-`, `.` and any non-ASCII character, not starting with a digit, `-` or `.`.
fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_' || !first.is_ascii())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') || !c.is_ascii())
}
