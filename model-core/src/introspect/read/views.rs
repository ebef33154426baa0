//! `views.sql`: views and materialized views with their query, output columns, options and the
//! relations they read.

use postgres::types::Oid;

use super::{grant, Row};
use crate::introspect::IntrospectError;
use crate::schema::{SqlType, TableName, View};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/views.sql");

/// A view (without its indexes yet) and its oid.
pub(in crate::introspect) fn view(row: &Row) -> Result<(Oid, View), IntrospectError> {
    let column_names: Vec<String> = row.get("column_names")?;
    let column_types: Vec<String> = row.get("column_types")?;
    let depends_on: Vec<String> = row.get("depends_on")?;
    // `ordinal|role:PRIV,PRIV*`: the column by its place (from 1) among `column_names`.
    let mut column_grants: Vec<(String, Vec<crate::schema::Grant>)> = Vec::new();
    for entry in row.get::<Vec<String>>("column_grants")? {
        let parsed = entry.split_once('|').and_then(|(ordinal, entry)| {
            let i = ordinal.parse::<usize>().ok()?.checked_sub(1)?;
            Some((column_names.get(i)?, grant(entry)?))
        });
        let Some((column, grant)) = parsed else {
            continue;
        };
        match column_grants.iter_mut().find(|(c, _)| c == column) {
            Some((_, grants)) => grants.push(grant),
            None => column_grants.push((column.clone(), vec![grant])),
        }
    }
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
        grants: row.grants()?,
        column_grants,
    };
    Ok((row.get("oid")?, view))
}
