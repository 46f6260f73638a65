//! The SOAP fault element, SOAP 1.2 and SOAP 1.1, written to a sink and read from a source.
//!
//! SOAP 1.1 has no subcodes: like WCF, the first subcode, if any, is written as the
//! `faultcode`; such a code (outside the envelope namespace) is read back as a
//! [`FaultKind::Receiver`] fault with that one subcode, since the class is not on the wire. A
//! dotted code in the envelope namespace (`s:Client.Authentication`) is read as its class with
//! the whole code as its one subcode, so that it is written back as it came. An unqualified
//! code naming a class (Mono's `<faultcode>Sender</faultcode>`) is read as that class.
//! SOAP 1.1 has no `Node` either, and carries one reason text.
//!
//! `xml:lang` is required on a SOAP 1.2 reason `Text`: a reason whose language is unknown
//! (`""`, as read from a SOAP 1.1 `faultstring` without one) is written as `en`. SOAP 1.1 does
//! not require it, and such a reason is written without.

use crate::encoding::EncodingError;
use crate::message::{Fault, FaultCode, FaultKind, ReasonText, SOAP11_NS, SOAP12_NS};
use crate::xml::escape::is_ncname;
use crate::xml::stream::{Event, XmlSource};
use crate::xml::{Infoset, XML_NS, XmlError, XmlSink};

use super::MessageVersion;

fn malformed(message: impl Into<String>) -> EncodingError {
    EncodingError::Malformed(message.into())
}

/// Writes `fault` as the Body's content.
pub(super) fn write<S: XmlSink + ?Sized>(
    sink: &mut S,
    fault: &Fault,
    version: MessageVersion,
    scope: &[(&str, &str)],
) -> Result<(), EncodingError> {
    for (_, name) in &fault.code.subcodes {
        if !is_ncname(name) {
            return Err(malformed(format!(
                "fault subcode {name:?} is not a valid XML name"
            )));
        }
    }
    if version.is_soap12() {
        write12(sink, fault, scope)?;
    } else {
        write11(sink, fault, scope)?;
    }
    Ok(())
}

fn text_element<S: XmlSink + ?Sized>(
    sink: &mut S,
    prefix: &str,
    local: &str,
    text: &str,
) -> Result<(), XmlError> {
    sink.start_element(prefix, local)?;
    sink.text(text)?;
    sink.end_element()
}

/// Writes `<prefix:local>q:name</prefix:local>`, declaring `a` for the name's namespace unless
/// it is the envelope's (`s`) or none (unprefixed).
fn qname_element<S: XmlSink + ?Sized>(
    sink: &mut S,
    (prefix, local): (&str, &str),
    (namespace, name): (&str, &str),
    envelope: &str,
) -> Result<(), XmlError> {
    sink.start_element(prefix, local)?;
    let text = if namespace.is_empty() {
        name.to_owned()
    } else if namespace == envelope {
        format!("s:{name}")
    } else {
        sink.xmlns("a", namespace)?;
        format!("a:{name}")
    };
    sink.text(&text)?;
    sink.end_element()
}

fn detail<S: XmlSink + ?Sized>(
    sink: &mut S,
    (prefix, local): (&str, &str),
    detail: Option<&Infoset>,
    scope: &[(&str, &str)],
) -> Result<(), XmlError> {
    let Some(detail) = detail else {
        return Ok(());
    };
    sink.start_element(prefix, local)?;
    detail.write_to(sink, scope, false)?;
    sink.end_element()
}

