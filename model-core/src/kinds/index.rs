//! Indexes of tables that stay (`CREATE INDEX`, `DROP INDEX`); a new table's are part of its
//! creation, a view's of the view's. A changed index is dropped and created again (the diff
//! compares them with the table's other parts); `--online` builds them `CONCURRENTLY`.

use super::ddl::create_index;
use super::Hazard;
use super::{hazard, lock, Change, HazardKind, Hint, Kind, Lock, LockMode, Stage};
use crate::schema::{Index, TableName};
use crate::sql::quote_ident;

/// An index and the table it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableIndex {
    /// The table (the index's schema is the table's).
    pub table: TableName,
    /// The index.
    pub index: Index,
}

impl TableIndex {
    /// `index` on `table`.
    pub fn new(table: &TableName, index: &Index) -> TableIndex {
        TableIndex {
            table: table.clone(),
            index: index.clone(),
        }
    }

    /// Creating `index` on `table`.
    pub fn create(table: &TableName, index: &Index) -> Change<TableIndex> {
        Change::Create(TableIndex::new(table, index))
    }

    /// Dropping `index` from `table`.
    pub fn drop(table: &TableName, index: &Index) -> Change<TableIndex> {
        Change::Drop(TableIndex::new(table, index))
    }
}

fn drop_sql(x: &TableIndex) -> String {
    format!(
        "DROP INDEX {}.{}",
        quote_ident(&x.table.schema),
        quote_ident(&x.index.name)
    )
}

impl Kind for TableIndex {
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(x) => vec![create_index(&x.table, &x.index)],
            Change::Drop(x) => vec![drop_sql(x)],
            Change::Alter { from, to } => vec![drop_sql(from), create_index(&to.table, &to.index)],
        }
    }

    fn notes(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(x) if x.index.invalid => vec![format!(
                "index {} was invalid (a failed concurrent build); it is recreated valid",
                x.index.name
            )],
            Change::Drop(x) if x.index.invalid => vec![format!(
                "index {} is invalid (a failed or cancelled concurrent build): it is not used and may not enforce uniqueness; dropped and built again",
                x.index.name
            )],
            _ => Vec::new(),
        }
    }

    fn describe(change: &Change<Self>) -> String {
        let TableIndex { table, index } = change.subject();
        match change {
            Change::Drop(_) if index.invalid => format!(
                "invalid index '{}' on '{table}' (a failed concurrent build); it is rebuilt",
                index.name
            ),
            Change::Drop(_) => format!("removed index '{}' on '{table}'", index.name),
            Change::Create(_) => format!("added index '{}' on '{table}'", index.name),
            Change::Alter { .. } => format!("changed index '{}' on '{table}'", index.name),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Drop(_) => Stage::DropConstraints,
            Change::Create(_) | Change::Alter { .. } => Stage::AddConstraints,
        }
    }

    fn locks(change: &Change<Self>) -> Vec<Lock> {
        let table = &change.subject().table;
        match change {
            Change::Create(_) => vec![lock(LockMode::Share, table)],
            Change::Drop(_) | Change::Alter { .. } => vec![lock(LockMode::AccessExclusive, table)],
        }
    }

    fn hazards(change: &Change<Self>) -> Vec<Hazard> {
        let table = &change.subject().table;
        match change {
            Change::Create(_) => vec![hazard(HazardKind::BuildsIndex, table)],
            Change::Drop(_) => vec![hazard(HazardKind::BriefExclusive, table)],
            Change::Alter { .. } => vec![
                hazard(HazardKind::BriefExclusive, table),
                hazard(HazardKind::BuildsIndex, table),
            ],
        }
    }
}
