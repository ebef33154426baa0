//! Online plans: the same operations, written so that a database in use keeps serving reads
//! and writes. On a table that already exists (one the plan creates is empty and needs none
//! of this):
//!
//! - an index is built and dropped `CONCURRENTLY`, outside a transaction, after dropping an
//!   invalid one a failed build may have left under its name;
//! - an index whose definition changes is built concurrently under another name beside the
//!   old one, the old one dropped concurrently, and the new one renamed (the table is never
//!   without it);
//! - a unique constraint is a unique index built concurrently, then `ADD CONSTRAINT … UNIQUE
//!   USING INDEX` (instant);
//! - a foreign key or check is added `NOT VALID` (instant), then validated in a step of its
//!   own (`VALIDATE CONSTRAINT` takes `SHARE UPDATE EXCLUSIVE`: reads and writes go on);
//! - `SET NOT NULL` goes through a `CHECK (col IS NOT NULL) NOT VALID`, validated, after which
//!   `SET NOT NULL` needs no scan (PostgreSQL 12+), and the check is dropped; on PostgreSQL 18
//!   the NOT NULL constraint itself is added `NOT VALID` and validated (two statements);
//! - enum labels are added on their own, before what uses them;
//! - a column whose type changes is analysed afterwards.
//!
//! Everything else runs in explicit transactions (`BEGIN; … COMMIT;`) between those steps, so
//! the revision is written `-- Transactional: no` and the runner records each step as it
//! commits: a run that stops between steps resumes after the last one that committed.

use std::collections::BTreeSet;

use super::ops::{created_tables, script_in, statements_in, RevisionBody, Statement};
use crate::diff::{Hazard, HazardKind, Lock, LockMode, Op};
use crate::kinds::ddl::create_index;
use crate::kinds::{
    Change, ColumnSetting, Constraint, KindChange, Setting, TableConstraint, TableIndex,
};
use crate::schema::{
    make_object_name, CheckConstraint, ForeignKey, Index, IndexKey, NotNull, TableName,
    UniqueConstraint,
};
use crate::sql::{qualified, quote_ident, Feature, PgVersion};

/// One step of an online part: operations in one transaction, or one statement on its own.
enum Step {
    Transaction(Vec<Op>),
    Alone(Statement),
}

/// The revision for `upgrade` and `downgrade` in online form for a server of `version` (see
/// the module documentation). A plan with nothing to do online is the ordinary revision.
pub fn online_revision_body(upgrade: &[Op], downgrade: &[Op], version: PgVersion) -> RevisionBody {
    let (up, down) = (steps(upgrade, version), steps(downgrade, version));
    let alone = |s: &[Step]| s.iter().any(|s| matches!(s, Step::Alone(_)));
    if !alone(&up) && !alone(&down) {
        return super::ops::revision_body(upgrade, downgrade);
    }
    RevisionBody {
        upgrade: render(&up, &created_tables(upgrade)),
        downgrade: render(&down, &created_tables(downgrade)),
        transactional: false,
    }
}

fn render(steps: &[Step], created: &BTreeSet<TableName>) -> String {
    let mut out = Vec::new();
    for step in steps {
        match step {
            Step::Transaction(ops) if ops.is_empty() => {}
            Step::Transaction(ops) => {
                out.push(format!("BEGIN;\n\n{}\nCOMMIT;\n", script_in(ops, created)));
            }
            Step::Alone(statement) => out.push(statement.render()),
        }
    }
    out.join("\n")
}

/// The statements of the online form of `ops`, in order: those of each transaction step
/// (`transactional`), and those that stand alone outside any transaction block, each with
/// the locks it takes and what it risks.
pub fn online_statements(ops: &[Op], version: PgVersion) -> Vec<Statement> {
    let created = created_tables(ops);
    steps(ops, version)
        .into_iter()
        .flat_map(|step| match step {
            Step::Transaction(ops) => ops
                .iter()
                .flat_map(|op| statements_in(op, &created))
                .collect(),
            Step::Alone(statement) => vec![statement],
        })
        .collect()
}

fn lock(mode: LockMode, table: &TableName) -> Vec<Lock> {
    vec![Lock {
        mode,
        relation: table.clone(),
    }]
}

