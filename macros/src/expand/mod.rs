//! Code generation: parse → model → check → generate the trait, the description, the client and
//! the dispatcher.

mod client;
mod description;
mod messages;
mod server;
mod trait_def;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, Item};

use crate::ctxt::Ctxt;
use crate::model::Contract;
use crate::{attr, check, model};

/// The expansion of `#[service_contract]`.
pub fn service_contract(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Trait(item)) => item,
        Ok(other) => {
            let error = syn::Error::new_spanned(
                item_keyword(&other),
                "`#[service_contract]` applies to a trait: declare the contract as `trait Name { async fn … }`",
            );
            return with_errors(error, input);
        }
        Err(error) => return with_errors(error, input),
    };

    let mut cx = Ctxt::default();
    let args = attr::contract_args(&mut cx, args);
    let contract = model::contract(&mut cx, args, item);
    check::contract(&mut cx, &contract);
    match cx.finish() {
        Ok(()) => generate(&contract),
        Err(errors) => {
            // Like tokio-macros: keep the trait so that code using it does not add errors of its own.
            let fallback = trait_def::generate(&contract);
            let errors = errors.into_compile_error();
            quote!(#errors #fallback)
        }
    }
}

fn with_errors(error: syn::Error, input: TokenStream) -> TokenStream {
    let error = error.into_compile_error();
    quote!(#error #input)
}

fn item_keyword(item: &Item) -> TokenStream {
    match item {
        Item::Struct(s) => {
            let (keyword, ident) = (&s.struct_token, &s.ident);
            quote!(#keyword #ident)
        }
        Item::Enum(e) => {
            let (keyword, ident) = (&e.enum_token, &e.ident);
            quote!(#keyword #ident)
        }
        Item::Fn(f) => {
            let sig = &f.sig;
            quote!(#sig)
        }
        Item::Impl(i) => {
            let impl_token = &i.impl_token;
            let self_ty = &i.self_ty;
            quote!(#impl_token #self_ty)
        }
        other => quote!(#other),
    }
}

fn generate(contract: &Contract) -> TokenStream {
    let names = Names::new(contract);
    let trait_def = trait_def::generate(contract);
    let description = description::generate(contract, &names);
    let messages = messages::generate(contract);
    let client = client::generate(contract, &names);
    let server = server::generate(contract, &names);
    let client_struct = client.declaration;
    let client_impl = client.implementation;
    quote! {
        #trait_def
        #description
        #client_struct
        const _: () = {
            #messages
            #client_impl
            #server
        };
    }
}

/// Names of the generated items.
pub struct Names {
    /// The user's trait.
    pub service: Ident,
    /// `{Trait}Contract`: the contract marker type.
    pub contract: Ident,
    /// `{Trait}Client`: the typed client proxy.
    pub client: Ident,
}

impl Names {
    fn new(contract: &Contract) -> Self {
        let service = contract.ident.clone();
        Names {
            contract: format_ident!("{}Contract", service),
            client: format_ident!("{}Client", service),
            service,
        }
    }

    /// `<{Trait}Contract as ::indigo::contract::Contract>::DESCRIPTION`.
    pub fn description(&self) -> TokenStream {
        let contract = &self.contract;
        quote!(<#contract as ::indigo::contract::Contract>::DESCRIPTION)
    }
}

/// A local variable of generated code. Its mixed-site span keeps it apart from the user's
/// parameter names (a parameter may well be called `body` or `instance`).
pub fn local(name: &str) -> Ident {
    Ident::new(name, proc_macro2::Span::mixed_site())
}

/// The request message struct of operation `index`.
pub fn request_struct(index: usize) -> Ident {
    format_ident!("__Request{}", index)
}

/// The reply message struct of operation `index`.
pub fn reply_struct(index: usize) -> Ident {
    format_ident!("__Reply{}", index)
}
