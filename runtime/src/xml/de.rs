//! The deserializer: reads values from quick-xml events, borrowing text and names from the input.
//!
//! [`Events`] turns quick-xml's events into start tags (local name + `xsi:nil`), end tags and
//! coalesced text (text, CDATA and entity references joined; comments and processing
//! instructions dropped). [`ElementDe`] deserializes one element whose start tag has been read,
//! and always consumes it through its end tag.

use std::borrow::Cow;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::PrefixDeclaration;
use serde::de::{self, DeserializeSeed, Visitor};
use smallvec::SmallVec;

use super::XmlFragment;
use super::infoset::{self, Infoset, InfosetEvent};
use super::lexical::same_prefix;
use super::names::SERIALIZATION_NS;
use super::reader::reborrow;
use super::references::{self, IS_REFERENCE};
use super::{KNOWN_TYPES, MAX_DEPTH, XSI_NS, XmlError, base64};

type Result<T> = std::result::Result<T, XmlError>;

/// Deserializes the single root element of `text`, with `scope` as inherited namespace bindings.
pub(crate) fn from_str_with_scope<'de, T: de::Deserialize<'de>>(
    text: &'de str,
    scope: &[(String, String)],
) -> Result<T> {
    read_root(&mut Events::new(text, scope))
}

/// Deserializes the single root element of `ev`, with nothing but whitespace around it.
fn read_root<'i, T: de::Deserialize<'i>, E: Source<'i>>(ev: &mut E) -> Result<T> {
    references::start_reading();
    let start = loop {
        match ev.next()? {
            Ev::Start(s) => break s,
            Ev::Text(t) if is_ws(&t) => {}
            Ev::Text(t) => return Err(XmlError::UnexpectedText(excerpt(&t))),
            Ev::Bytes(_) | Ev::End | Ev::Eof => return Err(XmlError::NoRoot),
        }
    };
    let value = T::deserialize(ElementDe {
        ev: &mut *ev,
        start,
    })?;
    loop {
        match ev.next()? {
            Ev::Eof => return Ok(value),
            Ev::Text(t) if is_ws(&t) => {}
            _ => return Err(XmlError::TrailingContent),
        }
    }
}

/// See [`super::from_fragment`].
pub(crate) fn from_fragment<T: de::DeserializeOwned>(fragment: &XmlFragment) -> Result<T> {
    from_str_with_scope(&fragment.text, &fragment.scope)
}

/// See [`super::from_infoset`].
pub(crate) fn from_infoset<'i, T: de::Deserialize<'i>>(infoset: &'i Infoset) -> Result<T> {
    read_root(&mut InfosetEvents::new(infoset))
}

/// See [`super::root_element`].
pub(crate) fn root_element(fragment: &XmlFragment) -> Result<(String, String)> {
    let mut ev = Events::new(&fragment.text, &fragment.scope);
    loop {
        match ev.reader.read_event().map_err(|e| ev.syntax(e))? {
            Event::Start(e) | Event::Empty(e) => {
                ev.declare(&e)?;
                let (prefix, local) = split_name(e.name().0);
                let ns = ev
                    .lookup(prefix)
                    .ok_or_else(|| XmlError::UnknownPrefix(prefix.to_owned()))?;
                return Ok((ns.to_owned(), local.to_owned()));
            }
            Event::Text(t) if is_ws(&t) => {}
            Event::Text(t) => return Err(XmlError::UnexpectedText(excerpt(&t))),
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::End(_) | Event::CData(_) | Event::GeneralRef(_) | Event::Eof => {
                return Err(XmlError::NoRoot);
            }
        }
    }
}

/// `prefix:local` split at its colon (`""` for no prefix).
fn split_name(name: &str) -> (&str, &str) {
    match name.bytes().position(|b| b == b':') {
        Some(colon) => (&name[..colon], &name[colon + 1..]),
        None => ("", name),
    }
}

