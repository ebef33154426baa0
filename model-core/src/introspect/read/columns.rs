//! `columns.sql`: every column of the tables read, with its default or generation expression,
//! identity and its sequence's options, collation, comment and privileges.

use postgres::types::Oid;

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::{Column, Identity, IdentityKind, NotNull, SqlType};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/columns.sql");

/// A column, with its table's oid, its attribute number and whether it is the table's own
/// (not only inherited).
pub(in crate::introspect) fn column(
    row: &Row,
) -> Result<(Oid, i16, Column, bool), IntrospectError> {
    let ty = SqlType::new(row.get::<String>("type")?);
    let kind = match row.get::<String>("identity")?.as_str() {
        "a" => Some(IdentityKind::Always),
        "d" => Some(IdentityKind::ByDefault),
        _ => None,
    };
    let identity = match kind {
        Some(kind) => Some(
            Identity {
                kind,
                start: row.get("seqstart")?,
                increment: row.get("seqincrement")?,
                min_value: row.get("seqmin")?,
                max_value: row.get("seqmax")?,
                cache: row.get("seqcache")?,
                cycle: row.get::<Option<bool>>("seqcycle")?.unwrap_or(false),
            }
            .normalized(&ty),
        ),
        None => None,
    };
    let column = Column {
        name: row.get("attname")?,
        ty,
        nullable: !row.get::<bool>("attnotnull")?,
        default: row.get("default_expr")?,
        identity,
        generated: row.get("generated_expr")?,
        virtual_generated: row.get("virtual_generated")?,
        // The name as read, dropped later where it is PostgreSQL's default.
        not_null: NotNull {
            name: row.get("not_null_name")?,
            not_valid: row.get("not_null_not_valid")?,
            no_inherit: row.get("not_null_no_inherit")?,
            inherited: row.get("not_null_inherited")?,
            inherited_only: row.get("not_null_inherited_only")?,
        },
        collation: row.get("collation")?,
        storage: row.get("storage")?,
        statistics: row.get("statistics")?,
        comment: row.get("comment")?,
        grants: row.grants()?,
    };
    Ok((
        row.get("attrelid")?,
        row.get("attnum")?,
        column,
        row.get("attislocal")?,
    ))
}
