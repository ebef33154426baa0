//! `unmodelled.sql`: what the engine does not model, by kind and name.

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::Unmodelled;

pub(in crate::introspect) const SQL: &str = include_str!("../sql/unmodelled.sql");

pub(in crate::introspect) fn object(row: &Row) -> Result<Unmodelled, IntrospectError> {
    Ok(Unmodelled {
        kind: row.get("kind")?,
        name: row.get("name")?,
    })
}