/// Whether `s` is only XML whitespace.
fn is_ws(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn trim_ws(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

/// The start of `s`, for error messages.
fn excerpt(s: &str) -> String {
    const MAX: usize = 40;
    let s = trim_ws(s);
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// A start tag.
struct Start<'i> {
    /// The local name.
    name: Cow<'i, str>,
    /// Whether it has `xsi:nil="true"`.
    nil: bool,
    /// Its `xsi:type` and object reference, boxed (rare, and a start tag is moved often).
    marks: Option<Box<Marks>>,
}

/// The rare attributes of a start tag the deserializer reads.
struct Marks {
    /// Its `xsi:type`, resolved to Clark notation (`{namespace}Local`): the data contract a
    /// value of a known type declares.
    xsi_type: Option<String>,
    /// Its `z:Id` or `z:Ref` (.NET's object references).
    reference: Option<Reference>,
}

impl Marks {
    /// The marks, boxed, when there are any.
    fn boxed(xsi_type: Option<String>, reference: Option<Reference>) -> Option<Box<Marks>> {
        (xsi_type.is_some() || reference.is_some()).then(|| {
            Box::new(Marks {
                xsi_type,
                reference,
            })
        })
    }
}

/// An element's object reference attribute (namespace [`SERIALIZATION_NS`]).
enum Reference {
    /// `z:Id`: the element is the object with this id.
    Id(String),
    /// `z:Ref`: the element stands for the object with this id, read before.
    Ref(String),
}

impl Reference {
    /// The reference an attribute `local="value"` of the Serialization namespace makes.
    fn of(local: &str, value: &str) -> Option<Reference> {
        match local {
            "Id" => Some(Reference::Id(trim_ws(value).to_owned())),
            "Ref" => Some(Reference::Ref(trim_ws(value).to_owned())),
            _ => None,
        }
    }
}

/// `prefix:Local` (an `xsi:type` value) in Clark notation, with `resolve` giving the prefix's
/// namespace; `None` when the prefix is not declared.
fn clark_qname<'a>(value: &str, resolve: impl FnOnce(&str) -> Option<&'a str>) -> Option<String> {
    let value = trim_ws(value);
    let (prefix, local) = value.split_once(':').unwrap_or(("", value));
    let namespace = resolve(prefix).unwrap_or_default();
    if prefix.is_empty() || !namespace.is_empty() {
        Some(format!("{{{namespace}}}{local}"))
    } else {
        None
    }
}

/// An event as the deserializer sees it.
enum Ev<'i> {
    Start(Start<'i>),
    End,
    /// All text between two tags, unescaped.
    Text(Cow<'i, str>),
    /// A byte payload (from an [`Infoset`]), standing for its base64 text.
    Bytes(&'i [u8]),
    Eof,
}

/// What [`Events::raw`] yields: a tag or a piece of text.
enum Raw<'i> {
    Ev(Ev<'i>),
    Piece(Cow<'i, str>),
}

/// What an element holds, as far as its first child.
enum Content<'i> {
    /// Only text (possibly empty); the end tag has been read.
    Text(Cow<'i, str>),
    /// Only a byte payload; the end tag has been read.
    Bytes(&'i [u8]),
    /// Child elements, the first of which (its start tag read) is this one.
    Children(Start<'i>),
}

/// Where the deserializer's events come from: XML text ([`Events`]) or an [`Infoset`].
trait Source<'i> {
    /// The next event, with adjacent text joined.
    fn next(&mut self) -> Result<Ev<'i>>;

    /// Inside an element: its next child's start tag, or `None` when its end tag has been read.
    fn next_child(&mut self) -> Result<Option<Start<'i>>> {
        loop {
            match self.next()? {
                Ev::Start(s) => return Ok(Some(s)),
                Ev::End => return Ok(None),
                Ev::Text(t) if is_ws(&t) => {}
                Ev::Text(t) => return Err(XmlError::UnexpectedText(excerpt(&t))),
                Ev::Bytes(_) => return Err(XmlError::UnexpectedText("(binary data)".into())),
                Ev::Eof => return Err(XmlError::UnexpectedEof),
            }
        }
    }

    /// Inside an element: its text, through its end tag.
    fn text(&mut self) -> Result<Cow<'i, str>> {
        match self.content()? {
            Content::Text(t) => Ok(t),
            Content::Bytes(b) => {
                let mut text = String::new();
                base64::encode_into(&mut text, b);
                Ok(Cow::Owned(text))
            }
            Content::Children(s) => Err(XmlError::ExpectedText(s.name.into_owned())),
        }
    }

    /// Inside an element: its bytes (a payload, or base64 text), through its end tag.
    fn binary(&mut self) -> Result<Cow<'i, [u8]>> {
        match self.content()? {
            Content::Bytes(b) => Ok(Cow::Borrowed(b)),
            Content::Text(t) => base64::decode(&t)
                .map(Cow::Owned)
                .ok_or_else(|| invalid("base64Binary", &t)),
            Content::Children(s) => Err(XmlError::ExpectedText(s.name.into_owned())),
        }
    }

    /// Inside an element: its text (through its end tag), or its first child.
    fn content(&mut self) -> Result<Content<'i>> {
        let text = match self.next()? {
            Ev::Start(s) => return Ok(Content::Children(s)),
            Ev::End => return Ok(Content::Text(Cow::Borrowed(""))),
            Ev::Eof => return Err(XmlError::UnexpectedEof),
            Ev::Text(t) => t,
            Ev::Bytes(b) => {
                return match self.next()? {
                    Ev::End => Ok(Content::Bytes(b)),
                    Ev::Start(s) => Err(XmlError::ExpectedText(s.name.into_owned())),
                    Ev::Eof => Err(XmlError::UnexpectedEof),
                    Ev::Text(_) | Ev::Bytes(_) => {
                        Err(XmlError::UnexpectedText("(binary data)".into()))
                    }
                };
            }
        };
        match self.next()? {
            Ev::End => Ok(Content::Text(text)),
            Ev::Start(s) if is_ws(&text) => Ok(Content::Children(s)),
            Ev::Start(s) => Err(XmlError::ExpectedText(s.name.into_owned())),
            Ev::Eof => Err(XmlError::UnexpectedEof),
            // Adjacent text is always joined.
            Ev::Text(_) | Ev::Bytes(_) => Err(XmlError::UnexpectedText(excerpt(&text))),
        }
    }

    /// Inside an element: skips the rest of it, through its end tag.
    fn skip(&mut self) -> Result<()> {
        let mut level = 0usize;
        loop {
            match self.next()? {
                Ev::Start(_) => level += 1,
                Ev::End if level == 0 => return Ok(()),
                Ev::End => level -= 1,
                Ev::Text(_) | Ev::Bytes(_) => {}
                Ev::Eof => return Err(XmlError::UnexpectedEof),
            }
        }
    }

    /// Inside an element: skips its remaining children, through its end tag.
    fn skip_children(&mut self) -> Result<()> {
        while self.next_child()?.is_some() {
            self.skip()?;
        }
        Ok(())
    }
}

/// The event source: quick-xml's reader over the input string, with the namespace bindings of
/// the open elements (and the fragment's scope) to resolve prefixes.
struct Events<'i, 's> {
    reader: quick_xml::Reader<&'i [u8]>,
    input: &'i str,
    /// The bindings inherited from where the fragment was cut.
    scope: &'s [(String, String)],
    /// The bindings the open elements declare, innermost last.
    bindings: SmallVec<[(&'i str, Cow<'i, str>); 4]>,
    /// For each open element, the length of `bindings` before its declarations.
    open: SmallVec<[usize; 16]>,
    /// An event read while coalescing text.
    peeked: Option<Ev<'i>>,
    /// The end tag of the last `<empty/>` element is still to be returned.
    empty_end: bool,
}

impl<'i, 's> Events<'i, 's> {
    fn new(input: &'i str, scope: &'s [(String, String)]) -> Self {
        let mut reader = quick_xml::Reader::from_str(input);
        reader.config_mut().check_end_names = true;
        Events {
            reader,
            input,
            scope,
            bindings: SmallVec::new(),
            open: SmallVec::new(),
            peeked: None,
            empty_end: false,
        }
    }

    /// A syntax error at the reader's error position.
    fn syntax(&self, source: quick_xml::Error) -> XmlError {
        XmlError::Syntax {
            offset: self.reader.error_position(),
            source,
        }
    }

    /// The namespace `prefix` is bound to (`""` for no default namespace), or `None`.
    fn lookup(&self, prefix: &str) -> Option<&str> {
        if let Some((_, uri)) = self
            .bindings
            .iter()
            .rev()
            .find(|(p, _)| same_prefix(p, prefix))
        {
            return Some(uri);
        }
        if let Some((_, uri)) = self.scope.iter().rev().find(|(p, _)| p == prefix) {
            return Some(uri);
        }
        match prefix {
            "" => Some(""),
            "xml" => Some(super::XML_NS),
            _ => None,
        }
    }

    /// Pushes the bindings a start tag declares.
    fn declare(&mut self, e: &BytesStart<'_>) -> Result<()> {
        for attr in e.attributes() {
            let attr = attr?;
            let prefix = match attr.key.as_namespace_binding() {
                Some(PrefixDeclaration::Default) => "",
                Some(PrefixDeclaration::Named(p)) => reborrow(self.input, p).unwrap_or_default(),
                None => continue,
            };
            let uri = match attr.value {
                Cow::Borrowed(uri) => reborrow(self.input, uri)
                    .map_or_else(|| Cow::Owned(uri.to_owned()), Cow::Borrowed),
                Cow::Owned(uri) => Cow::Owned(uri),
            };
            self.bindings.push((prefix, uri));
        }
        Ok(())
    }

    fn raw(&mut self) -> Result<Raw<'i>> {
        if self.empty_end {
            self.empty_end = false;
            self.end();
            return Ok(Raw::Ev(Ev::End));
        }
        loop {
            let event = self.reader.read_event().map_err(|e| self.syntax(e))?;
            return Ok(match event {
                Event::Start(e) => Raw::Ev(Ev::Start(self.start(&e)?)),
                Event::Empty(e) => {
                    let start = self.start(&e)?;
                    self.empty_end = true;
                    Raw::Ev(Ev::Start(start))
                }
                Event::End(_) => {
                    self.end();
                    Raw::Ev(Ev::End)
                }
                Event::Text(t) => Raw::Piece(t.xml10_content()),
                Event::CData(t) => Raw::Piece(t.xml10_content()),
                Event::GeneralRef(r) => Raw::Piece(
                    resolve_entity(&r).map_err(|e| e.at_offset(self.reader.buffer_position()))?,
                ),
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => continue,
                Event::DocType(_) => return Err(XmlError::Doctype),
                Event::Eof => Raw::Ev(Ev::Eof),
            });
        }
    }

    /// Drops the bindings of the element that ends.
    fn end(&mut self) {
        if let Some(len) = self.open.pop() {
            self.bindings.truncate(len);
        }
    }

    fn start(&mut self, e: &BytesStart<'_>) -> Result<Start<'i>> {
        if self.open.len() >= MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        self.open.push(self.bindings.len());
        self.declare(e)?;
        let (prefix, local) = split_name(e.name().0);
        if self.lookup(prefix).is_none() {
            return Err(XmlError::UnknownPrefix(prefix.to_owned()));
        }
        let mut nil = false;
        let mut xsi_type = None;
        let mut reference = None;
        for attr in e.attributes() {
            let attr = attr?;
            let (prefix, local) = split_name(attr.key.0);
            if prefix.is_empty() {
                continue;
            }
            let ns = self.lookup(prefix);
            if ns == Some(SERIALIZATION_NS) {
                reference = Reference::of(local, &attr.value).or(reference);
                continue;
            }
            if ns != Some(XSI_NS) {
                continue;
            }
            match local {
                "nil" => nil = matches!(trim_ws(&attr.value), "true" | "1"),
                "type" => {
                    let value = &attr.value;
                    xsi_type = Some(
                        clark_qname(value, |p| self.lookup(p))
                            .ok_or_else(|| XmlError::UnknownPrefix(value.to_string()))?,
                    );
                }
                _ => {}
            }
        }
        let name = match reborrow(self.input, local) {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(local.to_owned()),
        };
        Ok(Start {
            name,
            nil,
            marks: Marks::boxed(xsi_type, reference),
        })
    }
}

impl<'i> Source<'i> for Events<'i, '_> {
    /// The next event, with adjacent text pieces joined.
    fn next(&mut self) -> Result<Ev<'i>> {
        if let Some(ev) = self.peeked.take() {
            return Ok(ev);
        }
        let mut text = match self.raw()? {
            Raw::Ev(ev) => return Ok(ev),
            Raw::Piece(p) => p,
        };
        loop {
            match self.raw()? {
                Raw::Piece(p) => text.to_mut().push_str(&p),
                Raw::Ev(ev) => {
                    self.peeked = Some(ev);
                    return Ok(Ev::Text(text));
                }
            }
        }
    }
}

