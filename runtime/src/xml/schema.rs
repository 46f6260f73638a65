//! Type shapes for XML Schema: what a `Deserialize` type looks like, found by tracing it.
//!
//! [`trace`] runs `T::deserialize` against a deserializer that makes up values and records what
//! the type asks for: primitives, options, sequences, maps, structs with their field names, and
//! enums with their variants. Enums are explored one variant per run until each variant has been
//! seen. The result is a [`Shape`] that names structs and enums, whose definitions are kept in a
//! [`TypeRegistry`], from which the WSDL generator writes `xs:complexType`s and `xs:simpleType`s.
//!
//! Types whose `Deserialize` asks for "anything" (`deserialize_any`: untagged enums, dynamic
//! values) or that cannot be traced (recursion through `Option<Box<Self>>`) come out as
//! [`Shape::Any`], which the schema writes as `xs:anyType`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::value::BorrowedStrDeserializer;

use super::generic::key_value_name;
use super::names::split_clark;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, Visitor};

/// The shape of a type, as the XML body format writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A simple value, with its XML Schema built-in type name (`int`, `string`, `base64Binary`, …).
    Primitive(&'static str),
    /// `Option<T>`: the element may be absent or `xsi:nil`.
    Option(Box<Shape>),
    /// A sequence: one child element per item.
    Seq(Box<Shape>),
    /// A map: `KeyValueOf{Key}{Value}` items with `Key` and `Value` children, in the arrays
    /// namespace (a .NET `Dictionary<K, V>`).
    Map(Box<Shape>, Box<Shape>),
    /// A struct, defined in the registry under this name (in Clark notation, `{namespace}Name`,
    /// for a data contract).
    Struct(&'static str),
    /// An enum, defined in the registry under this name (Clark notation for a data contract).
    Enum(&'static str),
    /// A simple type outside the XML Schema namespace: the DataContractSerializer's `ser:guid`,
    /// `ser:char` and `ser:duration` (namespace [`SERIALIZATION_NS`]), from a newtype struct
    /// named `{namespace}name` (see [`crate::data`]).
    Qualified {
        /// The type's namespace.
        namespace: &'static str,
        /// The type's local name.
        name: &'static str,
    },
    /// `()` or a unit struct: an empty element.
    Unit,
    /// Anything (`xs:anyType`).
    Any,
}

impl Shape {
    /// The name the body format gives an item of this shape in a sequence (`int`, `Point`,
    /// `ArrayOfint`, …), which is also the name of its schema type.
    pub fn item_name(&self) -> String {
        match self {
            Shape::Primitive(name) | Shape::Qualified { name, .. } => (*name).to_owned(),
            Shape::Option(inner) => inner.item_name(),
            Shape::Seq(item) => format!("ArrayOf{}", item.item_name()),
            Shape::Map(key, value) => format!("ArrayOf{}", Shape::entry_name(key, value, "")),
            Shape::Struct(name) | Shape::Enum(name) => split_clark(name).1.to_owned(),
            Shape::Unit | Shape::Any => "anyType".to_owned(),
        }
    }

    /// The name of a map's entries: `KeyValueOf{key}{value}`, with .NET's digest of the
    /// parameters' schema namespaces when one is not built in; `default_ns` stands for the
    /// namespace a data contract does not name (the contract's).
    pub fn entry_name(key: &Shape, value: &Shape, default_ns: &str) -> String {
        key_value_name(
            &key.item_name(),
            key.schema_namespace().unwrap_or(default_ns),
            &value.item_name(),
            value.schema_namespace().unwrap_or(default_ns),
        )
    }

    /// The namespace of the shape's schema type, as .NET's generic names hash it: XML Schema's
    /// for the built-ins, the arrays namespace for collections of built-ins and maps, a data
    /// contract's own (`None` when it names none).
    pub fn schema_namespace(&self) -> Option<&'static str> {
        match self {
            Shape::Primitive(_) | Shape::Unit | Shape::Any => Some(XS_NS),
            Shape::Qualified { namespace, .. } => Some(namespace),
            Shape::Option(inner) => inner.schema_namespace(),
            Shape::Seq(item) => match item.as_ref() {
                Shape::Primitive(_) | Shape::Qualified { .. } | Shape::Seq(_) | Shape::Map(..) => {
                    Some(super::ARRAYS_NS)
                }
                other => other.schema_namespace(),
            },
            Shape::Map(..) => Some(super::ARRAYS_NS),
            Shape::Struct(name) | Shape::Enum(name) => split_clark(name).0,
        }
    }

    /// The namespace of a data contract's type (and of a sequence of them, `ArrayOf…`), as
    /// declared with `#[data_contract(namespace = …)]`; `None` for everything else.
    pub fn namespace(&self) -> Option<&'static str> {
        match self {
            Shape::Option(inner) | Shape::Seq(inner) => inner.namespace(),
            Shape::Struct(name) | Shape::Enum(name) => split_clark(name).0,
            _ => None,
        }
    }

    /// Whether the body format can write the value as `xsi:nil` (.NET's reference types:
    /// strings, byte arrays, collections, classes; not .NET's `DateTimeOffset`, a struct).
    pub fn is_nillable(&self) -> bool {
        match self {
            Shape::Primitive(name) => matches!(*name, "string" | "base64Binary"),
            Shape::Struct(name) => {
                split_clark(name) != (Some(crate::data::SYSTEM_NS), "DateTimeOffset")
            }
            Shape::Option(_) | Shape::Seq(_) | Shape::Map(..) | Shape::Any => true,
            Shape::Enum(_) | Shape::Qualified { .. } | Shape::Unit => false,
        }
    }

    /// For a [`Qualified`](Shape::Qualified) type the schema knows, the XML Schema built-in type
    /// it restricts (`string` for `ser:guid`, `int` for `ser:char`, `duration` for
    /// `ser:duration`); `None` otherwise.
    pub fn xs_base(&self) -> Option<&'static str> {
        match self {
            Shape::Qualified {
                namespace: SERIALIZATION_NS,
                name,
            } => match *name {
                "guid" => Some("string"),
                "char" => Some("int"),
                "duration" => Some("duration"),
                _ => None,
            },
            _ => None,
        }
    }
}

