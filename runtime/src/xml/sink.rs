//! [`XmlSink`]: the writer side of XML as events, with the fixed runs of events a sink may
//! encode once, and the writing of an [`XmlFragment`]'s text as events (the default of
//! [`XmlSink::fragment`]).

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::name::PrefixDeclaration;

use super::lexical::{excerpt, is_whitespace, push_uuid};
use super::{XmlError, XmlFragment};

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
        text.push_str("urn:uuid:");
        push_uuid(&mut text, id);
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
        fragment_events(self, fragment, in_scope, recurring)
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

/// Whether an inherited binding must be declared on a top-level element written where
/// `in_scope` is declared.
pub(crate) fn needs_declaring(prefix: &str, uri: &str, in_scope: &[(&str, &str)]) -> bool {
    if prefix == "xml" || prefix == "xmlns" || (!prefix.is_empty() && uri.is_empty()) {
        return false;
    }
    match in_scope.iter().rev().find(|(p, _)| *p == prefix) {
        Some((_, u)) => *u != uri,
        // No default namespace is in scope: `xmlns=""` would change nothing.
        None => !uri.is_empty(),
    }
}

/// Parses the text of `fragment` and writes it event by event (see [`XmlSink::fragment`]).
pub(crate) fn fragment_events<S: XmlSink + ?Sized>(
    sink: &mut S,
    fragment: &XmlFragment,
    in_scope: &[(&str, &str)],
    recurring: bool,
) -> Result<(), XmlError> {
    let mut reader = quick_xml::Reader::from_str(&fragment.text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(false);
    let syntax = |reader: &quick_xml::Reader<&[u8]>, source| XmlError::Syntax {
        offset: reader.error_position(),
        source,
    };
    let mut depth = 0usize;
    let mut text = String::new();
    loop {
        let event = reader.read_event().map_err(|e| syntax(&reader, e))?;
        match event {
            XmlEvent::Start(start) => {
                flush_text(sink, &mut text, depth)?;
                write_start(sink, &start, depth, recurring, fragment, in_scope)?;
                depth += 1;
                if depth > super::MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
            }
            XmlEvent::Empty(start) => {
                flush_text(sink, &mut text, depth)?;
                write_start(sink, &start, depth, recurring, fragment, in_scope)?;
                sink.end_element()?;
            }
            XmlEvent::End(_) => {
                flush_text(sink, &mut text, depth)?;
                sink.end_element()?;
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
                    return Err(XmlError::UnknownEntity(reference.to_string()));
                }
            }
            XmlEvent::Comment(c) => {
                flush_text(sink, &mut text, depth)?;
                if depth > 0 {
                    sink.comment(&c.xml10_content())?;
                }
            }
            XmlEvent::DocType(_) => return Err(XmlError::Doctype),
            XmlEvent::Decl(_) | XmlEvent::PI(_) => {}
            XmlEvent::Eof => break,
        }
    }
    if depth != 0 {
        return Err(XmlError::UnexpectedEof);
    }
    flush_text(sink, &mut text, depth)
}

/// Writes the text gathered so far; at the top level only whitespace is allowed (and dropped).
fn flush_text<S: XmlSink + ?Sized>(
    sink: &mut S,
    text: &mut String,
    depth: usize,
) -> Result<(), XmlError> {
    if text.is_empty() {
        return Ok(());
    }
    if depth == 0 {
        if !is_whitespace(text) {
            return Err(XmlError::UnexpectedText(excerpt(text)));
        }
    } else {
        sink.text(text)?;
    }
    text.clear();
    Ok(())
}

fn split_name(name: &str) -> (&str, &str) {
    name.split_once(':').unwrap_or(("", name))
}

fn write_start<S: XmlSink + ?Sized>(
    sink: &mut S,
    start: &BytesStart<'_>,
    depth: usize,
    recurring: bool,
    fragment: &XmlFragment,
    in_scope: &[(&str, &str)],
) -> Result<(), XmlError> {
    let (prefix, local) = split_name(start.name().0);
    if recurring && depth > 0 {
        sink.start_recurring_element(prefix, local)?;
    } else {
        sink.start_element(prefix, local)?;
    }
    if depth == 0 {
        for (prefix, uri) in &fragment.scope {
            if !needs_declaring(prefix, uri, in_scope) {
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
                sink.xmlns(prefix, uri)?;
            }
        }
    }
    for attribute in start.attributes() {
        let attribute = attribute?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|source| XmlError::Syntax { offset: 0, source })?;
        match attribute.key.as_namespace_binding() {
            Some(PrefixDeclaration::Default) => sink.xmlns("", &value)?,
            Some(PrefixDeclaration::Named(p)) => sink.xmlns(p, &value)?,
            None => {
                let (prefix, local) = split_name(attribute.key.0);
                sink.attribute(prefix, local, &value)?;
            }
        }
    }
    Ok(())
}
