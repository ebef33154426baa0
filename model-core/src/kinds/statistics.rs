//! Extended statistics objects (`CREATE STATISTICS`). What they cover (table, columns,
//! kinds) cannot be altered: a change there drops the old object before the tables change and
//! creates the new one after; the target and the comment are altered in place.

use super::{compare_by, lock, Change, Hint, Kind, Lock, LockMode, Renamed, Stage};
use crate::schema::{qualified, Statistics};
use crate::sql::quote_literal;

/// The changes that take the statistics objects of `from` to those of `to`.
pub fn compare(from: &[Statistics], to: &[Statistics]) -> Vec<Change<Statistics>> {
    compare_by(from, to, |s: &Statistics| s.name.clone(), same_cover)
}

/// Whether two objects cover the same table, columns and kinds (so only the target or the
/// comment differs).
fn same_cover(a: &Statistics, b: &Statistics) -> bool {
    a.table == b.table && a.on == b.on && a.kinds == b.kinds
}

impl Kind for Statistics {
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(s) => {
                let mut out = vec![create(s)];
                out.extend(s.target.map(|t| target(s, t)));
                out.extend(s.comment.as_ref().map(|_| comment(s)));
                out
            }
            Change::Drop(s) => vec![format!("DROP STATISTICS {}", qualified(&s.name))],
            Change::Alter { from, to } => {
                let mut out = Vec::new();
                if from.target != to.target {
                    out.push(target(to, to.target.unwrap_or(-1)));
                }
                if from.comment != to.comment {
                    out.push(comment(to));
                }
                out
            }
        }
    }

    fn describe(change: &Change<Self>) -> String {
        let s = change.subject();
        let verb = match change {
            Change::Create(_) => "added",
            Change::Drop(_) => "removed",
            Change::Alter { .. } => "changed",
        };
        format!("{verb} statistics '{}' on '{}'", s.name, s.table)
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Drop(_) => Stage::DropDependents,
            Change::Create(_) | Change::Alter { .. } => Stage::CreateDependents,
        }
    }

    /// `CREATE`, `ALTER` and `DROP STATISTICS` take a SHARE UPDATE EXCLUSIVE lock on the
    /// table: reads and writes go on, other schema changes and `VACUUM` wait.
    fn locks(change: &Change<Self>) -> Vec<Lock> {
        vec![lock(
            LockMode::ShareUpdateExclusive,
            &change.subject().table,
        )]
    }
    fn renamed(&mut self, rename: &Renamed<'_>) {
        self.on = rename.expression(&self.table, &self.on);
        rename.name(&mut self.table);
        if let Renamed::Schema { .. } = rename {
            rename.name(&mut self.name);
        }
    }
}

fn create(s: &Statistics) -> String {
    let kinds = match s.kinds.is_empty() {
        true => String::new(),
        false => format!(" ({})", s.kinds.join(", ")),
    };
    format!(
        "CREATE STATISTICS {}{kinds} ON {} FROM {}",
        qualified(&s.name),
        s.on,
        qualified(&s.table)
    )
}

/// `-1` is the default target on every supported version (PostgreSQL 17 also spells it
/// `DEFAULT`, and reads it back as no target).
fn target(s: &Statistics, target: i32) -> String {
    format!(
        "ALTER STATISTICS {} SET STATISTICS {target}",
        qualified(&s.name)
    )
}

fn comment(s: &Statistics) -> String {
    format!(
        "COMMENT ON STATISTICS {} IS {}",
        qualified(&s.name),
        s.comment
            .as_deref()
            .map(quote_literal)
            .unwrap_or_else(|| "NULL".into())
    )
}
