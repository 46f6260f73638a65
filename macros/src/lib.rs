//! Procedural macros of indigo.
use proc_macro::TokenStream;

/// Declares a service contract.
#[proc_macro_attribute]
pub fn service_contract(_args: TokenStream, input: TokenStream) -> TokenStream {
    input
}

/// Marks an operation of a service contract.
#[proc_macro_attribute]
pub fn operation(_args: TokenStream, input: TokenStream) -> TokenStream {
    input
}
