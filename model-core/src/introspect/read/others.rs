//! `others.sql`: rules, event triggers, publications and default privileges, as the
//! statements that create and drop them.

use super::{AclKind, Row};
use crate::introspect::IntrospectError;
use crate::schema::{Other, OtherKind, Ownership};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/others.sql");
/// Collations, composite types, domains and range types, read the same way.
pub(in crate::introspect) const TYPES: &str = include_str!("../sql/types.sql");

pub(in crate::introspect) fn other(row: &Row) -> Result<Other, IntrospectError> {
    let kind: String = row.get("kind")?;
    Ok(Other {
        kind: row.kind(&kind)?,
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

impl Row {
    /// The kind a query names in its `kind` column, or an error naming it.
    fn kind(&self, name: &str) -> Result<OtherKind, IntrospectError> {
        OtherKind::from_name(name).ok_or_else(|| IntrospectError::Column {
            what: self.what,
            column: "kind".to_string(),
            message: format!("no kind of object is called {name:?}"),
        })
    }
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