/// The replacement text of a character or predefined entity reference (syntax errors at offset 0;
/// the caller sets it).
fn resolve_entity(r: &BytesRef<'_>) -> Result<Cow<'static, str>> {
    let char_ref = r
        .resolve_char_ref()
        .map_err(|source| XmlError::Syntax { offset: 0, source })?;
    if let Some(c) = char_ref {
        return Ok(Cow::Owned(c.to_string()));
    }
    Ok(Cow::Borrowed(match &**r {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "quot" => "\"",
        "apos" => "'",
        other => return Err(XmlError::UnknownEntity(other.to_owned())),
    }))
}

impl XmlError {
    /// Sets the offset of a syntax error.
    fn at_offset(self, offset: u64) -> XmlError {
        match self {
            XmlError::Syntax { source, .. } => XmlError::Syntax { offset, source },
            e => e,
        }
    }
}

fn invalid(kind: &'static str, text: &str) -> XmlError {
    XmlError::InvalidValue {
        kind,
        text: excerpt(text),
    }
}

fn parse_bool(text: &str) -> Result<bool> {
    match trim_ws(text) {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(invalid("boolean", text)),
    }
}

fn parse_int<T: std::str::FromStr>(text: &str, kind: &'static str) -> Result<T> {
    trim_ws(text).parse().map_err(|_| invalid(kind, text))
}

/// Parses the `xs:double` / `xs:float` lexical space: decimal or exponent notation, `INF`,
/// `-INF`, `NaN` (and not Rust's `inf` or `infinity`).
fn parse_float<T: std::str::FromStr>(text: &str, kind: &'static str) -> Result<T> {
    let t = match trim_ws(text) {
        "INF" | "+INF" => "inf",
        "-INF" => "-inf",
        "NaN" => "NaN",
        t if !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E')) =>
        {
            t
        }
        _ => return Err(invalid(kind, text)),
    };
    t.parse().map_err(|_| invalid(kind, text))
}

fn parse_char(text: &str) -> Result<char> {
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(c);
    }
    let mut chars = trim_ws(text).chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(invalid("char", text)),
    }
}

