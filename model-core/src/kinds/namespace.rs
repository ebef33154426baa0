//! Schemas (namespaces) as objects: created when missing (before anything else, with their
//! privileges), dropped when gone (after everything else, never with CASCADE). Their comments
//! are the comment room's.

use super::grant::granted;
use super::{Change, Hint, Kind, Lock, Stage};
use crate::schema::Namespace;
use crate::sql::quote_ident;

impl Namespace {
    /// The schema `name` with `grants`, as a creation or a drop carries it (its comment is a
    /// change of its own).
    pub fn carried(name: &str, grants: &[crate::schema::Grant]) -> Namespace {
        Namespace {
            name: name.to_string(),
            comment: None,
            grants: grants.to_vec(),
        }
    }
}

impl Kind for Namespace {
    fn statements(change: &Change<Self>) -> Vec<String> {
        let name = quote_ident(&change.subject().name);
        match change {
            Change::Create(n) => {
                let mut out = vec![format!("CREATE SCHEMA IF NOT EXISTS {name}")];
                out.extend(granted(&format!("SCHEMA {name}"), &n.grants));
                out
            }
            Change::Drop(_) => vec![format!("DROP SCHEMA {name}")],
            // Privileges and comments change as changes of their own.
            Change::Alter { .. } => Vec::new(),
        }
    }

    fn notes(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Drop(n) => vec![format!(
                "fails if schema {} still holds anything (nothing is dropped with it)",
                n.name
            )],
            _ => Vec::new(),
        }
    }

    fn describe(change: &Change<Self>) -> String {
        let name = &change.subject().name;
        match change {
            Change::Create(_) => format!("added schema '{name}'"),
            Change::Drop(_) => format!("removed schema '{name}'"),
            Change::Alter { .. } => format!("changed schema '{name}'"),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Drop(_) => Stage::DropSchemas,
            Change::Create(_) | Change::Alter { .. } => Stage::Schemas,
        }
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }
}
