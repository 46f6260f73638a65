//! Reading a binary SOAP 1.2 + WS-Addressing 1.0 envelope into a [`Message`].
//!
//! Addressing headers become fields; other headers, the body's first element and a fault's
//! detail are re-written as XML text ([`XmlFragment`]) with the namespace bindings they inherit.

use super::reader::{Event, Name, Reader, Strings};
use super::text::{Escape, Text};
use crate::encoding::EncodingError;
use crate::message::{
    Body, Fault, FaultCode, FaultKind, Headers, Message, RawHeader, SOAP12_NS, WSA10_NS,
    XmlFragment,
};
use crate::xml::{Infoset, XmlError};

fn malformed(message: impl Into<String>) -> EncodingError {
    EncodingError::Malformed(message.into())
}

/// Decodes the document `input` (after any StringTable) with the dictionaries `strings`.
pub(super) fn read_message(input: &[u8], strings: Strings<'_>) -> Result<Message, EncodingError> {
    let mut decoder = Decoder {
        r: Reader::new(input, strings),
    };
    decoder.document()
}

struct Decoder<'a> {
    r: Reader<'a>,
}

/// Whether a text value is only XML whitespace.
fn is_whitespace(text: &Text<'_>) -> bool {
    match text {
        Text::Str(s) => s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')),
        _ => false,
    }
}

impl<'a> Decoder<'a> {
    fn namespace(&self, name: Name<'a>) -> &'a str {
        self.r.resolve(name.prefix).unwrap_or("")
    }

    fn is(&self, name: Name<'a>, ns: &str, local: &str) -> bool {
        name.local == local && self.namespace(name) == ns
    }

    /// The next child element of the current element, skipping whitespace and comments; `None`
    /// at the current element's end.
    fn child(&mut self, context: &str) -> Result<Option<Name<'a>>, EncodingError> {
        loop {
            match self.r.next_event()? {
                Event::Start(name) => return Ok(Some(name)),
                Event::End(_) => return Ok(None),
                Event::Comment(_) => {}
                Event::Text(text) if is_whitespace(&text) => {}
                Event::Text(_) => {
                    return Err(malformed(format!(
                        "text where elements belong in {context}"
                    )));
                }
                Event::Eof => return Err(malformed(format!("the message ends inside {context}"))),
            }
        }
    }

    fn document(&mut self) -> Result<Message, EncodingError> {
        let root = loop {
            match self.r.next_event()? {
                Event::Start(name) => break name,
                Event::Comment(_) => {}
                Event::Eof => return Err(malformed("the message has no Envelope element")),
                _ => return Err(malformed("content before the Envelope element")),
            }
        };
        if root.local != "Envelope" {
            return Err(malformed(format!(
                "the root element is <{}>, not a SOAP Envelope",
                root.local
            )));
        }
        let found = self.namespace(root);
        if found != SOAP12_NS {
            return Err(EncodingError::VersionMismatch {
                expected: SOAP12_NS,
                found: found.to_owned(),
            });
        }
        let mut headers = Headers::default();
        let mut seen_header = false;
        let message = loop {
            let Some(name) = self.child("the Envelope")? else {
                return Err(malformed("the Envelope has no Body"));
            };
            if !seen_header && self.is(name, SOAP12_NS, "Header") {
                seen_header = true;
                self.header(&mut headers)?;
            } else if self.is(name, SOAP12_NS, "Body") {
                let body = self.body()?;
                if self.child("the Envelope")?.is_some() {
                    return Err(malformed("unexpected element after the Body"));
                }
                if headers.action.is_none() {
                    return Err(malformed(
                        "the required WS-Addressing header wsa:Action is missing",
                    ));
                }
                break Message { headers, body };
            } else {
                return Err(malformed(format!(
                    "unexpected element <{}> in the Envelope (expected Header or Body)",
                    name.local
                )));
            }
        };
        loop {
            match self.r.next_event()? {
                Event::Eof => return Ok(message),
                Event::Comment(_) => {}
                _ => return Err(malformed("content after the end of the Envelope")),
            }
        }
    }

    fn header(&mut self, headers: &mut Headers) -> Result<(), EncodingError> {
        while let Some(name) = self.child("the Header")? {
            let slot = if self.namespace(name) == WSA10_NS {
                match name.local {
                    "Action" => Some((&mut headers.action, "wsa:Action")),
                    "MessageID" => Some((&mut headers.message_id, "wsa:MessageID")),
                    "RelatesTo" => Some((&mut headers.relates_to, "wsa:RelatesTo")),
                    "To" => Some((&mut headers.to, "wsa:To")),
                    "ReplyTo" => Some((&mut headers.reply_to, "wsa:ReplyTo")),
                    _ => None,
                }
            } else {
                None
            };
            match slot {
                Some((slot, what)) => {
                    if slot.is_some() {
                        return Err(malformed(format!(
                            "the message has more than one {what} header"
                        )));
                    }
                    *slot = Some(if name.local == "ReplyTo" {
                        self.endpoint_address()?
                    } else {
                        self.text_content(what)?
                    });
                }
                None => {
                    let must_understand = self.must_understand()?;
                    let namespace = self.namespace(name).to_owned();
                    let xml = self.fragment(name)?;
                    headers.other.push(RawHeader {
                        namespace,
                        name: name.local.to_owned(),
                        must_understand,
                        xml,
                    });
                }
            }
        }
        Ok(())
    }

