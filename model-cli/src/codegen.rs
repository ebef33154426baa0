//! `model-cli codegen`: Rust models from a database, as Diesel's `print-schema`, SeaORM's
//! `generate entity` or sqlacodegen do: a `#[derive(Model)]` struct per table with every
//! column, key, constraint, index, default, identity and comment the derive can say, a
//! `#[derive(Enum)]` per enum type, relationships inferred from the foreign keys (both
//! directions with `back_populates`; association tables as `secondary`), and `models()`, which
//! gathers them with the views, functions, triggers and extensions. What the derive cannot say
//! is a `// not expressible:` comment naming the object, never dropped silently.
//!
//! The output is deterministic (tables, columns and constraints in catalog order, names
//! sorted where the catalog has no order) and laid out as rustfmt lays it out.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use model_core::schema::{
    attribute_part, make_object_name, EnumType, FkAction, IdentityKind, IndexExpr, Schema, Table,
    TableName,
};
use model_core::sql::{qualified, quote_ident};

/// Rust keywords a field or type may not be named (raw identifiers are not used: the
/// derive reads field names as column names).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "union",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield", "abstract", "become",
];

/// Type names the generated file must not declare: the prelude's types and traits (a struct
/// named `Option` would shadow the `Option<…>` of every nullable field) and the names it
/// imports. A table or enum so named gets a suffix (`OptionTable`, `EnumType`).
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "AsRef",
    "AsMut",
    "Into",
    "From",
    "TryFrom",
    "TryInto",
    "Default",
    "Iterator",
    "IntoIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Extend",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Debug",
    "Hash",
    "FromIterator",
    "Model",
    "ModelSet",
    "ModelSetError",
    "Enum",
];

