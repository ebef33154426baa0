//! Standalone sequences (`CREATE SEQUENCE`): their options altered in place. Who owns one
//! (`OWNED BY`) and its privileges are changes of their own (the diff's `SetSequenceOwner`,
//! grants).

use super::{Change, Hint, Kind, Lock, Stage};
use crate::schema::{qualified, Sequence};

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
