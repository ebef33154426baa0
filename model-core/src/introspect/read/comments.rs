//! `comments.sql`: comments on the objects that do not carry their own.

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::ObjectComment;

pub(in crate::introspect) const SQL: &str = include_str!("../sql/comments.sql");

pub(in crate::introspect) fn read(row: &Row) -> Result<ObjectComment, IntrospectError> {
    Ok(ObjectComment {
        kind: row.get("kind")?,
        identity: row.get("identity")?,
        text: row.get("comment")?,
    })
}
