//! `statistics.sql`: extended statistics objects.

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::{Statistics, TableName};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/statistics.sql");

/// Every kind there is: a database that has them all reads as the default (no list).
const EVERY_KIND: [&str; 3] = ["ndistinct", "dependencies", "mcv"];

pub(in crate::introspect) fn read(row: &Row) -> Result<Statistics, IntrospectError> {
    let mut kinds: Vec<String> = row.get("kinds")?;
    if kinds == EVERY_KIND {
        kinds.clear();
    }
    Ok(Statistics {
        name: TableName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
        table: TableName::new(
            row.get::<String>("table_schema")?,
            row.get::<String>("table_name")?,
        ),
        kinds,
        on: row.get("on_columns")?,
        target: row.get("target")?,
        comment: row.get("comment")?,
    })
}