/// A valid Rust identifier for `name` in snake case (`None` when it is already one).
fn field_ident(name: &str) -> (String, bool) {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if out == "_" {
        // `_` alone is not an identifier.
        out = "underscore".into();
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    let same = out == name;
    (out, same)
}

/// Column name → its field's identifier and whether that is the column's own name.
type Fields = BTreeMap<String, (String, bool)>;

/// Each column's field: its identifier and whether it is the column's own name. Two columns
/// with one identifier (`Name` and `name`, `self` and `Self`) get distinct fields, the column
/// already spelt as its identifier keeping it.
fn column_fields(table: &Table) -> Fields {
    let idents: Vec<(String, bool)> = table.columns.iter().map(|c| field_ident(&c.name)).collect();
    let mut taken: BTreeSet<String> = idents
        .iter()
        .filter(|(_, same)| *same)
        .map(|(ident, _)| ident.clone())
        .collect();
    let mut out = BTreeMap::new();
    for (column, (ident, same)) in table.columns.iter().zip(idents) {
        let field = if same {
            ident
        } else {
            let mut field = ident.clone();
            let mut n = 2;
            let separator = if ident.ends_with('_') { "" } else { "_" };
            while !taken.insert(field.clone()) {
                field = format!("{ident}{separator}{n}");
                n += 1;
            }
            field
        };
        let same = field == column.name;
        out.insert(column.name.clone(), (field, same));
    }
    out
}

/// `order_products` → `OrderProduct` (a plural `s` dropped, as the seed names its models).
fn type_ident(name: &str, singular: bool) -> String {
    let mut words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if singular {
        if let Some(last) = words.last_mut() {
            if last.ends_with("ies") && last.len() > 4 {
                last.truncate(last.len() - 3);
                last.push('y');
            } else if last.ends_with('s') && !last.ends_with("ss") && last.len() > 3 {
                last.pop();
            }
        }
    }
    let mut out: String = words
        .iter()
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    // Words of one letter each (`s.x` → `SX`) would read as an acronym: `Sx`.
    if out.len() > 1 && !out.chars().any(|c| c.is_ascii_lowercase()) {
        let mut chars = out.chars();
        let first = chars.next().unwrap_or('T');
        out = std::iter::once(first)
            .chain(chars.map(|c| c.to_ascii_lowercase()))
            .collect();
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// A type name that shadows nothing the file uses: `suffix` added to a reserved one.
fn declared_type(name: String, suffix: &str) -> String {
    if RESERVED_TYPES.contains(&name.as_str()) {
        name + suffix
    } else {
        name
    }
}

/// A Rust string literal.
fn lit(text: &str) -> String {
    format!("{text:?}")
}

/// `schema.name` unless the schema is `public`, a part in double quotes when it holds a dot
/// (as `TableName::parse` reads it back).
fn table_ref(name: &TableName) -> String {
    name.to_attribute()
}

/// The Rust type for a column type (without `Option`), and whether the derive needs the SQL
/// type spelled out (`sql_type`), and whether its type check must be skipped.
fn rust_type(ty: &str, enums: &BTreeMap<String, String>) -> (String, Option<String>, bool) {
    if let Some(rust) = enums.get(ty) {
        return (rust.clone(), None, false);
    }
    if let Some(element) = ty.strip_suffix("[]") {
        let (inner, sql, unchecked) = rust_type(element, enums);
        if enums.contains_key(element) {
            // An enum's own type is known to the derive; an array of it is spelt out.
            return (format!("Vec<{inner}>"), Some(ty.to_string()), false);
        }
        if sql.is_none() && !unchecked {
            return (format!("Vec<{inner}>"), None, false);
        }
        return (format!("Vec<{inner}>"), Some(ty.to_string()), unchecked);
    }
    let plain = |t: &str| (t.to_string(), None, false);
    let spelled = |t: &str| (t.to_string(), Some(ty.to_string()), false);
    match ty {
        "smallint" => plain("i16"),
        "integer" => plain("i32"),
        "bigint" => plain("i64"),
        "real" => plain("f32"),
        "double precision" => plain("f64"),
        "boolean" => plain("bool"),
        "character varying" => plain("String"),
        "bytea" => plain("Vec<u8>"),
        "inet" => plain("std::net::IpAddr"),
        "date" => plain("chrono::NaiveDate"),
        "time without time zone" => plain("chrono::NaiveTime"),
        "timestamp without time zone" => plain("chrono::NaiveDateTime"),
        "timestamp with time zone" => plain("chrono::DateTime<chrono::Utc>"),
        "uuid" => plain("uuid::Uuid"),
        "jsonb" => plain("serde_json::Value"),
        "json" => spelled("serde_json::Value"),
        "numeric" => plain("rust_decimal::Decimal"),
        "text" | "name" | "citext" => spelled("String"),
        t if t.starts_with("character varying(")
            || t.starts_with("character(")
            || t == "character" =>
        {
            spelled("String")
        }
        t if t.starts_with("numeric(") => spelled("rust_decimal::Decimal"),
        t if t.starts_with("timestamp(") && t.ends_with("with time zone") => {
            spelled("chrono::DateTime<chrono::Utc>")
        }
        t if t.starts_with("timestamp(") => spelled("chrono::NaiveDateTime"),
        t if t.starts_with("time(") => spelled("chrono::NaiveTime"),
        // Anything else (interval, tsvector, ranges, domains, composite types, …): a String
        // the derive does not check against the SQL type.
        _ => ("String".to_string(), Some(ty.to_string()), true),
    }
}

struct Relationship {
    field: String,
    rust_type: String,
    attrs: Vec<String>,
}

/// The source for `schema`.
pub fn generate(schema: &Schema) -> String {
    let mut out = String::new();
    out.push_str(
        "//! Models generated by `model-cli codegen` from a database; edit them freely.\n//!\n//! Needs model-core's features for the column types used here (`chrono`, `uuid`, `json`,\n//! `decimal`) and, for the crates those name, the crates themselves.\n\n",
    );
    if schema.enums.is_empty() {
        out.push_str("use model_core::{Model, ModelSet, ModelSetError};\n");
    } else {
        out.push_str("use model_core::{Enum, Model, ModelSet, ModelSetError};\n");
    }

    // Type names: unique, tables first.
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut unique_name = |base: String| {
        let mut name = base.clone();
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    };
    let structs: BTreeMap<&TableName, String> = schema
        .tables
        .iter()
        .map(|t| {
            let base = if t.name.schema == "public" {
                type_ident(&t.name.name, true)
            } else {
                type_ident(&format!("{}_{}", t.name.schema, t.name.name), true)
            };
            (&t.name, unique_name(declared_type(base, "Table")))
        })
        .collect();
    let enum_types: BTreeMap<&TableName, String> = schema
        .enums
        .iter()
        .map(|e| {
            let base = declared_type(type_ident(&e.name.name, false), "Type");
            (&e.name, unique_name(base))
        })
        .collect();
    // Column types as the catalog spells an enum: `name` in `public`, `schema.name` elsewhere.
    let mut enum_by_sql: BTreeMap<String, String> = BTreeMap::new();
    for (name, rust) in &enum_types {
        enum_by_sql.insert(name.name.clone(), rust.clone());
        enum_by_sql.insert(format!("{}.{}", name.schema, name.name), rust.clone());
        enum_by_sql.insert(
            format!("\"{}\".\"{}\"", name.schema, name.name),
            rust.clone(),
        );
        enum_by_sql.insert(quote_ident(&name.name), rust.clone());
        enum_by_sql.insert(qualified(&name.schema, &name.name), rust.clone());
    }

    let fields: BTreeMap<&TableName, Fields> = schema
        .tables
        .iter()
        .map(|t| (&t.name, column_fields(t)))
        .collect();
    let relationships = relationships(schema, &structs, &fields);

    for table in &schema.tables {
        out.push('\n');
        out.push_str(&model(
            table,
            &structs[&table.name],
            &fields[&table.name],
            &enum_by_sql,
            relationships
                .get(&table.name)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        ));
    }
    for e in &schema.enums {
        out.push('\n');
        out.push_str(&enum_type(e, &enum_types[&e.name]));
    }

    // models(): every model and enum, then what is written in SQL.
    out.push_str("\n/// Every model and enum above, with the database's extensions, sequences, functions, views,\n/// triggers, row-level security, privileges, policies and statistics objects.\npub fn models() -> Result<ModelSet, ModelSetError> {\n");
    let models: Vec<&str> = schema
        .tables
        .iter()
        .map(|t| structs[&t.name].as_str())
        .collect();
    let enums: Vec<&str> = schema
        .enums
        .iter()
        .map(|e| enum_types[&e.name].as_str())
        .collect();
    // One name a line, as rustfmt lays out a long list (it leaves the `;` form alone).
    let lines = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("        {n}"))
            .collect::<Vec<_>>()
            .join(",\n")
    };
    if models.is_empty() {
        out.push_str("    let set = ModelSet::new([])?;\n");
    } else if enums.is_empty() {
        let _ = writeln!(
            out,
            "    let set = model_core::models![\n{},\n    ]?;",
            lines(&models)
        );
    } else {
        let _ = writeln!(
            out,
            "    let set = model_core::models![\n{};\n{}\n    ]?;",
            lines(&models),
            lines(&enums)
        );
    }
    let chain = declarations(schema);
    for line in chain {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("    Ok(set)\n}\n");
    out
}

/// The `models()` chain after the models and enums: what the database declares in SQL
/// (extensions, functions, views, triggers, sequences, row-level security, grants, policies,
/// statistics objects), then comments naming what cannot be said here.
fn declarations(schema: &Schema) -> Vec<String> {
    let mut chain = Vec::new();
    for e in &schema.extensions {
        chain.push(format!(
            "    let set = set.with_extension_in({}, {}, Some({}));",
            lit(&e.name),
            lit(&e.schema),
            lit(&e.version)
        ));
    }
    for f in &schema.functions {
        chain.push(format!(
            "    let set = set.with_function({})?;",
            lit(&f.definition)
        ));
    }
    for v in &schema.views {
        let (method, name) = if v.materialized {
            ("with_materialized_view", table_ref(&v.name))
        } else {
            ("with_view", table_ref(&v.name))
        };
        chain.push(format!(
            "    let set = set.{method}({}, {});",
            lit(&name),
            lit(&v.definition)
        ));
        if !v.indexes.is_empty() || !v.options.is_empty() {
            chain.push(format!(
                "    // not expressible: the indexes and options of view {} (declare them with with_view_index / with_view_options)",
                comment(&v.name.to_string())
            ));
        }
    }
    for t in &schema.triggers {
        chain.push(format!(
            "    let set = set.with_trigger({})?;",
            lit(&t.definition)
        ));
    }
    chain.extend(sequence_declarations(schema));
    chain.extend(table_declarations(schema));
    for p in &schema.policies {
        let roles: Vec<String> = p
            .roles
            .iter()
            .map(|r| format!("{}.into()", lit(r)))
            .collect();
        let optional = |v: &Option<String>| match v {
            Some(text) => format!("Some({}.into())", lit(text)),
            None => "None".into(),
        };
        chain.push(format!(
            "    let set = set.with_policy(model_core::schema::Policy {{ permissive: {}, command: {}.into(), roles: vec![{}], using: {}, with_check: {}, ..model_core::schema::Policy::new({}, {}) }})?;",
            p.permissive,
            lit(&p.command),
            roles.join(", "),
            optional(&p.using),
            optional(&p.with_check),
            lit(&p.name),
            lit(&table_ref(&p.table))
        ));
    }
    for x in &schema.statistics {
        let kinds: Vec<String> = x
            .kinds
            .iter()
            .map(|k| format!("{}.into()", lit(k)))
            .collect();
        chain.push(format!(
            "    let set = set.with_statistics(model_core::schema::Statistics {{ name: model_core::schema::TableName::new({}, {}), kinds: vec![{}], target: {:?}, comment: {}, ..model_core::schema::Statistics::new(\"\", {}, {}) }})?;",
            lit(&x.name.schema),
            lit(&x.name.name),
            kinds.join(", "),
            x.target,
            match &x.comment {
                Some(text) => format!("Some({}.into())", lit(text)),
                None => "None".into(),
            },
            lit(&table_ref(&x.table)),
            lit(&x.on)
        ));
    }
    for o in schema.types.iter().chain(&schema.others) {
        chain.push(format!(
            "    // not expressible here: {} {} (declare it with with_type, or write it in a revision)",
            o.kind,
            comment(&o.name)
        ));
    }
    for u in &schema.unmodelled {
        chain.push(format!(
            "    // not modelled at all: {}",
            comment(&u.to_string())
        ));
    }
    chain
}

/// `with_sequence(...)` for each standalone sequence, with its grants.
fn sequence_declarations(schema: &Schema) -> Vec<String> {
    let mut chain = Vec::new();
    for s in &schema.sequences {
        let mut fields = Vec::new();
        if s.data_type.as_str() != "bigint" {
            fields.push(format!(
                "data_type: model_core::schema::SqlType::new({}),",
                lit(s.data_type.as_str())
            ));
        }
        for (name, value, default) in [
            ("start", s.start, 1),
            ("increment", s.increment, 1),
            ("min_value", s.min_value, 1),
            ("max_value", s.max_value, i64::MAX),
            ("cache", s.cache, 1),
        ] {
            if value != default {
                fields.push(format!("{name}: {value},"));
            }
        }
        if s.cycle {
            fields.push("cycle: true,".into());
        }
        let base = format!(
            "model_core::schema::Sequence::new({})",
            lit(&table_ref(&s.name))
        );
        let sequence = if fields.is_empty() {
            base
        } else {
            format!(
                "model_core::schema::Sequence {{ {} ..{base} }}",
                fields.join(" ")
            )
        };
        let sequence = match &s.owned_by {
            Some(owner) => format!(
                "{sequence}.owned_by({}, {})",
                lit(&table_ref(&owner.table)),
                lit(&owner.column)
            ),
            None => sequence,
        };
        chain.push(format!("    let set = set.with_sequence({sequence});"));
        if !s.grants.is_empty() {
            chain.push(format!(
                "    // not expressible: privileges on sequence {}",
                comment(&s.name.to_string())
            ));
        }
    }
    chain
}

/// Row-level security and grants on tables and columns.
fn table_declarations(schema: &Schema) -> Vec<String> {
    let mut chain = Vec::new();
    for table in &schema.tables {
        let name = lit(&table_ref(&table.name));
        if table.row_level_security {
            chain.push(format!(
                "    let set = set.with_row_level_security({name}, {})?;",
                table.force_row_level_security
            ));
        }
        for grant in &table.grants {
            if grant
                .privileges
                .iter()
                .any(|p| p.starts_with('-') || p.ends_with('*'))
            {
                chain.push(format!(
                    "    // not expressible: privileges of {} on {} ({}): revoked from the owner or with grant option",
                    comment(&grant.grantee),
                    comment(&table.name.to_string()),
                    comment(&grant.privileges.join(", "))
                ));
                continue;
            }
            let privileges: Vec<String> = grant.privileges.iter().map(|p| lit(p)).collect();
            chain.push(format!(
                "    let set = set.with_grant({name}, {}, &[{}])?;",
                lit(&grant.grantee),
                privileges.join(", ")
            ));
        }
        for column in &table.columns {
            for grant in &column.grants {
                if grant
                    .privileges
                    .iter()
                    .any(|p| p.starts_with('-') || p.ends_with('*'))
                {
                    chain.push(format!(
                        "    // not expressible: privileges of {} on column {}.{}",
                        comment(&grant.grantee),
                        comment(&table.name.to_string()),
                        comment(&column.name)
                    ));
                    continue;
                }
                let privileges: Vec<String> = grant.privileges.iter().map(|p| lit(p)).collect();
                chain.push(format!(
                    "    let set = set.with_column_grant({name}, {}, {}, &[{}])?;",
                    lit(&column.name),
                    lit(&grant.grantee),
                    privileges.join(", ")
                ));
            }
        }
    }
    chain
}

/// `source` as rustfmt lays it out, when rustfmt is installed (it comes with rustup's
/// default profile); as written otherwise, with a warning.
pub fn formatted(source: String) -> String {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        crate::console::warning("codegen", "rustfmt not found: the output is not formatted");
        return source;
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(source.as_bytes());
    }
    match child.wait_with_output() {
        Ok(output) if output.status.success() => String::from_utf8(output.stdout).unwrap_or(source),
        Ok(output) => {
            crate::console::warning(
                "codegen",
                format!(
                    "rustfmt refused the output (left as written): {}",
                    String::from_utf8_lossy(&output.stderr)
                        .lines()
                        .next()
                        .unwrap_or("")
                ),
            );
            source
        }
        Err(_) => source,
    }
}

/// Text safe inside a `//` comment.
fn comment(text: &str) -> String {
    model_core::sql::display(text)
}

/// The relationship fields of each table: a many-to-one for each foreign key of one column
/// (or of several), its one-to-many on the referenced side, and for an association table a
/// many-to-many on both sides through it.
fn relationships<'a>(
    schema: &'a Schema,
    structs: &BTreeMap<&'a TableName, String>,
    fields: &BTreeMap<&'a TableName, Fields>,
) -> BTreeMap<TableName, Vec<Relationship>> {
    let mut out: BTreeMap<TableName, Vec<Relationship>> = BTreeMap::new();
    let mut taken: BTreeMap<TableName, BTreeSet<String>> = schema
        .tables
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                fields[&t.name].values().map(|(f, _)| f.clone()).collect(),
            )
        })
        .collect();
    let mut claim = |table: &TableName, base: String| -> String {
        let set = taken.entry(table.clone()).or_default();
        let mut name = base.clone();
        let mut n = 2;
        while !set.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    };
    let exists = |t: &TableName| structs.contains_key(t);
    for table in &schema.tables {
        if table.is_association() {
            let [a, b] = [&table.foreign_keys[0], &table.foreign_keys[1]];
            if !exists(&a.references) || !exists(&b.references) {
                continue;
            }
            let a_field = claim(&a.references, field_ident(&b.references.name).0);
            let b_field = claim(&b.references, field_ident(&a.references.name).0);
            let secondary = &structs[&table.name];
            out.entry(a.references.clone())
                .or_default()
                .push(Relationship {
                    field: a_field.clone(),
                    rust_type: format!("Vec<{}>", structs[&b.references]),
                    attrs: vec![
                        format!("secondary = {secondary}"),
                        format!("back_populates = {b_field}"),
                    ],
                });
            out.entry(b.references.clone())
                .or_default()
                .push(Relationship {
                    field: b_field,
                    rust_type: format!("Vec<{}>", structs[&a.references]),
                    attrs: vec![
                        format!("secondary = {secondary}"),
                        format!("back_populates = {a_field}"),
                    ],
                });
            continue;
        }
        // Two keys to one table: each relationship names its key's columns.
        let mut to_count: BTreeMap<&TableName, usize> = BTreeMap::new();
        for key in &table.foreign_keys {
            *to_count.entry(&key.references).or_default() += 1;
        }
        for key in &table.foreign_keys {
            if key.references == table.name || !exists(&key.references) {
                continue;
            }
            let several = to_count[&key.references] > 1;
            let one_base = if several || key.columns.len() > 1 {
                let joined = key.columns.join("_");
                field_ident(joined.strip_suffix("_id").unwrap_or(&joined)).0 + "_ref"
            } else {
                let column = &key.columns[0];
                let stem = column
                    .strip_suffix("_id")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .unwrap_or_else(|| key.references.name.clone());
                field_ident(&stem).0
            };
            let one = claim(&table.name, one_base);
            let many_base = if several {
                format!(
                    "{}_by_{}",
                    field_ident(&table.name.name).0,
                    field_ident(&key.columns.join("_")).0
                )
            } else {
                field_ident(&table.name.name).0
            };
            let many = claim(&key.references, many_base);
            let by_key = if several {
                let field = |c: &String| fields[&table.name][c].0.clone();
                let columns = if key.columns.len() == 1 {
                    field(&key.columns[0])
                } else {
                    format!(
                        "[{}]",
                        key.columns.iter().map(field).collect::<Vec<_>>().join(", ")
                    )
                };
                Some(format!("foreign_key = {columns}"))
            } else {
                None
            };
            let mut one_attrs = vec![format!("back_populates = {many}")];
            one_attrs.extend(by_key.clone());
            out.entry(table.name.clone())
                .or_default()
                .push(Relationship {
                    field: one.clone(),
                    rust_type: format!("Option<Box<{}>>", structs[&key.references]),
                    attrs: one_attrs,
                });
            let mut many_attrs = vec![format!("back_populates = {one}")];
            many_attrs.extend(by_key);
            out.entry(key.references.clone())
                .or_default()
                .push(Relationship {
                    field: many,
                    rust_type: format!("Vec<{}>", structs[&table.name]),
                    attrs: many_attrs,
                });
        }
    }
    out
}

