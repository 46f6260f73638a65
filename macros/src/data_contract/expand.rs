//! Generate: serde's `Serialize` and `Deserialize` for a checked data contract, in the shape the
//! XML body format turns into DataContractSerializer XML.
//!
//! The type's name travels as serde's struct or enum name in Clark notation
//! (`{namespace}Name`), which the serializer writes as the members' namespace; members are
//! serialized in serializer order. The `Deserialize` impl reads members in any order, keeps the
//! default of a missing member that is not required, and fails naming a missing required one.
//! In the field list it gives serde, a required member's name ends with `!`, which the schema
//! tracer reads as "not `minOccurs="0"`".

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{DeriveInput, Ident};

use super::model::{DataContract, Member, Shape};

/// The generated impls, in an anonymous const so their helpers do not leak.
pub fn generate(input: &DeriveInput, contract: &DataContract) -> TokenStream {
    let body = match &contract.shape {
        Shape::Struct {
            base,
            members,
            skipped,
        } => {
            // The hidden struct of members read so far sits beside the type (an associated
            // type of a public trait cannot name a type private to the const block).
            return struct_impls(input, contract, base.as_deref(), members, skipped);
        }
        Shape::Enum(values) => enum_impls(input, contract, values, None),
        Shape::KnownTypes(variants) => known_types_impls(input, contract, variants),
        Shape::Flags(members) => flags_impls(input, contract, members),
        Shape::List { item, ty } => list_impls(input, contract, item, ty),
        Shape::Map {
            item,
            key,
            value,
            ty,
        } => map_impls(input, contract, item, (key, value), ty),
    };
    quote! {
        const _: () = {
            use ::indigo::__private::serde as _serde;
            #body
        };
    }
}

