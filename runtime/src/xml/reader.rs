//! The XML text reader: an [`XmlSource`] over quick-xml's namespace-aware reader.
//!
//! Every event is checked for what quick-xml leaves to its user: nesting depth, undeclared
//! prefixes, attribute syntax, undefined entities, DTDs (refused) and misplaced XML
//! declarations. Adjacent text, CDATA and references are joined into one text event.

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::name::{PrefixDeclaration, QName, ResolveResult};

use super::stream::{Attribute, Event, Name, Text, XmlSource};
use super::{MAX_DEPTH, XmlError, XmlFragment};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn malformed(message: impl Into<String>) -> XmlError {
    XmlError::Malformed(message.into())
}

/// Reads events from a UTF-8 XML document or fragment.
pub struct TextSource<'i> {
    input: &'i str,
    reader: NsReader<&'i [u8]>,
    /// Element nesting after the last event returned.
    depth: usize,
    /// Input position where the last event read started.
    event_start: usize,
    /// Where the start tag of the element last started begins.
    current_at: usize,
    /// The start tag of the element last started.
    current: Option<BytesStart<'i>>,
    /// Its prefix and local name.
    name: (&'i str, &'i str),
    /// Its namespace (a copy: the resolver's is borrowed from the reader).
    namespace: String,
    /// That element was empty (`<a/>`): its end is the next event.
    empty_end: bool,
    /// An event read ahead while joining text, and where it started.
    peeked: Option<(XmlEvent<'i>, usize)>,
    /// The text of the last text event.
    text: Cow<'i, str>,
    /// Whether any event has been read (an XML declaration must come first).
    started: bool,
}

impl<'i> TextSource<'i> {
    /// A source over `bytes` (a UTF-8 byte-order mark is skipped); fails if they are not UTF-8.
    pub fn from_bytes(bytes: &'i [u8]) -> Result<Self, XmlError> {
        let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        let input = std::str::from_utf8(bytes)
            .map_err(|e| malformed(format!("the message is not valid UTF-8: {e}")))?;
        Ok(Self::new(input))
    }