/// One field of a struct, or member of a data contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The element name.
    pub name: &'static str,
    /// What it holds.
    pub shape: Shape,
    /// Whether the element is always written: every field of a plain serde struct (an `Option`
    /// is still optional by its shape); a data contract's members only when declared
    /// `required` (`IsRequired`), as the DataContractSerializer describes them.
    pub required: bool,
    /// Whether the element repeats: a collection data contract's items
    /// (`#[data_contract(collection)]`), `minOccurs="0" maxOccurs="unbounded"`.
    pub repeated: bool,
}

/// The fields of struct `name` from serde's field list and their traced shapes. A data
/// contract (a Clark-notation name) marks its required members with a trailing `!`, and a
/// collection data contract its repeated item with a trailing `*`.
fn fields_of(name: &str, fields: &[&'static str], shapes: Vec<Shape>) -> Vec<Field> {
    let contract = name.starts_with('{');
    fields
        .iter()
        .zip(shapes)
        .map(|(field, shape)| {
            let (bare, required, repeated) = field_marks(field);
            Field {
                name: bare,
                shape,
                required: !contract || required,
                repeated,
            }
        })
        .collect()
}

/// A field name without its marks, and whether it was marked required (`!`) and repeated (`*`).
fn field_marks(field: &'static str) -> (&'static str, bool, bool) {
    if let Some(bare) = field.strip_suffix('!') {
        (bare, true, false)
    } else if let Some(bare) = field.strip_suffix('*') {
        (bare, false, true)
    } else {
        (field, false, false)
    }
}

/// A `[Flags]` data contract's value in serde's variant list: `Name|value`, read by the tracer
/// only (`|` is not in an XML name).
fn flag_value(variant: &'static str) -> Option<(&'static str, u64)> {
    let (name, value) = variant.split_once('|')?;
    Some((name, value.parse().ok()?))
}

pub use super::names::{SERIALIZATION_NS, XS_NS};

/// The schema type a newtype struct's name gives in Clark notation (`{namespace}local`), as the
/// types of [`crate::data`] name themselves: a built-in of XML Schema is a
/// [`Primitive`](Shape::Primitive), another a [`Qualified`](Shape::Qualified).
fn named_schema_type(name: &'static str) -> Option<Shape> {
    let (namespace, local) = split_clark(name);
    let namespace = namespace?;
    Some(if namespace == XS_NS {
        Shape::Primitive(local)
    } else {
        Shape::Qualified {
            namespace,
            name: local,
        }
    })
}

/// A valid text of a schema type (for the traced type to parse), where the tracer knows one.
fn sample_text(shape: &Shape) -> Option<&'static str> {
    Some(match shape {
        Shape::Primitive("dateTime") => "0001-01-01T00:00:00",
        Shape::Primitive("decimal") => "0",
        Shape::Primitive("duration") => "PT0S",
        Shape::Qualified {
            namespace: SERIALIZATION_NS,
            name,
        } => match *name {
            "guid" => "00000000-0000-0000-0000-000000000000",
            "char" => "0",
            "duration" => "PT0S",
            _ => return None,
        },
        _ => return None,
    })
}

