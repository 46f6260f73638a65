//! XML as a stream of events, read from an [`XmlSource`] and written to an [`XmlSink`] (whose
//! module is `sink`; its items are re-exported here).
//!
//! The SOAP envelope grammar (`crate::encoding::envelope`) and header codecs
//! ([`crate::message::Header`]) are written once against these two traits; each encoding adapts
//! them to its form: quick-xml over XML text ([`TextSource`](super::TextSource),
//! [`TextWriter`](super::TextWriter)), .NET Binary XML records (`crate::encoding::binary`), and
//! [`Infoset`](super::Infoset) (events held in memory, what a header or body is between the wire and the
//! code that reads it).

use std::borrow::Cow;

use super::lexical::{excerpt, is_whitespace, push_uuid};
use super::{XmlError, XmlFragment};

pub use super::sink::{FixedCache, FixedEvent, FixedEvents, XmlSink};

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
}
