//! A body element held as XML events rather than XML text: names and text in one buffer, byte
//! payloads in another, and a list of nodes pointing into them.
//!
//! The serializer writes an [`Infoset`], each encoder writes one out in its own form (escaped
//! text, or binary records with raw bytes), the binary decoder reads records into one, and the
//! deserializer reads values straight from it. So a body goes from serde to the wire and back
//! without being printed as XML text and parsed again, and a byte payload is never turned into
//! base64 unless the encoding is text.

use std::fmt;
use std::ops::Range;

use smallvec::SmallVec;

use super::escape::check_chars;
use super::stream::{Attribute, Event, Name, Text, XmlSink, XmlSource};
use super::writer::TextWriter;
use super::{MAX_DEPTH, XmlError, XmlFragment};

/// One body element (or, from a decoder, the elements of a fragment) as a sequence of XML events.
///
/// Build one with [`xml::to_infoset`](super::to_infoset); read it with
/// [`xml::from_infoset`](super::from_infoset) or [`Infoset::events`].
#[derive(Clone, Default)]
pub struct Infoset {
    /// Names, namespace URIs, attribute values and text content.
    strings: String,
    /// Byte payloads.
    bytes: Vec<u8>,
    nodes: Vec<Node>,
    /// The name of the last element started with [`Infoset::start_reusing`]: its prefix and
    /// local name in `strings`.
    last_name: Option<(Range<usize>, Range<usize>)>,
}

/// Infosets are equal when their events are (however their strings are stored).
impl PartialEq for Infoset {
    fn eq(&self, other: &Self) -> bool {
        self.nodes.len() == other.nodes.len() && self.events().eq(other.events())
    }
}

/// A node; the ranges index [`Infoset::strings`] (or [`Infoset::bytes`] for `Bytes`).
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Start {
        prefix: Range<usize>,
        local: Range<usize>,
    },
    Xmlns {
        prefix: Range<usize>,
        uri: Range<usize>,
    },
    Inherited {
        prefix: Range<usize>,
        uri: Range<usize>,
    },
    Attribute {
        prefix: Range<usize>,
        local: Range<usize>,
        value: Range<usize>,
    },
    Text(Range<usize>),
    Bytes(Range<usize>),
    Comment(Range<usize>),
    End,
}

