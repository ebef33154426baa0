//! Operations: what a migration does, as plain data. Each carries what its inverse needs, so
//! a downgrade is the upgrade's inverses in reverse order.

use super::renames::Rename;
use crate::kinds::{Change, ColumnType, EnumChange, KindChange, Setting, WholeTable};
use crate::schema::TableName;

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
    /// A change to an enum type, in its room ([`crate::kinds::enum_type`]): a rebuild spans
    /// the columns, indexes, checks and views that use the type.
    Enum(EnumChange),
    /// `ALTER … RENAME`: a declared rename (see [`Rename`]).
    Rename {
        rename: Rename,
        /// A view's rename: whether it is materialized.
        materialized: bool,
        /// A function's rename: the arguments of each overload.
        arguments: Vec<String>,
    },
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

    /// The statements of a kind's or an enum type's change, for reading what they name (a
    /// rename's are the renderer's: they name nothing the plan creates).
    pub(crate) fn statements(&self) -> Vec<String> {
        match self {
            Op::Kind(c) => c.statements(),
            Op::Enum(e) => e.statements().0,
            Op::Rename { .. } => Vec::new(),
        }
    }

    /// This operation with `expression` as the conversion (`USING`) when it changes the type
    /// of `column` of `table`.
    pub fn convert_using(&mut self, table: &TableName, column: &str, expression: &str) {
        if let Op::Kind(KindChange::ColumnSetting(Change::Alter { from, to })) = self {
            if &to.table == table && to.column == column {
                if let (Setting::Type(before), Setting::Type(ty)) = (&from.setting, &mut to.setting)
                {
                    if before.ty != ty.ty {
                        ty.using = Some(expression.to_string());
                    }
                }
            }
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
            Op::Enum(e) => Op::Enum(e.inverse()),
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
            Op::Enum(e) => e.destruction(),
            Op::Kind(c) => c.destruction(),
            Op::Rename { .. } => None,
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
            Op::Enum(e) => e.describe(),
            Op::Kind(c) => c.describe(),
        }
    }
}
