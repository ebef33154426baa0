//! `functions.sql`: functions and procedures as `pg_get_functiondef` prints them.

use super::{AclKind, Row};
use crate::introspect::IntrospectError;
use crate::schema::{Function, TableName};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/functions.sql");

pub(in crate::introspect) fn function(row: &Row) -> Result<Function, IntrospectError> {
    Ok(Function {
        name: TableName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
        arguments: row.get("arguments")?,
        types: row.get("types")?,
        returns: row.get("returns")?,
        definition: row.get("definition")?,
        procedure: row.get("procedure")?,
        grants: row.acl_grants(AclKind::Function)?,
    })
}
