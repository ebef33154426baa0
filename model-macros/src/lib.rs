//! `#[derive(Model)]`. Use it through `model_core`, which re-exports it beside the runtime
//! types the generated code needs.
//!
//! The derive runs in three stages, one module each: [`attr`] reads `#[model(...)]` into an
//! [`ast`] (recording every problem rather than stopping at the first), [`valid`] checks the
//! rules that span several attributes, and [`expand`] generates the impl, which cannot fail.

mod ast;
mod attr;
mod expand;
mod sql_type;
mod valid;

use proc_macro::TokenStream;

/// Declares a table from a struct. See the README for every attribute.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    expand::derive(input.into()).into()
}
