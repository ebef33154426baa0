//! The statements of a run that destroy data, found before anything runs: those the
//! renderer marked (`-- DESTRUCTIVE: …` above the statement) and, in scripts written by hand,
//! those whose shape says so (`DROP TABLE`, `ALTER TABLE … DROP COLUMN`, `TRUNCATE`,
//! `DELETE FROM`, `DROP SEQUENCE`, `DROP MATERIALIZED VIEW`, `DROP TYPE`, `DROP DOMAIN`,
//! `DROP SCHEMA … CASCADE`, `DROP EXTENSION`, `… DROP IDENTITY`).

use std::collections::BTreeMap;

use postgres::types::Type;

use crate::pg::{block_on, Blocking, Connection};

use super::partial::{self, Direction};
use crate::revision::Revision;
use crate::sql::quote_ident;
use crate::sql::tokens::{rewrite, SiteKind};

/// One statement of a run that destroys data or state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destruction {
    /// The revision it belongs to.
    pub revision: String,
    /// The line of the script it starts on.
    pub line: usize,
    /// What it destroys (the marker's text, or the statement's first line).
    pub what: String,
    /// The table whose rows it touches, quoted and qualified as written, when there is one.
    pub table: Option<String>,
    /// That table's rows now (`None` when it does not exist or was not counted).
    pub rows: Option<RowCount>,
}

/// How many rows a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowCount {
    /// Counted.
    Exact(i64),
    /// PostgreSQL's estimate, for tables too large to count before a migration.
    Estimate(i64),
}

impl std::fmt::Display for Destruction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} line {}: {}", self.revision, self.line, self.what)?;
        match (&self.table, self.rows) {
            (Some(table), Some(RowCount::Exact(n))) => {
                write!(
                    f,
                    " ({table} holds {n} row{})",
                    if n == 1 { "" } else { "s" }
                )
            }
            (Some(table), Some(RowCount::Estimate(n))) => {
                write!(f, " ({table} holds about {n} rows)")
            }
            _ => Ok(()),
        }
    }
}

/// Tables larger than this (by PostgreSQL's estimate) are not counted row by row.
const COUNT_LIMIT: f32 = 1_000_000.0;

/// The destructive statements of `revision` run in `direction`, without row counts.
pub fn destructive_statements(revision: &Revision, direction: Direction) -> Vec<Destruction> {
    let text: Vec<&str> = partial::sql(revision, direction).lines().collect();
    let first = match direction {
        Direction::Upgrade => revision.upgrade_line,
        Direction::Downgrade => revision.downgrade_line,
    };
    partial::statements(revision, direction)
        .into_iter()
        .filter_map(|(line, statement)| {
            let (marker, words, table) = classify(&statement);
            // The renderer's marker sits in the comment lines right above the statement.
            let start = (line + 1).saturating_sub(first.max(1)).saturating_sub(1);
            let above = text[..start.min(text.len())]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with("--"))
                .find_map(|l| {
                    l.trim()
                        .strip_prefix("-- DESTRUCTIVE:")
                        .map(|m| m.trim().to_string())
                });
            let what = marker.or(above).or_else(|| {
                shape_destroys(&words).then(|| {
                    let first = statement
                        .lines()
                        .map(str::trim)
                        .find(|l| !l.is_empty() && !l.starts_with("--"))
                        .unwrap_or_default();
                    first.to_string()
                })
            })?;
            Some(Destruction {
                revision: revision.id.clone(),
                line,
                what,
                table,
                rows: None,
            })
        })
        .collect()
}

/// Fills in the row counts of the tables the statements touch (tables that do not exist yet,
/// such as one created earlier in the same run, are left uncounted): PostgreSQL's estimates
/// in one catalog query, then one `count(*)` per table small enough to count.
pub fn count_rows(client: &mut impl Blocking, destructions: &mut [Destruction]) {
    block_on(count_rows_async(client, destructions))
}

