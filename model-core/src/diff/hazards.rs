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

/// How many rows a table holds, and how that was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RowCount {
    /// PostgreSQL's estimate as of the table's last `ANALYZE` or `VACUUM` (`reltuples`).
    Statistics(f64),
    /// Never analyzed, and small: counted (`count(*)`).
    Counted(i64),
    /// Never analyzed, and large: estimated from a 1% sample of its pages.
    Sampled(f64),
    /// Never analyzed, and neither counted nor sampled (a partitioned table: its rows are its
    /// partitions').
    Unknown,
}

/// The rows and bytes of a table, for the hazard summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelationSize {
    /// Its rows, and how they were found.
    pub rows: RowCount,
    /// Its bytes, with indexes and TOAST.
    pub bytes: i64,
}

impl std::fmt::Display for RelationSize {
    /// `41 M rows, 12 GB`; `100 k rows, 3 MB; never analyzed: counted`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.rows {
            RowCount::Statistics(rows) => f.write_str(&size_text(rows, self.bytes)),
            RowCount::Counted(rows) => write!(
                f,
                "{}; never analyzed: counted",
                size_text(rows as f64, self.bytes)
            ),
            RowCount::Sampled(rows) => write!(
                f,
                "~{}; never analyzed: estimated from a 1% sample",
                size_text(rows, self.bytes)
            ),
            RowCount::Unknown => write!(
                f,
                "rows unknown (never analyzed), {}",
                size_text(0.0, self.bytes).trim_start_matches("0 rows, ")
            ),
        }
    }
}

/// Tables never analyzed whose heap is at most this many bytes are counted; larger ones are
/// sampled.
pub const COUNT_BELOW_BYTES: i64 = 64 * 1024 * 1024;

/// Rows and bytes (with indexes and TOAST) of each table: PostgreSQL's estimate where the
/// table was analyzed; where it never was (`reltuples` is -1, which read as "0 rows"), counted
/// when its heap is at most [`COUNT_BELOW_BYTES`], else estimated from a 1% sample. At most
/// three queries, whatever the number of tables; a table that does not exist is left out.
pub fn relation_sizes(
    client: &mut postgres::Client,
    tables: &[TableName],
) -> BTreeMap<TableName, RelationSize> {
    relation_sizes_counting_below(client, tables, COUNT_BELOW_BYTES)
}

/// [`relation_sizes`], counting never-analyzed tables up to `count_below` bytes of heap.
pub fn relation_sizes_counting_below(
    client: &mut postgres::Client,
    tables: &[TableName],
    count_below: i64,
) -> BTreeMap<TableName, RelationSize> {
    let names: Vec<String> = tables.iter().map(crate::schema::qualified).collect();
    let query = "SELECT n, c.reltuples::float8, pg_total_relation_size(c.oid),
                        pg_relation_size(c.oid), c.relkind::text
                 FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)
                 JOIN pg_class c ON c.oid = to_regclass(n)
                 ORDER BY i";
    let mut out = BTreeMap::new();
    let Ok(rows) = client.query(query, &[&names]) else {
        return out;
    };
    // Never analyzed: (index, heap bytes) of plain tables and materialized views.
    let mut unknown: Vec<(usize, i64)> = Vec::new();
    for row in rows {
        let name: String = row.get(0);
        let Some(i) = names.iter().position(|n| *n == name) else {
            continue;
        };
        let (reltuples, bytes, heap, kind): (f64, i64, i64, String) =
            (row.get(1), row.get(2), row.get(3), row.get(4));
        let rows = if reltuples >= 0.0 {
            RowCount::Statistics(reltuples)
        } else {
            if kind == "r" || kind == "m" {
                unknown.push((i, heap));
            }
            RowCount::Unknown
        };
        out.insert(tables[i].clone(), RelationSize { rows, bytes });
    }
    let (small, large): (Vec<_>, Vec<_>) =
        unknown.into_iter().partition(|(_, h)| *h <= count_below);
    let ask = |client: &mut postgres::Client, which: &[(usize, i64)], sample: bool| {
        let probes: Vec<String> = which
            .iter()
            .map(|(i, _)| match sample {
                false => format!("SELECT {i}, count(*)::float8 FROM {}", names[*i]),
                true => format!(
                    "SELECT {i}, count(*)::float8 * 100 FROM {} TABLESAMPLE SYSTEM (1)",
                    names[*i]
                ),
            })
            .collect();
        if probes.is_empty() {
            return Vec::new();
        }
        client
            .query(&probes.join(" UNION ALL "), &[])
            .map(|rows| {
                rows.iter()
                    .map(|r| (r.get::<_, i32>(0) as usize, r.get::<_, f64>(1)))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (sample, which) in [(false, &small), (true, &large)] {
        for (i, rows) in ask(client, which, sample) {
            if let Some(size) = out.get_mut(&tables[i]) {
                size.rows = match sample {
                    false => RowCount::Counted(rows as i64),
                    true => RowCount::Sampled(rows),
                };
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
        let size = |rows| RelationSize {
            rows,
            bytes: 3 * 1024 * 1024,
        };
        assert_eq!(
            size(RowCount::Counted(100_000)).to_string(),
            "100 k rows, 3 MB; never analyzed: counted"
        );
        assert_eq!(
            size(RowCount::Sampled(2.5e6)).to_string(),
            "~2 M rows, 3 MB; never analyzed: estimated from a 1% sample"
        );
        assert_eq!(
            size(RowCount::Unknown).to_string(),
            "rows unknown (never analyzed), 3 MB"
        );
    }
}
