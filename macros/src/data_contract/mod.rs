//! `#[derive(DataContract)]`: a type as .NET's `[DataContract]` declares it, serialized as the
//! DataContractSerializer writes it (its name and namespace, members in serializer order,
//! `IsRequired`, `EmitDefaultValue`, enum values as `EnumMember`s).
//!
//! As in serde_derive: `model` parses and checks the attributes (with `order` holding the
//! member order rule), `expand` generates serde's `Serialize` and `Deserialize`.

mod expand;
mod model;
mod order;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::ctxt::Ctxt;

/// Expands `#[derive(DataContract)]` on `input`.
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    let mut cx = Ctxt::default();
    let contract = model::parse(&mut cx, &input);
    match (cx.finish(), contract) {
        (Ok(()), Some(contract)) => expand::generate(&input, &contract),
        (Err(error), _) => error.into_compile_error(),
        (Ok(()), None) => TokenStream::new(),
    }
}
