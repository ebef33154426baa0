//! Clauses shared by several statements.

use std::fmt::Write as _;

use crate::schema::qualified;
use crate::schema::{
    CheckConstraint, Column, FkAction, ForeignKey, Identity, IdentityKind, Index, IndexExpr,
    IndexKey, PrimaryKey, Table, TableName, UniqueConstraint,
};
use crate::sql::{quote_ident, quote_literal};

/// `CREATE TABLE` with one column per line, then the primary key, the table's foreign keys,
/// unique, check and exclusion constraints, the way `pg_dump` lays it out.
pub fn create_table(table: &Table) -> String {
    let mut lines: Vec<String> = table.columns.iter().map(column_definition).collect();
    lines.extend(table.primary_key.iter().map(primary_key_clause));
    // A NOT VALID constraint cannot be part of CREATE TABLE: it is added after (see
    // `not_valid_constraints`).
    lines.extend(
        table
            .foreign_keys
            .iter()
            .filter(|fk| !fk.not_valid)
            .map(foreign_key_clause),
    );
    lines.extend(table.uniques.iter().map(unique_clause));
    lines.extend(
        table
            .checks
            .iter()
            .filter(|c| !c.not_valid)
            .map(check_clause),
    );
    for exclusion in &table.exclusions {
        lines.push(format!(
            "CONSTRAINT {} {}",
            quote_ident(&exclusion.name),
            exclusion.definition
        ));
    }
    let body = lines
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join(",\n");
    // (Never on a partitioned table: see the diff of tables.)
    let create = if table.unlogged && table.partition_by.is_none() {
        "CREATE UNLOGGED TABLE"
    } else {
        "CREATE TABLE"
    };
    let mut options = with_options(&table.options);
    if let Some(key) = &table.partition_by {
        options = format!("\nPARTITION BY {key}{options}");
    }
    if !table.inherits.is_empty() {
        let parents: Vec<String> = table.inherits.iter().map(qualified).collect();
        options = format!("\nINHERITS ({}){options}", parents.join(", "));
    }
    if body.is_empty() {
        return format!("{create} {} (){options}", qualified(&table.name));
    }
    format!("{create} {} (\n{body}\n){options}", qualified(&table.name))
}

/// One column of `CREATE TABLE` or `ADD COLUMN`: name, type, collation, default or generation
/// expression, identity, `NOT NULL`.
pub fn column_definition(column: &Column) -> String {
    let mut out = format!("{} {}", quote_ident(&column.name), column.ty);
    if let Some(collation) = &column.collation {
        let _ = write!(out, " COLLATE {collation}");
    }
    if let Some(default) = &column.default {
        let _ = write!(out, " DEFAULT {default}");
    }
    if let Some(expression) = &column.generated {
        let kind = if column.virtual_generated {
            "VIRTUAL"
        } else {
            "STORED"
        };
        let _ = write!(out, " GENERATED ALWAYS AS ({expression}) {kind}");
    }
    if let Some(identity) = &column.identity {
        out.push(' ');
        out.push_str(&identity_clause(identity));
    }
    // A NOT VALID NOT NULL cannot be part of the column: it is added after (see
    // `not_valid_constraints`). One only inherited comes from the parent.
    if !column.nullable && !column.not_null.not_valid && !column.not_null.inherited_only {
        out.push_str(&not_null_clause(column));
    }
    out
}

/// ` NOT NULL`, with the constraint's own name and `NO INHERIT` where it has them
/// (PostgreSQL 18).
fn not_null_clause(column: &Column) -> String {
    let mut out = String::new();
    if let Some(name) = &column.not_null.name {
        let _ = write!(out, " CONSTRAINT {}", quote_ident(name));
    }
    out.push_str(" NOT NULL");
    if column.not_null.no_inherit {
        out.push_str(" NO INHERIT");
    }
    out
}

