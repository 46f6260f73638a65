//! An [`Infoset`] to and from events: written to any [`XmlSink`] (declaring the bindings it
//! inherited where the sink's enclosing elements lack them), and filled from any [`XmlSource`].

use smallvec::SmallVec;

use super::lexical::is_whitespace;
use super::sink::{XmlSink, needs_declaring};
use super::stream::{Event, Name, Text, XmlSource};
use super::{Infoset, InfosetEvent, XmlError};

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

/// Filling an infoset from a source.
impl Infoset {
    /// Copies the element `source` last started, through its end, with the bindings it
    /// inherits (as [`Infoset::inherit`]) and without the attributes `drop` picks on the
    /// element itself. Repeated sibling names are stored once (see `start_reusing`).
    pub fn capture<S: XmlSource + ?Sized>(
        &mut self,
        source: &mut S,
        drop: impl Fn(&Name<'_>) -> bool,
    ) -> Result<(), XmlError> {
        for (i, (prefix, uri)) in source.inherited().enumerate() {
            // The last binding of a prefix counts, and the element's own declarations win.
            let shadowed = source.inherited().skip(i + 1).any(|(p, _)| p == prefix)
                || source.declarations().any(|(p, _)| p == prefix);
            if !shadowed {
                self.inherit(prefix, uri);
            }
        }
        self.start_from(source, &drop)?;
        let mut depth = 1usize;
        while depth > 0 {
            match source.next()? {
                Event::Start(_) => {
                    self.start_from(source, &|_: &Name<'_>| false)?;
                    depth += 1;
                }
                Event::Text(Text::Bytes(bytes)) => self.bytes(bytes),
                Event::Text(Text::Str(text)) => self.text(text)?,
                Event::Text(text) => {
                    let mut s = String::new();
                    text.push_to(&mut s);
                    self.text(&s)?;
                }
                Event::Comment(text) => self.comment(text)?,
                Event::End => {
                    self.end();
                    depth -= 1;
                }
                Event::Eof => return Err(XmlError::UnexpectedEof),
            }
        }
        Ok(())
    }

    /// Adds the element `source` just started (name, declarations, attributes but those `drop`
    /// picks).
    fn start_from<S: XmlSource + ?Sized>(
        &mut self,
        source: &S,
        drop: &dyn Fn(&Name<'_>) -> bool,
    ) -> Result<(), XmlError> {
        let name = source.current();
        self.start_reusing(name.prefix, name.local);
        for (prefix, uri) in source.declarations() {
            self.xmlns(prefix, uri);
        }
        for attribute in source.attributes() {
            let attribute = attribute?;
            if !drop(&attribute.name) {
                self.attribute(
                    attribute.name.prefix,
                    attribute.name.local,
                    &attribute.value,
                )?;
            }
        }
        Ok(())
    }
}
