//! `schemas.sql`: the managed schemas that exist, with their comments.

use super::{AclKind, Row};
use crate::introspect::IntrospectError;
use crate::schema::Namespace;

pub(in crate::introspect) const SQL: &str = include_str!("../sql/schemas.sql");

pub(in crate::introspect) fn schema(row: &Row) -> Result<Namespace, IntrospectError> {
    Ok(Namespace {
        name: row.get("nspname")?,
        comment: row.get("comment")?,
        grants: row.acl_grants(AclKind::Schema)?,
    })
}
