//! A streaming pull reader of [MC-NBFX] records: an [`XmlSource`] giving one event per call,
//! borrowing names and strings from the input (or the dictionaries), resolving namespaces as it
//! goes. Typed text records become text in their XSD lexical forms, except byte payloads (kept
//! as bytes) and `UniqueId` GUIDs (kept as 16 bytes), so neither is printed on the way to the
//! deserializer or the message model.
//!
//! Every length is checked against the remaining input before it is used, so a record never costs
//! more than its own bytes; nesting is limited to [`MAX_DEPTH`] ([`XmlError::TooDeep`]), the
//! namespace declarations in scope to [`MAX_BINDINGS`] and the attributes of one element to
//! [`MAX_ATTRIBUTES`] ([`XmlError::TooMany`]); an attribute (after namespace resolution) or a
//! prefix declared twice on one element is an [`XmlError::DuplicateAttribute`]; any other
//! malformed record is an [`XmlError::Malformed`], never a panic.

use smallvec::SmallVec;

use std::borrow::Cow;

pub use super::text::Strings;
use super::text::{Text, read_text_record, read_utf8, read_value, read_varint, swap_guid};
use crate::xml::lexical::same_prefix;
use crate::xml::stream::{
    Attribute as XmlAttribute, Event as XmlEvent, Name as XmlName, Text as XmlText, XmlSource,
};
use crate::xml::{MAX_ATTRIBUTES, MAX_BINDINGS, MAX_DEPTH, XML_NS, XmlError};

fn malformed(message: impl Into<String>) -> XmlError {
    XmlError::Malformed(message.into())
}

/// An element's qualified name as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name<'a> {
    /// The prefix (`""` for none).
    pub prefix: &'a str,
    /// The local name.
    pub local: &'a str,
}

/// An attribute other than a namespace declaration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attribute<'a> {
    /// Its name.
    pub name: Name<'a>,
    /// The namespace its prefix is bound to (`""` for none).
    pub namespace: &'a str,
    /// Its value.
    pub value: Text<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayPhase {
    Start,
    Value,
    End,
}

#[derive(Debug, Clone, Copy)]
struct ArrayState<'a> {
    name: Name<'a>,
    item_type: u8,
    remaining: u32,
    phase: ArrayPhase,
    ns_len: usize,
}

/// The pull reader.
#[derive(Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    strings: Strings<'a>,
    /// For each open element, the length of the namespace stack before its declarations.
    open: SmallVec<[usize; 8]>,
    namespaces: SmallVec<[(&'a str, &'a str); 8]>,
    /// The declarations of the element last started: `namespaces[from..to]`.
    declared: (usize, usize),
    /// The namespace of the element last started.
    namespace: &'a str,
    attributes: SmallVec<[Attribute<'a>; 4]>,
    /// A text record with EndElement was returned: its End comes next.
    pending_end: bool,
    /// The element last started, with its namespace.
    current: XmlName<'a>,
    /// The lexical form of the last typed text record.
    scratch: String,
    /// Namespace stack length to restore before the next event (after an End).
    pending_pop: Option<usize>,
    array: Option<ArrayState<'a>>,
}

impl<'a> Reader<'a> {
    /// A reader of the document `input` with the dictionaries `strings`.
    pub fn new(input: &'a [u8], strings: Strings<'a>) -> Self {
        Reader {
            input,
            pos: 0,
            strings,
            // Inline room for a SOAP envelope's usual depth and declarations: no allocation.
            open: SmallVec::new(),
            namespaces: SmallVec::new(),
            declared: (0, 0),
            namespace: "",
            attributes: SmallVec::new(),
            pending_end: false,
            current: XmlName {
                prefix: "",
                local: "",
                namespace: "",
            },
            scratch: String::new(),
            pending_pop: None,
            array: None,
        }
    }

    /// The number of bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    /// The attributes of the element last started (namespace declarations excluded).
    pub fn attributes(&self) -> &[Attribute<'a>] {
        &self.attributes
    }

    /// The namespace declarations `(prefix, uri)` of the element last started.
    pub fn declarations(&self) -> &[(&'a str, &'a str)] {
        self.namespaces
            .get(self.declared.0..self.declared.1)
            .unwrap_or_default()
    }

    /// The bindings in scope outside the element last started (those it inherits).
    pub fn inherited_bindings(&self) -> &[(&'a str, &'a str)] {
        self.namespaces.get(..self.declared.0).unwrap_or_default()
    }

