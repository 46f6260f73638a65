//! The contract model: the trait, read into contract and operation values with every default
//! applied. Method shapes that the framework cannot carry are rejected here (rule 5); the contract
//! rules between operations are in [`crate::check`].

use proc_macro2::Span;
use syn::visit::Visit;
use syn::{
    Attribute, FnArg, GenericArgument, Ident, ItemTrait, Pat, PathArguments, ReceiverKind,
    ReturnType, TraitItem, TraitItemFn, Type, Visibility,
};

use crate::attr::{self, ContractArgs, OperationArgs, ReleaseInstance, Session, Spanned};
use crate::case;
use crate::ctxt::Ctxt;

/// The default contract namespace, as in WCF.
pub const DEFAULT_NAMESPACE: &str = "http://tempuri.org/";

/// A service contract.
pub struct Contract {
    /// The trait's attributes other than `#[operation]` ones (docs, lints, …).
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub supertraits: Vec<syn::TypeParamBound>,
    pub name: String,
    pub namespace: String,
    /// The namespace of the members of types that name none of their own (default: the
    /// contract's namespace).
    pub data_namespace: String,
    pub session: Session,
    /// The span of `session = …`, or of the trait's name when it was not given.
    pub session_span: Span,
    pub operations: Vec<Operation>,
}

/// One operation.
pub struct Operation {
    /// The method's attributes other than `#[operation]`.
    pub attrs: Vec<Attribute>,
    pub method: Ident,
    pub name: Spanned<String>,
    pub action: String,
    /// `None` for one-way operations.
    pub reply_action: Option<String>,
    /// The action of its typed fault's message; `None` without a fault type.
    pub fault_action: Option<String>,
    pub initiating: Spanned<bool>,
    pub terminating: Spanned<bool>,
    pub one_way: Spanned<bool>,
    /// When the runtime recycles the service instance around this operation.
    pub release_instance: ReleaseInstance,
    /// May be dropped mid-way on a singleton or shared instance when its session ends.
    pub cancel_safe: bool,
    pub mutable: bool,
    pub params: Vec<Param>,
    pub output: Output,
}

/// One parameter.
pub struct Param {
    pub ident: Ident,
    /// The element name on the wire.
    pub wire_name: String,
    pub ty: Type,
}

/// What an operation returns.
pub struct Output {
    /// The return type as written, `None` for `()`.
    pub ty: Option<Type>,
    /// The value type: `T` of `Result<T, F>`, or the whole type.
    pub ok: Type,
    /// The fault type `F` of `Result<T, F>`.
    pub fault: Option<FaultType>,
}

/// An operation's fault: `F` of `Result<T, F>`.
pub struct FaultType {
    /// As written: `MathFault`, `FaultException<MathFault>`, `FaultException`.
    pub ty: Type,
    /// The detail type: `F`, or `D` of `FaultException<D>`; `()` for an untyped fault.
    pub detail: Type,
    pub form: FaultForm,
}

/// How an operation's fault is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FaultForm {
    /// `F`: the detail alone (a reason indigo chooses).
    Detail,
    /// `FaultException<D>`: the detail with its reason and code.
    Exception,
    /// `FaultException` (or `FaultException<()>`): a reason and a code, no detail (WCF's
    /// untyped `FaultException`).
    Untyped,
}

impl FaultType {
    fn new(ty: Type) -> Self {
        let unit: Type = syn::parse_quote!(());
        let (detail, form) = match generic_argument(&ty, "FaultException") {
            Some(Some(Type::Tuple(tuple))) if tuple.elems.is_empty() => (unit, FaultForm::Untyped),
            Some(Some(detail)) => (detail, FaultForm::Exception),
            Some(None) => (unit, FaultForm::Untyped),
            None => (ty.clone(), FaultForm::Detail),
        };
        FaultType { ty, detail, form }
    }

    /// Whether the fault has a detail: a fault contract in the WSDL, a typed fault action.
    pub fn is_typed(&self) -> bool {
        self.form != FaultForm::Untyped
    }
}

impl Output {
    pub fn is_unit(&self) -> bool {
        matches!(&self.ok, Type::Tuple(tuple) if tuple.elems.is_empty())
    }

    /// The span to blame for a result that an operation may not have.
    pub fn span(&self) -> Option<&Type> {
        self.ty.as_ref()
    }
}

