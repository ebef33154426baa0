//! `policies.sql`: row-level security policies.

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::{Policy, TableName};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/policies.sql");

pub(in crate::introspect) fn read(row: &Row) -> Result<Policy, IntrospectError> {
    Ok(Policy {
        table: TableName::new(
            row.get::<String>("schema")?,
            row.get::<String>("table_name")?,
        ),
        name: row.get("name")?,
        permissive: row.get("permissive")?,
        command: row.get("command")?,
        roles: row.get("roles")?,
        using: row.get("using_expr")?,
        with_check: row.get("with_check")?,
    })
}
