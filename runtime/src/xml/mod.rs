//! The XML data format for message bodies: serde to and from the element shape that WCF's
//! DataContractSerializer reads and writes (document/literal wrapped).
//!
//! A value is always written as one element. Structs become child elements per field, sequences
//! one child element per item (named after the item's kind: `int`, `double`, `string`, the
//! struct's name, …), maps `KeyValueOf{Key}{Value}` items with `Key` and `Value` children in the
//! arrays namespace (as .NET writes a `Dictionary`), enums the variant
//! name as text (unit variants) or a child element named after the variant, `None` an element
//! with `i:nil="true"`. The reader matches elements by local name, accepts fields in any order
//! and ignores unknown ones, as DataContractSerializer does.
//!
//! The writer produces an [`Infoset`] (XML events, byte payloads kept as bytes) that each
//! encoder writes in its own form; the reader takes XML text ([`from_fragment`]) or an infoset
//! ([`from_infoset`]), so the binary encoding never goes through XML text.
//!
//! Below the serde format, XML is a stream of events ([`stream`]): an [`XmlSource`] to read
//! (over text: [`TextSource`]; over an infoset: [`InfosetReader`]) and an [`XmlSink`] to write
//! (as text: [`TextWriter`]; into an [`Infoset`]). The SOAP envelope grammar and header codecs
//! are written against those two traits.

pub(crate) mod base64;
pub mod bytes;
mod de;
pub(crate) mod escape;
mod fragment;
mod generic;
mod infoset;
mod kind;
pub(crate) mod lexical;
mod names;
mod output;
mod reader;
#[doc(hidden)]
pub mod references;
mod replay;
pub mod schema;
mod ser;
mod sink;
pub mod stream;
mod writer;

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The XML Schema instance namespace, which holds the `nil` attribute.
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

pub use fragment::XmlFragment;
pub use infoset::{Events as InfosetEvents, Infoset, InfosetEvent, InfosetReader};
pub(crate) use names::split_clark;
pub use output::TextOutput;
pub use reader::TextSource;
pub use references::IS_REFERENCE;
pub use ser::ARRAYS_NS;
pub(crate) use ser::write_float;
pub(crate) use sink::needs_declaring;
pub use stream::{XmlSink, XmlSource};
pub use writer::TextWriter;

/// The serde enum name prefix of a closed set of known types (.NET's `[KnownType]`,
/// `#[data_contract(known_types)]`): each variant holds one data contract, written as the
/// element of the declared (first) type with `xsi:type` naming the actual one, and read back
/// by that `xsi:type`. The variant names are the types' Clark-notation names.
#[doc(hidden)]
pub const KNOWN_TYPES: &str = "@known-types:";

/// The namespace bound to the `xml` prefix.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// The deepest element nesting the writer produces and the reader accepts.
pub const MAX_DEPTH: usize = 64;

/// The most namespace declarations a reader keeps in scope at once (every reader: text, binary,
/// infoset); more is [`XmlError::TooMany`]. Real envelopes have a handful.
pub const MAX_BINDINGS: usize = 64;

/// The most attributes (namespace declarations included) a reader accepts on one element.
pub const MAX_ATTRIBUTES: usize = 256;

/// The data-contract name of `value`'s type (`#[derive(DataContract)]`): its namespace (`None`
/// when it names none of its own) and its name; `None` for other types.
pub fn contract_name_of<T: ?Sized + Serialize>(
    value: &T,
) -> Option<(Option<&'static str>, &'static str)> {
    kind::contract_name(value)
}

/// Serializes `value` as one element `<name xmlns="namespace">…</name>`.
///
/// ```
/// # use indigo_runtime::xml::to_string;
/// #[derive(serde::Serialize)]
/// struct AddTo {
///     n: f64,
/// }
/// let xml = to_string(&AddTo { n: 5.0 }, "AddTo", "http://tempuri.org/").unwrap();
/// assert_eq!(xml, r#"<AddTo xmlns="http://tempuri.org/"><n>5</n></AddTo>"#);
/// ```
pub fn to_string<T: ?Sized + Serialize>(
    value: &T,
    name: &str,
    namespace: &str,
) -> Result<String, XmlError> {
    let mut out = String::with_capacity(128);
    to_infoset(value, name, namespace)?.write_text(&mut out)?;
    Ok(out)
}

/// Serializes `value` as one element named `name` in `namespace`, as XML events that any
/// encoder can write (see [`Infoset`]).
pub fn to_infoset<T: ?Sized + Serialize>(
    value: &T,
    name: &str,
    namespace: &str,
) -> Result<Infoset, XmlError> {
    // Room for a small message without growing.
    let mut out = Infoset::with_capacity(256, 16);
    write_element(&mut out, value, name, Some(namespace))?;
    Ok(out)
}

/// [`to_infoset`] for a message body of a contract whose data namespace differs from its
/// namespace: the members of types that name no namespace of their own go in
/// `data_namespace`.
pub fn to_infoset_with_data(
    value: &(impl ?Sized + Serialize),
    name: &str,
    namespace: &str,
    data_namespace: &str,
) -> Result<Infoset, XmlError> {
    let mut out = Infoset::with_capacity(256, 16);
    ser::write_root(&mut out, value, name, Some(namespace), Some(data_namespace))?;
    Ok(out)
}

/// Appends `value` to `out` as one element named `name`.
///
/// With `namespace` `Some`, the element declares it as its default namespace (`xmlns="…"`);
/// with `None`, it inherits the default namespace of wherever it is written. On error, `out` is
/// left as it was.
pub fn write_element<T: ?Sized + Serialize>(
    out: &mut Infoset,
    value: &T,
    name: &str,
    namespace: Option<&str>,
) -> Result<(), XmlError> {
    let mark = out.mark();
    let result = ser::write_root(out, value, name, namespace, namespace);
    if result.is_err() {
        out.truncate(mark);
    }
    result
}

