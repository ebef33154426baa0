//! `triggers.sql`: triggers as `pg_get_triggerdef` prints them, and whether they fire.

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::{TableName, Trigger, TriggerEnabled};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/triggers.sql");

pub(in crate::introspect) fn trigger(row: &Row) -> Result<Trigger, IntrospectError> {
    Ok(Trigger {
        table: TableName::new(
            row.get::<String>("schema")?,
            row.get::<String>("table_name")?,
        ),
        name: row.get("name")?,
        definition: row.get("definition")?,
        function: TableName::new(
            row.get::<String>("function_schema")?,
            row.get::<String>("function_name")?,
        ),
        enabled: match row.get::<String>("enabled")?.as_str() {
            "D" => TriggerEnabled::Disabled,
            "R" => TriggerEnabled::Replica,
            "A" => TriggerEnabled::Always,
            _ => TriggerEnabled::Origin,
        },
    })
}