fn struct_impls(
    input: &DeriveInput,
    contract: &DataContract,
    base: Option<&(Ident, syn::Type)>,
    members: &[Member],
    skipped: &[Ident],
) -> TokenStream {
    let ident = &input.ident;
    let vis = &input.vis;
    let wire_name = &contract.wire_name;
    let namespace = contract
        .wire_name
        .strip_prefix('{')
        .and_then(|rest| rest.split_once('}'))
        .map_or("", |(ns, _)| ns);
    let partial = format_ident!("__{}DataMembers", ident.unraw());
    let count = members.len() + usize::from(base.is_some());
    let own = members.len();

    let writes = members.iter().map(|m| write_member(m, &m.wire_name));
    let qualified_writes = members
        .iter()
        .map(|m| write_member(m, &format!("{{{namespace}}}{}", m.wire_name)));
    let slots: Vec<Ident> = (0..own).map(|i| format_ident!("m{i}")).collect();
    let types: Vec<&syn::Type> = members.iter().map(|m| &m.ty).collect();
    let wire: Vec<&String> = members.iter().map(|m| &m.wire_name).collect();
    let indices: Vec<usize> = (0..own).collect();
    let finish = members
        .iter()
        .zip(&slots)
        .map(|(m, slot)| finish_member(contract, m, slot));
    let defaults = skipped.iter().map(|field| {
        quote_spanned! {field.span()=> #field: ::core::default::Default::default() }
    });
    let mut fields: Vec<String> = Vec::new();
    if base.is_some() {
        // The base type, traced whole for the schema (an empty name: it has no element).
        fields.push(String::new());
    }
    fields.extend(members.iter().map(|m| {
        let mark = if m.required { "!" } else { "" };
        format!("{}{mark}", m.wire_name)
    }));
    let expecting = format!("the data contract `{}`", contract.name);
    let outer_impls = outer_impls(ident, contract);

    // What a base adds to each generated piece.
    let (base_partial, base_write, base_index, base_read, base_finish, base_whole) = match base {
        Some((field, ty)) => (
            quote! {
                base: <#ty as ::indigo::__private::DataMembers>::Partial,
                whole_base: ::core::option::Option<#ty>,
            },
            quote! { <#ty as _serde_members::DataMembers>::write_members(&self.#field, state)?; },
            quote! { <#ty as _serde_members::DataMembers>::member_index(name).map(|i| i + #own) },
            quote! { <#ty as _serde_members::DataMembers>::read_member(&mut partial.base, index - #own, map) },
            quote! {
                #field: match partial.whole_base {
                    ::core::option::Option::Some(base) => base,
                    ::core::option::Option::None => {
                        <#ty as _serde_members::DataMembers>::finish(partial.base)?
                    }
                },
            },
            quote! {
                __Member::Base => {
                    partial.whole_base = ::core::option::Option::Some(map.next_value::<#ty>()?);
                }
            },
        ),
        None => (
            quote! {},
            quote! {},
            quote! { ::core::option::Option::None },
            quote! { ::core::result::Result::Ok(()) },
            quote! {},
            quote! { __Member::Base => { map.next_value::<_serde::de::IgnoredAny>()?; } },
        ),
    };

    let member_names = identifier(
        quote!(__Member),
        "a data member name",
        quote!(name),
        quote! {
            if name.is_empty() {
                return ::core::result::Result::Ok(__Member::Base);
            }
            ::core::result::Result::Ok(
                match <#ident as _serde_members::DataMembers>::member_index(name) {
                    ::core::option::Option::Some(index) => __Member::Index(index),
                    ::core::option::Option::None => __Member::Unknown,
                },
            )
        },
    );
    let members_visitor = visitor(
        ident,
        &expecting,
        quote! {
            fn visit_map<__A: _serde::de::MapAccess<'de>>(
                self,
                mut map: __A,
            ) -> ::core::result::Result<#ident, __A::Error> {
                let mut partial = <#partial as ::core::default::Default>::default();
                while let ::core::option::Option::Some(member) = map.next_key::<__Member>()? {
                    match member {
                        __Member::Index(index) => {
                            <#ident as _serde_members::DataMembers>::read_member(
                                &mut partial,
                                index,
                                &mut map,
                            )?;
                        }
                        #base_whole
                        __Member::Unknown => {
                            map.next_value::<_serde::de::IgnoredAny>()?;
                        }
                    }
                }
                <#ident as _serde_members::DataMembers>::finish(partial)
            }
        },
    );
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, non_snake_case)]
        #[derive(::core::default::Default)]
        #vis struct #partial {
            #(#slots: ::core::option::Option<#types>,)*
            #base_partial
        }

        const _: () = {
            use ::indigo::__private as _serde_members;
            use ::indigo::__private::serde as _serde;

            impl _serde_members::DataMembers for #ident {
                const NAME: &'static str = #wire_name;
                type Partial = #partial;

                fn write_members<__S: _serde::ser::SerializeStruct>(
                    &self,
                    state: &mut __S,
                ) -> ::core::result::Result<(), __S::Error> {
                    #base_write
                    #(#qualified_writes)*
                    ::core::result::Result::Ok(())
                }

                fn member_index(name: &str) -> ::core::option::Option<usize> {
                    match name {
                        #(#wire => ::core::option::Option::Some(#indices),)*
                        _ => #base_index,
                    }
                }

                fn read_member<'de, __A: _serde::de::MapAccess<'de>>(
                    partial: &mut #partial,
                    index: usize,
                    map: &mut __A,
                ) -> ::core::result::Result<(), __A::Error> {
                    match index {
                        #(#indices => {
                            if partial.#slots.is_some() {
                                return ::core::result::Result::Err(
                                    <__A::Error as _serde::de::Error>::duplicate_field(#wire),
                                );
                            }
                            partial.#slots = ::core::option::Option::Some(map.next_value()?);
                            ::core::result::Result::Ok(())
                        })*
                        _ => #base_read,
                    }
                }

                fn finish<__E: _serde::de::Error>(
                    partial: #partial,
                ) -> ::core::result::Result<Self, __E> {
                    ::core::result::Result::Ok(#ident {
                        #base_finish
                        #(#finish,)*
                        #(#defaults,)*
                    })
                }
            }

            /// The struct itself (an object with references wraps it).
            trait __SerializeMembers {
                fn serialize_members<__S: _serde::Serializer>(
                    &self,
                    serializer: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error>;
            }

            impl __SerializeMembers for #ident {
                fn serialize_members<__S: _serde::Serializer>(
                    &self,
                    serializer: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    use _serde::ser::SerializeStruct as _;
                    let mut state = serializer.serialize_struct(#wire_name, #count)?;
                    {
                        let state = &mut state;
                        #base_write
                    }
                    #(#writes)*
                    state.end()
                }
            }

            #outer_impls

            /// The struct itself, from its element.
            fn deserialize_members<'de, __D: _serde::Deserializer<'de>>(
                    deserializer: __D,
                ) -> ::core::result::Result<#ident, __D::Error> {
                    const FIELDS: &[&str] = &[#(#fields),*];

                    enum __Member { Index(usize), Base, Unknown }

                    #member_names

                    #members_visitor

                    deserializer.deserialize_struct(#wire_name, FIELDS, __Visitor)
            }
        };
    }
}