/// A struct's or an enum's definition.
#[derive(Debug, Clone, PartialEq)]
pub enum Definition {
    /// Named fields, in the order they are written.
    Struct(Vec<Field>),
    /// Variants in declaration order, each with its content (`None` for a unit variant, or a
    /// variant not yet explored).
    Enum(Vec<(&'static str, Option<Shape>)>),
    /// A `[Flags]` enum (`#[data_contract(flags)]`): its members' names and values, in
    /// declaration order. Its values travel as space-separated names.
    Flags(Vec<(&'static str, u64)>),
}

/// The definitions of the structs and enums that traced shapes name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypeRegistry {
    /// Definitions by type name.
    pub types: BTreeMap<&'static str, Definition>,
    /// The structs with object references (.NET's `IsReference`: `z:Id`/`z:Ref`).
    pub references: std::collections::BTreeSet<&'static str>,
}

/// Why a type could not be traced.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the type could not be traced: {0}")]
pub struct TraceError(String);

impl de::Error for TraceError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TraceError(msg.to_string())
    }
}

/// The most runs spent exploring enum variants for one type.
const MAX_RUNS: usize = 256;
/// The deepest nesting traced.
const MAX_DEPTH: usize = 32;

/// Traces `T`, adding the structs and enums it uses to `registry`.
pub fn trace<T: DeserializeOwned>(registry: &mut TypeRegistry) -> Result<Shape, TraceError> {
    let mut state = State {
        registry,
        progress: BTreeMap::new(),
        in_progress: Vec::new(),
    };
    let mut shape = Shape::Any;
    for _ in 0..MAX_RUNS {
        let mut recorded = Shape::Any;
        T::deserialize(Tracer {
            state: &mut state,
            out: &mut recorded,
            depth: 0,
        })?;
        shape = recorded;
        // Move on to the next variant of the first enum with unexplored ones.
        let Some(next) = state
            .progress
            .iter_mut()
            .find(|(_, (next, len))| *next + 1 < *len)
        else {
            break;
        };
        next.1.0 += 1;
    }
    Ok(shape)
}

struct State<'r> {
    registry: &'r mut TypeRegistry,
    /// Per enum: the variant the next run picks, and how many there are.
    progress: BTreeMap<&'static str, (usize, usize)>,
    /// Structs being traced, to stop recursion.
    in_progress: Vec<&'static str>,
}

struct Tracer<'a, 'r> {
    state: &'a mut State<'r>,
    out: &'a mut Shape,
    depth: usize,
}

impl<'a, 'r> Tracer<'a, 'r> {
    fn child<'b>(&'b mut self, out: &'b mut Shape) -> Result<Tracer<'b, 'r>, TraceError> {
        if self.depth >= MAX_DEPTH {
            return Err(TraceError("the type nests too deeply".into()));
        }
        Ok(Tracer {
            state: self.state,
            out,
            depth: self.depth + 1,
        })
    }
}

