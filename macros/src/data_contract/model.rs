//! Parse and check: a `#[derive(DataContract)]` input becomes a [`DataContract`] model, with
//! every rule broken reported through [`Ctxt`].

use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use super::order::{self, Ordered};
use crate::attr::{self, DataContractArgs, DataMemberArgs, EnumMemberArgs, Spanned};
use crate::case::pascal_case;
use crate::ctxt::Ctxt;
use crate::header::is_ncname;

/// A checked data contract.
pub struct DataContract {
    /// The type's name in Clark notation, `{namespace}Name` (`{}Name` without a namespace of
    /// its own), as the XML format reads it.
    pub wire_name: String,
    /// The name alone, for messages.
    pub name: String,
    pub shape: Shape,
    /// `is_reference`: .NET's `IsReference`, object references with `z:Id`/`z:Ref`.
    pub is_reference: bool,
}

/// A struct's members or an enum's values.
pub enum Shape {
    /// The base type's field (its members come first), the members in serializer order, and
    /// the fields that are not members.
    Struct {
        base: Option<Box<(Ident, Type)>>,
        members: Vec<Member>,
        skipped: Vec<Ident>,
    },
    /// Unit variants and their wire values, in declaration order.
    Enum(Vec<(Ident, String)>),
    /// A closed set of known types (`known_types`): each variant holds one data contract; the
    /// first is the declared type.
    KnownTypes(Vec<(Ident, Type)>),
    /// `#[data_contract(flags)]`: unit variants, their wire values and bits.
    Flags(Vec<(Ident, String, u64)>),
    /// `#[data_contract(collection)]` on a newtype around a list: its items' element name and
    /// the wrapped type.
    List { item: String, ty: Type },
    /// `#[data_contract(collection)]` on a newtype around a map: the entries', keys' and
    /// values' element names and the wrapped type.
    Map {
        item: String,
        key: String,
        value: String,
        ty: Type,
    },
}

/// One data member.
pub struct Member {
    pub field: Ident,
    pub ty: Type,
    pub wire_name: String,
    pub order: Option<i64>,
    pub required: bool,
    /// `EmitDefaultValue`: written even when it equals its type's default.
    pub emit_default: bool,
}

impl Ordered for Member {
    fn order(&self) -> Option<i64> {
        self.order
    }
    fn wire_name(&self) -> &str {
        &self.wire_name
    }
}

/// Parses and checks `input`; `None` when it cannot be a data contract (errors are in `cx`).
pub fn parse(cx: &mut Ctxt, input: &DeriveInput) -> Option<DataContract> {
    let mut args = DataContractArgs::default();
    for attribute in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("data_contract"))
    {
        attr::data_contract_args(cx, attribute, &mut args);
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "a generic data contract is not supported: give each instantiation its own type",
        );
    }
    let name = checked_name(cx, args.name.clone(), || input.ident.unraw().to_string());
    let namespace = args
        .namespace
        .clone()
        .map(|ns| ns.value)
        .unwrap_or_default();
    let collection = args.collection.as_ref().filter(|c| c.value).map(|c| c.span);
    let flags = args.flags.as_ref().filter(|f| f.value).map(|f| f.span);
    let known_types = args.known_types.as_ref().filter(|flag| flag.value);
    if collection.is_none() {
        for (key, given) in [
            ("item", &args.item),
            ("key", &args.key),
            ("value", &args.value),
        ] {
            if let Some(given) = given {
                cx.push(syn::Error::new(
                    given.span,
                    format!(
                        "`{key}` names a collection data contract's elements: add `collection` \
                         (on a newtype around a list or a map)"
                    ),
                ));
            }
        }
    }
    if let (Some(span), Some(_)) = (collection, flags) {
        cx.push(syn::Error::new(
            span,
            "a data contract is a collection or a `flags` enum, not both",
        ));
    }
    let shape = match &input.data {
        Data::Struct(data) if collection.is_some() => {
            collection_shape(cx, &input.ident, &data.fields, &args)
        }
        Data::Struct(data) => {
            if let Some(flag) = known_types {
                cx.push(syn::Error::new(
                    flag.span,
                    "`known_types` belongs on an enum whose variants each hold a data contract",
                ));
            }
            if let Some(span) = flags {
                cx.push(syn::Error::new(
                    span,
                    "`flags` belongs on a unit-only enum (.NET's `[Flags]`)",
                ));
            }
            struct_shape(cx, &input.ident, &data.fields)
        }
        Data::Enum(data) if known_types.is_some() => known_types_shape(cx, &input.ident, data),
        Data::Enum(_) if collection.is_some() => {
            cx.error_spanned_by(
                &input.ident,
                "`collection` needs a newtype struct around a list or a map: \
                 `struct Tags(Vec<String>);`",
            );
            None
        }
        Data::Enum(data) if flags.is_some() => flags_shape(cx, data),
        Data::Enum(data) => enum_shape(cx, data),
        Data::Union(_) => {
            cx.error_spanned_by(
                &input.ident,
                "`#[derive(DataContract)]` needs a struct or an enum",
            );
            None
        }
    }?;
    let is_reference = args.is_reference.as_ref().filter(|flag| flag.value);
    if let Some(flag) = is_reference
        && !matches!(shape, Shape::Struct { .. })
    {
        cx.push(syn::Error::new(
            flag.span,
            "`is_reference` belongs on a struct with members (.NET's `IsReference` on a class)",
        ));
    }
    Some(DataContract {
        wire_name: format!("{{{namespace}}}{name}"),
        name,
        shape,
        is_reference: is_reference.is_some(),
    })
}