    fn must_understand(&self) -> Result<bool, EncodingError> {
        for attribute in self.r.attributes() {
            if self.is(attribute.name, SOAP12_NS, "mustUnderstand") {
                let value = attribute.value.to_string_lossless()?;
                return match value.trim_matches([' ', '\t', '\r', '\n']) {
                    "1" | "true" => Ok(true),
                    "0" | "false" => Ok(false),
                    other => Err(malformed(format!("invalid mustUnderstand value {other:?}"))),
                };
            }
        }
        Ok(false)
    }

    /// Reads the text content of the element just started, up to its end.
    fn text_content(&mut self, what: &str) -> Result<String, EncodingError> {
        // Enough for a `urn:uuid:` message id or a typical action without growing.
        let mut value = String::with_capacity(64);
        loop {
            match self.r.next_event()? {
                Event::Text(text) => text.write(&mut value, Escape::None)?,
                Event::End(_) => return Ok(value),
                Event::Comment(_) => {}
                Event::Start(_) => {
                    return Err(malformed(format!("{what} must contain text, not elements")));
                }
                Event::Eof => return Err(malformed(format!("the message ends inside {what}"))),
            }
        }
    }

    /// Skips the rest of the element just started.
    fn skip(&mut self) -> Result<(), EncodingError> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.r.next_event()? {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(malformed("the message ends inside an element")),
                _ => {}
            }
        }
        Ok(())
    }

    fn endpoint_address(&mut self) -> Result<String, EncodingError> {
        let mut address = None;
        while let Some(name) = self.child("wsa:ReplyTo")? {
            if address.is_none() && self.is(name, WSA10_NS, "Address") {
                address = Some(self.text_content("wsa:Address")?);
            } else {
                self.skip()?;
            }
        }
        address.ok_or_else(|| malformed("wsa:ReplyTo has no wsa:Address"))
    }

    fn body(&mut self) -> Result<Body, EncodingError> {
        let mut body = Body::Empty;
        let mut first = true;
        while let Some(name) = self.child("the Body")? {
            if !first {
                self.skip()?;
                continue;
            }
            first = false;
            body = if self.is(name, SOAP12_NS, "Fault") {
                Body::Fault(self.fault()?)
            } else {
                Body::Infoset(self.infoset(name)?)
            };
        }
        Ok(body)
    }

    /// The element just started, as XML text with its inherited bindings.
    fn fragment(&mut self, name: Name<'a>) -> Result<XmlFragment, EncodingError> {
        self.infoset(name)?
            .to_fragment()
            .map_err(|e| malformed(format!("an element XML text cannot carry: {e}")))
    }

    /// The element just started (and its content, up to its end) as events, with the bindings
    /// it inherits.
    fn infoset(&mut self, name: Name<'a>) -> Result<Infoset, EncodingError> {
        // Sized from the bytes left so that a small body never grows (text records take about
        // as many bytes as their text, every node at least one record byte), but never more
        // than a small message's worth up front: a large one grows as it is read.
        let left = self.r.remaining().min(4096);
        let mut out = Infoset::with_capacity(left + 128, left / 4 + 8);
        let own = self.r.declarations();
        let inherited = self.r.inherited_bindings();
        for (i, (prefix, uri)) in inherited.iter().enumerate() {
            let shadowed = inherited
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .any(|(p, _)| p == prefix);
            if !shadowed && !own.iter().any(|(p, _)| p == prefix) {
                out.inherit(prefix, uri);
            }
        }
        let mut scratch = String::new();
        self.start_element(name, &mut out, &mut scratch)?;
        let mut depth = 1usize;
        while depth > 0 {
            match self.r.next_event()? {
                Event::Start(name) => {
                    self.start_element(name, &mut out, &mut scratch)?;
                    depth += 1;
                }
                Event::Text(Text::Bytes(bytes)) => out.bytes(bytes),
                Event::Text(Text::Str(text)) => out.text(text).map_err(unwritable)?,
                Event::Text(text) => {
                    scratch.clear();
                    text.write(&mut scratch, Escape::None)?;
                    out.text(&scratch).map_err(unwritable)?;
                }
                Event::Comment(comment) => out.comment(comment).map_err(unwritable)?,
                Event::End(_) => {
                    out.end();
                    depth -= 1;
                }
                Event::Eof => return Err(malformed("the message ends inside an element")),
            }
        }
        Ok(out)
    }

    /// Adds the element just started, its declarations and its attributes to `out`.
    fn start_element(
        &self,
        name: Name<'a>,
        out: &mut Infoset,
        scratch: &mut String,
    ) -> Result<(), EncodingError> {
        out.start(name.prefix, name.local);
        for (prefix, uri) in self.r.declarations() {
            out.xmlns(prefix, uri);
        }
        for attribute in self.r.attributes() {
            scratch.clear();
            attribute.value.write(scratch, Escape::None)?;
            out.attribute(attribute.name.prefix, attribute.name.local, scratch)
                .map_err(unwritable)?;
        }
        Ok(())
    }

    fn fault(&mut self) -> Result<Fault, EncodingError> {
        let mut code = None;
        let mut reason = None;
        let mut detail = None;
        while let Some(name) = self.child("the Fault")? {
            let in_env = self.namespace(name) == SOAP12_NS;
            match name.local {
                "Code" if in_env && code.is_none() => code = Some(self.code()?),
                "Reason" if in_env && reason.is_none() => reason = Some(self.reason()?),
                "Node" | "Role" if in_env => {
                    self.text_content("the fault Node/Role")?;
                }
                "Detail" if in_env && detail.is_none() => {
                    let mut first = None;
                    while let Some(child) = self.child_or_text()? {
                        if first.is_none() {
                            first = Some(self.fragment(child)?);
                        } else {
                            self.skip()?;
                        }
                    }
                    detail = Some(first);
                }
                _ => {
                    return Err(malformed(format!(
                        "unexpected element <{}> in the Fault",
                        name.local
                    )));
                }
            }
        }
        Ok(Fault {
            code: code.ok_or_else(|| malformed("the Fault has no Code"))?,
            reason: reason.ok_or_else(|| malformed("the Fault has no Reason"))?,
            detail: detail.flatten(),
        })
    }

    /// Like [`Decoder::child`], but drops text (a fault detail's text cannot be represented).
    fn child_or_text(&mut self) -> Result<Option<Name<'a>>, EncodingError> {
        loop {
            match self.r.next_event()? {
                Event::Start(name) => return Ok(Some(name)),
                Event::End(_) => return Ok(None),
                Event::Comment(_) | Event::Text(_) => {}
                Event::Eof => return Err(malformed("the message ends inside a fault detail")),
            }
        }
    }

    /// Reads a QName-valued element's text and resolves it in the element's scope.
    fn qname(&mut self, what: &str) -> Result<(String, String), EncodingError> {
        let text = self.text_content(what)?;
        // The element's declarations stay in scope until the next event is read.
        let qname = text.trim_matches([' ', '\t', '\r', '\n']);
        let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
        if local.is_empty() || local.contains(':') {
            return Err(malformed(format!(
                "{what} {qname:?} is not a qualified name"
            )));
        }
        let ns = self.r.resolve(prefix).ok_or_else(|| {
            malformed(format!(
                "{what} {qname:?} uses the undeclared prefix {prefix:?}"
            ))
        })?;
        Ok((ns.to_owned(), local.to_owned()))
    }

    fn code(&mut self) -> Result<FaultCode, EncodingError> {
        let mut kind = None;
        let mut subcodes = Vec::new();
        // Subcode elements open.
        let mut level = 0usize;
        loop {
            let Some(name) = self.child("the fault Code")? else {
                if level == 0 {
                    break;
                }
                if subcodes.len() < level {
                    return Err(malformed("a fault Subcode has no Value"));
                }
                level -= 1;
                continue;
            };
            let in_env = self.namespace(name) == SOAP12_NS;
            match name.local {
                "Value" if in_env => {
                    let (ns, local) = self.qname("the fault code Value")?;
                    if level == 0 {
                        if kind.is_some() {
                            return Err(malformed("more than one Value in a fault Code"));
                        }
                        kind = Some(FaultKind::from_soap12_code(&ns, &local).map_err(malformed)?);
                    } else if subcodes.len() + 1 == level {
                        subcodes.push((ns, local));
                    } else {
                        return Err(malformed("more than one Value in a fault Subcode"));
                    }
                }
                "Subcode" if in_env && kind.is_some() && subcodes.len() == level => level += 1,
                _ => {
                    return Err(malformed(format!(
                        "unexpected element <{}> in the fault Code",
                        name.local
                    )));
                }
            }
        }
        Ok(FaultCode {
            kind: kind.ok_or_else(|| malformed("the fault Code has no Value"))?,
            subcodes,
        })
    }

    /// The first English text of a fault Reason, else its first text.
    fn reason(&mut self) -> Result<String, EncodingError> {
        let mut reason: Option<String> = None;
        let mut english_found = false;
        while let Some(name) = self.child("the fault Reason")? {
            if !self.is(name, SOAP12_NS, "Text") {
                return Err(malformed("unexpected element in the fault Reason"));
            }
            let english = self.r.attributes().iter().any(|a| {
                a.name.prefix == "xml"
                    && a.name.local == "lang"
                    && matches!(a.value, Text::Str(s) if s.starts_with("en"))
            });
            let value = self.text_content("the fault Reason")?;
            if reason.is_none() || (english && !english_found) {
                reason = Some(value);
                english_found = english;
            }
        }
        Ok(reason.unwrap_or_default())
    }
}

/// A character XML cannot carry, in a decoded string.
fn unwritable(error: XmlError) -> EncodingError {
    malformed(format!("a value XML cannot carry: {error}"))
}