    /// A source over `input`.
    pub fn new(input: &'i str) -> Self {
        let mut reader = NsReader::from_str(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        TextSource {
            input,
            reader,
            depth: 0,
            event_start: 0,
            current_at: 0,
            current: None,
            name: ("", ""),
            namespace: String::new(),
            empty_end: false,
            peeked: None,
            text: Cow::Borrowed(""),
            started: false,
        }
    }

    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    /// Reads the next quick-xml event, refusing what SOAP refuses; skips processing
    /// instructions and the XML declaration.
    fn read_raw(&mut self) -> Result<(XmlEvent<'i>, usize), XmlError> {
        if let Some(peeked) = self.peeked.take() {
            return Ok(peeked);
        }
        loop {
            let at = self.position();
            let first = !std::mem::replace(&mut self.started, true);
            let event = self.reader.read_event().map_err(|e| {
                malformed(format!("{e} (at byte {})", self.reader.error_position()))
            })?;
            match &event {
                XmlEvent::DocType(_) => return Err(XmlError::Doctype),
                XmlEvent::Decl(decl) if first => check_declaration(decl)?,
                XmlEvent::Decl(_) => {
                    return Err(malformed("an XML declaration is only allowed at the start"));
                }
                XmlEvent::PI(_) => {}
                XmlEvent::GeneralRef(reference) if !reference.is_char_ref() => {
                    let name: &str = reference;
                    if quick_xml::escape::resolve_predefined_entity(name).is_none() {
                        return Err(XmlError::UnknownEntity(name.to_owned()));
                    }
                    return Ok((event, at));
                }
                XmlEvent::GeneralRef(reference) => {
                    if !matches!(reference.resolve_char_ref(), Ok(Some(_))) {
                        let name: &str = reference;
                        return Err(malformed(format!(
                            "invalid character reference &{name}; (at byte {at})"
                        )));
                    }
                    return Ok((event, at));
                }
                _ => return Ok((event, at)),
            }
        }
    }

    /// Checks a start tag: depth, declared prefixes, well-formed attributes.
    fn check_start(&self, start: &BytesStart<'i>, at: usize) -> Result<(), XmlError> {
        if self.depth >= MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        let resolver = self.reader.resolver();
        if let (ResolveResult::Unknown(prefix), _) = resolver.resolve_element(start.name()) {
            return Err(malformed(format!(
                "element <{}> uses the undeclared prefix {prefix:?} (at byte {at})",
                start.name().0
            )));
        }
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute.map_err(|e| {
                malformed(format!(
                    "bad attribute in <{}>: {e} (at byte {at})",
                    start.name().0
                ))
            })?;
            let key = attribute.key;
            if key.prefix().is_some()
                && key.as_namespace_binding().is_none()
                && let (ResolveResult::Unknown(prefix), _) = resolver.resolve_attribute(key)
            {
                return Err(malformed(format!(
                    "attribute {} uses the undeclared prefix {prefix:?} (at byte {at})",
                    key.0
                )));
            }
            let raw: &str = &attribute.value;
            if raw.contains('<') {
                return Err(malformed(format!(
                    "attribute {} contains '<' (at byte {at})",
                    key.0
                )));
            }
            if raw.contains('&') {
                attribute
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| {
                        malformed(format!(
                            "bad attribute value of {}: {e} (at byte {at})",
                            key.0
                        ))
                    })?;
            }
        }
        Ok(())
    }

    /// Joins `first` with the text pieces that follow it; leaves the next other event peeked.
    fn join_text(&mut self, first: Cow<'i, str>) -> Result<(), XmlError> {
        self.text = first;
        loop {
            let (event, at) = self.read_raw()?;
            let piece = match &event {
                XmlEvent::Text(t) => t.xml10_content(),
                XmlEvent::CData(c) => c.xml10_content(),
                XmlEvent::GeneralRef(r) => Cow::Owned(resolve_reference(r)?),
                _ => {
                    self.peeked = Some((event, at));
                    return Ok(());
                }
            };
            self.text.to_mut().push_str(&piece);
        }
    }

    /// Makes `start` the element last started.
    fn started(
        &mut self,
        start: BytesStart<'i>,
        at: usize,
        empty: bool,
    ) -> Result<Event<'_>, XmlError> {
        self.check_start(&start, at)?;
        let (prefix, local) = split(start.name());
        self.name = (
            reborrow(self.input, prefix).unwrap_or_default(),
            reborrow(self.input, local).unwrap_or_default(),
        );
        self.namespace.clear();
        if let ResolveResult::Bound(ns) = self.reader.resolver().resolve_element(start.name()).0 {
            self.namespace.push_str(ns.0);
        }
        self.empty_end = empty;
        self.depth += 1;
        self.current_at = at;
        self.current = Some(start);
        Ok(Event::Start(self.current()))
    }

    /// The namespace bindings in scope around the element last started (not its own), as
    /// owned pairs: an [`XmlFragment`]'s scope.
    fn scope(&self) -> Vec<(String, String)> {
        self.inherited()
            .map(|(p, u)| (p.to_owned(), u.to_owned()))
            .collect()
    }
}

fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> Result<String, XmlError> {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        return Ok(c.to_string());
    }
    let name: &str = reference;
    quick_xml::escape::resolve_predefined_entity(name)
        .map(str::to_owned)
        .ok_or_else(|| XmlError::UnknownEntity(name.to_owned()))
}

fn check_declaration(decl: &quick_xml::events::BytesDecl<'_>) -> Result<(), XmlError> {
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(encoding))
            if encoding.eq_ignore_ascii_case("utf-8")
                || encoding.eq_ignore_ascii_case("us-ascii") =>
        {
            Ok(())
        }
        Some(Ok(encoding)) => Err(malformed(format!(
            "the XML declaration names the encoding {encoding:?}; the text encoding reads UTF-8 only"
        ))),
        Some(Err(e)) => Err(malformed(format!("bad XML declaration: {e}"))),
    }
}

