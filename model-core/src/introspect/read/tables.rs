//! `tables.sql`: ordinary tables with their comment, row-level security, privileges, storage
//! parameters, persistence and replica identity.

use postgres::types::Oid;

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::{PartitionOf, ReplicaIdentity, Table, TableName};

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
    table.partition_by = row.get("partition_by")?;
    let schemas: Vec<String> = row.get("inherits_schemas")?;
    let names: Vec<String> = row.get("inherits_names")?;
    table.inherits = schemas
        .into_iter()
        .zip(names)
        .map(|(schema, name)| TableName::new(schema, name))
        .collect();
    table.partition_of = match row.get::<Option<String>>("parent_name")? {
        Some(parent) => Some(PartitionOf {
            parent: TableName::new(row.get::<String>("parent_schema")?, parent),
            bound: row
                .get::<Option<String>>("partition_bound")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok((row.get("oid")?, table))
}
