//! The serializer: writes a value as one element into an [`Infoset`].
//!
//! [`ElementSer`] writes one element. Its name is either fixed (a root or a struct field) or, for
//! sequence items, chosen by the kind of value (`int`, `string`, the struct's name, …), which is
//! only known when the matching `serialize_*` method runs; every method therefore writes its own
//! start tag.

use std::fmt::Write as _;

use serde::ser::{self, Serialize};

use super::escape::check_name;
use super::infoset::Infoset;
use super::kind::Kind;
use super::names::{SERIALIZATION_NS, is_simple_type_namespace, split_clark};
use super::references::{self, IS_REFERENCE};
use super::{KNOWN_TYPES, MAX_DEPTH, XSI_NS, XmlError};

type Result<T> = std::result::Result<T, XmlError>;

/// The namespace of primitive array items (`<a:int>`, `<a:string>`) in the DataContractSerializer.
pub const ARRAYS_NS: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";

/// The item names of primitive values, which live in [`ARRAYS_NS`].
const PRIMITIVE_ITEMS: &[&str] = &[
    "boolean",
    "byte",
    "char",
    "double",
    "float",
    "int",
    "integer",
    "long",
    "short",
    "string",
    "unsignedByte",
    "unsignedInt",
    "unsignedLong",
    "unsignedShort",
    "base64Binary",
];

/// Writes `value` as the element `name`, declaring `namespace` as its default namespace; the
/// members of structs that name no namespace of their own go in `data_ns`.
pub(crate) fn write_root<T: ?Sized + Serialize>(
    out: &mut Infoset,
    value: &T,
    name: &str,
    namespace: Option<&str>,
    data_ns: Option<&str>,
) -> Result<()> {
    references::start_writing();
    value
        .serialize(ElementSer {
            out,
            name: Some(name),
            namespace,
            scope: Scope::INHERITED,
            data_ns,
            xsi_type: None,
            object_id: false,
            depth: 1,
        })
        .map_err(|e| e.at(name))
}

/// The prefixes the serializer declares for a data contract's namespace: one letter (the
/// binary encoding has one-byte records for those), never `i`, which names `xsi` on `nil`.
const PREFIXES: [&str; 25] = [
    "a", "b", "c", "d", "e", "f", "g", "h", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t",
    "u", "v", "w", "x", "y", "z",
];

/// Where elements are written: the namespace their prefix is bound to (`None`: not known, the
/// one inherited from wherever the root is written) and that prefix.
#[derive(Debug, Clone, Copy)]
struct Scope<'a> {
    ns: Option<&'a str>,
    prefix: &'a str,
}

impl<'a> Scope<'a> {
    const INHERITED: Scope<'static> = Scope {
        ns: None,
        prefix: "",
    };

    /// Whether an element in `ns` can be written with this scope's prefix.
    fn holds(&self, ns: Option<&str>) -> bool {
        ns.is_none() || self.ns == ns
    }
}

/// Serializes one value as one element.
pub(crate) struct ElementSer<'a> {
    out: &'a mut Infoset,
    /// The element name; `None` for a sequence item, named after the value's kind.
    name: Option<&'a str>,
    /// A default namespace to declare on the element.
    namespace: Option<&'a str>,
    /// Where the element is written.
    scope: Scope<'a>,
    /// The namespace of the members of a struct that does not name its own: the root's (the
    /// contract's), or `None` to inherit the enclosing element's.
    data_ns: Option<&'a str>,
    /// The data contract (Clark notation) to name in `xsi:type`: a known type's value written
    /// where another is declared.
    xsi_type: Option<&'static str>,
    /// Whether the element gets a `z:Id` (a type with object references).
    object_id: bool,
    /// The element's nesting level (the root is 1).
    depth: usize,
}

impl<'a> ElementSer<'a> {
    fn child(parent: &'a mut Compound<'_>, name: Option<&'a str>, depth: usize) -> Self {
        ElementSer {
            out: parent.out,
            name,
            namespace: None,
            scope: parent.scope,
            data_ns: parent.data_ns,
            xsi_type: None,
            object_id: false,
            depth,
        }
    }

