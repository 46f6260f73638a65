//! The binary source: an [`XmlSource`] over the records of one document ([`Reader`]).
//!
//! Typed text records become text in their XSD lexical forms, except byte payloads (kept as
//! bytes) and `UniqueId` GUIDs (kept as 16 bytes), so neither is printed on the way to the
//! deserializer or the message model.

use std::borrow::Cow;

use super::reader::{Event as Record, Reader, Strings};
use super::text::{Text as Value, swap_guid};
use crate::xml::XmlError;
use crate::xml::stream::{Attribute, Event, Name, Text, XmlSource};

/// Reads the records of one document as XML events.
#[derive(Debug)]
pub(crate) struct BinarySource<'a> {
    reader: Reader<'a>,
    /// The element last started.
    current: Name<'a>,
    /// The lexical form of the last typed text record.
    scratch: String,
}

impl<'a> BinarySource<'a> {
    /// A source over the document `input` (after any StringTable) with the dictionaries
    /// `strings`.
    pub(crate) fn new(input: &'a [u8], strings: Strings<'a>) -> Self {
        BinarySource {
            reader: Reader::new(input, strings),
            current: Name {
                prefix: "",
                local: "",
                namespace: "",
            },
            scratch: String::new(),
        }
    }
}

impl XmlSource for BinarySource<'_> {
    fn next(&mut self) -> Result<Event<'_>, XmlError> {
        Ok(match self.reader.next_event()? {
            Record::Start(name) => {
                self.current = Name {
                    prefix: name.prefix,
                    local: name.local,
                    namespace: self.reader.namespace(),
                };
                Event::Start(self.current)
            }
            Record::Text(Value::Str(text)) => Event::Text(Text::Str(text)),
            Record::Text(Value::Bytes(bytes)) => Event::Text(Text::Bytes(bytes)),
            Record::Text(Value::UniqueId(id)) => Event::Text(Text::UniqueId(swap_guid(id))),
            Record::Text(value) => {
                self.scratch.clear();
                value.write(&mut self.scratch)?;
                Event::Text(Text::Str(&self.scratch))
            }
            Record::End(_) => Event::End,
            Record::Comment(text) => Event::Comment(text),
            Record::Eof => Event::Eof,
        })
    }

    fn declarations(&self) -> impl Iterator<Item = (&str, &str)> {
        self.reader.declarations().iter().copied()
    }

    fn attributes(&self) -> impl Iterator<Item = Result<Attribute<'_>, XmlError>> {
        self.reader.attributes().iter().map(|attribute| {
            let value = match attribute.value {
                Value::Str(s) => Cow::Borrowed(s),
                other => Cow::Owned(other.to_string_lossless()?),
            };
            Ok(Attribute {
                name: Name {
                    prefix: attribute.name.prefix,
                    local: attribute.name.local,
                    namespace: attribute.namespace,
                },
                value,
            })
        })
    }

    fn inherited(&self) -> impl Iterator<Item = (&str, &str)> {
        self.reader.inherited_bindings().iter().copied()
    }

    fn resolve(&self, prefix: &str) -> Option<&str> {
        self.reader.resolve(prefix)
    }

    fn remaining(&self) -> Option<usize> {
        Some(self.reader.remaining())
    }

    fn current(&self) -> Name<'_> {
        self.current
    }
}
