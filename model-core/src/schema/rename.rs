//! Declared renames: the object the target schema calls `to` was called `from` before. Part of
//! the description (a model declares them); `diff` applies them.

use std::fmt;

use super::TableName;

/// One declared rename. Objects inside a table or type are named by the table's or type's
/// *new* name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rename {
    /// A schema, with everything in it.
    Schema {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// A table (in the same schema).
    Table {
        /// Old name.
        from: TableName,
        /// New name.
        to: TableName,
    },
    /// A view or materialized view (in the same schema).
    View {
        /// Old name.
        from: TableName,
        /// New name.
        to: TableName,
    },
    /// A standalone sequence (in the same schema).
    Sequence {
        /// Old name.
        from: TableName,
        /// New name.
        to: TableName,
    },
    /// An enum type (in the same schema).
    EnumType {
        /// Old name.
        from: TableName,
        /// New name.
        to: TableName,
    },
    /// A function or procedure, every overload of the name (in the same schema).
    Function {
        /// Old name.
        from: TableName,
        /// New name.
        to: TableName,
    },
    /// A column of `table`.
    Column {
        /// The table (its new name).
        table: TableName,
        /// Old column name.
        from: String,
        /// New column name.
        to: String,
    },
    /// A label of `enum_type`.
    EnumLabel {
        /// The type (its new name).
        enum_type: TableName,
        /// Old label.
        from: String,
        /// New label.
        to: String,
    },
    /// An index of `table`.
    Index {
        /// The table (its new name).
        table: TableName,
        /// Old index name.
        from: String,
        /// New index name.
        to: String,
    },
    /// A constraint of `table` (primary key, unique, foreign key, check or exclusion).
    Constraint {
        /// The table (its new name).
        table: TableName,
        /// Old constraint name.
        from: String,
        /// New constraint name.
        to: String,
    },
}

impl Rename {
    /// The same rename undone.
    pub fn reversed(&self) -> Rename {
        match self.clone() {
            Rename::Schema { from, to } => Rename::Schema { from: to, to: from },
            Rename::Table { from, to } => Rename::Table { from: to, to: from },
            Rename::View { from, to } => Rename::View { from: to, to: from },
            Rename::Sequence { from, to } => Rename::Sequence { from: to, to: from },
            Rename::EnumType { from, to } => Rename::EnumType { from: to, to: from },
            Rename::Function { from, to } => Rename::Function { from: to, to: from },
            Rename::Column { table, from, to } => Rename::Column {
                table,
                from: to,
                to: from,
            },
            Rename::EnumLabel {
                enum_type,
                from,
                to,
            } => Rename::EnumLabel {
                enum_type,
                from: to,
                to: from,
            },
            Rename::Index { table, from, to } => Rename::Index {
                table,
                from: to,
                to: from,
            },
            Rename::Constraint { table, from, to } => Rename::Constraint {
                table,
                from: to,
                to: from,
            },
        }
    }

    /// `column`, `table`, … as a message says it.
    pub fn kind(&self) -> &'static str {
        match self {
            Rename::Schema { .. } => "schema",
            Rename::Table { .. } => "table",
            Rename::View { .. } => "view",
            Rename::Sequence { .. } => "sequence",
            Rename::EnumType { .. } => "enum",
            Rename::Function { .. } => "function",
            Rename::Column { .. } => "column",
            Rename::EnumLabel { .. } => "enum label",
            Rename::Index { .. } => "index",
            Rename::Constraint { .. } => "constraint",
        }
    }

    /// The old and the new name, as messages show them (`customers.full_name`).
    pub fn names(&self) -> (String, String) {
        match self {
            Rename::Schema { from, to } => (from.clone(), to.clone()),
            Rename::Table { from, to }
            | Rename::View { from, to }
            | Rename::Sequence { from, to }
            | Rename::EnumType { from, to }
            | Rename::Function { from, to } => (from.to_string(), to.to_string()),
            Rename::Column { table, from, to }
            | Rename::Index { table, from, to }
            | Rename::Constraint { table, from, to } => {
                (format!("{table}.{from}"), format!("{table}.{to}"))
            }
            Rename::EnumLabel {
                enum_type,
                from,
                to,
            } => (
                format!("{enum_type}.'{from}'"),
                format!("{enum_type}.'{to}'"),
            ),
        }
    }

    /// Order of application: containers first, so that a column's hint names its table's
    /// new name.
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Rename::Schema { .. } => 0,
            Rename::Table { .. } | Rename::View { .. } => 1,
            Rename::Sequence { .. } | Rename::EnumType { .. } | Rename::Function { .. } => 2,
            _ => 3,
        }
    }

    /// Where the old and new names must be in the same schema, whether they are.
    pub(crate) fn same_schema(&self) -> bool {
        match self {
            Rename::Table { from, to }
            | Rename::View { from, to }
            | Rename::Sequence { from, to }
            | Rename::EnumType { from, to }
            | Rename::Function { from, to } => from.schema == to.schema,
            _ => true,
        }
    }
}

impl fmt::Display for Rename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (from, to) = self.names();
        write!(f, "{} {from} renamed to {to}", self.kind())
    }
}
