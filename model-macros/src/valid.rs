//! Rules that span several attributes of one model. Rules that need other models (foreign key
//! targets, `back_populates` pairs) are checked by rustc through the generated code, or by
//! `ModelSet` when models are gathered.

use std::collections::BTreeMap;

use proc_macro2::Span;

use crate::ast::{Action, Column, Field, FieldKind, Model, Secondary, Spanned};
use crate::attr::{single_generic, suggestion, Ctxt};

/// PostgreSQL truncates longer identifiers, which would make the model and the database disagree.
const MAX_IDENT: usize = 63;

pub fn check(model: &Model, cx: &mut Ctxt) {
    identifier(&model.table, "table name", cx);
    identifier(&model.schema, "schema name", cx);
    check_columns(model, cx);
    check_table_constraints(model, cx);
}

fn identifier(name: &Spanned<String>, what: &str, cx: &mut Ctxt) {
    if name.value.is_empty() {
        cx.error(name.span, format!("the {what} is empty"));
    } else if name.value.len() > MAX_IDENT {
        cx.error(
            name.span,
            format!(
                "the {what} `{}` is {} bytes long; PostgreSQL would cut it to {MAX_IDENT}",
                name.value,
                name.value.len()
            ),
        );
    }
}

fn check_columns(model: &Model, cx: &mut Ctxt) {
    let mut names: BTreeMap<&str, &syn::Ident> = BTreeMap::new();
    for field in &model.fields {
        match &field.kind {
            FieldKind::Column(column) => {
                identifier(&column.name, "column name", cx);
                if let Some(first) = names.insert(&column.name.value, &field.ident) {
                    cx.error(
                        column.name.span,
                        format!(
                            "fields `{first}` and `{}` both map to column `{}`",
                            field.ident, column.name.value
                        ),
                    );
                }
                let option = single_generic(&field.ty, "Option").is_some();
                let nullable = option || column.nullable.is_some();
                if let Some(pk) = column.primary_key {
                    if option {
                        cx.error(pk, format!("primary key column `{}` cannot be `Option<T>`: primary key columns are NOT NULL\nhelp: use the inner type", field.ident));
                    }
                    if let Some(span) = column.nullable {
                        cx.error(span, format!("`nullable` contradicts `primary_key` on `{}`: primary key columns are NOT NULL", field.ident));
                    }
                    if let Some(span) = column.unique {
                        cx.error(span, format!("`unique` is redundant on primary key column `{}`: a primary key is already unique", field.ident));
                    }
                }
                if let Some(identity) = &column.identity {
                    if nullable {
                        cx.error(identity.span, format!("identity column `{}` cannot be nullable: identity columns are NOT NULL", field.ident));
                    }
                    if let Some(default) = &column.default {
                        cx.error(default.span, format!("`{}` has both `identity` and `default`; an identity column takes its default from its sequence", field.ident));
                    }
                    if let Some((lit, Some(canonical))) = &column.sql_type {
                        if !matches!(canonical.as_str(), "smallint" | "integer" | "bigint") {
                            cx.error(identity.span, format!("identity columns must be smallint, integer or bigint, but `{}` is `{}`", field.ident, lit.value()));
                        }
                    }
                }
                if let Some(generated) = &column.generated {
                    if column.default.is_some() || column.identity.is_some() {
                        cx.error(
                            generated.span,
                            format!(
                                "`{}` is generated, so it cannot also have `default` or `identity`",
                                field.ident
                            ),
                        );
                    }
                }
                if let Some(name) = &column.foreign_key_name {
                    identifier(name, "constraint name", cx);
                    if column.foreign_key.is_none() {
                        cx.error(
                            name.span,
                            "`foreign_key_name` needs a `foreign_key` on the same field",
                        );
                    }
                }
                if column.foreign_key.is_none() && column.unique.is_none() {
                    for (key, span) in [
                        ("deferrable", column.deferrable),
                        ("initially_deferred", column.initially_deferred),
                    ] {
                        if let Some(span) = span {
                            cx.error(
                                span,
                                format!("`{key}` needs a `foreign_key` or `unique` on the same field: it says when those are checked"),
                            );
                        }
                    }
                }
                if let (Some(span), None, None) =
                    (column.not_valid, &column.foreign_key, &column.check)
                {
                    cx.error(span, "`not_valid` needs a `foreign_key` or `check` on the same field: it says the rows already there are not checked");
                }
                if let (Some(span), None, None) =
                    (column.not_enforced, &column.foreign_key, &column.check)
                {
                    cx.error(span, "`not_enforced` needs a `foreign_key` or `check` on the same field: it says PostgreSQL records the constraint but never checks it");
                }
                if let (Some(span), None) = (column.virtual_generated, &column.generated) {
                    cx.error(span, format!("`virtual` needs `generated = \"...\"` on `{}`: it says the generated value is computed when read instead of stored", field.ident));
                }
                if let Some(name) = &column.not_null_name {
                    identifier(name, "constraint name", cx);
                    if nullable {
                        cx.error(name.span, format!("`not_null_name` names the NOT NULL constraint of `{}`, but the field is nullable\nhelp: use the inner type instead of `Option<_>`, or drop `not_null_name`", field.ident));
                    }
                }
                if let Some(check) = &column.check {
                    missing(check.span, check.expr.is_none(), "check(...) needs an `expr`: check(name = \"price_positive\", expr = \"price > 0\")", cx);
                    if let Some(name) = &check.name {
                        identifier(name, "constraint name", cx);
                    }
                }
                if let (Some(pk), Some(table_pk)) = (column.primary_key, &model.primary_key) {
                    let _ = table_pk;
                    cx.error(pk, format!("`{}` is marked `primary_key`, but the struct declares `primary_key(...)` too; declare the key in one place", field.ident));
                }
                check_actions(field, column, nullable, cx);
            }
            FieldKind::Relationship(rel) => {
                if let Some(Secondary::Table(lit)) = &rel.secondary {
                    let parts: Vec<String> = lit.value().split('.').map(str::to_string).collect();
                    if parts.len() > 2 || parts.iter().any(String::is_empty) {
                        cx.error(
                            lit.span(),
                            format!(
                                "malformed table name `{}`: expected `table` or `schema.table`",
                                lit.value()
                            ),
                        );
                    }
                }
            }
            FieldKind::Skip => {}
        }
    }
}

