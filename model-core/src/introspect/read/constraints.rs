//! `constraints.sql`: primary keys, foreign keys, unique, check and exclusion constraints.

use std::collections::HashMap;

use postgres::types::Oid;

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::{
    CheckConstraint, Deferral, ExclusionConstraint, FkAction, ForeignKey, PrimaryKey, Table,
    TableName, UniqueConstraint,
};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/constraints.sql");

/// The table's oid.
pub(in crate::introspect) fn table_of(row: &Row) -> Result<Oid, IntrospectError> {
    row.get("conrelid")
}

/// Adds the constraint of `row` to `table`; `names` names columns by (table, number).
pub(in crate::introspect) fn add_to(
    table: &mut Table,
    row: &Row,
    names: &HashMap<(Oid, i16), String>,
) -> Result<(), IntrospectError> {
    let name: String = row.get("conname")?;
    let relid: Oid = row.get("conrelid")?;
    let timing = Deferral {
        deferrable: row.get("condeferrable")?,
        initially_deferred: row.get("condeferred")?,
    };
    let not_valid: bool = row.get("not_valid")?;
    let numbers = |relid: Oid, numbers: Option<Vec<i16>>| -> Vec<String> {
        numbers
            .unwrap_or_default()
            .iter()
            .map(|n| names.get(&(relid, *n)).cloned().unwrap_or_default())
            .collect()
    };
    let columns = numbers(relid, row.get("columns")?);
    match row.get::<String>("contype")?.as_str() {
        "p" => {
            table.primary_key = Some(PrimaryKey {
                name,
                columns,
                without_overlaps: row.get("period")?,
                timing,
            })
        }
        "f" => table.foreign_keys.push(ForeignKey {
            name,
            columns,
            references: TableName::new(
                row.get::<String>("ref_schema")?,
                row.get::<String>("ref_table")?,
            ),
            referenced_columns: match row.get::<Option<Vec<String>>>("ref_column_names")? {
                Some(outside) => outside,
                None => numbers(row.get("confrelid")?, row.get("ref_columns")?),
            },
            on_update: action(&row.get::<String>("confupdtype")?),
            on_delete: action(&row.get::<String>("confdeltype")?),
            match_full: row.get::<String>("confmatchtype")? == "f",
            deferrable: timing.deferrable,
            initially_deferred: timing.initially_deferred,
            not_valid,
            not_enforced: row.get("not_enforced")?,
            period: row.get("period")?,
            on_delete_columns: numbers(relid, row.get("delete_set_columns")?),
        }),
        "u" => table.uniques.push(UniqueConstraint {
            name,
            columns,
            nulls_not_distinct: row.get("nulls_not_distinct")?,
            without_overlaps: row.get("period")?,
            timing,
        }),
        "c" => table.checks.push(CheckConstraint {
            name,
            expression: row.get::<Option<String>>("check_expr")?.unwrap_or_default(),
            not_valid,
            no_inherit: row.get("no_inherit")?,
            not_enforced: row.get("not_enforced")?,
        }),
        _ => table.exclusions.push(ExclusionConstraint {
            name,
            definition: row.get("definition")?,
        }),
    }
    Ok(())
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}
