//! `#[derive(Enum)]`: a fieldless Rust enum as a PostgreSQL enum type.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::attr::{snake_case, Ctxt};

/// The derive, from tokens to tokens.
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut cx = Ctxt::default();
    let parsed = parse(&input, &mut cx);
    match (cx.into_result(), parsed) {
        (Ok(()), Some(parsed)) => expand(&input, &parsed),
        (Err(error), _) => error.to_compile_error(),
        (Ok(()), None) => unreachable!("a failed parse records an error"),
    }
}

/// A name PostgreSQL keeps as it is: 1 to 63 bytes (any characters; it is quoted in SQL).
fn keepable(name: &str) -> bool {
    !name.is_empty() && name.len() <= 63
}

/// What `#[derive(Enum)]` reads: schema, type name, labels, the type's previous name, and
/// (old, new) label renames.
struct Parsed {
    schema: String,
    name: String,
    labels: Vec<String>,
    renamed_from: Option<String>,
    label_renames: Vec<(String, String)>,
}

fn renamed_from_value(meta: &syn::meta::ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<LitStr> {
    let lit: LitStr = meta.value()?.parse()?;
    if lit.value().is_empty() || lit.value().len() > 63 {
        cx.error(
            lit.span(),
            "`renamed_from` takes the previous name, 1 to 63 bytes long",
        );
    }
    Ok(lit)
}

fn parse(input: &DeriveInput, cx: &mut Ctxt) -> Option<Parsed> {
    let Data::Enum(data) = &input.data else {
        cx.error(
            input.ident.span(),
            format!(
                "`#[derive(Enum)]` works on fieldless enums, and `{}` is not an enum",
                input.ident
            ),
        );
        return None;
    };
    let mut schema = "public".to_string();
    let mut name = snake_case(&input.ident.to_string());
    let mut renamed_from: Option<LitStr> = None;
    let mut label_renames: Vec<(LitStr, String)> = Vec::new();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("model")) {
        let result = attr.parse_nested_meta(|meta| {
            let value = || -> syn::Result<LitStr> { meta.value()?.parse() };
            if meta.path.is_ident("name") {
                let lit = value()?;
                if !keepable(&lit.value()) {
                    cx.error(lit.span(), format!("enum type name `{}` is {} bytes; PostgreSQL keeps names of 1 to 63 bytes", lit.value().escape_debug(), lit.value().len()));
                }
                name = lit.value();
            } else if meta.path.is_ident("schema") {
                let lit = value()?;
                if !keepable(&lit.value()) {
                    cx.error(lit.span(), format!("schema name `{}` is {} bytes; PostgreSQL keeps names of 1 to 63 bytes", lit.value().escape_debug(), lit.value().len()));
                }
                schema = lit.value();
            } else if meta.path.is_ident("renamed_from") {
                renamed_from = Some(renamed_from_value(&meta, cx)?);
            } else {
                cx.error(meta.path.span(), "unknown enum attribute; expected one of: name, schema, renamed_from");
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
    let mut labels: Vec<String> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error(
                variant.ident.span(),
                format!(
                    "variant `{}` has fields; an enum type's labels are plain names",
                    variant.ident
                ),
            );
            continue;
        }
        let mut label = snake_case(&variant.ident.to_string());
        let mut old_label: Option<LitStr> = None;
        for attr in variant.attrs.iter().filter(|a| a.path().is_ident("model")) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if lit.value().len() > 63 {
                        cx.error(
                            lit.span(),
                            format!(
                                "a label is at most 63 bytes long; this one is {}",
                                lit.value().len()
                            ),
                        );
                    }
                    label = lit.value();
                } else if meta.path.is_ident("renamed_from") {
                    old_label = Some(renamed_from_value(&meta, cx)?);
                } else {
                    cx.error(
                        meta.path.span(),
                        "unknown variant attribute; expected one of: rename, renamed_from",
                    );
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.push(error);
            }
        }
        if labels.contains(&label) {
            cx.error(
                variant.ident.span(),
                format!("label `{label}` is used twice"),
            );
        }
        if let Some(old) = old_label {
            label_renames.push((old, label.clone()));
        }
        labels.push(label);
    }
    if labels.is_empty() {
        cx.error(
            input.ident.span(),
            "an enum type needs at least one variant",
        );
    }
    if let Some(old) = &renamed_from {
        if old.value() == name {
            cx.error(old.span(), format!("`renamed_from` names the type's own name `{name}`; give the name it had before"));
        }
    }
    for (old, new) in &label_renames {
        if labels.contains(&old.value()) {
            cx.error(old.span(), format!("label `{new}` says it was renamed from `{}`, but `{}` is still a label of this enum", old.value(), old.value()));
        }
    }
    Some(Parsed {
        schema,
        name,
        labels,
        renamed_from: renamed_from.map(|l| l.value()),
        label_renames: label_renames
            .into_iter()
            .map(|(l, n)| (l.value(), n))
            .collect(),
    })
}

use model_revision::ident::quote_ident;
use syn::spanned::Spanned as _;

fn expand(input: &DeriveInput, parsed: &Parsed) -> TokenStream {
    let Parsed {
        schema,
        name,
        labels,
        renamed_from,
        label_renames,
    } = parsed;
    let ident = &input.ident;
    let p = quote!(::model_core::__private);
    // format_type() spells a type outside pg_catalog schema-qualified, each part quoted as
    // quote_ident() quotes it.
    let sql_type = format!("{}.{}", quote_ident(schema), quote_ident(name));
    let type_rename = renamed_from.as_ref().map(|old| {
        quote!(__r.push(::model_core::diff::Rename::EnumType {
            from: #p::TableName::new(#schema, #old),
            to: #p::TableName::new(#schema, #name),
        });)
    });
    let old_labels = label_renames.iter().map(|(old, _)| old);
    let new_labels = label_renames.iter().map(|(_, new)| new);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #p::ColumnType for #ident {
                const SQL_TYPE: &'static str = #sql_type;
            }
            #[automatically_derived]
            impl ::model_core::DbEnum for #ident {
                fn enum_type() -> ::model_core::schema::EnumType {
                    ::model_core::schema::EnumType {
                        name: #p::TableName::new(#schema, #name),
                        labels: ::std::vec![#(::std::string::String::from(#labels)),*],
                        grants: ::std::vec::Vec::new(),
                    }
                }
                fn renames() -> ::std::vec::Vec<::model_core::diff::Rename> {
                    let mut __r = ::std::vec::Vec::new();
                    #type_rename
                    #(__r.push(::model_core::diff::Rename::EnumLabel {
                        enum_type: #p::TableName::new(#schema, #name),
                        from: ::std::string::String::from(#old_labels),
                        to: ::std::string::String::from(#new_labels),
                    });)*
                    __r
                }
            }
            #p::inventory::submit! {
                #p::EnumRegistration {
                    module_path: ::core::module_path!(),
                    enum_type: <#ident as ::model_core::DbEnum>::enum_type,
                    renames: <#ident as ::model_core::DbEnum>::renames,
                }
            }
        };
    }
}
