//! The XML text reader: an [`XmlSource`] over quick-xml's reader, with namespaces resolved by a
//! stack of its own (bindings borrowed from the input).
//!
//! Every event is checked for what quick-xml leaves to its user: nesting depth, undeclared
//! prefixes, attribute syntax, undefined entities, DTDs (refused) and misplaced XML
//! declarations. Adjacent text, CDATA and references are joined into one text event.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attribute as XmlAttribute;
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::name::{PrefixDeclaration, QName};
use smallvec::SmallVec;

use super::lexical::{excerpt, same_prefix};
use super::stream::{Attribute, Event, Name, Text, XmlSource};
use super::{MAX_ATTRIBUTES, MAX_BINDINGS, MAX_DEPTH, XML_NS, XmlError, XmlFragment};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn malformed(message: impl Into<String>) -> XmlError {
    XmlError::Malformed(message.into())
}

/// A namespace binding: prefix (`""`: the default namespace) and URI (`""`: none).
type Binding<'i> = (&'i str, Cow<'i, str>);

/// Reads events from a UTF-8 XML document or fragment.
pub struct TextSource<'i> {
    input: &'i str,
    reader: quick_xml::Reader<&'i [u8]>,
    /// The bindings in scope, innermost last (a prefix may appear more than once).
    bindings: SmallVec<[Binding<'i>; 8]>,
    /// For each open element, the length of `bindings` before its declarations.
    open: SmallVec<[usize; 16]>,
    /// The bindings to drop before the next event (after an end).
    pending_pop: Option<usize>,
    /// Where the start tag of the element last started begins.
    current_at: usize,
    /// The start tag of the element last started.
    current: Option<BytesStart<'i>>,
    /// Its prefix and local name.
    name: (&'i str, &'i str),
    /// The index in `bindings` of the binding its prefix resolved to (`None`: no namespace).
    namespace: Option<usize>,
    /// Its declarations: indices in `bindings`.
    declared: (usize, usize),
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
        let mut reader = quick_xml::Reader::from_str(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        TextSource {
            input,
            reader,
            bindings: SmallVec::new(),
            open: SmallVec::new(),
            pending_pop: None,
            current_at: 0,
            current: None,
            name: ("", ""),
            namespace: None,
            declared: (0, 0),
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

    /// `part` of a start tag as a slice of the input (quick-xml borrows tags from it).
    fn in_input(&self, part: &str) -> Result<&'i str, XmlError> {
        if part.is_empty() {
            return Ok("");
        }
        reborrow(self.input, part)
            .ok_or_else(|| malformed(format!("the name {part:?} is not a slice of the input")))
    }

    /// Drops the bindings of an element that ended before the last event.
    fn pop_bindings(&mut self) {
        if let Some(len) = self.pending_pop.take() {
            self.bindings.truncate(len);
        }
    }

    /// The index of the binding `prefix` resolves to; `Ok(None)` for no namespace.
    fn lookup(&self, prefix: &str) -> Result<Option<usize>, ()> {
        match self
            .bindings
            .iter()
            .rposition(|(p, _)| same_prefix(p, prefix))
        {
            Some(i) if prefix.is_empty() && self.bindings[i].1.is_empty() => Ok(None),
            Some(i) => Ok(Some(i)),
            None if prefix.is_empty() || prefix == "xml" => Ok(None),
            None => Err(()),
        }
    }

    /// Reads a start tag's declarations onto the binding stack and checks it: depth, declared
    /// prefixes, well-formed attributes, each attribute once (after namespace resolution too),
    /// [`MAX_ATTRIBUTES`]. Returns the index of the element's namespace binding.
    fn enter(&mut self, start: &BytesStart<'i>, at: usize) -> Result<Option<usize>, XmlError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        let before = self.bindings.len();
        self.open.push(before);
        let tag = || start.name().0.to_owned();
        let mut keys: SmallVec<[&str; 8]> = SmallVec::new();
        let mut prefixed_attributes = false;
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute.map_err(|e| {
                malformed(format!("bad attribute in <{}>: {e} (at byte {at})", tag()))
            })?;
            let key = attribute.key.0;
            if keys.len() >= MAX_ATTRIBUTES {
                return Err(XmlError::TooMany {
                    what: "attributes on one element",
                    limit: MAX_ATTRIBUTES,
                });
            }
            if keys.contains(&key) {
                return Err(XmlError::DuplicateAttribute(key.to_owned()));
            }
            keys.push(key);
            let raw: &str = &attribute.value;
            if raw.contains('<') {
                return Err(malformed(format!(
                    "attribute {key} contains '<' (at byte {at})"
                )));
            }
            match attribute.key.as_namespace_binding() {
                Some(declaration) => self.declare(declaration, &attribute, at)?,
                None => {
                    prefixed_attributes |= attribute.key.prefix().is_some();
                    if raw.contains('&') {
                        value_of(&attribute, at)?;
                    }
                }
            }
        }
        self.declared = (before, self.bindings.len());
        let (prefix, _) = split(start.name());
        let namespace = self.lookup(prefix).map_err(|()| {
            malformed(format!(
                "element <{}> uses the undeclared prefix {prefix:?} (at byte {at})",
                tag()
            ))
        })?;
        if prefixed_attributes {
            self.check_prefixed(&keys, at)?;
        }
        Ok(namespace)
    }

    /// Checks the prefixed attribute names of a start tag (`keys`, declarations included): each
    /// prefix declared, and no two naming the same attribute through different prefixes.
    fn check_prefixed(&self, keys: &[&str], at: usize) -> Result<(), XmlError> {
        let mut resolved: SmallVec<[(&str, &str); 4]> = SmallVec::new();
        for key in keys {
            let (prefix, local) = split(QName(key));
            if prefix.is_empty() || prefix == "xmlns" {
                continue;
            }
            let namespace = match self.lookup(prefix) {
                Ok(Some(i)) => self.bindings.get(i).map_or("", |(_, uri)| uri.as_ref()),
                Ok(None) if prefix == "xml" => XML_NS,
                Ok(None) => "",
                Err(()) => {
                    return Err(malformed(format!(
                        "attribute {key} uses the undeclared prefix {prefix:?} (at byte {at})"
                    )));
                }
            };
            if resolved.contains(&(namespace, local)) {
                return Err(XmlError::DuplicateAttribute(format!(
                    "{{{namespace}}}{local}"
                )));
            }
            resolved.push((namespace, local));
        }
        Ok(())
    }

    /// Pushes the binding an `xmlns` or `xmlns:p` attribute declares.
    fn declare(
        &mut self,
        declaration: PrefixDeclaration<'_>,
        attribute: &XmlAttribute<'_>,
        at: usize,
    ) -> Result<(), XmlError> {
        let prefix = match declaration {
            PrefixDeclaration::Default => "",
            PrefixDeclaration::Named(p) => self.in_input(p)?,
        };
        if matches!(prefix, "xml" | "xmlns") {
            return Err(malformed(format!(
                "the prefix {prefix} cannot be declared (at byte {at})"
            )));
        }
        let uri = match value_of(attribute, at)? {
            Cow::Borrowed(uri) => {
                reborrow(self.input, uri).map_or_else(|| Cow::Owned(uri.to_owned()), Cow::Borrowed)
            }
            Cow::Owned(uri) => Cow::Owned(uri),
        };
        if !prefix.is_empty() && uri.is_empty() {
            return Err(malformed(format!(
                "the prefix {prefix} is bound to the empty namespace (at byte {at})"
            )));
        }
        if self.bindings.len() >= MAX_BINDINGS {
            return Err(XmlError::TooMany {
                what: "namespace declarations in scope",
                limit: MAX_BINDINGS,
            });
        }
        self.bindings.push((prefix, uri));
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
        self.namespace = self.enter(&start, at)?;
        let (prefix, local) = split(start.name());
        self.name = (self.in_input(prefix)?, self.in_input(local)?);
        self.empty_end = empty;
        self.current_at = at;
        self.current = Some(start);
        Ok(Event::Start(self.current()))
    }

    /// Ends the innermost element (its bindings stay until the next event).
    fn leave(&mut self) {
        self.pending_pop = self.open.pop();
    }

    /// The namespace bindings in scope around the element last started (not its own), as
    /// owned pairs: an [`XmlFragment`]'s scope.
    fn scope(&self) -> Vec<(String, String)> {
        let inherited = self.bindings.get(..self.declared.0).unwrap_or_default();
        let own = self
            .bindings
            .get(self.declared.0..self.declared.1)
            .unwrap_or_default();
        inherited
            .iter()
            .enumerate()
            .filter(|(i, (prefix, uri))| {
                !uri.is_empty()
                    && !inherited[i + 1..].iter().any(|(p, _)| p == prefix)
                    && !own.iter().any(|(p, _)| p == prefix)
            })
            .map(|(_, (prefix, uri))| ((*prefix).to_owned(), uri.to_string()))
            .collect()
    }
}

