//! Schema descriptions and operations to PostgreSQL SQL.
//!
//! Output is deterministic (same input, byte-identical text) and laid out for review: one
//! column per line in `CREATE TABLE`, one statement per operation, and a `-- DESTRUCTIVE`
//! line before every statement that can lose data.

mod online;
mod ops;

pub use crate::kinds::ddl::{
    check_clause, column_definition, comments, create_index, create_table, foreign_key_clause,
    identity_clause, index_key, not_valid_constraints, primary_key_clause, unique_clause,
};
pub use crate::sql::{comment, quote_ident, quote_literal};
pub use online::{online_revision_body, online_statements, still_blocking};
pub use ops::{
    op_statements, plan_statements, revision_body, script, statements, RevisionBody, Statement,
};

use crate::diff::diff;
use crate::schema::Schema;

pub use crate::schema::qualified;

/// The timeouts a script sets: `lock_timeout`, and `statement_timeout` unless `None` (zero:
/// none). The runner's `LockRetries` gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub lock_timeout: std::time::Duration,
    pub statement_timeout: Option<std::time::Duration>,
}

/// `SET lock_timeout …;` and, when there is one, `SET statement_timeout …;`, a line each.
fn set_timeouts(timeouts: &Timeouts) -> String {
    let mut out = format!(
        "SET lock_timeout = {};\n",
        quote_literal(&crate::sql::duration_text(timeouts.lock_timeout))
    );
    if let Some(limit) = timeouts.statement_timeout {
        out.push_str(&format!(
            "SET statement_timeout = {};\n",
            quote_literal(&crate::sql::duration_text(limit))
        ));
    }
    out
}

/// The lines a generated part begins with: the timeouts the runner applies, written out for
/// whoever runs the part another way (psql, `upgrade --sql`) and for linters (squawk's
/// `require-timeout-settings`). The runner runs them its way: within the revision's
/// transaction, and again after a lock timeout, after a pause (see the runner's
/// `LockRetries`).
/// The hazards of the statements `ops` are written as (their online form for a server of
/// `online`'s version, when given), gravest first, each once.
pub fn hazards(
    ops: &[crate::diff::Op],
    online: Option<crate::sql::PgVersion>,
) -> Vec<crate::diff::Hazard> {
    let statements = match online {
        Some(version) => online_statements(ops, version),
        None => plan_statements(ops),
    };
    let mut hazards: Vec<crate::diff::Hazard> =
        statements.into_iter().flat_map(|s| s.hazards).collect();
    hazards.sort_by(|a, b| (a.kind, &a.relation).cmp(&(b.kind, &b.relation)));
    hazards.dedup();
    hazards
}

pub fn timeout_settings(timeouts: impl Into<Timeouts>) -> String {
    let mut out = String::from(
        "-- Timeouts. The runner applies them itself: in its transaction when there is one, and\n-- again on each attempt after a lock timeout.\n",
    );
    out.push_str(&set_timeouts(&timeouts.into()));
    out
}

/// `sql` (a revision body's part) as a script for `psql -v ON_ERROR_STOP=1 -f`: the timeouts
/// a revision has, set for the session, then the statements in one transaction when the part
/// is transactional (so it applies whole or not at all, and its `SET LOCAL`s hold), or one
/// by one when it is not (`CREATE INDEX CONCURRENTLY`), its `SET LOCAL`s then made session
/// settings (outside a transaction `SET LOCAL` does nothing).
pub fn psql_script(sql: &str, transactional: bool, timeouts: impl Into<Timeouts>) -> String {
    let mut out = String::from("-- For psql -v ON_ERROR_STOP=1 -f: ");
    out.push_str(if transactional {
        "one transaction; a statement waits at most lock_timeout for a lock.\n"
    } else {
        "statements run one by one, outside a transaction; a statement waits at most lock_timeout for a lock.\n"
    });
    out.push_str(&set_timeouts(&timeouts.into()));
    if transactional {
        out.push_str("BEGIN;\n\n");
        out.push_str(sql.trim_end());
        out.push_str("\n\nCOMMIT;\n");
    } else {
        out.push('\n');
        // A statement's first line follows a line that ends one (or a comment, or nothing).
        let mut at_start = true;
        for line in sql.lines() {
            match line.strip_prefix("SET LOCAL ") {
                Some(rest) if at_start => out.push_str(&format!("SET {rest}")),
                _ => out.push_str(line),
            }
            out.push('\n');
            let trimmed = line.trim();
            at_start = trimmed.is_empty() || trimmed.ends_with(';') || trimmed.starts_with("--");
        }
    }
    out
}

/// The script that creates `schema` in an empty database: schemas, types and sequences, then
/// tables in dependency order (a referenced table before the tables referencing it), each with
/// its indexes and comments, then the foreign keys that a reference cycle kept out of
/// `CREATE TABLE`. It is the upgrade from an empty schema.
pub fn create_schema(schema: &Schema) -> String {
    script(&diff(&Schema::default(), schema).upgrade)
}
