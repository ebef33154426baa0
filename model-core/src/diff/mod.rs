//! The difference between two schema descriptions as an ordered list of operations.
//!
//! [`diff`] is a pure function: no I/O, and the same inputs give the same plan. Both inputs
//! should be in PostgreSQL's canonical form (read back from a database, or canonicalised
//! through one with [`crate::introspect::canonicalize`]), so that spelling differences that
//! the database would not see produce no operation.
//!
//! Comparators, one module per object kind, say what changes and emit operations; the
//! planner (`plan.rs`) orders them, giving each its stage from what it does. The stages follow
//! dependencies. Schemas, types and sequences come first; then the foreign
//! keys and other constraints that go away (or must be rebuilt because a key they reference or
//! a column they use changes); then tables and columns are dropped; tables are created
//! (referenced before referencing), columns added and altered; constraints and indexes added;
//! foreign keys last, so reference cycles work; types and sequences nobody uses any more go at
//! the very end. The downgrade is the inverse of each operation, in reverse order.

mod align;
mod candidates;
mod columns;
mod comments;
mod enums;
mod functions;
mod grants;
mod hazards;
mod ops;
mod others;
mod plan;
mod renames;
mod schemas;
mod sequences;
mod tables;
mod triggers;
mod views;

use std::collections::{BTreeMap, BTreeSet};

pub use crate::kinds::ColumnType;
pub use crate::kinds::EnumColumn;
pub use candidates::{best_renames, rename_candidates, Candidate};
pub use hazards::{
    relation_sizes, relation_sizes_counting_below, size_text, type_change_rewrites, Hazard,
    HazardKind, Lock, LockMode, RelationSize, RowCount, COUNT_BELOW_BYTES,
};
pub use ops::Op;
pub use renames::{rename_schema, Rename, RenameReport};

pub(crate) use crate::kinds::{pair, Pair};
use align::{aligned, with_inheritance_made_explicit};
use plan::Hint;
use sequences::to_be_dropped;

use crate::schema::{Schema, Table, TableName};
use crate::sql::{Feature, PgVersion};

/// An upgrade and the downgrade that undoes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Operations from `from` to `to`.
    pub upgrade: Vec<Op>,
    /// Operations from `to` back to `from`.
    pub downgrade: Vec<Op>,
}

impl Plan {
    /// Whether the two schemas are the same.
    pub fn is_empty(&self) -> bool {
        self.upgrade.is_empty()
    }
}

/// The operations that turn `from` into `to`, and back, in statement forms every supported
/// PostgreSQL takes ([`PgVersion::OLDEST`]); [`diff_for`] plans for one version.
pub fn diff(from: &Schema, to: &Schema) -> Plan {
    diff_for(from, to, PgVersion::OLDEST)
}

/// [`diff`] for a server of `version`: the best statement forms it has (a generated column's
/// new expression by `SET EXPRESSION` from 17; NOT NULL constraints' names and attributes
/// compared from 18, where they exist).
pub fn diff_for(from: &Schema, to: &Schema, version: PgVersion) -> Plan {
    let (from, to) = with_inheritance_made_explicit(from, to);
    let (from, to) = align::without_partition_key_copies(from, to);
    let (from, to) = (&aligned(&from, &to), &*to);
    let upgrade = Differ::new(from, to, version).run();
    let downgrade = downgrade_of(&upgrade);
    Plan { upgrade, downgrade }
}

/// The operations that undo `upgrade`: each one's inverse, last first, with the rebuilds of
/// one enum type that follow each other (the inverses of several added labels) made one.
fn downgrade_of(upgrade: &[Op]) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::new();
    for op in upgrade.iter().rev().map(Op::inverse) {
        if let (Some(Op::Enum(last)), Op::Enum(next)) = (out.last(), &op) {
            if let Some(merged) = last.then(next) {
                *out.last_mut().unwrap() = Op::Enum(merged);
                continue;
            }
        }
        out.push(op);
    }
    out
}

/// [`diff`], with the declared renames that apply made as `ALTER … RENAME` first (see
/// [`Rename`]): a renamed column, table, label, index, constraint, view, sequence or function
/// keeps its data and is never dropped and added. The report says which hints applied, which
/// are stale (the database already has the new name) and which could not apply.
pub fn diff_with_renames(from: &Schema, to: &Schema, renames: &[Rename]) -> (Plan, RenameReport) {
    diff_with_renames_for(from, to, renames, PgVersion::OLDEST)
}

/// [`diff_with_renames`] for a server of `version` (see [`diff_for`]).
pub fn diff_with_renames_for(
    from: &Schema,
    to: &Schema,
    renames: &[Rename],
    version: PgVersion,
) -> (Plan, RenameReport) {
    if renames.is_empty() && renames::implied(from, to).is_empty() {
        // Nothing to rename: no copy of `from` to rewrite.
        return (diff_for(from, to, version), RenameReport::default());
    }
    let renamed = renames::apply(from, to, renames);
    let rest = diff_for(&renamed.schema, to, version);
    let upgrade: Vec<Op> = renamed
        .before
        .into_iter()
        .chain(renamed.ops)
        .chain(rest.upgrade)
        .collect();
    let downgrade = downgrade_of(&upgrade);
    (Plan { upgrade, downgrade }, renamed.report)
}