/// One `#[derive(Model)]` struct.
fn model(
    table: &Table,
    name: &str,
    fields: &Fields,
    enums: &BTreeMap<String, String>,
    relationships: &[Relationship],
) -> String {
    let t = &table.name.name;
    let mut out = String::new();
    let mut struct_attrs = vec![format!("table = {}", lit(t))];
    if table.name.schema != "public" {
        struct_attrs.push(format!("schema = {}", lit(&table.name.schema)));
    }
    if let Some(c) = &table.comment {
        struct_attrs.push(format!("comment = {}", lit(c)));
    }
    let mut notes: Vec<String> = Vec::new();
    // The primary key: on the field when it is one column with PostgreSQL's name.
    let pk_on_field = primary_key(table, fields, &mut struct_attrs);
    let fk_on_field = foreign_keys(table, fields, &mut struct_attrs, &mut notes);
    for column in table.columns.iter().filter(|c| !c.nullable) {
        if column.not_null.not_valid || column.not_null.no_inherit {
            notes.push(format!(
                "the NOT NULL of column {} is {}",
                column.name,
                match (column.not_null.not_valid, column.not_null.no_inherit) {
                    (true, true) => "NOT VALID and NO INHERIT",
                    (true, false) => "NOT VALID",
                    _ => "NO INHERIT",
                }
            ));
        }
    }
    let unique_on_field = uniques_and_checks(table, fields, &mut struct_attrs);
    struct_attrs.extend(index_attrs(table, fields));
    for e in &table.exclusions {
        notes.push(format!(
            "exclusion constraint {} (declare it with exclude(…))",
            e.name
        ));
    }
    if !table.options.is_empty() {
        struct_attrs.push(format!("storage = {}", lit(&table.options.join(", "))));
    }
    if table.unlogged {
        struct_attrs.push("unlogged".into());
    }
    if let Some(p) = &table.partition_by {
        struct_attrs.push(format!("partition_by = {}", lit(p)));
    }
    if table.partition_of.is_some() {
        notes.push("this table is a partition (declare it with ModelSet::with_partition)".into());
    }
    if !table.inherits.is_empty() {
        notes.push("table inheritance".into());
    }

    let _ = writeln!(out, "#[derive(Model)]");
    // Clippy reads a column named in two lists of the attribute (two indexes on one column)
    // as a duplicated attribute; it is not one.
    let mut seen = BTreeSet::new();
    let repeated = struct_attrs
        .iter()
        .filter_map(|a| a.split_once('(').map(|(_, inner)| inner.to_string()))
        .flat_map(|inner| {
            // The leading column names of `index(a, b, name = …)` and the like.
            inner
                .split(", ")
                .take_while(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .any(|column| !seen.insert(column));
    if repeated {
        let _ = writeln!(out, "#[allow(clippy::duplicated_attributes)]");
    }
    let _ = writeln!(out, "#[model({})]", struct_attrs.join(", "));
    for note in &notes {
        let _ = writeln!(
            out,
            "// not expressible: {} on {}",
            comment(note),
            comment(&table.name.to_string())
        );
    }
    let _ = writeln!(out, "pub struct {name} {{");
    for column in &table.columns {
        let (field, same) = fields[&column.name].clone();
        let ty = column.ty.to_string();
        let (rust, sql_type, unchecked) = rust_type(&ty, enums);
        let mut attrs: Vec<String> = Vec::new();
        if pk_on_field == Some(column.name.as_str()) {
            attrs.push("primary_key".into());
        }
        if !same {
            attrs.push(format!("name = {}", lit(&column.name)));
        }
        if let Some(sql) = &sql_type {
            attrs.push(format!("sql_type = {}", lit(sql)));
            if unchecked {
                attrs.push("unchecked_type".into());
            }
        }
        attrs.extend(value_attrs(column));
        if unique_on_field.contains(column.name.as_str()) {
            attrs.push("unique".into());
        }
        if let Some(fk) = fk_on_field.get(column.name.as_str()) {
            attrs.extend(fk.iter().cloned());
        }
        if let Some(c) = &column.comment {
            attrs.push(format!("comment = {}", lit(c)));
        }
        let in_key = table
            .primary_key
            .as_ref()
            .is_some_and(|k| k.columns.contains(&column.name));
        let rust = if column.nullable && !in_key {
            format!("Option<{rust}>")
        } else {
            if column.nullable {
                attrs.push("nullable".into());
            }
            rust
        };
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[model({})]", attrs.join(", "));
        }
        let _ = writeln!(out, "    pub {field}: {rust},");
    }
    for r in relationships {
        let _ = writeln!(out, "    #[model(relationship({}))]", r.attrs.join(", "));
        let _ = writeln!(out, "    pub {}: {},", r.field, r.rust_type);
    }
    out.push_str("}\n");
    out
}

/// The struct's `primary_key(...)` attribute, or the one column whose field says it.
fn primary_key<'t>(
    table: &'t Table,
    fields: &Fields,
    struct_attrs: &mut Vec<String>,
) -> Option<&'t str> {
    let t = &table.name.name;
    let list = |columns: &[String]| field_list(fields, columns);
    let mut pk_on_field: Option<&str> = None;
    if let Some(pk) = &table.primary_key {
        let default = make_object_name(t, None, Some("pkey"));
        if pk.columns.len() == 1 && pk.name == default && !pk.timing.deferrable {
            pk_on_field = Some(&pk.columns[0]);
        } else {
            let mut parts = vec![list(&pk.columns)];
            if pk.name != default {
                parts.push(format!("name = {}", lit(&pk.name)));
            }
            push_flags(
                &mut parts,
                &[
                    (pk.without_overlaps, "without_overlaps"),
                    (pk.timing.deferrable, "deferrable"),
                    (pk.timing.initially_deferred, "initially_deferred"),
                ],
            );
            struct_attrs.push(format!("primary_key({})", parts.join(", ")));
        }
    }
    pk_on_field
}

