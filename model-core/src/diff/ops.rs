//! Operations: what a migration does, as plain data. Each carries what its inverse needs, so
//! a downgrade is the upgrade's inverses in reverse order.

use super::renames::Rename;
use crate::kinds::{Change, ColumnType, KindChange, Setting, WholeTable};
use crate::schema::{EnumType, TableName};

impl<T> From<Change<T>> for Op
where
    KindChange: From<Change<T>>,
{
    fn from(change: Change<T>) -> Self {
        Op::Kind(KindChange::from(change))
    }
}

/// One schema change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// A change of a kind that has a room of its own in [`crate::kinds`] (extensions,
    /// triggers, policies, …): everything about it is answered there.
    Kind(KindChange),
    /// `CREATE TYPE … AS ENUM`.
    CreateEnum(EnumType),
    /// `DROP TYPE`.
    DropEnum(EnumType),
    /// `ALTER TYPE … ADD VALUE`; `from` and `to` are the type before and after.
    AddEnumValue {
        from: EnumType,
        to: EnumType,
        value: String,
        columns: Vec<EnumColumn>,
        /// What the inverse rebuild must drop and create again (see `RebuildEnum`).
        dependents: Vec<Op>,
    },
    /// Labels removed or reordered: rename the old type, create the new one, move every column
    /// over through `text`, drop the old type.
    RebuildEnum {
        from: EnumType,
        to: EnumType,
        columns: Vec<EnumColumn>,
        /// Indexes and checks that stay the same but spell a value of the type
        /// (`WHERE status <> 'void'::status`): PostgreSQL cannot re-parse them while the
        /// columns move to the new type, so they are dropped first and created again after,
        /// as these creation operations say.
        dependents: Vec<Op>,
    },
    /// `ALTER … RENAME`: a declared rename (see [`Rename`]).
    Rename {
        rename: Rename,
        /// A view's rename: whether it is materialized.
        materialized: bool,
        /// A function's rename: the arguments of each overload.
        arguments: Vec<String>,
    },
}

/// A column whose type is an enum being changed, with its default before and after (a
/// default names the type, so it is dropped and set again around the change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumColumn {
    /// The table.
    pub table: TableName,
    /// The column.
    pub column: String,
    /// Whether the column is an array of the enum.
    pub array: bool,
    /// Default before the change.
    pub default_before: Option<String>,
    /// Default after the change.
    pub default_after: Option<String>,
}

impl Op {
    /// A column's type change, if this is one: its table, column, and type before and after.
    pub fn type_change(&self) -> Option<(&TableName, &str, &ColumnType, &ColumnType)> {
        let Op::Kind(KindChange::ColumnSetting(Change::Alter { from, to })) = self else {
            return None;
        };
        match (&from.setting, &to.setting) {
            (Setting::Type(a), Setting::Type(b)) => Some((&to.table, to.column.as_str(), a, b)),
            _ => None,
        }
    }

    /// The operation that undoes this one.
    pub fn inverse(&self) -> Op {
        match self.clone() {
            Op::Rename {
                rename,
                materialized,
                arguments,
            } => Op::Rename {
                rename: rename.reversed(),
                materialized,
                arguments,
            },
            Op::CreateEnum(e) => Op::DropEnum(e),
            Op::DropEnum(e) => Op::CreateEnum(e),
            // PostgreSQL cannot remove a label; undoing an addition rebuilds the type.
            Op::AddEnumValue {
                from,
                to,
                columns,
                dependents,
                ..
            } => Op::RebuildEnum {
                from: to,
                to: from,
                columns: swap_defaults(columns),
                dependents,
            },
            Op::RebuildEnum {
                from,
                to,
                columns,
                dependents,
            } => Op::RebuildEnum {
                from: to,
                to: from,
                columns: swap_defaults(columns),
                dependents,
            },
            Op::Kind(c) => Op::Kind(c.inverse()),
        }
    }

    /// Whether the operation can lose data or state (see [`Self::destruction`]).
    pub fn is_destructive(&self) -> bool {
        self.destruction().is_some()
    }

    /// What the operation destroys, if anything: rows (a dropped table), values (a dropped
    /// column, a narrowing type change), labels, a sequence's position (a dropped sequence
    /// or identity), a materialized view's contents, a type, an extension's objects.
    pub fn destruction(&self) -> Option<String> {
        match self {
            Op::RebuildEnum { from, to, .. } => {
                let removed: Vec<String> = from
                    .labels
                    .iter()
                    .filter(|l| !to.labels.contains(l))
                    .map(|l| crate::sql::quote_literal(l))
                    .collect();
                (!removed.is_empty()).then(|| format!(
                    "removes label(s) {} from {}; PostgreSQL cannot drop a label, so the type is rebuilt, and rows holding a removed label make this fail",
                    removed.join(", "),
                    to.name
                ))
            }
            Op::DropEnum(e) => Some(format!("drops enum type {} and its labels", e.name)),
            Op::Kind(c) => c.destruction(),
            _ => None,
        }
    }

    /// One line per change the operation makes, in Alembic's words: `describe()` first, then,
    /// for a new table, each foreign key, unique, check and exclusion constraint and index it is
    /// created with (in the script's order), so the console summary matches the script.
    pub fn describe_all(&self) -> Vec<String> {
        let mut out = vec![self.describe()];
        if let Op::Kind(KindChange::WholeTable(Change::Create(WholeTable { table, .. }))) = self {
            let name = &table.name;
            for fk in &table.foreign_keys {
                out.push(format!(
                    "added foreign key '{}' on '{name}' ({}) referencing '{}'",
                    fk.name,
                    fk.columns.join(", "),
                    fk.references
                ));
            }
            for unique in &table.uniques {
                out.push(format!(
                    "added unique constraint '{}' on '{name}' ({})",
                    unique.name,
                    unique.columns.join(", ")
                ));
            }
            for check in &table.checks {
                out.push(format!(
                    "added check constraint '{}' on '{name}'",
                    check.name
                ));
            }
            for exclusion in &table.exclusions {
                out.push(format!(
                    "added exclusion constraint '{}' on '{name}'",
                    exclusion.name
                ));
            }
            for index in &table.indexes {
                out.push(format!("added index '{}' on '{name}'", index.name));
            }
        }
        out
    }

    /// A one-line description in Alembic's words (`Detected added table 'orders'`).
    pub fn describe(&self) -> String {
        match self {
            Op::Rename { rename, .. } => {
                let (from, to) = rename.names();
                format!("renamed {} '{from}' to '{to}'", rename.kind())
            }
            Op::CreateEnum(e) => format!("added enum '{}'", e.name),
            Op::DropEnum(e) => format!("removed enum '{}'", e.name),
            Op::AddEnumValue { to, value, .. } => {
                format!("added value '{value}' to enum '{}'", to.name)
            }
            Op::RebuildEnum { to, .. } => format!("changed labels of enum '{}'", to.name),
            Op::Kind(c) => c.describe(),
        }
    }
}

fn swap_defaults(columns: Vec<EnumColumn>) -> Vec<EnumColumn> {
    columns
        .into_iter()
        .map(|c| EnumColumn {
            default_before: c.default_after,
            default_after: c.default_before,
            ..c
        })
        .collect()
}
