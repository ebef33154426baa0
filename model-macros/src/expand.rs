//! Code generation from a validated model. Nothing here can fail: every problem was reported
//! by `attr` or `valid`, or is left to rustc through the checks emitted below.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::{DeriveInput, Type};

use crate::ast::{Action, Column, FieldKind, Model, Relationship, Secondary};
use crate::attr::{self, single_generic, Ctxt};
use crate::valid;

/// The derive, from tokens to tokens (testable without rustc).
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut cx = Ctxt::default();
    let model = attr::parse(&input, &mut cx);
    if let Some(model) = &model {
        valid::check(model, &mut cx);
    }
    match (cx.into_result(), model) {
        (Ok(()), Some(model)) => expand(&model),
        (Err(error), _) => {
            let mut out = error.to_compile_error();
            out.extend(fallback(&input));
            out
        }
        (Ok(()), None) => unreachable!("a model that failed to parse always records an error"),
    }
}

/// A stub impl beside the errors, so the user's code that uses the model does not drown the
/// real error in "trait not implemented" errors.
fn fallback(input: &DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    quote! {
        const _: () = {
            // `CHECKED` stays false, so every `back_populates` check that names this model
            // passes: its own error is the one to fix, and an error elsewhere would only be a
            // consequence.
            impl ::model_core::Model for #ident {
                const SCHEMA: &'static str = "public";
                const TABLE: &'static str = "";
                fn model() -> ::model_core::ModelDef {
                    ::core::unreachable!("the model failed to compile")
                }
            }
        };
    }
}

