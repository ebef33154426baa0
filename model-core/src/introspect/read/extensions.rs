//! `extensions.sql`: installed extensions (not plpgsql).

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::Extension;

pub(in crate::introspect) const SQL: &str = include_str!("../sql/extensions.sql");

pub(in crate::introspect) fn extension(row: &Row) -> Result<Extension, IntrospectError> {
    Ok(Extension {
        name: row.get("name")?,
        schema: row.get("schema")?,
        version: row.get("version")?,
        relocatable: row.get("relocatable")?,
    })
}
