//! The contract marker type `{Trait}Contract`: its `'static` description, its session mode as a
//! type, and the constructors that host a service implementation.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::Names;
use crate::attr::Session;
use crate::model::{Contract, Operation};

pub fn generate(contract: &Contract, names: &Names) -> TokenStream {
    let vis = &contract.vis;
    let service = &names.service;
    let marker = &names.contract;
    let name = &contract.name;
    let namespace = &contract.namespace;
    let data_namespace = &contract.data_namespace;
    let (mode_type, mode_value) = match contract.session {
        Session::Required => (quote!(Required), quote!(Required)),
        Session::Allowed => (quote!(Allowed), quote!(Allowed)),
        Session::NotAllowed => (quote!(NotAllowed), quote!(NotAllowed)),
    };
    let operations = contract.operations.iter().map(operation);
    let doc = format!(
        "The `{service}` service contract (`{name}` in `{namespace}`): its description, and the \
         constructors that host an implementation of [`{service}`]."
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, Default)]
        #vis struct #marker;

        impl ::indigo::contract::Contract for #marker {
            type Session = ::indigo::contract::#mode_type;
            const DESCRIPTION: &'static ::indigo::contract::ContractDescription =
                &::indigo::contract::ContractDescription {
                    name: #name,
                    namespace: #namespace,
                    data_namespace: #data_namespace,
                    session_mode: ::indigo::contract::SessionMode::#mode_value,
                    operations: &[#(#operations),*],
                };
        }

        impl #marker {
            /// Hosts `S` with one instance per session, built by `factory` when the session's
            /// first initiating call arrives and released when the session ends.
            pub fn per_session<S, F>(factory: F) -> ::indigo::service::Service<Self, S>
            where
                S: #service,
                F: ::core::ops::Fn() -> S + ::core::marker::Send + ::core::marker::Sync + 'static,
            {
                ::indigo::service::Service::per_session(factory)
            }

            /// Hosts `S` with a new instance for every call.
            pub fn per_call<S, F>(factory: F) -> ::indigo::service::Service<Self, S>
            where
                S: #service,
                F: ::core::ops::Fn() -> S + ::core::marker::Send + ::core::marker::Sync + 'static,
            {
                ::indigo::service::Service::per_call(factory)
            }

            /// Hosts one `instance` shared by every session and call.
            pub fn single<S: #service>(instance: S) -> ::indigo::service::Service<Self, S> {
                ::indigo::service::Service::single(instance)
            }
        }
    }
}

fn operation(op: &Operation) -> TokenStream {
    let name = &op.name.value;
    let method = op.method.to_string();
    let action = &op.action;
    let reply_action = match &op.reply_action {
        Some(reply) => quote!(::core::option::Option::Some(#reply)),
        None => quote!(::core::option::Option::None),
    };
    let fault_action = match &op.fault_action {
        Some(fault) => quote!(::core::option::Option::Some(#fault)),
        None => quote!(::core::option::Option::None),
    };
    let initiating = op.initiating.value;
    let terminating = op.terminating.value;
    let one_way = op.one_way.value;
    let release = quote::format_ident!("{}", op.release_instance.variant());
    let cancel_safe = op.cancel_safe;
    let receiver = if op.mutable {
        quote!(Exclusive)
    } else {
        quote!(Shared)
    };
    let params = op.params.iter().map(|param| {
        let name = &param.wire_name;
        let type_name = type_name(&param.ty);
        quote!(::indigo::contract::ParameterDescription { name: #name, type_name: #type_name })
    });
    let reply_name = format!("{name}Response");
    let result_name = format!("{name}Result");
    let result_type = type_name(&op.output.ok);
    let fault_type = match op.output.fault.as_ref().filter(|fault| fault.is_typed()) {
        Some(fault) => {
            let fault = type_name(&fault.detail);
            quote!(::core::option::Option::Some(#fault))
        }
        None => quote!(::core::option::Option::None),
    };
    quote! {
        ::indigo::contract::OperationDescription {
            name: #name,
            method: #method,
            action: #action,
            reply_action: #reply_action,
            is_initiating: #initiating,
            is_terminating: #terminating,
            is_one_way: #one_way,
            release_instance: ::indigo::contract::ReleaseInstanceMode::#release,
            is_cancel_safe: #cancel_safe,
            receiver: ::indigo::contract::Receiver::#receiver,
            parameters: &[#(#params),*],
            reply_name: #reply_name,
            result_name: #result_name,
            result_type: #result_type,
            fault_type: #fault_type,
            fault_action: #fault_action,
        }
    }
}

/// A type as written, without the spaces that token printing adds: `Vec<Point>`, `Option<String>`.
pub fn type_name(ty: &syn::Type) -> String {
    let printed = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(printed.len());
    let mut chars = printed.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != ' ' {
            out.push(ch);
            continue;
        }
        let prev = out.chars().last().unwrap_or(' ');
        let next = chars.peek().copied().unwrap_or(' ');
        let word = |c: char| c.is_alphanumeric() || c == '_';
        if prev == ',' || prev == ';' || (word(prev) && word(next)) {
            out.push(' ');
        }
    }
    out
}
