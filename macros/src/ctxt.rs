//! An error accumulator, so that one compile reports every problem in a contract.

use std::fmt::Display;

use quote::ToTokens;

/// Collects errors; [`Ctxt::finish`] combines them into one `syn::Error`.
#[derive(Default)]
pub struct Ctxt {
    errors: Option<syn::Error>,
}

impl Ctxt {
    /// Records an error spanning `tokens`.
    pub fn error_spanned_by(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// `Ok` when nothing was recorded, else every recorded error.
    pub fn finish(self) -> syn::Result<()> {
        self.errors.map_or(Ok(()), Err)
    }
}
