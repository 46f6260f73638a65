//! The element name a value gets as a sequence item (`int`, `string`, the struct's name,
//! `ArrayOf…`), found without writing the value: a serializer that stops at the first call.
//!
//! Names may be in Clark notation, `{namespace}Local`: a data contract names its type that way
//! (`#[derive(DataContract)]`), and the serializer writes its members in that namespace.

use std::borrow::Cow;
use std::fmt;

use serde::ser::{self, Impossible, Serialize};

use super::ARRAYS_NS;
use super::generic::key_value_name;
use super::names::{SERIALIZATION_NS, XS_NS, is_simple_type_namespace, split_clark};

/// An item element's name: its namespace (`None`: wherever it is written) and local name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Kind {
    pub ns: Option<&'static str>,
    pub local: Cow<'static, str>,
    /// A struct's or enum's serde name, as given.
    pub raw: Option<&'static str>,
    /// The namespace of the value's schema type (.NET's stable name), which generic names hash:
    /// XML Schema's for the built-ins, the serializer's own for `guid`, `char` and `duration`,
    /// the arrays namespace for collections, a data contract's own (`None`: it names none).
    pub schema_ns: Option<&'static str>,
}

impl Kind {
    fn named(name: &'static str) -> Kind {
        let (ns, local) = split_clark(name);
        Kind {
            ns,
            local: Cow::Borrowed(local),
            raw: Some(name),
            schema_ns: if name == "anyType" { Some(XS_NS) } else { ns },
        }
    }

    /// The entry name of a map with keys of kind `key` and values of kind `value`
    /// (`KeyValueOf{key}{value}`, see [`key_value_name`]); `default_ns` stands for a namespace
    /// a data contract does not name.
    pub(crate) fn entry_name(key: &Kind, value: &Kind, default_ns: &str) -> String {
        key_value_name(
            &key.local,
            key.schema_ns.unwrap_or(default_ns),
            &value.local,
            value.schema_ns.unwrap_or(default_ns),
        )
    }
}

/// The name of `value`'s data contract (a struct or enum named in Clark notation), split.
pub(crate) fn contract_name<T: ?Sized + Serialize>(
    value: &T,
) -> Option<(Option<&'static str>, &'static str)> {
    match value.serialize(Probe) {
        Err(Found::Kind(Kind { raw: Some(raw), .. })) if raw.starts_with('{') => {
            Some(split_clark(raw))
        }
        _ => None,
    }
}

/// The item element name of `value`, as the serializer would choose it. A nested sequence's
/// first item is serialized once more to name it (as far as its own first call).
pub(crate) fn of<T: ?Sized + Serialize>(value: &T) -> Kind {
    match value.serialize(Probe) {
        Err(Found::Kind(kind)) => kind,
        Ok(()) | Err(Found::Custom) => Kind::named("anyType"),
    }
}

/// How the probe stops: with the kind, or because the value failed on its own.
#[derive(Debug)]
enum Found {
    Kind(Kind),
    Custom,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Kind(kind) => f.write_str(&kind.local),
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

/// A named kind: a struct's or enum's name, possibly in Clark notation.
fn found<T>(kind: &'static str) -> Result<T, Found> {
    Err(Found::Kind(Kind::named(kind)))
}

/// A primitive's kind: the DataContractSerializer puts primitive items in its arrays namespace.
fn primitive<T>(kind: &'static str) -> Result<T, Found> {
    qualified_primitive(XS_NS, kind)
}

/// A primitive of schema namespace `schema_ns` (XML Schema's, or the serializer's own).
fn qualified_primitive<T>(schema_ns: &'static str, kind: &'static str) -> Result<T, Found> {
    Err(Found::Kind(Kind {
        ns: Some(ARRAYS_NS),
        local: Cow::Borrowed(kind),
        raw: None,
        schema_ns: Some(schema_ns),
    }))
}

/// `ArrayOf{item}`, in the item's namespace.
fn array_of(item: Kind) -> Kind {
    let schema_ns = if item.ns == Some(ARRAYS_NS) {
        Some(ARRAYS_NS)
    } else {
        item.schema_ns
    };
    Kind {
        ns: item.ns,
        local: Cow::Owned(format!("ArrayOf{}", item.local)),
        raw: None,
        schema_ns,
    }
}

/// `ArrayOfKeyValueOf{key}{value}…`, in the arrays namespace.
fn map_of(key: &Kind, value: &Kind) -> Kind {
    Kind {
        ns: Some(ARRAYS_NS),
        local: Cow::Owned(format!("ArrayOf{}", Kind::entry_name(key, value, ""))),
        raw: None,
        schema_ns: Some(ARRAYS_NS),
    }
}

/// A map's name is `ArrayOf` and its first entry's.
struct MapProbe;

impl ser::SerializeMap for MapProbe {
    type Ok = ();
    type Error = Found;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Found> {
        Err(Found::Kind(map_of(&of(key), &Kind::named("anyType"))))
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, _: &T) -> Result<(), Found> {
        found("ArrayOfKeyValueOfanyTypeanyType")
    }