macro_rules! primitive {
    ($($method:ident => $xsd:literal, $visit:ident($value:expr);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
                *self.out = Shape::Primitive($xsd);
                visitor.$visit($value)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Tracer<'_, '_> {
    type Error = TraceError;

    primitive! {
        deserialize_bool => "boolean", visit_bool(false);
        deserialize_i8 => "byte", visit_i8(0);
        deserialize_i16 => "short", visit_i16(0);
        deserialize_i32 => "int", visit_i32(0);
        deserialize_i64 => "long", visit_i64(0);
        deserialize_i128 => "integer", visit_i128(0);
        deserialize_u8 => "unsignedByte", visit_u8(0);
        deserialize_u16 => "unsignedShort", visit_u16(0);
        deserialize_u32 => "unsignedInt", visit_u32(0);
        deserialize_u64 => "unsignedLong", visit_u64(0);
        deserialize_u128 => "integer", visit_u128(0);
        deserialize_f32 => "float", visit_f32(0.0);
        deserialize_f64 => "double", visit_f64(0.0);
        deserialize_char => "string", visit_char('a');
        deserialize_str => "string", visit_str("");
        deserialize_string => "string", visit_string(String::new());
        deserialize_bytes => "base64Binary", visit_bytes(&[]);
        deserialize_byte_buf => "base64Binary", visit_byte_buf(Vec::new());
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Any;
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        let mut inner = Shape::Any;
        let value = visitor.visit_some(self.child(&mut inner)?);
        *self.out = Shape::Option(Box::new(inner));
        value
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Unit;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        *self.out = Shape::Unit;
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        if name == super::IS_REFERENCE {
            // A struct with object references: traced as itself, and noted.
            let value = visitor.visit_newtype_struct(Tracer {
                state: &mut *self.state,
                out: &mut *self.out,
                depth: self.depth,
            })?;
            if let Shape::Struct(name) = *self.out {
                self.state.registry.references.insert(name);
            }
            return Ok(value);
        }
        let Some(shape) = named_schema_type(name) else {
            return visitor.visit_newtype_struct(self);
        };
        // A type named by its schema type parses its text: give it one it accepts.
        let value = match sample_text(&shape) {
            Some(text) => visitor.visit_newtype_struct(BorrowedStrDeserializer::new(text)),
            None => visitor.visit_newtype_struct(self.child(&mut Shape::Any)?),
        };
        *self.out = shape;
        value
    }

    fn deserialize_seq<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        let mut item = Shape::Any;
        let value = visitor.visit_seq(OneItem {
            tracer: Some(self.child(&mut item)?),
        });
        *self.out = Shape::Seq(Box::new(item));
        value
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, TraceError> {
        Err(TraceError("tuples have no schema shape".into()))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, TraceError> {
        Err(TraceError("tuple structs have no schema shape".into()))
    }

    fn deserialize_map<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        let (mut key, mut value_shape) = (Shape::Any, Shape::Any);
        let depth = self.depth;
        if depth >= MAX_DEPTH {
            return Err(TraceError("the type nests too deeply".into()));
        }
        let value = visitor.visit_map(OneEntry {
            state: self.state,
            key: &mut key,
            value: &mut value_shape,
            depth: depth + 1,
            done: false,
        });
        *self.out = Shape::Map(Box::new(key), Box::new(value_shape));
        let _ = &mut self;
        value
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        *self.out = Shape::Struct(name);
        if self.state.in_progress.contains(&name) {
            return Err(TraceError(format!("`{name}` contains itself")));
        }
        if self.depth >= MAX_DEPTH {
            return Err(TraceError("the type nests too deeply".into()));
        }
        self.state.in_progress.push(name);
        let mut shapes = vec![Shape::Any; fields.len()];
        let value = visitor.visit_map(Fields {
            state: self.state,
            fields,
            shapes: &mut shapes,
            next: 0,
            depth: self.depth + 1,
        });
        self.state.in_progress.retain(|n| *n != name);
        let value = value?;
        let definition = fields_of(name, fields, shapes);
        self.state
            .registry
            .types
            .insert(name, Definition::Struct(definition));
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        *self.out = Shape::Enum(name);
        if variants.is_empty() {
            return Err(TraceError(format!("enum `{name}` has no variants")));
        }
        if variants.iter().any(|v| v.contains('|')) {
            let members: Vec<(&'static str, u64)> =
                variants.iter().filter_map(|v| flag_value(v)).collect();
            let first = members.first().map_or("", |m| m.0);
            self.state
                .registry
                .types
                .insert(name, Definition::Flags(members));
            let variant: BorrowedStrDeserializer<'de, TraceError> =
                BorrowedStrDeserializer::new(first);
            return visitor.visit_enum(variant);
        }
        let index = self
            .state
            .progress
            .entry(name)
            .or_insert((0, variants.len()))
            .0
            .min(variants.len() - 1);
        let entry = self
            .state
            .registry
            .types
            .entry(name)
            .or_insert_with(|| Definition::Enum(variants.iter().map(|v| (*v, None)).collect()));
        if !matches!(entry, Definition::Enum(_)) {
            return Err(TraceError(format!("`{name}` is both a struct and an enum")));
        }
        let mut content = None;
        let value = visitor.visit_enum(Variant {
            state: self.state,
            name: variants[index],
            content: &mut content,
            depth: self.depth + 1,
        });
        if let Some(Definition::Enum(list)) = self.state.registry.types.get_mut(name)
            && let Some(slot) = list.get_mut(index)
            && content.is_some()
        {
            slot.1 = content;
        }
        value
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        visitor.visit_str("")
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        visitor.visit_unit()
    }
}

/// A sequence of exactly one traced item.
struct OneItem<'a, 'r> {
    tracer: Option<Tracer<'a, 'r>>,
}

impl<'de> de::SeqAccess<'de> for OneItem<'_, '_> {
    type Error = TraceError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TraceError> {
        match self.tracer.take() {
            // A recursive item ends the sequence instead of failing the trace.
            Some(tracer) => Ok(seed.deserialize(tracer).ok()),
            None => Ok(None),
        }
    }
}

/// A map of exactly one traced entry.
struct OneEntry<'a, 'r> {
    state: &'a mut State<'r>,
    key: &'a mut Shape,
    value: &'a mut Shape,
    depth: usize,
    done: bool,
}

impl<'de> de::MapAccess<'de> for OneEntry<'_, '_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        seed.deserialize(Tracer {
            state: self.state,
            out: self.key,
            depth: self.depth,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        seed.deserialize(Tracer {
            state: self.state,
            out: self.value,
            depth: self.depth,
        })
    }
}

/// A struct's fields, each traced once, in declaration order.
struct Fields<'a, 'r> {
    state: &'a mut State<'r>,
    fields: &'static [&'static str],
    shapes: &'a mut [Shape],
    next: usize,
    depth: usize,
}

impl<'de> de::MapAccess<'de> for Fields<'_, '_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        let Some(field) = self.fields.get(self.next) else {
            return Ok(None);
        };
        // A data contract's required-member and repeated-item marks are for the schema only.
        let name = field_marks(field).0;
        let key: BorrowedStrDeserializer<'de, TraceError> = BorrowedStrDeserializer::new(name);
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        let index = self.next;
        self.next += 1;
        let Some(out) = self.shapes.get_mut(index) else {
            return Err(TraceError("a value without a field".into()));
        };
        seed.deserialize(Tracer {
            state: self.state,
            out,
            depth: self.depth,
        })
    }
}

/// The variant a run picks.
struct Variant<'a, 'r> {
    state: &'a mut State<'r>,
    name: &'static str,
    content: &'a mut Option<Shape>,
    depth: usize,
}

impl<'de, 'a, 'r> de::EnumAccess<'de> for Variant<'a, 'r> {
    type Error = TraceError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), TraceError> {
        let name: BorrowedStrDeserializer<'de, TraceError> =
            BorrowedStrDeserializer::new(self.name);
        let value = seed.deserialize(name)?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, '_> {
    type Error = TraceError;

    fn unit_variant(self) -> Result<(), TraceError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, TraceError> {
        let mut shape = Shape::Any;
        let value = seed.deserialize(Tracer {
            state: self.state,
            out: &mut shape,
            depth: self.depth,
        });
        *self.content = Some(shape);
        value
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, TraceError> {
        Err(TraceError("tuple variants have no schema shape".into()))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let mut shapes = vec![Shape::Any; fields.len()];
        let value = visitor.visit_map(Fields {
            state: self.state,
            fields,
            shapes: &mut shapes,
            next: 0,
            depth: self.depth,
        })?;
        // A struct variant is written as an element with one child per field: describe it as an
        // anonymous struct named after the variant.
        self.state.registry.types.insert(
            self.name,
            Definition::Struct(fields_of(self.name, fields, shapes)),
        );
        *self.content = Some(Shape::Struct(self.name));
        Ok(value)
    }
}

/// The traced types of a contract's operations: what the WSDL generator describes.
///
/// The dispatcher that `#[service_contract]` generates fills it in
/// ([`Dispatch::describe_types`](crate::service::Dispatch::describe_types)); a type that cannot be
/// traced is described as `xs:anyType`.
#[derive(Debug, Clone, Default)]
pub struct ContractTypes {
    /// The structs and enums the shapes name.
    pub registry: TypeRegistry,
    /// The request wrapper of each operation, by operation index.
    pub requests: BTreeMap<usize, Shape>,
    /// The reply wrapper of each two-way operation, by operation index.
    pub replies: BTreeMap<usize, Shape>,
    /// The fault detail type of each operation that has one, by operation index.
    pub faults: BTreeMap<usize, Shape>,
}

impl ContractTypes {
    /// Traces operation `index`'s request wrapper type.
    pub fn request<T: DeserializeOwned>(&mut self, index: usize) {
        let shape = self.traced::<T>();
        self.requests.insert(index, shape);
    }

    /// Traces operation `index`'s reply wrapper type.
    pub fn reply<T: DeserializeOwned>(&mut self, index: usize) {
        let shape = self.traced::<T>();
        self.replies.insert(index, shape);
    }

    /// Traces operation `index`'s fault detail type.
    pub fn fault<T: DeserializeOwned>(&mut self, index: usize) {
        let shape = self.traced::<T>();
        self.faults.insert(index, shape);
    }

    fn traced<T: DeserializeOwned>(&mut self) -> Shape {
        match trace::<T>(&mut self.registry) {
            Ok(shape) => shape,
            Err(error) => {
                tracing::debug!(%error, r#type = std::any::type_name::<T>(), "described as xs:anyType");
                Shape::Any
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Point {
        x: i32,
        y: f64,
        label: Option<String>,
        tags: Vec<String>,
        kind: Kind,
        children: Vec<Point>,
        data: std::collections::HashMap<String, i64>,
        #[serde(with = "crate::xml::bytes")]
        blob: Vec<u8>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Kind {
        Small,
        Big,
        Custom(u32),
    }

    #[test]
    fn traces_structs_enums_and_collections() {
        let mut registry = TypeRegistry::default();
        let shape = trace::<Point>(&mut registry).expect("trace");
        assert_eq!(shape, Shape::Struct("Point"));
        let Some(Definition::Struct(fields)) = registry.types.get("Point") else {
            panic!("no Point: {registry:?}");
        };
        let expect = [
            ("x", Shape::Primitive("int")),
            ("y", Shape::Primitive("double")),
            ("label", Shape::Option(Box::new(Shape::Primitive("string")))),
            ("tags", Shape::Seq(Box::new(Shape::Primitive("string")))),
            ("kind", Shape::Enum("Kind")),
            ("children", Shape::Seq(Box::new(Shape::Struct("Point")))),
            (
                "data",
                Shape::Map(
                    Box::new(Shape::Primitive("string")),
                    Box::new(Shape::Primitive("long")),
                ),
            ),
            ("blob", Shape::Primitive("base64Binary")),
        ];
        let fields: Vec<(&str, Shape)> = fields
            .iter()
            .map(|field| {
                assert!(field.required, "{field:?}");
                (field.name, field.shape.clone())
            })
            .collect();
        assert_eq!(fields.as_slice(), expect.as_slice());
        assert_eq!(
            registry.types.get("Kind"),
            Some(&Definition::Enum(vec![
                ("Small", None),
                ("Big", None),
                ("Custom", Some(Shape::Primitive("unsignedInt"))),
            ]))
        );
        assert_eq!(
            Shape::Seq(Box::new(Shape::Primitive("int"))).item_name(),
            "ArrayOfint"
        );
    }
}