/// `unique(...)` and `check(...)` attributes of the struct; the columns whose one-column
/// unique constraint with PostgreSQL's name goes on the field.
fn uniques_and_checks<'t>(
    table: &'t Table,
    fields: &Fields,
    struct_attrs: &mut Vec<String>,
) -> BTreeSet<&'t str> {
    let t = &table.name.name;
    let list = |columns: &[String]| field_list(fields, columns);
    let mut unique_on_field: BTreeSet<&str> = BTreeSet::new();
    for u in &table.uniques {
        let default = make_object_name(t, Some(&u.columns.join("_")), Some("key"));
        if u.columns.len() == 1
            && u.name == default
            && !u.nulls_not_distinct
            && !u.without_overlaps
            && !u.timing.deferrable
        {
            unique_on_field.insert(&u.columns[0]);
            continue;
        }
        let mut parts = vec![list(&u.columns)];
        if u.name != default {
            parts.push(format!("name = {}", lit(&u.name)));
        }
        push_flags(
            &mut parts,
            &[
                (u.nulls_not_distinct, "nulls_not_distinct"),
                (u.without_overlaps, "without_overlaps"),
                (u.timing.deferrable, "deferrable"),
                (u.timing.initially_deferred, "initially_deferred"),
            ],
        );
        struct_attrs.push(format!("unique({})", parts.join(", ")));
    }
    for c in &table.checks {
        let mut parts = vec![
            format!("expr = {}", lit(&c.expression)),
            format!("name = {}", lit(&c.name)),
        ];
        push_flags(
            &mut parts,
            &[
                (c.not_valid, "not_valid"),
                (c.no_inherit, "no_inherit"),
                (c.not_enforced, "not_enforced"),
            ],
        );
        struct_attrs.push(format!("check({})", parts.join(", ")));
    }
    unique_on_field
}

