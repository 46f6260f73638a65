//! Parsing of `#[service_contract(…)]`, `#[operation(…)]`, `#[header(…)]` and the data-contract
//! attributes (`#[data_contract(…)]`, `#[data_member(…)]`, `#[enum_member(…)]`) into typed,
//! spanned values.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Ident, LitBool, LitStr};

use crate::ctxt::Ctxt;

/// A value given in an attribute, with the span of its key for error messages.
#[derive(Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// `session = …`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Session {
    Required,
    Allowed,
    NotAllowed,
}

/// `release_instance = …` (WCF's `ReleaseInstanceMode`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ReleaseInstance {
    None,
    BeforeCall,
    AfterCall,
    BeforeAndAfterCall,
}

impl ReleaseInstance {
    /// The variant's name, as `indigo::contract::ReleaseInstanceMode` spells it.
    pub fn variant(self) -> &'static str {
        match self {
            ReleaseInstance::None => "None",
            ReleaseInstance::BeforeCall => "BeforeCall",
            ReleaseInstance::AfterCall => "AfterCall",
            ReleaseInstance::BeforeAndAfterCall => "BeforeAndAfterCall",
        }
    }
}

/// The arguments of `#[service_contract(…)]`.
#[derive(Default)]
pub struct ContractArgs {
    pub session: Option<Spanned<Session>>,
    pub name: Option<Spanned<String>>,
    pub namespace: Option<Spanned<String>>,
    pub data_namespace: Option<Spanned<String>>,
}

/// The arguments of one `#[operation(…)]`.
#[derive(Default)]
pub struct OperationArgs {
    pub initiating: Option<Spanned<bool>>,
    pub terminating: Option<Spanned<bool>>,
    pub one_way: Option<Spanned<bool>>,
    pub cancel_safe: Option<Spanned<bool>>,
    pub name: Option<Spanned<String>>,
    pub action: Option<Spanned<String>>,
    pub reply_action: Option<Spanned<String>>,
    pub fault_action: Option<Spanned<String>>,
    pub release_instance: Option<Spanned<ReleaseInstance>>,
}

/// The arguments of `#[header(…)]` on a `#[derive(Header)]` type.
#[derive(Default)]
pub struct HeaderArgs {
    pub namespace: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub must_understand: Option<Spanned<bool>>,
}

const HEADER_KEYS: &str = "`namespace`, `name` or `must_understand`";

/// The arguments of `#[data_contract(…)]` on a `#[derive(DataContract)]` type.
#[derive(Default)]
pub struct DataContractArgs {
    pub name: Option<Spanned<String>>,
    pub namespace: Option<Spanned<String>>,
    pub known_types: Option<Spanned<bool>>,
    /// `is_reference`: .NET's `IsReference`.
    pub is_reference: Option<Spanned<bool>>,
    /// `collection`: `[CollectionDataContract]` on a newtype around a list or a map.
    pub collection: Option<Spanned<bool>>,
    /// `item = "…"`: `ItemName`.
    pub item: Option<Spanned<String>>,
    /// `key = "…"`: `KeyName`.
    pub key: Option<Spanned<String>>,
    /// `value = "…"`: `ValueName`.
    pub value: Option<Spanned<String>>,
    /// `flags`: `[Flags]` on a unit-only enum.
    pub flags: Option<Spanned<bool>>,
}

/// The arguments of `#[data_member(…)]` on a field of a data contract.
#[derive(Default)]
pub struct DataMemberArgs {
    pub name: Option<Spanned<String>>,
    pub order: Option<Spanned<i64>>,
    pub required: Option<Spanned<bool>>,
    pub emit_default: Option<Spanned<bool>>,
    pub skip: Option<Spanned<bool>>,
    pub base: Option<Spanned<bool>>,
}

/// The arguments of `#[enum_member(…)]` on a variant of a data-contract enum.
#[derive(Default)]
pub struct EnumMemberArgs {
    pub value: Option<Spanned<String>>,
}

const DATA_CONTRACT_KEYS: &str = "`name`, `namespace`, `known_types`, `is_reference`, `collection`, `item`, `key`, `value` or `flags`";
const DATA_MEMBER_KEYS: &str = "`name`, `order`, `required`, `emit_default`, `skip` or `base`";
const ENUM_MEMBER_KEYS: &str = "`value`";

const CONTRACT_KEYS: &str = "`session`, `name`, `namespace` or `data_namespace`";
const OPERATION_KEYS: &str = "`initiating`, `terminating`, `one_way`, `cancel_safe`, `name`, \
     `action`, `reply_action`, `fault_action` or `release_instance`";

