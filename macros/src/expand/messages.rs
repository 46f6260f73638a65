//! The request and reply message types of each operation, in the shape WCF's
//! DataContractSerializer writes (document/literal wrapped): `<AddTo><n>…</n></AddTo>` and
//! `<EqualsResponse><EqualsResult>…</EqualsResult></EqualsResponse>`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{reply_struct, request_struct};
use crate::model::{Contract, Operation};

pub fn generate(contract: &Contract) -> TokenStream {
    let structs = contract
        .operations
        .iter()
        .enumerate()
        .map(|(index, op)| operation(&contract.namespace, index, op));
    quote!(#(#structs)*)
}

/// The wrappers of one operation. Their serde names are in Clark notation (`{namespace}Name`),
/// so that the parameters are in the contract's namespace whatever its data namespace.
fn operation(namespace: &str, index: usize, op: &Operation) -> TokenStream {
    let request = request_struct(index);
    let request_name = &op.name.value;
    let request_wire = format!("{{{namespace}}}{request_name}");
    let fields = op.params.iter().map(|param| {
        let ident = &param.ident;
        let ty = &param.ty;
        let wire = &param.wire_name;
        quote!(#[serde(rename = #wire)] #ident: #ty)
    });
    let request = quote! {
        #[derive(::indigo::__private::serde::Serialize, ::indigo::__private::serde::Deserialize)]
        #[serde(crate = "::indigo::__private::serde", rename = #request_wire)]
        #[allow(non_camel_case_types)]
        struct #request { #(#fields),* }
    };
    if op.one_way.value {
        return request;
    }
    let reply = reply_struct(index);
    let reply_name = format!("{{{namespace}}}{request_name}Response");
    let result_name = format!("{request_name}Result");
    let ok = &op.output.ok;
    let field = (!op.output.is_unit()).then(|| quote!(#[serde(rename = #result_name)] result: #ok));
    quote! {
        #request
        #[derive(::indigo::__private::serde::Serialize, ::indigo::__private::serde::Deserialize)]
        #[serde(crate = "::indigo::__private::serde", rename = #reply_name)]
        #[allow(non_camel_case_types)]
        struct #reply { #field }
    }
}
