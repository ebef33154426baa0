//! `#[derive(Model)]`. Use it through `model_core`, which re-exports it beside the runtime
//! types the generated code needs.
//!
//! The derive runs in three stages, one module each: [`attr`] reads `#[model(...)]` into an
//! [`ast`] (recording every problem rather than stopping at the first), [`valid`] checks the
//! rules that span several attributes, and [`expand`] generates the impl, which cannot fail.

mod ast;
mod attr;
mod embed;
mod enum_type;
mod expand;
mod keys;
mod sql_type;
mod valid;

use proc_macro::TokenStream;

/// Every revision script of a directory (relative to the crate's `Cargo.toml`; default
/// `migrations`), included in the program and checked at compile time: a script that does
/// not parse, or a graph that does not link, is a compile error naming the file and line.
/// Expands to a `model_core::migrate::EmbeddedMigrations`.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    embed::expand(input.into()).into()
}

/// Declares a table from a struct. Every attribute is in the guide, `docs/models.md`.
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
