//! Reading envelopes with quick-xml's [`NsReader`] over the input text.
//!
//! Every event goes through [`Parser::next`], which checks what quick-xml leaves to its user:
//! nesting depth, undeclared prefixes, attribute syntax, undefined entities and DTDs. Bodies and
//! unknown headers are sliced from the input by position, never re-serialised.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{PrefixDeclaration, QName, ResolveResult};

use super::MessageVersion;
use crate::encoding::EncodingError;
use crate::message::{
    Body, Fault, FaultCode, FaultKind, Headers, Message, RawHeader, SOAP11_NS, SOAP12_NS, WSA10_NS,
    XmlFragment,
};

/// The deepest element nesting accepted (the Envelope is at depth 1).
pub(super) const MAX_DEPTH: usize = 64;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes one envelope of `version` from `bytes`.
pub(super) fn read_message(
    version: MessageVersion,
    bytes: &[u8],
) -> Result<Message, EncodingError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let input = std::str::from_utf8(bytes)
        .map_err(|e| EncodingError::Malformed(format!("the message is not valid UTF-8: {e}")))?;
    Parser::new(version, input).document()
}

fn malformed(message: impl Into<String>) -> EncodingError {
    EncodingError::Malformed(message.into())
}

fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Whether a (resolved) element name is `{namespace}local`.
fn is(ns: &ResolveResult<'_>, local: &str, want_ns: &str, want_local: &str) -> bool {
    local == want_local && matches!(ns, ResolveResult::Bound(n) if n.0 == want_ns)
}

fn namespace_of<'a>(ns: &ResolveResult<'a>) -> &'a str {
    match ns {
        ResolveResult::Bound(n) => n.0,
        _ => "",
    }
}

/// Which addressing header an element is.
#[derive(Clone, Copy)]
enum AddressingHeader {
    Action,
    MessageId,
    RelatesTo,
    To,
    ReplyTo,
}

struct Parser<'i> {
    input: &'i str,
    reader: NsReader<&'i [u8]>,
    version: MessageVersion,
    env_ns: &'static str,
    /// Element nesting depth after the last event.
    depth: usize,
    /// Input position where the last event started.
    event_start: usize,
}

