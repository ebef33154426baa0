//! What an operation risks on a live database: the lock it takes and for how long, whether
//! it rewrites or scans a table, builds an index, deletes data, may fail on the rows already
//! there, changes privileges or upgrades an extension. Said above each statement of a script
//! (`-- HAZARD: …`) and summed up on the console with the sizes of the tables concerned.

use std::collections::BTreeMap;

use super::ops::Op;
pub use crate::kinds::column::type_change_rewrites;
pub use crate::kinds::{Hazard, HazardKind, Lock, LockMode};
use crate::schema::TableName;

impl Op {
    /// What the operation risks on a database in use (see [`Hazard`]); nothing for one that
    /// only creates or drops what no query is using yet (a new table, view, function, type).
    /// Data loss is [`Op::destruction`]'s.
    pub fn hazards(&self) -> Vec<Hazard> {
        match self {
            Op::Enum(e) => e.hazards(),
            Op::Kind(c) => c.hazards(),
            Op::Rename { .. } => Vec::new(),
        }
    }
}

impl Op {
    /// The strongest lock the operation's statements take on each table that exists before
    /// it (as PostgreSQL's `pg_locks` shows it; checked in `tests/it/hazards.rs`). Nothing for
    /// what creates or drops objects no query uses yet, or does not lock a table.
    pub fn locks(&self) -> Vec<Lock> {
        match self {
            Op::Kind(c) => c.locks(),
            Op::Enum(e) => e.locks(),
            Op::Rename { .. } => Vec::new(),
        }
    }
}

/// Rows (PostgreSQL's estimate) and bytes (with indexes and TOAST) of each table, in one
/// catalog query; a table that does not exist is left out.
pub fn relation_sizes(
    client: &mut postgres::Client,
    tables: &[TableName],
) -> BTreeMap<TableName, (f64, i64)> {
    let names: Vec<String> = tables.iter().map(crate::schema::qualified).collect();
    let query = "SELECT n, greatest(c.reltuples, 0)::float8, pg_total_relation_size(c.oid)
                 FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)
                 JOIN pg_class c ON c.oid = to_regclass(n)
                 ORDER BY i";
    let mut out = BTreeMap::new();
    if let Ok(rows) = client.query(query, &[&names]) {
        for row in rows {
            let name: String = row.get(0);
            if let Some(i) = names.iter().position(|n| *n == name) {
                out.insert(tables[i].clone(), (row.get(1), row.get(2)));
            }
        }
    }
    out
}

/// `41 M rows, 12 GB`.
pub fn size_text(rows: f64, bytes: i64) -> String {
    let rows = if rows >= 1e9 {
        format!("{:.0} G rows", rows / 1e9)
    } else if rows >= 1e6 {
        format!("{:.0} M rows", rows / 1e6)
    } else if rows >= 1e3 {
        format!("{:.0} k rows", rows / 1e3)
    } else {
        format!("{rows:.0} rows")
    };
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < units.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{rows}, {size:.0} {}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SqlType;

    #[test]
    fn binary_coercible_changes_do_not_rewrite() {
        let t = |a: &'static str, b: &'static str| {
            type_change_rewrites(&SqlType::from_static(a), &SqlType::from_static(b))
        };
        assert!(!t("character varying(10)", "character varying(20)"));
        assert!(!t("character varying(10)", "text"));
        assert!(!t("text", "character varying"));
        assert!(!t("numeric(10,2)", "numeric(12,2)"));
        assert!(!t("numeric(10,2)", "numeric"));
        assert!(t("character varying(20)", "character varying(10)"));
        assert!(t("integer", "bigint"));
        assert!(t("numeric(10,2)", "numeric(10,3)"));
        assert!(t("text", "character varying(10)"));
    }

    #[test]
    fn sizes_read_short() {
        assert_eq!(size_text(41e6, 12 * 1024 * 1024 * 1024), "41 M rows, 12 GB");
        assert_eq!(size_text(3.0, 8192), "3 rows, 8 kB");
    }
}
