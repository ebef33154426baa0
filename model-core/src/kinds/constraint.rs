//! Table constraints of tables that stay: primary keys, foreign keys, unique, check and
//! exclusion constraints (`ALTER TABLE … ADD` / `DROP CONSTRAINT`). A new table's are part of
//! its creation. The one change in place is a check's or a foreign key's validity: `NOT
//! VALID` to valid is `VALIDATE CONSTRAINT`; back is a drop and an add `NOT VALID` (PostgreSQL
//! cannot mark a constraint NOT VALID again), which checks no row.

use super::ddl::{check_clause, foreign_key_clause, primary_key_clause, unique_clause};
use super::{hazard, lock, Change, Hazard, HazardKind, Hint, Kind, Lock, LockMode, Stage};
use crate::schema::{
    qualified, CheckConstraint, ExclusionConstraint, ForeignKey, PrimaryKey, TableName,
    UniqueConstraint,
};
use crate::sql::quote_ident;

/// One constraint of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// `PRIMARY KEY`.
    PrimaryKey(PrimaryKey),
    /// `FOREIGN KEY … REFERENCES`.
    ForeignKey(ForeignKey),
    /// `UNIQUE`.
    Unique(UniqueConstraint),
    /// `CHECK`.
    Check(CheckConstraint),
    /// `EXCLUDE`.
    Exclusion(ExclusionConstraint),
}

impl Constraint {
    /// The constraint's name.
    pub fn name(&self) -> &str {
        match self {
            Constraint::PrimaryKey(k) => &k.name,
            Constraint::ForeignKey(k) => &k.name,
            Constraint::Unique(u) => &u.name,
            Constraint::Check(c) => &c.name,
            Constraint::Exclusion(e) => &e.name,
        }
    }

    /// Whether it is `NOT VALID` (its rows not checked).
    pub fn not_valid(&self) -> bool {
        match self {
            Constraint::ForeignKey(k) => k.not_valid,
            Constraint::Check(c) => c.not_valid,
            _ => false,
        }
    }

    /// The table a foreign key references.
    pub fn references(&self) -> Option<&TableName> {
        match self {
            Constraint::ForeignKey(k) => Some(&k.references),
            _ => None,
        }
    }

    fn what(&self) -> &'static str {
        match self {
            Constraint::PrimaryKey(_) => "primary key",
            Constraint::ForeignKey(_) => "foreign key",
            Constraint::Unique(_) => "unique constraint",
            Constraint::Check(_) => "check constraint",
            Constraint::Exclusion(_) => "exclusion constraint",
        }
    }
}

/// A constraint and the table it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableConstraint {
    /// The table.
    pub table: TableName,
    /// The constraint.
    pub constraint: Constraint,
}

impl TableConstraint {
    /// `constraint` on `table`.
    pub fn new(table: &TableName, constraint: Constraint) -> TableConstraint {
        TableConstraint {
            table: table.clone(),
            constraint,
        }
    }

    /// Adding `constraint` to `table`.
    pub fn create(table: &TableName, constraint: Constraint) -> Change<TableConstraint> {
        Change::Create(TableConstraint::new(table, constraint))
    }

    /// Dropping `constraint` from `table`.
    pub fn drop(table: &TableName, constraint: Constraint) -> Change<TableConstraint> {
        Change::Drop(TableConstraint::new(table, constraint))
    }

    /// Whether a change of it validates it (the one change in place that checks rows).
    fn validated(change: &Change<Self>) -> bool {
        matches!(change, Change::Alter { to, .. } if !to.constraint.not_valid())
    }
}

fn add_sql(x: &TableConstraint) -> String {
    let table = qualified(&x.table);
    let not_valid = if x.constraint.not_valid() {
        " NOT VALID"
    } else {
        ""
    };
    match &x.constraint {
        Constraint::PrimaryKey(k) => format!("ALTER TABLE {table} ADD {}", primary_key_clause(k)),
        Constraint::ForeignKey(k) => {
            format!(
                "ALTER TABLE {table} ADD {}{not_valid}",
                foreign_key_clause(k)
            )
        }
        Constraint::Unique(u) => format!("ALTER TABLE {table} ADD {}", unique_clause(u)),
        Constraint::Check(c) => format!("ALTER TABLE {table} ADD {}{not_valid}", check_clause(c)),
        Constraint::Exclusion(e) => format!(
            "ALTER TABLE {table} ADD CONSTRAINT {} {}",
            quote_ident(&e.name),
            e.definition
        ),
    }
}