/// Reads the trait into a model, reporting unsupported shapes to `cx`.
pub fn contract(cx: &mut Ctxt, args: ContractArgs, item: ItemTrait) -> Contract {
    check_trait_shape(cx, &item);
    let name = args
        .name
        .map_or_else(|| item.ident.to_string(), |name| name.value);
    let namespace = args
        .namespace
        .map_or_else(|| DEFAULT_NAMESPACE.to_owned(), |ns| ns.value);
    let data_namespace = args
        .data_namespace
        .map_or_else(|| namespace.clone(), |ns| ns.value);
    let (session, session_span) = args
        .session
        .map_or((Session::Allowed, item.ident.span()), |s| (s.value, s.span));

    let mut operations = Vec::new();
    for trait_item in item.items {
        match trait_item {
            TraitItem::Fn(method) => operations.push(operation(cx, &name, &namespace, method)),
            other => cx.error_spanned_by(
                other,
                "a service contract holds only operations (`async fn`); move other items elsewhere",
            ),
        }
    }

    Contract {
        attrs: item
            .attrs
            .into_iter()
            .filter(|a| !is_operation_attr(a))
            .collect(),
        vis: item.vis,
        ident: item.ident,
        supertraits: item.supertraits.into_iter().collect(),
        name,
        namespace,
        data_namespace,
        session,
        session_span,
        operations,
    }
}

fn check_trait_shape(cx: &mut Ctxt, item: &ItemTrait) {
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &item.generics,
            "a service contract cannot be generic: its description is fixed at compile time",
        );
    }
    if let Some(unsafety) = &item.unsafety {
        cx.error_spanned_by(unsafety, "a service contract cannot be an `unsafe trait`");
    }
}

fn is_operation_attr(attr: &Attribute) -> bool {
    attr.path().is_ident("operation")
}

fn operation(cx: &mut Ctxt, contract: &str, namespace: &str, method: TraitItemFn) -> Operation {
    let mut args = OperationArgs::default();
    let mut attrs = Vec::new();
    for attr in method.attrs {
        if is_operation_attr(&attr) {
            attr::operation_args(cx, &attr, &mut args);
        } else {
            attrs.push(attr);
        }
    }

    let sig = &method.sig;
    check_signature(cx, &method.default, sig);
    let mutable = receiver_mutability(cx, sig);
    let params = params(cx, sig);
    let output = output(cx, &sig.output);

    let method_span = sig.ident.span();
    let name = args.name.unwrap_or_else(|| Spanned {
        value: case::pascal_case(&sig.ident.to_string()),
        span: method_span,
    });
    let one_way = args.one_way.unwrap_or(Spanned {
        value: false,
        span: method_span,
    });
    let action = args.action.map_or_else(
        || default_action(namespace, contract, &name.value),
        |a| a.value,
    );
    if one_way.value
        && let Some(reply) = &args.reply_action
    {
        cx.push(syn::Error::new(
            reply.span,
            "a one-way operation has no reply, so it takes no `reply_action`",
        ));
    }
    let reply_action = (!one_way.value).then(|| {
        args.reply_action
            .map_or_else(|| format!("{action}Response"), |a| a.value)
    });
    let fault_action = fault_action(cx, &action, args.fault_action, &output);

    Operation {
        attrs,
        method: sig.ident.clone(),
        name,
        action,
        reply_action,
        fault_action,
        initiating: args.initiating.unwrap_or(Spanned {
            value: true,
            span: method_span,
        }),
        terminating: args.terminating.unwrap_or(Spanned {
            value: false,
            span: method_span,
        }),
        one_way,
        release_instance: args
            .release_instance
            .map_or(ReleaseInstance::None, |mode| mode.value),
        cancel_safe: args.cancel_safe.is_some_and(|flag| flag.value),
        mutable,
        params,
        output,
    }
}

/// The action of a typed fault's message: as given, or WCF's default
/// `{action}{DetailType}Fault` (what the WSDL says); an error without a fault type.
fn fault_action(
    cx: &mut Ctxt,
    action: &str,
    given: Option<Spanned<String>>,
    output: &Output,
) -> Option<String> {
    let Some(fault) = output.fault.as_ref().filter(|fault| fault.is_typed()) else {
        if let Some(given) = given {
            cx.push(syn::Error::new(
                given.span,
                "an operation without a fault type (`Result<T, F>` with a detail type `F`) takes \
                 no `fault_action`",
            ));
        }
        return None;
    };
    Some(given.map_or_else(
        || format!("{action}{}Fault", last_segment(&fault.detail)),
        |given| given.value,
    ))
}

/// A type's last path segment without its generics (`errors::MathFault` → `MathFault`).
fn last_segment(ty: &Type) -> String {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(String::new, |segment| segment.ident.to_string()),
        other => quote::ToTokens::to_token_stream(other).to_string(),
    }
}

/// WCF's default action: `{namespace}{contract}/{operation}`, with a `/` after the namespace when
/// it has none.
fn default_action(namespace: &str, contract: &str, operation: &str) -> String {
    let separator = if namespace.ends_with('/') { "" } else { "/" };
    format!("{namespace}{separator}{contract}/{operation}")
}