impl<'i> Parser<'i> {
    fn new(version: MessageVersion, input: &'i str) -> Self {
        let mut reader = NsReader::from_str(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Parser {
            input,
            reader,
            version,
            env_ns: version.envelope_namespace(),
            depth: 0,
            event_start: 0,
        }
    }

    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    /// Reads the next event and checks it.
    fn next(&mut self) -> Result<Event<'i>, EncodingError> {
        self.event_start = self.position();
        let event = match self.reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                return Err(malformed(format!(
                    "{e} (at byte {})",
                    self.reader.error_position()
                )));
            }
        };
        match &event {
            Event::Start(start) | Event::Empty(start) => {
                let empty = matches!(event, Event::Empty(_));
                if self.depth >= MAX_DEPTH {
                    return Err(malformed(format!(
                        "elements nest deeper than {MAX_DEPTH} levels (at byte {})",
                        self.event_start
                    )));
                }
                if !empty {
                    self.depth += 1;
                }
                self.check_start(start)?;
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            Event::GeneralRef(reference) => {
                let name: &str = reference;
                if reference.is_char_ref() {
                    match reference.resolve_char_ref() {
                        Ok(Some(_)) => {}
                        _ => {
                            return Err(malformed(format!(
                                "invalid character reference &{name}; (at byte {})",
                                self.event_start
                            )));
                        }
                    }
                } else if quick_xml::escape::resolve_predefined_entity(name).is_none() {
                    return Err(malformed(format!(
                        "reference to the undefined entity &{name}; (at byte {})",
                        self.event_start
                    )));
                }
            }
            Event::DocType(_) => {
                return Err(EncodingError::Refused(
                    "document type declarations (DOCTYPE) are not accepted in SOAP messages".into(),
                ));
            }
            Event::Eof if self.depth > 0 => {
                return Err(malformed("the message ends inside an element (truncated?)"));
            }
            _ => {}
        }
        Ok(event)
    }

    /// Checks a start tag: its prefixes are declared and its attributes are well formed.
    fn check_start(&self, start: &BytesStart<'i>) -> Result<(), EncodingError> {
        let resolver = self.reader.resolver();
        if let (ResolveResult::Unknown(prefix), _) = resolver.resolve_element(start.name()) {
            return Err(malformed(format!(
                "element <{}> uses the undeclared prefix {prefix:?} (at byte {})",
                start.name().0,
                self.event_start
            )));
        }
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute.map_err(|e| {
                malformed(format!(
                    "bad attribute in <{}>: {e} (at byte {})",
                    start.name().0,
                    self.event_start
                ))
            })?;
            let key = attribute.key;
            if key.prefix().is_some()
                && key.as_namespace_binding().is_none()
                && let (ResolveResult::Unknown(prefix), _) = resolver.resolve_attribute(key)
            {
                return Err(malformed(format!(
                    "attribute {} uses the undeclared prefix {prefix:?} (at byte {})",
                    key.0, self.event_start
                )));
            }
            let raw: &str = &attribute.value;
            if raw.contains('<') {
                return Err(malformed(format!(
                    "attribute {} contains '<' (at byte {})",
                    key.0, self.event_start
                )));
            }
            if raw.contains('&') {
                attribute
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| {
                        malformed(format!(
                            "bad attribute value of {}: {e} (at byte {})",
                            key.0, self.event_start
                        ))
                    })?;
            }
        }
        Ok(())
    }

    /// The in-scope namespace bindings, except those declared on the current element.
    fn scope(&self) -> Vec<(String, String)> {
        let resolver = self.reader.resolver();
        let level = resolver.level();
        let own = || resolver.bindings_of(level);
        resolver
            .bindings()
            .filter(|(prefix, _)| !own().any(|(p, _)| p == *prefix))
            .map(|(prefix, ns)| {
                let prefix = match prefix {
                    PrefixDeclaration::Default => String::new(),
                    PrefixDeclaration::Named(p) => p.to_owned(),
                };
                (prefix, ns.0.to_owned())
            })
            .collect()
    }

    /// Reads the whole document.
    fn document(mut self) -> Result<Message, EncodingError> {
        // Prolog.
        let root = loop {
            match self.next()? {
                Event::Decl(decl) if self.event_start == 0 => match decl.encoding() {
                    None => {}
                    Some(Ok(encoding))
                        if encoding.eq_ignore_ascii_case("utf-8")
                            || encoding.eq_ignore_ascii_case("us-ascii") => {}
                    Some(Ok(encoding)) => {
                        return Err(malformed(format!(
                            "the XML declaration names the encoding {encoding:?}; \
                             the text encoding reads UTF-8 only"
                        )));
                    }
                    Some(Err(e)) => {
                        return Err(malformed(format!("bad XML declaration: {e}")));
                    }
                },
                Event::Decl(_) => {
                    return Err(malformed("an XML declaration is only allowed at the start"));
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(text) if is_xml_whitespace(&text) => {}
                Event::Start(start) => break start,
                Event::Empty(start) => {
                    self.check_envelope(&start)?;
                    return Err(malformed("the Envelope has no Body"));
                }
                Event::Eof => return Err(malformed("the message has no Envelope element")),
                _ => return Err(malformed("text before the Envelope element")),
            }
        };
        self.check_envelope(&root)?;
        let message = self.envelope()?;
        // Epilog.
        loop {
            match self.next()? {
                Event::Eof => return Ok(message),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(text) if is_xml_whitespace(&text) => {}
                _ => return Err(malformed("content after the end of the Envelope")),
            }
        }
    }

    fn check_envelope(&self, start: &BytesStart<'i>) -> Result<(), EncodingError> {
        let (ns, local) = self.reader.resolver().resolve_element(start.name());
        if local.into_inner() != "Envelope" {
            return Err(malformed(format!(
                "the root element is <{}>, not a SOAP Envelope",
                start.name().0
            )));
        }
        let found = namespace_of(&ns);
        if found != self.env_ns {
            return Err(EncodingError::VersionMismatch {
                expected: self.env_ns,
                found: found.to_owned(),
            });
        }
        Ok(())
    }

    /// Reads the Envelope's content, after its start tag, up to and including its end tag.
    fn envelope(&mut self) -> Result<Message, EncodingError> {
        let mut headers = Headers::default();
        let mut seen_header = false;
        loop {
            let (start, empty) = match self.next()? {
                Event::Start(start) => (start, false),
                Event::Empty(start) => (start, true),
                Event::End(_) => return Err(malformed("the Envelope has no Body")),
                event => {
                    self.non_element(&event, "the Envelope")?;
                    continue;
                }
            };
            let (ns, local) = self.reader.resolver().resolve_element(start.name());
            let local = local.into_inner();
            if is(&ns, local, self.env_ns, "Header") && !seen_header {
                seen_header = true;
                if !empty {
                    self.header(&mut headers)?;
                }
            } else if is(&ns, local, self.env_ns, "Body") {
                let body = if empty { Body::Empty } else { self.body()? };
                self.after_body()?;
                if self.version.has_addressing() && headers.action.is_none() {
                    return Err(malformed(
                        "the required WS-Addressing header wsa:Action is missing",
                    ));
                }
                return Ok(Message { headers, body });
            } else {
                return Err(malformed(format!(
                    "unexpected element <{}> in the Envelope (expected Header or Body)",
                    start.name().0
                )));
            }
        }
    }

    /// After the Body: SOAP 1.1 allows further elements (skipped), SOAP 1.2 does not.
    fn after_body(&mut self) -> Result<(), EncodingError> {
        loop {
            match self.next()? {
                Event::End(_) => return Ok(()),
                Event::Start(_) if self.version == MessageVersion::Soap11 => {
                    self.skip_element()?;
                }
                Event::Empty(_) if self.version == MessageVersion::Soap11 => {}
                Event::Start(start) | Event::Empty(start) => {
                    return Err(malformed(format!(
                        "unexpected element <{}> after the Body",
                        start.name().0
                    )));
                }
                event => self.non_element(&event, "the Envelope")?,
            }
        }
    }

    /// Accepts whitespace, comments and processing instructions where elements belong.
    fn non_element(&self, event: &Event<'i>, context: &str) -> Result<(), EncodingError> {
        match event {
            Event::Comment(_) | Event::PI(_) => Ok(()),
            Event::Text(text) if is_xml_whitespace(text) => Ok(()),
            Event::Eof => Err(malformed(format!("the message ends inside {context}"))),
            _ => Err(malformed(format!(
                "text where elements belong in {context} (at byte {})",
                self.event_start
            ))),
        }
    }

    /// Skips the content of the element just started, up to and including its end tag.
    fn skip_element(&mut self) -> Result<(), EncodingError> {
        let target = self.depth.saturating_sub(1);
        loop {
            match self.next()? {
                Event::End(_) if self.depth == target => return Ok(()),
                Event::Eof => return Err(malformed("the message ends inside an element")),
                _ => {}
            }
        }
    }

    /// Slices the element that just started at `self.event_start` (skipping its content).
    fn cut_element(&mut self, empty: bool) -> Result<&'i str, EncodingError> {
        let from = self.event_start;
        if !empty {
            self.skip_element()?;
        }
        let to = self.position();
        self.input
            .get(from..to)
            .ok_or_else(|| malformed("element boundaries out of range"))
    }

    /// Reads the text content of the element just started, up to and including its end tag.
    /// Child elements are an error.
    fn text_content(&mut self, empty: bool, what: &str) -> Result<String, EncodingError> {
        let mut value = String::new();
        if empty {
            return Ok(value);
        }
        loop {
            match self.next()? {
                Event::Text(text) => append(&mut value, text.xml10_content()),
                Event::CData(cdata) => append(&mut value, cdata.xml10_content()),
                Event::GeneralRef(reference) => {
                    if let Ok(Some(c)) = reference.resolve_char_ref() {
                        value.push(c);
                    } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&reference)
                    {
                        value.push_str(s);
                    }
                }
                Event::End(_) => return Ok(value),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Start(_) | Event::Empty(_) => {
                    return Err(malformed(format!("{what} must contain text, not elements")));
                }
                _ => return Err(malformed(format!("the message ends inside {what}"))),
            }
        }
    }

    /// Reads the Header's children, up to and including its end tag.
    fn header(&mut self, headers: &mut Headers) -> Result<(), EncodingError> {
        loop {
            let (start, empty) = match self.next()? {
                Event::Start(start) => (start, false),
                Event::Empty(start) => (start, true),
                Event::End(_) => return Ok(()),
                event => {
                    self.non_element(&event, "the Header")?;
                    continue;
                }
            };
            let (ns, local) = self.reader.resolver().resolve_element(start.name());
            let local = local.into_inner();
            let addressing = if self.version.has_addressing() && namespace_of(&ns) == WSA10_NS {
                match local {
                    "Action" => Some(AddressingHeader::Action),
                    "MessageID" => Some(AddressingHeader::MessageId),
                    "RelatesTo" => Some(AddressingHeader::RelatesTo),
                    "To" => Some(AddressingHeader::To),
                    "ReplyTo" => Some(AddressingHeader::ReplyTo),
                    _ => None,
                }
            } else {
                None
            };
            let Some(kind) = addressing else {
                let namespace = namespace_of(&ns).to_owned();
                let name = local.to_owned();
                let must_understand = self.must_understand(&start)?;
                let scope = self.scope();
                let text = self.cut_element(empty)?.to_owned();
                headers.other.push(RawHeader {
                    namespace,
                    name,
                    must_understand,
                    xml: XmlFragment { text, scope },
                });
                continue;
            };
            let (slot, what) = match kind {
                AddressingHeader::Action => (&mut headers.action, "wsa:Action"),
                AddressingHeader::MessageId => (&mut headers.message_id, "wsa:MessageID"),
                AddressingHeader::RelatesTo => (&mut headers.relates_to, "wsa:RelatesTo"),
                AddressingHeader::To => (&mut headers.to, "wsa:To"),
                AddressingHeader::ReplyTo => (&mut headers.reply_to, "wsa:ReplyTo"),
            };
            if slot.is_some() {
                return Err(malformed(format!(
                    "the message has more than one {what} header"
                )));
            }
            let value = match kind {
                AddressingHeader::ReplyTo => self.endpoint_address(empty)?,
                _ => self.text_content(empty, what)?,
            };
            *slot = Some(value);
        }
    }

    /// The `mustUnderstand` attribute (in the envelope namespace) of a header element.
    fn must_understand(&self, start: &BytesStart<'i>) -> Result<bool, EncodingError> {
        let resolver = self.reader.resolver();
        for attribute in start.attributes().with_checks(false).flatten() {
            let (ns, local) = resolver.resolve_attribute(attribute.key);
            if is(&ns, local.into_inner(), self.env_ns, "mustUnderstand") {
                return match attribute.value.trim_matches([' ', '\t', '\r', '\n']) {
                    "1" | "true" => Ok(true),
                    "0" | "false" => Ok(false),
                    other => Err(malformed(format!(
                        "invalid mustUnderstand value {other:?} on header <{}>",
                        start.name().0
                    ))),
                };
            }
        }
        Ok(false)
    }

    /// Reads `wsa:ReplyTo`'s `wsa:Address`, skipping reference parameters and metadata.
    fn endpoint_address(&mut self, empty: bool) -> Result<String, EncodingError> {
        let mut address = None;
        if !empty {
            loop {
                let (start, empty) = match self.next()? {
                    Event::Start(start) => (start, false),
                    Event::Empty(start) => (start, true),
                    Event::End(_) => break,
                    event => {
                        self.non_element(&event, "wsa:ReplyTo")?;
                        continue;
                    }
                };
                let (ns, local) = self.reader.resolver().resolve_element(start.name());
                if is(&ns, local.into_inner(), WSA10_NS, "Address") && address.is_none() {
                    address = Some(self.text_content(empty, "wsa:Address")?);
                } else if !empty {
                    self.skip_element()?;
                }
            }
        }
        address.ok_or_else(|| malformed("wsa:ReplyTo has no wsa:Address"))
    }

    /// Reads the Body's content, up to and including its end tag.
    fn body(&mut self) -> Result<Body, EncodingError> {
        let mut body = Body::Empty;
        let mut first = true;
        loop {
            let (start, empty) = match self.next()? {
                Event::Start(start) => (start, false),
                Event::Empty(start) => (start, true),
                Event::End(_) => return Ok(body),
                event => {
                    self.non_element(&event, "the Body")?;
                    continue;
                }
            };
            if !first {
                // Only the first child is the body; the others are checked and dropped.
                if !empty {
                    self.skip_element()?;
                }
                continue;
            }
            first = false;
            let (ns, local) = self.reader.resolver().resolve_element(start.name());
            if is(&ns, local.into_inner(), self.env_ns, "Fault") {
                if empty {
                    return Err(malformed("empty Fault element"));
                }
                body = Body::Fault(match self.version {
                    MessageVersion::Soap12WsAddressing10 => self.fault12()?,
                    MessageVersion::Soap11 => self.fault11()?,
                });
            } else {
                let scope = self.scope();
                let text = self.cut_element(empty)?.to_owned();
                body = Body::Xml(XmlFragment { text, scope });
            }
        }
    }

    /// Reads the first child element of the element just started as a fragment, skipping the
    /// others; up to and including the end tag.
    fn first_child_fragment(&mut self, empty: bool) -> Result<Option<XmlFragment>, EncodingError> {
        let mut fragment = None;
        if empty {
            return Ok(None);
        }
        loop {
            match self.next()? {
                Event::Start(_) if fragment.is_some() => self.skip_element()?,
                Event::Empty(_) if fragment.is_some() => {}
                Event::Start(_) => {
                    let scope = self.scope();
                    let text = self.cut_element(false)?.to_owned();
                    fragment = Some(XmlFragment { text, scope });
                }
                Event::Empty(_) => {
                    let scope = self.scope();
                    let text = self.cut_element(true)?.to_owned();
                    fragment = Some(XmlFragment { text, scope });
                }
                Event::End(_) => return Ok(fragment),
                Event::Eof => return Err(malformed("the message ends inside a fault detail")),
                // Text in a detail cannot be represented; it is dropped.
                _ => {}
            }
        }
    }

    /// Reads a QName-valued element's text and resolves it in the element's scope.
    fn qname_content(
        &mut self,
        empty: bool,
        what: &str,
    ) -> Result<(String, String), EncodingError> {
        let text = self.text_content(empty, what)?;
        // The element's scope stays in the resolver until the next event is read.
        let qname = text.trim_matches([' ', '\t', '\r', '\n']);
        let (ns, local) = self.reader.resolver().resolve_element(QName(qname));
        let local = local.into_inner();
        if local.is_empty() || local.contains(':') {
            return Err(malformed(format!(
                "{what} {qname:?} is not a qualified name"
            )));
        }
        match ns {
            ResolveResult::Unknown(prefix) => Err(malformed(format!(
                "{what} {qname:?} uses the undeclared prefix {prefix:?}"
            ))),
            ns => Ok((namespace_of(&ns).to_owned(), local.to_owned())),
        }
    }

    /// Reads a child element start (skipping whitespace and comments); `None` at the parent's end.
    fn child(&mut self, context: &str) -> Result<Option<(BytesStart<'i>, bool)>, EncodingError> {
        loop {
            match self.next()? {
                Event::Start(start) => return Ok(Some((start, false))),
                Event::Empty(start) => return Ok(Some((start, true))),
                Event::End(_) => return Ok(None),
                event => self.non_element(&event, context)?,
            }
        }
    }

    /// Reads a SOAP 1.2 Fault's content (after its start tag).
    fn fault12(&mut self) -> Result<Fault, EncodingError> {
        let mut code = None;
        let mut reason = None;
        let mut detail = None;
        while let Some((start, empty)) = self.child("the Fault")? {
            let (ns, local) = self.reader.resolver().resolve_element(start.name());
            let local = local.into_inner();
            let in_env = namespace_of(&ns) == SOAP12_NS;
            match local {
                "Code" if in_env && code.is_none() => code = Some(self.code12(empty)?),
                "Reason" if in_env && reason.is_none() => {
                    reason = Some(self.reason12(empty)?);
                }
                "Node" | "Role" if in_env => {
                    self.text_content(empty, "the fault Node/Role")?;
                }
                "Detail" if in_env && detail.is_none() => {
                    detail = Some(self.first_child_fragment(empty)?);
                }
                _ => {
                    return Err(malformed(format!(
                        "unexpected element <{}> in the Fault",
                        start.name().0
                    )));
                }
            }
        }
        let code = code.ok_or_else(|| malformed("the Fault has no Code"))?;
        let reason = reason.ok_or_else(|| malformed("the Fault has no Reason"))?;
        Ok(Fault {
            code,
            reason,
            detail: detail.flatten(),
        })
    }

    /// Reads a SOAP 1.2 fault Reason (after its start tag): the first English text, else the
    /// first text.
    fn reason12(&mut self, empty: bool) -> Result<String, EncodingError> {
        let mut reason: Option<String> = None;
        let mut english_found = false;
        if empty {
            return Ok(String::new());
        }
        while let Some((text, empty)) = self.child("the fault Reason")? {
            let (ns, local) = self.reader.resolver().resolve_element(text.name());
            if !is(&ns, local.into_inner(), SOAP12_NS, "Text") {
                return Err(malformed("unexpected element in the fault Reason"));
            }
            let english = text
                .attributes()
                .with_checks(false)
                .flatten()
                .any(|a| a.key.0 == "xml:lang" && a.value.starts_with("en"));
            let value = self.text_content(empty, "the fault Reason")?;
            if reason.is_none() || (english && !english_found) {
                reason = Some(value);
                english_found = english;
            }
        }
        Ok(reason.unwrap_or_default())
    }

    /// Reads a SOAP 1.2 fault Code (after its start tag).
    fn code12(&mut self, empty: bool) -> Result<FaultCode, EncodingError> {
        if empty {
            return Err(malformed("the fault Code has no Value"));
        }
        let mut kind = None;
        let mut subcodes = Vec::new();
        let mut subcode_elements = 0usize;
        // Depth of Code/Subcode elements still open.
        let mut open = 1usize;
        while open > 0 {
            let Some((start, empty)) = self.child("the fault Code")? else {
                open -= 1;
                continue;
            };
            let (ns, local) = self.reader.resolver().resolve_element(start.name());
            let local = local.into_inner();
            let in_env = namespace_of(&ns) == SOAP12_NS;
            match local {
                "Value" if in_env => {
                    let (ns, name) = self.qname_content(empty, "the fault code Value")?;
                    if kind.is_none() && subcode_elements == 0 {
                        kind = Some(FaultKind::from_soap12_code(&ns, &name).map_err(malformed)?);
                    } else if subcodes.len() + 1 == subcode_elements {
                        subcodes.push((ns, name));
                    } else {
                        return Err(malformed("more than one Value in a fault Code or Subcode"));
                    }
                }
                "Subcode" if in_env && kind.is_some() && !empty => {
                    subcode_elements += 1;
                    if subcode_elements != subcodes.len() + 1 {
                        return Err(malformed("a fault Subcode has no Value"));
                    }
                    open += 1;
                }
                _ => {
                    return Err(malformed(format!(
                        "unexpected element <{}> in the fault Code",
                        start.name().0
                    )));
                }
            }
        }
        let kind = kind.ok_or_else(|| malformed("the fault Code has no Value"))?;
        if subcodes.len() != subcode_elements {
            return Err(malformed("a fault Subcode has no Value"));
        }
        Ok(FaultCode { kind, subcodes })
    }

    /// Reads a SOAP 1.1 Fault's content (after its start tag).
    fn fault11(&mut self) -> Result<Fault, EncodingError> {
        let mut code = None;
        let mut reason = None;
        let mut detail = None;
        while let Some((start, empty)) = self.child("the Fault")? {
            let (ns, local) = self.reader.resolver().resolve_element(start.name());
            let ns = namespace_of(&ns);
            // The children are unqualified; tolerate them in the envelope namespace too.
            let ours = ns.is_empty() || ns == SOAP11_NS;
            match local.into_inner() {
                "faultcode" if ours && code.is_none() => {
                    let (ns, name) = self.qname_content(empty, "faultcode")?;
                    code = Some(fault_code11(ns, name)?);
                }
                "faultstring" if ours && reason.is_none() => {
                    reason = Some(self.text_content(empty, "faultstring")?);
                }
                "faultactor" if ours => {
                    self.text_content(empty, "faultactor")?;
                }
                "detail" if ours && detail.is_none() => {
                    detail = Some(self.first_child_fragment(empty)?);
                }
                _ if !empty => self.skip_element()?,
                _ => {}
            }
        }
        Ok(Fault {
            code: code.ok_or_else(|| malformed("the Fault has no faultcode"))?,
            reason: reason.unwrap_or_default(),
            detail: detail.flatten(),
        })
    }
}

/// Maps a SOAP 1.1 `faultcode` to the model. A code outside the envelope namespace (WCF writes
/// its subcode there, e.g. `a:ActionNotSupported`) carries no class on the wire: it is read as a
/// [`FaultKind::Receiver`] fault with that code as its only subcode.
fn fault_code11(ns: String, name: String) -> Result<FaultCode, EncodingError> {
    if ns != SOAP11_NS {
        return Ok(FaultCode {
            kind: FaultKind::Receiver,
            subcodes: vec![(ns, name)],
        });
    }
    // Dotted refinements (`Client.Authentication`) keep their class.
    let class = name.split('.').next().unwrap_or("");
    let kind = match class {
        "Client" => FaultKind::Sender,
        "Server" => FaultKind::Receiver,
        "MustUnderstand" => FaultKind::MustUnderstand,
        "VersionMismatch" => FaultKind::VersionMismatch,
        _ => return Err(malformed(format!("unknown SOAP 1.1 fault code s:{name}"))),
    };
    Ok(FaultCode {
        kind,
        subcodes: Vec::new(),
    })
}

fn append(value: &mut String, text: Cow<'_, str>) {
    if value.is_empty() {
        *value = text.into_owned();
    } else {
        value.push_str(&text);
    }
}