/// `foreign_key(...)` attributes of the struct, for keys a field cannot say; the field
/// attributes of the others, by column.
fn foreign_keys<'t>(
    table: &'t Table,
    fields: &Fields,
    struct_attrs: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> BTreeMap<&'t str, Vec<String>> {
    let t = &table.name.name;
    let list = |columns: &[String]| field_list(fields, columns);
    let mut fk_on_field: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    // Single-column foreign keys with PostgreSQL's name or a name of their own go on the
    // field; others on the struct.
    for key in &table.foreign_keys {
        let referenced = format!(
            "{}({})",
            table_ref(&key.references),
            key.referenced_columns
                .iter()
                .map(|c| attribute_part(c))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let default = make_object_name(t, Some(&key.columns.join("_")), Some("fkey"));
        let action = |a: FkAction| a.sql().to_lowercase();
        let mut flags = Vec::new();
        if key.on_delete != FkAction::NoAction {
            flags.push(format!("on_delete = {}", lit(&action(key.on_delete))));
        }
        if key.on_update != FkAction::NoAction {
            flags.push(format!("on_update = {}", lit(&action(key.on_update))));
        }
        let temporal = key.period || !key.on_delete_columns.is_empty();
        if key.columns.len() == 1 && !key.match_full && !key.deferrable && !temporal {
            let mut attrs = vec![format!(
                "foreign_key = {}",
                lit(&format!(
                    "{}.{}",
                    table_ref(&key.references),
                    attribute_part(&key.referenced_columns[0])
                ))
            )];
            if key.name != default {
                attrs.push(format!("foreign_key_name = {}", lit(&key.name)));
            }
            attrs.extend(flags);
            push_flags(
                &mut attrs,
                &[
                    (key.not_valid, "not_valid"),
                    (key.not_enforced, "not_enforced"),
                ],
            );
            fk_on_field
                .entry(key.columns[0].as_str())
                .or_default()
                .extend(attrs);
            if fk_on_field[key.columns[0].as_str()]
                .iter()
                .filter(|a| a.starts_with("foreign_key ="))
                .count()
                > 1
            {
                notes.push(format!(
                    "a second foreign key on column {} ({})",
                    key.columns[0], key.name
                ));
            }
        } else {
            let mut parts = vec![
                list(&key.columns),
                format!("references = {}", lit(&referenced)),
            ];
            if key.name != default {
                parts.push(format!("name = {}", lit(&key.name)));
            }
            parts.extend(flags);
            push_flags(
                &mut parts,
                &[
                    (key.match_full, "match_full"),
                    (key.deferrable, "deferrable"),
                    (key.initially_deferred, "initially_deferred"),
                    (key.not_valid, "not_valid"),
                    (key.not_enforced, "not_enforced"),
                    (key.period, "period"),
                ],
            );
            if !key.on_delete_columns.is_empty() {
                parts.push(format!(
                    "on_delete_columns({})",
                    list(&key.on_delete_columns)
                ));
            }
            struct_attrs.push(format!("foreign_key({})", parts.join(", ")));
        }
    }
    fk_on_field
}