/// One event of an [`Infoset`], borrowing its strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfosetEvent<'a> {
    /// An element starts; its namespace declarations and attributes follow.
    Start {
        /// The prefix (`""` for none).
        prefix: &'a str,
        /// The local name.
        local: &'a str,
    },
    /// A namespace declaration on the element just started (`prefix` `""`: the default one).
    Xmlns {
        /// The declared prefix.
        prefix: &'a str,
        /// The namespace URI.
        uri: &'a str,
    },
    /// A binding in scope where the fragment was cut out of its document; these come before the
    /// first element.
    Inherited {
        /// The bound prefix.
        prefix: &'a str,
        /// The namespace URI.
        uri: &'a str,
    },
    /// An attribute of the element just started.
    Attribute {
        /// The prefix (`""` for none).
        prefix: &'a str,
        /// The local name.
        local: &'a str,
        /// The value.
        value: &'a str,
    },
    /// Character content.
    Text(&'a str),
    /// Character content that is a byte payload (`xs:base64Binary`).
    Bytes(&'a [u8]),
    /// A comment.
    Comment(&'a str),
    /// The innermost open element ends.
    End,
}

impl Infoset {
    /// An empty infoset.
    pub fn new() -> Self {
        Infoset::default()
    }

    /// An empty infoset with room for `strings` bytes of names and text and `nodes` events.
    pub fn with_capacity(strings: usize, nodes: usize) -> Self {
        Infoset {
            strings: String::with_capacity(strings),
            bytes: Vec::new(),
            nodes: Vec::with_capacity(nodes),
            last_name: None,
        }
    }

    /// Whether there are no events.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn push_str(&mut self, s: &str) -> Range<usize> {
        let start = self.strings.len();
        self.strings.push_str(s);
        start..self.strings.len()
    }

    /// Starts element `prefix:local`.
    pub fn start(&mut self, prefix: &str, local: &str) {
        let prefix = self.push_str(prefix);
        let local = self.push_str(local);
        self.nodes.push(Node::Start { prefix, local });
    }

    /// Starts element `prefix:local`, reusing the strings of the previous element start when its
    /// prefix or local name is the same: sibling elements of one name (array items, list
    /// entries) cost no string bytes after the first, however long the name. What decoders use,
    /// where a name costs the sender a byte or two (a dictionary id, an array item).
    pub(crate) fn start_reusing(&mut self, prefix: &str, local: &str) {
        let reused = self.last_name.clone().filter(|(p, l)| {
            // Lengths first (most names differ there), then the bytes, within what is left after
            // a truncation.
            p.len() == prefix.len()
                && l.len() == local.len()
                && self.strings.as_bytes().get(p.clone()) == Some(prefix.as_bytes())
                && self.strings.as_bytes().get(l.clone()) == Some(local.as_bytes())
        });
        let (prefix, local) = match reused {
            Some(name) => name,
            None => (self.push_str(prefix), self.push_str(local)),
        };
        self.last_name = Some((prefix.clone(), local.clone()));
        self.nodes.push(Node::Start { prefix, local });
    }

    /// The bytes allocated for the infoset's strings, payloads and nodes (for tests of how much
    /// a decoded message costs).
    #[cfg(test)]
    pub(crate) fn heap_size(&self) -> usize {
        self.strings.capacity()
            + self.bytes.capacity()
            + self.nodes.capacity() * std::mem::size_of::<Node>()
    }

    /// Declares `prefix` (`""`: the default namespace) as `uri` on the element just started.
    pub fn xmlns(&mut self, prefix: &str, uri: &str) {
        let prefix = self.push_str(prefix);
        let uri = self.push_str(uri);
        self.nodes.push(Node::Xmlns { prefix, uri });
    }

    /// Records a binding inherited from the enclosing document (before the first element).
    pub fn inherit(&mut self, prefix: &str, uri: &str) {
        let prefix = self.push_str(prefix);
        let uri = self.push_str(uri);
        self.nodes.push(Node::Inherited { prefix, uri });
    }

    /// Adds attribute `prefix:local="value"` to the element just started.
    pub fn attribute(&mut self, prefix: &str, local: &str, value: &str) -> Result<(), XmlError> {
        check_chars(value)?;
        let prefix = self.push_str(prefix);
        let local = self.push_str(local);
        let value = self.push_str(value);
        self.nodes.push(Node::Attribute {
            prefix,
            local,
            value,
        });
        Ok(())
    }

    /// Appends character content; fails for characters XML 1.0 cannot carry.
    pub fn text(&mut self, text: &str) -> Result<(), XmlError> {
        check_chars(text)?;
        self.text_with(|s| s.push_str(text));
        Ok(())
    }

    /// Appends character content that `write` appends to the given string (which must only
    /// append characters XML can carry: numbers, names).
    pub(crate) fn text_with(&mut self, write: impl FnOnce(&mut String)) {
        let start = self.strings.len();
        write(&mut self.strings);
        self.push_content(Node::Text(start..self.strings.len()));
    }

    /// Adds a text or bytes node, or extends the previous node when this one continues it
    /// (adjacent text is one text node, adjacent payloads one payload).
    fn push_content(&mut self, node: Node) {
        match (self.nodes.last_mut(), &node) {
            (Some(Node::Text(last)), Node::Text(next))
            | (Some(Node::Bytes(last)), Node::Bytes(next))
                if last.end == next.start =>
            {
                last.end = next.end;
            }
            _ => self.nodes.push(node),
        }
    }

    /// Appends a byte payload as character content.
    pub fn bytes(&mut self, bytes: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        self.push_content(Node::Bytes(start..self.bytes.len()));
    }

    /// Appends a comment.
    pub fn comment(&mut self, text: &str) -> Result<(), XmlError> {
        check_chars(text)?;
        let text = self.push_str(text);
        self.nodes.push(Node::Comment(text));
        Ok(())
    }

    /// Ends the innermost open element.
    pub fn end(&mut self) {
        self.nodes.push(Node::End);
    }

    /// Drops every event from number `len` on (and the strings they used).
    pub(crate) fn truncate(&mut self, (len, strings, bytes): (usize, usize, usize)) {
        self.nodes.truncate(len);
        self.strings.truncate(strings);
        self.bytes.truncate(bytes);
        self.last_name = None;
    }

    /// How much has been written: events, string bytes, payload bytes (for [`Infoset::truncate`]).
    pub(crate) fn mark(&self) -> (usize, usize, usize) {
        (self.nodes.len(), self.strings.len(), self.bytes.len())
    }

    fn str(&self, range: &Range<usize>) -> &str {
        self.strings.get(range.clone()).unwrap_or_default()
    }

    /// The events, in order.
    pub fn events(&self) -> Events<'_> {
        Events {
            infoset: self,
            nodes: self.nodes.iter(),
        }
    }

    fn event<'a>(&'a self, node: &'a Node) -> InfosetEvent<'a> {
        match node {
            Node::Start { prefix, local } => InfosetEvent::Start {
                prefix: self.str(prefix),
                local: self.str(local),
            },
            Node::Xmlns { prefix, uri } => InfosetEvent::Xmlns {
                prefix: self.str(prefix),
                uri: self.str(uri),
            },
            Node::Inherited { prefix, uri } => InfosetEvent::Inherited {
                prefix: self.str(prefix),
                uri: self.str(uri),
            },
            Node::Attribute {
                prefix,
                local,
                value,
            } => InfosetEvent::Attribute {
                prefix: self.str(prefix),
                local: self.str(local),
                value: self.str(value),
            },
            Node::Text(range) => InfosetEvent::Text(self.str(range)),
            Node::Bytes(range) => {
                InfosetEvent::Bytes(self.bytes.get(range.clone()).unwrap_or_default())
            }
            Node::Comment(range) => InfosetEvent::Comment(self.str(range)),
            Node::End => InfosetEvent::End,
        }
    }

    /// The namespace URI and local name of the first element (`""` for no namespace).
    pub fn root_element(&self) -> Result<(&str, &str), XmlError> {
        let mut bindings: SmallVec<[(&str, &str); 8]> = SmallVec::new();
        let mut root = None;
        for event in self.events() {
            match (event, root) {
                (InfosetEvent::Inherited { prefix, uri }, None) => bindings.push((prefix, uri)),
                (InfosetEvent::Start { prefix, local }, None) => root = Some((prefix, local)),
                (InfosetEvent::Xmlns { prefix, uri }, Some(_)) => bindings.push((prefix, uri)),
                (InfosetEvent::Attribute { .. }, Some(_)) => {}
                (InfosetEvent::Comment(_), None) => {}
                (_, Some(_)) => break,
                (_, None) => return Err(XmlError::NoRoot),
            }
        }
        let Some((prefix, local)) = root else {
            return Err(XmlError::NoRoot);
        };
        match bindings.iter().rev().find(|(p, _)| *p == prefix) {
            Some((_, uri)) => Ok((uri, local)),
            None if prefix.is_empty() => Ok(("", local)),
            None => Err(XmlError::UnknownPrefix(prefix.to_owned())),
        }
    }

    /// About how many bytes [`Infoset::write_text`] writes.
    pub fn text_len_hint(&self) -> usize {
        self.strings.len() + self.bytes.len().div_ceil(3) * 4 + 16 * self.nodes.len()
    }

    /// Writes the events as XML text (inherited bindings are not written: see
    /// [`Infoset::to_fragment`]).
    pub fn write_text(&self, out: &mut String) -> Result<(), XmlError> {
        out.reserve(self.text_len_hint());
        let mut writer = TextWriter::new(out);
        self.write_events(&mut writer, None, false)?;
        if writer.is_balanced() {
            Ok(())
        } else {
            Err(XmlError::UnexpectedEof)
        }
    }

    /// A reader of the events with namespaces resolved.
    pub fn reader(&self) -> InfosetReader<'_> {
        InfosetReader {
            infoset: self,
            pos: 0,
            bindings: SmallVec::new(),
            open: SmallVec::new(),
            current: None,
            pending_pop: None,
        }
    }

    /// The events as XML text, with the inherited bindings as the fragment's scope.
    pub fn to_fragment(&self) -> Result<XmlFragment, XmlError> {
        let mut text = String::new();
        self.write_text(&mut text)?;
        let scope = self
            .events()
            .filter_map(|event| match event {
                InfosetEvent::Inherited { prefix, uri } => {
                    Some((prefix.to_owned(), uri.to_owned()))
                }
                _ => None,
            })
            .collect();
        Ok(XmlFragment { text, scope })
    }
}