/// [`count_rows`] over any [`Connection`].
pub async fn count_rows_async<C: Connection>(client: &mut C, destructions: &mut [Destruction]) {
    let mut tables: Vec<String> = destructions
        .iter()
        .filter_map(|d| d.table.clone())
        .collect();
    tables.sort();
    tables.dedup();
    if tables.is_empty() {
        return;
    }
    let Ok(rows) = client
        .query_typed(
            "SELECT t, c.reltuples FROM unnest($1::text[]) t
             JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(t)",
            &[(&tables, Type::TEXT_ARRAY)],
        )
        .await
    else {
        return;
    };
    let mut counts: BTreeMap<String, RowCount> = BTreeMap::new();
    for row in rows {
        let (table, estimate): (String, f32) = (row.get(0), row.get(1));
        let count = if estimate > COUNT_LIMIT {
            Some(RowCount::Estimate(estimate as i64))
        } else {
            crate::pg::query_opt(client, &format!("SELECT count(*) FROM {table}"), &[])
                .await
                .ok()
                .flatten()
                .map(|row| RowCount::Exact(row.get(0)))
        };
        counts.extend(count.map(|c| (table, c)));
    }
    for d in destructions.iter_mut() {
        d.rows = d.table.as_ref().and_then(|t| counts.get(t).copied());
    }
}

/// The `-- DESTRUCTIVE:` marker of a statement, its words (identifiers and keywords, outside
/// comments and literals, upper-cased unless quoted) and the table it names, if any.
fn classify(statement: &str) -> (Option<String>, Vec<String>, Option<String>) {
    let marker = statement.lines().find_map(|l| {
        l.trim()
            .strip_prefix("-- DESTRUCTIVE:")
            .map(|rest| rest.trim().to_string())
    });
    let mut words: Vec<(String, bool, bool)> = Vec::new();
    rewrite(statement, |site| {
        if site.kind == SiteKind::Ident {
            words.push((site.value.clone(), site.qualifies, site.qualifier.is_some()));
        }
        None
    });
    let upper: Vec<String> = words.iter().map(|(w, ..)| w.to_uppercase()).collect();
    // The relation after `TABLE`, `TRUNCATE` or `FROM` (schema-qualified or not).
    let table = ["TABLE", "TRUNCATE", "FROM"].iter().find_map(|keyword| {
        let at = upper.iter().position(|w| w == keyword)?;
        let mut i = at + 1;
        while matches!(
            upper.get(i).map(String::as_str),
            Some("IF" | "EXISTS" | "ONLY")
        ) {
            i += 1;
        }
        let (first, qualifies, _) = words.get(i)?;
        if *qualifies {
            let (second, ..) = words.get(i + 1)?;
            Some(format!("{}.{}", quote_ident(first), quote_ident(second)))
        } else {
            Some(quote_ident(first))
        }
    });
    (marker, upper, table)
}

/// Whether a statement's words have the shape of one that destroys data.
fn shape_destroys(words: &[String]) -> bool {
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or_default();
    let has = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    match w(0) {
        "DROP" => match w(1) {
            "TABLE" | "SEQUENCE" | "TYPE" | "DOMAIN" | "EXTENSION" => true,
            "MATERIALIZED" => true,
            "SCHEMA" => words.iter().any(|x| x == "CASCADE"),
            _ => false,
        },
        "TRUNCATE" => true,
        "DELETE" => w(1) == "FROM",
        "ALTER" => (w(1) == "TABLE" && has("DROP", "COLUMN")) || has("DROP", "IDENTITY"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_shapes() {
        let (marker, words, table) =
            classify("-- DESTRUCTIVE: drops table gone and all its rows\nDROP TABLE public.gone");
        assert_eq!(marker.as_deref(), Some("drops table gone and all its rows"));
        assert!(shape_destroys(&words));
        assert_eq!(table.as_deref(), Some("public.gone"));
        let (_, words, table) =
            classify("alter table \"Odd \"\"T\"\"\" drop column x -- DROP TABLE y");
        assert!(shape_destroys(&words));
        assert_eq!(table.as_deref(), Some("\"Odd \"\"T\"\"\""));
        let (_, words, table) = classify("DELETE FROM sales.orders WHERE false");
        assert!(shape_destroys(&words));
        assert_eq!(table.as_deref(), Some("sales.orders"));
        for harmless in [
            "CREATE TABLE t (a int)",
            "SELECT 'DROP TABLE x'",
            "ALTER TABLE t ADD COLUMN drop_column int",
            "DROP INDEX i",
            "DROP SCHEMA s",
        ] {
            let (_, words, _) = classify(harmless);
            assert!(!shape_destroys(&words), "{harmless}");
        }
    }
}