/// `Serialize` and `Deserialize` of a struct over its members' (`serialize_members`,
/// `deserialize_members`): directly, or, for an object with references (`is_reference`), as the
/// XML format's [`IS_REFERENCE`] newtype: a `z:Id` on writing; on reading, a `z:Ref` resolved to
/// a copy of the value read under that id.
fn outer_impls(ident: &Ident, contract: &DataContract) -> TokenStream {
    if !contract.is_reference {
        return quote! {
            impl _serde::Serialize for #ident {
                fn serialize<__S: _serde::Serializer>(
                    &self,
                    serializer: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    __SerializeMembers::serialize_members(self, serializer)
                }
            }

            impl<'de> _serde::Deserialize<'de> for #ident {
                fn deserialize<__D: _serde::Deserializer<'de>>(
                    deserializer: __D,
                ) -> ::core::result::Result<Self, __D::Error> {
                    deserialize_members(deserializer)
                }
            }
        };
    }
    let unknown = format!("`z:Ref` names no `{}` read before it", contract.name);
    let expecting = format!(
        "the data contract `{}` or a reference to one",
        contract.name
    );
    quote! {
        struct __Members<'a>(&'a #ident);

        impl _serde::Serialize for __Members<'_> {
            fn serialize<__S: _serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                __SerializeMembers::serialize_members(self.0, serializer)
            }
        }

        impl _serde::Serialize for #ident {
            fn serialize<__S: _serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                serializer.serialize_newtype_struct(::indigo::xml::IS_REFERENCE, &__Members(self))
            }
        }

        impl<'de> _serde::Deserialize<'de> for #ident {
            fn deserialize<__D: _serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                struct __Object;
                impl<'de> _serde::de::Visitor<'de> for __Object {
                    type Value = #ident;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_newtype_struct<__D: _serde::Deserializer<'de>>(
                        self,
                        deserializer: __D,
                    ) -> ::core::result::Result<#ident, __D::Error> {
                        let id = ::indigo::xml::references::take_id();
                        let value = deserialize_members(deserializer)?;
                        if let ::core::option::Option::Some(id) = id {
                            ::indigo::xml::references::remember(id, &value);
                        }
                        ::core::result::Result::Ok(value)
                    }
                    fn visit_str<__E: _serde::de::Error>(
                        self,
                        id: &str,
                    ) -> ::core::result::Result<#ident, __E> {
                        ::indigo::xml::references::recall::<#ident>(id)
                            .ok_or_else(|| __E::custom(#unknown))
                    }
                }
                deserializer.deserialize_newtype_struct(::indigo::xml::IS_REFERENCE, __Object)
            }
        }
    }
}