    /// The namespace `prefix` is bound to (`""` for an unbound default namespace), or `None` if the
    /// prefix is undeclared.
    pub fn resolve(&self, prefix: &str) -> Option<&'a str> {
        if let Some((_, uri)) = self
            .namespaces
            .iter()
            .rev()
            .find(|(p, _)| same_prefix(p, prefix))
        {
            return Some(uri);
        }
        match prefix {
            "" => Some(""),
            "xml" => Some(XML_NS),
            _ => None,
        }
    }

    /// Reads the next event.
    fn next_event(&mut self) -> Result<XmlEvent<'_>, XmlError> {
        if let Some(len) = self.pending_pop.take() {
            self.namespaces.truncate(len);
        }
        if self.pending_end {
            self.pending_end = false;
            return self.end_element();
        }
        if let Some(array) = self.array {
            return self.array_event(array);
        }
        let Some(&record) = self.input.get(self.pos) else {
            if self.open.is_empty() {
                return Ok(XmlEvent::Eof);
            }
            return Err(malformed(
                "the document ends inside an element (truncated?)",
            ));
        };
        self.pos += 1;
        match record {
            0x01 => self.end_element(),
            0x02 => Ok(XmlEvent::Comment(self.string()?)),
            0x03 => self.array_start(),
            0x40..=0x77 => {
                let name = self.element(record)?;
                self.push_element()?;
                Ok(self.started(name))
            }
            0x80..=0xBD => {
                if self.open.is_empty() {
                    return Err(malformed("text outside the root element"));
                }
                if matches!(record, 0xA6 | 0xA7) {
                    return Err(malformed("EndListText without StartListText"));
                }
                let (text, next) = read_text_record(self.input, self.pos - 1, self.strings)?;
                self.pos = next;
                // Odd record types (and an EndListText ending a list is even) end the element.
                self.pending_end = record & 1 == 1;
                self.text_event(text)
            }
            0x04..=0x3F => Err(malformed(format!(
                "attribute record 0x{record:02X} outside an element's start (at byte {})",
                self.pos - 1
            ))),
            _ => Err(malformed(format!(
                "invalid record type 0x{record:02X} (at byte {})",
                self.pos - 1
            ))),
        }
    }

    /// The start of `name` (the element last read) as an event.
    fn started(&mut self, name: Name<'a>) -> XmlEvent<'a> {
        self.current = XmlName {
            prefix: name.prefix,
            local: name.local,
            namespace: self.namespace,
        };
        XmlEvent::Start(self.current)
    }

    /// A text record's value as an event: text, bytes or a GUID as they are, other values in
    /// their lexical form.
    fn text_event(&mut self, text: Text<'a>) -> Result<XmlEvent<'_>, XmlError> {
        Ok(XmlEvent::Text(match text {
            Text::Str(s) => XmlText::Str(s),
            Text::Bytes(b) => XmlText::Bytes(b),
            Text::UniqueId(id) => XmlText::UniqueId(swap_guid(id)),
            other => {
                self.scratch.clear();
                other.write(&mut self.scratch)?;
                XmlText::Str(&self.scratch)
            }
        }))
    }

    fn end_element(&mut self) -> Result<XmlEvent<'static>, XmlError> {
        let open = self
            .open
            .pop()
            .ok_or_else(|| malformed("EndElement without an open element"))?;
        self.pending_pop = Some(open);
        Ok(XmlEvent::End)
    }

    #[inline]
    fn push_element(&mut self) -> Result<(), XmlError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        self.open.push(self.declared.0);
        Ok(())
    }

    /// Reads an element record (type byte already consumed) and its attribute records.
    fn element(&mut self, record: u8) -> Result<Name<'a>, XmlError> {
        let name = match record {
            0x40 => Name {
                prefix: "",
                local: self.string()?,
            },
            0x41 => Name {
                prefix: self.string()?,
                local: self.string()?,
            },
            0x42 => Name {
                prefix: "",
                local: self.dictionary_string()?,
            },
            0x43 => Name {
                prefix: self.string()?,
                local: self.dictionary_string()?,
            },
            0x44..=0x5D => Name {
                prefix: letter(record - 0x44),
                local: self.dictionary_string()?,
            },
            _ => Name {
                prefix: letter(record.wrapping_sub(0x5E)),
                local: self.string()?,
            },
        };
        if name.local.is_empty() {
            return Err(malformed("an element with an empty name"));
        }
        self.attributes.clear();
        let ns_start = self.namespaces.len();
        let mut count = 0usize;
        while let Some(&record @ 0x04..=0x3F) = self.input.get(self.pos) {
            if count >= MAX_ATTRIBUTES {
                return Err(XmlError::TooMany {
                    what: "attributes on one element",
                    limit: MAX_ATTRIBUTES,
                });
            }
            count += 1;
            self.pos += 1;
            self.attribute(record, ns_start)?;
        }
        self.declared = (ns_start, self.namespaces.len());
        self.namespace = self.resolve(name.prefix).ok_or_else(|| {
            malformed(format!(
                "element {}:{} uses an undeclared prefix",
                name.prefix, name.local
            ))
        })?;
        for i in 0..self.attributes.len() {
            let name = self.attributes[i].name;
            // An unprefixed attribute is in no namespace.
            let namespace = if name.prefix.is_empty() {
                Some("")
            } else {
                self.resolve(name.prefix)
            };
            let namespace = namespace.ok_or_else(|| {
                malformed(format!(
                    "attribute {}:{} uses an undeclared prefix",
                    name.prefix, name.local
                ))
            })?;
            // Each attribute once: readers must not disagree on which of two values counts.
            if let Some(twice) = self.attributes[..i]
                .iter()
                .find(|a| a.name.local == name.local && a.namespace == namespace)
            {
                return Err(XmlError::DuplicateAttribute(format!(
                    "{{{}}}{}",
                    twice.namespace, twice.name.local
                )));
            }
            self.attributes[i].namespace = namespace;
        }
        Ok(name)
    }

    /// Reads one attribute record (type byte consumed) of the element whose declarations start
    /// at `namespaces[ns_start]`.
    fn attribute(&mut self, record: u8, ns_start: usize) -> Result<(), XmlError> {
        let name = match record {
            0x04 => Name {
                prefix: "",
                local: self.string()?,
            },
            0x05 => Name {
                prefix: self.string()?,
                local: self.string()?,
            },
            0x06 => Name {
                prefix: "",
                local: self.dictionary_string()?,
            },
            0x07 => Name {
                prefix: self.string()?,
                local: self.dictionary_string()?,
            },
            0x08..=0x0B => {
                let prefix = if record & 1 == 1 { self.string()? } else { "" };
                let uri = if record >= 0x0A {
                    self.dictionary_string()?
                } else {
                    self.string()?
                };
                if !prefix.is_empty() && uri.is_empty() {
                    return Err(malformed(format!(
                        "the prefix {prefix} is bound to the empty namespace"
                    )));
                }
                if prefix == "xmlns" || prefix == "xml" {
                    return Err(malformed(format!("the prefix {prefix} cannot be declared")));
                }
                let declared = self.namespaces.get(ns_start..).unwrap_or_default();
                if declared.iter().any(|(p, _)| same_prefix(p, prefix)) {
                    return Err(XmlError::DuplicateAttribute(if prefix.is_empty() {
                        "xmlns".to_owned()
                    } else {
                        format!("xmlns:{prefix}")
                    }));
                }
                if self.namespaces.len() >= MAX_BINDINGS {
                    return Err(XmlError::TooMany {
                        what: "namespace declarations in scope",
                        limit: MAX_BINDINGS,
                    });
                }
                self.namespaces.push((prefix, uri));
                return Ok(());
            }
            0x0C..=0x25 => Name {
                prefix: letter(record - 0x0C),
                local: self.dictionary_string()?,
            },
            _ => Name {
                prefix: letter(record.wrapping_sub(0x26)),
                local: self.string()?,
            },
        };
        if name.local.is_empty() || name.prefix == "xmlns" {
            return Err(malformed("an invalid attribute name"));
        }
        // An unprefixed attribute is in no namespace whatever the element declares: a second
        // one of the same name is refused at once, as the text reader does, rather than after
        // up to MAX_ATTRIBUTES more (prefixed ones are checked once the start tag is read).
        if name.prefix.is_empty()
            && self
                .attributes
                .iter()
                .any(|a| a.name.prefix.is_empty() && a.name.local == name.local)
        {
            return Err(XmlError::DuplicateAttribute(format!("{{}}{}", name.local)));
        }
        let record = *self
            .input
            .get(self.pos)
            .ok_or_else(|| malformed("the document ends inside an attribute"))?;
        if !(0x80..=0xBD).contains(&record) || (record & 1 == 1) || record == 0xA6 {
            return Err(malformed(format!(
                "attribute {} has record 0x{record:02X} as its value",
                name.local
            )));
        }
        let (value, next) = read_text_record(self.input, self.pos, self.strings)?;
        self.pos = next;
        self.attributes.push(Attribute {
            name,
            namespace: "",
            value,
        });
        Ok(())
    }

    fn array_start(&mut self) -> Result<XmlEvent<'_>, XmlError> {
        let record = self.u8()?;
        if !(0x40..=0x77).contains(&record) {
            return Err(malformed("an Array record without an element"));
        }
        let name = self.element(record)?;
        if self.u8()? != 0x01 {
            return Err(malformed(
                "an Array's element is not followed by EndElement",
            ));
        }
        let item_type = self.u8()?;
        let size = match item_type {
            0xB5 => 1,
            0x8B => 2,
            0x8D | 0x91 => 4,
            0x8F | 0x93 | 0x97 | 0xAF => 8,
            0x95 | 0xB1 => 16,
            other => {
                return Err(malformed(format!("invalid Array item type 0x{other:02X}")));
            }
        };
        let count = self.varint()?;
        if count == 0 {
            return Err(malformed("an Array with no items"));
        }
        let total = (count as usize)
            .checked_mul(size)
            .filter(|&total| total <= self.input.len().saturating_sub(self.pos))
            .ok_or_else(|| malformed("an Array runs past the end of the document"))?;
        let _ = total;
        let array = ArrayState {
            name,
            item_type,
            remaining: count,
            phase: ArrayPhase::Start,
            ns_len: self.declared.0,
        };
        self.array_event(array)
    }

    fn array_event(&mut self, mut array: ArrayState<'a>) -> Result<XmlEvent<'_>, XmlError> {
        match array.phase {
            ArrayPhase::Start => {
                if self.open.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                self.open.push(array.ns_len);
                array.phase = ArrayPhase::Value;
                self.array = Some(array);
                Ok(self.started(array.name))
            }
            ArrayPhase::Value => {
                // Reads the fixed-size value as if it were the plain text record of that type.
                let (text, next) = read_value(self.input, self.pos, array.item_type & !1)?;
                self.pos = next;
                array.phase = ArrayPhase::End;
                self.array = Some(array);
                self.text_event(text)
            }
            ArrayPhase::End => {
                self.open.pop();
                array.remaining -= 1;
                array.phase = ArrayPhase::Start;
                if array.remaining == 0 {
                    self.pending_pop = Some(array.ns_len);
                    self.array = None;
                } else {
                    self.array = Some(array);
                }
                Ok(XmlEvent::End)
            }
        }
    }

    fn u8(&mut self) -> Result<u8, XmlError> {
        let byte = *self
            .input
            .get(self.pos)
            .ok_or_else(|| malformed("the document ends inside a record"))?;
        self.pos += 1;
        Ok(byte)
    }

    fn varint(&mut self) -> Result<u32, XmlError> {
        let (value, next) = read_varint(self.input, self.pos)?;
        self.pos = next;
        Ok(value)
    }

    fn string(&mut self) -> Result<&'a str, XmlError> {
        let len = self.varint()? as usize;
        let (s, next) = read_utf8(self.input, self.pos, len)?;
        self.pos = next;
        Ok(s)
    }

    fn dictionary_string(&mut self) -> Result<&'a str, XmlError> {
        let id = self.varint()?;
        self.strings.get(id)
    }
}