/// An attribute's value, unescaped and normalised.
fn value_of<'a>(attribute: &'a XmlAttribute<'a>, at: usize) -> Result<Cow<'a, str>, XmlError> {
    let raw: &'a str = &attribute.value;
    // Only references and whitespace other than spaces change in normalisation.
    if !raw
        .bytes()
        .any(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r'))
    {
        return Ok(Cow::Borrowed(raw));
    }
    attribute
        .normalized_value(XmlVersion::Implicit1_0)
        .map_err(|e| {
            malformed(format!(
                "bad attribute value of {}: {e} (at byte {at})",
                attribute.key.0
            ))
        })
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
        self.pop_bindings();
        if std::mem::take(&mut self.empty_end) {
            self.leave();
            return Ok(Event::End);
        }
        loop {
            let (event, at) = self.read_raw()?;
            match event {
                XmlEvent::Start(start) => return self.started(start, at, false),
                XmlEvent::Empty(start) => return self.started(start, at, true),
                XmlEvent::End(_) => {
                    self.leave();
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
                XmlEvent::Eof if !self.open.is_empty() => {
                    return Err(malformed("the message ends inside an element (truncated?)"));
                }
                XmlEvent::Eof => return Ok(Event::Eof),
                _ => {}
            }
        }
    }

    fn declarations(&self) -> impl Iterator<Item = (&str, &str)> {
        let (from, to) = self.declared;
        self.bindings
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .map(|(prefix, uri)| (*prefix, uri.as_ref()))
    }

    fn attributes(&self) -> impl Iterator<Item = Result<Attribute<'_>, XmlError>> {
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
                let (prefix, local) = match (self.in_input(prefix), self.in_input(local)) {
                    (Ok(prefix), Ok(local)) => (prefix, local),
                    (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
                };
                // An unprefixed attribute is in no namespace.
                let namespace = if prefix.is_empty() {
                    ""
                } else {
                    match self.resolve(prefix) {
                        Some(namespace) => namespace,
                        None => return Some(Err(XmlError::UnknownPrefix(prefix.to_owned()))),
                    }
                };
                let value = match value_of(&attribute, self.current_at) {
                    Ok(Cow::Borrowed(value)) => reborrow(self.input, value)
                        .map_or_else(|| Cow::Owned(value.to_owned()), Cow::Borrowed),
                    Ok(Cow::Owned(value)) => Cow::Owned(value),
                    Err(e) => return Some(Err(e)),
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
        self.bindings
            .get(..self.declared.0)
            .unwrap_or_default()
            .iter()
            .map(|(prefix, uri)| (*prefix, uri.as_ref()))
    }

    fn resolve(&self, prefix: &str) -> Option<&str> {
        match self.lookup(prefix) {
            Ok(Some(i)) => self.bindings.get(i).map(|(_, uri)| uri.as_ref()),
            Ok(None) if prefix == "xml" => Some(XML_NS),
            Ok(None) => Some(""),
            Err(()) => None,
        }
    }

    fn current(&self) -> Name<'_> {
        let namespace = self
            .namespace
            .and_then(|i| self.bindings.get(i))
            .map_or("", |(_, uri)| uri.as_ref());
        let namespace = if self.name.0 == "xml" {
            XML_NS
        } else {
            namespace
        };
        Name {
            prefix: self.name.0,
            local: self.name.1,
            namespace,
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

    /// Skips without joining text or copying it; elements inside are checked, not resolved.
    fn skip(&mut self) -> Result<(), XmlError> {
        if std::mem::take(&mut self.empty_end) {
            self.leave();
            return Ok(());
        }
        let target = self.open.len().saturating_sub(1);
        loop {
            let (event, at) = self.read_raw()?;
            match event {
                XmlEvent::Start(start) => {
                    self.pop_bindings();
                    self.enter(&start, at)?;
                }
                XmlEvent::Empty(start) => {
                    self.pop_bindings();
                    self.enter(&start, at)?;
                    self.leave();
                }
                XmlEvent::End(_) => {
                    self.pop_bindings();
                    self.leave();
                    if self.open.len() == target {
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
                    return Err(XmlError::UnexpectedText(excerpt(t)));
                }
                Event::Text(_) | Event::End | Event::Eof => return Err(XmlError::NoRoot),
            }
        }
        let mut out = Self::with_capacity(text.len(), 16);
        out.capture(&mut source, |_| false)?;
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