/// A member's value at the end of reading: a missing required member is an error naming it; a
/// missing optional one is its type's default.
fn finish_member(contract: &DataContract, m: &Member, slot: &Ident) -> TokenStream {
    let field = &m.field;
    if m.required {
        let message = format!(
            "the required data member `{}` of `{}` is missing",
            m.wire_name, contract.name
        );
        quote! {
            #field: match partial.#slot {
                ::core::option::Option::Some(value) => value,
                ::core::option::Option::None => {
                    return ::core::result::Result::Err(<__E as _serde::de::Error>::custom(#message));
                }
            }
        }
    } else {
        let ty = &m.ty;
        quote_spanned! {ty.span()=>
            #field: ::core::option::Option::unwrap_or_else(
                partial.#slot,
                <#ty as ::core::default::Default>::default,
            )
        }
    }
}

/// One member's write under `name`: always, or (`emit_default = false`) only when not its
/// type's default.
fn write_member(member: &Member, name: &str) -> TokenStream {
    let field = &member.field;
    if member.emit_default {
        return quote! { state.serialize_field(#name, &self.#field)?; };
    }
    let ty = &member.ty;
    let is_default = quote_spanned! {ty.span()=>
        <#ty as ::core::cmp::PartialEq>::eq(
            &self.#field,
            &<#ty as ::core::default::Default>::default(),
        )
    };
    quote! {
        if #is_default {
            state.skip_field(#name)?;
        } else {
            state.serialize_field(#name, &self.#field)?;
        }
    }
}

/// A `[Flags]` enum: the enum's own impls (its variant list marked with each member's bits,
/// for the schema tracer) and `FlagsContract`, through which `indigo::data::Flags` holds sets.
fn flags_impls(
    input: &DeriveInput,
    contract: &DataContract,
    members: &[(Ident, String, u64)],
) -> TokenStream {
    let ident = &input.ident;
    let wire_name = &contract.wire_name;
    let values: Vec<(Ident, String)> = members
        .iter()
        .map(|(v, t, _)| (v.clone(), t.clone()))
        .collect();
    let marked: Vec<String> = members
        .iter()
        .map(|(_, text, bits)| format!("{text}|{bits}"))
        .collect();
    let variants = members.iter().map(|(v, _, _)| v);
    let texts = members.iter().map(|(_, t, _)| t);
    let bits = members.iter().map(|(_, _, b)| b);
    let enum_impls = enum_impls(input, contract, &values, Some(&marked));
    quote! {
        #enum_impls

        impl ::indigo::data::FlagsContract for #ident {
            const NAME: &'static str = #wire_name;
            const MEMBERS: &'static [(Self, &'static str, u64)] = &[
                #((#ident::#variants, #texts, #bits),)*
            ];
            const VARIANTS: &'static [&'static str] = &[#(#marked),*];
        }
    }
}