/// The events of an [`Infoset`], from [`Infoset::events`].
#[derive(Debug, Clone)]
pub struct Events<'a> {
    infoset: &'a Infoset,
    nodes: std::slice::Iter<'a, Node>,
}

impl<'a> Iterator for Events<'a> {
    type Item = InfosetEvent<'a>;

    fn next(&mut self) -> Option<InfosetEvent<'a>> {
        self.nodes.next().map(|node| self.infoset.event(node))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.nodes.size_hint()
    }
}

impl fmt::Debug for Infoset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_fragment() {
            Ok(fragment) if fragment.scope.is_empty() => {
                f.debug_tuple("Infoset").field(&fragment.text).finish()
            }
            // The bindings it inherited (which its text uses without declaring).
            Ok(fragment) => f
                .debug_struct("Infoset")
                .field("text", &fragment.text)
                .field("inherited", &fragment.scope)
                .finish(),
            Err(_) => f.debug_list().entries(self.events()).finish(),
        }
    }
}

/// An [`Infoset`] receives events as a sink: what a header codec writes, or a decoder.
impl XmlSink for Infoset {
    fn start_element(&mut self, prefix: &str, local: &str) -> Result<(), XmlError> {
        self.start(prefix, local);
        Ok(())
    }

    fn xmlns(&mut self, prefix: &str, uri: &str) -> Result<(), XmlError> {
        Infoset::xmlns(self, prefix, uri);
        Ok(())
    }

