//! .NET's data-contract primitives that serde's own types do not cover, written as WCF's
//! DataContractSerializer writes them and read back tolerantly.
//!
//! Each type here serializes through serde as a newtype struct whose name is its XML Schema type
//! in Clark notation (`{namespace}local`), wrapping its text; the XML body format
//! ([`crate::xml`]) writes the text as the element's content, and the schema tracer
//! ([`crate::xml::schema`]) records the named schema type for the WSDL. Other serde formats see
//! a string.
//!
//! | .NET | here | wire form | schema type |
//! |---|---|---|---|
//! | `System.Guid` | [`Guid`] | `6f9619ff-8b86-d011-b42d-00c04fc964ff` (lower case) | `ser:guid` |
//! | `System.TimeSpan` | [`TimeSpan`] | `PT1H2M3.5S`, `-P1DT2H`, `PT0S` | `ser:duration` |
//! | `System.DateTime` | [`DateTime`] | `2024-05-06T07:08:09.1234567Z`, `…+02:00`, no suffix | `xs:dateTime` |
//! | `System.DateTimeOffset` | [`DateTimeOffset`] | `<DateTime>` (UTC) and `<OffsetMinutes>` children | `DateTimeOffset` in [`SYSTEM_NS`] |
//! | `System.Decimal` | [`Decimal`] | `-12.3400` (the scale kept) | `xs:decimal` |
//! | `System.Char` | [`Char`] | the UTF-16 code unit as a number: `65` | `ser:char` |
//! | a `[Flags]` enum | [`Flags<T>`] of a `#[data_contract(flags)]` enum | `Read Write`, empty for 0 | an `xs:list` of the enumeration |
//! | `byte[]` | `Vec<u8>` with `#[serde(with = "indigo_runtime::xml::bytes")]` | base64 | `xs:base64Binary` |
//!
//! `ser:` is [`SERIALIZATION_NS`], `xs:` is [`XS_NS`]. A `byte[]` needs no type of its own:
//! [`crate::xml::bytes`] makes a `Vec<u8>` field go through `serialize_bytes`, which the writer
//! puts out as one `base64Binary` text (the reader takes base64 text for any `Vec<u8>`).
//!
//! Reading is as tolerant as .NET's `XmlConvert`: surrounding whitespace, upper-case GUIDs and
//! their braced forms, every `xs:duration` without years or months, `xs:dateTime` with any
//! number of fractional digits (rounded to ticks as .NET rounds) and `xs:date`, decimals with a
//! leading `+`. Text that is not of the form, or a value outside the .NET type's range, is a
//! [`DataError`], never a panic.
//!
//! Dates and times convert to and from the [`time`] crate (`OffsetDateTime`,
//! `PrimitiveDateTime`, `Duration`), and [`TimeSpan`] to and from [`std::time::Duration`]; the
//! types themselves keep .NET's ticks, so nothing is lost between the wire and back. A
//! [`Decimal`] exposes its mantissa and scale, which is all any decimal crate needs:
//! `rust_decimal::Decimal::from_i128_with_scale(d.mantissa(), d.scale().into())`.

mod char;
mod datetime;
mod decimal;
mod flags;
mod guid;
mod lexical;
mod members;
mod time_crate;
mod timespan;

#[cfg(test)]
mod tests;

use std::fmt;

pub use self::char::Char;
pub use datetime::{DateTime, DateTimeKind, DateTimeOffset};
pub use decimal::Decimal;
pub use flags::{Flags, FlagsContract};
pub use guid::Guid;
#[doc(hidden)]
pub use members::DataMembers;
pub use timespan::TimeSpan;

/// The DataContractSerializer's own namespace, which holds `ser:guid`, `ser:char` and
/// `ser:duration`.
pub use crate::xml::schema::SERIALIZATION_NS;

/// The XML Schema namespace, which holds `xs:dateTime` and `xs:decimal`.
pub use crate::xml::schema::XS_NS;

/// The data-contract namespace of .NET's `System` types, which holds `DateTimeOffset` and its
/// children.
pub const SYSTEM_NS: &str = "http://schemas.datacontract.org/2004/07/System";

/// Why a value could not be read or converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The text is not in the type's lexical form.
    #[error("invalid {type_name} `{text}`: {reason}")]
    Syntax {
        /// The .NET type (`Guid`, `TimeSpan`, …).
        type_name: &'static str,
        /// The start of the text found.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The value is well formed but outside the range of the .NET type.
    #[error("{type_name} `{text}` is out of range: {reason}")]
    OutOfRange {
        /// The .NET type (`Guid`, `TimeSpan`, …).
        type_name: &'static str,
        /// The start of the text found, or the value converted.
        text: String,
        /// Which limit it passes.
        reason: &'static str,
    },
    /// A Rust `char` outside the Basic Multilingual Plane: a .NET `char` is one UTF-16 code
    /// unit.
    #[error("U+{:04X} is outside the Basic Multilingual Plane and is no .NET char", u32::from(*.0))]
    NotBmp(char),
    /// A .NET `char` that is a lone surrogate, which no Rust `char` can hold.
    #[error("the UTF-16 code unit 0x{0:04X} is a surrogate, not a character")]
    Surrogate(u16),
    /// A [`DateTime`] of kind [`Unspecified`](DateTimeKind::Unspecified) has no offset from
    /// UTC, so it is no instant.
    #[error("a DateTime of unspecified kind has no offset from UTC")]
    NoOffset,
}

impl DataError {
    pub(crate) fn syntax(type_name: &'static str, text: &str, reason: &'static str) -> Self {
        DataError::Syntax {
            type_name,
            text: excerpt(text),
            reason,
        }
    }

    pub(crate) fn range(type_name: &'static str, text: &str, reason: &'static str) -> Self {
        DataError::OutOfRange {
            type_name,
            text: excerpt(text),
            reason,
        }
    }
}

/// The start of `text`, for error messages: at most 64 characters.
fn excerpt(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A value that travels as one text with a Clark-notation schema type name: its serde form.
trait Lexical: Sized + fmt::Display + std::str::FromStr<Err = DataError> {
    /// The schema type, `{namespace}local`.
    const NAME: &'static str;
    /// What the deserializer expects, for serde's messages.
    const EXPECTING: &'static str;
}

/// Serializes `value` as the newtype struct `T::NAME` around its text.
fn serialize_lexical<T: Lexical, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_newtype_struct(T::NAME, &AsText(value))
}

/// Deserializes the newtype struct `T::NAME` around a text and parses it.
fn deserialize_lexical<'de, T: Lexical, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_newtype_struct(T::NAME, LexicalVisitor(std::marker::PhantomData))
}

/// A value serialized as its `Display` text.
struct AsText<'a, T>(&'a T);

impl<T: fmt::Display> serde::Serialize for AsText<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self.0)
    }
}

struct LexicalVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Lexical> serde::de::Visitor<'de> for LexicalVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_str(self)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

/// Implements `Serialize` and `Deserialize` through [`Lexical`].
macro_rules! lexical_serde {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $crate::data::serialize_lexical(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::data::deserialize_lexical(deserializer)
            }
        }
    };
}
use lexical_serde;