fn prefix_str<'a>(declaration: &PrefixDeclaration<'a>) -> &'a str {
    match declaration {
        PrefixDeclaration::Default => "",
        PrefixDeclaration::Named(p) => p,
    }
}

fn split(name: QName<'_>) -> (&str, &str) {
    let name = name.0;
    match name.bytes().position(|b| b == b':') {
        Some(colon) => (&name[..colon], &name[colon + 1..]),
        None => ("", name),
    }
}

/// `part` as a slice of `input` if it points into it, so that it can outlive the event it came
/// from.
pub(crate) fn reborrow<'i>(input: &'i str, part: &str) -> Option<&'i str> {
    let offset = (part.as_ptr() as usize).checked_sub(input.as_ptr() as usize)?;
    input.get(offset..offset.checked_add(part.len())?)
}

impl XmlSource for TextSource<'_> {
    fn next(&mut self) -> Result<Event<'_>, XmlError> {
        if std::mem::take(&mut self.empty_end) {
            self.depth -= 1;
            return Ok(Event::End);
        }
        loop {
            let (event, at) = self.read_raw()?;
            self.event_start = at;
            match event {
                XmlEvent::Start(start) => return self.started(start, at, false),
                XmlEvent::Empty(start) => return self.started(start, at, true),
                XmlEvent::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Event::End);
                }
                XmlEvent::Text(t) => {
                    let first = t.xml10_content();
                    self.join_text(first)?;
                    return Ok(Event::Text(Text::Str(&self.text)));
                }
                XmlEvent::CData(c) => {
                    let first = c.xml10_content();
                    self.join_text(first)?;
                    return Ok(Event::Text(Text::Str(&self.text)));
                }
                XmlEvent::GeneralRef(r) => {
                    let first = Cow::Owned(resolve_reference(&r)?);
                    self.join_text(first)?;
                    return Ok(Event::Text(Text::Str(&self.text)));
                }
                XmlEvent::Comment(c) => {
                    self.text = c.xml10_content();
                    return Ok(Event::Comment(&self.text));
                }
                XmlEvent::Eof if self.depth > 0 => {
                    return Err(malformed("the message ends inside an element (truncated?)"));
                }
                XmlEvent::Eof => return Ok(Event::Eof),
                _ => {}
            }
        }
    }

    fn declarations(&self) -> impl Iterator<Item = (&str, &str)> {
        let resolver = self.reader.resolver();
        // quick-xml lists only bindings to a namespace; `xmlns=""` (which undeclares the default
        // namespace) is taken from the start tag.
        let undeclares_default = self.current.as_ref().is_some_and(|start| {
            start
                .attributes()
                .with_checks(false)
                .flatten()
                .any(|attribute| {
                    matches!(
                        attribute.key.as_namespace_binding(),
                        Some(PrefixDeclaration::Default)
                    ) && attribute.value.is_empty()
                })
        });
        resolver
            .bindings_of(resolver.level())
            .map(|(prefix, ns)| (prefix_str(&prefix), ns.0))
            .chain(undeclares_default.then_some(("", "")))
    }

    fn attributes(&self) -> impl Iterator<Item = Result<Attribute<'_>, XmlError>> {
        let resolver = self.reader.resolver();
        self.current
            .iter()
            .flat_map(|start| {
                let mut attributes = start.attributes();
                attributes.with_checks(false);
                attributes
            })
            .filter_map(move |attribute| {
                let attribute = match attribute {
                    Ok(attribute) => attribute,
                    Err(e) => return Some(Err(malformed(format!("bad attribute: {e}")))),
                };
                if attribute.key.as_namespace_binding().is_some() {
                    return None;
                }
                let (prefix, local) = split(attribute.key);
                let namespace = match resolver.resolve_attribute(attribute.key).0 {
                    ResolveResult::Bound(ns) => ns.0,
                    ResolveResult::Unbound => "",
                    ResolveResult::Unknown(prefix) => {
                        return Some(Err(XmlError::UnknownPrefix(prefix)));
                    }
                };
                let value = match attribute.normalized_value(XmlVersion::Implicit1_0) {
                    Ok(value) => value,
                    Err(e) => return Some(Err(malformed(format!("bad attribute value: {e}")))),
                };
                Some(Ok(Attribute {
                    name: Name {
                        prefix,
                        local,
                        namespace,
                    },
                    value,
                }))
            })
    }

    fn inherited(&self) -> impl Iterator<Item = (&str, &str)> {
        let resolver = self.reader.resolver();
        let level = resolver.level();
        resolver
            .bindings()
            .filter(move |(prefix, _)| {
                !resolver
                    .bindings_of(level)
                    .any(|(own, _)| prefix_str(&own) == prefix_str(prefix))
            })
            .map(|(prefix, ns)| (prefix_str(&prefix), ns.0))
    }

    fn resolve(&self, prefix: &str) -> Option<&str> {
        let found = self
            .reader
            .resolver()
            .bindings()
            .find(|(p, _)| prefix_str(p) == prefix)
            .map(|(_, ns)| ns.0);
        match found {
            Some(ns) => Some(ns),
            None if prefix.is_empty() => Some(""),
            None if prefix == "xml" => Some(super::XML_NS),
            None => None,
        }
    }

    fn current(&self) -> Name<'_> {
        Name {
            prefix: self.name.0,
            local: self.name.1,
            namespace: &self.namespace,
        }
    }

    /// Slices the element last started, through its end, from the input.
    fn cut_fragment(&mut self) -> Result<Option<XmlFragment>, XmlError> {
        let scope = self.scope();
        let from = self.current_at;
        self.skip()?;
        let to = self.position();
        let text = self
            .input
            .get(from..to)
            .ok_or_else(|| malformed("element boundaries out of range"))?;
        Ok(Some(XmlFragment {
            text: text.to_owned(),
            scope,
        }))
    }

    /// Skips without joining text or copying it.
    fn skip(&mut self) -> Result<(), XmlError> {
        if std::mem::take(&mut self.empty_end) {
            self.depth -= 1;
            return Ok(());
        }
        let target = self.depth.saturating_sub(1);
        loop {
            let (event, at) = self.read_raw()?;
            match event {
                XmlEvent::Start(start) => {
                    self.check_start(&start, at)?;
                    self.depth += 1;
                }
                XmlEvent::Empty(start) => self.check_start(&start, at)?,
                XmlEvent::End(_) => {
                    self.depth -= 1;
                    if self.depth == target {
                        return Ok(());
                    }
                }
                XmlEvent::Eof => {
                    return Err(malformed("the message ends inside an element (truncated?)"));
                }
                _ => {}
            }
        }
    }
}

