//! `others.sql`: rules, event triggers, publications and default privileges, as the
//! statements that create and drop them.

use super::{AclKind, Row};
use crate::introspect::IntrospectError;
use crate::schema::{Other, Ownership};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/others.sql");
/// Collations, composite types, domains and range types, read the same way.
pub(in crate::introspect) const TYPES: &str = include_str!("../sql/types.sql");

pub(in crate::introspect) fn other(row: &Row) -> Result<Other, IntrospectError> {
    Ok(Other {
        kind: row.get("kind")?,
        name: row.get("name")?,
        create: row.get("create_sql")?,
        drop: row.get("drop_sql")?,
        parts: Vec::new(),
        grants: Vec::new(),
    })
}

/// A collation, composite type, domain or range type, with what can change in place.
pub(in crate::introspect) fn typed(row: &Row) -> Result<Other, IntrospectError> {
    Ok(Other {
        parts: row.get("parts")?,
        grants: row.acl_grants(AclKind::Type)?,
        ..other(row)?
    })
}

/// Who owns each object, one row each.
pub(in crate::introspect) const OWNERS: &str = include_str!("../sql/owners.sql");

pub(in crate::introspect) fn ownership(row: &Row) -> Result<Ownership, IntrospectError> {
    Ok(Ownership {
        kind: row.get("kind")?,
        name: row.get("name")?,
        owner: row.get("owner")?,
    })
}
