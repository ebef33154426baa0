//! Schema descriptions and operations to PostgreSQL SQL.
//!
//! Output is deterministic (same input, byte-identical text) and laid out for review: one
//! column per line in `CREATE TABLE`, one statement per operation, and a `-- DESTRUCTIVE`
//! line before every statement that can lose data.

mod ddl;
mod online;
mod ops;

pub use crate::sql::{comment, quote_ident, quote_literal};
pub use ddl::{
    check_clause, column_definition, comments, create_index, create_table, foreign_key_clause,
    identity_clause, index_key, not_valid_constraints, primary_key_clause, unique_clause,
};
pub use online::{online_revision_body, online_statements, still_blocking};
pub use ops::{
    op_statements, plan_statements, revision_body, script, statements, RevisionBody, Statement,
};

use crate::diff::diff;
use crate::schema::{Schema, TableName};

/// `schema.name`, each part quoted where needed.
pub fn qualified(name: &TableName) -> String {
    crate::sql::qualified(&name.schema, &name.name)
}

/// The lines a generated part begins with: the timeouts the runner applies, written out for
/// whoever runs the part another way (psql, `upgrade --sql`) and for linters (squawk's
/// `require-timeout-settings`). The runner runs them its way: within the revision's
/// transaction, and again after a lock timeout, after a pause (see
/// [`crate::migrate::LockRetries`]).
pub fn timeout_settings(retries: &crate::migrate::LockRetries) -> String {
    use crate::migrate::duration_text;
    let mut out = String::from(
        "-- Timeouts. The runner applies them itself: in its transaction when there is one, and\n-- again on each attempt after a lock timeout.\n",
    );
    out.push_str(&format!(
        "SET lock_timeout = {};\n",
        quote_literal(&duration_text(retries.lock_timeout))
    ));
    if let Some(limit) = retries.statement_timeout {
        out.push_str(&format!(
            "SET statement_timeout = {};\n",
            quote_literal(&duration_text(limit))
        ));
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