/// A name given in an attribute (checked as an XML name) or the default.
fn checked_name(
    cx: &mut Ctxt,
    given: Option<Spanned<String>>,
    default: impl FnOnce() -> String,
) -> String {
    match given {
        Some(name) => {
            if !is_ncname(&name.value) {
                cx.push(syn::Error::new(
                    name.span,
                    format!("`{}` is not an XML element name", name.value),
                ));
            }
            name.value
        }
        None => default(),
    }
}

fn struct_shape(cx: &mut Ctxt, ident: &Ident, fields: &Fields) -> Option<Shape> {
    let fields = match fields {
        Fields::Named(named) => &named.named,
        Fields::Unit => {
            return Some(Shape::Struct {
                base: None,
                members: Vec::new(),
                skipped: Vec::new(),
            });
        }
        Fields::Unnamed(_) => {
            cx.error_spanned_by(
                ident,
                "a data contract's members need names: use a struct with named fields",
            );
            return None;
        }
    };
    let mut base: Option<Box<(Ident, Type)>> = None;
    let mut members = Vec::new();
    let mut skipped = Vec::new();
    for field in fields {
        let Some(field_ident) = field.ident.clone() else {
            continue;
        };
        let mut args = DataMemberArgs::default();
        for attribute in field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("data_member"))
        {
            attr::data_member_args(cx, attribute, &mut args);
        }
        if args.skip.as_ref().is_some_and(|skip| skip.value) {
            skipped.push(field_ident);
            continue;
        }
        if let Some(flag) = args.base.as_ref().filter(|flag| flag.value) {
            check_base(cx, &args, flag.span, base.is_some());
            base = Some(Box::new((field_ident, field.ty.clone())));
            continue;
        }
        members.push(member(cx, field_ident, field.ty.clone(), args));
    }
    check_unique(
        cx,
        members.iter().map(|m| (&m.wire_name, &m.field)),
        "member",
    );
    order::sort(&mut members);
    Some(Shape::Struct {
        base,
        members,
        skipped,
    })
}

/// A `base` field is the base type's data, not a member: no member settings, and only one.
fn check_base(cx: &mut Ctxt, args: &DataMemberArgs, span: proc_macro2::Span, repeated: bool) {
    if repeated {
        cx.push(syn::Error::new(
            span,
            "a data contract has one base type: only one field can be `base`",
        ));
    }
    let settings = [
        args.name.as_ref().map(|s| s.span),
        args.order.as_ref().map(|s| s.span),
        args.required.as_ref().map(|s| s.span),
        args.emit_default.as_ref().map(|s| s.span),
    ];
    for span in settings.into_iter().flatten() {
        cx.push(syn::Error::new(
            span,
            "a `base` field holds the base type's members, which have their own settings",
        ));
    }
}

/// A collection data contract: a newtype around a list or a map (a map when its type's last
/// path segment is `HashMap`, `BTreeMap` or `IndexMap`, or when `key` or `value` is given).
fn collection_shape(
    cx: &mut Ctxt,
    ident: &Ident,
    fields: &Fields,
    args: &DataContractArgs,
) -> Option<Shape> {
    let ty = match fields {
        Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => unnamed.unnamed[0].ty.clone(),
        _ => {
            cx.error_spanned_by(
                ident,
                "`collection` needs a newtype struct around a list or a map: \
                 `struct Tags(Vec<String>);`",
            );
            return None;
        }
    };
    let Some(item) = args.item.clone() else {
        cx.error_spanned_by(
            ident,
            "a collection data contract needs `item = \"…\"`, its items' element name \
             (.NET's default, the item type's own data contract name, is not known here)",
        );
        return None;
    };
    let item = checked_name(cx, Some(item), String::new);
    let is_map = is_map_type(&ty) || args.key.is_some() || args.value.is_some();
    if !is_map {
        return Some(Shape::List { item, ty });
    }
    let key = checked_name(cx, args.key.clone(), || "Key".to_owned());
    let value = checked_name(cx, args.value.clone(), || "Value".to_owned());
    if key == value {
        cx.error_spanned_by(
            ident,
            format!("a dictionary's keys and values need different names, not both `{key}`"),
        );
    }
    Some(Shape::Map {
        item,
        key,
        value,
        ty,
    })
}

/// Whether `ty` names one of the usual map types.
fn is_map_type(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path.path.segments.last().is_some_and(|segment| {
            matches!(
                segment.ident.to_string().as_str(),
                "HashMap" | "BTreeMap" | "IndexMap"
            )
        }),
        _ => false,
    }
}