fn visit_cow<'de, V: Visitor<'de>>(text: Cow<'de, str>, visitor: V) -> Result<V::Value> {
    match text {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_string(s),
    }
}

/// Visits a byte payload as a sequence of `u8`.
fn visit_byte_seq<'de, V: Visitor<'de>>(bytes: &[u8], visitor: V) -> Result<V::Value> {
    let mut seq = de::value::SeqDeserializer::<_, XmlError>::new(bytes.iter().copied());
    let value = visitor.visit_seq(&mut seq)?;
    seq.end()?;
    Ok(value)
}

/// Deserializes one element whose start tag has been read; consumes it through its end tag.
struct ElementDe<'a, 'i, E> {
    ev: &'a mut E,
    start: Start<'i>,
}

impl<'i, E: Source<'i>> ElementDe<'_, 'i, E> {
    /// Runs `f` on the element's events, failing if it is nil, and puts the element's name into
    /// any error.
    fn with<T>(self, f: impl FnOnce(&mut E) -> Result<T>) -> Result<T> {
        let ElementDe { ev, start } = self;
        let result = if start.nil {
            Err(XmlError::UnexpectedNil)
        } else {
            f(ev)
        };
        result.map_err(|e| e.at(&start.name))
    }
}

macro_rules! primitive {
    ($($method:ident => $visit:ident, $parse:expr;)*) => {
        $(
            fn $method<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
                self.with(|ev| {
                    let text = ev.text()?;
                    visitor.$visit($parse(&text)?)
                })
            }
        )*
    };
}