impl super::Infoset {
    /// The one element of `text` (XML text that declares every prefix it uses; comments and
    /// whitespace around the element are allowed) as events.
    ///
    /// ```
    /// let detail = indigo_runtime::xml::Infoset::parse(r#"<Fault xmlns="urn:f"><Code>7</Code></Fault>"#)?;
    /// assert_eq!(detail.root_element()?, ("urn:f", "Fault"));
    /// # Ok::<(), indigo_runtime::xml::XmlError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, XmlError> {
        let mut source = TextSource::new(text);
        loop {
            match source.next()? {
                Event::Start(_) => break,
                Event::Comment(_) => {}
                Event::Text(t) if t.is_whitespace() => {}
                Event::Text(Text::Str(t)) => {
                    return Err(XmlError::UnexpectedText(super::stream::excerpt(t)));
                }
                Event::Text(_) | Event::End | Event::Eof => return Err(XmlError::NoRoot),
            }
        }
        let mut out = Self::with_capacity(text.len(), 16);
        source.capture(&mut out, |_| false)?;
        loop {
            match source.next()? {
                Event::Eof => return Ok(out),
                Event::Comment(_) => {}
                Event::Text(t) if t.is_whitespace() => {}
                _ => return Err(XmlError::TrailingContent),
            }
        }
    }
}