fn steps(ops: &[Op], version: PgVersion) -> Vec<Step> {
    let created = created_tables(ops);
    let existing = |t: &TableName| !created.contains(t);
    // An index dropped and created again under its name (its definition changed): built
    // under another name first, so the table is never without one.
    let built: BTreeSet<(&TableName, &str)> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Kind(KindChange::TableIndex(Change::Create(TableIndex { table, index }))) => {
                Some((table, index.name.as_str()))
            }
            _ => None,
        })
        .collect();
    let replaced: BTreeSet<(&TableName, &str)> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Kind(KindChange::TableIndex(Change::Drop(TableIndex { table, index })))
                if index.attached_to.is_none() =>
            {
                Some((table, index.name.as_str()))
            }
            _ => None,
        })
        .filter(|key| built.contains(key))
        .collect();
    let mut out: Vec<Step> = Vec::new();
    for op in ops {
        if let Op::Kind(KindChange::TableIndex(change)) = op {
            index(&mut out, op, change, &replaced, &existing);
            continue;
        }
        if let Op::Kind(KindChange::TableConstraint(Change::Create(c))) = op {
            if existing(&c.table) {
                constraint(&mut out, op, c);
                continue;
            }
        }
        match op {
            Op::Enum(e) if e.adds_label() => {
                let (statements, notes) = super::ops::op_statements(op);
                for sql in statements {
                    alone(&mut out, notes.clone(), sql, Vec::new());
                }
            }
            Op::Kind(KindChange::ColumnSetting(Change::Alter { from, to }))
                if existing(&to.table) =>
            {
                column(&mut out, op, from, to, version)
            }
            _ => push_op(&mut out, op.clone()),
        }
    }
    out
}

/// A column of a table that exists, changed online: a new type analysed at once, NOT NULL
/// set without a long scan under ACCESS EXCLUSIVE.
fn column(
    out: &mut Vec<Step>,
    op: &Op,
    from: &ColumnSetting,
    to: &ColumnSetting,
    version: PgVersion,
) {
    let (table, column) = (&to.table, to.column.as_str());
    match (&from.setting, &to.setting) {
        (Setting::Type(_), Setting::Type(_)) => {
            push_op(out, op.clone());
            // The planner's statistics of the column are of its old type until analysed.
            alone(
                out,
                vec![format!(
                    "online: fresh statistics for {table}.{column} under its new type"
                )],
                format!(
                    "ANALYZE {} ({})",
                    crate::render::qualified(table),
                    quote_ident(column)
                ),
                lock(LockMode::ShareUpdateExclusive, table),
            );
        }
        // PostgreSQL 18: the NOT NULL itself, NOT VALID (no scan), then validated.
        (
            _,
            Setting::Nullable {
                nullable: false,
                not_null,
            },
        ) if !not_null.not_valid && version.supports(Feature::NotNullNotValid) => {
            let nullable = |nullable| Setting::Nullable {
                nullable,
                not_null: NotNull {
                    not_valid: true,
                    ..not_null.clone()
                },
            };
            let change = ColumnSetting::change(table, column, nullable(true), nullable(false));
            push_op(out, change.into());
            validate(out, table, &not_null.name_on(table, column), None);
        }
        (
            _,
            Setting::Nullable {
                nullable: false,
                not_null,
            },
        ) if !not_null.not_valid => not_null_through_check(out, table, column),
        _ => push_op(out, op.clone()),
    }
}

/// An index created or dropped online: built beside the one it replaces, built and dropped
/// `CONCURRENTLY` on a table that exists; as planned otherwise (a new table's, a partition's).
fn index(
    out: &mut Vec<Step>,
    op: &Op,
    change: &Change<TableIndex>,
    replaced: &BTreeSet<(&TableName, &str)>,
    existing: &dyn Fn(&TableName) -> bool,
) {
    let TableIndex { table, index } = change.subject();
    let replacing = replaced.contains(&(table, index.name.as_str()));
    let own = existing(table) && index.attached_to.is_none();
    match change {
        Change::Drop(_) if replacing => {}
        Change::Create(_) if replacing => build_beside(out, table, index),
        Change::Create(_) if own => build_concurrently(
            out,
            table,
            index,
            format!("online: builds the index on {table} while reads and writes go on"),
        ),
        Change::Drop(_) if own => alone(
            out,
            vec![format!(
                "online: drops the index on {table} without blocking reads or writes"
            )],
            format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {}",
                qualified(&table.schema, &index.name)
            ),
            lock(LockMode::ShareUpdateExclusive, table),
        ),
        _ => push_op(out, op.clone()),
    }
}

