//! `tables.sql`: ordinary tables with their comment, row-level security, privileges, storage
//! parameters, persistence and replica identity.

use postgres::types::Oid;

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::{ReplicaIdentity, Table, TableName};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/tables.sql");

/// A table (without columns, constraints and indexes yet) and its oid.
pub(in crate::introspect) fn table(row: &Row) -> Result<(Oid, Table), IntrospectError> {
    let mut table = Table::new(TableName::new(
        row.get::<String>("schema")?,
        row.get::<String>("name")?,
    ));
    table.comment = row.get("comment")?;
    table.row_level_security = row.get("relrowsecurity")?;
    table.force_row_level_security = row.get("relforcerowsecurity")?;
    table.options = row.get("options")?;
    table.unlogged = row.get("unlogged")?;
    table.replica_identity = match row.get::<String>("replica_identity")?.as_str() {
        "f" => ReplicaIdentity::Full,
        "n" => ReplicaIdentity::Nothing,
        "i" => match row.get::<Option<String>>("replica_index")? {
            Some(index) => ReplicaIdentity::Index(index),
            None => ReplicaIdentity::Nothing,
        },
        _ => ReplicaIdentity::Default,
    };
    table.grants = row.grants()?;
    Ok((row.get("oid")?, table))
}