/// An `index(...)` attribute for each index the table has of its own (a partition's attached
/// ones come from the parent).
fn index_attrs(table: &Table, fields: &Fields) -> Vec<String> {
    let field_of = |column: &str| fields[column].0.clone();
    let list = |columns: &[String]| field_list(fields, columns);
    let mut out = Vec::new();
    for index in &table.indexes {
        if index.attached_to.is_some() {
            continue;
        }
        let plain_columns: Option<Vec<String>> = index
            .keys
            .iter()
            .map(|k| match &k.expr {
                IndexExpr::Column(c)
                    if k.collation.is_none()
                        && k.opclass.is_none()
                        && !k.descending
                        && !k.nulls_first =>
                {
                    Some(field_of(c))
                }
                _ => None,
            })
            .collect();
        let mut parts = match plain_columns {
            Some(columns) => vec![columns.join(", ")],
            None => {
                let keys: Vec<String> = index
                    .keys
                    .iter()
                    .map(model_core::render::index_key)
                    .collect();
                vec![format!("keys = {}", lit(&keys.join(", ")))]
            }
        };
        parts.push(format!("name = {}", lit(&index.name)));
        push_flags(
            &mut parts,
            &[
                (index.unique, "unique"),
                (index.nulls_not_distinct, "nulls_not_distinct"),
            ],
        );
        if index.method != "btree" {
            parts.push(format!("method = {}", lit(&index.method)));
        }
        if let Some(predicate) = &index.predicate {
            parts.push(format!("where = {}", lit(predicate)));
        }
        if !index.include.is_empty() {
            parts.push(format!("include({})", list(&index.include)));
        }
        if !index.options.is_empty() {
            parts.push(format!("with = {}", lit(&index.options.join(", "))));
        }
        out.push(format!("index({})", parts.join(", ")));
    }
    out
}

