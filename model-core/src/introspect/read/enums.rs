//! `enums.sql`: enum types with their labels in sort order.

use super::{AclKind, Row};
use crate::introspect::IntrospectError;
use crate::schema::{EnumType, TableName};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/enums.sql");

pub(in crate::introspect) fn enum_type(row: &Row) -> Result<EnumType, IntrospectError> {
    Ok(EnumType {
        name: TableName::new(row.get::<String>("schema")?, row.get::<String>("name")?),
        labels: row.get("labels")?,
        grants: row.acl_grants(AclKind::Type)?,
    })
}
