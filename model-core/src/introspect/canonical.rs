//! Canonical expressions without a scratch database.
//!
//! Only expressions need PostgreSQL to spell them: types are canonical from the derive, names
//! are deterministic. So instead of creating the whole schema somewhere empty, each distinct
//! expression (with the types of the columns it mentions) is given to PostgreSQL once, in a
//! temporary table inside a transaction that is rolled back, on the database being compared.
//! Expressions already spelled as the live database spells them are not sent at all. The cost
//! is two round trips however many tables there are.

use std::collections::BTreeMap;

use postgres::Client;

use crate::pg::{block_on, Connection};

use super::IntrospectError;
use crate::schema::qualified;
use crate::schema::{make_object_name, Column, IndexExpr, Schema, SqlType, Table};
use crate::sql::quote_ident;

/// What an expression is, which decides how PostgreSQL is asked to read it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A column default of the given type.
    Default(SqlType),
    /// A stored generation expression of the given type.
    Generated(SqlType),
    /// A check constraint.
    Check,
    /// An index predicate.
    Predicate,
    /// An index key expression.
    IndexKey,
}

/// One distinct expression: its kind, text, and the columns it mentions with their types.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    kind: Kind,
    text: String,
    columns: Vec<(String, SqlType, Option<String>)>,
}

/// Where an expression sits in the schema, to write the canonical text back.
#[derive(Debug, Clone, Copy)]
enum Site {
    Default {
        table: usize,
        column: usize,
    },
    Generated {
        table: usize,
        column: usize,
    },
    Check {
        table: usize,
        check: usize,
    },
    Predicate {
        table: usize,
        index: usize,
    },
    IndexKey {
        table: usize,
        index: usize,
        key: usize,
    },
}

/// `schema` with every expression in PostgreSQL's spelling, asked of the database `client`
/// is connected to (in a rolled-back transaction, with temporary tables only). `live` is that
/// database's schema as introspected: expressions it already spells the same way are kept.
pub fn canonicalize_expressions(
    client: &mut Client,
    schema: Schema,
    live: &Schema,
) -> Result<Schema, IntrospectError> {
    block_on(canonicalize_expressions_async(client, schema, live))
}

/// [`canonicalize_expressions`] over any [`Connection`] (an application's
/// `tokio_postgres::Client` with the `tokio` feature), awaited. The connection is never left
/// inside the transaction.
pub async fn canonicalize_expressions_async<C: Connection>(
    client: &mut C,
    mut schema: Schema,
    live: &Schema,
) -> Result<Schema, IntrospectError> {
    let keys = to_ask(&schema, live);
    if keys.is_empty() {
        return Ok(schema);
    }
    let keys: Vec<(Key, Vec<Site>)> = keys.into_iter().collect();
    let prelude = prelude(&schema, live);
    let statements: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, (key, _))| temp_table(i, key))
        .collect();
    let query = |source| IntrospectError::Query {
        what: "expressions",
        error: source,
    };

    client.batch_execute("BEGIN").await.map_err(query)?;
    let created = client
        .batch_execute(&format!("{prelude}{}", statements.join(";\n")))
        .await;
    let read = match created {
        Ok(()) => match client
            .batch_execute("SET LOCAL search_path = pg_catalog")
            .await
        {
            Ok(()) => client.query_typed(READ, &[]).await.map_err(query),
            Err(e) => Err(query(e)),
        },
        Err(_) => {
            // Find which expression PostgreSQL refuses, to name it.
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(explain_failure(client, &prelude, &keys, &statements, &schema).await);
        }
    };
    client.batch_execute("ROLLBACK").await.map_err(query)?;
    let rows = read?;
    let mut canonical: BTreeMap<usize, String> = BTreeMap::new();
    let column = |row: &postgres::Row, column: &str| -> Result<Option<String>, IntrospectError> {
        row.try_get(column)
            .map_err(|error| IntrospectError::Column {
                what: "canonical expressions",
                column: column.to_string(),
                message: error.to_string(),
            })
    };
    for row in rows {
        let name: String = column(&row, "name")?.unwrap_or_default();
        let Some(i) = name
            .strip_prefix("_model_canon_")
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let Some((key, _)) = keys.get(i) else {
            continue;
        };
        let text = column(
            &row,
            match key.kind {
                Kind::Default(_) | Kind::Generated(_) => "default_expr",
                Kind::Check => "check_expr",
                Kind::Predicate => "predicate",
                Kind::IndexKey => "index_key",
            },
        )?;
        if let Some(text) = text {
            canonical.insert(i, text);
        }
    }
    write_back(&mut schema, &keys, &canonical);
    Ok(schema)
}