/// A column's identity, default, generated expression, NOT NULL name, collation, storage
/// and statistics target, as field attributes.
fn value_attrs(column: &model_core::schema::Column) -> Vec<String> {
    let mut attrs = Vec::new();
    if let Some(identity) = &column.identity {
        let kind = match identity.kind {
            IdentityKind::Always => "always",
            IdentityKind::ByDefault => "by_default",
        };
        let mut parts = vec![kind.to_string()];
        if let Some(start) = identity.start {
            parts.push(format!("start = {start}"));
        }
        if let Some(increment) = identity.increment {
            parts.push(format!("increment = {increment}"));
        }
        attrs.push(format!("identity({})", parts.join(", ")));
    }
    if let Some(default) = &column.default {
        attrs.push(format!("default = {}", lit(default)));
    }
    if let Some(generated) = &column.generated {
        attrs.push(format!("generated = {}", lit(generated)));
        if column.virtual_generated {
            attrs.push("virtual".into());
        }
    }
    if !column.nullable {
        if let Some(name) = &column.not_null.name {
            attrs.push(format!("not_null_name = {}", lit(name)));
        }
    }
    if let Some(collation) = &column.collation {
        attrs.push(format!("collation = {}", lit(collation)));
    }
    if let Some(storage) = &column.storage {
        attrs.push(format!("storage = {}", lit(storage)));
    }
    if let Some(target) = column.statistics {
        attrs.push(format!("statistics = {target}"));
    }
    attrs
}

