//! XML as a stream of events, read from an [`XmlSource`] and written to an [`XmlSink`].
//!
//! The SOAP envelope grammar (`crate::encoding::envelope`) and header codecs
//! ([`crate::message::Header`]) are written once against these two traits; each encoding adapts
//! them to its form: quick-xml over XML text ([`TextSource`](super::TextSource),
//! [`TextWriter`](super::TextWriter)), .NET Binary XML records (`crate::encoding::binary`), and
//! [`Infoset`] (events held in memory, what a header or body is between the wire and the
//! code that reads it).

use std::borrow::Cow;

use super::{Infoset, XmlError, XmlFragment};

/// An element or attribute name as written, with the namespace its prefix is bound to (`""` for
/// none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name<'e> {
    /// The prefix (`""` for none).
    pub prefix: &'e str,
    /// The local name.
    pub local: &'e str,
    /// The namespace URI (`""` for none).
    pub namespace: &'e str,
}

impl Name<'_> {
    /// Whether this is `{namespace}local`.
    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.local == local && self.namespace == namespace
    }
}

/// Character content, in the form the source holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Text<'e> {
    /// Text (unescaped).
    Str(&'e str),
    /// A byte payload (`xs:base64Binary`), standing for its base64 text.
    Bytes(&'e [u8]),
    /// A `urn:uuid:` GUID (a .NET `UniqueId`), as its 16 bytes in RFC 4122 order, standing for
    /// its text `urn:uuid:xxxxxxxx-…` in lowercase.
    UniqueId([u8; 16]),
}

impl Text<'_> {
    /// Appends the text form.
    pub fn push_to(&self, out: &mut String) {
        match self {
            Text::Str(s) => out.push_str(s),
            Text::Bytes(b) => super::base64::encode_into(out, b),
            Text::UniqueId(id) => {
                out.push_str("urn:uuid:");
                push_uuid(out, id);
            }
        }
    }

    /// Whether this is only XML whitespace (a payload or GUID is not).
    pub fn is_whitespace(&self) -> bool {
        matches!(self, Text::Str(s) if is_whitespace(s))
    }
}

/// Whether two namespace prefixes (mostly one letter, or empty) are equal, compared inline: a
/// call to `memcmp` per comparison costs more than the comparison.
#[inline]
pub(crate) fn same_prefix(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Whether `s` is only XML whitespace.
pub(crate) fn is_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Appends `id` (RFC 4122 byte order) as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase.
pub(crate) fn push_uuid<O: super::TextOutput + ?Sized>(out: &mut O, id: &[u8; 16]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [b'-'; 36];
    let mut at = 0;
    for (n, byte) in id.iter().enumerate() {
        if matches!(n, 4 | 6 | 8 | 10) {
            at += 1;
        }
        text[at] = HEX[usize::from(byte >> 4)];
        text[at + 1] = HEX[usize::from(byte & 0xF)];
        at += 2;
    }
    out.push_ascii_bytes(&text);
}

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase (the only form .NET writes as a
/// `UniqueId` record) into RFC 4122 byte order.
pub(crate) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    parse_hex_uuid(s, false)
}

/// Parses a GUID in its 36-character form, in either case.
pub(crate) fn parse_uuid_any_case(s: &str) -> Option<[u8; 16]> {
    parse_hex_uuid(s, true)
}

fn parse_hex_uuid(s: &str, any_case: bool) -> Option<[u8; 16]> {
    let hex = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' if any_case => Some(c - b'A' + 10),
        _ => None,
    };
    let s = s.as_bytes();
    if s.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut pos = 0;
    for (n, byte) in out.iter_mut().enumerate() {
        if matches!(n, 4 | 6 | 8 | 10) {
            if s.get(pos) != Some(&b'-') {
                return None;
            }
            pos += 1;
        }
        *byte = hex(*s.get(pos)?)? << 4 | hex(*s.get(pos + 1)?)?;
        pos += 2;
    }
    Some(out)
}