struct Differ<'a> {
    from: &'a Schema,
    to: &'a Schema,
    /// The server the plan is for: which statement forms it may use.
    version: PgVersion,
    from_tables: BTreeMap<&'a TableName, &'a Table>,
    to_tables: BTreeMap<&'a TableName, &'a Table>,
    /// Keys (table, sorted columns) that are dropped or rebuilt: foreign keys onto them must be
    /// dropped first and added again after.
    changed_keys: BTreeSet<(TableName, Vec<String>)>,
    /// Columns whose type changes.
    retyped: BTreeSet<(TableName, String)>,
    /// Columns moved to a rebuilt enum, with the default the rebuild leaves them with.
    rebuilt: BTreeMap<(TableName, String), Option<String>>,
    /// Enum types (qualified) whose labels change: a changed index or check that spells one
    /// of their values is dropped before the type changes.
    relabelled: Vec<String>,
    /// Standalone sequences that go.
    dropped_sequences: Vec<TableName>,
    /// Tables in both whose partitioning changes (`PARTITION BY` added, removed or changed):
    /// PostgreSQL cannot change that in place, so they are dropped and created again.
    rebuilt_tables: BTreeSet<TableName>,
    /// Foreign tables dropped (gone, or to be created again): views reading them are rebuilt.
    dropped_foreign_tables: BTreeSet<TableName>,
    /// Operations as the comparators emit them; [`plan::order`] puts them in order.
    emitted: Vec<plan::Emitted>,
}

impl<'a> Differ<'a> {
    /// Hands `op` to the planner, which places it by what it does.
    fn emit(&mut self, op: impl Into<Op>) {
        self.emit_with(Hint::None, op);
    }

    /// Hands `op` to the planner with what the operation itself does not say.
    fn emit_with(&mut self, hint: Hint, op: impl Into<Op>) {
        let op = op.into();
        self.emitted.push(plan::Emitted { op, hint });
    }

    fn emit_all(&mut self, ops: impl IntoIterator<Item = Op>) {
        self.emit_all_with(Hint::None, ops);
    }

    fn emit_all_with(&mut self, hint: Hint, ops: impl IntoIterator<Item = Op>) {
        for op in ops {
            self.emit_with(hint, op);
        }
    }

    fn new(from: &'a Schema, to: &'a Schema, version: PgVersion) -> Self {
        let to_tables = to.tables_by_name();
        Differ {
            from,
            to,
            version,
            from_tables: from.tables.iter().map(|t| (&t.name, t)).collect(),
            to_tables: to.tables.iter().map(|t| (&t.name, t)).collect(),
            changed_keys: BTreeSet::new(),
            retyped: BTreeSet::new(),
            rebuilt: BTreeMap::new(),
            relabelled: Vec::new(),
            dropped_sequences: to_be_dropped(from, to),
            rebuilt_tables: from
                .tables
                .iter()
                .filter(|t| {
                    to_tables
                        .get(&t.name)
                        .is_some_and(|after| after.partition_by != t.partition_by)
                })
                .map(|t| t.name.clone())
                .collect(),
            dropped_foreign_tables: BTreeSet::new(),
            emitted: Vec::new(),
        }
    }

    /// An object that depends on tables (a policy, trigger, rule, publication…): the old one
    /// dropped before the tables change, the new one created after.
    fn replace_dependent(&mut self, drop: Option<Op>, create: Option<Op>) {
        self.emit_all_with(Hint::Before, drop);
        self.emit_all(create);
    }

    /// Whether the server the plan is for has `feature`.
    fn supports(&self, feature: Feature) -> bool {
        self.version.supports(feature)
    }

    /// Whether the table is in both schemas and altered in place (not dropped, created or
    /// rebuilt).
    fn kept(&self, name: &TableName) -> bool {
        self.from_tables.contains_key(name)
            && self.to_tables.contains_key(name)
            && !self.rebuilt_tables.contains(name)
    }

    fn run(mut self) -> Vec<Op> {
        self.namespaces();
        self.extensions();
        self.enums();
        self.types();
        self.sequences();
        self.find_changed_keys_and_types();
        let rebuilt_functions = self.functions();
        self.views(&rebuilt_functions);
        // Policies, statistics objects, owners: depend on tables only, dropped before they
        // change and created after.
        let plain = crate::kinds::compare_plain(self.from, self.to);
        self.emit_all(plain.into_iter().map(Op::Kind));
        self.others();
        self.function_callers(&rebuilt_functions);
        self.triggers(&rebuilt_functions);
        self.dropped_tables();
        for (name, to_table) in self.to_tables.clone() {
            if let Some(from_table) = self.from_tables.get(name).copied() {
                if self.kept(name) {
                    self.table(from_table, to_table);
                }
            }
        }
        self.created_tables();
        self.object_comments();
        plan::order(self.emitted)
    }
}

/// Items of `a` with no equal item of the same name in `b` (new or changed, seen from `a`).
fn changed<'x, T: PartialEq>(a: &'x [T], b: &[T], name: impl Fn(&T) -> &String) -> Vec<&'x T> {
    a.iter()
        .filter(|item| {
            !b.iter()
                .any(|other| name(other) == name(item) && other == *item)
        })
        .collect()
}

/// Whether the expression `text` names the (quoted, qualified) object `name` as a whole
/// word: `public.status` in `'void'::public.status`, not in `public.status_old`.
fn mentions(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(|c| word(c) || c == '.' || c == '"')
            && !after.is_some_and(|c| word(c) || c == '"')
    })
}
