//! Owners (`ALTER … OWNER TO`), compared only where both sides say them (both read from
//! databases): an object created by a plan is owned by whoever runs it, so an owner is never
//! created or dropped, only changed.

use super::{pair, Change, Hint, Kind, Lock, Pair, Renamed, Stage};
use crate::schema::{OwnedKind, Ownership};
use crate::sql::quote_ident;

/// An owner change for each object both sides own under different roles.
pub fn compare(from: &[Ownership], to: &[Ownership]) -> Vec<Change<Ownership>> {
    if from.is_empty() || to.is_empty() {
        return Vec::new();
    }
    let key = |o: &Ownership| (o.kind, o.name.clone());
    pair(from, to, key)
        .into_iter()
        .filter_map(|pair| match pair {
            Pair::Kept(have, wanted) if have.owner != wanted.owner => Some(Change::Alter {
                from: have.clone(),
                to: wanted.clone(),
            }),
            _ => None,
        })
        .collect()
}

impl Kind for Ownership {
    /// Only a change has a statement: an object's creation gives it its owner, its drop takes
    /// the owner with it.
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Alter { to, .. } => vec![format!(
                "ALTER {} {} OWNER TO {}",
                to.kind.sql(),
                to.name,
                quote_ident(&to.owner)
            )],
            Change::Create(_) | Change::Drop(_) => Vec::new(),
        }
    }

    fn describe(change: &Change<Self>) -> String {
        let o = change.subject();
        format!(
            "changed the owner of {} '{}' to '{}'",
            o.kind.sql().to_lowercase(),
            o.name,
            o.owner
        )
    }

    fn stage(_change: &Change<Self>, _hint: Hint) -> Stage {
        Stage::Properties
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }

    /// Owners name the schema itself bare (`SCHEMA acme`) and its objects qualified.
    fn renamed(&mut self, rename: &Renamed<'_>) {
        if let Renamed::Schema { from, to } = *rename {
            self.name = if self.kind == OwnedKind::Schema && self.name == quote_ident(from) {
                quote_ident(to)
            } else {
                crate::sql::tokens::schema_renamed(&self.name, from, to)
            };
        }
    }
}
