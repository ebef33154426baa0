//! `indexes.sql`: indexes that do not back a constraint, key by key.

use std::collections::HashMap;

use postgres::types::Oid;

use super::Row;
use crate::introspect::IntrospectError;
use crate::schema::{Index, IndexExpr, IndexKey};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/indexes.sql");

/// An index and the oid of its table (or materialized view).
pub(in crate::introspect) fn index(
    row: &Row,
    names: &HashMap<(Oid, i16), String>,
) -> Result<(Oid, Index), IntrospectError> {
    let relid: Oid = row.get("indrelid")?;
    let key_count = row.get::<i32>("key_count")?.max(0) as usize;
    let columns: Vec<String> = row
        .get::<Vec<i16>>("columns")?
        .iter()
        .map(|n| match n {
            0 => String::new(),
            n => names.get(&(relid, *n)).cloned().unwrap_or_default(),
        })
        .collect();
    let definitions: Vec<String> = row.get("definitions")?;
    let opclasses: Vec<String> = row.get("opclasses")?;
    let options: Vec<i32> = row.get("options")?;
    let collations: Vec<String> = row.get("collations")?;
    let text = |list: &[String], k: usize| list.get(k).filter(|t| !t.is_empty()).cloned();
    let keys = (0..key_count.min(columns.len()))
        .map(|k| {
            let option = options.get(k).copied().unwrap_or(0);
            IndexKey {
                expr: match columns[k].as_str() {
                    "" => IndexExpr::Expression(definitions.get(k).cloned().unwrap_or_default()),
                    column => IndexExpr::Column(column.to_string()),
                },
                opclass: text(&opclasses, k),
                collation: text(&collations, k),
                descending: option & 1 != 0,
                nulls_first: option & 2 != 0,
            }
        })
        .collect();
    let index = Index {
        name: row.get("name")?,
        keys,
        include: columns.get(key_count..).unwrap_or_default().to_vec(),
        unique: row.get("indisunique")?,
        nulls_not_distinct: row.get("nulls_not_distinct")?,
        method: row.get("method")?,
        predicate: row.get("predicate")?,
        invalid: row.get("invalid")?,
        on_only: row.get("on_only")?,
        options: row.get("reloptions")?,
        attached_to: row.get("attached_to")?,
    };
    Ok((relid, index))
}
