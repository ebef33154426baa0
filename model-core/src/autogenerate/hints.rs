//! Advice on a plan that is not a hazard of its statements: what the schema it leads to will
//! cost later.

use crate::diff::{Op, Plan};
use crate::kinds::{Change, Constraint, KindChange, TableConstraint, WholeTable};
use crate::schema::{ForeignKey, IndexExpr, Schema, Table, TableName};

/// A foreign key whose referencing columns lead no index of their table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnindexedForeignKey {
    /// The referencing table.
    pub table: TableName,
    /// The constraint.
    pub name: String,
    /// Its referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references: TableName,
}

impl std::fmt::Display for UnindexedForeignKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "foreign key {} on {} ({}) has no index starting with its columns: each delete or key update in {} scans {} (add an index on ({}))",
            self.name,
            self.table,
            self.columns.join(", "),
            self.references,
            self.table,
            self.columns.join(", ")
        )
    }
}

/// The foreign keys `plan` adds whose referencing columns are not the leading columns of any
/// index, primary key or unique constraint of their table in `target` (the schema the plan
/// leads to). PostgreSQL indexes the referenced side only: without one, deleting or updating
/// a referenced row scans the referencing table (for every row, under `ON DELETE CASCADE`).
pub fn unindexed_foreign_keys(plan: &Plan, target: &Schema) -> Vec<UnindexedForeignKey> {
    let mut added: Vec<(&TableName, &ForeignKey)> = Vec::new();
    for op in &plan.upgrade {
        match op {
            Op::Kind(KindChange::WholeTable(Change::Create(WholeTable { table, .. }))) => {
                added.extend(table.foreign_keys.iter().map(|fk| (&table.name, fk)));
            }
            Op::Kind(KindChange::TableConstraint(Change::Create(TableConstraint {
                table,
                constraint: Constraint::ForeignKey(fk),
            }))) => added.push((table, fk)),
            _ => {}
        }
    }
    added
        .into_iter()
        .filter(|(table, fk)| target.table(table).is_some_and(|t| !served(t, &fk.columns)))
        .map(|(table, fk)| UnindexedForeignKey {
            table: table.clone(),
            name: fk.name.clone(),
            columns: fk.columns.clone(),
            references: fk.references.clone(),
        })
        .collect()
}

/// Whether some b-tree index (not partial), the primary key or a unique constraint of `table`
/// starts with `columns` (in any order).
fn served(table: &Table, columns: &[String]) -> bool {
    let leads = |keys: Vec<&str>| {
        keys.len() >= columns.len()
            && columns
                .iter()
                .all(|c| keys[..columns.len()].contains(&c.as_str()))
    };
    fn key_columns(cols: &[String]) -> Vec<&str> {
        cols.iter().map(String::as_str).collect()
    }
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| leads(key_columns(&pk.columns)))
        || table.uniques.iter().any(|u| leads(key_columns(&u.columns)))
        || table.indexes.iter().any(|i| {
            i.method == "btree"
                && i.predicate.is_none()
                && leads(
                    i.keys
                        .iter()
                        .map_while(|k| match &k.expr {
                            IndexExpr::Column(c) => Some(c.as_str()),
                            IndexExpr::Expression(_) => None,
                        })
                        .collect(),
                )
        })
}