impl XmlSource for Reader<'_> {
    #[inline]
    fn next(&mut self) -> Result<XmlEvent<'_>, XmlError> {
        self.next_event()
    }

    fn declarations(&self) -> impl Iterator<Item = (&str, &str)> {
        Reader::declarations(self).iter().copied()
    }

    /// A text record that ends its element (how WCF writes a header's text) is returned as it
    /// is, without a copy.
    fn text_in<'s>(&'s mut self, scratch: &'s mut String) -> Result<&'s str, XmlError> {
        scratch.clear();
        if self.pending_pop.is_none()
            && !self.pending_end
            && self.array.is_none()
            && let Some(0x99 | 0x9B | 0x9D | 0xAB) = self.input.get(self.pos)
        {
            let (text, next) = read_text_record(self.input, self.pos, self.strings)?;
            if let Text::Str(text) = text {
                self.pos = next;
                self.end_element()?;
                return Ok(text);
            }
        }
        self.text_into(scratch)?;
        Ok(scratch)
    }

    fn attributes(&self) -> impl Iterator<Item = Result<XmlAttribute<'_>, XmlError>> {
        Reader::attributes(self).iter().map(|attribute| {
            let value = match attribute.value {
                Text::Str(s) => Cow::Borrowed(s),
                other => Cow::Owned(other.to_string_lossless()?),
            };
            Ok(XmlAttribute {
                name: XmlName {
                    prefix: attribute.name.prefix,
                    local: attribute.name.local,
                    namespace: attribute.namespace,
                },
                value,
            })
        })
    }

    fn inherited(&self) -> impl Iterator<Item = (&str, &str)> {
        self.inherited_bindings().iter().copied()
    }

    fn resolve(&self, prefix: &str) -> Option<&str> {
        Reader::resolve(self, prefix)
    }

    fn remaining(&self) -> Option<usize> {
        Some(Reader::remaining(self))
    }

    fn current(&self) -> XmlName<'_> {
        self.current
    }
}

/// The prefix of a letter record: `a` for 0 … `z` for 25.
fn letter(index: u8) -> &'static str {
    const LETTERS: &str = "abcdefghijklmnopqrstuvwxyz";
    let i = usize::from(index);
    LETTERS.get(i..i + 1).unwrap_or("a")
}