    fn serialize_entry<K: ?Sized + Serialize, V: ?Sized + Serialize>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), Found> {
        Err(Found::Kind(map_of(&of(key), &of(value))))
    }

    fn end(self) -> Result<(), Found> {
        Err(Found::Kind(Kind {
            ns: Some(ARRAYS_NS),
            local: Cow::Borrowed("ArrayOfKeyValueOfanyTypeanyType"),
            raw: None,
            schema_ns: Some(ARRAYS_NS),
        }))
    }
}

struct Probe;

/// A sequence's name is `ArrayOf` and its first item's.
struct SeqProbe;

impl ser::SerializeSeq for SeqProbe {
    type Ok = ();
    type Error = Found;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Found> {
        Err(Found::Kind(array_of(of(value))))
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
    type SerializeMap = MapProbe;
    type SerializeStruct = Impossible<(), Found>;
    type SerializeStructVariant = Impossible<(), Found>;

    fn serialize_bool(self, _: bool) -> Result<(), Found> {
        primitive("boolean")
    }
    fn serialize_i8(self, _: i8) -> Result<(), Found> {
        primitive("byte")
    }
    fn serialize_i16(self, _: i16) -> Result<(), Found> {
        primitive("short")
    }
    fn serialize_i32(self, _: i32) -> Result<(), Found> {
        primitive("int")
    }
    fn serialize_i64(self, _: i64) -> Result<(), Found> {
        primitive("long")
    }
    fn serialize_i128(self, _: i128) -> Result<(), Found> {
        primitive("integer")
    }
    fn serialize_u8(self, _: u8) -> Result<(), Found> {
        primitive("unsignedByte")
    }
    fn serialize_u16(self, _: u16) -> Result<(), Found> {
        primitive("unsignedShort")
    }
    fn serialize_u32(self, _: u32) -> Result<(), Found> {
        primitive("unsignedInt")
    }
    fn serialize_u64(self, _: u64) -> Result<(), Found> {
        primitive("unsignedLong")
    }
    fn serialize_u128(self, _: u128) -> Result<(), Found> {
        primitive("integer")
    }
    fn serialize_f32(self, _: f32) -> Result<(), Found> {
        primitive("float")
    }
    fn serialize_f64(self, _: f64) -> Result<(), Found> {
        primitive("double")
    }
    fn serialize_char(self, _: char) -> Result<(), Found> {
        qualified_primitive(SERIALIZATION_NS, "char")
    }
    fn serialize_str(self, _: &str) -> Result<(), Found> {
        primitive("string")
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Found> {
        primitive("base64Binary")
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
        name: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        match split_clark(name) {
            // A simple type of its own (`crate::data`): named like a built-in.
            (Some(ns), local) if is_simple_type_namespace(ns) => {
                let ns = if ns == XS_NS { XS_NS } else { SERIALIZATION_NS };
                qualified_primitive(ns, local)
            }
            // A data contract's text form (a `[Flags]` set): named after the contract.
            (Some(_), _) => found(name),
            (None, _) => value.serialize(self),
        }
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
    fn serialize_map(self, _: Option<usize>) -> Result<MapProbe, Found> {
        Ok(MapProbe)
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