/// Parses `#[service_contract(…)]` arguments; errors go to `cx`.
pub fn contract_args(cx: &mut Ctxt, tokens: TokenStream) -> ContractArgs {
    let mut args = ContractArgs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("session") {
            let value = parse_session(&meta)?;
            set_once(&mut args.session, &meta, "session", value)
        } else if meta.path.is_ident("name") {
            let value = parse_string(&meta)?;
            set_once(&mut args.name, &meta, "name", value)
        } else if meta.path.is_ident("namespace") {
            let value = parse_string(&meta)?;
            set_once(&mut args.namespace, &meta, "namespace", value)
        } else if meta.path.is_ident("data_namespace") {
            let value = parse_string(&meta)?;
            set_once(&mut args.data_namespace, &meta, "data_namespace", value)
        } else {
            Err(unknown_key(&meta, "#[service_contract]", CONTRACT_KEYS))
        }
    });
    if let Err(error) = parser.parse2(tokens) {
        cx.push(error);
    }
    args
}

/// Parses the arguments of one `#[operation]` attribute into `args`; errors go to `cx`.
pub fn operation_args(cx: &mut Ctxt, attr: &syn::Attribute, args: &mut OperationArgs) {
    if matches!(attr.meta, syn::Meta::Path(_)) {
        return;
    }
    let result = attr.parse_nested_meta(|meta| {
        for (key, slot) in [
            ("initiating", &mut args.initiating),
            ("terminating", &mut args.terminating),
            ("one_way", &mut args.one_way),
            ("cancel_safe", &mut args.cancel_safe),
        ] {
            if meta.path.is_ident(key) {
                let value = parse_flag(&meta)?;
                return set_once(slot, &meta, key, value);
            }
        }
        if meta.path.is_ident("release_instance") {
            let value = parse_release_instance(&meta)?;
            return set_once(&mut args.release_instance, &meta, "release_instance", value);
        }
        for (key, slot) in [
            ("name", &mut args.name),
            ("action", &mut args.action),
            ("reply_action", &mut args.reply_action),
            ("fault_action", &mut args.fault_action),
        ] {
            if meta.path.is_ident(key) {
                let value = parse_string(&meta)?;
                return set_once(slot, &meta, key, value);
            }
        }
        Err(unknown_key(&meta, "#[operation]", OPERATION_KEYS))
    });
    if let Err(error) = result {
        cx.push(error);
    }
}

/// Parses one `#[header(…)]` attribute into `args`; errors go to `cx`.
pub fn header_args(cx: &mut Ctxt, attr: &syn::Attribute, args: &mut HeaderArgs) {
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("must_understand") {
            let value = parse_flag(&meta)?;
            return set_once(&mut args.must_understand, &meta, "must_understand", value);
        }
        for (key, slot) in [("namespace", &mut args.namespace), ("name", &mut args.name)] {
            if meta.path.is_ident(key) {
                let value = parse_string(&meta)?;
                return set_once(slot, &meta, key, value);
            }
        }
        Err(unknown_key(&meta, "#[header]", HEADER_KEYS))
    });
    if let Err(error) = result {
        cx.push(error);
    }
}

/// Parses one `#[data_contract(…)]` attribute into `args`; errors go to `cx`.
pub fn data_contract_args(cx: &mut Ctxt, attr: &syn::Attribute, args: &mut DataContractArgs) {
    let result = attr.parse_nested_meta(|meta| {
        for (key, slot) in [
            ("name", &mut args.name),
            ("namespace", &mut args.namespace),
            ("item", &mut args.item),
            ("key", &mut args.key),
            ("value", &mut args.value),
        ] {
            if meta.path.is_ident(key) {
                let value = parse_string(&meta)?;
                return set_once(slot, &meta, key, value);
            }
        }
        for (key, slot) in [
            ("collection", &mut args.collection),
            ("flags", &mut args.flags),
            ("known_types", &mut args.known_types),
            ("is_reference", &mut args.is_reference),
        ] {
            if meta.path.is_ident(key) {
                let value = parse_flag(&meta)?;
                return set_once(slot, &meta, key, value);
            }
        }
        Err(unknown_key(&meta, "#[data_contract]", DATA_CONTRACT_KEYS))
    });
    if let Err(error) = result {
        cx.push(error);
    }
}