/// A `[Flags]` enum: unit variants with their wire names and bits (an integer discriminant,
/// else `2^i` for the `i`th variant, as .NET numbers a `[Flags]` enum's members by default in
/// its schema).
fn flags_shape(cx: &mut Ctxt, data: &syn::DataEnum) -> Option<Shape> {
    let Some(Shape::Enum(values)) = enum_shape(cx, data) else {
        return None;
    };
    let explicit = data
        .variants
        .iter()
        .filter(|v| v.discriminant.is_some())
        .count();
    if explicit != 0
        && explicit != data.variants.len()
        && let Some(variant) = data.variants.iter().find(|v| v.discriminant.is_none())
    {
        cx.error_spanned_by(
            &variant.ident,
            "give every member of a `flags` enum its value (`Read = 1`), or none \
             (then the `i`th member is `2^i`)",
        );
    }
    let mut members = Vec::with_capacity(values.len());
    for (index, ((ident, value), variant)) in values.into_iter().zip(&data.variants).enumerate() {
        let bits = match &variant.discriminant {
            Some((_, expr)) => match int_literal(expr) {
                Some(bits) => bits,
                None => {
                    cx.error_spanned_by(
                        expr,
                        "a `flags` member's value must be a non-negative integer literal \
                         (`Read = 1`)",
                    );
                    0
                }
            },
            None => match u32::try_from(index).ok().and_then(|i| 1u64.checked_shl(i)) {
                Some(bits) => bits,
                None => {
                    cx.error_spanned_by(
                        &ident,
                        "a `flags` enum has at most 64 members without explicit values",
                    );
                    0
                }
            },
        };
        members.push((ident, value, bits));
    }
    Some(Shape::Flags(members))
}

/// The value of an integer literal expression.
fn int_literal(expr: &syn::Expr) -> Option<u64> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse().ok(),
        syn::Expr::Group(group) => int_literal(&group.expr),
        syn::Expr::Paren(paren) => int_literal(&paren.expr),
        _ => None,
    }
}

fn member(cx: &mut Ctxt, field: Ident, ty: Type, args: DataMemberArgs) -> Member {
    let wire_name = checked_name(cx, args.name, || pascal_case(&field.unraw().to_string()));
    if let Some(order) = args.order.as_ref().filter(|order| order.value < 0) {
        cx.push(syn::Error::new(
            order.span,
            "a data member's `order` cannot be negative (.NET rejects it too)",
        ));
    }
    let required = args.required.as_ref().is_some_and(|r| r.value);
    let emit_default = args.emit_default.as_ref().is_none_or(|e| e.value);
    if let (true, Some(emit)) = (required, args.emit_default.as_ref().filter(|e| !e.value)) {
        cx.push(syn::Error::new(
            emit.span,
            "a `required` member cannot be left out when it holds its default \
             (`emit_default = false`): .NET refuses to write such a value",
        ));
    }
    Member {
        field,
        ty,
        wire_name,
        order: args.order.map(|order| order.value),
        required,
        emit_default,
    }
}

fn enum_shape(cx: &mut Ctxt, data: &syn::DataEnum) -> Option<Shape> {
    let mut values = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                &variant.ident,
                "a data-contract enum has unit variants only (its values travel as text)",
            );
            continue;
        }
        let mut args = EnumMemberArgs::default();
        for attribute in variant
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("enum_member"))
        {
            attr::enum_member_args(cx, attribute, &mut args);
        }
        let value = match args.value {
            Some(value) => value.value,
            None => variant.ident.unraw().to_string(),
        };
        values.push((variant.ident.clone(), value));
    }
    if data.variants.is_empty() {
        cx.push(syn::Error::new(
            proc_macro2::Span::call_site(),
            "a data-contract enum needs at least one value",
        ));
    }
    check_unique(
        cx,
        values.iter().map(|(ident, value)| (value, ident)),
        "value",
    );
    Some(Shape::Enum(values))
}

fn known_types_shape(cx: &mut Ctxt, ident: &Ident, data: &syn::DataEnum) -> Option<Shape> {
    let mut variants = Vec::new();
    for variant in &data.variants {
        match &variant.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                let ty = fields.unnamed.iter().map(|f| f.ty.clone()).next()?;
                variants.push((variant.ident.clone(), ty));
            }
            _ => cx.error_spanned_by(
                &variant.ident,
                "each known type is a variant holding one data contract: `Name(Type)`",
            ),
        }
    }
    if data.variants.is_empty() {
        cx.error_spanned_by(
            ident,
            "known types need at least one variant: the declared type, first",
        );
    }
    Some(Shape::KnownTypes(variants))
}

/// Reports a wire name used twice.
fn check_unique<'a>(
    cx: &mut Ctxt,
    names: impl Iterator<Item = (&'a String, &'a Ident)>,
    what: &str,
) {
    let mut seen = std::collections::BTreeSet::new();
    for (name, ident) in names {
        if !seen.insert(name) {
            cx.error_spanned_by(
                ident,
                format!("the {what} name `{name}` is used twice in this data contract"),
            );
        }
    }
}
