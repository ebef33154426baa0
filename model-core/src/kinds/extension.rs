//! Extensions (`CREATE EXTENSION`): created first, dropped last, moved to another schema or
//! updated to another version in place.

use super::{pair, Change, Hazard, HazardKind, Hint, Kind, Lock, Pair, Stage};
use crate::schema::Extension;
use crate::sql::{quote_ident, quote_literal};

/// The changes that take the extensions of `from` to those of `to`, each with its planner's
/// hint: one that must move to another schema but cannot (not relocatable) is dropped and
/// created there (`Hint::Replaced`: the drop first, with the creations).
pub fn compare(from: &[Extension], to: &[Extension]) -> Vec<(Hint, Change<Extension>)> {
    let key = |e: &Extension| e.name.clone();
    let mut out = Vec::new();
    for pair in pair(from, to, key) {
        match pair {
            Pair::Added(wanted) => out.push((Hint::None, Change::Create(wanted.clone()))),
            Pair::Kept(have, wanted) if have.schema != wanted.schema && !have.relocatable => {
                out.push((Hint::Replaced, Change::Drop(have.clone())));
                out.push((Hint::None, Change::Create(wanted.clone())));
            }
            Pair::Kept(have, wanted)
                if have.schema != wanted.schema || have.version != wanted.version =>
            {
                out.push((
                    Hint::None,
                    Change::Alter {
                        from: have.clone(),
                        to: wanted.clone(),
                    },
                ))
            }
            Pair::Kept(..) => {}
            Pair::Removed(have) => out.push((Hint::None, Change::Drop(have.clone()))),
        }
    }
    out
}

impl Kind for Extension {
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(e) => {
                let mut sql = format!(
                    "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}",
                    quote_ident(&e.name),
                    quote_ident(&e.schema)
                );
                if !e.version.is_empty() {
                    sql.push_str(&format!(" VERSION {}", quote_literal(&e.version)));
                }
                vec![sql]
            }
            Change::Drop(e) => vec![format!("DROP EXTENSION {}", quote_ident(&e.name))],
            Change::Alter { from, to } => {
                let mut out = Vec::new();
                if from.schema != to.schema {
                    out.push(format!(
                        "ALTER EXTENSION {} SET SCHEMA {}",
                        quote_ident(&to.name),
                        quote_ident(&to.schema)
                    ));
                }
                if from.version != to.version {
                    out.push(format!(
                        "ALTER EXTENSION {} UPDATE TO {}",
                        quote_ident(&to.name),
                        quote_literal(&to.version)
                    ));
                }
                out
            }
        }
    }

    fn describe(change: &Change<Self>) -> String {
        match change {
            Change::Create(e) => format!("added extension '{}'", e.name),
            Change::Drop(e) => format!("removed extension '{}'", e.name),
            Change::Alter { to, .. } => format!("changed extension '{}'", to.name),
        }
    }

    fn stage(change: &Change<Self>, hint: Hint) -> Stage {
        match change {
            Change::Create(_) | Change::Alter { .. } => Stage::Schemas,
            Change::Drop(_) if hint == Hint::Replaced => Stage::Schemas,
            Change::Drop(_) => Stage::DropExtensions,
        }
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }

    fn hazards(change: &Change<Self>) -> Vec<Hazard> {
        match change {
            Change::Alter { .. } => vec![Hazard {
                kind: HazardKind::ExtensionUpgrade,
                relation: None,
            }],
            _ => Vec::new(),
        }
    }

    fn destruction(change: &Change<Self>) -> Option<String> {
        match change {
            Change::Drop(e) if !e.relocatable => Some(format!(
                "drops extension {} and everything it created (it cannot move to another schema: ALTER EXTENSION … SET SCHEMA refuses it)",
                e.name
            )),
            Change::Drop(e) => Some(format!(
                "drops extension {} and everything it created",
                e.name
            )),
            _ => None,
        }
    }
}