/// Parses one `#[data_member(…)]` attribute into `args`; errors go to `cx`.
pub fn data_member_args(cx: &mut Ctxt, attr: &syn::Attribute, args: &mut DataMemberArgs) {
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("name") {
            let value = parse_string(&meta)?;
            return set_once(&mut args.name, &meta, "name", value);
        }
        if meta.path.is_ident("order") {
            let lit: syn::LitInt = meta.value()?.parse().map_err(|error| {
                syn::Error::new(error.span(), "expected an integer (the member's `Order`)")
            })?;
            let value = lit.base10_parse::<i64>()?;
            return set_once(&mut args.order, &meta, "order", value);
        }
        for (key, slot) in [
            ("required", &mut args.required),
            ("emit_default", &mut args.emit_default),
            ("skip", &mut args.skip),
            ("base", &mut args.base),
        ] {
            if meta.path.is_ident(key) {
                let value = parse_flag(&meta)?;
                return set_once(slot, &meta, key, value);
            }
        }
        Err(unknown_key(&meta, "#[data_member]", DATA_MEMBER_KEYS))
    });
    if let Err(error) = result {
        cx.push(error);
    }
}

/// Parses one `#[enum_member(…)]` attribute into `args`; errors go to `cx`.
pub fn enum_member_args(cx: &mut Ctxt, attr: &syn::Attribute, args: &mut EnumMemberArgs) {
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("value") {
            let value = parse_string(&meta)?;
            return set_once(&mut args.value, &meta, "value", value);
        }
        Err(unknown_key(&meta, "#[enum_member]", ENUM_MEMBER_KEYS))
    });
    if let Err(error) = result {
        cx.push(error);
    }
}

fn set_once<T>(
    slot: &mut Option<Spanned<T>>,
    meta: &ParseNestedMeta,
    key: &str,
    value: T,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!("`{key}` is given twice; keep one")));
    }
    *slot = Some(Spanned {
        value,
        span: key_span(meta),
    });
    Ok(())
}

fn key_span(meta: &ParseNestedMeta) -> Span {
    meta.path
        .get_ident()
        .map_or_else(Span::call_site, Ident::span)
}

fn unknown_key(meta: &ParseNestedMeta, attribute: &str, expected: &str) -> syn::Error {
    let key = meta
        .path
        .get_ident()
        .map_or_else(|| "this key".to_owned(), |ident| format!("`{ident}`"));
    meta.error(format!(
        "unknown {attribute} argument {key}; expected {expected}"
    ))
}

/// `key` alone means `true`; `key = true|false` is explicit.
fn parse_flag(meta: &ParseNestedMeta) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        let lit: LitBool = meta
            .value()?
            .parse()
            .map_err(|error| syn::Error::new(error.span(), "expected `true` or `false`"))?;
        Ok(lit.value)
    } else {
        Ok(true)
    }
}

fn parse_string(meta: &ParseNestedMeta) -> syn::Result<String> {
    let lit: LitStr = meta
        .value()?
        .parse()
        .map_err(|error| syn::Error::new(error.span(), "expected a string literal"))?;
    Ok(lit.value())
}

fn parse_session(meta: &ParseNestedMeta) -> syn::Result<Session> {
    let ident: Ident = meta.value()?.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected a session mode: `Required`, `Allowed` or `NotAllowed`",
        )
    })?;
    match ident.to_string().as_str() {
        "Required" => Ok(Session::Required),
        "Allowed" => Ok(Session::Allowed),
        "NotAllowed" => Ok(Session::NotAllowed),
        other => Err(syn::Error::new(
            ident.span(),
            format!(
                "unknown session mode `{other}`; expected `Required`, `Allowed` or `NotAllowed`"
            ),
        )),
    }
}

fn parse_release_instance(meta: &ParseNestedMeta) -> syn::Result<ReleaseInstance> {
    const EXPECTED: &str = "`None`, `BeforeCall`, `AfterCall` or `BeforeAndAfterCall`";
    let ident: Ident = meta.value()?.parse().map_err(|error| {
        syn::Error::new(error.span(), format!("expected a release mode: {EXPECTED}"))
    })?;
    match ident.to_string().as_str() {
        "None" => Ok(ReleaseInstance::None),
        "BeforeCall" => Ok(ReleaseInstance::BeforeCall),
        "AfterCall" => Ok(ReleaseInstance::AfterCall),
        "BeforeAndAfterCall" => Ok(ReleaseInstance::BeforeAndAfterCall),
        other => Err(syn::Error::new(
            ident.span(),
            format!("unknown release mode `{other}`; expected {EXPECTED}"),
        )),
    }
}
