//! The serializer: writes a value as one element straight into a `String`.
//!
//! [`ElementSer`] writes one element. Its name is either fixed (a root or a struct field) or, for
//! sequence items, chosen by the kind of value (`int`, `string`, the struct's name, …), which is
//! only known when the matching `serialize_*` method runs; every method therefore writes its own
//! start tag.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::ser::{self, Serialize};

use super::escape::{check_name, escape_into};
use super::{MAX_DEPTH, XSI_NS, XmlError, base64};

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

/// Writes `value` as the element `name`, declaring `namespace` as its default namespace.
pub(crate) fn write_root<T: ?Sized + Serialize>(
    out: &mut String,
    value: &T,
    name: &str,
    namespace: Option<&str>,
) -> Result<()> {
    value
        .serialize(ElementSer {
            out,
            name: Some(name),
            namespace,
            depth: 1,
        })
        .map_err(|e| e.at(name))
}

/// Serializes one value as one element.
pub(crate) struct ElementSer<'a> {
    out: &'a mut String,
    /// The element name; `None` for a sequence item, named after the value's kind.
    name: Option<&'a str>,
    /// A default namespace to declare on the element.
    namespace: Option<&'a str>,
    /// The element's nesting level (the root is 1).
    depth: usize,
}

impl<'a> ElementSer<'a> {
    fn child(out: &'a mut String, name: Option<&'a str>, depth: usize) -> Self {
        ElementSer {
            out,
            name,
            namespace: None,
            depth,
        }
    }

