//! Schema descriptions to PostgreSQL SQL.

mod quote;

use std::collections::BTreeSet;
use std::fmt::Write as _;

pub use quote::{quote_ident, quote_literal};

use crate::schema::{
    Column, FkAction, ForeignKey, Identity, IdentityKind, Index, Schema, Table, TableName,
    DEFAULT_SCHEMA,
};

/// `schema.name`, each part quoted where needed.
pub fn qualified(name: &TableName) -> String {
    format!("{}.{}", quote_ident(&name.schema), quote_ident(&name.name))
}

/// The script that creates `schema` in an empty database: schemas, then tables in dependency
/// order (a referenced table before the tables referencing it) each followed by its indexes and
/// comments, then the foreign keys that a reference cycle kept out of `CREATE TABLE`.
pub fn create_schema(schema: &Schema) -> String {
    let mut out = String::new();
    for namespace in schema.namespaces() {
        if namespace != DEFAULT_SCHEMA {
            let _ = writeln!(
                out,
                "CREATE SCHEMA IF NOT EXISTS {};\n",
                quote_ident(namespace)
            );
        }
    }
    let (order, deferred) = creation_order(schema);
    for (table, inline) in order {
        out.push_str(&create_table(table, &inline));
        out.push('\n');
        for index in &table.indexes {
            out.push_str(&create_index(&table.name, index));
            out.push('\n');
        }
        for statement in comments(table) {
            out.push_str(&statement);
            out.push('\n');
        }
        out.push('\n');
    }
    for (table, fk) in deferred {
        let _ = writeln!(
            out,
            "ALTER TABLE {} ADD {};\n",
            qualified(&table.name),
            foreign_key_clause(fk)
        );
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

/// `CREATE TABLE` with one column per line, then the primary key, the given foreign keys,
/// unique and check constraints, the way `pg_dump` lays it out.
pub fn create_table(table: &Table, foreign_keys: &[&ForeignKey]) -> String {
    let mut lines: Vec<String> = table.columns.iter().map(column_definition).collect();
    if let Some(pk) = &table.primary_key {
        lines.push(format!(
            "CONSTRAINT {} PRIMARY KEY ({})",
            quote_ident(&pk.name),
            ident_list(&pk.columns)
        ));
    }
    lines.extend(foreign_keys.iter().map(|fk| foreign_key_clause(fk)));
    for unique in &table.uniques {
        lines.push(format!(
            "CONSTRAINT {} UNIQUE ({})",
            quote_ident(&unique.name),
            ident_list(&unique.columns)
        ));
    }
    for check in &table.checks {
        lines.push(format!(
            "CONSTRAINT {} CHECK ({})",
            quote_ident(&check.name),
            check.expression
        ));
    }
    let mut out = format!("CREATE TABLE {} (\n", qualified(&table.name));
    out.push_str(
        &lines
            .iter()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join(",\n"),
    );
    out.push_str("\n);");
    out
}

/// One column of `CREATE TABLE` or `ADD COLUMN`: name, type, default, identity, `NOT NULL`.
pub fn column_definition(column: &Column) -> String {
    let mut out = format!("{} {}", quote_ident(&column.name), column.ty);
    if let Some(default) = &column.default {
        let _ = write!(out, " DEFAULT {default}");
    }
    if let Some(identity) = &column.identity {
        out.push(' ');
        out.push_str(&identity_clause(identity));
    }
    if !column.nullable {
        out.push_str(" NOT NULL");
    }
    out
}

/// `GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 5)`.
pub fn identity_clause(identity: &Identity) -> String {
    let kind = match identity.kind {
        IdentityKind::Always => "ALWAYS",
        IdentityKind::ByDefault => "BY DEFAULT",
    };
    let mut options = Vec::new();
    if let Some(start) = identity.start {
        options.push(format!("START WITH {start}"));
    }
    if let Some(increment) = identity.increment {
        options.push(format!("INCREMENT BY {increment}"));
    }
    if options.is_empty() {
        format!("GENERATED {kind} AS IDENTITY")
    } else {
        format!("GENERATED {kind} AS IDENTITY ({})", options.join(" "))
    }
}

/// `CONSTRAINT name FOREIGN KEY (cols) REFERENCES table (cols) [ON DELETE …] [ON UPDATE …]`.
pub fn foreign_key_clause(fk: &ForeignKey) -> String {
    let mut out = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_ident(&fk.name),
        ident_list(&fk.columns),
        qualified(&fk.references),
        ident_list(&fk.referenced_columns)
    );
    if fk.on_delete != FkAction::NoAction {
        let _ = write!(out, " ON DELETE {}", fk.on_delete.sql());
    }
    if fk.on_update != FkAction::NoAction {
        let _ = write!(out, " ON UPDATE {}", fk.on_update.sql());
    }
    out
}

/// `CREATE [UNIQUE] INDEX name ON table [USING method] (cols) [WHERE predicate];`
pub fn create_index(table: &TableName, index: &Index) -> String {
    let mut out = String::from("CREATE ");
    if index.unique {
        out.push_str("UNIQUE ");
    }
    let _ = write!(
        out,
        "INDEX {} ON {}",
        quote_ident(&index.name),
        qualified(table)
    );
    if index.method != "btree" {
        let _ = write!(out, " USING {}", index.method);
    }
    let _ = write!(out, " ({})", ident_list(&index.columns));
    if let Some(predicate) = &index.predicate {
        let _ = write!(out, " WHERE {predicate}");
    }
    out.push(';');
    out
}

/// `COMMENT ON TABLE` / `COMMENT ON COLUMN` statements for a table.
pub fn comments(table: &Table) -> Vec<String> {
    let name = qualified(&table.name);
    let mut out = Vec::new();
    if let Some(comment) = &table.comment {
        out.push(format!(
            "COMMENT ON TABLE {name} IS {};",
            quote_literal(comment)
        ));
    }
    for column in &table.columns {
        if let Some(comment) = &column.comment {
            out.push(format!(
                "COMMENT ON COLUMN {name}.{} IS {};",
                quote_ident(&column.name),
                quote_literal(comment)
            ));
        }
    }
    out
}

fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

type Creation<'a> = (
    Vec<(&'a Table, Vec<&'a ForeignKey>)>,
    Vec<(&'a Table, &'a ForeignKey)>,
);

/// Tables in an order where each foreign key can be written inside `CREATE TABLE`, keeping
/// declaration order where dependencies allow. When references form a cycle, the first waiting
/// table is created anyway and its foreign keys to tables not yet created are returned to be
/// added with `ALTER TABLE` at the end.
fn creation_order(schema: &Schema) -> Creation<'_> {
    let known: BTreeSet<&TableName> = schema.tables.iter().map(|t| &t.name).collect();
    let mut created: BTreeSet<&TableName> = BTreeSet::new();
    let mut order = Vec::new();
    let mut deferred = Vec::new();
    let mut waiting: Vec<&Table> = schema.tables.iter().collect();
    while !waiting.is_empty() {
        let ready = |t: &Table| {
            t.foreign_keys.iter().all(|fk| {
                fk.references == t.name
                    || created.contains(&fk.references)
                    || !known.contains(&fk.references)
            })
        };
        let position = waiting.iter().position(|t| ready(t)).unwrap_or(0);
        let table = waiting.remove(position);
        let mut inline = Vec::new();
        for fk in &table.foreign_keys {
            if fk.references == table.name
                || created.contains(&fk.references)
                || !known.contains(&fk.references)
            {
                inline.push(fk);
            } else {
                deferred.push((table, fk));
            }
        }
        created.insert(&table.name);
        order.push((table, inline));
    }
    (order, deferred)
}