/// What a source read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'e> {
    /// An element starts; [`XmlSource::declarations`] and [`XmlSource::attributes`] describe
    /// it until the next event.
    Start(Name<'e>),
    /// Character content (adjacent pieces joined).
    Text(Text<'e>),
    /// A comment.
    Comment(&'e str),
    /// The innermost open element ends.
    End,
    /// The input ends (every element closed).
    Eof,
}

/// An attribute of the element just started (namespace declarations excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute<'e> {
    /// Its name.
    pub name: Name<'e>,
    /// Its value (unescaped and normalised).
    pub value: Cow<'e, str>,
}

/// A pull reader of XML events with namespaces resolved.
///
/// Sources check what they read (nesting depth, undeclared prefixes, malformed input) and fail
/// with an [`XmlError`], never a panic. Processing instructions and XML declarations are not
/// events.
pub trait XmlSource {
    /// Reads the next event.
    fn next(&mut self) -> Result<Event<'_>, XmlError>;

    /// The namespace declarations `(prefix, uri)` of the element the last [`Event::Start`]
    /// began (`""`: the default namespace).
    fn declarations(&self) -> impl Iterator<Item = (&str, &str)>;

    /// The attributes of the element the last [`Event::Start`] began.
    fn attributes(&self) -> impl Iterator<Item = Result<Attribute<'_>, XmlError>>;

    /// The bindings in scope around the element the last [`Event::Start`] began (not its own),
    /// outermost first; a prefix may appear more than once, the last one counts.
    fn inherited(&self) -> impl Iterator<Item = (&str, &str)>;

    /// The namespace `prefix` is bound to where the last event was read (`""` for an unbound
    /// default namespace; `None` for an undeclared prefix). After an element's [`Event::End`],
    /// its own declarations still count until the next event.
    fn resolve(&self, prefix: &str) -> Option<&str>;

    /// About how many bytes of input are left, if the source knows (to size buffers).
    fn remaining(&self) -> Option<usize> {
        None
    }

    /// Cuts the element the last [`Event::Start`] began, through its end, out of the input as
    /// XML text, when the source reads XML text; `None` (nothing read) otherwise.
    fn cut_fragment(&mut self) -> Result<Option<XmlFragment>, XmlError> {
        Ok(None)
    }

    /// The value of attribute `{namespace}local` of the element just started.
    fn attribute(&self, namespace: &str, local: &str) -> Result<Option<Cow<'_, str>>, XmlError> {
        for attribute in self.attributes() {
            let attribute = attribute?;
            if attribute.name.is(namespace, local) {
                return Ok(Some(attribute.value));
            }
        }
        Ok(None)
    }

    /// Inside an element: the next child element's name, skipping whitespace and comments;
    /// `None` once the element has ended. Other text is an error.
    fn next_child(&mut self) -> Result<Option<Name<'_>>, XmlError> {
        // Two steps, so that the borrow of one event ends before the next is read.
        loop {
            match self.next()? {
                Event::Start(_) => break,
                Event::End => return Ok(None),
                Event::Comment(_) => {}
                Event::Text(text) if text.is_whitespace() => {}
                Event::Text(Text::Str(text)) => {
                    return Err(XmlError::UnexpectedText(excerpt(text)));
                }
                Event::Text(_) => return Err(XmlError::UnexpectedText("(binary data)".into())),
                Event::Eof => return Err(XmlError::UnexpectedEof),
            }
        }
        Ok(Some(self.current()))
    }

    /// The name of the element the last [`Event::Start`] began.
    fn current(&self) -> Name<'_>;

    /// Inside an element: appends its text (comments dropped) to `out`, through its end.
    /// Child elements are an error.
    fn text_into(&mut self, out: &mut String) -> Result<(), XmlError> {
        loop {
            match self.next()? {
                Event::Text(text) => text.push_to(out),
                Event::Comment(_) => {}
                Event::End => return Ok(()),
                Event::Start(name) => return Err(XmlError::ExpectedText(name.local.to_owned())),
                Event::Eof => return Err(XmlError::UnexpectedEof),
            }
        }
    }

    /// Inside an element: its text, through its end, borrowed from the input when the source
    /// can (one piece of text), else gathered in `scratch` (cleared first).
    fn text_in<'s>(&'s mut self, scratch: &'s mut String) -> Result<&'s str, XmlError> {
        scratch.clear();
        self.text_into(scratch)?;
        Ok(scratch)
    }

    /// Inside an element: its text as a new string, through its end.
    fn text_content(&mut self) -> Result<String, XmlError> {
        let mut out = String::new();
        self.text_into(&mut out)?;
        Ok(out)
    }

    /// Inside an element: skips the rest of it, through its end.
    fn skip(&mut self) -> Result<(), XmlError> {
        let mut depth = 0usize;
        loop {
            match self.next()? {
                Event::Start(_) => depth += 1,
                Event::End if depth == 0 => return Ok(()),
                Event::End => depth -= 1,
                Event::Text(_) | Event::Comment(_) => {}
                Event::Eof => return Err(XmlError::UnexpectedEof),
            }
        }
    }

    /// Copies the element the last [`Event::Start`] began, through its end, to `out`, with the
    /// bindings it inherits (as [`Infoset::inherit`]) and without the attributes `drop` picks
    /// on the element itself.
    fn capture(
        &mut self,
        out: &mut Infoset,
        drop: impl Fn(&Name<'_>) -> bool,
    ) -> Result<(), XmlError> {
        for (i, (prefix, uri)) in self.inherited().enumerate() {
            // The last binding of a prefix counts, and the element's own declarations win.
            let shadowed = self.inherited().skip(i + 1).any(|(p, _)| p == prefix)
                || self.declarations().any(|(p, _)| p == prefix);
            if !shadowed {
                out.inherit(prefix, uri);
            }
        }
        start_into(self, out, &drop)?;
        let mut depth = 1usize;
        while depth > 0 {
            match self.next()? {
                Event::Start(_) => {
                    start_into(self, out, &|_: &Name<'_>| false)?;
                    depth += 1;
                }
                Event::Text(Text::Bytes(bytes)) => out.bytes(bytes),
                Event::Text(Text::Str(text)) => out.text(text)?,
                Event::Text(text) => {
                    let mut s = String::new();
                    text.push_to(&mut s);
                    out.text(&s)?;
                }
                Event::Comment(text) => out.comment(text)?,
                Event::End => {
                    out.end();
                    depth -= 1;
                }
                Event::Eof => return Err(XmlError::UnexpectedEof),
            }
        }
        Ok(())
    }
}

/// Adds the element just started in `source` (name, declarations, attributes but those `drop`
/// picks) to `out`.
fn start_into<S: XmlSource + ?Sized>(
    source: &S,
    out: &mut Infoset,
    drop: &dyn Fn(&Name<'_>) -> bool,
) -> Result<(), XmlError> {
    let name = source.current();
    out.start_reusing(name.prefix, name.local);
    for (prefix, uri) in source.declarations() {
        out.xmlns(prefix, uri);
    }
    for attribute in source.attributes() {
        let attribute = attribute?;
        if !drop(&attribute.name) {
            out.attribute(
                attribute.name.prefix,
                attribute.name.local,
                &attribute.value,
            )?;
        }
    }
    Ok(())
}

/// The start of `s`, for error messages.
pub(crate) fn excerpt(s: &str) -> String {
    const MAX: usize = 40;
    let s = s.trim_matches([' ', '\t', '\r', '\n']);
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// A writer of XML events.
///
/// After [`start_element`](XmlSink::start_element) come the element's namespace declarations
/// and attributes, in any order, then its content, then [`end_element`](XmlSink::end_element).
/// Sinks check what they cannot carry (names, characters) and fail with an [`XmlError`].
/// Object-safe, so header codecs can write to `&mut dyn XmlSink`.
pub trait XmlSink {
    /// Starts element `prefix:local` (`prefix` may be empty).
    fn start_element(&mut self, prefix: &str, local: &str) -> Result<(), XmlError>;

    /// Starts an element whose name recurs from message to message (a body's member names): a
    /// sink with a per-session dictionary may add the name to it. By default the same as
    /// [`start_element`](XmlSink::start_element).
    fn start_recurring_element(&mut self, prefix: &str, local: &str) -> Result<(), XmlError> {
        self.start_element(prefix, local)
    }

    /// Declares `prefix` (`""`: the default namespace) as `uri` on the element just started.
    fn xmlns(&mut self, prefix: &str, uri: &str) -> Result<(), XmlError>;

    /// Writes attribute `prefix:local="value"` on the element just started.
    fn attribute(&mut self, prefix: &str, local: &str, value: &str) -> Result<(), XmlError>;

    /// Writes character content.
    fn text(&mut self, text: &str) -> Result<(), XmlError>;

    /// Writes character content that is a byte payload (`xs:base64Binary`); by default as
    /// base64 text.
    fn bytes(&mut self, bytes: &[u8]) -> Result<(), XmlError> {
        let mut text = String::new();
        super::base64::encode_into(&mut text, bytes);
        self.text(&text)
    }

    /// Writes character content that is a `urn:uuid:` GUID (RFC 4122 byte order); by default as
    /// its lowercase text.
    fn unique_id(&mut self, id: &[u8; 16]) -> Result<(), XmlError> {
        let mut text = String::with_capacity(45);
        Text::UniqueId(*id).push_to(&mut text);
        self.text(&text)
    }

    /// Writes a comment.
    fn comment(&mut self, text: &str) -> Result<(), XmlError>;

    /// Ends the innermost open element.
    fn end_element(&mut self) -> Result<(), XmlError>;

    /// Writes a run of events that is the same in every message (an envelope's start, an
    /// addressing header's start). A sink may encode it once and copy the result after; by
    /// default each event is written in turn.
    fn fixed(&mut self, run: &'static FixedEvents) -> Result<(), XmlError> {
        run.replay(self)
    }

    /// Writes `fragment` (elements as XML text), declaring on each top-level element the
    /// bindings of its scope that `in_scope` (what the sink's enclosing elements declare) does
    /// not. With `recurring`, names below the top level are written as
    /// [`start_recurring_element`](XmlSink::start_recurring_element). By default the text is
    /// parsed and written event by event.
    fn fragment(
        &mut self,
        fragment: &XmlFragment,
        in_scope: &[(&str, &str)],
        recurring: bool,
    ) -> Result<(), XmlError> {
        super::replay::fragment_events(self, fragment, in_scope, recurring)
    }
}

/// One event of a [`FixedEvents`] run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FixedEvent {
    /// [`XmlSink::start_element`].
    Start(&'static str, &'static str),
    /// An element whose name a binary writer writes inline rather than from a dictionary, as
    /// Mono's WCF writes `wsa:Address` (so that captured messages re-encode byte for byte).
    StartInline(&'static str, &'static str),
    /// [`XmlSink::xmlns`].
    Xmlns(&'static str, &'static str),
    /// [`XmlSink::attribute`].
    Attribute(&'static str, &'static str, &'static str),
    /// [`XmlSink::end_element`].
    End,
}

/// A sink's table of its own forms of fixed runs (encoded once), by run id.
pub type FixedCache<C> = [std::sync::OnceLock<Option<C>>; FixedEvents::MAX_ID];

/// A run of events that is the same in every message, known at compile time. `id` (unique
/// among runs, below [`FixedEvents::MAX_ID`]) lets a sink keep its encoded form of the run in a
/// table of its own.
#[derive(Debug)]
pub struct FixedEvents {
    id: usize,
    events: &'static [FixedEvent],
    /// How many ends the run starts with.
    ends: usize,
}

impl FixedEvents {
    /// The number of ids a sink's table needs.
    pub const MAX_ID: usize = 32;

    /// The run `events`, numbered `id` (crate-private: sinks keep their forms of runs by id, so
    /// only the grammar numbers them).
    pub(crate) const fn new(id: usize, events: &'static [FixedEvent]) -> Self {
        let mut ends = 0;
        while ends < events.len() && matches!(events[ends], FixedEvent::End) {
            ends += 1;
        }
        FixedEvents { id, events, ends }
    }

    /// The run's number.
    pub const fn id(&self) -> usize {
        self.id
    }

    /// The events.
    pub const fn events(&self) -> &'static [FixedEvent] {
        self.events
    }

    /// How many ends the run starts with (they close elements opened before it), and the
    /// events after them.
    pub fn split_ends(&self) -> (usize, &'static [FixedEvent]) {
        (self.ends, self.events.get(self.ends..).unwrap_or_default())
    }

    /// Writes the run to `sink` from a table of the sink's own forms of runs: the leading ends
    /// as ends (an end may depend on what came before), the rest from the form `encode` makes
    /// of it (once, on first use) with `copy`, or event by event if `encode` gives `None`.
    #[inline]
    pub fn write_cached<S: XmlSink + ?Sized, C>(
        &self,
        sink: &mut S,
        table: &'static FixedCache<C>,
        encode: impl FnOnce(&[FixedEvent]) -> Option<C>,
        copy: impl FnOnce(&mut S, &C),
    ) -> Result<(), XmlError> {
        let (ends, rest) = self.split_ends();
        for _ in 0..ends {
            sink.end_element()?;
        }
        if rest.is_empty() {
            return Ok(());
        }
        let cached = table
            .get(self.id)
            .and_then(|slot| slot.get_or_init(|| encode(rest)).as_ref());
        match cached {
            Some(form) => {
                copy(sink, form);
                Ok(())
            }
            None => FixedEvents::new(self.id, rest).replay(sink),
        }
    }

    /// Writes the events one by one.
    pub fn replay<S: XmlSink + ?Sized>(&self, sink: &mut S) -> Result<(), XmlError> {
        for event in self.events {
            Self::write_event(sink, *event)?;
        }
        Ok(())
    }

    /// Writes one event of a run.
    pub fn write_event<S: XmlSink + ?Sized>(
        sink: &mut S,
        event: FixedEvent,
    ) -> Result<(), XmlError> {
        match event {
            FixedEvent::Start(prefix, local) | FixedEvent::StartInline(prefix, local) => {
                sink.start_element(prefix, local)
            }
            FixedEvent::Xmlns(prefix, uri) => sink.xmlns(prefix, uri),
            FixedEvent::Attribute(prefix, local, value) => sink.attribute(prefix, local, value),
            FixedEvent::End => sink.end_element(),
        }
    }
}
