//! The trait as the service implements it: every operation returns a `Send` future, and a
//! provided `on_release` hook runs before an instance is dropped.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Contract, Operation};

pub fn generate(contract: &Contract) -> TokenStream {
    let attrs = &contract.attrs;
    let vis = &contract.vis;
    let ident = &contract.ident;
    let supertraits = &contract.supertraits;
    let methods = contract.operations.iter().map(method);
    quote! {
        #(#attrs)*
        #vis trait #ident: ::core::marker::Send + ::core::marker::Sync + 'static #(+ #supertraits)* {
            #(#methods)*

            /// Runs once, just before the runtime drops this instance: when its session ends
            /// (per-session instancing), after its call (per-call), after the last session
            /// sharing it (shared by key), when a release mode or the operation context
            /// recycles it, or when the host shuts down (single). The asynchronous half of a
            /// destructor; `Drop` still runs after it.
            fn on_release(&mut self) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
                async {}
            }
        }
    }
}

fn method(op: &Operation) -> TokenStream {
    let attrs = &op.attrs;
    let ident = &op.method;
    let receiver = if op.mutable {
        quote!(&mut self)
    } else {
        quote!(&self)
    };
    let params = op.params.iter().map(|param| {
        let ident = &param.ident;
        let ty = &param.ty;
        quote!(#ident: #ty)
    });
    let output = match &op.output.ty {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };
    quote! {
        #(#attrs)*
        fn #ident(#receiver #(, #params)*)
            -> impl ::core::future::Future<Output = #output> + ::core::marker::Send;
    }
}