/// A constraint added online to a table that exists: a unique one over an index built
/// concurrently, a check or a foreign key added `NOT VALID` and validated after.
fn constraint(out: &mut Vec<Step>, op: &Op, added: &TableConstraint) {
    let table = &added.table;
    match &added.constraint {
        Constraint::Unique(unique) => unique_using_index(out, table, unique),
        Constraint::ForeignKey(key) if !key.not_valid => {
            let not_valid = Constraint::ForeignKey(ForeignKey {
                not_valid: true,
                ..key.clone()
            });
            push_op(out, TableConstraint::create(table, not_valid).into());
            validate(out, table, &key.name, Some(&key.references));
        }
        Constraint::Check(check) if !check.not_valid => {
            let not_valid = Constraint::Check(CheckConstraint {
                not_valid: true,
                ..check.clone()
            });
            push_op(out, TableConstraint::create(table, not_valid).into());
            validate(out, table, &check.name, None);
        }
        _ => push_op(out, op.clone()),
    }
}

/// NOT NULL before PostgreSQL 18, online: a NOT VALID check validated without blocking
/// writes, then SET NOT NULL (which trusts the check and skips the scan), then the check goes.
fn not_null_through_check(out: &mut Vec<Step>, table: &TableName, column: &str) {
    let name = make_object_name(&table.name, Some(column), Some("not_null_online"));
    let check = CheckConstraint {
        name: name.clone(),
        expression: format!("{} IS NOT NULL", quote_ident(column)),
        not_valid: true,
        no_inherit: false,
        not_enforced: false,
    };
    push_op(
        out,
        TableConstraint::create(table, Constraint::Check(check.clone())).into(),
    );
    validate(out, table, &name, None);
    let table_sql = crate::render::qualified(table);
    alone(
        out,
        vec![format!(
            "online: SET NOT NULL skips the scan now that a validated check says no row of {table} is NULL; the check then goes"
        )],
        format!(
            "BEGIN;\nALTER TABLE {table_sql} ALTER COLUMN {} SET NOT NULL;\nALTER TABLE {table_sql} DROP CONSTRAINT {};\nCOMMIT",
            quote_ident(column),
            quote_ident(&check.name)
        ),
        lock(LockMode::AccessExclusive, table),
    );
}

/// An operation that stays in a transaction: with the ones before it, when they are.
fn push_op(out: &mut Vec<Step>, op: Op) {
    match out.last_mut() {
        Some(Step::Transaction(ops)) => ops.push(op),
        _ => out.push(Step::Transaction(vec![op])),
    }
}

/// One statement run on its own, outside a transaction.
fn alone(out: &mut Vec<Step>, notes: Vec<String>, sql: String, locks: Vec<Lock>) {
    out.push(Step::Alone(Statement::alone(notes, sql, locks)))
}

/// An index whose definition changes: the new one built under another name beside the old
/// one, the old one dropped, the new one renamed to the old name.
fn build_beside(out: &mut Vec<Step>, table: &TableName, index: &Index) {
    let mut new = index.clone();
    new.name = make_object_name(&index.name, None, Some("online"));
    build_concurrently(
        out,
        table,
        &new,
        format!("online: builds the new definition of {} on {table} beside the old one, while reads and writes go on", index.name),
    );
    alone(
        out,
        vec!["online: the old definition goes, then the new one takes its name (instant)".into()],
        format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}",
            qualified(&table.schema, &index.name)
        ),
        lock(LockMode::ShareUpdateExclusive, table),
    );
    alone(
        out,
        vec![
            "the new index takes the old one's name back: whatever named it still does (squawk assumes a rename breaks clients)".into(),
            "squawk-ignore renaming-object".into(),
        ],
        format!(
            "ALTER INDEX {} RENAME TO {}",
            qualified(&table.schema, &new.name),
            quote_ident(&index.name)
        ),
        // On the index only (SHARE UPDATE EXCLUSIVE since PostgreSQL 12).
        Vec::new(),
    );
}

/// A unique constraint: its index built concurrently, then the constraint takes it over.
fn unique_using_index(out: &mut Vec<Step>, table: &TableName, unique: &UniqueConstraint) {
    let index = Index {
        name: unique.name.clone(),
        keys: unique.columns.iter().map(IndexKey::column).collect(),
        include: Vec::new(),
        unique: true,
        nulls_not_distinct: unique.nulls_not_distinct,
        method: "btree".into(),
        predicate: None,
        invalid: false,
        on_only: false,
        options: Vec::new(),
        attached_to: None,
    };
    build_concurrently(
        out,
        table,
        &index,
        format!("online: builds the unique index on {table} while reads and writes go on; fails on duplicates"),
    );
    let timing = match (unique.timing.deferrable, unique.timing.initially_deferred) {
        (_, true) => " DEFERRABLE INITIALLY DEFERRED",
        (true, false) => " DEFERRABLE",
        _ => "",
    };
    alone(
        out,
        vec!["online: the constraint takes over the index (instant)".into()],
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}{timing}",
            crate::render::qualified(table),
            quote_ident(&unique.name),
            quote_ident(&unique.name)
        ),
        lock(LockMode::AccessExclusive, table),
    );
}

