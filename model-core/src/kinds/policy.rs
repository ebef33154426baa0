//! Row-level security policies (`CREATE POLICY`). A changed policy is dropped before the tables
//! change and created after (PostgreSQL's `ALTER POLICY` cannot change its command or kind).

use super::{compare_by, lock, Change, Hint, Kind, Lock, LockMode, Renamed, Stage};
use crate::schema::{qualified, Policy};
use crate::sql::quote_ident;

/// The changes that take the policies of `from` to those of `to`: a changed one is dropped
/// and created.
pub fn compare(from: &[Policy], to: &[Policy]) -> Vec<Change<Policy>> {
    let key = |p: &Policy| (p.table.clone(), p.name.clone());
    compare_by(from, to, key, |_, _| false)
}

impl Kind for Policy {
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(p) => vec![create(p)],
            Change::Drop(p) => vec![drop(p)],
            Change::Alter { from, to } => vec![drop(from), create(to)],
        }
    }

    fn describe(change: &Change<Self>) -> String {
        match change {
            Change::Create(p) => format!("added policy '{}' on '{}'", p.name, p.table),
            Change::Drop(p) => format!("removed policy '{}' on '{}'", p.name, p.table),
            Change::Alter { to: p, .. } => format!("changed policy '{}' on '{}'", p.name, p.table),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Drop(_) => Stage::DropDependents,
            Change::Create(_) | Change::Alter { .. } => Stage::CreateDependents,
        }
    }

    fn locks(change: &Change<Self>) -> Vec<Lock> {
        vec![lock(LockMode::AccessExclusive, &change.subject().table)]
    }

    fn renamed(&mut self, rename: &Renamed<'_>) {
        for expr in [&mut self.using, &mut self.with_check]
            .into_iter()
            .flatten()
        {
            *expr = rename.expression(&self.table, expr);
        }
        rename.name(&mut self.table);
    }
}

fn create(p: &Policy) -> String {
    let roles: Vec<String> = p
        .roles
        .iter()
        .map(|r| {
            if r == "public" {
                "PUBLIC".to_string()
            } else {
                quote_ident(r)
            }
        })
        .collect();
    let mut out = format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {}",
        quote_ident(&p.name),
        qualified(&p.table),
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        p.command,
        roles.join(", ")
    );
    if let Some(using) = &p.using {
        out.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = &p.with_check {
        out.push_str(&format!(" WITH CHECK ({check})"));
    }
    out
}

fn drop(p: &Policy) -> String {
    format!(
        "DROP POLICY {} ON {}",
        quote_ident(&p.name),
        qualified(&p.table)
    )
}
