//! Standalone sequences (`CREATE SEQUENCE`): their options altered in place. Who owns one
//! (`OWNED BY`) is a change of its own ([`SequenceOwner`]), its privileges are grants.

use super::{Change, Hint, Kind, Lock, Stage};
use crate::schema::{qualified, ColumnRef, Sequence, TableName};
use crate::sql::{quote_ident, quote_literal};

/// The column a sequence belongs to (`OWNED BY`), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceOwner {
    /// The sequence.
    pub sequence: TableName,
    /// The column, or none.
    pub owner: Option<ColumnRef>,
    /// Whether the column is an integer: a sequence that comes to belong to an integer column
    /// continues after the column's largest value.
    pub integer: bool,
}

impl Kind for SequenceOwner {
    fn statements(change: &Change<Self>) -> Vec<String> {
        let x = change.subject();
        let seq = qualified(&x.sequence);
        match (change, &x.owner) {
            (Change::Drop(_), _) | (_, None) => vec![format!("ALTER SEQUENCE {seq} OWNED BY NONE")],
            (_, Some(owner)) => {
                let (table, column) = (qualified(&owner.table), quote_ident(&owner.column));
                let mut out = vec![format!("ALTER SEQUENCE {seq} OWNED BY {table}.{column}")];
                if x.integer {
                    out.push(format!(
                        "SELECT pg_catalog.setval({}, max({column})) FROM {table} HAVING max({column}) >= (SELECT last_value FROM {seq})",
                        quote_literal(&seq)
                    ));
                }
                out
            }
        }
    }

    fn notes(change: &Change<Self>) -> Vec<String> {
        match (change, change.subject()) {
            (
                Change::Create(_) | Change::Alter { .. },
                SequenceOwner {
                    sequence,
                    owner: Some(owner),
                    integer: true,
                },
            ) => {
                // The column may already hold values (a serial column whose sequence a
                // downgrade puts back): the sequence continues after the largest.
                vec![format!(
                    "sequence {sequence} continues after the largest {}.{} already there",
                    owner.table, owner.column
                )]
            }
            _ => Vec::new(),
        }
    }

    fn describe(change: &Change<Self>) -> String {
        match (change, change.subject()) {
            (
                Change::Create(_) | Change::Alter { .. },
                SequenceOwner {
                    sequence,
                    owner: Some(owner),
                    ..
                },
            ) => format!("sequence '{sequence}' now owned by '{owner}'"),
            (_, x) => format!("sequence '{}' no longer owned by a column", x.sequence),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Create(_) | Change::Alter { .. } if change.subject().owner.is_some() => {
                Stage::Properties
            }
            _ => Stage::DropDependents,
        }
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }
}

impl Kind for Sequence {
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(s) => vec![format!(
                "CREATE SEQUENCE {}{}",
                qualified(&s.name),
                options(s)
            )],
            Change::Drop(s) => vec![format!("DROP SEQUENCE {}", qualified(&s.name))],
            Change::Alter { to, .. } => vec![format!(
                "ALTER SEQUENCE {}{}",
                qualified(&to.name),
                options(to)
            )],
        }
    }

    fn describe(change: &Change<Self>) -> String {
        match change {
            Change::Create(s) => format!("added sequence '{}'", s.name),
            Change::Drop(s) => format!("removed sequence '{}'", s.name),
            Change::Alter { to, .. } => format!("changed sequence '{}'", to.name),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Create(_) | Change::Alter { .. } => Stage::Types,
            // Before an identity takes the name.
            Change::Drop(_) => Stage::DropSequences,
        }
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }

    fn destruction(change: &Change<Self>) -> Option<String> {
        match change {
            Change::Drop(s) => Some(format!("drops sequence {} and its current value", s.name)),
            _ => None,
        }
    }
}

fn options(s: &Sequence) -> String {
    format!(
        " AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}",
        s.data_type,
        s.increment,
        s.min_value,
        s.max_value,
        s.start,
        s.cache,
        if s.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}