    fn attribute(&mut self, prefix: &str, local: &str, value: &str) -> Result<(), XmlError> {
        Infoset::attribute(self, prefix, local, value)
    }

    fn text(&mut self, text: &str) -> Result<(), XmlError> {
        Infoset::text(self, text)
    }

    fn bytes(&mut self, bytes: &[u8]) -> Result<(), XmlError> {
        Infoset::bytes(self, bytes);
        Ok(())
    }

    fn comment(&mut self, text: &str) -> Result<(), XmlError> {
        Infoset::comment(self, text)
    }

    fn end_element(&mut self) -> Result<(), XmlError> {
        self.end();
        Ok(())
    }
}

/// The element [`InfosetReader`] started last.
#[derive(Debug, Clone, Copy)]
struct Current<'i> {
    prefix: &'i str,
    local: &'i str,
    namespace: &'i str,
    /// Its declarations and attributes: node indices.
    nodes: (usize, usize),
    /// Its declarations: indices in `bindings`.
    declared: (usize, usize),
}

/// Reads an [`Infoset`]'s events as an [`XmlSource`], resolving namespace prefixes (from
/// [`Infoset::reader`]).
#[derive(Debug, Clone)]
pub struct InfosetReader<'i> {
    infoset: &'i Infoset,
    /// The next node.
    pos: usize,
    /// Bindings in scope, innermost last.
    bindings: SmallVec<[(&'i str, &'i str); 8]>,
    /// For each open element, the length of `bindings` before its declarations.
    open: SmallVec<[usize; 16]>,
    current: Option<Current<'i>>,
    /// The bindings to drop before the next event (after an end).
    pending_pop: Option<usize>,
}

