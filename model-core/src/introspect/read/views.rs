//! `views.sql`: views and materialized views with their query, output columns, options and the
//! relations they read.

use postgres::types::Oid;

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::{SqlType, TableName, View};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/views.sql");

/// A view (without its indexes yet) and its oid.
pub(in crate::introspect) fn view(row: &Row) -> Result<(Oid, View), IntrospectError> {
    let column_names: Vec<String> = row.get("column_names")?;
    let column_types: Vec<String> = row.get("column_types")?;
    let depends_on: Vec<String> = row.get("depends_on")?;
    let view = View {
        name: TableName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
        materialized: row.get("materialized")?,
        definition: row.get("definition")?,
        options: row.get("options")?,
        populated: row.get("populated")?,
        columns: column_names
            .into_iter()
            .zip(column_types.into_iter().map(SqlType::new))
            .collect(),
        indexes: Vec::new(),
        depends_on: depends_on.iter().map(|d| TableName::parse(d)).collect(),
    };
    Ok((row.get("oid")?, view))
}
