//! `embed_migrations!("migrations")`: every revision script of a directory (relative to the
//! crate's `Cargo.toml`, as `include_str!` paths are to the file) included at compile time and
//! checked with the same parser and graph rules as the command line, so that a broken script
//! directory is a compile error naming the file and line.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;

pub fn expand(input: TokenStream) -> TokenStream {
    let literal: LitStr = if input.is_empty() {
        LitStr::new("migrations", Span::call_site())
    } else {
        match syn::parse2(input) {
            Ok(literal) => literal,
            Err(e) => {
                return syn::Error::new(
                    e.span(),
                    "embed_migrations! takes the scripts' directory as a string literal, relative to Cargo.toml: embed_migrations!(\"migrations\")",
                )
                .to_compile_error()
            }
        }
    };
    match scripts(&literal.value()) {
        Ok(scripts) => {
            let entries = scripts.iter().map(|(shown, absolute)| {
                quote! { (#shown, ::core::include_str!(#absolute)) }
            });
            quote! {
                ::model_core::migrate::EmbeddedMigrations::new(&[#(#entries),*])
            }
        }
        Err(message) => syn::Error::new(literal.span(), message).to_compile_error(),
    }
}

/// `(path shown in messages, absolute path)` of each `*.sql` file of `dir`, sorted, after
/// checking that they parse and link into a graph.
fn scripts(dir: &str) -> Result<Vec<(String, String)>, String> {
    let root = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| "CARGO_MANIFEST_DIR is not set".to_string())?;
    let path = std::path::Path::new(&root).join(dir);
    if !path.is_dir() {
        return Err(format!(
            "embed_migrations!: no directory `{dir}` next to Cargo.toml (the revision scripts' directory, as model.toml's script_location names it)"
        ));
    }
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&path)
        .map_err(|e| format!("embed_migrations!: reading `{dir}`: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    let mut texts = Vec::new();
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            format!(
                "embed_migrations!: `{}` is not a UTF-8 file name",
                file.display()
            )
        })?;
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("embed_migrations!: reading `{dir}/{name}`: {e}"))?;
        let absolute = file
            .to_str()
            .ok_or_else(|| {
                format!(
                    "embed_migrations!: `{}` is not a UTF-8 path",
                    file.display()
                )
            })?
            .to_string();
        let shown = format!("{}/{name}", dir.trim_end_matches('/'));
        texts.push((shown.clone(), text));
        out.push((shown, absolute));
    }
    model_revision::Graph::from_sources(texts.iter().map(|(p, t)| (p.as_str(), t.as_str())))
        .map_err(|e| format!("embed_migrations!: {e}"))?;
    Ok(out)
}
