//! `#[derive(Model)]`. Use it through `model_core`, which re-exports it beside the runtime
//! types the generated code needs.
//!
//! The derive runs in three stages, one module each: [`attr`] reads `#[model(...)]` into an
//! [`ast`] (recording every problem rather than stopping at the first), [`valid`] checks the
//! rules that span several attributes, and [`expand`] generates the impl, which cannot fail.

mod ast;
mod attr;
mod enum_type;
mod expand;
mod keys;
mod sql_type;
mod valid;

use proc_macro::TokenStream;

/// Declares a table from a struct. See the README for every attribute.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    expand::derive(input.into()).into()
}

/// Declares a PostgreSQL enum type from a fieldless enum: `#[model(name = "order_status")]`
/// on the enum (default: its name in snake case), `#[model(rename = "...")]` on a variant
/// (default: the variant's name in snake case). The enum can then be a field's type.
#[proc_macro_derive(Enum, attributes(model))]
pub fn derive_enum(input: TokenStream) -> TokenStream {
    enum_type::derive(input.into()).into()
}