/// The fields of `columns`, comma separated.
fn field_list(fields: &Fields, columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| fields[c.as_str()].0.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One `#[derive(Enum)]`.
fn enum_type(e: &EnumType, name: &str) -> String {
    let mut out = String::from("#[derive(Enum)]\n");
    let mut attrs = vec![format!("name = {}", lit(&e.name.name))];
    if e.name.schema != "public" {
        attrs.push(format!("schema = {}", lit(&e.name.schema)));
    }
    let _ = writeln!(out, "#[model({})]", attrs.join(", "));
    let _ = writeln!(out, "pub enum {name} {{");
    let mut used = BTreeSet::new();
    for label in &e.labels {
        let mut variant = type_ident(label, false);
        let mut n = 2;
        while !used.insert(variant.clone()) {
            variant = format!("{}{n}", type_ident(label, false));
            n += 1;
        }
        if snake(&variant) != *label {
            let _ = writeln!(out, "    #[model(rename = {})]", lit(label));
        }
        let _ = writeln!(out, "    {variant},");
    }
    out.push_str("}\n");
    out
}

/// `OnHold` → `on_hold`, as the derive names a variant's label.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Each flag whose condition holds, in the order given (`deferrable`, `not_valid`, …).
fn push_flags(parts: &mut Vec<String>, flags: &[(bool, &str)]) {
    parts.extend(
        flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, flag)| flag.to_string()),
    );
}