fn write12<S: XmlSink + ?Sized>(
    sink: &mut S,
    fault: &Fault,
    scope: &[(&str, &str)],
) -> Result<(), XmlError> {
    sink.start_element("s", "Fault")?;
    sink.start_element("s", "Code")?;
    qname_element(
        sink,
        ("s", "Value"),
        (SOAP12_NS, fault.code.kind.soap12_name()),
        SOAP12_NS,
    )?;
    for (namespace, name) in &fault.code.subcodes {
        sink.start_element("s", "Subcode")?;
        qname_element(sink, ("s", "Value"), (namespace, name), SOAP12_NS)?;
    }
    for _ in &fault.code.subcodes {
        sink.end_element()?;
    }
    sink.end_element()?;
    sink.start_element("s", "Reason")?;
    let english = [ReasonText {
        lang: "en".to_owned(),
        text: String::new(),
    }];
    let reasons = if fault.reasons.is_empty() {
        &english[..]
    } else {
        fault.reasons.as_slice()
    };
    for reason in reasons {
        sink.start_element("s", "Text")?;
        let lang = if reason.lang.is_empty() {
            "en"
        } else {
            reason.lang.as_str()
        };
        sink.attribute("xml", "lang", lang)?;
        sink.text(&reason.text)?;
        sink.end_element()?;
    }
    sink.end_element()?;
    if let Some(node) = &fault.node {
        text_element(sink, "s", "Node", node)?;
    }
    if let Some(role) = &fault.role {
        text_element(sink, "s", "Role", role)?;
    }
    detail(sink, ("s", "Detail"), fault.detail.as_deref(), scope)?;
    sink.end_element()
}

fn write11<S: XmlSink + ?Sized>(
    sink: &mut S,
    fault: &Fault,
    scope: &[(&str, &str)],
) -> Result<(), XmlError> {
    sink.start_element("s", "Fault")?;
    match fault.code.subcodes.first() {
        Some((namespace, name)) => {
            qname_element(sink, ("", "faultcode"), (namespace, name), SOAP11_NS)?;
        }
        None => qname_element(
            sink,
            ("", "faultcode"),
            (SOAP11_NS, fault.code.kind.soap11_name()),
            SOAP11_NS,
        )?,
    }
    sink.start_element("", "faultstring")?;
    let lang = fault
        .reasons
        .iter()
        .find(|r| r.text == fault.reason())
        .map_or("en", |r| r.lang.as_str());
    // An empty `xml:lang` would say the text is in no language; unknown is no attribute.
    if !lang.is_empty() {
        sink.attribute("xml", "lang", lang)?;
    }
    sink.text(fault.reason())?;
    sink.end_element()?;
    if let Some(role) = &fault.role {
        text_element(sink, "", "faultactor", role)?;
    }
    detail(sink, ("", "detail"), fault.detail.as_deref(), scope)?;
    sink.end_element()
}

/// Reads a Fault's content, after its start tag, through its end tag.
pub(super) fn read<R: XmlSource>(
    source: &mut R,
    version: MessageVersion,
) -> Result<Fault, EncodingError> {
    if version.is_soap12() {
        read12(source)
    } else {
        read11(source)
    }
}

/// Which child of a fault element was found.
enum Part {
    Code,
    Reason,
    Node,
    Role,
    Detail,
    /// An element SOAP 1.1 allows and ignores.
    Other,
}

fn read12<R: XmlSource>(source: &mut R) -> Result<Fault, EncodingError> {
    let mut code = None;
    let mut reasons = None;
    let mut fault = Fault::new(FaultKind::Receiver, "");
    let mut detail = None;
    loop {
        let part = match source.next_child()? {
            None => break,
            Some(name) if name.namespace != SOAP12_NS => {
                return Err(malformed(format!(
                    "unexpected element <{}> in the Fault",
                    name.local
                )));
            }
            Some(name) => match name.local {
                "Code" if code.is_none() => Part::Code,
                "Reason" if reasons.is_none() => Part::Reason,
                "Node" => Part::Node,
                "Role" => Part::Role,
                "Detail" if detail.is_none() => Part::Detail,
                other => {
                    return Err(malformed(format!(
                        "unexpected element <{other}> in the Fault"
                    )));
                }
            },
        };
        match part {
            Part::Code => code = Some(read_code12(source)?),
            Part::Reason => reasons = Some(read_reasons12(source)?),
            Part::Node => fault.node = Some(source.text_content()?.into()),
            Part::Role => fault.role = Some(source.text_content()?.into()),
            Part::Detail => detail = Some(read_detail(source)?),
            Part::Other => source.skip()?,
        }
    }
    fault.code = code.ok_or_else(|| malformed("the Fault has no Code"))?;
    fault.reasons = reasons.ok_or_else(|| malformed("the Fault has no Reason"))?;
    fault.detail = detail.flatten().map(Box::new);
    Ok(fault)
}