/// A collection data contract around a list: an element per item, named `item`, in the
/// collection's namespace; read back from items of any name. serde sees a struct whose one
/// field (marked `*`, repeated, for the schema tracer) is written once per item.
fn list_impls(
    input: &DeriveInput,
    contract: &DataContract,
    item: &str,
    ty: &syn::Type,
) -> TokenStream {
    newtype_collection(
        input,
        contract,
        item,
        ty,
        (quote!(item), quote!(item)),
        quote!(map.next_value::<<#ty as ::core::iter::IntoIterator>::Item>()?),
    )
}

/// The impls a collection newtype has, list or map: one repeated field `item`, written for each
/// `element` of `self.0` as `write` makes it, and read back (from elements of any name) by
/// `read`.
fn newtype_collection(
    input: &DeriveInput,
    contract: &DataContract,
    item: &str,
    ty: &syn::Type,
    (element, write): (TokenStream, TokenStream),
    read: TokenStream,
) -> TokenStream {
    let ident = &input.ident;
    let wire_name = &contract.wire_name;
    let field = format!("{item}*");
    let expecting = format!("the collection data contract `{}`", contract.name);
    let elements_visitor = visitor(
        ident,
        &expecting,
        quote! {
            fn visit_map<__A: _serde::de::MapAccess<'de>>(
                self,
                mut map: __A,
            ) -> ::core::result::Result<#ident, __A::Error> {
                let mut elements = <#ty as ::core::default::Default>::default();
                while map.next_key::<_serde::de::IgnoredAny>()?.is_some() {
                    let element: <#ty as ::core::iter::IntoIterator>::Item = #read;
                    ::core::iter::Extend::extend(&mut elements, ::core::iter::once(element));
                }
                ::core::result::Result::Ok(#ident(elements))
            }
        },
    );
    quote! {
        impl _serde::Serialize for #ident {
            fn serialize<__S: _serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                use _serde::ser::SerializeStruct as _;
                let count = ::core::iter::Iterator::count(::core::iter::IntoIterator::into_iter(&self.0));
                let mut state = serializer.serialize_struct(#wire_name, count)?;
                for #element in &self.0 {
                    state.serialize_field(#item, #write)?;
                }
                state.end()
            }
        }

        impl<'de> _serde::Deserialize<'de> for #ident {
            fn deserialize<__D: _serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                #elements_visitor
                deserializer.deserialize_struct(#wire_name, &[#field], __Visitor)
            }
        }
    }
}

