//! `#[derive(Header)]`: a typed SOAP header from a serde data contract.
//!
//! Parse (`#[header(namespace = "…", name = "…", must_understand)]`), check (a namespace is
//! given, the name is an XML name), generate an `indigo::message::Header` impl whose codec is
//! the DataContractSerializer-shaped serde format.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;
use syn::ext::IdentExt;

use crate::attr::{self, HeaderArgs};
use crate::ctxt::Ctxt;

/// Expands `#[derive(Header)]` on `input`.
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    let mut cx = Ctxt::default();
    let mut args = HeaderArgs::default();
    for attribute in input.attrs.iter().filter(|a| a.path().is_ident("header")) {
        attr::header_args(&mut cx, attribute, &mut args);
    }
    let header = check(&mut cx, &input, args);
    match (cx.finish(), header) {
        (Ok(()), Some(header)) => generate(&input, &header),
        (Err(error), _) => error.into_compile_error(),
        (Ok(()), None) => TokenStream::new(),
    }
}

/// A checked header: its element's namespace and name.
struct HeaderModel {
    namespace: String,
    name: String,
    must_understand: bool,
}

fn check(cx: &mut Ctxt, input: &DeriveInput, args: HeaderArgs) -> Option<HeaderModel> {
    if matches!(input.data, syn::Data::Union(_)) {
        cx.error_spanned_by(
            &input.ident,
            "`#[derive(Header)]` needs a struct or an enum",
        );
        return None;
    }
    let Some(namespace) = args.namespace else {
        cx.error_spanned_by(
            &input.ident,
            "`#[derive(Header)]` needs the header's namespace: add `#[header(namespace = \"…\")]`",
        );
        return None;
    };
    let name = args.name.map_or_else(
        || input.ident.unraw().to_string(),
        |name| {
            if !is_ncname(&name.value) {
                cx.push(syn::Error::new(
                    name.span,
                    format!("`{}` is not an XML element name", name.value),
                ));
            }
            name.value
        },
    );
    Some(HeaderModel {
        namespace: namespace.value,
        name,
        must_understand: args.must_understand.is_some_and(|flag| flag.value),
    })
}

/// Whether `name` is an XML name without a colon (non-ASCII characters accepted).
pub(crate) fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') || !c.is_ascii())
}

fn generate(input: &DeriveInput, header: &HeaderModel) -> TokenStream {
    let ident = &input.ident;
    // A generic type is a data contract only for some arguments: bound the impl by what the
    // generated calls need (serde's derives put their bounds on their own impls, not the type).
    let mut generics = input.generics.clone();
    if !generics.params.is_empty() {
        let (_, type_generics, _) = input.generics.split_for_impl();
        generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote! {
                #ident #type_generics: ::indigo::__private::serde::Serialize
                    + ::indigo::__private::serde::de::DeserializeOwned
            });
    }
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    let HeaderModel {
        namespace,
        name,
        must_understand,
    } = header;
    quote! {
        impl #impl_generics ::indigo::message::Header for #ident #type_generics #where_clause {
            const NAMESPACE: &'static str = #namespace;
            const NAME: &'static str = #name;
            const MUST_UNDERSTAND: bool = #must_understand;

            fn write(
                &self,
                out: &mut dyn ::indigo::xml::XmlSink,
            ) -> ::std::result::Result<(), ::indigo::xml::XmlError> {
                ::indigo::message::data_contract::write(self, #name, #namespace, out)
            }

            fn read(
                element: &::indigo::xml::Infoset,
            ) -> ::std::result::Result<Self, ::indigo::xml::XmlError> {
                ::indigo::message::data_contract::read(element)
            }
        }
    }
}
