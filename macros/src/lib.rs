//! Procedural macros of indigo: `#[service_contract]`, `#[operation]`, `#[derive(Header)]` and
//! `#[derive(DataContract)]`.
//!
//! The work is split as in serde_derive: `attr` parses the attributes, `model` turns the trait
//! into a contract model, `check` enforces WCF's contract rules, and `expand` generates the
//! trait, the contract description, the client proxy and the dispatcher. Every step reports
//! errors through `ctxt::Ctxt`, so that one compile shows all of them.

mod attr;
mod case;
mod check;
mod ctxt;
mod data_contract;
mod expand;
mod header;
mod model;

use proc_macro::TokenStream;

/// Declares a service contract: the trait's methods become the contract's operations.
///
/// Arguments: `session = Required | Allowed | NotAllowed` (default `Allowed`), `name = "…"`
/// (default: the trait's name), `namespace = "…"` (default `http://tempuri.org/`). Each method
/// may carry `#[operation(…)]`; see the `indigo` crate's documentation for the generated items.
#[proc_macro_attribute]
pub fn service_contract(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::service_contract(args.into(), input.into()).into()
}

/// Marks an operation of a `#[service_contract]` trait: `initiating`, `terminating`, `one_way`,
/// `cancel_safe`, `name = "…"`, `action = "…"`, `reply_action = "…"`, `fault_action = "…"`,
/// `release_instance = …`.
///
/// `#[service_contract]` reads and removes this attribute, so it only expands on its own when it
/// stands outside a contract, which is an error.
#[proc_macro_attribute]
pub fn operation(_args: TokenStream, input: TokenStream) -> TokenStream {
    let input = proc_macro2::TokenStream::from(input);
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        "`#[operation]` belongs on a method of a `#[service_contract]` trait",
    )
    .into_compile_error();
    quote::quote!(#error #input).into()
}

/// Derives `indigo::message::Header` for a serde data contract: the header element is
/// `{namespace}name` with one child element per field, as WCF's `MessageHeader<T>` writes it.
///
/// `#[header(namespace = "…")]` is required; `name = "…"` defaults to the type's name;
/// `must_understand` sends it `mustUnderstand="1"`. The type must implement `Serialize` and
/// `Deserialize`.
#[proc_macro_derive(Header, attributes(header))]
pub fn derive_header(input: TokenStream) -> TokenStream {
    header::derive(input.into()).into()
}

/// Derives serde's `Serialize` and `Deserialize` for a data contract, as .NET's
/// `[DataContract]` declares it: the DataContractSerializer's XML, members in its order.
///
/// On the type, `#[data_contract(name = "…", namespace = "…")]` (defaults: the type's name; the
/// namespace of wherever the value is written, the contract's). On a field,
/// `#[data_member(name = "…", order = N, required, emit_default = false, skip)]` (default name:
/// the field's in PascalCase). On an enum's unit variants, `#[enum_member(value = "…")]`.
///
/// `#[data_contract(collection, item = "…")]` on a newtype struct around a list
/// (`struct Tags(Vec<String>);`) is .NET's `[CollectionDataContract(ItemName = …)]`: one element
/// named `item` per item, in the collection's namespace (read back from items of any name). Around
/// a map (`HashMap`, `BTreeMap`, `IndexMap`, or any type when `key` or `value` is given), entries
/// named `item` hold `key = "…"` and `value = "…"` elements (defaults `Key`, `Value`: `KeyName`,
/// `ValueName`). The type must be `Default + Extend<Item>` and `&T: IntoIterator`. `item` is
/// required (.NET's default, the item type's own name, is not known to the macro).
///
/// `#[data_contract(flags)]` on a unit-only enum is .NET's `[Flags]`: each member's bits are its
/// discriminant (`Read = 1`; give all or none) or `2^i` for the `i`th; the derive implements
/// `indigo::data::FlagsContract`, and `indigo::data::Flags<Enum>` holds a set of members,
/// written as space-separated member names (`Read Write`, empty text for 0).
///
/// A plain `HashMap`/`BTreeMap` member needs nothing: it travels as .NET's `Dictionary<K, V>`.
/// See the `indigo` crate's `data` documentation and `docs/data-contracts.md`.
#[proc_macro_derive(DataContract, attributes(data_contract, data_member, enum_member))]
pub fn derive_data_contract(input: TokenStream) -> TokenStream {
    data_contract::derive(input.into()).into()
}