/// The expressions of `schema` that `live` does not already spell the same way, each
/// distinct one (by kind, text and the columns it mentions) once, with where it goes back.
fn to_ask(schema: &Schema, live: &Schema) -> BTreeMap<Key, Vec<Site>> {
    let mut keys: BTreeMap<Key, Vec<Site>> = BTreeMap::new();
    let live_tables = live.tables_by_name();
    for (t, table) in schema.tables.iter().enumerate() {
        let before = live_tables.get(&table.name).copied();
        for (c, column) in table.columns.iter().enumerate() {
            let old = before.and_then(|b| b.column(&column.name));
            if let Some(text) = &column.default {
                if old.and_then(|o| o.default.as_ref()) != Some(text) {
                    let key = Key {
                        kind: Kind::Default(column.ty.clone()),
                        text: text.clone(),
                        columns: Vec::new(),
                    };
                    keys.entry(key).or_default().push(Site::Default {
                        table: t,
                        column: c,
                    });
                }
            }
            if let Some(text) = &column.generated {
                if old.and_then(|o| o.generated.as_ref()) != Some(text) {
                    let key = Key {
                        kind: Kind::Generated(column.ty.clone()),
                        text: text.clone(),
                        columns: mentioned(table, text),
                    };
                    keys.entry(key).or_default().push(Site::Generated {
                        table: t,
                        column: c,
                    });
                }
            }
        }
        for (k, check) in table.checks.iter().enumerate() {
            let old = before.and_then(|b| b.checks.iter().find(|o| o.name == check.name));
            if old.map(|o| &o.expression) != Some(&check.expression) {
                let key = Key {
                    kind: Kind::Check,
                    text: check.expression.clone(),
                    columns: mentioned(table, &check.expression),
                };
                keys.entry(key)
                    .or_default()
                    .push(Site::Check { table: t, check: k });
            }
        }
        for (i, index) in table.indexes.iter().enumerate() {
            let old = before.and_then(|b| b.indexes.iter().find(|o| o.name == index.name));
            if let Some(text) = &index.predicate {
                if old.and_then(|o| o.predicate.as_ref()) != Some(text) {
                    let key = Key {
                        kind: Kind::Predicate,
                        text: text.clone(),
                        columns: mentioned(table, text),
                    };
                    keys.entry(key)
                        .or_default()
                        .push(Site::Predicate { table: t, index: i });
                }
            }
            for (k, index_key) in index.keys.iter().enumerate() {
                let IndexExpr::Expression(text) = &index_key.expr else {
                    continue;
                };
                let same = old
                    .and_then(|o| o.keys.get(k))
                    .is_some_and(|o| o.expr == index_key.expr);
                if !same {
                    let key = Key {
                        kind: Kind::IndexKey,
                        text: text.clone(),
                        columns: mentioned(table, text),
                    };
                    keys.entry(key).or_default().push(Site::IndexKey {
                        table: t,
                        index: i,
                        key: k,
                    });
                }
            }
        }
    }
    keys
}