impl<'i, E: Source<'i>> de::Deserializer<'i> for ElementDe<'_, 'i, E> {
    type Error = XmlError;

    primitive! {
        deserialize_bool => visit_bool, parse_bool;
        deserialize_i8 => visit_i8, |t| parse_int(t, "byte");
        deserialize_i16 => visit_i16, |t| parse_int(t, "short");
        deserialize_i32 => visit_i32, |t| parse_int(t, "int");
        deserialize_i64 => visit_i64, |t| parse_int(t, "long");
        deserialize_i128 => visit_i128, |t| parse_int(t, "integer");
        deserialize_u8 => visit_u8, |t| parse_int(t, "unsignedByte");
        deserialize_u16 => visit_u16, |t| parse_int(t, "unsignedShort");
        deserialize_u32 => visit_u32, |t| parse_int(t, "unsignedInt");
        deserialize_u64 => visit_u64, |t| parse_int(t, "unsignedLong");
        deserialize_u128 => visit_u128, |t| parse_int(t, "integer");
        deserialize_f32 => visit_f32, |t| parse_float(t, "float");
        deserialize_f64 => visit_f64, |t| parse_float(t, "double");
        deserialize_char => visit_char, parse_char;
    }

    fn deserialize_any<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        if self.start.nil {
            let ElementDe { ev, start } = self;
            ev.skip().map_err(|e| e.at(&start.name))?;
            return visitor.visit_none();
        }
        self.with(|ev| match ev.content()? {
            Content::Text(t) => visit_cow(t, visitor),
            Content::Bytes(b) => visitor.visit_borrowed_bytes(b),
            Content::Children(first) => {
                let mut access = StructAccess::new(ev, Some(first));
                let value = visitor.visit_map(&mut access)?;
                access.finish()?;
                Ok(value)
            }
        })
    }

    fn deserialize_str<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        self.with(|ev| visit_cow(ev.text()?, visitor))
    }

    fn deserialize_string<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        self.with(|ev| match ev.binary()? {
            Cow::Borrowed(b) => visitor.visit_borrowed_bytes(b),
            Cow::Owned(b) => visitor.visit_byte_buf(b),
        })
    }

    fn deserialize_byte_buf<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        self.with(|ev| visitor.visit_byte_buf(ev.binary()?.into_owned()))
    }

    fn deserialize_option<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        if self.start.nil {
            let ElementDe { ev, start } = self;
            ev.skip().map_err(|e| e.at(&start.name))?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        let ElementDe { ev, start } = self;
        ev.skip().map_err(|e| e.at(&start.name))?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'i>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'i>>(
        mut self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name != IS_REFERENCE {
            return visitor.visit_newtype_struct(self);
        }
        // An object that may be referred to: `z:Ref` stands for one read before (the element is
        // empty, and nil as .NET writes it); `z:Id` names this one.
        match self.start.marks.as_mut().and_then(|m| m.reference.take()) {
            Some(Reference::Ref(id)) => {
                self.ev.skip_children()?;
                visitor.visit_str(&id)
            }
            Some(Reference::Id(id)) => {
                references::set_id(Some(id));
                visitor.visit_newtype_struct(self)
            }
            None => {
                references::set_id(None);
                visitor.visit_newtype_struct(self)
            }
        }
    }

    fn deserialize_seq<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        self.with(|ev| match ev.content()? {
            Content::Text(t) if is_ws(&t) => visitor.visit_seq(SeqAccess::empty(ev)),
            // A .NET byte[] is base64 text; read it as a sequence of bytes.
            Content::Text(t) => {
                let bytes = base64::decode(&t).ok_or_else(|| invalid("base64Binary", &t))?;
                visit_byte_seq(&bytes, visitor)
            }
            Content::Bytes(b) => visit_byte_seq(b, visitor),
            Content::Children(first) => {
                let mut access = SeqAccess {
                    ev,
                    first: Some(first),
                    done: false,
                };
                let value = visitor.visit_seq(&mut access)?;
                access.finish()?;
                Ok(value)
            }
        })
    }

    fn deserialize_tuple<V: Visitor<'i>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'i>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        self.with(|ev| {
            let mut access = MapAccess { ev, done: false };
            let value = visitor.visit_map(&mut access)?;
            if !access.done {
                access.ev.skip_children()?;
            }
            Ok(value)
        })
    }

    fn deserialize_struct<V: Visitor<'i>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.with(|ev| {
            let mut access = StructAccess::new(ev, None);
            let value = visitor.visit_map(&mut access)?;
            access.finish()?;
            Ok(value)
        })
    }

    fn deserialize_enum<V: Visitor<'i>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if name.starts_with(KNOWN_TYPES) {
            // A closed set of known types: the element's `xsi:type` names the variant (none: the
            // declared type), whose value is the element itself.
            return visitor.visit_enum(KnownType(self));
        }
        self.with(|ev| match ev.content()? {
            Content::Text(t) => visitor.visit_enum(TextVariant(t)),
            Content::Bytes(_) => Err(XmlError::UnexpectedText("(binary data)".into())),
            Content::Children(start) => {
                let value = visitor.visit_enum(ElementVariant {
                    ev: &mut *ev,
                    start,
                })?;
                ev.skip_children()?;
                Ok(value)
            }
        })
    }

    fn deserialize_identifier<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }
}

