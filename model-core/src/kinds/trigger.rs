//! Triggers (`CREATE TRIGGER`). A changed trigger (or one whose function is rebuilt) is dropped
//! before the tables change and created after; one only enabled or disabled differently is
//! altered in place (`ALTER TABLE … ENABLE/DISABLE TRIGGER`).

use super::{lock, Change, Hint, Kind, Lock, LockMode, Stage};
use crate::schema::{qualified, Trigger, TriggerEnabled};
use crate::sql::quote_ident;

/// Whether `from` becomes `to` by being enabled or disabled differently, and nothing else.
pub fn toggled(from: &Trigger, to: &Trigger) -> bool {
    from.enabled != to.enabled
        && Trigger {
            enabled: to.enabled,
            ..from.clone()
        } == *to
}

impl Kind for Trigger {
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(t) => create(t),
            Change::Drop(t) => vec![drop(t)],
            Change::Alter { from, to } if toggled(from, to) => vec![enable(to)],
            Change::Alter { from, to } => {
                let mut out = vec![drop(from)];
                out.extend(create(to));
                out
            }
        }
    }

    fn describe(change: &Change<Self>) -> String {
        match change {
            Change::Create(t) => format!("added trigger '{}' on '{}'", t.name, t.table),
            Change::Drop(t) => format!("removed trigger '{}' on '{}'", t.name, t.table),
            Change::Alter { from, to: t } if toggled(from, t) => format!(
                "trigger '{}' on '{}' set to {}",
                t.name,
                t.table,
                t.enabled.sql()
            ),
            Change::Alter { to: t, .. } => format!("changed trigger '{}' on '{}'", t.name, t.table),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Alter { from, to } if toggled(from, to) => Stage::Properties,
            Change::Drop(_) => Stage::DropDependents,
            Change::Create(_) | Change::Alter { .. } => Stage::CreateDependents,
        }
    }

    fn locks(change: &Change<Self>) -> Vec<Lock> {
        let table = &change.subject().table;
        match change {
            Change::Create(_) => vec![lock(LockMode::ShareRowExclusive, table)],
            Change::Alter { from, to } if toggled(from, to) => {
                vec![lock(LockMode::ShareRowExclusive, table)]
            }
            Change::Drop(_) | Change::Alter { .. } => vec![lock(LockMode::AccessExclusive, table)],
        }
    }
}

fn create(t: &Trigger) -> Vec<String> {
    let mut out = vec![t.definition.trim_end().trim_end_matches(';').to_string()];
    if t.enabled != TriggerEnabled::Origin {
        out.push(enable(t));
    }
    out
}

/// `ALTER TABLE … ENABLE [REPLICA|ALWAYS] | DISABLE TRIGGER`, as `t` says.
fn enable(t: &Trigger) -> String {
    format!(
        "ALTER TABLE {} {} TRIGGER {}",
        qualified(&t.table),
        t.enabled.sql(),
        quote_ident(&t.name)
    )
}

fn drop(t: &Trigger) -> String {
    format!(
        "DROP TRIGGER {} ON {}",
        quote_ident(&t.name),
        qualified(&t.table)
    )
}