/// Reads a QName-valued element's text and resolves it in the element's scope.
fn read_qname<R: XmlSource>(source: &mut R, what: &str) -> Result<(String, String), EncodingError> {
    let text = source.text_content()?;
    // The element's declarations stay in scope until the next event is read.
    let qname = text.trim_matches([' ', '\t', '\r', '\n']);
    let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
    if local.is_empty() || local.contains(':') {
        return Err(malformed(format!(
            "{what} {qname:?} is not a qualified name"
        )));
    }
    let namespace = source.resolve(prefix).ok_or_else(|| {
        malformed(format!(
            "{what} {qname:?} uses the undeclared prefix {prefix:?}"
        ))
    })?;
    Ok((namespace.to_owned(), local.to_owned()))
}

/// Reads a SOAP 1.2 fault Code, after its start tag.
fn read_code12<R: XmlSource>(source: &mut R) -> Result<FaultCode, EncodingError> {
    let mut kind = None;
    let mut subcodes = Vec::new();
    let mut foreign = None;
    // Subcode elements open.
    let mut level = 0usize;
    loop {
        let child = source.next_child()?.map(|name| {
            (
                name.namespace == SOAP12_NS,
                name.local == "Value",
                name.local.to_owned(),
            )
        });
        let Some((in_envelope, is_value, local)) = child else {
            if level == 0 {
                break;
            }
            if subcodes.len() < level {
                return Err(malformed("a fault Subcode has no Value"));
            }
            level -= 1;
            continue;
        };
        if in_envelope && is_value {
            let (namespace, name) = read_qname(source, "the fault code Value")?;
            if level == 0 {
                if kind.is_some() {
                    return Err(malformed("more than one Value in a fault Code"));
                }
                // A value outside SOAP 1.2's five (Mono's WCF sends untyped faults with
                // `wsa:InternalServiceFault`) is read as a Receiver fault whose first subcode
                // is that value, not as a malformed message: the fault's reason still arrives.
                kind = Some(match FaultKind::from_soap12_code(&namespace, &name) {
                    Ok(kind) => kind,
                    Err(_) => {
                        foreign = Some((namespace, name));
                        FaultKind::Receiver
                    }
                });
            } else if subcodes.len() + 1 == level {
                subcodes.push((namespace, name));
            } else {
                return Err(malformed("more than one Value in a fault Subcode"));
            }
        } else if in_envelope && local == "Subcode" && kind.is_some() && subcodes.len() == level {
            level += 1;
        } else {
            return Err(malformed(format!(
                "unexpected element <{local}> in the fault Code"
            )));
        }
    }
    if let Some(foreign) = foreign {
        subcodes.insert(0, foreign);
    }
    Ok(FaultCode {
        kind: kind.ok_or_else(|| malformed("the fault Code has no Value"))?,
        subcodes,
    })
}

/// Reads the texts of a SOAP 1.2 fault Reason, after its start tag.
fn read_reasons12<R: XmlSource>(source: &mut R) -> Result<Vec<ReasonText>, EncodingError> {
    let mut reasons = Vec::new();
    loop {
        match source.next_child()? {
            None => return Ok(reasons),
            Some(name) if name.is(SOAP12_NS, "Text") => {}
            Some(_) => return Err(malformed("unexpected element in the fault Reason")),
        }
        let lang = source
            .attribute(XML_NS, "lang")?
            .map(|lang| lang.into_owned())
            .unwrap_or_default();
        let text = source.text_content()?;
        reasons.push(ReasonText { lang, text });
    }
}