/// Deserializes an element's local name (a struct field name or enum variant name).
struct NameDe<'a, 'i>(&'a Cow<'i, str>);

impl<'i> de::Deserializer<'i> for NameDe<'_, 'i> {
    type Error = XmlError;

    fn deserialize_any<V: Visitor<'i>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_str(s),
        }
    }

    serde::forward_to_deserialize_any! {
        <W: Visitor<'i>>
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The fields of a struct: child elements, keyed by local name.
struct StructAccess<'a, 'i, E> {
    ev: &'a mut E,
    /// A child whose start tag has been read but not yet returned as a key.
    first: Option<Start<'i>>,
    /// The child whose name was returned as the last key.
    current: Option<Start<'i>>,
    /// The end tag has been read.
    done: bool,
}

impl<'a, 'i, E: Source<'i>> StructAccess<'a, 'i, E> {
    fn new(ev: &'a mut E, first: Option<Start<'i>>) -> Self {
        StructAccess {
            ev,
            first,
            current: None,
            done: false,
        }
    }

    /// Skips whatever the visitor did not read, through the end tag.
    fn finish(&mut self) -> Result<()> {
        if self.done {
            return Ok(());
        }
        if self.current.take().is_some() || self.first.take().is_some() {
            self.ev.skip()?;
        }
        self.ev.skip_children()
    }
}

impl<'i, E: Source<'i>> de::MapAccess<'i> for StructAccess<'_, 'i, E> {
    type Error = XmlError;

    fn next_key_seed<K: DeserializeSeed<'i>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.current.take().is_some() {
            // The visitor took the key but not the value.
            self.ev.skip()?;
        }
        if self.done {
            return Ok(None);
        }
        let start = match self.first.take() {
            Some(start) => start,
            None => match self.ev.next_child()? {
                Some(start) => start,
                None => {
                    self.done = true;
                    return Ok(None);
                }
            },
        };
        let key = seed.deserialize(NameDe(&start.name))?;
        self.current = Some(start);
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'i>>(&mut self, seed: V) -> Result<V::Value> {
        let start = self
            .current
            .take()
            .ok_or_else(|| XmlError::Custom("value requested before key".into()))?;
        seed.deserialize(ElementDe {
            ev: &mut *self.ev,
            start,
        })
    }
}

/// The items of a sequence: child elements of any name.
struct SeqAccess<'a, 'i, E> {
    ev: &'a mut E,
    first: Option<Start<'i>>,
    done: bool,
}

impl<'a, 'i, E: Source<'i>> SeqAccess<'a, 'i, E> {
    fn empty(ev: &'a mut E) -> Self {
        SeqAccess {
            ev,
            first: None,
            done: true,
        }
    }

    fn finish(&mut self) -> Result<()> {
        if self.done {
            return Ok(());
        }
        if self.first.take().is_some() {
            self.ev.skip()?;
        }
        self.ev.skip_children()
    }
}