fn check_signature(cx: &mut Ctxt, default: &Option<syn::Block>, sig: &syn::Signature) {
    if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            format!("operation `{}` must be an `async fn`", sig.ident),
        );
    }
    if let Some(constness) = &sig.constness {
        cx.error_spanned_by(constness, "an operation cannot be a `const fn`");
    }
    if let syn::Safety::Unsafe(unsafety) = &sig.safety {
        cx.error_spanned_by(unsafety, "an operation cannot be an `unsafe fn`");
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, "an operation cannot have an `extern` ABI");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            format!(
                "operation `{}` cannot be generic: its message types are fixed at compile time",
                sig.ident
            ),
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "an operation cannot be variadic");
    }
    if let Some(body) = default {
        cx.error_spanned_by(
            body,
            format!(
                "operation `{}` cannot have a default body: the service implements every operation",
                sig.ident
            ),
        );
    }
}

/// `true` for `&mut self`, `false` for `&self`; anything else is reported, and read as `&self` so
/// that the rest of the contract is still checked.
fn receiver_mutability(cx: &mut Ctxt, sig: &syn::Signature) -> bool {
    let Some(receiver) = sig.receiver() else {
        cx.error_spanned_by(
            &sig.ident,
            format!(
                "operation `{}` needs a receiver: `&self` or `&mut self`",
                sig.ident
            ),
        );
        return false;
    };
    match &receiver.kind {
        ReceiverKind::Reference(_, None, mutability) => mutability.is_some(),
        ReceiverKind::Reference(_, Some(lifetime), _) => {
            cx.error_spanned_by(
                lifetime,
                "an operation's receiver cannot name a lifetime: write `&self` or `&mut self`",
            );
            false
        }
        _ => {
            cx.error_spanned_by(
                receiver,
                format!(
                    "operation `{}` takes `self` by value; write `&self` or `&mut self` (the instance outlives the call)",
                    sig.ident
                ),
            );
            false
        }
    }
}

fn params(cx: &mut Ctxt, sig: &syn::Signature) -> Vec<Param> {
    let mut params = Vec::new();
    for input in sig.inputs.iter() {
        let FnArg::Typed(arg) = input else { continue };
        let ident = match &*arg.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
            other => {
                cx.error_spanned_by(
                    other,
                    "an operation's parameter must be a plain name: it becomes the element name on the wire",
                );
                continue;
            }
        };
        check_owned_type(cx, &arg.ty, "a parameter");
        params.push(Param {
            wire_name: case::lower_camel_case(&ident.to_string()),
            ident,
            ty: (*arg.ty).clone(),
        });
    }
    params
}

fn output(cx: &mut Ctxt, output: &ReturnType) -> Output {
    let ty = match output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some((**ty).clone()),
    };
    if let Some(ty) = &ty {
        check_owned_type(cx, ty, "a result");
    }
    let unit: Type = syn::parse_quote!(());
    let (ok, fault) = match &ty {
        None => (unit, None),
        Some(ty) => match result_parts(ty) {
            Some((ok, fault)) => (ok, Some(FaultType::new(fault))),
            None => (ty.clone(), None),
        },
    };
    Output { ty, ok, fault }
}

/// `Result<T, F>` → `(T, F)`.
fn result_parts(ty: &Type) -> Option<(Type, Type)> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    });
    let ok = types.next()?;
    let fault = types.next()?;
    (types.next().is_none()).then_some((ok, fault))
}

/// For a type written `…::name<D>`: `Some(Some(D))`; written `…::name`: `Some(None)`; any other
/// type: `None`.
fn generic_argument(ty: &Type, name: &str) -> Option<Option<Type>> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if path.qself.is_some() || last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return matches!(last.arguments, PathArguments::None).then_some(None);
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    });
    let detail = types.next()?;
    types.next().is_none().then_some(Some(detail))
}

/// Rejects borrowed and `impl Trait` types: messages are deserialised into owned values.
fn check_owned_type(cx: &mut Ctxt, ty: &Type, what: &str) {
    struct Finder<'a> {
        cx: &'a mut Ctxt,
        what: &'a str,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_type_reference(&mut self, node: &'ast syn::TypeReference) {
            self.cx.error_spanned_by(
                node,
                format!(
                    "{} cannot be borrowed: it is deserialised from a message, so use an owned type (`String`, `Vec<T>`, …)",
                    self.what
                ),
            );
        }
        fn visit_type_impl_trait(&mut self, node: &'ast syn::TypeImplTrait) {
            self.cx.error_spanned_by(
                node,
                format!(
                    "{} cannot be `impl Trait`: the message type must be known",
                    self.what
                ),
            );
        }
        fn visit_lifetime(&mut self, node: &'ast syn::Lifetime) {
            self.cx.error_spanned_by(
                node,
                format!(
                    "{} cannot hold a lifetime: it is deserialised from a message into an owned value",
                    self.what
                ),
            );
        }
    }
    Finder { cx, what }.visit_type(ty);
}