/// Each canonical spelling into the places its expression came from.
fn write_back(schema: &mut Schema, keys: &[(Key, Vec<Site>)], canonical: &BTreeMap<usize, String>) {
    for (i, (_, sites)) in keys.iter().enumerate() {
        let Some(text) = canonical.get(&i) else {
            continue;
        };
        for site in sites {
            match *site {
                Site::Default { table, column } => {
                    schema.tables[table].columns[column].default = Some(text.clone())
                }
                Site::Generated { table, column } => {
                    schema.tables[table].columns[column].generated = Some(text.clone())
                }
                Site::Check { table, check } => {
                    schema.tables[table].checks[check].expression = text.clone()
                }
                Site::Predicate { table, index } => {
                    schema.tables[table].indexes[index].predicate = Some(text.clone())
                }
                Site::IndexKey { table, index, key } => {
                    schema.tables[table].indexes[index].keys[key].expr =
                        IndexExpr::Expression(text.clone())
                }
            }
        }
    }
}

const READ: &str = "
SELECT c.relname::text AS name,
       (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
         JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
         WHERE d.adrelid = c.oid AND a.attname = '_v') AS default_expr,
       (SELECT pg_get_expr(k.conbin, k.conrelid) FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'c') AS check_expr,
       (SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i WHERE i.indrelid = c.oid) AS predicate,
       (SELECT pg_get_indexdef(i.indexrelid, 1, true) FROM pg_index i WHERE i.indrelid = c.oid) AS index_key
FROM pg_class c
WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind = 'r' AND c.relname LIKE '\\_model\\_canon\\_%'";

/// Types and sequences the models declare that the database lacks, created inside the
/// transaction so expressions naming them parse.
fn prelude(schema: &Schema, live: &Schema) -> String {
    let mut out = String::new();
    for e in &schema.enums {
        let old = live.enum_type(&e.name);
        if old.is_some_and(|old| e.labels.iter().all(|l| old.labels.contains(l))) {
            continue;
        }
        // A type that gains labels in this change: the expressions may use the new labels,
        // which PostgreSQL refuses in the transaction that adds them. So the live type steps
        // aside (renamed, inside this rolled-back transaction) for a fresh one with the
        // models' labels, under the same name.
        if old.is_some() {
            out.push_str(&format!(
                "ALTER TYPE {} RENAME TO {};\n",
                qualified(&e.name),
                quote_ident(&make_object_name(&e.name.name, None, Some("model_canon")))
            ));
        }
        let labels: Vec<String> = e
            .labels
            .iter()
            .map(|l| crate::sql::quote_literal(l))
            .collect();
        out.push_str(&format!(
            "CREATE TYPE {} AS ENUM ({});\n",
            qualified(&e.name),
            labels.join(", ")
        ));
    }
    for s in &schema.sequences {
        if !live.sequences.iter().any(|l| l.name == s.name) {
            out.push_str(&format!("CREATE SEQUENCE {};\n", qualified(&s.name)));
        }
    }
    out
}

fn temp_table(i: usize, key: &Key) -> String {
    let name = format!("pg_temp.{}", quote_ident(&format!("_model_canon_{i}")));
    let mut columns: Vec<String> = key
        .columns
        .iter()
        .map(|(n, ty, collation)| match collation {
            Some(c) => format!("{} {ty} COLLATE {c}", quote_ident(n)),
            None => format!("{} {ty}", quote_ident(n)),
        })
        .collect();
    match &key.kind {
        Kind::Default(ty) => {
            columns.push(format!("_v {ty} DEFAULT {}", key.text));
            format!("CREATE TABLE {name} ({})", columns.join(", "))
        }
        Kind::Generated(ty) => {
            columns.push(format!("_v {ty} GENERATED ALWAYS AS ({}) STORED", key.text));
            format!("CREATE TABLE {name} ({})", columns.join(", "))
        }
        Kind::Check => {
            columns.push(format!("CHECK ({})", key.text));
            format!("CREATE TABLE {name} ({})", columns.join(", "))
        }
        Kind::Predicate => {
            columns.push("_k integer".into());
            format!(
                "CREATE TABLE {name} ({});\nCREATE INDEX ON {name} (_k) WHERE {}",
                columns.join(", "),
                key.text
            )
        }
        Kind::IndexKey => format!(
            "CREATE TABLE {name} ({});\nCREATE INDEX ON {name} (({}))",
            columns.join(", "),
            key.text
        ),
    }
}