/// A collection data contract around a map: an element per entry, named `item`, holding the key
/// and the value elements, all in the collection's namespace. serde sees a struct with one
/// repeated field whose value is an entry struct named `{namespace}Collection/Entry` (the `/`
/// tells the schema writer to describe it inline, as WCF does).
fn map_impls(
    input: &DeriveInput,
    contract: &DataContract,
    item: &str,
    (key, value): (&String, &String),
    ty: &syn::Type,
) -> TokenStream {
    let entry_name = format!("{}/{item}", contract.wire_name);
    let key_mark = format!("{key}!");
    let value_mark = format!("{value}!");
    let entry_expecting = format!(
        "an entry of the collection data contract `{}`",
        contract.name
    );
    let missing_key = format!("an entry of `{}` has no `{key}`", contract.name);
    let missing_value = format!("an entry of `{}` has no `{value}`", contract.name);
    let collection = newtype_collection(
        input,
        contract,
        item,
        ty,
        (quote!((key, value)), quote!(&__Entry(key, value))),
        quote!({
            let __EntryDe(key, value) = map.next_value()?;
            (key, value)
        }),
    );
    quote! {
        struct __Entry<'a, __K: ?Sized, __V: ?Sized>(&'a __K, &'a __V);

        impl<__K: ?Sized + _serde::Serialize, __V: ?Sized + _serde::Serialize> _serde::Serialize
            for __Entry<'_, __K, __V>
        {
            fn serialize<__S: _serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                use _serde::ser::SerializeStruct as _;
                let mut state = serializer.serialize_struct(#entry_name, 2)?;
                state.serialize_field(#key, self.0)?;
                state.serialize_field(#value, self.1)?;
                state.end()
            }
        }

        struct __EntryDe<__K, __V>(__K, __V);

        impl<'de, __K: _serde::Deserialize<'de>, __V: _serde::Deserialize<'de>>
            _serde::Deserialize<'de> for __EntryDe<__K, __V>
        {
            fn deserialize<__D: _serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                struct __Visitor<__K, __V>(::core::marker::PhantomData<fn() -> (__K, __V)>);
                impl<'de, __K: _serde::Deserialize<'de>, __V: _serde::Deserialize<'de>>
                    _serde::de::Visitor<'de> for __Visitor<__K, __V>
                {
                    type Value = __EntryDe<__K, __V>;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#entry_expecting)
                    }
                    fn visit_map<__A: _serde::de::MapAccess<'de>>(
                        self,
                        mut map: __A,
                    ) -> ::core::result::Result<Self::Value, __A::Error> {
                        let mut key = ::core::option::Option::None;
                        let mut value = ::core::option::Option::None;
                        while let ::core::option::Option::Some(name) =
                            map.next_key::<::std::string::String>()?
                        {
                            // The names given, or .NET's defaults.
                            if key.is_none() && (name == #key || name == "Key") {
                                key = ::core::option::Option::Some(map.next_value()?);
                            } else if value.is_none() && (name == #value || name == "Value") {
                                value = ::core::option::Option::Some(map.next_value()?);
                            } else {
                                map.next_value::<_serde::de::IgnoredAny>()?;
                            }
                        }
                        match (key, value) {
                            (::core::option::Option::Some(k), ::core::option::Option::Some(v)) => {
                                ::core::result::Result::Ok(__EntryDe(k, v))
                            }
                            (::core::option::Option::None, _) => ::core::result::Result::Err(
                                <__A::Error as _serde::de::Error>::custom(#missing_key),
                            ),
                            _ => ::core::result::Result::Err(
                                <__A::Error as _serde::de::Error>::custom(#missing_value),
                            ),
                        }
                    }
                }
                deserializer.deserialize_struct(
                    #entry_name,
                    &[#key_mark, #value_mark],
                    __Visitor(::core::marker::PhantomData),
                )
            }
        }

        #collection
    }
}

fn enum_impls(
    input: &DeriveInput,
    contract: &DataContract,
    values: &[(Ident, String)],
    marked: Option<&[String]>,
) -> TokenStream {
    let ident = &input.ident;
    let wire_name = &contract.wire_name;
    let variants: Vec<&Ident> = values.iter().map(|(v, _)| v).collect();
    let texts: Vec<&String> = values.iter().map(|(_, t)| t).collect();
    let indices = (0..values.len()).map(|i| u32::try_from(i).unwrap_or(u32::MAX));
    let expecting = format!("a value of the data contract `{}`", contract.name);
    // What the schema tracer reads: a `[Flags]` enum's members with their bits.
    let traced = match marked {
        Some(marked) => quote! { &[#(#marked),*] },
        None => quote! { VALUES },
    };
    let value_names = identifier(
        quote!(__Value),
        &expecting,
        quote!(value),
        quote! {
            match value {
                #(#texts => ::core::result::Result::Ok(__Value(#ident::#variants)),)*
                other => ::core::result::Result::Err(
                    __E::unknown_variant(other, VALUES),
                ),
            }
        },
    );
    let values_visitor = visitor(
        ident,
        &expecting,
        quote! {
            fn visit_enum<__A: _serde::de::EnumAccess<'de>>(
                self,
                data: __A,
            ) -> ::core::result::Result<#ident, __A::Error> {
                let (__Value(value), variant) = data.variant::<__Value>()?;
                _serde::de::VariantAccess::unit_variant(variant)?;
                ::core::result::Result::Ok(value)
            }
        },
    );
    quote! {
        impl _serde::Serialize for #ident {
            fn serialize<__S: _serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                let (index, value) = match self {
                    #(#ident::#variants => (#indices, #texts),)*
                };
                serializer.serialize_unit_variant(#wire_name, index, value)
            }
        }

        impl<'de> _serde::Deserialize<'de> for #ident {
            fn deserialize<__D: _serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                const VALUES: &[&str] = &[#(#texts),*];

                struct __Value(#ident);
                #value_names

                #values_visitor

                deserializer.deserialize_enum(#wire_name, #traced, __Visitor)
            }
        }
    }
}

/// The serde enum name prefix of known types: `indigo::xml::KNOWN_TYPES`, which the XML format
/// recognises.
const KNOWN_TYPES: &str = "@known-types:";

fn known_types_impls(
    input: &DeriveInput,
    contract: &DataContract,
    variants: &[(Ident, syn::Type)],
) -> TokenStream {
    let ident = &input.ident;
    let name = format!("{KNOWN_TYPES}{}", contract.name);
    let idents: Vec<&Ident> = variants.iter().map(|(v, _)| v).collect();
    let types: Vec<&syn::Type> = variants.iter().map(|(_, t)| t).collect();
    let indices: Vec<u32> = (0..variants.len())
        .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
        .collect();
    let slots: Vec<usize> = (0..variants.len()).collect();
    let writes = variants.iter().zip(&indices).map(|((variant, ty), index)| {
        if *index == 0 {
            // The declared type: written as itself, without `xsi:type`.
            quote! { #ident::#variant(value) => _serde::Serialize::serialize(value, serializer) }
        } else {
            quote! {
                #ident::#variant(value) => serializer.serialize_newtype_variant(
                    #name,
                    #index,
                    <#ty as ::indigo::__private::DataMembers>::NAME,
                    value,
                )
            }
        }
    });
    let expecting = format!("one of the known types of `{}`", contract.name);
    let variant_names = identifier(
        quote!(__Variant),
        &expecting,
        quote!(name),
        quote! {
            if name.is_empty() {
                return ::core::result::Result::Ok(__Variant(0));
            }
            let local = |n: &str| n.rsplit('}').next().unwrap_or("").to_owned();
            let wanted = local(name);
            TYPES
                .iter()
                .position(|known| local(known) == wanted)
                .map(__Variant)
                .ok_or_else(|| __E::unknown_variant(name, TYPES))
        },
    );
    let types_visitor = visitor(
        ident,
        &expecting,
        quote! {
            fn visit_enum<__A: _serde::de::EnumAccess<'de>>(
                self,
                data: __A,
            ) -> ::core::result::Result<#ident, __A::Error> {
                let (__Variant(index), variant) = data.variant::<__Variant>()?;
                match index {
                    #(#slots => _serde::de::VariantAccess::newtype_variant::<#types>(variant)
                        .map(#ident::#idents),)*
                    _ => ::core::result::Result::Err(
                        <__A::Error as _serde::de::Error>::custom("no such known type"),
                    ),
                }
            }
        },
    );
    quote! {
        impl _serde::Serialize for #ident {
            fn serialize<__S: _serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                match self {
                    #(#writes,)*
                }
            }
        }

        impl<'de> _serde::Deserialize<'de> for #ident {
            fn deserialize<__D: _serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                const TYPES: &[&str] = &[#(<#types as ::indigo::__private::DataMembers>::NAME),*];

                /// The known type an `xsi:type` names (none: the declared type), by local name.
                struct __Variant(usize);
                #variant_names

                #types_visitor

                deserializer.deserialize_enum(#name, TYPES, __Visitor)
            }
        }
    }
}

/// `impl Deserialize for {ty}` from an identifier (an element or `xsi:type` name, an enum
/// value): `body` maps the string `arg` to a `Result<{ty}, __E>`.
fn identifier(
    ty: TokenStream,
    expecting: &str,
    arg: TokenStream,
    body: TokenStream,
) -> TokenStream {
    quote! {
        impl<'de> _serde::Deserialize<'de> for #ty {
            fn deserialize<__D: _serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                struct __Names;
                impl<'de> _serde::de::Visitor<'de> for __Names {
                    type Value = #ty;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_str<__E: _serde::de::Error>(
                        self,
                        #arg: &str,
                    ) -> ::core::result::Result<#ty, __E> {
                        #body
                    }
                }
                deserializer.deserialize_identifier(__Names)
            }
        }
    }
}

/// A serde visitor of `ident` values, named `__Visitor`, with `expecting` and the one `visit_*`
/// method given.
fn visitor(ident: &Ident, expecting: &str, method: TokenStream) -> TokenStream {
    quote! {
        struct __Visitor;
        impl<'de> _serde::de::Visitor<'de> for __Visitor {
            type Value = #ident;
            fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(#expecting)
            }
            #method
        }
    }
}