    /// Starts the element (with its namespace declaration); `kind` names a sequence item, in
    /// Clark notation when it has a namespace of its own. Returns the element's own scope.
    fn open(&mut self, kind: &'static str) -> Result<Scope<'a>> {
        if self.depth > MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        let (ns, name) = match self.name {
            Some(name) => (self.namespace, name),
            None => {
                let (kind_ns, local) = split_clark(kind);
                (self.namespace.or(kind_ns), local)
            }
        };
        check_name(name)?;
        let own = start_in(self.out, self.scope, ns, name);
        if let Some(ty) = self.xsi_type {
            self.write_xsi_type(own, ty)?;
        }
        if self.object_id {
            self.out.attribute("z", "Id", &references::next_id())?;
            self.out.xmlns("z", SERIALIZATION_NS);
        }
        Ok(own)
    }

    /// Writes `i:type="p:Local"` for the data contract `ty`, declaring `p` (the prefix the
    /// members will use, see [`ElementSer::member_prefix`]) unless the element's own prefix
    /// already names its namespace.
    fn write_xsi_type(&mut self, own: Scope<'a>, ty: &'static str) -> Result<()> {
        let (ns, local) = split_clark(ty);
        let value = match ns {
            Some(ns) if own.ns != Some(ns) => {
                let prefix = self.member_prefix(own);
                self.out.xmlns(prefix, ns);
                format!("{prefix}:{local}")
            }
            _ if own.prefix.is_empty() => local.to_owned(),
            _ => format!("{}:{local}", own.prefix),
        };
        self.out.attribute("i", "type", &value)?;
        self.out.xmlns("i", XSI_NS);
        Ok(())
    }

    /// The prefix an element at this depth declares for its members' namespace: one letter,
    /// not the element's own prefix.
    fn member_prefix(&self, own: Scope<'_>) -> &'static str {
        let prefix = PREFIXES[self.depth % PREFIXES.len()];
        if prefix == own.prefix {
            PREFIXES[(self.depth + 1) % PREFIXES.len()]
        } else {
            prefix
        }
    }

    /// Writes an element holding the text `write` appends.
    fn text(
        mut self,
        kind: &'static str,
        write: impl FnOnce(&mut Infoset) -> Result<()>,
    ) -> Result<()> {
        if self.name.is_none() && PRIMITIVE_ITEMS.contains(&kind) {
            // A primitive sequence item: the DataContractSerializer puts `int`, `string`, … items
            // in its arrays namespace, and reads them only from there.
            self.namespace = self.namespace.or(Some(ARRAYS_NS));
        }
        self.open(kind)?;
        write(self.out)?;
        self.out.end();
        Ok(())
    }

    fn display(self, kind: &'static str, value: impl std::fmt::Display) -> Result<()> {
        self.text(kind, |out| {
            // Writing to a String cannot fail.
            out.text_with(|s| {
                let _ = write!(s, "{value}");
            });
            Ok(())
        })
    }

    /// Starts an element with children in the same namespace (a sequence's items, a map's
    /// entries).
    fn compound(self, kind: &'static str) -> Result<Compound<'a>> {
        self.compound_in(kind, None)
    }

    /// Starts a struct's element: a data contract's members (`name` in Clark notation) are in
    /// its namespace, other structs' in the data namespace.
    fn members(self, name: &'static str) -> Result<Compound<'a>> {
        let members_ns = split_clark(name).0.or(self.data_ns);
        self.compound_in(name, members_ns)
    }

    /// Starts an element whose children are in `members_ns` (`None`: the element's own).
    fn compound_in(
        mut self,
        kind: &'static str,
        members_ns: Option<&'a str>,
    ) -> Result<Compound<'a>> {
        let own = self.open(kind)?;
        let scope = if own.holds(members_ns) {
            own
        } else {
            // Members in another namespace than the element's own: a prefix for them (which
            // `xsi:type` may have declared already).
            let prefix = self.member_prefix(own);
            let ns = members_ns.unwrap_or_default();
            let declared = self.xsi_type.and_then(|ty| split_clark(ty).0) == Some(ns);
            if !declared {
                self.out.xmlns(prefix, ns);
            }
            Scope {
                ns: Some(ns),
                prefix,
            }
        };
        Ok(Compound {
            out: self.out,
            scope,
            data_ns: self.data_ns,
            depth: self.depth,
            outer: false,
            array_pending: false,
            map_pending: false,
            entry: None,
        })
    }

    /// Starts `<name><variant>` for an enum variant with content.
    fn variant(mut self, name: &'static str, variant: &'static str) -> Result<Compound<'a>> {
        let scope = self.open(name)?;
        if self.depth + 1 > MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        check_name(variant)?;
        self.out.start(scope.prefix, variant);
        Ok(Compound {
            out: self.out,
            scope,
            data_ns: self.data_ns,
            depth: self.depth + 1,
            outer: true,
            array_pending: false,
            map_pending: false,
            entry: None,
        })
    }
}

/// Starts the element `name` in namespace `ns` (`None`: the scope's) where `scope` is in force,
/// and returns the element's own scope: the scope's prefix when it is bound to `ns`, else the
/// element declares `ns` as its default namespace.
fn start_in<'a>(out: &mut Infoset, scope: Scope<'a>, ns: Option<&'a str>, name: &str) -> Scope<'a> {
    match ns {
        Some(ns) if scope.ns != Some(ns) => {
            out.start("", name);
            out.xmlns("", ns);
            Scope {
                ns: Some(ns),
                prefix: "",
            }
        }
        _ => {
            out.start(scope.prefix, name);
            scope
        }
    }
}

/// Writes a float in its shortest round-trip form, as `xs:double` / `xs:float` spell it.
pub(crate) fn write_float<T: std::fmt::Display + std::fmt::UpperExp>(
    out: &mut String,
    v: T,
    wide: f64,
) {
    if wide.is_nan() {
        out.push_str("NaN");
    } else if wide.is_infinite() {
        out.push_str(if wide > 0.0 { "INF" } else { "-INF" });
    } else {
        let a = wide.abs();
        // Display never uses an exponent; switch to one where it would write long runs of
        // zeros (as .NET's round-trip format does).
        let _ = if a != 0.0 && !(1e-5..1e15).contains(&a) {
            write!(out, "{v:E}")
        } else {
            write!(out, "{v}")
        };
    }
}

impl<'a> ser::Serializer for ElementSer<'a> {
    type Ok = ();
    type Error = XmlError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.text("boolean", |out| {
            out.text_with(|s| s.push_str(if v { "true" } else { "false" }));
            Ok(())
        })
    }

    fn serialize_i8(self, v: i8) -> Result<()> {
        self.display("byte", v)
    }

    fn serialize_i16(self, v: i16) -> Result<()> {
        self.display("short", v)
    }

    fn serialize_i32(self, v: i32) -> Result<()> {
        self.display("int", v)
    }

    fn serialize_i64(self, v: i64) -> Result<()> {
        self.display("long", v)
    }

    fn serialize_i128(self, v: i128) -> Result<()> {
        self.display("integer", v)
    }

    fn serialize_u8(self, v: u8) -> Result<()> {
        self.display("unsignedByte", v)
    }

    fn serialize_u16(self, v: u16) -> Result<()> {
        self.display("unsignedShort", v)
    }

    fn serialize_u32(self, v: u32) -> Result<()> {
        self.display("unsignedInt", v)
    }

    fn serialize_u64(self, v: u64) -> Result<()> {
        self.display("unsignedLong", v)
    }

    fn serialize_u128(self, v: u128) -> Result<()> {
        self.display("integer", v)
    }

    fn serialize_f32(self, v: f32) -> Result<()> {
        self.text("float", |out| {
            out.text_with(|s| write_float(s, v, f64::from(v)));
            Ok(())
        })
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        self.text("double", |out| {
            out.text_with(|s| write_float(s, v, v));
            Ok(())
        })
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.text("char", |out| out.text(v.encode_utf8(&mut [0; 4])))
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        self.text("string", |out| out.text(v))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        self.text("base64Binary", |out| {
            out.bytes(v);
            Ok(())
        })
    }

    fn serialize_none(mut self) -> Result<()> {
        self.open("anyType")?;
        self.out.attribute("i", "nil", "true")?;
        self.out.xmlns("i", XSI_NS);
        self.out.end();
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(mut self) -> Result<()> {
        self.open("anyType")?;
        self.out.end();
        Ok(())
    }

    fn serialize_unit_struct(mut self, name: &'static str) -> Result<()> {
        self.open(name)?;
        self.out.end();
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.text(name, |out| out.text(variant))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        mut self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name == IS_REFERENCE {
            // An object others may refer to: the element gets a `z:Id`.
            self.object_id = true;
            return value.serialize(self);
        }
        if let (None, (Some(ns), local)) = (self.name, split_clark(name)) {
            self.name = Some(local);
            self.namespace = self.namespace.or(Some(if is_simple_type_namespace(ns) {
                // A simple type of its own (`{…/Serialization/}guid`, see `crate::data`) as a
                // sequence item: named after the type, in the arrays namespace like the
                // built-ins.
                ARRAYS_NS
            } else {
                // A data contract written as text (a `[Flags]` set): in its own namespace.
                ns
            }));
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        mut self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        if name.starts_with(KNOWN_TYPES) {
            // A known type: the element as declared, naming the actual type in `xsi:type`.
            self.xsi_type = Some(variant);
            return value.serialize(self);
        }
        let scope = self.open(name)?;
        let data_ns = self.data_ns;
        value
            .serialize(ElementSer {
                out: self.out,
                name: Some(variant),
                namespace: None,
                scope,
                data_ns,
                xsi_type: None,
                object_id: false,
                depth: self.depth + 1,
            })
            .map_err(|e| e.at(variant))?;
        self.out.end();
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>> {
        if self.name.is_some() {
            return self.compound("ArrayOfanyType");
        }
        // A sequence inside a sequence: DataContractSerializer names it `ArrayOf{item}`, and the
        // item's name is known once the first item is written.
        if self.depth > MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        Ok(Compound {
            out: self.out,
            scope: self.scope,
            data_ns: self.data_ns,
            depth: self.depth,
            outer: false,
            array_pending: true,
            map_pending: false,
            entry: None,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, name: &'static str, _len: usize) -> Result<Compound<'a>> {
        self.members(name)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>> {
        self.variant(name, variant)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>> {
        if self.name.is_some() {
            // The entries, `KeyValueOf{Key}{Value}`, and their `Key` and `Value` are in the
            // arrays namespace, as the DataContractSerializer writes a dictionary.
            return self.compound_in("ArrayOfKeyValue", Some(ARRAYS_NS));
        }
        // A map as a sequence item: named `ArrayOfKeyValueOf…` once the first entry is known.
        if self.depth > MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        Ok(Compound {
            out: self.out,
            scope: self.scope,
            data_ns: self.data_ns,
            depth: self.depth,
            outer: false,
            array_pending: false,
            map_pending: true,
            entry: None,
        })
    }

    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Compound<'a>> {
        self.members(name)
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>> {
        self.variant(name, variant)
    }
}

/// An element with child elements being written.
pub(crate) struct Compound<'a> {
    out: &'a mut Infoset,
    /// Where the children are written.
    scope: Scope<'a>,
    /// See [`ElementSer::data_ns`].
    data_ns: Option<&'a str>,
    /// The element's nesting level.
    depth: usize,
    /// Whether this is a variant element inside its enum's element, which ends with it.
    outer: bool,
    /// A sequence that is itself a sequence item: its start tag, `ArrayOf{item}`, is written
    /// once the first item's name is known.
    array_pending: bool,
    /// Likewise for a map that is a sequence item: `ArrayOfKeyValueOf…`.
    map_pending: bool,
    /// A map's entry name, `KeyValueOf{Key}{Value}…`, fixed by its first entry.
    entry: Option<String>,
}

impl Compound<'_> {
    /// Writes a member; a key in Clark notation (a base type's member, see
    /// `crate::data::DataMembers`) is in its own namespace.
    fn field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<()> {
        let depth = self.depth + 1;
        let (namespace, local) = split_clark(key);
        let mut element = ElementSer::child(self, Some(local), depth);
        element.namespace = namespace;
        value.serialize(element).map_err(|e| e.at(local))
    }

    fn item<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        if std::mem::take(&mut self.array_pending) {
            let kind = super::kind::of(value);
            let name = format!("ArrayOf{}", kind.local);
            check_name(&name)?;
            self.scope = start_in(self.out, self.scope, kind.ns, &name);
        }
        let depth = self.depth + 1;
        value.serialize(ElementSer::child(self, None, depth))
    }

    /// Starts a map entry, naming it (and a pending map) after the first entry's key and
    /// value kinds.
    fn entry(&mut self, kinds: impl FnOnce() -> (Kind, Kind)) -> Result<()> {
        if self.entry.is_none() {
            let (key, value) = kinds();
            let name = Kind::entry_name(&key, &value, self.data_ns.unwrap_or_default());
            check_name(&name)?;
            if std::mem::take(&mut self.map_pending) {
                let map = format!("ArrayOf{name}");
                self.scope = start_in(self.out, self.scope, Some(ARRAYS_NS), &map);
            }
            self.entry = Some(name);
        }
        let name = self.entry.as_deref().unwrap_or("KeyValue");
        self.out.start(self.scope.prefix, name);
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if self.array_pending {
            // An empty sequence item: its start tag was never written.
            self.out.start(self.scope.prefix, "ArrayOfanyType");
        }
        if self.map_pending {
            start_in(
                self.out,
                self.scope,
                Some(ARRAYS_NS),
                "ArrayOfKeyValueOfanyTypeanyType",
            );
        }
        self.out.end();
        if self.outer {
            self.out.end();
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = XmlError;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = XmlError;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = XmlError;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = XmlError;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = XmlError;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = XmlError;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = XmlError;

    /// A key without its value (serde's maps write both at once, through `serialize_entry`):
    /// the entry is named as if its value were `anyType`, unless an earlier entry named it.
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        self.entry(|| (super::kind::of(key), super::kind::of(&())))?;
        let depth = self.depth + 2;
        key.serialize(ElementSer::child(self, Some("Key"), depth))
            .map_err(|e| e.at("KeyValue/Key"))
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let depth = self.depth + 2;
        value
            .serialize(ElementSer::child(self, Some("Value"), depth))
            .map_err(|e| e.at("KeyValue/Value"))?;
        self.out.end();
        Ok(())
    }

    fn serialize_entry<K: ?Sized + Serialize, V: ?Sized + Serialize>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<()> {
        self.entry(|| (super::kind::of(key), super::kind::of(value)))?;
        let depth = self.depth + 2;
        key.serialize(ElementSer::child(self, Some("Key"), depth))
            .map_err(|e| e.at("KeyValue/Key"))?;
        self.serialize_value(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}
