//! The element name a value gets as a sequence item (`int`, `string`, the struct's name,
//! `ArrayOf…`), found without writing the value: a serializer that stops at the first call.

use std::borrow::Cow;
use std::fmt;

use serde::ser::{self, Impossible, Serialize};

/// The item element name of `value`, as the serializer would choose it. A nested sequence's
/// first item is serialized once more to name it (as far as its own first call).
pub(crate) fn of<T: ?Sized + Serialize>(value: &T) -> Cow<'static, str> {
    match value.serialize(Probe) {
        Err(Found::Kind(kind)) => kind,
        Ok(()) | Err(Found::Custom) => Cow::Borrowed("anyType"),
    }
}

/// How the probe stops: with the kind, or because the value failed on its own.
#[derive(Debug)]
enum Found {
    Kind(Cow<'static, str>),
    Custom,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Kind(kind) => f.write_str(kind),
            Found::Custom => f.write_str("custom error"),
        }
    }
}

impl std::error::Error for Found {}

impl ser::Error for Found {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Found::Custom
    }
}

fn found<T>(kind: &'static str) -> Result<T, Found> {
    Err(Found::Kind(Cow::Borrowed(kind)))
}

struct Probe;

/// A sequence's name is `ArrayOf` and its first item's.
struct SeqProbe;

impl ser::SerializeSeq for SeqProbe {
    type Ok = ();
    type Error = Found;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Found> {
        Err(Found::Kind(Cow::Owned(format!("ArrayOf{}", of(value)))))
    }

    fn end(self) -> Result<(), Found> {
        found("ArrayOfanyType")
    }
}

impl ser::SerializeTuple for SeqProbe {
    type Ok = ();
    type Error = Found;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Found> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), Found> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::Serializer for Probe {
    type Ok = ();
    type Error = Found;
    type SerializeSeq = SeqProbe;
    type SerializeTuple = SeqProbe;
    type SerializeTupleStruct = Impossible<(), Found>;
    type SerializeTupleVariant = Impossible<(), Found>;
    type SerializeMap = Impossible<(), Found>;
    type SerializeStruct = Impossible<(), Found>;
    type SerializeStructVariant = Impossible<(), Found>;

    fn serialize_bool(self, _: bool) -> Result<(), Found> {
        found("boolean")
    }
    fn serialize_i8(self, _: i8) -> Result<(), Found> {
        found("byte")
    }
    fn serialize_i16(self, _: i16) -> Result<(), Found> {
        found("short")
    }
    fn serialize_i32(self, _: i32) -> Result<(), Found> {
        found("int")
    }
    fn serialize_i64(self, _: i64) -> Result<(), Found> {
        found("long")
    }
    fn serialize_i128(self, _: i128) -> Result<(), Found> {
        found("integer")
    }
    fn serialize_u8(self, _: u8) -> Result<(), Found> {
        found("unsignedByte")
    }
    fn serialize_u16(self, _: u16) -> Result<(), Found> {
        found("unsignedShort")
    }
    fn serialize_u32(self, _: u32) -> Result<(), Found> {
        found("unsignedInt")
    }
    fn serialize_u64(self, _: u64) -> Result<(), Found> {
        found("unsignedLong")
    }
    fn serialize_u128(self, _: u128) -> Result<(), Found> {
        found("integer")
    }
    fn serialize_f32(self, _: f32) -> Result<(), Found> {
        found("float")
    }
    fn serialize_f64(self, _: f64) -> Result<(), Found> {
        found("double")
    }
    fn serialize_char(self, _: char) -> Result<(), Found> {
        found("char")
    }
    fn serialize_str(self, _: &str) -> Result<(), Found> {
        found("string")
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Found> {
        found("base64Binary")
    }
    fn serialize_none(self) -> Result<(), Found> {
        found("anyType")
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Found> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Found> {
        found("anyType")
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<(), Found> {
        found(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Found> {
        found(name)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Found> {
        found(name)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<SeqProbe, Found> {
        Ok(SeqProbe)
    }
    fn serialize_tuple(self, _: usize) -> Result<SeqProbe, Found> {
        Ok(SeqProbe)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Found> {
        found(name)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Found> {
        found(name)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Found> {
        found("ArrayOfKeyValue")
    }
    fn serialize_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Found> {
        found(name)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Found> {
        found(name)
    }
}