    /// Writes `<name` (and the namespace declaration), leaving the start tag open.
    fn open(&mut self, kind: &'a str) -> Result<&'a str> {
        if self.depth > MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        let name = self.name.unwrap_or(kind);
        check_name(name)?;
        self.out.push('<');
        self.out.push_str(name);
        if let Some(ns) = self.namespace {
            self.out.push_str(" xmlns=\"");
            escape_into(self.out, ns, true)?;
            self.out.push('"');
        }
        Ok(name)
    }

    /// Writes an element holding text produced by `write`.
    fn text(mut self, kind: &'a str, write: impl FnOnce(&mut String) -> Result<()>) -> Result<()> {
        if self.name.is_none() && PRIMITIVE_ITEMS.contains(&kind) {
            // A primitive sequence item: the DataContractSerializer puts `int`, `string`, … items
            // in its arrays namespace, and reads them only from there.
            self.namespace = self.namespace.or(Some(ARRAYS_NS));
        }
        let name = self.open(kind)?;
        self.out.push('>');
        write(self.out)?;
        close(self.out, name);
        Ok(())
    }

    fn display(self, kind: &'a str, value: impl std::fmt::Display) -> Result<()> {
        self.text(kind, |out| {
            // Writing to a String cannot fail.
            let _ = write!(out, "{value}");
            Ok(())
        })
    }

    /// Starts an element with children, leaving the start tag open.
    fn compound(mut self, kind: &'a str) -> Result<Compound<'a>> {
        let name = self.open(kind)?;
        Ok(Compound {
            out: self.out,
            depth: self.depth,
            name: Cow::Borrowed(name),
            open: true,
            outer: None,
            array_at: None,
        })
    }

    /// Starts `<name><variant…` for an enum variant with content.
    fn variant(mut self, name: &'a str, variant: &'a str) -> Result<Compound<'a>> {
        let outer = self.open(name)?;
        self.out.push('>');
        if self.depth + 1 > MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        check_name(variant)?;
        self.out.push('<');
        self.out.push_str(variant);
        Ok(Compound {
            out: self.out,
            depth: self.depth + 1,
            name: Cow::Borrowed(variant),
            open: true,
            outer: Some(outer),
            array_at: None,
        })
    }
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Writes a float in its shortest round-trip form, as `xs:double` / `xs:float` spell it.
fn write_float<T: std::fmt::Display + std::fmt::UpperExp>(out: &mut String, v: T, wide: f64) {
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
            out.push_str(if v { "true" } else { "false" });
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
            write_float(out, v, f64::from(v));
            Ok(())
        })
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        self.text("double", |out| {
            write_float(out, v, v);
            Ok(())
        })
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.text("char", |out| {
            escape_into(out, v.encode_utf8(&mut [0; 4]), false)
        })
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        self.text("string", |out| escape_into(out, v, false))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        self.text("base64Binary", |out| {
            base64::encode_into(out, v);
            Ok(())
        })
    }

    fn serialize_none(mut self) -> Result<()> {
        self.open("anyType")?;
        self.out.push_str(" i:nil=\"true\" xmlns:i=\"");
        self.out.push_str(XSI_NS);
        self.out.push_str("\"/>");
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(mut self) -> Result<()> {
        self.open("anyType")?;
        self.out.push_str("/>");
        Ok(())
    }

    fn serialize_unit_struct(mut self, name: &'static str) -> Result<()> {
        self.open(name)?;
        self.out.push_str("/>");
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.text(name, |out| escape_into(out, variant, false))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        mut self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let outer = self.open(name)?;
        self.out.push('>');
        value
            .serialize(ElementSer::child(self.out, Some(variant), self.depth + 1))
            .map_err(|e| e.at(variant))?;
        close(self.out, outer);
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
            array_at: Some(self.out.len()),
            out: self.out,
            depth: self.depth,
            name: Cow::Borrowed("ArrayOfanyType"),
            open: false,
            outer: None,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, name: &'static str, _len: usize) -> Result<Compound<'a>> {
        self.compound(name)
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
        self.compound("ArrayOfKeyValue")
    }

    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Compound<'a>> {
        self.compound(name)
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
    out: &'a mut String,
    /// The element's nesting level.
    depth: usize,
    /// The element's name, for the end tag.
    name: Cow<'a, str>,
    /// Whether the start tag still lacks its `>` (so that no children makes `<name/>`).
    open: bool,
    /// The enum element around a variant element, closed after it.
    outer: Option<&'a str>,
    /// For a sequence item that is itself a sequence: where its start tag goes once the first
    /// item's name is known.
    array_at: Option<usize>,
}

impl<'a> Compound<'a> {
    /// Closes the start tag if needed, before a child is written.
    fn before_child(&mut self) {
        if self.open {
            self.out.push('>');
            self.open = false;
        }
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.before_child();
        value
            .serialize(ElementSer::child(self.out, Some(key), self.depth + 1))
            .map_err(|e| e.at(key))
    }

    fn item<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let Some(at) = self.array_at.take() else {
            self.before_child();
            return value.serialize(ElementSer::child(self.out, None, self.depth + 1));
        };
        value.serialize(ElementSer::child(self.out, None, self.depth + 1))?;
        let item = self.out[at + 1..]
            .split([' ', '>', '/'])
            .next()
            .unwrap_or("anyType");
        let name = format!("ArrayOf{item}");
        self.out.insert_str(at, &format!("<{name}>"));
        self.name = Cow::Owned(name);
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if self.array_at.is_some() {
            // An empty sequence item: its start tag was never written.
            self.out.push_str("<ArrayOfanyType/>");
        } else if self.open {
            self.out.push_str("/>");
        } else {
            close(self.out, &self.name);
        }
        if let Some(outer) = self.outer {
            close(self.out, outer);
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

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        self.before_child();
        self.out.push_str("<KeyValue>");
        key.serialize(ElementSer::child(self.out, Some("Key"), self.depth + 2))
            .map_err(|e| e.at("KeyValue/Key"))
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        value
            .serialize(ElementSer::child(self.out, Some("Value"), self.depth + 2))
            .map_err(|e| e.at("KeyValue/Value"))?;
        self.out.push_str("</KeyValue>");
        Ok(())
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}