fn drop_sql(x: &TableConstraint) -> String {
    format!(
        "ALTER TABLE {} DROP CONSTRAINT {}",
        qualified(&x.table),
        quote_ident(x.constraint.name())
    )
}

impl Kind for TableConstraint {
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(x) => vec![add_sql(x)],
            Change::Drop(x) => vec![drop_sql(x)],
            Change::Alter { to, .. } if Self::validated(change) => vec![format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                qualified(&to.table),
                quote_ident(to.constraint.name())
            )],
            Change::Alter { from, to } => vec![drop_sql(from), add_sql(to)],
        }
    }

    fn notes(change: &Change<Self>) -> Vec<String> {
        let x = change.subject();
        if Self::validated(change) {
            vec![format!(
                "scans {} to check its rows against {}; fails if one breaks it",
                x.table,
                x.constraint.name()
            )]
        } else {
            Vec::new()
        }
    }

    fn describe(change: &Change<Self>) -> String {
        let TableConstraint { table, constraint } = change.subject();
        let (what, name) = (constraint.what(), constraint.name());
        match change {
            Change::Create(_) => format!("added {what} '{name}' on '{table}'"),
            Change::Drop(_) => format!("removed {what} '{name}' on '{table}'"),
            Change::Alter { .. } if Self::validated(change) => {
                format!("validated constraint '{name}' on '{table}'")
            }
            Change::Alter { .. } => format!("constraint '{name}' on '{table}' made NOT VALID"),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        let foreign = matches!(change.subject().constraint, Constraint::ForeignKey(_));
        match change {
            Change::Drop(_) if foreign => Stage::DropForeignKeys,
            Change::Drop(_) => Stage::DropConstraints,
            Change::Create(_) if !foreign => Stage::AddConstraints,
            Change::Create(_) | Change::Alter { .. } => Stage::AddForeignKeys,
        }
    }

    fn locks(change: &Change<Self>) -> Vec<Lock> {
        use LockMode::*;
        let x = change.subject();
        let mut out = Vec::new();
        let mut both = |mode: LockMode, referenced: LockMode| {
            out.push(lock(mode, &x.table));
            if let Some(references) = x.constraint.references() {
                out.push(lock(referenced, references));
            }
        };
        match change {
            // VALIDATE CONSTRAINT: reads and writes go on in both tables.
            Change::Alter { .. } if Self::validated(change) => both(ShareUpdateExclusive, RowShare),
            Change::Create(_) if x.constraint.references().is_some() => {
                both(ShareRowExclusive, ShareRowExclusive)
            }
            Change::Create(_) => both(AccessExclusive, AccessExclusive),
            // A foreign key's triggers on the referenced table go too.
            Change::Drop(_) | Change::Alter { .. } => both(AccessExclusive, AccessExclusive),
        }
        out
    }

    fn hazards(change: &Change<Self>) -> Vec<Hazard> {
        use HazardKind::*;
        let TableConstraint { table, constraint } = change.subject();
        match (change, constraint) {
            (Change::Alter { .. }, _) if Self::validated(change) => vec![hazard(MayFail, table)],
            (
                Change::Create(_),
                Constraint::PrimaryKey(_) | Constraint::Unique(_) | Constraint::Exclusion(_),
            ) => vec![
                hazard(BuildsIndex, table),
                hazard(BriefExclusive, table),
                hazard(MayFail, table),
            ],
            (Change::Create(_), Constraint::Check(c)) if !c.not_valid => {
                vec![hazard(ScanExclusive, table), hazard(MayFail, table)]
            }
            (Change::Create(_), Constraint::ForeignKey(k)) if !k.not_valid => vec![
                hazard(ScanBlocksWrites, table),
                hazard(ScanBlocksWrites, &k.references),
                hazard(MayFail, table),
            ],
            (Change::Drop(_) | Change::Alter { .. }, Constraint::ForeignKey(k))
                if k.references != *table =>
            {
                vec![
                    hazard(BriefExclusive, table),
                    hazard(BriefExclusive, &k.references),
                ]
            }
            _ => vec![hazard(BriefExclusive, table)],
        }
    }
}
