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
            Change::Alter { from, to } => {
                let name = qualified(&to.name);
                let mut out = Vec::new();
                if narrows(from, to) {
                    // PostgreSQL checks the sequence's position against the new bounds:
                    // first bounds that hold both ranges, then the position moved into the
                    // new range where that is safe, then the new bounds.
                    let wide = Sequence {
                        data_type: wider(&from.data_type, &to.data_type).clone(),
                        min_value: from.min_value.min(to.min_value),
                        max_value: from.max_value.max(to.max_value),
                        ..to.clone()
                    };
                    if wide.min_value != from.min_value
                        || wide.max_value != from.max_value
                        || wide.data_type != from.data_type
                        || !(from.min_value..=from.max_value).contains(&to.start)
                    {
                        out.push(format!("ALTER SEQUENCE {name}{}", options(&wide)));
                    }
                    out.push(move_into_range(&quote_literal(&name), to));
                }
                out.push(format!("ALTER SEQUENCE {name}{}", options(to)));
                out
            }
        }
    }

    fn notes(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Alter { from, to } if narrows(from, to) => vec![format!(
                "narrows the range of sequence {}: if never used it moves to its new start, if short of its new {first} up to it; if already past its new {last} this fails",
                to.name,
                first = if to.increment > 0 { "MINVALUE" } else { "MAXVALUE" },
                last = if to.increment > 0 { "MAXVALUE" } else { "MINVALUE" },
            )],
            _ => Vec::new(),
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

/// Whether `to` allows fewer values than `from` (a bound moved in, or a narrower type).
fn narrows(from: &Sequence, to: &Sequence) -> bool {
    to.min_value > from.min_value || to.max_value < from.max_value
}

/// The wider of two sequence types (`smallint`, `integer`, `bigint`).
fn wider<'t>(
    a: &'t crate::schema::SqlType,
    b: &'t crate::schema::SqlType,
) -> &'t crate::schema::SqlType {
    if b.integer_width() > a.integer_width() {
        b
    } else {
        a
    }
}

/// The statement that moves sequence `regclass` (an SQL expression giving its name) into
/// `to`'s range before its bounds narrow (see [`move_into`]).
pub(crate) fn move_into_range(regclass: &str, to: &Sequence) -> String {
    let edge = if to.increment > 0 {
        to.min_value
    } else {
        to.max_value
    };
    move_into(regclass, to.increment > 0, to.start, edge)
}

/// The statement that moves sequence `regclass` (an SQL expression giving its name) before
/// its bounds narrow, where nothing drawn from it can come again: one never used goes to
/// `start`; one used but short of `edge` (the new first value: `MINVALUE` going up,
/// `MAXVALUE` going down) goes to it. One already past the new last value is left for
/// PostgreSQL to refuse.
pub(crate) fn move_into(regclass: &str, ascending: bool, start: i64, edge: i64) -> String {
    let short = if ascending { "<" } else { ">" };
    format!(
        "SELECT pg_catalog.setval(q.s, CASE WHEN pg_catalog.pg_sequence_last_value(q.s) IS NULL THEN {start} ELSE {edge} END, false) FROM (SELECT {regclass}::regclass AS s) q WHERE pg_catalog.pg_sequence_last_value(q.s) IS NULL OR pg_catalog.pg_sequence_last_value(q.s) {short} {edge}"
    )
}
