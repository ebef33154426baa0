//! `#[model(...)]` syntax → [`ast::Model`]. Every problem is recorded and parsing goes on, so
//! one compile reports all bad attributes.

use std::collections::BTreeSet;

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, LitInt, LitStr, PathArguments,
    Token, Type,
};

use crate::ast::{
    Action, Column, Field, FieldKind, ForeignKeyAttr, IdentityAttr, Model, Relationship, Secondary,
    Spanned, TableCheck, TableExclusion, TableForeignKey, TableIndex, TablePrimaryKey, TableUnique,
};
use crate::sql_type;
use model_revision::ident::quoted_parts;

/// Collects errors; the derive reports them all at the end.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    pub fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    pub fn into_result(self) -> Result<(), syn::Error> {
        let mut errors = self.errors.into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            first.combine(error);
        }
        Err(first)
    }
}

const CONTAINER_KEYS: &[&str] = &[
    "table",
    "schema",
    "comment",
    "renamed_from",
    "unique",
    "index",
    "check",
    "foreign_key",
    "primary_key",
    "exclude",
    "storage",
    "unlogged",
    "replica_identity",
    "partition_by",
];
const FOREIGN_KEY_KEYS: &[&str] = &[
    "references",
    "name",
    "on_delete",
    "on_update",
    "match_full",
    "deferrable",
    "initially_deferred",
    "not_valid",
    "not_enforced",
    "period",
    "on_delete_columns",
];
const FIELD_KEYS: &[&str] = &[
    "primary_key",
    "identity",
    "default",
    "unique",
    "index",
    "name",
    "comment",
    "sql_type",
    "using",
    "downgrade_using",
    "unchecked_type",
    "foreign_key",
    "foreign_key_name",
    "generated",
    "virtual",
    "not_null_name",
    "not_enforced",
    "collation",
    "storage",
    "statistics",
    "on_delete",
    "on_update",
    "deferrable",
    "initially_deferred",
    "not_valid",
    "nullable",
    "renamed_from",
    "check",
    "skip",
    "relationship",
];
const RELATIONSHIP_KEYS: &[&str] = &[
    "back_populates",
    "cascade",
    "secondary",
    "foreign_key",
    "target",
];
const IDENTITY_KEYS: &[&str] = &[
    "always",
    "by_default",
    "start",
    "increment",
    "minvalue",
    "maxvalue",
    "cache",
    "cycle",
];
const INDEX_KEYS: &[&str] = &["name", "unique", "method", "where", "keys", "with"];
const CHECK_KEYS: &[&str] = &["name", "expr"];
const EXCLUDE_KEYS: &[&str] = &["name", "using", "elements", "where"];
const INDEX_METHODS: &[&str] = &["btree", "hash", "gist", "spgist", "gin", "brin"];
const CASCADE_TOKENS: &[(&str, u8)] = &[
    ("save-update", 1),
    ("merge", 1 << 1),
    ("expunge", 1 << 2),
    ("delete", 1 << 3),
    ("delete-orphan", 1 << 4),
    ("refresh-expire", 1 << 5),
    ("all", 1 | 1 << 1 | 1 << 2 | 1 << 3 | 1 << 5),
];
const DEFAULT_CASCADE: u8 = 1 | 1 << 1;