impl<'i, E: Source<'i>> de::SeqAccess<'i> for SeqAccess<'_, 'i, E> {
    type Error = XmlError;

    fn next_element_seed<T: DeserializeSeed<'i>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.done {
            return Ok(None);
        }
        let start = match self.first.take() {
            Some(start) => start,
            None => match self.ev.next_child()? {
                Some(start) => start,
                None => {
                    self.done = true;
                    return Ok(None);
                }
            },
        };
        seed.deserialize(ElementDe {
            ev: &mut *self.ev,
            start,
        })
        .map(Some)
    }
}

/// The entries of a map: `KeyValue` children, each with a key and a value child.
struct MapAccess<'a, E> {
    ev: &'a mut E,
    done: bool,
}

impl<'i, E: Source<'i>> de::MapAccess<'i> for MapAccess<'_, E> {
    type Error = XmlError;

    fn next_key_seed<K: DeserializeSeed<'i>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.done {
            return Ok(None);
        }
        let Some(entry) = self.ev.next_child()? else {
            self.done = true;
            return Ok(None);
        };
        let key = match self.ev.next_child()? {
            Some(start) => seed.deserialize(ElementDe {
                ev: &mut *self.ev,
                start,
            }),
            None => Err(XmlError::MissingField("Key")),
        };
        key.map(Some).map_err(|e| e.at(&entry.name))
    }

    fn next_value_seed<V: DeserializeSeed<'i>>(&mut self, seed: V) -> Result<V::Value> {
        let value = match self.ev.next_child()? {
            Some(start) => {
                let value = seed.deserialize(ElementDe {
                    ev: &mut *self.ev,
                    start,
                })?;
                self.ev.skip_children()?;
                Ok(value)
            }
            None => Err(XmlError::MissingField("Value")),
        };
        value.map_err(|e| e.at("KeyValue"))
    }
}

/// A unit variant written as text.
/// The variant of a known-types enum an element's `xsi:type` names (`""`: none).
struct KnownType<'a, 'i, E>(ElementDe<'a, 'i, E>);

impl<'a, 'i, E: Source<'i>> de::EnumAccess<'i> for KnownType<'a, 'i, E> {
    type Error = XmlError;
    type Variant = ElementDe<'a, 'i, E>;

    fn variant_seed<V: DeserializeSeed<'i>>(self, seed: V) -> Result<(V::Value, Self::Variant)> {
        let xsi_type = self.0.start.marks.as_ref().and_then(|m| m.xsi_type.clone());
        let name = Cow::Owned(xsi_type.unwrap_or_default());
        let value = seed
            .deserialize(NameDe(&name))
            .map_err(|e| e.at(&self.0.start.name))?;
        Ok((value, self.0))
    }
}

struct TextVariant<'i>(Cow<'i, str>);

impl<'i> de::EnumAccess<'i> for TextVariant<'i> {
    type Error = XmlError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'i>>(self, seed: V) -> Result<(V::Value, Self)> {
        let name = match &self.0 {
            Cow::Borrowed(s) => Cow::Borrowed(trim_ws(s)),
            Cow::Owned(s) => Cow::Owned(trim_ws(s).to_owned()),
        };
        let value = seed.deserialize(NameDe(&name))?;
        Ok((value, self))
    }
}

impl<'i> de::VariantAccess<'i> for TextVariant<'i> {
    type Error = XmlError;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'i>>(self, _seed: T) -> Result<T::Value> {
        Err(de::Error::invalid_type(
            de::Unexpected::UnitVariant,
            &"a newtype variant element",
        ))
    }

    fn tuple_variant<V: Visitor<'i>>(self, _len: usize, _visitor: V) -> Result<V::Value> {
        Err(de::Error::invalid_type(
            de::Unexpected::UnitVariant,
            &"a tuple variant element",
        ))
    }

    fn struct_variant<V: Visitor<'i>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value> {
        Err(de::Error::invalid_type(
            de::Unexpected::UnitVariant,
            &"a struct variant element",
        ))
    }
}

/// A variant written as a child element named after it.
struct ElementVariant<'a, 'i, E> {
    ev: &'a mut E,
    start: Start<'i>,
}

impl<'a, 'i, E: Source<'i>> de::EnumAccess<'i> for ElementVariant<'a, 'i, E> {
    type Error = XmlError;
    type Variant = ElementDe<'a, 'i, E>;

    fn variant_seed<V: DeserializeSeed<'i>>(self, seed: V) -> Result<(V::Value, Self::Variant)> {
        let value = seed.deserialize(NameDe(&self.start.name))?;
        Ok((
            value,
            ElementDe {
                ev: self.ev,
                start: self.start,
            },
        ))
    }
}