impl<'i> InfosetReader<'i> {
    fn lookup(&self, prefix: &str) -> Option<&'i str> {
        match self.bindings.iter().rev().find(|(p, _)| *p == prefix) {
            Some((_, uri)) => Some(uri),
            None if prefix.is_empty() => Some(""),
            None if prefix == "xml" => Some(super::XML_NS),
            None => None,
        }
    }

    fn node(&self, i: usize) -> Option<InfosetEvent<'i>> {
        self.infoset
            .nodes
            .get(i)
            .map(|node| self.infoset.event(node))
    }

    fn start(&mut self, prefix: &'i str, local: &'i str) -> Result<Current<'i>, XmlError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        let before = self.bindings.len();
        self.open.push(before);
        let first = self.pos;
        while let Some(event) = self.node(self.pos) {
            match event {
                InfosetEvent::Xmlns { prefix, uri } => self.bindings.push((prefix, uri)),
                InfosetEvent::Attribute { .. } => {}
                _ => break,
            }
            self.pos += 1;
        }
        let namespace = self
            .lookup(prefix)
            .ok_or_else(|| XmlError::UnknownPrefix(prefix.to_owned()))?;
        Ok(Current {
            prefix,
            local,
            namespace,
            nodes: (first, self.pos),
            declared: (before, self.bindings.len()),
        })
    }
}

impl XmlSource for InfosetReader<'_> {
    fn next(&mut self) -> Result<Event<'_>, XmlError> {
        if let Some(len) = self.pending_pop.take() {
            self.bindings.truncate(len);
        }
        loop {
            let Some(event) = self.node(self.pos) else {
                return if self.open.is_empty() {
                    Ok(Event::Eof)
                } else {
                    Err(XmlError::UnexpectedEof)
                };
            };
            self.pos += 1;
            return Ok(match event {
                InfosetEvent::Inherited { prefix, uri } => {
                    self.bindings.push((prefix, uri));
                    continue;
                }
                InfosetEvent::Start { prefix, local } => {
                    let current = self.start(prefix, local)?;
                    self.current = Some(current);
                    Event::Start(Name {
                        prefix: current.prefix,
                        local: current.local,
                        namespace: current.namespace,
                    })
                }
                InfosetEvent::Text(text) => Event::Text(Text::Str(text)),
                InfosetEvent::Bytes(bytes) => Event::Text(Text::Bytes(bytes)),
                InfosetEvent::Comment(text) => Event::Comment(text),
                InfosetEvent::End => {
                    let Some(mark) = self.open.pop() else {
                        return Err(XmlError::TrailingContent);
                    };
                    self.pending_pop = Some(mark);
                    Event::End
                }
                InfosetEvent::Xmlns { .. } | InfosetEvent::Attribute { .. } => {
                    return Err(XmlError::Unsupported(
                        "a namespace declaration or attribute after an element's content",
                    ));
                }
            });
        }
    }

    fn declarations(&self) -> impl Iterator<Item = (&str, &str)> {
        let (from, to) = self.current.map_or((0, 0), |c| c.declared);
        self.bindings
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .copied()
    }

    fn attributes(&self) -> impl Iterator<Item = Result<Attribute<'_>, XmlError>> {
        let (from, to) = self.current.map_or((0, 0), |c| c.nodes);
        (from..to).filter_map(move |i| match self.node(i)? {
            InfosetEvent::Attribute {
                prefix,
                local,
                value,
            } => Some(
                // An unprefixed attribute is in no namespace.
                match if prefix.is_empty() {
                    Some("")
                } else {
                    self.lookup(prefix)
                } {
                    Some(namespace) => Ok(Attribute {
                        name: Name {
                            prefix,
                            local,
                            namespace,
                        },
                        value: std::borrow::Cow::Borrowed(value),
                    }),
                    None => Err(XmlError::UnknownPrefix(prefix.to_owned())),
                },
            ),
            _ => None,
        })
    }

    fn resolve(&self, prefix: &str) -> Option<&str> {
        self.lookup(prefix)
    }

    fn inherited(&self) -> impl Iterator<Item = (&str, &str)> {
        let to = self.current.map_or(0, |c| c.declared.0);
        self.bindings.get(..to).unwrap_or_default().iter().copied()
    }

    fn current(&self) -> Name<'_> {
        match self.current {
            Some(c) => Name {
                prefix: c.prefix,
                local: c.local,
                namespace: c.namespace,
            },
            None => Name {
                prefix: "",
                local: "",
                namespace: "",
            },
        }
    }
}
