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

use super::XmlFragment;
use super::escape::escape_into;
use super::{XmlError, base64};

/// One body element (or, from a decoder, the elements of a fragment) as a sequence of XML events.
///
/// Build one with [`xml::to_infoset`](super::to_infoset); read it with
/// [`xml::from_infoset`](super::from_infoset) or [`Infoset::events`].
#[derive(Clone, Default, PartialEq)]
pub struct Infoset {
    /// Names, namespace URIs, attribute values and text content.
    strings: String,
    /// Byte payloads.
    bytes: Vec<u8>,
    nodes: Vec<Node>,
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

/// Whether `text` holds only characters XML 1.0 can carry.
fn check_chars(text: &str) -> Result<(), XmlError> {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\t' | b'\n' | b'\r' => {}
            0..=0x1f => return Err(XmlError::InvalidChar(char::from(b))),
            // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters.
            0xef => match bytes.get(i + 1..i + 3) {
                Some([0xbf, 0xbe]) => return Err(XmlError::InvalidChar('\u{fffe}')),
                Some([0xbf, 0xbf]) => return Err(XmlError::InvalidChar('\u{ffff}')),
                _ => {}
            },
            _ => {}
        }
    }
    Ok(())
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
        let (prefix, local) = root.ok_or(XmlError::NoRoot)?;
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
        let mut open: SmallVec<[(&str, &str); 16]> = SmallVec::new();
        // The start tag of the innermost element still lacks its `>`.
        let mut tag_open = false;
        let close_tag = |out: &mut String, tag_open: &mut bool| {
            if std::mem::take(tag_open) {
                out.push('>');
            }
        };
        for event in self.events() {
            match event {
                InfosetEvent::Start { prefix, local } => {
                    close_tag(out, &mut tag_open);
                    out.push('<');
                    push_qname(out, prefix, local)?;
                    open.push((prefix, local));
                    tag_open = true;
                }
                InfosetEvent::Xmlns { .. } | InfosetEvent::Attribute { .. } if !tag_open => {
                    return Err(XmlError::Unsupported(
                        "a namespace declaration or attribute after an element's content",
                    ));
                }
                InfosetEvent::Xmlns { prefix, uri } => {
                    if prefix.is_empty() {
                        out.push_str(" xmlns=\"");
                    } else {
                        out.push_str(" xmlns:");
                        push_qname(out, "", prefix)?;
                        out.push_str("=\"");
                    }
                    escape_into(out, uri, true)?;
                    out.push('"');
                }
                InfosetEvent::Attribute {
                    prefix,
                    local,
                    value,
                } => {
                    out.push(' ');
                    push_qname(out, prefix, local)?;
                    out.push_str("=\"");
                    escape_into(out, value, true)?;
                    out.push('"');
                }
                InfosetEvent::Text(text) => {
                    close_tag(out, &mut tag_open);
                    escape_into(out, text, false)?;
                }
                InfosetEvent::Bytes(bytes) => {
                    close_tag(out, &mut tag_open);
                    base64::encode_into(out, bytes);
                }
                InfosetEvent::Comment(text) => {
                    if text.contains("--") || text.ends_with('-') {
                        return Err(XmlError::Unsupported("a comment XML text cannot carry"));
                    }
                    close_tag(out, &mut tag_open);
                    out.push_str("<!--");
                    out.push_str(text);
                    out.push_str("-->");
                }
                InfosetEvent::End => {
                    let (prefix, local) = open.pop().ok_or(XmlError::UnexpectedEof)?;
                    if std::mem::take(&mut tag_open) {
                        out.push_str("/>");
                    } else {
                        out.push_str("</");
                        push_qname(out, prefix, local)?;
                        out.push('>');
                    }
                }
                InfosetEvent::Inherited { .. } => {}
            }
        }
        if open.is_empty() {
            Ok(())
        } else {
            Err(XmlError::UnexpectedEof)
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
            Ok(fragment) => f.debug_tuple("Infoset").field(&fragment.text).finish(),
            Err(_) => f.debug_list().entries(self.events()).finish(),
        }
    }
}

/// Whether `s` can stand in a name of XML text (no markup, whitespace, control characters or
/// colon); not a full NCName check.
fn name_safe(s: &str) -> bool {
    !s.is_empty()
        && !s.chars().any(|c| {
            c.is_control()
                || c.is_whitespace()
                || matches!(
                    c,
                    '<' | '>' | '&' | '"' | '\'' | '=' | '/' | ':' | '!' | '?'
                )
        })
}

/// Appends `prefix:local`; fails for names XML text cannot carry.
fn push_qname(out: &mut String, prefix: &str, local: &str) -> Result<(), XmlError> {
    if !name_safe(local) || !(prefix.is_empty() || name_safe(prefix)) {
        let name = if prefix.is_empty() {
            local.to_owned()
        } else {
            format!("{prefix}:{local}")
        };
        return Err(XmlError::InvalidName(name));
    }
    if !prefix.is_empty() {
        out.push_str(prefix);
        out.push(':');
    }
    out.push_str(local);
    Ok(())
}