/// Parses the struct. Returns `None` only when it is not a struct with named fields.
pub fn parse(input: &DeriveInput, cx: &mut Ctxt) -> Option<Model> {
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => &named.named,
            Fields::Unnamed(_) => {
                cx.error(
                    input.ident.span(),
                    format!("`#[derive(Model)]` needs named fields, but `{}` is a tuple struct; name each field after its column", input.ident),
                );
                return None;
            }
            Fields::Unit => {
                cx.error(
                    input.ident.span(),
                    format!(
                        "`#[derive(Model)]` needs named fields, but `{}` is a unit struct",
                        input.ident
                    ),
                );
                return None;
            }
        },
        Data::Enum(data) => {
            cx.error(
                data.enum_token.span,
                format!("`#[derive(Model)]` only works on structs with named fields, and `{}` is an enum", input.ident),
            );
            return None;
        }
        Data::Union(data) => {
            cx.error(
                data.union_token.span,
                "`#[derive(Model)]` only works on structs with named fields, not unions",
            );
            return None;
        }
    };
    if !input.generics.params.is_empty() {
        cx.error(
            input.generics.span(),
            "a model cannot be generic: it declares exactly one table",
        );
    }

    let mut model = Model {
        ident: input.ident.clone(),
        table: Spanned::new(snake_case(&input.ident.to_string()), input.ident.span()),
        schema: Spanned::new("public".into(), input.ident.span()),
        comment: None,
        renamed_from: None,
        uniques: Vec::new(),
        indexes: Vec::new(),
        checks: Vec::new(),
        foreign_keys: Vec::new(),
        primary_key: None,
        exclusions: Vec::new(),
        storage: Vec::new(),
        unlogged: false,
        replica_identity: None,
        partition_by: None,
        fields: Vec::new(),
    };
    let mut seen = Seen::default();
    for attr in model_attrs(&input.attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(key) = known_key(&meta, CONTAINER_KEYS, "struct", cx)? else {
                return Ok(());
            };
            let single = !matches!(
                key.as_str(),
                "unique" | "index" | "check" | "foreign_key" | "exclude"
            );
            if single && !seen.first(&key, &meta, cx) {
                return skip_value(&meta);
            }
            match key.as_str() {
                "table" => model.table = string_value(&meta)?,
                "schema" => model.schema = string_value(&meta)?,
                "comment" => model.comment = Some(string_value(&meta)?.value),
                "renamed_from" => model.renamed_from = Some(identifier_value(&meta, cx)?),
                "unique" => model.uniques.push(table_unique(&meta, cx)?),
                "index" => model.indexes.push(table_index(&meta, cx)?),
                "check" => model.checks.push(table_check(&meta, cx)?),
                "foreign_key" => model.foreign_keys.push(table_foreign_key(&meta, cx)?),
                "primary_key" => model.primary_key = Some(table_primary_key(&meta, cx)?),
                "exclude" => model.exclusions.push(table_exclusion(&meta, cx)?),
                "storage" => model.storage = storage_parameters(&string_value(&meta)?, cx),
                "unlogged" => model.unlogged = flag(&meta).map(|_| true)?,
                "replica_identity" => {
                    let value = string_value(&meta)?;
                    if value.value.trim().is_empty() {
                        cx.error(value.span, "`replica_identity` takes `default`, `full`, `nothing`, or the name of a unique index");
                    }
                    model.replica_identity = Some(value);
                }
                "partition_by" => {
                    let value = string_value(&meta)?;
                    let lower = value.value.trim().to_ascii_lowercase();
                    let method = lower.split(|c: char| c == '(' || c.is_whitespace()).next().unwrap_or("");
                    if !matches!(method, "range" | "list" | "hash") || !lower.ends_with(')') {
                        cx.error(value.span, format!("`partition_by = \"{}\"` is not a partition key: write `range (column)`, `list (column)` or `hash (column)`", value.value));
                    }
                    model.partition_by = Some(value);
                }
                _ => unreachable!("key lists and match arms agree"),
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
    for field in fields {
        let ident = field.ident.clone().expect("named fields have names");
        let kind = parse_field(&ident, &field.ty, &field.attrs, cx);
        model.fields.push(Field {
            ident,
            ty: field.ty.clone(),
            kind,
        });
    }
    Some(model)
}

fn parse_field(ident: &Ident, ty: &Type, attrs: &[Attribute], cx: &mut Ctxt) -> FieldKind {
    let field_name = ident.to_string().trim_start_matches("r#").to_string();
    let mut column = Column {
        name: Spanned::new(field_name, ident.span()),
        primary_key: None,
        identity: None,
        default: None,
        unique: None,
        index: None,
        comment: None,
        sql_type: None,
        using: None,
        downgrade_using: None,
        unchecked_type: None,
        foreign_key: None,
        foreign_key_name: None,
        on_delete: None,
        on_update: None,
        deferrable: None,
        initially_deferred: None,
        nullable: None,
        renamed_from: None,
        check: None,
        not_valid: None,
        generated: None,
        virtual_generated: None,
        not_null_name: None,
        not_enforced: None,
        collation: None,
        storage: None,
        statistics: None,
    };
    let mut relationship: Option<Relationship> = None;
    let mut skip: Option<Span> = None;
    let mut column_keys: Vec<(String, Span)> = Vec::new();
    let mut seen = Seen::default();
    for attr in model_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(key) = known_key(&meta, FIELD_KEYS, "field", cx)? else {
                return Ok(());
            };
            if !seen.first(&key, &meta, cx) {
                return skip_value(&meta);
            }
            let span = meta.path.span();
            if key != "relationship" && key != "skip" {
                column_keys.push((key.clone(), span));
            }
            match key.as_str() {
                "primary_key" => column.primary_key = Some(flag(&meta)?),
                "identity" => column.identity = Some(identity(&meta, cx)?),
                "default" => column.default = Some(string_value(&meta)?),
                "unique" => column.unique = Some(flag(&meta)?),
                "index" => column.index = Some(flag(&meta)?),
                "name" => column.name = string_value(&meta)?,
                "comment" => column.comment = Some(string_value(&meta)?.value),
                "sql_type" => column.sql_type = Some(sql_type_value(&meta, cx)?),
                "using" => column.using = conversion_value(&meta, &key, cx)?,
                "downgrade_using" => column.downgrade_using = conversion_value(&meta, &key, cx)?,
                "unchecked_type" => column.unchecked_type = Some(flag(&meta)?),
                "foreign_key" => column.foreign_key = foreign_key(&meta, cx)?,
                "foreign_key_name" => column.foreign_key_name = Some(string_value(&meta)?),
                "generated" => column.generated = Some(string_value(&meta)?),
                "virtual" => column.virtual_generated = Some(flag(&meta)?),
                "not_null_name" => column.not_null_name = Some(identifier_value(&meta, cx)?),
                "not_enforced" => column.not_enforced = Some(flag(&meta)?),
                "collation" => {
                    let collation = string_value(&meta)?;
                    column.collation = Some(Spanned::new(
                        canonical_collation(&collation.value),
                        collation.span,
                    ));
                }
                "storage" => column.storage = storage_value(&meta, cx)?,
                "statistics" => column.statistics = statistics_value(&meta, cx)?,
                "on_delete" => column.on_delete = action(&meta, "on_delete", cx)?,
                "on_update" => column.on_update = action(&meta, "on_update", cx)?,
                "deferrable" => column.deferrable = Some(flag(&meta)?),
                "initially_deferred" => column.initially_deferred = Some(flag(&meta)?),
                "nullable" => column.nullable = Some(flag(&meta)?),
                "renamed_from" => column.renamed_from = Some(identifier_value(&meta, cx)?),
                "check" => {
                    column.check = Some(if meta.input.peek(syn::token::Paren) {
                        table_check(&meta, cx)?
                    } else {
                        let expr = string_value(&meta)?;
                        TableCheck {
                            span: expr.span,
                            name: None,
                            expr: Some(expr.value),
                            not_valid: false,
                            no_inherit: false,
                            not_enforced: false,
                        }
                    })
                }
                "not_valid" => column.not_valid = Some(flag(&meta)?),
                "skip" => skip = Some(flag(&meta)?),
                "relationship" => relationship = Some(parse_relationship(&meta, ty, cx)?),
                _ => unreachable!("key lists and match arms agree"),
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
    if let Some(rel) = relationship {
        for (key, span) in &column_keys {
            cx.error(*span, format!("`{key}` describes a column, but `{ident}` is a relationship field, which is not a column"));
        }
        if let Some(span) = skip {
            cx.error(span, "`skip` and `relationship` cannot be combined: a skipped field is neither a column nor a relationship");
        }
        return FieldKind::Relationship(Box::new(rel));
    }
    if let Some(span) = skip {
        for (key, _) in &column_keys {
            cx.error(
                span,
                format!(
                    "`skip` leaves `{ident}` out of the table, so `{key}` has nothing to apply to"
                ),
            );
        }
        return FieldKind::Skip;
    }
    if let Some(old) = &column.renamed_from {
        if old.value == column.name.value {
            cx.error(
                old.span,
                format!(
                    "`renamed_from` names the column's own name `{}`; give the name it had before",
                    old.value
                ),
            );
        }
    }
    FieldKind::Column(Box::new(column))
}

/// `using = "..."` or `downgrade_using = "..."`: a conversion's SQL expression, never empty.
fn conversion_value(
    meta: &ParseNestedMeta,
    key: &str,
    cx: &mut Ctxt,
) -> syn::Result<Option<Spanned<String>>> {
    let using = string_value(meta)?;
    if using.value.trim().is_empty() {
        cx.error(
            using.span,
            format!("`{key}` needs the SQL expression that converts the column's values, over the column itself: `{key} = \"to_timestamp(created_at)\"`"),
        );
        return Ok(None);
    }
    Ok(Some(using))
}

/// `sql_type = "..."`, with its canonical spelling when it is a type this crate knows.
fn sql_type_value(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<(LitStr, Option<String>)> {
    let lit: LitStr = meta.value()?.parse()?;
    let canonical = match sql_type::canonical(&lit.value()) {
        Ok(canonical) => Some(canonical),
        Err(message) => {
            cx.error(
                lit.span(),
                format!(
                    "malformed SQL type `{}`: {message}\nhelp: known types are {}",
                    lit.value(),
                    sql_type::KNOWN
                ),
            );
            None
        }
    };
    Ok((lit, canonical))
}

/// `storage = "..."`: one of PostgreSQL's four strategies.
fn storage_value(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Option<Spanned<String>>> {
    let lit: LitStr = meta.value()?.parse()?;
    let value = lit.value().to_ascii_lowercase();
    if ["plain", "external", "extended", "main"].contains(&value.as_str()) {
        return Ok(Some(Spanned::new(value, lit.span())));
    }
    cx.error(
        lit.span(),
        format!("`storage = \"{}\"` is not a storage strategy: write one of plain, external, extended, main", lit.value().escape_debug()),
    );
    Ok(None)
}

/// `statistics = n`: a column's statistics target, 0 to 10000.
fn statistics_value(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Option<i32>> {
    let lit: LitInt = meta.value()?.parse()?;
    match lit.base10_parse::<i32>() {
        Ok(n) if (0..=10000).contains(&n) => Ok(Some(n)),
        _ => {
            cx.error(
                lit.span(),
                format!("`statistics = {lit}` is not a statistics target: PostgreSQL takes 0 to 10000 (leave it out for default_statistics_target)"),
            );
            Ok(None)
        }
    }
}

fn parse_relationship(
    meta: &ParseNestedMeta,
    ty: &Type,
    cx: &mut Ctxt,
) -> syn::Result<Relationship> {
    let (collection, inferred) = relationship_target(ty);
    let mut rel = Relationship {
        target: inferred.clone(),
        collection,
        back_populates: None,
        cascade: DEFAULT_CASCADE,
        secondary: None,
        foreign_key: Vec::new(),
    };
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        return Ok(rel);
    }
    let mut seen = Seen::default();
    meta.parse_nested_meta(|meta| {
        let Some(key) = known_key(&meta, RELATIONSHIP_KEYS, "relationship", cx)? else {
            return Ok(());
        };
        if !seen.first(&key, &meta, cx) {
            return skip_value(&meta);
        }
        match key.as_str() {
            "back_populates" => rel.back_populates = Some(meta.value()?.parse()?),
            "cascade" => {
                let lit: LitStr = meta.value()?.parse()?;
                rel.cascade = cascade(&lit, cx);
            }
            "secondary" => {
                let value = meta.value()?;
                rel.secondary = Some(if value.peek(LitStr) {
                    Secondary::Table(value.parse()?)
                } else {
                    Secondary::Model(Box::new(value.parse()?))
                });
            }
            "foreign_key" => {
                let value = meta.value()?;
                if value.peek(syn::token::Bracket) {
                    let content;
                    syn::bracketed!(content in value);
                    let list =
                        content.parse_terminated(<Ident as syn::parse::Parse>::parse, Token![,])?;
                    rel.foreign_key = list.into_iter().collect();
                } else {
                    rel.foreign_key = vec![value.parse()?];
                }
            }
            "target" => rel.target = meta.value()?.parse()?,
            _ => unreachable!("key lists and match arms agree"),
        }
        Ok(())
    })?;
    Ok(rel)
}

/// `Vec<T>` → (true, T); `Option<Box<T>>`, `Option<T>`, `Box<T>`, `T` → (false, T).
fn relationship_target(ty: &Type) -> (bool, Type) {
    if let Some(inner) = single_generic(ty, "Vec") {
        return (true, inner.clone());
    }
    let mut ty = ty;
    for wrapper in ["Option", "Box", "Rc", "Arc"] {
        if let Some(inner) = single_generic(ty, wrapper) {
            ty = inner;
        }
    }
    if let Some(inner) = single_generic(ty, "Box") {
        ty = inner;
    }
    (false, ty.clone())
}

/// `Name<T>` (last path segment `name`, one type argument) → `T`.
pub fn single_generic<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// `(a, b, name = "…", flag, …)`: the columns of a key, its name, and which of `flags` it has.
struct ColumnList {
    columns: Vec<Ident>,
    name: Option<Spanned<String>>,
    flags: BTreeSet<&'static str>,
}

fn column_list(
    meta: &ParseNestedMeta,
    flags: &[&'static str],
    place: &str,
    example: &str,
    cx: &mut Ctxt,
) -> syn::Result<ColumnList> {
    let mut list = ColumnList {
        columns: Vec::new(),
        name: None,
        flags: BTreeSet::new(),
    };
    meta.parse_nested_meta(|meta| {
        if !meta.input.peek(Token![=]) {
            match flags.iter().find(|f| meta.path.is_ident(f)) {
                Some(flag) => {
                    list.flags.insert(flag);
                }
                None => list.columns.push(meta.path.require_ident()?.clone()),
            }
            return Ok(());
        }
        if meta.path.is_ident("name") {
            list.name = Some(string_value(&meta)?);
            return Ok(());
        }
        unknown(&meta, &["name"], place, cx);
        skip_value(&meta)
    })?;
    if list.columns.is_empty() {
        cx.error(meta.path.span(), format!("`{place}` needs {example}"));
    }
    Ok(list)
}

/// `without_overlaps` makes the last column the period: a key of one column has no other.
fn without_overlaps_needs_two(
    meta: &ParseNestedMeta,
    list: &ColumnList,
    place: &str,
    cx: &mut Ctxt,
) {
    if list.flags.contains("without_overlaps") && list.columns.len() < 2 {
        cx.error(
            meta.path.span(),
            format!("`without_overlaps` makes the last column of `{place}(...)` a period that may not overlap for equal values of the others, so it needs at least two columns: `{place}(room_id, during, without_overlaps)`"),
        );
    }
}

fn table_unique(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<TableUnique> {
    let list = column_list(
        meta,
        &[
            "nulls_not_distinct",
            "deferrable",
            "initially_deferred",
            "without_overlaps",
        ],
        "unique(...)",
        "at least one column: `unique(first_name, last_name)`",
        cx,
    )?;
    without_overlaps_needs_two(meta, &list, "unique", cx);
    Ok(TableUnique {
        without_overlaps: list.flags.contains("without_overlaps"),
        nulls_not_distinct: list.flags.contains("nulls_not_distinct"),
        deferrable: list.flags.contains("deferrable"),
        initially_deferred: list.flags.contains("initially_deferred"),
        columns: list.columns,
        name: list.name,
    })
}

fn table_index(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<TableIndex> {
    let mut index = TableIndex {
        span: meta.path.span(),
        columns: Vec::new(),
        include: Vec::new(),
        unique: false,
        method: "btree".into(),
        predicate: None,
        name: None,
        keys: None,
        nulls_not_distinct: false,
        storage: Vec::new(),
    };
    meta.parse_nested_meta(|meta| {
        let is_value = meta.input.peek(Token![=]);
        if meta.path.is_ident("unique") && !is_value {
            index.unique = true;
            return Ok(());
        }
        if meta.path.is_ident("nulls_not_distinct") && !is_value {
            index.nulls_not_distinct = true;
            return Ok(());
        }
        if meta.path.is_ident("include") && meta.input.peek(syn::token::Paren) {
            return meta.parse_nested_meta(|inner| {
                index.include.push(inner.path.require_ident()?.clone());
                Ok(())
            });
        }
        if !is_value {
            index.columns.push(meta.path.require_ident()?.clone());
            return Ok(());
        }
        let Some(key) = known_key(&meta, INDEX_KEYS, "index(...)", cx)? else {
            return Ok(());
        };
        match key.as_str() {
            "name" => index.name = Some(string_value(&meta)?),
            "method" => {
                let method = string_value(&meta)?;
                let lower = method.value.to_ascii_lowercase();
                if !INDEX_METHODS.contains(&lower.as_str()) {
                    cx.error(
                        method.span,
                        format!(
                            "unknown index method `{}`; expected one of: {}",
                            method.value,
                            INDEX_METHODS.join(", ")
                        ),
                    );
                }
                index.method = lower;
            }
            "where" => index.predicate = Some(string_value(&meta)?.value),
            "keys" => index.keys = Some(string_value(&meta)?),
            "with" => index.storage = storage_parameters(&string_value(&meta)?, cx),
            _ => {
                cx.error(
                    meta.path.span(),
                    "`unique` is a flag: write `unique`, not `unique = ...`",
                );
                skip_value(&meta)?;
            }
        }
        Ok(())
    })?;
    if index.columns.is_empty() && index.keys.is_none() {
        cx.error(
            index.span,
            "`index(...)` needs at least one column: `index(customer_id, order_date)`, or `keys = \"lower(email)\"`",
        );
    }
    if let (false, Some(keys)) = (index.columns.is_empty(), &index.keys) {
        cx.error(
            keys.span,
            "give the index's keys either as columns or as `keys = \"...\"`, not both",
        );
    }
    if index.nulls_not_distinct && !index.unique {
        cx.error(
            index.span,
            "`nulls_not_distinct` only means something on a `unique` index",
        );
    }
    Ok(index)
}

fn table_foreign_key(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<TableForeignKey> {
    let mut fk = TableForeignKey {
        span: meta.path.span(),
        columns: Vec::new(),
        references: None,
        name: None,
        on_delete: None,
        on_update: None,
        match_full: false,
        deferrable: false,
        initially_deferred: false,
        not_valid: false,
        not_enforced: false,
        period: false,
        on_delete_columns: Vec::new(),
    };
    let mut saw_references = false;
    meta.parse_nested_meta(|meta| {
        let is_value = meta.input.peek(Token![=]);
        let flag = |name: &str| meta.path.is_ident(name) && !is_value;
        if flag("match_full") {
            fk.match_full = true;
            return Ok(());
        }
        if flag("deferrable") {
            fk.deferrable = true;
            return Ok(());
        }
        if flag("initially_deferred") {
            fk.initially_deferred = true;
            return Ok(());
        }
        if flag("not_valid") {
            fk.not_valid = true;
            return Ok(());
        }
        if flag("not_enforced") {
            fk.not_enforced = true;
            return Ok(());
        }
        if flag("period") {
            fk.period = true;
            return Ok(());
        }
        if meta.path.is_ident("on_delete_columns") && meta.input.peek(syn::token::Paren) {
            return meta.parse_nested_meta(|inner| {
                fk.on_delete_columns.push(inner.path.require_ident()?.clone());
                Ok(())
            });
        }
        if !is_value {
            fk.columns.push(meta.path.require_ident()?.clone());
            return Ok(());
        }
        let Some(key) = known_key(&meta, FOREIGN_KEY_KEYS, "foreign_key(...)", cx)? else {
            return Ok(());
        };
        match key.as_str() {
            "references" => {
                saw_references = true;
                let lit: LitStr = meta.value()?.parse()?;
                let text = lit.value();
                let parsed = split_references(&text);
                match parsed {
                    Some((table, columns)) => fk.references = Some((table, columns, lit.span())),
                    None => cx.error(
                        lit.span(),
                        format!("malformed `references = \"{text}\"`: expected `table(column, ...)`\nhelp: references = \"orders(order_id, region)\""),
                    ),
                }
            }
            "name" => fk.name = Some(string_value(&meta)?),
            "on_delete" => fk.on_delete = action(&meta, "on_delete", cx)?,
            "on_update" => fk.on_update = action(&meta, "on_update", cx)?,
            _ => {
                cx.error(meta.path.span(), format!("`{key}` is a flag: write `{key}`, not `{key} = ...`"));
                skip_value(&meta)?;
            }
        }
        Ok(())
    })?;
    if fk.columns.is_empty() {
        cx.error(fk.span, "`foreign_key(...)` needs its columns: `foreign_key(order_id, region, references = \"orders(id, region)\")`");
    }
    if !saw_references {
        cx.error(
            fk.span,
            "`foreign_key(...)` needs `references = \"table(column, ...)\"`",
        );
    }
    if fk.period && fk.columns.len() < 2 {
        cx.error(
            fk.span,
            "`period` makes the last column pair a period, so the foreign key needs at least two columns: `foreign_key(room_id, during, references = \"rooms(id, valid)\", period)`",
        );
    }
    if !fk.on_delete_columns.is_empty()
        && !matches!(
            fk.on_delete.as_ref().map(|a| a.value),
            Some(Action::SetNull | Action::SetDefault)
        )
    {
        cx.error(
            fk.on_delete_columns[0].span(),
            "`on_delete_columns(...)` limits `on_delete = \"set null\"` or `\"set default\"` to some columns; give one of those",
        );
    }
    for column in &fk.on_delete_columns {
        if !fk.columns.contains(column) {
            cx.error(
                column.span(),
                format!("`{column}` is not one of the foreign key's columns; `on_delete_columns(...)` takes some of them"),
            );
        }
    }
    Ok(fk)
}

/// `C` → `pg_catalog."C"`, `ucs_basic` → `pg_catalog.ucs_basic`, `s.name` kept with its schema:
/// the spelling introspection reads back.
pub fn canonical_collation(text: &str) -> String {
    let quote = |part: &str| {
        let plain = part
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if plain {
            part.to_string()
        } else {
            format!("\"{}\"", part.trim_matches('"').replace('"', "\"\""))
        }
    };
    match text.split_once('.') {
        Some((schema, name)) => format!("{}.{}", quote(schema), quote(name)),
        None => format!("pg_catalog.{}", quote(text)),
    }
}

fn table_check(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<TableCheck> {
    let mut check = TableCheck {
        span: meta.path.span(),
        name: None,
        expr: None,
        not_valid: false,
        no_inherit: false,
        not_enforced: false,
    };
    meta.parse_nested_meta(|meta| {
        if !meta.input.peek(Token![=]) {
            if meta.path.is_ident("not_valid") {
                check.not_valid = true;
                return Ok(());
            }
            if meta.path.is_ident("not_enforced") {
                check.not_enforced = true;
                return Ok(());
            }
            if meta.path.is_ident("no_inherit") {
                check.no_inherit = true;
                return Ok(());
            }
        }
        let Some(key) = known_key(&meta, CHECK_KEYS, "check(...)", cx)? else {
            return Ok(());
        };
        match key.as_str() {
            "name" => check.name = Some(string_value(&meta)?),
            _ => check.expr = Some(string_value(&meta)?.value),
        }
        Ok(())
    })?;
    Ok(check)
}

fn table_primary_key(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<TablePrimaryKey> {
    let list = column_list(
        meta,
        &["deferrable", "initially_deferred", "without_overlaps"],
        "primary_key(...)",
        "its columns: `primary_key(order_id, line)`",
        cx,
    )?;
    without_overlaps_needs_two(meta, &list, "primary_key", cx);
    Ok(TablePrimaryKey {
        without_overlaps: list.flags.contains("without_overlaps"),
        deferrable: list.flags.contains("deferrable"),
        initially_deferred: list.flags.contains("initially_deferred"),
        columns: list.columns,
        name: list.name,
    })
}

fn table_exclusion(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<TableExclusion> {
    let mut exclusion = TableExclusion {
        span: meta.path.span(),
        name: None,
        method: "gist".into(),
        elements: None,
        predicate: None,
        deferrable: false,
        initially_deferred: false,
    };
    meta.parse_nested_meta(|meta| {
        if !meta.input.peek(Token![=]) {
            if meta.path.is_ident("deferrable") {
                exclusion.deferrable = true;
                return Ok(());
            }
            if meta.path.is_ident("initially_deferred") {
                exclusion.initially_deferred = true;
                return Ok(());
            }
        }
        let Some(key) = known_key(&meta, EXCLUDE_KEYS, "exclude(...)", cx)? else {
            return Ok(());
        };
        match key.as_str() {
            "name" => exclusion.name = Some(string_value(&meta)?),
            "using" => {
                let method = string_value(&meta)?;
                let lower = method.value.to_ascii_lowercase();
                if !INDEX_METHODS.contains(&lower.as_str()) {
                    cx.error(
                        method.span,
                        format!(
                            "unknown index method `{}`; expected one of: {}",
                            method.value,
                            INDEX_METHODS.join(", ")
                        ),
                    );
                }
                exclusion.method = lower;
            }
            "elements" => exclusion.elements = Some(string_value(&meta)?),
            _ => exclusion.predicate = Some(string_value(&meta)?.value),
        }
        Ok(())
    })?;
    if exclusion.name.is_none() {
        cx.error(exclusion.span, "`exclude(...)` needs a `name`: exclude(name = \"no_overlap\", using = \"gist\", elements = \"room WITH =, during WITH &&\")");
    }
    if !exclusion
        .elements
        .as_ref()
        .is_some_and(|e| !e.value.trim().is_empty())
    {
        cx.error(
            exclusion.span,
            "`exclude(...)` needs its `elements`: elements = \"room WITH =, during WITH &&\"",
        );
    }
    Ok(exclusion)
}

/// `"fillfactor = 70, toast.autovacuum_enabled = false"` → `["fillfactor=70",
/// "toast.autovacuum_enabled=false"]`, as `pg_class.reloptions` keeps them.
fn storage_parameters(value: &Spanned<String>, cx: &mut Ctxt) -> Vec<String> {
    let mut out = Vec::new();
    for part in value.value.split(',') {
        let Some((name, setting)) = part.split_once('=') else {
            cx.error(
                value.span,
                format!(
                    "storage parameter `{}` has no value: write `name=value`, as `fillfactor=70`",
                    part.trim()
                ),
            );
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let setting = setting.trim().trim_matches('\'');
        let plain = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        };
        if !plain(&name) || !plain(setting) {
            cx.error(
                value.span,
                format!(
                    "malformed storage parameter `{}`: write `name=value`, as `fillfactor=70`",
                    part.trim()
                ),
            );
            continue;
        }
        out.push(format!("{name}={setting}"));
    }
    out
}

fn identity(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<IdentityAttr> {
    // SQLAlchemy's `Identity()` defaults to BY DEFAULT; `identity(always)` asks for ALWAYS.
    let mut identity = IdentityAttr {
        span: meta.path.span(),
        always: false,
        start: None,
        increment: None,
        min_value: None,
        max_value: None,
        cache: None,
        cycle: false,
    };
    if !meta.input.peek(syn::token::Paren) {
        return Ok(identity);
    }
    let mut kind: Option<(&str, Span)> = None;
    meta.parse_nested_meta(|meta| {
        let Some(key) = known_key(&meta, IDENTITY_KEYS, "identity(...)", cx)? else { return Ok(()) };
        match key.as_str() {
            "always" | "by_default" => {
                let span = flag(&meta)?;
                if let Some((previous, _)) = kind {
                    cx.error(span, format!("`identity` is already `{previous}`; choose one of `always` and `by_default`"));
                }
                kind = Some((if key == "always" { "always" } else { "by_default" }, span));
                identity.always = key == "always";
            }
            "start" => identity.start = Some(meta.value()?.parse::<LitInt>()?.base10_parse()?),
            "minvalue" => identity.min_value = Some(meta.value()?.parse::<LitInt>()?.base10_parse()?),
            "maxvalue" => identity.max_value = Some(meta.value()?.parse::<LitInt>()?.base10_parse()?),
            "cycle" => {
                flag(&meta)?;
                identity.cycle = true;
            }
            "cache" => {
                let cache: LitInt = meta.value()?.parse()?;
                let value: i64 = cache.base10_parse()?;
                if value < 1 {
                    cx.error(cache.span(), "`cache` must be at least 1");
                }
                identity.cache = Some(value);
            }
            _ => {
                let increment: LitInt = meta.value()?.parse()?;
                let value: i64 = increment.base10_parse()?;
                if value == 0 {
                    cx.error(increment.span(), "`increment` cannot be zero");
                }
                identity.increment = Some(value);
            }
        }
        Ok(())
    })?;
    Ok(identity)
}

fn foreign_key(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Option<ForeignKeyAttr>> {
    let lit: LitStr = meta.value()?.parse()?;
    let text = lit.value();
    let parts = quoted_parts(&text, '.');
    let well_formed = parts.as_ref().is_some_and(|parts| {
        (2..=3).contains(&parts.len())
            && parts
                .iter()
                .all(|(raw, value)| !value.is_empty() && raw.trim() == *raw)
    });
    let (Some(parts), true) = (parts, well_formed) else {
        cx.error(
            lit.span(),
            format!("malformed foreign key `{text}`: expected `table.column` or `schema.table.column` (a part holding a dot in double quotes: `\"a.b\".id`)\nhelp: foreign_key = \"customers.customer_id\""),
        );
        return Ok(None);
    };
    let (column, table) = parts.split_last().expect("two or three parts");
    let table = table
        .iter()
        .map(|(raw, _)| raw.as_str())
        .collect::<Vec<_>>()
        .join(".");
    Ok(Some(ForeignKeyAttr {
        table,
        column: column.1.clone(),
    }))
}

/// `table(column, ...)` → the table as written (for `TableName::parse`) and the column names;
/// names in double quotes may hold dots, commas and parentheses.
fn split_references(text: &str) -> Option<(String, Vec<String>)> {
    // The opening parenthesis: the first one outside double quotes.
    let mut quoted = false;
    let open = text.char_indices().find_map(|(i, c)| {
        if c == '"' {
            quoted = !quoted;
        }
        (c == '(' && !quoted).then_some(i)
    })?;
    let table = text[..open].trim().to_string();
    let inside = text[open + 1..].trim_end().strip_suffix(')')?;
    let columns: Vec<String> = quoted_parts(inside, ',')?
        .into_iter()
        .map(|(raw, value)| {
            if raw.trim_start().starts_with('"') {
                value
            } else {
                value.trim().to_string()
            }
        })
        .collect();
    let table_ok =
        quoted_parts(&table, '.').is_some_and(|parts| parts.iter().all(|(_, v)| !v.is_empty()));
    (table_ok && !table.is_empty() && columns.iter().all(|c| !c.is_empty()))
        .then_some((table, columns))
}

fn action(
    meta: &ParseNestedMeta,
    key: &str,
    cx: &mut Ctxt,
) -> syn::Result<Option<Spanned<Action>>> {
    let value = meta.value()?;
    let (text, span) = if value.peek(LitStr) {
        let lit: LitStr = value.parse()?;
        (lit.value(), lit.span())
    } else {
        let ident: Ident = value.parse()?;
        (ident.to_string(), ident.span())
    };
    let normal = text.trim().to_ascii_lowercase().replace(['_', '-'], " ");
    let action = match normal
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .as_str()
    {
        "cascade" => Action::Cascade,
        "restrict" => Action::Restrict,
        "set null" => Action::SetNull,
        "set default" => Action::SetDefault,
        "no action" => Action::NoAction,
        _ => {
            cx.error(
                span,
                format!("unknown {key} action `{text}`; expected one of: \"cascade\", \"restrict\", \"set null\", \"set default\", \"no action\""),
            );
            return Ok(None);
        }
    };
    Ok(Some(Spanned::new(action, span)))
}

fn cascade(lit: &LitStr, cx: &mut Ctxt) -> u8 {
    let text = lit.value();
    let mut bits = 0;
    let mut any = false;
    for token in text.split(',').map(str::trim) {
        if token.is_empty() && text.trim().is_empty() {
            break;
        }
        any = true;
        match CASCADE_TOKENS.iter().find(|(name, _)| *name == token) {
            Some((_, b)) => bits |= b,
            None => {
                let valid: Vec<&str> = CASCADE_TOKENS.iter().map(|(n, _)| *n).collect();
                let hint = suggestion(token, &valid)
                    .map(|s| format!("\nhelp: did you mean `{s}`?"))
                    .unwrap_or_default();
                cx.error(lit.span(), format!("unknown cascade rule `{token}`; expected a comma-separated list of: {}{hint}", valid.join(", ")));
            }
        }
    }
    if any {
        bits
    } else {
        0
    }
}

/// The key of `meta` if it is one of `keys`; otherwise records an error, skips the value, and
/// returns `None`.
fn known_key(
    meta: &ParseNestedMeta,
    keys: &[&str],
    place: &str,
    cx: &mut Ctxt,
) -> syn::Result<Option<String>> {
    let key = meta
        .path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_default();
    if keys.contains(&key.as_str()) {
        return Ok(Some(key));
    }
    unknown(meta, keys, place, cx);
    skip_value(meta)?;
    Ok(None)
}

fn unknown(meta: &ParseNestedMeta, keys: &[&str], place: &str, cx: &mut Ctxt) {
    let key = meta
        .path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_else(|| "?".into());
    let hint = match (key.as_str(), suggestion(&key, keys)) {
        ("backref", _) => "\nhelp: `backref` is not supported: declare the relationship on both models and link them with `back_populates`".to_string(),
        ("server_default", _) => "\nhelp: write the server default as `default = \"...\"`".to_string(),
        (_, Some(s)) => format!("\nhelp: did you mean `{s}`?"),
        (_, None) => String::new(),
    };
    cx.error(
        meta.path.span(),
        format!(
            "unknown {place} attribute `{key}`; expected one of: {}{hint}",
            keys.join(", ")
        ),
    );
}

/// The closest valid key, if one is close enough to be a likely typo.
pub fn suggestion<'a>(key: &str, keys: &[&'a str]) -> Option<&'a str> {
    keys.iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Skips `= value` or `(...)` after a key that was already reported.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        meta.input.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

/// A key that takes no value; returns its span.
fn flag(meta: &ParseNestedMeta) -> syn::Result<Span> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        let key = meta
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        return Err(meta.error(format!(
            "`{key}` is a flag and takes no value: write `#[model({key})]`"
        )));
    }
    Ok(meta.path.span())
}

/// A name in a string literal: 1 to 63 bytes, as PostgreSQL keeps names.
fn identifier_value(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Spanned<String>> {
    let value = string_value(meta)?;
    if value.value.is_empty() || value.value.len() > 63 {
        cx.error(
            value.span,
            format!(
                "`renamed_from` takes the previous name, 1 to 63 bytes long; `{}` is {} bytes",
                value.value,
                value.value.len()
            ),
        );
    }
    Ok(value)
}

fn string_value(meta: &ParseNestedMeta) -> syn::Result<Spanned<String>> {
    let value = meta.value()?;
    let lit: LitStr = value.parse().map_err(|e| {
        let key = meta
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        syn::Error::new(
            e.span(),
            format!("`{key}` takes a string literal: `{key} = \"...\"`"),
        )
    })?;
    Ok(Spanned::new(lit.value(), lit.span()))
}

/// Remembers which keys were given, to refuse a key given twice.
#[derive(Default)]
struct Seen(BTreeSet<String>);

impl Seen {
    fn first(&mut self, key: &str, meta: &ParseNestedMeta, cx: &mut Ctxt) -> bool {
        if self.0.insert(key.to_string()) {
            return true;
        }
        cx.error(
            meta.path.span(),
            format!("duplicate attribute `{key}`: give it once"),
        );
        false
    }
}

fn model_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("model"))
}

/// `OrderProduct` → `order_product`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let after_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let before_lower = i > 0
                && chars.get(i + 1).is_some_and(|n| n.is_lowercase())
                && chars[i - 1].is_uppercase();
            if after_lower || before_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("OrderProduct"), "order_product");
        assert_eq!(snake_case("Customer"), "customer");
        assert_eq!(snake_case("HTTPLog"), "http_log");
        assert_eq!(snake_case("Table2Name"), "table2_name");
    }

    #[test]
    fn references_may_quote_names_with_dots_commas_and_parentheses() {
        let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(
            split_references("orders(id, region)"),
            Some(("orders".into(), s(&["id", "region"])))
        );
        assert_eq!(
            split_references(r#""a.b"("x,y", " z)")"#),
            Some((r#""a.b""#.into(), s(&["x,y", " z)"])))
        );
        assert_eq!(
            split_references(r#"s."t("(id)"#),
            Some((r#"s."t(""#.into(), s(&["id"])))
        );
        assert_eq!(split_references("orders()"), None);
        assert_eq!(split_references("(id)"), None);
        assert_eq!(split_references(r#"orders("id)"#), None);
    }

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(suggestion("primary_kye", FIELD_KEYS), Some("primary_key"));
        assert_eq!(suggestion("bogus", FIELD_KEYS), None);
    }
}