/// `CONSTRAINT name NOT NULL column [NO INHERIT]` (PostgreSQL 18), as `ADD` takes it.
pub fn not_null_constraint(table: &TableName, column: &Column) -> String {
    format!(
        "CONSTRAINT {} NOT NULL {}{}",
        quote_ident(&column.not_null.name_on(table, &column.name)),
        quote_ident(&column.name),
        if column.not_null.no_inherit {
            " NO INHERIT"
        } else {
            ""
        }
    )
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
    if let Some(min) = identity.min_value {
        options.push(format!("MINVALUE {min}"));
    }
    if let Some(max) = identity.max_value {
        options.push(format!("MAXVALUE {max}"));
    }
    if let Some(cache) = identity.cache {
        options.push(format!("CACHE {cache}"));
    }
    if identity.cycle {
        options.push("CYCLE".to_string());
    }
    if options.is_empty() {
        format!("GENERATED {kind} AS IDENTITY")
    } else {
        format!("GENERATED {kind} AS IDENTITY ({})", options.join(" "))
    }
}

/// `ALTER TABLE … ADD … NOT VALID` for the table's NOT VALID checks and foreign keys, which
/// `CREATE TABLE` cannot hold.
pub fn not_valid_constraints(table: &Table) -> Vec<String> {
    let name = qualified(&table.name);
    let checks = table
        .checks
        .iter()
        .filter(|c| c.not_valid)
        .map(check_clause);
    let keys = table
        .foreign_keys
        .iter()
        .filter(|k| k.not_valid)
        .map(foreign_key_clause);
    let not_nulls = table
        .columns
        .iter()
        .filter(|c| !c.nullable && c.not_null.not_valid)
        .map(|c| not_null_constraint(&table.name, c));
    checks
        .chain(keys)
        .chain(not_nulls)
        .map(|clause| format!("ALTER TABLE {name} ADD {clause} NOT VALID"))
        .collect()
}

/// `CONSTRAINT name PRIMARY KEY (cols [WITHOUT OVERLAPS]) [DEFERRABLE [INITIALLY DEFERRED]]`.
pub fn primary_key_clause(key: &PrimaryKey) -> String {
    format!(
        "CONSTRAINT {} PRIMARY KEY ({}){}",
        quote_ident(&key.name),
        key_list(&key.columns, key.without_overlaps),
        key.timing.sql()
    )
}

/// `a, b` or, for a temporal key, `a, b WITHOUT OVERLAPS`.
fn key_list(columns: &[String], without_overlaps: bool) -> String {
    let mut out = ident_list(columns);
    if without_overlaps {
        out.push_str(" WITHOUT OVERLAPS");
    }
    out
}

/// `a, b` or, for a temporal foreign key, `a, PERIOD b`.
fn period_list(columns: &[String], period: bool) -> String {
    let quoted: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    match quoted.split_last() {
        Some((last, rest)) if period => {
            let mut parts = rest.to_vec();
            parts.push(format!("PERIOD {last}"));
            parts.join(", ")
        }
        _ => quoted.join(", "),
    }
}

/// `CONSTRAINT name UNIQUE [NULLS NOT DISTINCT] (cols) [DEFERRABLE …]`.
pub fn unique_clause(unique: &UniqueConstraint) -> String {
    format!(
        "CONSTRAINT {} UNIQUE{} ({}){}",
        quote_ident(&unique.name),
        if unique.nulls_not_distinct {
            " NULLS NOT DISTINCT"
        } else {
            ""
        },
        key_list(&unique.columns, unique.without_overlaps),
        unique.timing.sql()
    )
}

/// `CONSTRAINT name CHECK (expression) [NO INHERIT] [NOT ENFORCED]` (without `NOT VALID`).
pub fn check_clause(check: &CheckConstraint) -> String {
    format!(
        "CONSTRAINT {} CHECK ({}){}{}",
        quote_ident(&check.name),
        check.expression,
        if check.no_inherit { " NO INHERIT" } else { "" },
        if check.not_enforced {
            " NOT ENFORCED"
        } else {
            ""
        }
    )
}

/// `CONSTRAINT name FOREIGN KEY (cols) REFERENCES table (cols) [MATCH FULL] [ON DELETE …]
/// [ON UPDATE …] [DEFERRABLE [INITIALLY DEFERRED]]`.
pub fn foreign_key_clause(fk: &ForeignKey) -> String {
    let mut out = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_ident(&fk.name),
        period_list(&fk.columns, fk.period),
        qualified(&fk.references),
        period_list(&fk.referenced_columns, fk.period)
    );
    if fk.match_full {
        out.push_str(" MATCH FULL");
    }
    if fk.on_delete != FkAction::NoAction {
        let _ = write!(out, " ON DELETE {}", fk.on_delete.sql());
        if !fk.on_delete_columns.is_empty() {
            let _ = write!(out, " ({})", ident_list(&fk.on_delete_columns));
        }
    }
    if fk.on_update != FkAction::NoAction {
        let _ = write!(out, " ON UPDATE {}", fk.on_update.sql());
    }
    if fk.deferrable {
        out.push_str(" DEFERRABLE");
        if fk.initially_deferred {
            out.push_str(" INITIALLY DEFERRED");
        }
    }
    if fk.not_enforced {
        out.push_str(" NOT ENFORCED");
    }
    out
}