/// `on_delete` and `on_update` need a foreign key, and `set null` a nullable column.
fn check_actions(field: &Field, column: &Column, nullable: bool, cx: &mut Ctxt) {
    if column.foreign_key.is_none() {
        for (key, action) in [
            ("on_delete", &column.on_delete),
            ("on_update", &column.on_update),
        ] {
            if let Some(action) = action {
                cx.error(
                    action.span,
                    format!("`{key}` needs a `foreign_key` on the same field"),
                );
            }
        }
    }
    for (key, action) in [
        ("on_delete", &column.on_delete),
        ("on_update", &column.on_update),
    ] {
        if let Some(Spanned {
            value: Action::SetNull,
            span,
        }) = action
        {
            if !nullable {
                cx.error(
                    *span,
                    format!("`{key} = \"set null\"` on `{}`, which is NOT NULL, would fail every time it fires\nhelp: make the field `Option<_>`, or choose another action", field.ident),
                );
            }
        }
    }
}

fn check_table_constraints(model: &Model, cx: &mut Ctxt) {
    let column_of = |ident: &syn::Ident, cx: &mut Ctxt| -> Option<String> {
        let field = model.fields.iter().find(|f| f.ident == *ident);
        match field.map(|f| &f.kind) {
            Some(FieldKind::Column(column)) => Some(column.name.value.clone()),
            Some(_) => {
                cx.error(
                    ident.span(),
                    format!(
                        "`{ident}` is not a column of `{}` (it is a relationship or skipped field)",
                        model.ident
                    ),
                );
                None
            }
            None => {
                let fields: Vec<String> =
                    model.fields.iter().map(|f| f.ident.to_string()).collect();
                let names: Vec<&str> = fields.iter().map(String::as_str).collect();
                let hint = suggestion(&ident.to_string(), &names)
                    .map(|s| format!("\nhelp: did you mean `{s}`?"))
                    .unwrap_or_default();
                cx.error(
                    ident.span(),
                    format!("`{}` has no field `{ident}`{hint}", model.ident),
                );
                None
            }
        }
    };
    for unique in &model.uniques {
        for column in &unique.columns {
            column_of(column, cx);
        }
        if let Some(name) = &unique.name {
            identifier(name, "constraint name", cx);
        }
    }
    for index in &model.indexes {
        for column in index.columns.iter().chain(&index.include) {
            column_of(column, cx);
        }
        if let Some(name) = &index.name {
            identifier(name, "index name", cx);
        }
    }
    for fk in &model.foreign_keys {
        for column in &fk.columns {
            column_of(column, cx);
        }
        if let Some((_, referenced, span)) = &fk.references {
            if referenced.len() != fk.columns.len() {
                cx.error(*span, format!("{} column(s) reference {} column(s); give one referenced column per column", fk.columns.len(), referenced.len()));
            }
        }
        if let Some(name) = &fk.name {
            identifier(name, "constraint name", cx);
        }
    }
    if let Some(key) = &model.primary_key {
        for column in &key.columns {
            column_of(column, cx);
        }
        if let Some(name) = &key.name {
            identifier(name, "constraint name", cx);
        }
    }
    for exclusion in &model.exclusions {
        if let Some(name) = &exclusion.name {
            identifier(name, "constraint name", cx);
        }
    }
    let columns: Vec<&str> = model
        .fields
        .iter()
        .filter_map(|f| match &f.kind {
            FieldKind::Column(c) => Some(c.name.value.as_str()),
            _ => None,
        })
        .collect();
    for index in &model.indexes {
        if let Some(keys) = &index.keys {
            if let Err(message) = crate::keys::parse(&keys.value, |c| columns.contains(&c)) {
                cx.error(keys.span, format!("malformed index keys: {message}"));
            }
        }
    }
    for check in &model.checks {
        missing(
            check.span,
            check.expr.is_none(),
            "check(...) needs an `expr`: check(name = \"price_positive\", expr = \"price > 0\")",
            cx,
        );
        if let Some(name) = &check.name {
            identifier(name, "constraint name", cx);
        }
    }
}

fn missing(span: Span, is_missing: bool, message: &str, cx: &mut Ctxt) {
    if is_missing {
        cx.error(span, message);
    }
}