/// Reads a detail element's first child element (text is dropped, further children skipped),
/// after its start tag.
fn read_detail<R: XmlSource>(source: &mut R) -> Result<Option<Infoset>, EncodingError> {
    let mut first: Option<Infoset> = None;
    loop {
        match source.next()? {
            Event::Start(_) => {}
            Event::End => return Ok(first),
            Event::Text(_) | Event::Comment(_) => continue,
            Event::Eof => return Err(malformed("the message ends inside a fault detail")),
        }
        if first.is_some() {
            source.skip()?;
        } else {
            let mut detail = Infoset::with_capacity(256, 16);
            detail.capture(source, |_| false)?;
            first = Some(detail);
        }
    }
}

fn read11<R: XmlSource>(source: &mut R) -> Result<Fault, EncodingError> {
    let mut code = None;
    let mut fault = Fault::new(FaultKind::Receiver, "");
    fault.reasons.clear();
    let mut detail = None;
    let mut reason_read = false;
    loop {
        let part = match source.next_child()? {
            None => break,
            // The children are unqualified; tolerate them in the envelope namespace too.
            Some(name) if !(name.namespace.is_empty() || name.namespace == SOAP11_NS) => {
                Part::Other
            }
            Some(name) => match name.local {
                "faultcode" if code.is_none() => Part::Code,
                "faultstring" if !reason_read => Part::Reason,
                "faultactor" => Part::Role,
                "detail" if detail.is_none() => Part::Detail,
                _ => Part::Other,
            },
        };
        match part {
            Part::Code => {
                let (namespace, name) = read_qname(source, "faultcode")?;
                code = Some(fault_code11(namespace, name)?);
            }
            Part::Reason => {
                reason_read = true;
                let lang = source
                    .attribute(XML_NS, "lang")?
                    .map(|lang| lang.into_owned())
                    .unwrap_or_default();
                let text = source.text_content()?;
                fault.reasons.push(ReasonText { lang, text });
            }
            Part::Role => fault.role = Some(source.text_content()?.into()),
            Part::Detail => detail = Some(read_detail(source)?),
            Part::Node | Part::Other => source.skip()?,
        }
    }
    fault.code = code.ok_or_else(|| malformed("the Fault has no faultcode"))?;
    fault.detail = detail.flatten().map(Box::new);
    Ok(fault)
}

/// Maps a SOAP 1.1 `faultcode` to the model. A code outside the envelope namespace (WCF writes
/// its subcode there, e.g. `a:ActionNotSupported`) carries no class on the wire: it is read as a
/// [`FaultKind::Receiver`] fault with that code as its only subcode. A dotted code in the
/// envelope namespace (`s:Client.Authentication`) is its class (`Client`: a
/// [`FaultKind::Sender`] fault) refined: the refinement is kept as the whole code as the only
/// subcode, which the SOAP 1.1 writer writes back as the `faultcode`. An unqualified code that
/// names a class, SOAP 1.1's or SOAP 1.2's, is that class: Mono's WCF writes
/// `<faultcode>Sender</faultcode>` in its SOAP 1.1 faults (as SOAP 1.2's reader takes an
/// unqualified `<s:Value>Sender</s:Value>`).
fn fault_code11(namespace: String, name: String) -> Result<FaultCode, EncodingError> {
    if namespace.is_empty()
        && let Ok(kind) =
            FaultKind::from_soap11_code(&name).or_else(|_| FaultKind::from_soap12_code("", &name))
        && !name.contains('.')
    {
        return Ok(FaultCode {
            kind,
            subcodes: Vec::new(),
        });
    }
    if namespace != SOAP11_NS {
        return Ok(FaultCode {
            kind: FaultKind::Receiver,
            subcodes: vec![(namespace, name)],
        });
    }
    let kind = FaultKind::from_soap11_code(&name).map_err(malformed)?;
    let subcodes = if name.contains('.') {
        vec![(namespace, name)]
    } else {
        Vec::new()
    };
    Ok(FaultCode { kind, subcodes })
}