/// `CREATE INDEX CONCURRENTLY` on its own, after dropping an invalid index a failed
/// concurrent build may have left under the name (a run resumed after such a failure).
fn build_concurrently(out: &mut Vec<Step>, table: &TableName, index: &Index, note: String) {
    out.push(Step::Alone(Statement::alone(
        vec![
            "online: an invalid index a failed concurrent build left under this name goes first"
                .into(),
        ],
        format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}",
            qualified(&table.schema, &index.name)
        ),
        lock(LockMode::ShareUpdateExclusive, table),
    )));
    let mut build = Statement::alone(
        vec![note],
        create_index(table, index).replacen(" INDEX ", " INDEX CONCURRENTLY ", 1),
        lock(LockMode::ShareUpdateExclusive, table),
    );
    if index.unique {
        may_fail(&mut build, table);
    }
    out.push(Step::Alone(build));
}

/// The statement may fail on the rows already in `table`: a hazard, said in the script too.
fn may_fail(statement: &mut Statement, table: &TableName) {
    statement.hazards.push(Hazard {
        kind: HazardKind::MayFail,
        relation: Some(table.clone()),
    });
}

/// `VALIDATE CONSTRAINT` on its own, after the transaction that added it `NOT VALID`.
fn validate(
    out: &mut Vec<Step>,
    table: &TableName,
    constraint: &str,
    references: Option<&TableName>,
) {
    let mut check = Statement::alone(
        vec![format!(
            "online: checks the rows of {table} under SHARE UPDATE EXCLUSIVE (reads and writes go on); fails if one breaks it"
        )],
        format!(
            "ALTER TABLE {} VALIDATE CONSTRAINT {}",
            crate::render::qualified(table),
            quote_ident(constraint)
        ),
        lock(LockMode::ShareUpdateExclusive, table),
    );
    may_fail(&mut check, table);
    if let Some(references) = references {
        check.locks.extend(lock(LockMode::RowShare, references));
    }
    out.push(Step::Alone(check));
}

/// Operations of `ops` that an online revision still cannot run without holding
/// `ACCESS EXCLUSIVE` through a rewrite or a scan of a table that exists (a type change that
/// is not binary-coercible, a column added with a volatile default, a generated or identity
/// column, an enum rebuilt, `SET UNLOGGED`, a materialized view refreshed), each described
/// with what to do instead. `--online` refuses a plan that has any.
pub fn still_blocking(ops: &[Op]) -> Vec<String> {
    use crate::diff::HazardKind;
    let created = created_tables(ops);
    let mut out = Vec::new();
    for op in ops {
        // What the online form already writes another way.
        if matches!(
            op,
            Op::Kind(KindChange::ColumnSetting(Change::Alter {
                to: ColumnSetting {
                    setting: Setting::Nullable {
                        nullable: false,
                        ..
                    },
                    ..
                },
                ..
            })) | Op::Kind(KindChange::TableIndex(_))
                | Op::Kind(KindChange::TableConstraint(Change::Create(
                    TableConstraint {
                        constraint: Constraint::Check(_)
                            | Constraint::ForeignKey(_)
                            | Constraint::Unique(_),
                        ..
                    }
                )))
        ) {
            continue;
        }
        let blocking = op.hazards().into_iter().any(|h| {
            matches!(h.kind, HazardKind::Rewrite | HazardKind::ScanExclusive)
                && h.relation.as_ref().is_some_and(|r| !created.contains(r))
        });
        if blocking {
            let instead = match op {
                _ if op.type_change().is_some() => "add a column of the new type, backfill it in batches, switch the application to it, then drop the old one",
                Op::Kind(KindChange::TableColumn(Change::Create(_))) => "add the column without its default (or generation), backfill it in batches, then set the default",
                Op::Kind(KindChange::View(Change::Alter { .. })) => "give the view a unique index and refresh it CONCURRENTLY",
                _ => "do it in a maintenance window, or in steps written by hand",
            };
            out.push(format!("{}: {instead}", op.describe()));
        }
    }
    out
}
