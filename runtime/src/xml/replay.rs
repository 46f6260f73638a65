//! Writing elements held in memory (an [`Infoset`], an [`XmlFragment`]) to any [`XmlSink`],
//! declaring the bindings they inherited where the sink's enclosing elements lack them.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::name::PrefixDeclaration;
use smallvec::SmallVec;

use super::stream::{XmlSink, is_whitespace};
use super::{Infoset, InfosetEvent, XmlError, XmlFragment};

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

impl Infoset {
    /// Writes the events to `sink`, declaring on each top-level element the inherited bindings
    /// that `in_scope` (what the sink's enclosing elements declare) lacks. With `recurring`,
    /// element names below the top level are written as
    /// [`start_recurring_element`](XmlSink::start_recurring_element). Empty text and empty
    /// payloads are not written (as .NET writes nothing for them).
    pub fn write_to<S: XmlSink + ?Sized>(
        &self,
        sink: &mut S,
        in_scope: &[(&str, &str)],
        recurring: bool,
    ) -> Result<(), XmlError> {
        self.write_events(sink, Some(in_scope), recurring)
    }

    /// Writes the events; `in_scope` `None`: inherited bindings are not declared (the text is
    /// read with them as its scope, see [`Infoset::to_fragment`]).
    pub(crate) fn write_events<S: XmlSink + ?Sized>(
        &self,
        sink: &mut S,
        in_scope: Option<&[(&str, &str)]>,
        recurring: bool,
    ) -> Result<(), XmlError> {
        let mut depth = 0usize;
        // Declarations and attributes may follow only an element's start.
        let mut in_start_tag = false;
        let mut inherited: SmallVec<[(&str, &str); 4]> = SmallVec::new();
        let mut events = self.events();
        while let Some(event) = events.next() {
            let starts = matches!(event, InfosetEvent::Start { .. });
            let of_start_tag = matches!(
                event,
                InfosetEvent::Xmlns { .. } | InfosetEvent::Attribute { .. }
            );
            if of_start_tag && !in_start_tag {
                return Err(XmlError::Unsupported(
                    "a namespace declaration or attribute after an element's content",
                ));
            }
            match event {
                InfosetEvent::Inherited { prefix, uri } => {
                    if in_scope.is_some_and(|scope| needs_declaring(prefix, uri, scope)) {
                        inherited.push((prefix, uri));
                    }
                }
                InfosetEvent::Start { prefix, local } => {
                    if recurring && depth > 0 {
                        sink.start_recurring_element(prefix, local)?;
                    } else {
                        sink.start_element(prefix, local)?;
                    }
                    if depth == 0 && !inherited.is_empty() {
                        declare_inherited(sink, &inherited, events.clone())?;
                    }
                    depth += 1;
                }
                InfosetEvent::Xmlns { prefix, uri } => sink.xmlns(prefix, uri)?,
                InfosetEvent::Attribute {
                    prefix,
                    local,
                    value,
                } => sink.attribute(prefix, local, value)?,
                InfosetEvent::Text("") | InfosetEvent::Bytes([]) if depth > 0 => {}
                InfosetEvent::Text(text) if depth > 0 => sink.text(text)?,
                InfosetEvent::Bytes(bytes) if depth > 0 => sink.bytes(bytes)?,
                InfosetEvent::Text(text) if is_whitespace(text) => {}
                InfosetEvent::Text(_) | InfosetEvent::Bytes(_) => {
                    return Err(XmlError::Unsupported("text outside the elements"));
                }
                InfosetEvent::Comment(text) if depth > 0 => sink.comment(text)?,
                InfosetEvent::Comment(_) => {}
                InfosetEvent::End => {
                    sink.end_element()?;
                    let Some(outer) = depth.checked_sub(1) else {
                        return Err(XmlError::TrailingContent);
                    };
                    depth = outer;
                }
            }
            in_start_tag = starts || (in_start_tag && of_start_tag);
        }
        if depth != 0 {
            return Err(XmlError::UnexpectedEof);
        }
        Ok(())
    }
}

/// Declares on a top-level element the bindings it inherited, except those it declares itself
/// (`rest`: the events after its start).
fn declare_inherited<S: XmlSink + ?Sized>(
    sink: &mut S,
    inherited: &[(&str, &str)],
    rest: super::InfosetEvents<'_>,
) -> Result<(), XmlError> {
    let own: SmallVec<[&str; 4]> = rest
        .map_while(|event| match event {
            InfosetEvent::Xmlns { prefix, .. } => Some(Some(prefix)),
            InfosetEvent::Attribute { .. } => Some(None),
            _ => None,
        })
        .flatten()
        .collect();
    for (prefix, uri) in inherited {
        if !own.contains(prefix) {
            sink.xmlns(prefix, uri)?;
        }
    }
    Ok(())
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
            return Err(XmlError::UnexpectedText(super::stream::excerpt(text)));
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