/// Runs the statements one by one to find the first one PostgreSQL refuses, and names the
/// table and object it came from.
async fn explain_failure<C: Connection>(
    client: &mut C,
    prelude: &str,
    keys: &[(Key, Vec<Site>)],
    statements: &[String],
    schema: &Schema,
) -> IntrospectError {
    if client.batch_execute("BEGIN").await.is_err() {
        return IntrospectError::Canonicalize {
            message: "could not open a transaction".into(),
        };
    }
    let found = first_refused(client, prelude, keys, statements, schema).await;
    let _ = client.batch_execute("ROLLBACK").await;
    found
}

/// [`explain_failure`] inside its transaction.
async fn first_refused<C: Connection>(
    client: &mut C,
    prelude: &str,
    keys: &[(Key, Vec<Site>)],
    statements: &[String],
    schema: &Schema,
) -> IntrospectError {
    if let Err(e) = client.batch_execute(prelude).await {
        return IntrospectError::Canonicalize {
            message: crate::pg::pg_message(&e),
        };
    }
    for (i, statement) in statements.iter().enumerate() {
        let attempt = format!("SAVEPOINT s; {statement}; RELEASE SAVEPOINT s");
        if let Err(e) = client.batch_execute(&attempt).await {
            let (key, sites) = &keys[i];
            let place = sites
                .first()
                .map(|s| describe(schema, *s))
                .unwrap_or_default();
            return IntrospectError::Canonicalize {
                message: format!("{place}: `{}`: {}", key.text, crate::pg::pg_message(&e)),
            };
        }
    }
    IntrospectError::Canonicalize {
        message: "the expressions failed together but not one by one".into(),
    }
}

fn describe(schema: &Schema, site: Site) -> String {
    let t = |i: usize| &schema.tables[i];
    match site {
        Site::Default { table, column } => format!(
            "default of {}.{}",
            t(table).name,
            t(table).columns[column].name
        ),
        Site::Generated { table, column } => format!(
            "generated column {}.{}",
            t(table).name,
            t(table).columns[column].name
        ),
        Site::Check { table, check } => format!(
            "check constraint {} of {}",
            t(table).checks[check].name,
            t(table).name
        ),
        Site::Predicate { table, index } => format!(
            "predicate of index {} on {}",
            t(table).indexes[index].name,
            t(table).name
        ),
        Site::IndexKey { table, index, .. } => format!(
            "key of index {} on {}",
            t(table).indexes[index].name,
            t(table).name
        ),
    }
}

/// The table's columns whose names appear in `text` (over-inclusion is harmless).
fn mentioned(table: &Table, text: &str) -> Vec<(String, SqlType, Option<String>)> {
    table
        .columns
        .iter()
        .filter(|c| c.generated.is_none() && appears(text, c))
        .map(|c| (c.name.clone(), c.ty.clone(), c.collation.clone()))
        .collect()
}