/// Deserializes the single root element of `infoset` as a `T`, which may borrow from it.
///
/// The root element's name and namespace are not checked; use [`Infoset::root_element`] for
/// that.
pub fn from_infoset<'i, T: serde::Deserialize<'i>>(infoset: &'i Infoset) -> Result<T, XmlError> {
    de::from_infoset(infoset)
}

/// Deserializes the single root element of `fragment` as a `T`.
///
/// The root element's name and namespace are not checked; use [`root_element`] for that.
/// Namespace prefixes are resolved against the fragment's own declarations and its inherited
/// [`scope`](XmlFragment::scope).
pub fn from_fragment<T: DeserializeOwned>(fragment: &XmlFragment) -> Result<T, XmlError> {
    de::from_fragment(fragment)
}

/// Deserializes the single root element of `text` (which declares every prefix it uses).
///
/// Unlike [`from_fragment`], `T` may borrow strings from `text`.
pub fn from_str<'de, T: serde::Deserialize<'de>>(text: &'de str) -> Result<T, XmlError> {
    de::from_str_with_scope(text, &[])
}

/// The namespace URI and local name of the root element of `fragment`.
///
/// The namespace is `""` when the element is in no namespace.
pub fn root_element(fragment: &XmlFragment) -> Result<(String, String), XmlError> {
    de::root_element(fragment)
}

/// An error writing or reading XML.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The input is not well-formed XML (or breaks the namespace rules).
    #[error("malformed XML at byte {offset}: {source}")]
    Syntax {
        /// Where in the fragment's text the error was found.
        offset: u64,
        /// What is wrong.
        source: quick_xml::Error,
    },
    /// An attribute could not be parsed.
    #[error("malformed XML attribute: {0}")]
    Attribute(#[from] quick_xml::events::attributes::AttrError),
    /// The input is not well-formed XML, or not well-formed records of a binary encoding.
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// The input has a document type declaration, which is refused (it could declare entities).
    #[error("DOCTYPE declarations are not allowed")]
    Doctype,
    /// The input references an entity other than the five predefined ones.
    #[error("reference to the undefined entity `&{0};`")]
    UnknownEntity(String),
    /// A namespace prefix is used without being declared.
    #[error("undeclared namespace prefix `{0}`")]
    UnknownPrefix(String),
    /// The input ended before the element did.
    #[error("unexpected end of input")]
    UnexpectedEof,
    /// The fragment holds no element.
    #[error("no root element")]
    NoRoot,
    /// There is something other than whitespace or comments after the root element.
    #[error("unexpected content after the root element")]
    TrailingContent,
    /// Elements are nested deeper than [`MAX_DEPTH`].
    #[error("elements nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// The input has more of something than a reader accepts ([`MAX_BINDINGS`],
    /// [`MAX_ATTRIBUTES`], a message's headers).
    #[error("more than {limit} {what}")]
    TooMany {
        /// What there is too much of.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// An element has the same attribute (after namespace resolution) twice.
    #[error("attribute {0} appears twice on one element")]
    DuplicateAttribute(String),
    /// An element holds child elements where text was expected.
    #[error("expected text, found element <{0}>")]
    ExpectedText(String),
    /// An element holds text where child elements were expected.
    #[error("expected child elements, found text `{0}`")]
    UnexpectedText(String),
    /// A text value is not valid for its type.
    #[error("invalid {kind} value `{text}`")]
    InvalidValue {
        /// The expected type, in XML Schema terms (`int`, `double`, `boolean`, …).
        kind: &'static str,
        /// The text found.
        text: String,
    },
    /// A required field's element is absent.
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// An element is `xsi:nil` but its type has no null value.
    #[error("nil value for a non-optional type")]
    UnexpectedNil,
    /// A name given to the writer is not a valid XML element name.
    #[error("invalid XML element name `{0}`")]
    InvalidName(String),
    /// A string holds a character XML 1.0 cannot represent.
    #[error("character U+{:04X} cannot be written in XML", u32::from(*.0))]
    InvalidChar(char),
    /// The value has a shape this format does not support.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// An error raised by a `Serialize` or `Deserialize` implementation.
    #[error("{0}")]
    Custom(String),
    /// An error inside an element: `path` is the element path from the root, `/`-separated.
    #[error("in <{path}>: {source}")]
    At {
        /// The path of local names from the root element to the failing one.
        path: String,
        /// The error.
        source: Box<XmlError>,
    },
}

impl XmlError {
    /// The error without its [`At`](XmlError::At) location.
    pub fn innermost(&self) -> &XmlError {
        match self {
            XmlError::At { source, .. } => source.innermost(),
            e => e,
        }
    }

    /// Adds `element` in front of the error's location.
    pub(crate) fn at(self, element: &str) -> XmlError {
        match self {
            XmlError::At { path, source } => {
                let mut p = String::with_capacity(element.len() + 1 + path.len());
                p.push_str(element);
                p.push('/');
                p.push_str(&path);
                XmlError::At { path: p, source }
            }
            e => XmlError::At {
                path: element.to_owned(),
                source: Box::new(e),
            },
        }
    }
}

impl serde::ser::Error for XmlError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        XmlError::Custom(msg.to_string())
    }
}

impl serde::de::Error for XmlError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        XmlError::Custom(msg.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        XmlError::MissingField(field)
    }
}

#[cfg(test)]
mod tests;