impl<'i, E: Source<'i>> de::VariantAccess<'i> for ElementDe<'_, 'i, E> {
    type Error = XmlError;

    fn unit_variant(self) -> Result<()> {
        de::Deserializer::deserialize_unit(self, de::IgnoredAny).map(|_| ())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'i>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'i>>(self, len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }

    fn struct_variant<V: Visitor<'i>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

/// The event source over an [`Infoset`]: its events, with namespace prefixes resolved for
/// `xsi:nil` and checked for element names.
struct InfosetEvents<'i> {
    events: std::iter::Peekable<infoset::Events<'i>>,
    /// Bindings in scope: `(prefix, uri)`, innermost last.
    bindings: SmallVec<[(&'i str, &'i str); 8]>,
    /// For each open element, the length of `bindings` before its declarations.
    open: SmallVec<[usize; 16]>,
}

impl<'i> InfosetEvents<'i> {
    fn new(infoset: &'i Infoset) -> Self {
        InfosetEvents {
            events: infoset.events().peekable(),
            bindings: SmallVec::new(),
            open: SmallVec::new(),
        }
    }

    fn resolve(&self, prefix: &str) -> Option<&'i str> {
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|(_, uri)| *uri)
    }

    /// Reads the declarations and attributes of the element `prefix:local` just started.
    fn start(&mut self, prefix: &'i str, local: &'i str) -> Result<Start<'i>> {
        if self.open.len() >= MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        self.open.push(self.bindings.len());
        // Every `…:nil` and `…:type` attribute, resolved once the element's declarations are
        // all read.
        let mut nils: SmallVec<[(&'i str, &'i str); 2]> = SmallVec::new();
        let mut types: SmallVec<[(&'i str, &'i str); 1]> = SmallVec::new();
        let mut references: SmallVec<[(&'i str, &'i str, &'i str); 1]> = SmallVec::new();
        loop {
            match self.events.peek() {
                Some(InfosetEvent::Xmlns { prefix, uri }) => {
                    self.bindings.push((prefix, uri));
                }
                Some(InfosetEvent::Attribute {
                    prefix,
                    local: "nil",
                    value,
                }) if !prefix.is_empty() => nils.push((prefix, value)),
                Some(InfosetEvent::Attribute {
                    prefix,
                    local: "type",
                    value,
                }) if !prefix.is_empty() => types.push((prefix, value)),
                Some(InfosetEvent::Attribute {
                    prefix,
                    local: local @ ("Id" | "Ref"),
                    value,
                }) if !prefix.is_empty() => references.push((prefix, local, value)),
                Some(InfosetEvent::Attribute { .. }) => {}
                _ => break,
            }
            self.events.next();
        }
        if !prefix.is_empty() && self.resolve(prefix).is_none() {
            return Err(XmlError::UnknownPrefix(prefix.to_owned()));
        }
        let nil = nils.iter().any(|(p, value)| {
            self.resolve(p) == Some(XSI_NS) && matches!(trim_ws(value), "true" | "1")
        });
        let xsi_type = match types.iter().find(|(p, _)| self.resolve(p) == Some(XSI_NS)) {
            Some((_, value)) => Some(
                clark_qname(value, |p| self.resolve(p))
                    .ok_or_else(|| XmlError::UnknownPrefix((*value).to_owned()))?,
            ),
            None => None,
        };
        let reference = references
            .iter()
            .filter(|(p, _, _)| self.resolve(p) == Some(SERIALIZATION_NS))
            .find_map(|(_, local, value)| Reference::of(local, value));
        Ok(Start {
            name: Cow::Borrowed(local),
            nil,
            marks: Marks::boxed(xsi_type, reference),
        })
    }
}

impl<'i> Source<'i> for InfosetEvents<'i> {
    fn next(&mut self) -> Result<Ev<'i>> {
        loop {
            let Some(event) = self.events.next() else {
                return Ok(Ev::Eof);
            };
            return Ok(match event {
                InfosetEvent::Start { prefix, local } => Ev::Start(self.start(prefix, local)?),
                InfosetEvent::End => {
                    let Some(mark) = self.open.pop() else {
                        return Err(XmlError::TrailingContent);
                    };
                    self.bindings.truncate(mark);
                    Ev::End
                }
                InfosetEvent::Text(text) => {
                    // Text around comments is one text, as in the text reader.
                    let mut text = Cow::Borrowed(text);
                    loop {
                        match self.events.peek() {
                            Some(InfosetEvent::Text(more)) => text.to_mut().push_str(more),
                            Some(InfosetEvent::Comment(_)) => {}
                            _ => break,
                        }
                        self.events.next();
                    }
                    Ev::Text(text)
                }
                InfosetEvent::Bytes(bytes) => Ev::Bytes(bytes),
                InfosetEvent::Inherited { prefix, uri } => {
                    self.bindings.push((prefix, uri));
                    continue;
                }
                // Declarations and attributes are read with their element.
                InfosetEvent::Xmlns { .. }
                | InfosetEvent::Attribute { .. }
                | InfosetEvent::Comment(_) => continue,
            });
        }
    }
}
