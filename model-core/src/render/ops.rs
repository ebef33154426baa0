//! Operations to statements, and statements to a reviewable script.

use super::{qualified, quote_ident, quote_literal};
use crate::diff::{Hazard, Lock, Op, Rename};
use crate::kinds::{Change, KindChange};
use crate::schema::TableName;
use std::collections::BTreeSet;

/// The statements of one operation (without `;`), and the notes on them a reviewer must see
/// besides what it destroys and risks ([`Statement`] prints those from the operation).
pub fn op_statements(op: &Op) -> (Vec<String>, Vec<String>) {
    let mut notes: Vec<String> = Vec::new();
    let statements = match op {
        Op::Enum(e) => {
            let (statements, more) = e.statements();
            notes.extend(more);
            statements
        }
        Op::Kind(c) => {
            notes.extend(c.notes());
            c.statements()
        }
        Op::Rename {
            rename,
            materialized,
            arguments,
        } => rename_statements(rename, *materialized, arguments),
    };
    (statements, notes)
}

/// `ALTER … RENAME` for one declared rename.
fn rename_statements(rename: &Rename, materialized: bool, arguments: &[String]) -> Vec<String> {
    let relation = |kind: &str, from: &TableName, to: &TableName| {
        format!(
            "ALTER {kind} {} RENAME TO {}",
            qualified(from),
            quote_ident(&to.name)
        )
    };
    match rename {
        Rename::Schema { from, to } => vec![format!(
            "ALTER SCHEMA {} RENAME TO {}",
            quote_ident(from),
            quote_ident(to)
        )],
        Rename::Table { from, to } => vec![relation("TABLE", from, to)],
        Rename::View { from, to } if materialized => {
            vec![relation("MATERIALIZED VIEW", from, to)]
        }
        Rename::View { from, to } => vec![relation("VIEW", from, to)],
        Rename::Sequence { from, to } => vec![relation("SEQUENCE", from, to)],
        Rename::EnumType { from, to } => vec![relation("TYPE", from, to)],
        Rename::Function { from, to } => arguments
            .iter()
            .map(|args| {
                format!(
                    "ALTER ROUTINE {}({args}) RENAME TO {}",
                    qualified(from),
                    quote_ident(&to.name)
                )
            })
            .collect(),
        Rename::Column { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            qualified(table),
            quote_ident(from),
            quote_ident(to)
        )],
        Rename::EnumLabel {
            enum_type,
            from,
            to,
        } => vec![format!(
            "ALTER TYPE {} RENAME VALUE {} TO {}",
            qualified(enum_type),
            quote_literal(from),
            quote_literal(to)
        )],
        Rename::Index { table, from, to } => vec![format!(
            "ALTER INDEX {} RENAME TO {}",
            qualified(&TableName::new(table.schema.clone(), from.clone())),
            quote_ident(to)
        )],
        Rename::Constraint { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            qualified(table),
            quote_ident(from),
            quote_ident(to)
        )],
    }
}

/// One statement as rendering produces it: its SQL and what it means for a database in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL, without the closing `;`.
    pub sql: String,
    /// What a reviewer must see above it besides its destruction and hazards (why a label
    /// is added on its own, what an online step does).
    pub notes: Vec<String>,
    /// Whether it may run inside a transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`,
    /// and a label used later in the same revision may not).
    pub transactional: bool,
    /// The strongest lock it takes on each table that exists before it.
    pub locks: Vec<Lock>,
    /// What it risks on a database in use.
    pub hazards: Vec<Hazard>,
    /// What data it destroys, when it does.
    pub destruction: Option<String>,
}

impl Statement {
    /// A statement that stands alone, outside any transaction block.
    pub(crate) fn alone(notes: Vec<String>, sql: String, locks: Vec<Lock>) -> Statement {
        Statement {
            sql,
            notes,
            transactional: false,
            locks,
            hazards: Vec::new(),
            destruction: None,
        }
    }

    /// `-- DESTRUCTIVE:` and `-- HAZARD:` lines, its notes as `--` lines, then the statement
    /// and `;`.
    pub fn render(&self) -> String {
        let lines = self
            .destruction
            .iter()
            .map(|d| format!("DESTRUCTIVE: {d}"))
            .chain(self.hazards.iter().map(|h| format!("HAZARD: {h}")))
            .chain(self.notes.iter().cloned());
        let mut out = String::new();
        for line in lines {
            // Notes carry names and labels from the database: one comment line each, always.
            out.push_str(&format!("-- {}\n", crate::sql::comment(&line)));
        }
        out.push_str(&self.sql);
        out.push_str(";\n");
        out
    }
}