fn appears(text: &str, column: &Column) -> bool {
    let quoted = format!("\"{}\"", column.name.replace('"', "\"\""));
    if text.contains(&quoted) {
        return true;
    }
    let lower = column.name.to_lowercase();
    let text = text.to_lowercase();
    text.match_indices(&lower).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + lower.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

/// `desired` with each column default that is a constant equal in value to the live
/// column's (also a constant) written as the live database spells it: `5`, `'5'::numeric`
/// and `5.0` are one default of a `numeric` column, which PostgreSQL keeps as it was written.
/// Only literals with casts are compared (never an expression that calls a function or
/// reads anything), all in one query inside a rolled-back transaction; if PostgreSQL refuses
/// it, the defaults are left as they are.
pub fn adopt_equal_constants(
    client: &mut Client,
    live: &Schema,
    desired: Schema,
) -> Result<Schema, IntrospectError> {
    block_on(adopt_equal_constants_async(client, live, desired))
}

/// [`adopt_equal_constants`] over any [`Connection`], awaited.
pub async fn adopt_equal_constants_async<C: Connection>(
    client: &mut C,
    live: &Schema,
    mut desired: Schema,
) -> Result<Schema, IntrospectError> {
    let mut pairs: Vec<(usize, usize, String)> = Vec::new();
    let mut tests: Vec<String> = Vec::new();
    let live_tables = live.tables_by_name();
    for (t, table) in desired.tables.iter().enumerate() {
        let Some(before) = live_tables.get(&table.name).copied() else {
            continue;
        };
        for (c, column) in table.columns.iter().enumerate() {
            let Some(old) = before.column(&column.name) else {
                continue;
            };
            let (Some(want), Some(have)) = (&column.default, &old.default) else {
                continue;
            };
            if want == have || old.ty != column.ty || !constant(want) || !constant(have) {
                continue;
            }
            tests.push(format!(
                "(({want})::{ty} IS NOT DISTINCT FROM ({have})::{ty})",
                ty = column.ty
            ));
            pairs.push((t, c, have.clone()));
        }
    }
    if tests.is_empty() {
        return Ok(desired);
    }
    let query = |error| IntrospectError::Query {
        what: "constant defaults",
        error,
    };
    client.batch_execute("BEGIN").await.map_err(query)?;
    let sql = format!("SELECT ARRAY[{}]", tests.join(", "));
    let answer = client.simple_query(&sql).await;
    client.batch_execute("ROLLBACK").await.map_err(query)?;
    // A refusal (a literal that does not convert) means "not the same": keep both spellings.
    let same: Vec<bool> = match answer {
        Ok(messages) => messages
            .iter()
            .find_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => row.get(0).map(|text| {
                    text.trim_matches(|c| c == '{' || c == '}')
                        .split(',')
                        .map(|b| b == "t")
                        .collect()
                }),
                _ => None,
            })
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    for ((t, c, have), same) in pairs.into_iter().zip(same) {
        if same {
            desired.tables[t].columns[c].default = Some(have);
        }
    }
    Ok(desired)
}

/// Whether `expr` is a literal with optional casts and sign, as PostgreSQL prints constants:
/// `5`, `-5.2`, `'5'::numeric`, `('x'::text)::character varying`, `'{}'::integer[]`.
fn constant(expr: &str) -> bool {
    let mut rest = expr.trim();
    // Peel parentheses and casts from the outside in.
    loop {
        if wrapped(rest) {
            rest = rest[1..rest.len() - 1].trim();
            continue;
        }
        if let Some(at) = rest.rfind("::") {
            let ty = &rest[at + 2..];
            let type_like = ty
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " _.,()[]\"".contains(c));
            let quoted_before = rest[..at].matches('\'').count() % 2 == 0;
            if type_like && quoted_before && !ty.is_empty() {
                rest = rest[..at].trim();
                continue;
            }
        }
        break;
    }
    let rest = rest.strip_prefix('-').unwrap_or(rest).trim();
    if let Some(inner) = rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        // One string literal: any quote inside is doubled.
        return !inner.replace("''", "").contains('\'');
    }
    !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        && rest.matches('.').count() <= 1
        || matches!(rest, "true" | "false")
}

/// Whether `text` is one parenthesised whole: its first `(` closes at its last character.
fn wrapped(text: &str) -> bool {
    if !text.starts_with('(') || !text.ends_with(')') {
        return false;
    }
    let mut depth = 0;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return i == text.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::constant;

    #[test]
    fn constants_are_literals_with_casts() {
        for yes in [
            "5",
            "-5.2",
            "'5'::numeric",
            "('x'::text)::character varying",
            "'{}'::integer[]",
            "'it''s'::text",
            "true",
            "'5.2'::double precision",
            "(5)::numeric(10,2)",
        ] {
            assert!(constant(yes), "{yes}");
        }
        for no in [
            "now()",
            "nextval('s'::regclass)",
            "'a'::text || 'b'::text",
            "(1 + 2)",
            "(1)::integer + (2)::integer",
            "x",
            "'a' '",
            "5; DROP TABLE t",
            "",
        ] {
            assert!(!constant(no), "{no}");
        }
    }
}
