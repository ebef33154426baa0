//! `sequences.sql`: standalone sequences with their options, owning column and privileges.

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::{ColumnRef, Sequence, SqlType, TableName};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/sequences.sql");

pub(in crate::introspect) fn sequence(row: &Row) -> Result<Sequence, IntrospectError> {
    let owned_by = match row.get::<Option<String>>("owner_table")? {
        Some(table) => Some(ColumnRef {
            table: TableName::new(row.get::<String>("owner_schema")?, table),
            column: row.get("owner_column")?,
        }),
        None => None,
    };
    Ok(Sequence {
        name: TableName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
        data_type: SqlType::new(row.get::<String>("type")?),
        start: row.get("seqstart")?,
        increment: row.get("seqincrement")?,
        min_value: row.get("seqmin")?,
        max_value: row.get("seqmax")?,
        cache: row.get("seqcache")?,
        cycle: row.get("seqcycle")?,
        owned_by,
        grants: row.grants()?,
    })
}