/// The statements of one operation. An operation's notes, locks, hazards and destruction
/// are carried by its first statement (where a script prints them); the others carry none.
pub fn statements(op: &Op) -> Vec<Statement> {
    statements_in(op, &BTreeSet::new())
}

/// The statements of a plan, in order ([`statements`] of each operation), without the
/// hazards and locks on tables the plan itself creates: empty, nobody uses them yet.
pub fn plan_statements(ops: &[Op]) -> Vec<Statement> {
    let created = created_tables(ops);
    ops.iter()
        .flat_map(|op| statements_in(op, &created))
        .collect()
}

/// Tables the operations create (or create again): empty when the statements after run.
pub(crate) fn created_tables(ops: &[Op]) -> BTreeSet<TableName> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Kind(KindChange::WholeTable(Change::Create(x))) => Some(x.table.name.clone()),
            _ => None,
        })
        .collect()
}

/// [`statements`], leaving out hazards and locks on the `created` tables.
pub(crate) fn statements_in(op: &Op, created: &BTreeSet<TableName>) -> Vec<Statement> {
    let (sqls, notes) = op_statements(op);
    let hazards: Vec<Hazard> = op
        .hazards()
        .into_iter()
        .filter(|h| !h.relation.as_ref().is_some_and(|t| created.contains(t)))
        .collect();
    let locks: Vec<Lock> = op
        .locks()
        .into_iter()
        .filter(|l| !created.contains(&l.relation))
        .collect();
    let mut first = Some((notes, locks, hazards, op.destruction()));
    // A revision that adds enum labels runs them outside a transaction (see revision_body).
    let transactional = !matches!(op, Op::Enum(e) if e.adds_label());
    sqls.into_iter()
        .map(|sql| {
            let (notes, locks, hazards, destruction) = first.take().unwrap_or_default();
            Statement {
                sql,
                notes,
                transactional,
                locks,
                hazards,
                destruction,
            }
        })
        .collect()
}

/// The operations as one script: each operation's notes as `--` lines, then its statements,
/// with a blank line between operations.
pub fn script(ops: &[Op]) -> String {
    script_in(ops, &created_tables(ops))
}

/// [`script`] of a part of a plan that creates the `created` tables.
pub(crate) fn script_in(ops: &[Op], created: &BTreeSet<TableName>) -> String {
    ops.iter()
        .map(|op| {
            statements_in(op, created)
                .iter()
                .map(Statement::render)
                .collect::<String>()
        })
        // An operation with nothing to run in this direction (a comment that goes with its
        // object) leaves no blank line either.
        .filter(|text| !text.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The two parts of a revision for a plan, and whether the revision runs in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionBody {
    /// The upgrade part.
    pub upgrade: String,
    /// The downgrade part.
    pub downgrade: String,
    /// `false` when the parts must run outside a transaction (`-- Transactional: no`).
    pub transactional: bool,
}

/// The revision for `upgrade` and `downgrade` operations. PostgreSQL lets no statement of the
/// transaction that adds an enum label use that label, so a part that adds labels runs
/// outside a transaction: the labels first, each committed on its own, then everything else
/// in one explicit transaction (`BEGIN; … COMMIT;`), which the runner records as one unit
/// and resumes after the labels if it fails. Otherwise the revision is one transaction.
pub fn revision_body(upgrade: &[Op], downgrade: &[Op]) -> RevisionBody {
    let adds_labels = |ops: &[Op]| {
        ops.iter()
            .any(|op| matches!(op, Op::Enum(e) if e.adds_label()))
    };
    if !adds_labels(upgrade) && !adds_labels(downgrade) {
        return RevisionBody {
            upgrade: script(upgrade),
            downgrade: script(downgrade),
            transactional: true,
        };
    }
    let part = |ops: &[Op]| {
        let created = created_tables(ops);
        let script = |part: &[Op]| script_in(part, &created);
        let (labels, rest): (Vec<Op>, Vec<Op>) = ops
            .iter()
            .cloned()
            .partition(|op| matches!(op, Op::Enum(e) if e.adds_label()));
        let mut out = String::new();
        if !labels.is_empty() {
            out.push_str(&script(&labels));
            out.push('\n');
        }
        if !rest.is_empty() {
            out.push_str(if labels.is_empty() {
                "-- In one transaction (the revision as a whole runs outside one: its other part adds enum labels).\nBEGIN;\n\n"
            } else {
                "-- Everything else in one transaction; it may use the labels added above.\nBEGIN;\n\n"
            });
            out.push_str(&script(&rest));
            out.push_str("\nCOMMIT;\n");
        }
        out
    };
    RevisionBody {
        upgrade: part(upgrade),
        downgrade: part(downgrade),
        transactional: false,
    }
}