/// `CREATE [UNIQUE] INDEX name ON table [USING method] (keys) [INCLUDE (…)] [NULLS NOT
/// DISTINCT] [WHERE predicate]`.
pub fn create_index(table: &TableName, index: &Index) -> String {
    let mut out = String::from("CREATE ");
    if index.unique {
        out.push_str("UNIQUE ");
    }
    let _ = write!(
        out,
        "INDEX {} ON {}{}",
        quote_ident(&index.name),
        if index.on_only { "ONLY " } else { "" },
        qualified(table)
    );
    if index.method != "btree" {
        // Read from pg_am: quoted like any other name that reaches SQL.
        let _ = write!(out, " USING {}", quote_ident(&index.method));
    }
    let keys: Vec<String> = index.keys.iter().map(index_key).collect();
    let _ = write!(out, " ({})", keys.join(", "));
    if !index.include.is_empty() {
        let _ = write!(out, " INCLUDE ({})", ident_list(&index.include));
    }
    if index.nulls_not_distinct {
        out.push_str(" NULLS NOT DISTINCT");
    }
    out.push_str(&with_options(&index.options));
    if let Some(predicate) = &index.predicate {
        let _ = write!(out, " WHERE {predicate}");
    }
    out
}

/// ` WITH (name='value', …)` for storage parameters read as `name=value`, or nothing.
pub(crate) fn with_options(options: &[String]) -> String {
    if options.is_empty() {
        return String::new();
    }
    let options: Vec<String> = options.iter().map(|o| option(o)).collect();
    format!(" WITH ({})", options.join(", "))
}

/// One storage parameter: the name as it is when it is a plain (possibly dotted) lower-case
/// word, as every parameter PostgreSQL knows is, else quoted; the value always a literal.
pub(crate) fn option(text: &str) -> String {
    let (name, value) = text.split_once('=').unwrap_or((text, "true"));
    format!("{}={}", option_key(name), quote_literal(value))
}

/// A storage parameter's name (`fillfactor`, `toast.autovacuum_enabled`).
pub(crate) fn option_key(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
    if plain {
        name.to_string()
    } else {
        quote_ident(name)
    }
}

/// One index key: column or parenthesised expression, operator class, order, nulls order
/// (written only where it differs from the default for the order).
pub fn index_key(key: &IndexKey) -> String {
    let mut out = match &key.expr {
        IndexExpr::Column(name) => quote_ident(name),
        IndexExpr::Expression(expression) => format!("({expression})"),
    };
    if let Some(collation) = &key.collation {
        let _ = write!(out, " COLLATE {collation}");
    }
    if let Some(opclass) = &key.opclass {
        let _ = write!(out, " {opclass}");
    }
    if key.descending {
        out.push_str(" DESC");
        if !key.nulls_first {
            out.push_str(" NULLS LAST");
        }
    } else if key.nulls_first {
        out.push_str(" NULLS FIRST");
    }
    out
}

/// `COMMENT ON TABLE` / `COMMENT ON COLUMN` statements for a table.
pub fn comments(table: &Table) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(comment) = &table.comment {
        out.push(format!(
            "COMMENT ON TABLE {} IS {}",
            qualified(&table.name),
            quote_literal(comment)
        ));
    }
    for column in &table.columns {
        if let Some(comment) = &column.comment {
            out.push(column_comment(&table.name, &column.name, Some(comment)));
        }
    }
    out
}

/// `COMMENT ON COLUMN t.c IS '…'` (or `IS NULL`).
pub(crate) fn column_comment(table: &TableName, column: &str, comment: Option<&String>) -> String {
    format!(
        "COMMENT ON COLUMN {}.{} IS {}",
        qualified(table),
        quote_ident(column),
        comment.map_or("NULL".to_string(), |c| quote_literal(c))
    )
}

pub(crate) fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}