fn expand(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let rust_name = ident.to_string();
    let schema = &model.schema.value;
    let table = &model.table.value;
    let p = quote!(::model_core::__private);

    let mut body = Vec::new();
    let mut checks = Vec::new();
    let mut relationship_names: Vec<String> = Vec::new();
    let mut primary_key = Vec::new();

    if let Some(comment) = &model.comment {
        body.push(quote!(__t.comment(#comment);));
    }
    if let Some(old) = &model.renamed_from {
        let old = &old.value;
        body.push(quote!(__t.renamed_from(#old);));
    }
    for field in &model.fields {
        match &field.kind {
            FieldKind::Column(column) => {
                body.push(column_tokens(&field.ty, column, &mut checks));
                let ident = field.ident.to_string().trim_start_matches("r#").to_string();
                if ident != column.name.value {
                    let name = &column.name.value;
                    body.push(quote!(__t.field_column(#ident, #name);));
                }
                if let Some(old) = &column.renamed_from {
                    let (old, name) = (&old.value, &column.name.value);
                    body.push(quote!(__t.column_renamed_from(#name, #old);));
                }
                if let Some(using) = &column.using {
                    let (expression, name) = (&using.value, &column.name.value);
                    body.push(quote!(__t.converted_using(#name, #expression);));
                }
                if let Some(using) = &column.downgrade_using {
                    let (expression, name) = (&using.value, &column.name.value);
                    body.push(quote!(__t.converted_back_using(#name, #expression);));
                }
                if column.primary_key.is_some() {
                    primary_key.push(column.name.value.clone());
                }
            }
            FieldKind::Relationship(rel) => {
                let name = field.ident.to_string().trim_start_matches("r#").to_string();
                body.push(relationship_tokens(&name, rel, &mut checks));
                relationship_names.push(name);
            }
            FieldKind::Skip => {}
        }
    }
    if !primary_key.is_empty() {
        body.insert(
            0,
            quote!(__t.primary_key(::core::option::Option::None, &[#(#primary_key),*]);),
        );
    }
    if let Some(unlogged) = model.unlogged.then(|| quote!(__t.unlogged();)) {
        body.push(unlogged);
    }
    if !model.storage.is_empty() {
        let options = &model.storage;
        body.push(quote!(__t.storage(&[#(#options),*]);));
    }
    if let Some(identity) = &model.replica_identity {
        let identity = &identity.value;
        body.push(quote!(__t.replica_identity(#identity);));
    }
    if let Some(key) = &model.partition_by {
        let key = &key.value;
        body.push(quote!(__t.partition_by(#key);));
    }
    for field in &model.fields {
        let FieldKind::Column(column) = &field.kind else {
            continue;
        };
        body.extend(column_constraints(column));
    }
    body.extend(table_constraints(model));

    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::model_core::Model for #ident {
                const SCHEMA: &'static str = #schema;
                const TABLE: &'static str = #table;
                const RELATIONSHIP_FIELDS: &'static [&'static str] = &[#(#relationship_names),*];
                const CHECKED: bool = true;
                fn model() -> ::model_core::ModelDef {
                    let mut __t = #p::TableBuilder::new(#rust_name, ::core::module_path!(), #schema, #table);
                    #(#body)*
                    __t.finish()
                }
            }
            #[allow(dead_code)]
            fn __model_checks() {
                #(#checks)*
            }
            #p::inventory::submit! {
                #p::Registration {
                    module_path: ::core::module_path!(),
                    model: <#ident as ::model_core::Model>::model,
                }
            }
        };
    }
}

/// The struct-level constraints and indexes (`primary_key(...)`, `exclude(...)`,
/// `unique(...)`, `check(...)`, `index(...)`, `foreign_key(...)`), in that order, as builder
/// calls.
fn table_constraints(model: &Model) -> Vec<TokenStream> {
    let p = quote!(::model_core::__private);
    let mut body = Vec::new();
    let column_name = |ident: &syn::Ident| -> String {
        model
            .fields
            .iter()
            .find_map(|f| match &f.kind {
                FieldKind::Column(c) if f.ident == *ident => Some(c.name.value.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    if let Some(key) = &model.primary_key {
        let name = option_str(key.name.as_ref().map(|n| n.value.as_str()));
        let columns = key.columns.iter().map(column_name);
        let (d, i) = (key.deferrable, key.initially_deferred);
        body.push(quote!(__t.primary_key_with(#name, &[#(#columns),*], #d, #i);));
        if key.without_overlaps {
            body.push(quote!(__t.without_overlaps_primary_key();));
        }
    }
    for exclusion in &model.exclusions {
        let name = exclusion
            .name
            .as_ref()
            .map(|n| n.value.clone())
            .unwrap_or_default();
        let mut definition = format!(
            "EXCLUDE USING {} ({})",
            exclusion.method,
            exclusion
                .elements
                .as_ref()
                .map(|e| e.value.trim())
                .unwrap_or_default()
        );
        if let Some(predicate) = &exclusion.predicate {
            definition.push_str(&format!(" WHERE ({predicate})"));
        }
        if exclusion.deferrable || exclusion.initially_deferred {
            definition.push_str(" DEFERRABLE");
        }
        if exclusion.initially_deferred {
            definition.push_str(" INITIALLY DEFERRED");
        }
        body.push(quote!(__t.exclusion(#name, #definition);));
    }
    for unique in &model.uniques {
        let name = option_str(unique.name.as_ref().map(|n| n.value.as_str()));
        let columns = unique.columns.iter().map(column_name);
        let nnd = unique.nulls_not_distinct;
        body.push(quote!(__t.unique_with(#name, &[#(#columns),*], #nnd);));
        if unique.deferrable || unique.initially_deferred {
            let initially = unique.initially_deferred;
            body.push(quote!(__t.defer_last_unique(#initially);));
        }
        if unique.without_overlaps {
            body.push(quote!(__t.without_overlaps_last_unique();));
        }
    }
    for check in &model.checks {
        body.extend(check_tokens(check, None));
    }
    let columns: Vec<String> = model
        .fields
        .iter()
        .filter_map(|f| match &f.kind {
            FieldKind::Column(c) => Some(c.name.value.clone()),
            _ => None,
        })
        .collect();
    for index in &model.indexes {
        let name = option_str(index.name.as_ref().map(|n| n.value.as_str()));
        let unique = index.unique;
        let method = &index.method;
        let predicate = option_str(index.predicate.as_deref());
        let include = index.include.iter().map(column_name);
        match &index.keys {
            None => {
                let keys = index.columns.iter().map(column_name);
                body.push(quote!(__t.index_with(#name, &[#(#keys),*], &[#(#include),*], #unique, #method, #predicate);));
            }
            Some(text) => {
                let keys = crate::keys::parse(&text.value, |c| columns.iter().any(|n| n == c))
                    .unwrap_or_default();
                let parts = keys.iter().map(|k| &k.name_part);
                let keys = keys.iter().map(|k| {
                    let text = &k.text;
                    let expr = if k.column {
                        quote!(#p::IndexExpr::Column(::std::string::String::from(#text)))
                    } else {
                        quote!(#p::IndexExpr::Expression(::std::string::String::from(#text)))
                    };
                    let collation = option_string(k.collation.as_deref());
                    let opclass = option_string(k.opclass.as_deref());
                    let (descending, nulls_first) = (k.descending, k.nulls_first);
                    quote!(#p::IndexKey { expr: #expr, collation: #collation, opclass: #opclass, descending: #descending, nulls_first: #nulls_first })
                });
                body.push(quote!(__t.index_with_keys(#name, ::std::vec![#(#keys),*], &[#(#parts),*], &[#(#include),*], #unique, #method, #predicate);));
            }
        }
        if index.nulls_not_distinct || !index.storage.is_empty() {
            let nnd = index.nulls_not_distinct;
            let options = &index.storage;
            body.push(quote!(__t.last_index_options(#nnd, &[#(#options),*]);));
        }
    }
    for fk in &model.foreign_keys {
        let Some((table, referenced, _)) = &fk.references else {
            continue;
        };
        let name = option_str(fk.name.as_ref().map(|n| n.value.as_str()));
        let columns = fk.columns.iter().map(column_name);
        let on_delete = action(fk.on_delete.as_ref().map(|a| a.value));
        let on_update = action(fk.on_update.as_ref().map(|a| a.value));
        let (m, d, i) = (fk.match_full, fk.deferrable, fk.initially_deferred);
        body.push(quote!(__t.foreign_key_with(#name, &[#(#columns),*], #table, &[#(#referenced),*],
            ::model_core::__private::FkAction::#on_delete, ::model_core::__private::FkAction::#on_update, [#m, #d, #i]);));
        if fk.not_valid {
            body.push(quote!(__t.not_valid_last_foreign_key();));
        }
        if fk.not_enforced {
            body.push(quote!(__t.not_enforced_last_foreign_key();));
        }
        if fk.period {
            body.push(quote!(__t.period_last_foreign_key();));
        }
        if !fk.on_delete_columns.is_empty() {
            let set = fk.on_delete_columns.iter().map(column_name);
            body.push(quote!(__t.on_delete_columns_last_foreign_key(&[#(#set),*]);));
        }
    }
    body
}

fn column_tokens(ty: &Type, column: &Column, checks: &mut Vec<TokenStream>) -> TokenStream {
    let p = quote!(::model_core::__private);
    let name = &column.name.value;
    let option = single_generic(ty, "Option").is_some();
    let (sql_type, nullable) = match &column.sql_type {
        Some((lit, canonical)) => {
            // The driver must be able to read the column into the field: checked for the SQL
            // types whose Rust counterparts are known, unless `unchecked_type` says otherwise.
            if let (Some(kind), None) = (
                canonical.as_deref().and_then(sql_kind),
                column.unchecked_type,
            ) {
                let ty = respan(ty.to_token_stream(), lit.span());
                checks.push(quote_spanned!(lit.span()=> #p::assert_holds::<#ty, #kind>();));
            }
            let canonical = canonical.clone().unwrap_or_default();
            (
                quote!(#p::SqlType::from_static(#canonical)),
                quote!(#option),
            )
        }
        None => {
            let sql_type = quote_spanned!(ty_span(ty)=> #p::SqlType::from_static(<#ty as #p::ColumnType>::SQL_TYPE));
            let nullable = quote_spanned!(ty_span(ty)=> <#ty as #p::ColumnType>::NULLABLE);
            (sql_type, nullable)
        }
    };
    let nullable = if column.nullable.is_some() {
        quote!(true)
    } else {
        nullable
    };
    let default = option_string(column.default.as_ref().map(|d| d.value.as_str()));
    let comment = option_string(column.comment.as_deref());
    let generated = option_string(column.generated.as_ref().map(|g| g.value.as_str()));
    let virtual_generated = column.virtual_generated.is_some();
    let not_null_name = option_string(column.not_null_name.as_ref().map(|n| n.value.as_str()));
    let collation = option_string(column.collation.as_ref().map(|c| c.value.as_str()));
    let storage = option_string(column.storage.as_ref().map(|s| s.value.as_str()));
    let statistics = match column.statistics {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let identity = match &column.identity {
        Some(identity) => {
            if column.sql_type.is_none() {
                let ty = respan(ty.to_token_stream(), identity.span);
                checks.push(quote_spanned!(identity.span=> #p::assert_identity::<#ty>();));
            }
            let kind = if identity.always {
                quote!(Always)
            } else {
                quote!(ByDefault)
            };
            let start = option_i64(identity.start);
            let increment = option_i64(identity.increment);
            let min_value = option_i64(identity.min_value);
            let max_value = option_i64(identity.max_value);
            let cache = option_i64(identity.cache);
            let cycle = identity.cycle;
            quote!(::core::option::Option::Some(#p::Identity {
                kind: #p::IdentityKind::#kind,
                start: #start,
                increment: #increment,
                min_value: #min_value,
                max_value: #max_value,
                cache: #cache,
                cycle: #cycle,
            }))
        }
        None => quote!(::core::option::Option::None),
    };
    let declared = column
        .sql_type
        .as_ref()
        .and_then(|(_, canonical)| canonical.as_deref())
        .filter(|c| c.contains('.'))
        .map(|_| quote!(__t.declared_type(#name);));
    quote! {
        #declared
        __t.column(#p::Column {
            name: ::std::string::String::from(#name),
            ty: #sql_type,
            nullable: #nullable,
            default: #default,
            identity: #identity,
            generated: #generated,
            virtual_generated: #virtual_generated,
            not_null: #p::NotNull {
                name: #not_null_name,
                ..::core::default::Default::default()
            },
            collation: #collation,
            storage: #storage,
            statistics: #statistics,
            comment: #comment,
            grants: ::std::vec::Vec::new(),
        });
    }
}

/// Foreign key, unique, check and index declared on a column.
fn column_constraints(column: &Column) -> Vec<TokenStream> {
    let p = quote!(::model_core::__private);
    let name = &column.name.value;
    let none = quote!(::core::option::Option::None);
    let mut out = Vec::new();
    // `initially_deferred` implies `deferrable`, as in PostgreSQL.
    let deferral = column.deferrable.or(column.initially_deferred);
    let initially_deferred = column.initially_deferred.is_some();
    if let Some(fk) = &column.foreign_key {
        let table = &fk.table;
        let target = &fk.column;
        let on_delete = action(column.on_delete.as_ref().map(|a| a.value));
        let on_update = action(column.on_update.as_ref().map(|a| a.value));
        let fk_name = option_str(column.foreign_key_name.as_ref().map(|n| n.value.as_str()));
        out.push(quote!(__t.foreign_key(#fk_name, &[#name], #table, &[#target], #p::FkAction::#on_delete, #p::FkAction::#on_update);));
        if deferral.is_some() {
            out.push(quote!(__t.defer_last_foreign_key(#initially_deferred);));
        }
        if column.not_valid.is_some() {
            out.push(quote!(__t.not_valid_last_foreign_key();));
        }
        if column.not_enforced.is_some() {
            out.push(quote!(__t.not_enforced_last_foreign_key();));
        }
    }
    if column.unique.is_some() {
        out.push(quote!(__t.unique(#none, &[#name]);));
        if deferral.is_some() {
            out.push(quote!(__t.defer_last_unique(#initially_deferred);));
        }
    }
    if let Some(check) = &column.check {
        let no_inherit = check.no_inherit;
        let mut tokens = check_tokens(check, Some(name));
        if column.not_valid.is_some() && !check.not_valid {
            tokens.push(quote!(__t.flag_last_check(true, #no_inherit);));
        }
        if column.not_enforced.is_some() && !check.not_enforced {
            tokens.push(quote!(__t.not_enforced_last_check();));
        }
        out.extend(tokens);
    }
    if column.index.is_some() {
        out.push(quote!(__t.index(#none, &[#name], false, "btree", #none);));
    }
    out
}

/// A check, declared on the struct or on the column `column`.
fn check_tokens(check: &crate::ast::TableCheck, column: Option<&str>) -> Vec<TokenStream> {
    let name = option_str(check.name.as_ref().map(|n| n.value.as_str()));
    let column = option_str(column);
    let expr = check.expr.clone().unwrap_or_default();
    let mut out = vec![quote!(__t.check(#name, #column, #expr);)];
    if check.not_valid || check.no_inherit {
        let (not_valid, no_inherit) = (check.not_valid, check.no_inherit);
        out.push(quote!(__t.flag_last_check(#not_valid, #no_inherit);));
    }
    if check.not_enforced {
        out.push(quote!(__t.not_enforced_last_check();));
    }
    out
}

fn relationship_tokens(
    field: &str,
    rel: &Relationship,
    checks: &mut Vec<TokenStream>,
) -> TokenStream {
    let p = quote!(::model_core::__private);
    let target = &rel.target;
    let target_name = match target {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        other => other.to_token_stream().to_string().replace(' ', ""),
    };
    let target_table =
        quote_spanned!(ty_span(target)=> <#target as ::model_core::Model>::table_name());
    let collection = rel.collection;
    let back_populates = match &rel.back_populates {
        Some(back) => {
            let name = back.to_string();
            // A constant that fails to evaluate, with a message that says it in words, at
            // the name; the target's own `Model` bound is the one `table_name()` above needs.
            let message = format!(
                "`{target_name}` has no relationship field `{name}`: `back_populates` on `{field}` names a field of the target model marked `#[model(relationship(...))]`"
            );
            let model = quote_spanned!(ty_span(target)=> <#target as ::model_core::Model>);
            let lit = syn::LitStr::new(&name, back.span());
            checks.push(quote_spanned!(back.span()=>
                const _: () = ::core::assert!(
                    !#model::CHECKED || #p::has_field(#model::RELATIONSHIP_FIELDS, #lit),
                    #message
                );
            ));
            quote!(::core::option::Option::Some(#name))
        }
        None => quote!(::core::option::Option::None),
    };
    let cascade = rel.cascade;
    let secondary = match &rel.secondary {
        Some(Secondary::Model(ty)) => {
            let table = quote_spanned!(ty_span(ty)=> <#ty as ::model_core::Model>::table_name());
            quote!(::core::option::Option::Some(#table))
        }
        Some(Secondary::Table(lit)) => {
            quote!(::core::option::Option::Some(#p::TableName::parse(#lit)))
        }
        None => quote!(::core::option::Option::None),
    };
    let foreign_key = rel.foreign_key.iter().map(|i| i.to_string());
    quote! {
        __t.relationship(#p::Relationship {
            field: #field,
            target: #target_name,
            target_table: #target_table,
            collection: #collection,
            back_populates: #back_populates,
            cascade: #p::Cascade::from_bits(#cascade),
            secondary: #secondary,
            foreign_key: ::std::vec![#(#foreign_key),*],
        });
    }
}

fn action(action: Option<Action>) -> TokenStream {
    match action.unwrap_or(Action::NoAction) {
        Action::NoAction => quote!(NoAction),
        Action::Restrict => quote!(Restrict),
        Action::Cascade => quote!(Cascade),
        Action::SetNull => quote!(SetNull),
        Action::SetDefault => quote!(SetDefault),
    }
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn option_string(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(::std::string::String::from(#v))),
        None => quote!(::core::option::Option::None),
    }
}

fn option_i64(value: Option<i64>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

/// The marker of `model_core::__private::sql` for a canonical SQL type whose Rust types are
/// known (arrays of them too); `None` for the rest, which are not checked.
fn sql_kind(canonical: &str) -> Option<TokenStream> {
    if let Some(element) = canonical.strip_suffix("[]") {
        let inner = sql_kind(element)?;
        return Some(quote!(::model_core::__private::sql::Array<#inner>));
    }
    let base = canonical.split('(').next().unwrap_or_default().trim();
    let marker = match base {
        "smallint" => "smallint",
        "integer" => "integer",
        "bigint" => "bigint",
        "real" => "real",
        "double precision" => "double_precision",
        "numeric" => "numeric",
        "boolean" => "boolean",
        "text" | "character varying" | "character" | "name" | "citext" => "text",
        "bytea" => "bytea",
        "date" => "date",
        "time without time zone" => "time",
        "timestamp without time zone" => "timestamp",
        "timestamp with time zone" => "timestamptz",
        "uuid" => "uuid",
        "json" | "jsonb" => "json",
        "inet" => "inet",
        _ => return None,
    };
    let marker = syn::Ident::new(marker, Span::call_site());
    Some(quote!(::model_core::__private::sql::#marker))
}

fn ty_span(ty: &Type) -> Span {
    ty.to_token_stream()
        .into_iter()
        .next()
        .map(|t| t.span())
        .unwrap_or_else(Span::call_site)
}

/// The same tokens, every one placed at `span`, so rustc reports a failed check at the
/// attribute that asked for it.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut new = Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(span);
                TokenTree::Group(new)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn expand(input: proc_macro2::TokenStream) -> String {
        let file = syn::parse2(super::derive(input)).expect("the expansion is valid Rust");
        prettyplease::unparse(&file)
    }

    /// The expansion for the seed's `Order`, without rustc: what the derive generates.
    #[test]
    fn seed_order_expansion() {
        insta::assert_snapshot!(expand(quote! {
            #[model(table = "orders")]
            pub struct Order {
                #[model(primary_key, identity(always))]
                pub order_id: i32,
                #[model(foreign_key = "customers.customer_id", on_delete = "cascade")]
                pub customer_id: i32,
                #[model(default = "now()", sql_type = "timestamptz")]
                pub order_date: String,
                #[model(relationship(back_populates = orders))]
                pub customer: Option<Box<Customer>>,
                #[model(relationship(back_populates = order, cascade = "all, delete-orphan"))]
                pub products: Vec<OrderProduct>,
            }
        }));
    }

    /// A model with errors expands to the errors plus a stub impl, nothing else.
    #[test]
    fn errors_expand_to_a_stub() {
        let out = expand(quote! {
            struct Customer {
                #[model(primary_kye)]
                customer_id: i32,
                #[model(identity, default = "1")]
                other: i32,
            }
        });
        assert_eq!(out.matches("compile_error!").count(), 2, "{out}");
        assert!(
            out.contains("impl ::model_core::Model for Customer"),
            "{out}"
        );
        assert!(
            !out.contains("inventory"),
            "a broken model must not be registered: {out}"
        );
    }
}
