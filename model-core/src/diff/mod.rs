//! The difference between two schema descriptions as an ordered list of operations.
//!
//! [`diff`] is a pure function: no I/O, and the same inputs give the same plan. Both inputs
//! should be in PostgreSQL's canonical form (read back from a database, or canonicalised
//! through one with [`crate::introspect::canonicalize`]), so that spelling differences that
//! the database would not see produce no operation.
//!
//! Ordering follows dependencies. Schemas, types and sequences come first; then the foreign
//! keys and other constraints that go away (or must be rebuilt because a key they reference or
//! a column they use changes); then tables and columns are dropped; tables are created
//! (referenced before referencing), columns added and altered; constraints and indexes added;
//! foreign keys last, so reference cycles work; types and sequences nobody uses any more go at
//! the very end. The downgrade is the inverse of each operation, in reverse order.

mod ops;

use std::collections::{BTreeMap, BTreeSet};

pub use ops::{ColumnType, EnumColumn, Op, Relation, ValidatedConstraint};

use crate::render::qualified;
use crate::schema::{
    CheckConstraint, Column, ColumnRef, EnumType, Extension, ForeignKey, Function, Grant,
    GrantTarget, Index, IndexExpr, Policy, Schema, Sequence, Table, TableName, Trigger, View,
    DEFAULT_SCHEMA,
};

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

/// The operations that turn `from` into `to`, and back.
pub fn diff(from: &Schema, to: &Schema) -> Plan {
    let from = &aligned(from, to);
    let upgrade = Differ::new(from, to).run();
    let downgrade = upgrade.iter().rev().map(Op::inverse).collect();
    Plan { upgrade, downgrade }
}

/// Standalone sequences of `from` that `to` does not have.
fn to_be_dropped(from: &Schema, to: &Schema) -> Vec<TableName> {
    from.sequences
        .iter()
        .filter(|s| !to.sequences.iter().any(|t| t.name == s.name))
        .map(|s| s.name.clone())
        .collect()
}

/// `GRANT` / `REVOKE` operations that take `target` from one role's privileges in `from` to
/// those in `to`, one operation per role whose privileges change.
fn grant_changes(target: &GrantTarget, from: &[Grant], to: &[Grant]) -> Vec<Op> {
    let grantees: BTreeSet<&String> = from.iter().chain(to).map(|g| &g.grantee).collect();
    let of = |grants: &[Grant], grantee: &String| {
        grants
            .iter()
            .find(|g| &g.grantee == grantee)
            .map(|g| g.privileges.clone())
            .unwrap_or_default()
    };
    grantees
        .into_iter()
        .filter_map(|grantee| {
            let (before, after) = (of(from, grantee), of(to, grantee));
            (before != after).then(|| Op::SetGrants {
                target: target.clone(),
                grantee: grantee.clone(),
                from: before,
                to: after,
            })
        })
        .collect()
}

/// A column's grants after the table-level `REVOKE` from `table_from` to `table_to`: what the
/// table loses for a role, its columns lose too.
fn without_revoked(column: &[Grant], table_from: &[Grant], table_to: &[Grant]) -> Vec<Grant> {
    let plain = |p: &String| p.trim_end_matches('*').to_string();
    let held = |grants: &[Grant], grantee: &str| -> Vec<String> {
        grants
            .iter()
            .filter(|g| g.grantee == grantee)
            .flat_map(|g| g.privileges.iter().map(plain))
            .collect()
    };
    column
        .iter()
        .map(|g| {
            let (before, after) = (held(table_from, &g.grantee), held(table_to, &g.grantee));
            let revoked: Vec<&String> = before.iter().filter(|p| !after.contains(p)).collect();
            Grant {
                grantee: g.grantee.clone(),
                privileges: g
                    .privileges
                    .iter()
                    .filter(|p| !revoked.contains(&&plain(p)))
                    .cloned()
                    .collect(),
            }
        })
        .filter(|g| !g.privileges.is_empty())
        .collect()
}

/// `from` with what PostgreSQL treats as the same spelled as `to` spells it, so that no
/// comparison sees a difference there: storage parameters are a set (their order is only the
/// order they were written in).
fn aligned(from: &Schema, to: &Schema) -> Schema {
    fn align(have: &mut Vec<String>, want: &[String]) {
        if have.len() == want.len() && want.iter().all(|o| have.contains(o)) {
            *have = want.to_vec();
        }
    }
    let mut from = from.clone();
    for table in &mut from.tables {
        let Some(wanted) = to.table(&table.name) else {
            continue;
        };
        align(&mut table.options, &wanted.options);
        for index in &mut table.indexes {
            if let Some(w) = wanted.indexes.iter().find(|i| i.name == index.name) {
                align(&mut index.options, &w.options);
            }
        }
    }
    for view in &mut from.views {
        if let Some(wanted) = to.views.iter().find(|v| v.name == view.name) {
            align(&mut view.options, &wanted.options);
            for index in &mut view.indexes {
                if let Some(w) = wanted.indexes.iter().find(|i| i.name == index.name) {
                    align(&mut index.options, &w.options);
                }
            }
        }
    }
    from
}

/// Buckets in execution order; see the module documentation.
#[derive(Default)]
struct Phases {
    schemas: Vec<Op>,
    drop_dependents: Vec<Op>,
    types: Vec<Op>,
    drop_foreign_keys: Vec<Op>,
    drop_constraints: Vec<Op>,
    drop_tables: Vec<Op>,
    drop_columns: Vec<Op>,
    /// Defaults that must go before a type change or before the sequence they read goes.
    clear_defaults: Vec<Op>,
    /// Standalone sequences that go: before columns take an identity (whose sequence may
    /// want the same name, as when a `serial` column becomes an identity).
    drop_sequences: Vec<Op>,
    tables_and_columns: Vec<Op>,
    add_constraints: Vec<Op>,
    add_foreign_keys: Vec<Op>,
    /// Functions with SQL-standard bodies (`BEGIN ATOMIC … END`, `RETURN …`): PostgreSQL
    /// parses those when they are created, whatever `check_function_bodies` says, so they
    /// come after the tables and columns they read.
    standard_functions: Vec<Op>,
    comments: Vec<Op>,
    create_dependents: Vec<Op>,
    drop_functions: Vec<Op>,
    drop_types: Vec<Op>,
    drop_extensions: Vec<Op>,
    drop_schemas: Vec<Op>,
}

impl Phases {
    fn into_ops(self) -> Vec<Op> {
        [
            self.schemas,
            self.drop_dependents,
            self.types,
            self.drop_foreign_keys,
            self.drop_constraints,
            self.drop_tables,
            self.drop_columns,
            self.clear_defaults,
            self.drop_sequences,
            self.tables_and_columns,
            self.add_constraints,
            self.add_foreign_keys,
            self.standard_functions,
            self.comments,
            self.create_dependents,
            self.drop_functions,
            self.drop_types,
            self.drop_extensions,
            self.drop_schemas,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

struct Differ<'a> {
    from: &'a Schema,
    to: &'a Schema,
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
    phases: Phases,
}

impl<'a> Differ<'a> {
    fn new(from: &'a Schema, to: &'a Schema) -> Self {
        Differ {
            from,
            to,
            from_tables: from.tables.iter().map(|t| (&t.name, t)).collect(),
            to_tables: to.tables.iter().map(|t| (&t.name, t)).collect(),
            changed_keys: BTreeSet::new(),
            retyped: BTreeSet::new(),
            rebuilt: BTreeMap::new(),
            relabelled: Vec::new(),
            dropped_sequences: to_be_dropped(from, to),
            phases: Phases::default(),
        }
    }

    fn run(mut self) -> Vec<Op> {
        self.namespaces();
        self.extensions();
        self.enums();
        self.sequences();
        self.find_changed_keys_and_types();
        let rebuilt_functions = self.functions();
        self.views_and_triggers(&rebuilt_functions);
        self.dropped_tables();
        for (name, to_table) in self.to_tables.clone() {
            if let Some(from_table) = self.from_tables.get(name).copied() {
                self.table(from_table, to_table);
            }
        }
        self.created_tables();
        self.phases.into_ops()
    }

    /// Schemas: created when missing (before anything else); when `to` was read from a
    /// database (its schemas are objects), dropped when gone (after everything else, and never
    /// with CASCADE) and their comments compared. `public` is left as it is.
    fn namespaces(&mut self) {
        let have: BTreeSet<&str> = self.from.namespaces().into_iter().collect();
        let want: BTreeSet<&str> = self.to.namespaces().into_iter().collect();
        for name in &want {
            if *name != DEFAULT_SCHEMA && !have.contains(name) {
                self.phases.schemas.push(Op::CreateSchema {
                    name: name.to_string(),
                });
            }
        }
        if self.to.schemas.is_empty() {
            return;
        }
        let comment = |schema: &Schema, name: &str| {
            schema
                .schemas
                .iter()
                .find(|s| s.name == name)
                .and_then(|s| s.comment.clone())
        };
        for name in have.union(&want) {
            let (before, after) = (comment(self.from, name), comment(self.to, name));
            if before != after {
                let op = Op::SetSchemaComment {
                    name: name.to_string(),
                    from: before,
                    to: after,
                };
                if want.contains(name) {
                    self.phases.comments.push(op);
                } else {
                    self.phases.drop_dependents.push(op);
                }
            }
            if *name != DEFAULT_SCHEMA && !want.contains(name) {
                self.phases.drop_schemas.push(Op::DropSchema {
                    name: name.to_string(),
                });
            }
        }
    }

    /// Columns of the `from` schema whose type is `e` (or an array of it).
    fn enum_columns(&self, e: &EnumType) -> Vec<(&'a Table, &'a Column)> {
        let name = qualified(&e.name);
        let array = format!("{name}[]");
        self.from
            .tables
            .iter()
            .flat_map(|t| t.columns.iter().map(move |c| (t, c)))
            .filter(|(_, c)| c.ty.as_str() == name || c.ty.as_str() == array)
            .collect()
    }

    /// Indexes and checks that stay as they are but spell a value of `e`: a rebuild of the
    /// type drops them first and creates them again after.
    fn enum_dependents(&self, e: &EnumType) -> Vec<Op> {
        let name = qualified(&e.name);
        let mut out = Vec::new();
        for table in &self.from.tables {
            let Some(after) = self.to_tables.get(&table.name) else {
                continue;
            };
            for index in &table.indexes {
                if after.indexes.contains(index) && index_mentions(index, &name) {
                    out.push(Op::CreateIndex {
                        table: table.name.clone(),
                        index: index.clone(),
                    });
                }
            }
            for check in &table.checks {
                if after.checks.contains(check) && mentions(&check.expression, &name) {
                    out.push(Op::AddCheck {
                        table: table.name.clone(),
                        check: check.clone(),
                    });
                }
            }
        }
        out
    }

    /// Whether a changed index or check must go before the types change: it spells a value
    /// of an enum whose labels change.
    fn before_types(&self, text: &[&str]) -> bool {
        self.relabelled
            .iter()
            .any(|name| text.iter().any(|t| mentions(t, name)))
    }

    fn enums(&mut self) {
        let to_enums: BTreeMap<&TableName, &EnumType> =
            self.to.enums.iter().map(|e| (&e.name, e)).collect();
        let from_enums: BTreeMap<&TableName, &EnumType> =
            self.from.enums.iter().map(|e| (&e.name, e)).collect();
        for (name, to) in &to_enums {
            let Some(from) = from_enums.get(name) else {
                self.phases.types.push(Op::CreateEnum((*to).clone()));
                continue;
            };
            if from.labels == to.labels {
                continue;
            }
            self.relabelled.push(qualified(&from.name));
            let dependents = self.enum_dependents(from);
            let columns: Vec<(&Table, &Column)> = self.enum_columns(from);
            if is_subsequence(&from.labels, &to.labels) {
                let unchanged = |(t, c): &(&Table, &Column)| EnumColumn {
                    table: t.name.clone(),
                    column: c.name.clone(),
                    array: c.ty.as_str().ends_with("[]"),
                    default_before: c.default.clone(),
                    default_after: c.default.clone(),
                };
                let columns: Vec<EnumColumn> = columns.iter().map(unchanged).collect();
                let mut current = (*from).clone();
                for (i, label) in to.labels.iter().enumerate() {
                    if current.labels.contains(label) {
                        continue;
                    }
                    let at = match i.checked_sub(1) {
                        Some(previous) => current
                            .labels
                            .iter()
                            .position(|l| l == &to.labels[previous])
                            .map_or(0, |p| p + 1),
                        None => 0,
                    };
                    let mut next = current.clone();
                    next.labels.insert(at, label.clone());
                    self.phases.types.push(Op::AddEnumValue {
                        from: current,
                        to: next.clone(),
                        value: label.clone(),
                        columns: columns.clone(),
                        dependents: dependents.clone(),
                    });
                    current = next;
                }
                continue;
            }
            let mut entries = Vec::new();
            for (table, column) in columns {
                let same_type_after = self
                    .to_tables
                    .get(&table.name)
                    .and_then(|t| t.column(&column.name))
                    .filter(|c| c.ty == column.ty);
                let default_after = same_type_after.and_then(|c| c.default.clone());
                self.rebuilt.insert(
                    (table.name.clone(), column.name.clone()),
                    default_after.clone(),
                );
                entries.push(EnumColumn {
                    table: table.name.clone(),
                    column: column.name.clone(),
                    array: column.ty.as_str().ends_with("[]"),
                    default_before: column.default.clone(),
                    default_after,
                });
            }
            self.phases.types.push(Op::RebuildEnum {
                from: (*from).clone(),
                to: (*to).clone(),
                columns: entries,
                dependents,
            });
        }
        for (name, from) in &from_enums {
            if !to_enums.contains_key(name) {
                self.phases.drop_types.push(Op::DropEnum((*from).clone()));
            }
        }
    }

    fn extensions(&mut self) {
        let to: BTreeMap<&str, &Extension> = self
            .to
            .extensions
            .iter()
            .map(|e| (e.name.as_str(), e))
            .collect();
        let from: BTreeMap<&str, &Extension> = self
            .from
            .extensions
            .iter()
            .map(|e| (e.name.as_str(), e))
            .collect();
        for (name, wanted) in &to {
            match from.get(name) {
                None => self
                    .phases
                    .schemas
                    .push(Op::CreateExtension((*wanted).clone())),
                Some(have) if have != wanted => self.phases.schemas.push(Op::AlterExtension {
                    from: (*have).clone(),
                    to: (*wanted).clone(),
                }),
                Some(_) => {}
            }
        }
        for (name, have) in &from {
            if !to.contains_key(name) {
                self.phases
                    .drop_extensions
                    .push(Op::DropExtension((*have).clone()));
            }
        }
    }

    /// Functions by name and arguments. A changed function is replaced in place when its
    /// result type stays; otherwise it is dropped and created again (after what calls it from
    /// a trigger is dropped), and its name is returned so those triggers are rebuilt.
    fn functions(&mut self) -> BTreeSet<TableName> {
        let key = |f: &Function| (f.name.clone(), f.arguments.clone());
        let to: BTreeMap<_, &Function> = self.to.functions.iter().map(|f| (key(f), f)).collect();
        let from: BTreeMap<_, &Function> =
            self.from.functions.iter().map(|f| (key(f), f)).collect();
        let mut rebuilt = BTreeSet::new();
        for (k, wanted) in &to {
            let phase = if wanted.standard_body() {
                &mut self.phases.standard_functions
            } else {
                &mut self.phases.types
            };
            match from.get(k) {
                None => phase.push(Op::CreateFunction((*wanted).clone())),
                Some(have) if have == wanted => {}
                Some(have)
                    if have.returns == wanted.returns && have.procedure == wanted.procedure =>
                {
                    phase.push(Op::ReplaceFunction {
                        from: (*have).clone(),
                        to: (*wanted).clone(),
                    })
                }
                Some(have) => {
                    self.phases.types.push(Op::DropFunction((*have).clone()));
                    let phase = if wanted.standard_body() {
                        &mut self.phases.standard_functions
                    } else {
                        &mut self.phases.types
                    };
                    phase.push(Op::CreateFunction((*wanted).clone()));
                    rebuilt.insert(wanted.name.clone());
                }
            }
        }
        for (k, have) in &from {
            if !to.contains_key(k) {
                self.phases
                    .drop_functions
                    .push(Op::DropFunction((*have).clone()));
            }
        }
        rebuilt
    }

    /// Views and triggers go before the tables they depend on change and come back after:
    /// a view is replaced in place when only its query changes, and rebuilt when its columns
    /// change, when
    /// a table it reads loses or retypes a column or goes away, or when a view it reads is
    /// rebuilt; a trigger when it changes or its function is rebuilt.
    fn views_and_triggers(&mut self, rebuilt_functions: &BTreeSet<TableName>) {
        let mut touched: BTreeSet<TableName> = BTreeSet::new();
        for table in &self.from.tables {
            match self.to_tables.get(&table.name) {
                None => {
                    touched.insert(table.name.clone());
                }
                Some(after) => {
                    if table
                        .columns
                        .iter()
                        .any(|c| after.column(&c.name).is_none())
                    {
                        touched.insert(table.name.clone());
                    }
                }
            }
        }
        touched.extend(self.retyped.iter().map(|(t, _)| t.clone()));
        touched.extend(self.rebuilt.keys().map(|(t, _)| t.clone()));

        let from: BTreeMap<&TableName, &View> =
            self.from.views.iter().map(|v| (&v.name, v)).collect();
        let to: BTreeMap<&TableName, &View> = self.to.views.iter().map(|v| (&v.name, v)).collect();
        let mut rebuild: BTreeSet<TableName> = BTreeSet::new();
        let mut replace: BTreeSet<TableName> = BTreeSet::new();
        // A function dropped and created again takes whatever calls it along; the catalogs do
        // not say which views and policies call which functions, so all of them are rebuilt.
        let functions_rebuilt = !rebuilt_functions.is_empty();
        for (name, have) in &from {
            let Some(wanted) = to.get(name) else { continue };
            let reads_touched =
                functions_rebuilt || have.depends_on.iter().any(|d| touched.contains(d));
            if have == wanted && !reads_touched {
                continue;
            }
            // A materialized view whose storage parameters or contents alone change stays.
            let settled = View {
                options: wanted.options.clone(),
                populated: wanted.populated,
                ..(*have).clone()
            };
            if have.materialized && settled == **wanted && !reads_touched {
                if have.options != wanted.options {
                    self.phases.comments.push(Op::SetOptions {
                        relation: Relation {
                            kind: "MATERIALIZED VIEW",
                            name: (*name).clone(),
                        },
                        from: have.options.clone(),
                        to: wanted.options.clone(),
                    });
                }
                if have.populated != wanted.populated {
                    self.phases.comments.push(Op::RefreshMaterializedView {
                        view: (*name).clone(),
                        populated: wanted.populated,
                    });
                }
                continue;
            }
            // CREATE OR REPLACE VIEW keeps the columns; with the same columns the downgrade can
            // use it too. Any change of columns drops and creates.
            let same_columns =
                !have.materialized && !wanted.materialized && wanted.columns == have.columns;
            if same_columns && !reads_touched {
                replace.insert((*name).clone());
            } else {
                rebuild.insert((*name).clone());
            }
        }
        // A view reading a rebuilt view is rebuilt too.
        loop {
            let more: Vec<TableName> = from
                .iter()
                .filter(|(n, v)| {
                    to.contains_key(*n)
                        && !rebuild.contains(**n)
                        && v.depends_on.iter().any(|d| rebuild.contains(d))
                })
                .map(|(n, _)| (*n).clone())
                .collect();
            if more.is_empty() {
                break;
            }
            for name in more {
                replace.remove(&name);
                rebuild.insert(name);
            }
        }
        let dropped: Vec<&View> = from
            .values()
            .copied()
            .filter(|v| !to.contains_key(&v.name) || rebuild.contains(&v.name))
            .collect();
        for view in view_order(&dropped).into_iter().rev() {
            self.phases.drop_dependents.push(Op::DropView(view.clone()));
        }
        let created: Vec<&View> = to
            .values()
            .copied()
            .filter(|v| {
                !from.contains_key(&v.name)
                    || rebuild.contains(&v.name)
                    || replace.contains(&v.name)
            })
            .collect();
        for view in view_order(&created) {
            match (replace.contains(&view.name), from.get(&view.name)) {
                (true, Some(have)) => self.phases.create_dependents.push(Op::ReplaceView {
                    from: (*have).clone(),
                    to: view.clone(),
                }),
                _ => self
                    .phases
                    .create_dependents
                    .push(Op::CreateView(view.clone())),
            }
        }

        let key = |p: &Policy| (p.table.clone(), p.name.clone());
        let from_policies: BTreeMap<_, &Policy> =
            self.from.policies.iter().map(|p| (key(p), p)).collect();
        let to_policies: BTreeMap<_, &Policy> =
            self.to.policies.iter().map(|p| (key(p), p)).collect();
        for (k, have) in &from_policies {
            if to_policies.get(k) != Some(have) {
                self.phases
                    .drop_dependents
                    .push(Op::DropPolicy((*have).clone()));
            }
        }
        for (k, wanted) in &to_policies {
            if from_policies.get(k) != Some(wanted) {
                self.phases
                    .create_dependents
                    .push(Op::CreatePolicy((*wanted).clone()));
            }
        }

        let key = |t: &Trigger| (t.table.clone(), t.name.clone());
        let from_triggers: BTreeMap<_, &Trigger> =
            self.from.triggers.iter().map(|t| (key(t), t)).collect();
        let to_triggers: BTreeMap<_, &Trigger> =
            self.to.triggers.iter().map(|t| (key(t), t)).collect();
        let same_but_enabled = |a: &Trigger, b: &Trigger| {
            a.enabled != b.enabled
                && Trigger {
                    enabled: b.enabled,
                    ..a.clone()
                } == *b
                && !rebuilt_functions.contains(&b.function)
        };
        for (k, have) in &from_triggers {
            if let Some(wanted) = to_triggers.get(k).filter(|w| same_but_enabled(have, w)) {
                self.phases.comments.push(Op::SetTriggerEnabled {
                    trigger: (*wanted).clone(),
                    from: have.enabled,
                    to: wanted.enabled,
                });
                continue;
            }
            let keep = to_triggers
                .get(k)
                .is_some_and(|w| w == have && !rebuilt_functions.contains(&w.function));
            if !keep {
                self.phases
                    .drop_dependents
                    .push(Op::DropTrigger((*have).clone()));
            }
        }
        for (k, wanted) in &to_triggers {
            let keep = from_triggers.get(k).is_some_and(|h| {
                (h == wanted || same_but_enabled(h, wanted))
                    && !rebuilt_functions.contains(&wanted.function)
            });
            if !keep {
                self.phases
                    .create_dependents
                    .push(Op::CreateTrigger((*wanted).clone()));
            }
        }
    }

    fn sequences(&mut self) {
        let to_seqs: BTreeMap<&TableName, _> =
            self.to.sequences.iter().map(|s| (&s.name, s)).collect();
        let from_seqs: BTreeMap<&TableName, _> =
            self.from.sequences.iter().map(|s| (&s.name, s)).collect();
        // Ownership is an operation of its own: given up before tables and columns are
        // dropped (which would take an owned sequence along), taken after they are created.
        // Grants are operations of their own too (see below).
        let unowned = |s: &Sequence| Sequence {
            owned_by: None,
            grants: Vec::new(),
            ..s.clone()
        };
        for (name, to) in &to_seqs {
            let from = from_seqs.get(name);
            match from {
                None => self.phases.types.push(Op::CreateSequence(unowned(to))),
                Some(from) if unowned(from) != unowned(to) => {
                    self.phases.types.push(Op::AlterSequence {
                        from: unowned(from),
                        to: unowned(to),
                    })
                }
                Some(_) => {}
            }
        }
        for (name, from) in &from_seqs {
            if !to_seqs.contains_key(name) {
                // Revoked first, so that the downgrade grants them again.
                let target = GrantTarget::Sequence((*name).clone());
                self.phases
                    .drop_dependents
                    .extend(grant_changes(&target, &from.grants, &[]));
                self.phases
                    .drop_sequences
                    .push(Op::DropSequence(unowned(from)));
            }
        }
        let owners = |seqs: &BTreeMap<&TableName, &Sequence>| -> BTreeMap<TableName, ColumnRef> {
            seqs.iter()
                .filter_map(|(n, s)| Some(((*n).clone(), s.owned_by.clone()?)))
                .collect()
        };
        for (name, to) in &to_seqs {
            let before = from_seqs.get(name).map_or(&[][..], |s| &s.grants[..]);
            let target = GrantTarget::Sequence((*name).clone());
            self.phases
                .comments
                .extend(grant_changes(&target, before, &to.grants));
        }
        let (before, after) = (owners(&from_seqs), owners(&to_seqs));
        for (sequence, owner) in &before {
            if after.get(sequence) != Some(owner) {
                self.phases.drop_dependents.push(Op::SetSequenceOwner {
                    sequence: sequence.clone(),
                    from: Some(owner.clone()),
                    to: None,
                });
            }
        }
        for (sequence, owner) in &after {
            if before.get(sequence) != Some(owner) {
                self.phases.comments.push(Op::SetSequenceOwner {
                    sequence: sequence.clone(),
                    from: None,
                    to: Some(owner.clone()),
                });
            }
        }
    }

    /// Keys that go away or change, and columns whose type changes, in tables that stay.
    fn find_changed_keys_and_types(&mut self) {
        for (name, from) in &self.from_tables {
            let Some(to) = self.to_tables.get(name) else {
                continue;
            };
            let key = |cols: &[String]| {
                let mut cols = cols.to_vec();
                cols.sort();
                ((*name).clone(), cols)
            };
            if from.primary_key != to.primary_key {
                if let Some(pk) = &from.primary_key {
                    self.changed_keys.insert(key(&pk.columns));
                }
            }
            for unique in &from.uniques {
                if !to.uniques.contains(unique) {
                    self.changed_keys.insert(key(&unique.columns));
                }
            }
            for index in &from.indexes {
                if let (true, Some(columns)) = (index.unique, index.key_columns()) {
                    if !to.indexes.contains(index) {
                        self.changed_keys.insert(key(&columns));
                    }
                }
            }
            for column in &from.columns {
                if let Some(after) = to.column(&column.name) {
                    if column.ty != after.ty
                        || column.collation != after.collation
                        || column.generated != after.generated
                    {
                        self.retyped.insert(((*name).clone(), column.name.clone()));
                    }
                }
            }
        }
    }

    /// Whether an unchanged foreign key of `table` must still be dropped and added again.
    fn must_rebuild(&self, table: &TableName, fk: &ForeignKey) -> bool {
        let mut referenced = fk.referenced_columns.clone();
        referenced.sort();
        self.changed_keys
            .contains(&(fk.references.clone(), referenced))
            || fk
                .columns
                .iter()
                .any(|c| self.retyped.contains(&(table.clone(), c.clone())))
            || fk
                .referenced_columns
                .iter()
                .any(|c| self.retyped.contains(&(fk.references.clone(), c.clone())))
    }

    fn dropped_tables(&mut self) {
        let dropped: Vec<&Table> = self
            .from
            .tables
            .iter()
            .filter(|t| !self.to_tables.contains_key(&t.name))
            .collect();
        // A key onto a table that stays goes with its table, unless the key it references is
        // dropped first (then it must go before that).
        let (order, deferred) = creation_order(&dropped, |fk| self.can_reference_existing(fk));
        for (table, fk) in deferred {
            self.phases.drop_foreign_keys.push(Op::DropForeignKey {
                table: table.name.clone(),
                key: fk.clone(),
            });
        }
        for (table, inline) in order.into_iter().rev() {
            let mut table = table.clone();
            table
                .foreign_keys
                .retain(|fk| inline.iter().any(|i| i.name == fk.name));
            self.phases.drop_tables.push(Op::DropTable(table));
        }
    }

    fn created_tables(&mut self) {
        let created: Vec<&Table> = self
            .to
            .tables
            .iter()
            .filter(|t| !self.from_tables.contains_key(&t.name))
            .collect();
        let existing = |fk: &ForeignKey| self.can_reference_existing(fk);
        let (order, deferred) = creation_order(&created, existing);
        for (table, inline) in order {
            let mut table = table.clone();
            table
                .foreign_keys
                .retain(|fk| inline.iter().any(|i| i.name == fk.name));
            self.phases.tables_and_columns.push(Op::CreateTable {
                table,
                recreated: false,
            });
        }
        for (table, fk) in deferred {
            self.phases.add_foreign_keys.push(Op::AddForeignKey {
                table: table.name.clone(),
                key: fk.clone(),
            });
        }
    }

    /// A new table's foreign key can be written inside `CREATE TABLE` when it points at a
    /// table that exists before and after with the same key on the referenced columns.
    fn can_reference_existing(&self, fk: &ForeignKey) -> bool {
        let (Some(from), Some(_)) = (
            self.from_tables.get(&fk.references),
            self.to_tables.get(&fk.references),
        ) else {
            return false;
        };
        let mut referenced = fk.referenced_columns.clone();
        referenced.sort();
        from.has_unique_key(&fk.referenced_columns)
            && !self
                .changed_keys
                .contains(&(fk.references.clone(), referenced))
            && !fk
                .referenced_columns
                .iter()
                .any(|c| self.retyped.contains(&(fk.references.clone(), c.clone())))
    }

    fn table(&mut self, from: &Table, to: &Table) {
        let name = &to.name;
        // A check or foreign key that only becomes valid is validated in place (and one that
        // only becomes NOT VALID is re-added so): compare the rest as if it had not changed.
        let mut from = from.clone();
        for check in &mut from.checks {
            let Some(wanted) = to.checks.iter().find(|c| c.name == check.name) else {
                continue;
            };
            let flipped = CheckConstraint {
                not_valid: wanted.not_valid,
                ..check.clone()
            };
            if wanted.not_valid != check.not_valid && &flipped == wanted {
                self.phases.add_foreign_keys.push(Op::SetConstraintValid {
                    table: name.clone(),
                    constraint: ValidatedConstraint::Check(wanted.clone()),
                    valid: !wanted.not_valid,
                });
                *check = flipped;
            }
        }
        for fk in &mut from.foreign_keys {
            let Some(wanted) = to.foreign_keys.iter().find(|k| k.name == fk.name) else {
                continue;
            };
            let flipped = ForeignKey {
                not_valid: wanted.not_valid,
                ..fk.clone()
            };
            if wanted.not_valid != fk.not_valid
                && &flipped == wanted
                && !self.must_rebuild(name, fk)
            {
                self.phases.add_foreign_keys.push(Op::SetConstraintValid {
                    table: name.clone(),
                    constraint: ValidatedConstraint::ForeignKey(wanted.clone()),
                    valid: !wanted.not_valid,
                });
                *fk = flipped;
            }
        }
        for index in &mut from.indexes {
            let Some(wanted) = to.indexes.iter().find(|i| i.name == index.name) else {
                continue;
            };
            let reset = Index {
                options: wanted.options.clone(),
                ..index.clone()
            };
            if index.options != wanted.options && &reset == wanted {
                self.phases.comments.push(Op::SetOptions {
                    relation: Relation {
                        kind: "INDEX",
                        name: TableName::new(&name.schema, &index.name),
                    },
                    from: index.options.clone(),
                    to: wanted.options.clone(),
                });
                *index = reset;
            }
        }
        let from = &from;
        // Foreign keys.
        for fk in &from.foreign_keys {
            let kept = to.foreign_keys.iter().any(|k| k == fk);
            if !kept || self.must_rebuild(name, fk) {
                self.phases.drop_foreign_keys.push(Op::DropForeignKey {
                    table: name.clone(),
                    key: fk.clone(),
                });
            }
        }
        for fk in &to.foreign_keys {
            let existed = from.foreign_keys.iter().any(|k| k == fk);
            if !existed || self.must_rebuild(name, fk) {
                self.phases.add_foreign_keys.push(Op::AddForeignKey {
                    table: name.clone(),
                    key: fk.clone(),
                });
            }
        }
        // Other constraints and indexes: by name; a changed one is dropped and added.
        for index in changed(&from.indexes, &to.indexes, |i| &i.name) {
            let op = Op::DropIndex {
                table: name.clone(),
                index: index.clone(),
            };
            if self.before_types(&index_texts(index)) {
                self.phases.drop_dependents.push(op);
            } else {
                self.phases.drop_constraints.push(op);
            }
        }
        for check in changed(&from.checks, &to.checks, |c| &c.name) {
            let op = Op::DropCheck {
                table: name.clone(),
                check: check.clone(),
            };
            if self.before_types(&[check.expression.as_str()]) {
                self.phases.drop_dependents.push(op);
            } else {
                self.phases.drop_constraints.push(op);
            }
        }
        let drops = &mut self.phases.drop_constraints;
        let adds = &mut self.phases.add_constraints;
        for exclusion in changed(&from.exclusions, &to.exclusions, |c| &c.name) {
            drops.push(Op::DropExclusion {
                table: name.clone(),
                exclusion: exclusion.clone(),
            });
        }
        for unique in changed(&from.uniques, &to.uniques, |c| &c.name) {
            drops.push(Op::DropUnique {
                table: name.clone(),
                unique: unique.clone(),
            });
        }
        if from.primary_key != to.primary_key {
            if let Some(key) = &from.primary_key {
                drops.push(Op::DropPrimaryKey {
                    table: name.clone(),
                    key: key.clone(),
                });
            }
            if let Some(key) = &to.primary_key {
                adds.push(Op::AddPrimaryKey {
                    table: name.clone(),
                    key: key.clone(),
                });
            }
        }
        for unique in changed(&to.uniques, &from.uniques, |c| &c.name) {
            adds.push(Op::AddUnique {
                table: name.clone(),
                unique: unique.clone(),
            });
        }
        for check in changed(&to.checks, &from.checks, |c| &c.name) {
            adds.push(Op::AddCheck {
                table: name.clone(),
                check: check.clone(),
            });
        }
        for exclusion in changed(&to.exclusions, &from.exclusions, |c| &c.name) {
            adds.push(Op::AddExclusion {
                table: name.clone(),
                exclusion: exclusion.clone(),
            });
        }
        for index in changed(&to.indexes, &from.indexes, |i| &i.name) {
            adds.push(Op::CreateIndex {
                table: name.clone(),
                index: index.clone(),
            });
        }
        self.columns(from, to);
        let (rls_from, rls_to) = (
            (from.row_level_security, from.force_row_level_security),
            (to.row_level_security, to.force_row_level_security),
        );
        if rls_from != rls_to {
            self.phases.comments.push(Op::SetRowLevelSecurity {
                table: name.clone(),
                from: rls_from,
                to: rls_to,
            });
        }
        // REVOKE on a table also takes the revoked privileges off its columns: those column
        // grants are revoked explicitly first and granted again after, so that each step (and
        // its inverse in the downgrade) says what it does.
        let mut column_before: BTreeMap<&str, Vec<Grant>> = BTreeMap::new();
        for column in &to.columns {
            let Some(before) = from.column(&column.name) else {
                continue;
            };
            let kept = without_revoked(&before.grants, &from.grants, &to.grants);
            let target = GrantTarget::Column(name.clone(), column.name.clone());
            self.phases
                .comments
                .extend(grant_changes(&target, &before.grants, &kept));
            column_before.insert(&column.name, kept);
        }
        let target = GrantTarget::Table(name.clone());
        self.phases
            .comments
            .extend(grant_changes(&target, &from.grants, &to.grants));
        for column in &to.columns {
            // A column added here is created with its grants.
            let Some(before) = column_before.get(column.name.as_str()) else {
                continue;
            };
            let target = GrantTarget::Column(name.clone(), column.name.clone());
            self.phases
                .comments
                .extend(grant_changes(&target, before, &column.grants));
        }
        if from.options != to.options {
            self.phases.comments.push(Op::SetOptions {
                relation: Relation {
                    kind: "TABLE",
                    name: name.clone(),
                },
                from: from.options.clone(),
                to: to.options.clone(),
            });
        }
        if from.unlogged != to.unlogged {
            self.phases.comments.push(Op::SetUnlogged {
                table: name.clone(),
                unlogged: to.unlogged,
            });
        }
        if from.replica_identity != to.replica_identity {
            self.phases.comments.push(Op::SetReplicaIdentity {
                table: name.clone(),
                from: from.replica_identity.clone(),
                to: to.replica_identity.clone(),
            });
        }
        if from.comment != to.comment {
            self.phases.comments.push(Op::SetTableComment {
                table: name.clone(),
                from: from.comment.clone(),
                to: to.comment.clone(),
            });
        }
    }

    fn columns(&mut self, from: &Table, to: &Table) {
        let name = &to.name;
        for column in &from.columns {
            let replaced = to
                .column(&column.name)
                .is_some_and(|c| c.generated != column.generated);
            if to.column(&column.name).is_none() || replaced {
                self.phases.drop_columns.push(Op::DropColumn {
                    table: name.clone(),
                    column: column.clone(),
                });
            }
        }
        for after in &to.columns {
            let before = from
                .column(&after.name)
                .filter(|c| c.generated == after.generated);
            let Some(before) = before else {
                self.phases.tables_and_columns.push(Op::AddColumn {
                    table: name.clone(),
                    column: after.clone(),
                    recreated: false,
                });
                continue;
            };
            let (early, ops) = self.column_changes(name, before, after);
            self.phases.clear_defaults.extend(early);
            self.phases.tables_and_columns.extend(ops);
            if before.comment != after.comment {
                self.phases.comments.push(Op::SetColumnComment {
                    table: name.clone(),
                    column: after.name.clone(),
                    from: before.comment.clone(),
                    to: after.comment.clone(),
                });
            }
        }
    }

    /// One column's changes, in the order PostgreSQL accepts them: the old default and identity
    /// go first, then the type, nullability, the new identity, the new default.
    /// (What goes in the `clear_defaults` phase, what goes with the tables and columns.)
    fn column_changes(
        &self,
        table: &TableName,
        before: &Column,
        after: &Column,
    ) -> (Vec<Op>, Vec<Op>) {
        let column = after.name.clone();
        let t = || table.clone();
        let c = || column.clone();
        let mut ops = Vec::new();
        let default_before = match self.rebuilt.get(&(table.clone(), column.clone())) {
            Some(left_by_rebuild) => left_by_rebuild.clone(),
            None => before.default.clone(),
        };
        let retyped = before.ty != after.ty || before.collation != after.collation;
        let default_changes = default_before != after.default;
        // A default is cleared before a type change, since it may not cast to the new type,
        // and before sequences go (in the phase before them: an identity added here may need
        // the name of a `serial` sequence that goes).
        let split_default =
            default_changes && default_before.is_some() && (retyped || after.identity.is_some());
        let reads_dropped_sequence = default_before.as_deref().is_some_and(|d| {
            self.dropped_sequences
                .iter()
                .any(|s| mentions(d, &qualified(s)))
        });
        let split_default = split_default || (default_changes && reads_dropped_sequence);
        let mut early = Vec::new();
        if split_default {
            early.push(Op::SetDefault {
                table: t(),
                column: c(),
                from: default_before.clone(),
                to: None,
            });
        }
        if let (Some(identity), None) = (&before.identity, &after.identity) {
            ops.push(Op::DropIdentity {
                table: t(),
                column: c(),
                identity: identity.clone(),
            });
        }
        if retyped {
            ops.push(Op::AlterColumnType {
                table: t(),
                column: c(),
                from: ColumnType {
                    ty: before.ty.clone(),
                    collation: before.collation.clone(),
                    user_enum: is_enum(self.from, &before.ty),
                },
                to: ColumnType {
                    ty: after.ty.clone(),
                    collation: after.collation.clone(),
                    user_enum: is_enum(self.to, &after.ty),
                },
            });
        }
        if before.nullable != after.nullable {
            ops.push(Op::SetNullable {
                table: t(),
                column: c(),
                nullable: after.nullable,
            });
        }
        match (&before.identity, &after.identity) {
            (None, Some(identity)) => ops.push(Op::AddIdentity {
                table: t(),
                column: c(),
                identity: identity.clone(),
            }),
            (Some(from), Some(to)) if from != to => ops.push(Op::AlterIdentity {
                table: t(),
                column: c(),
                from: from.clone(),
                to: to.clone(),
            }),
            _ => {}
        }
        if default_changes {
            let from = if split_default { None } else { default_before };
            if from != after.default {
                ops.push(Op::SetDefault {
                    table: t(),
                    column: c(),
                    from,
                    to: after.default.clone(),
                });
            }
        }
        (early, ops)
    }
}

/// Views in an order where each comes after the views of the same list it reads.
fn view_order<'v>(views: &[&'v View]) -> Vec<&'v View> {
    let names: BTreeSet<&TableName> = views.iter().map(|v| &v.name).collect();
    let mut done: BTreeSet<&TableName> = BTreeSet::new();
    let mut out = Vec::new();
    let mut waiting: Vec<&View> = views.to_vec();
    while !waiting.is_empty() {
        let position = waiting
            .iter()
            .position(|v| {
                v.depends_on
                    .iter()
                    .all(|d| !names.contains(d) || done.contains(d) || *d == v.name)
            })
            .unwrap_or(0);
        let view = waiting.remove(position);
        done.insert(&view.name);
        out.push(view);
    }
    out
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

/// Whether `ty` is one of the schema's enum types or an array of one.
fn is_enum(schema: &Schema, ty: &crate::schema::SqlType) -> bool {
    let ty = ty.as_str().trim_end_matches("[]");
    schema.enums.iter().any(|e| qualified(&e.name) == ty)
}

/// The expressions of an index: its predicate and expression keys.
fn index_texts(index: &Index) -> Vec<&str> {
    let mut out: Vec<&str> = index.predicate.iter().map(String::as_str).collect();
    out.extend(index.keys.iter().filter_map(|k| match &k.expr {
        IndexExpr::Expression(e) => Some(e.as_str()),
        IndexExpr::Column(_) => None,
    }));
    out
}

fn index_mentions(index: &Index, name: &str) -> bool {
    index_texts(index).iter().any(|t| mentions(t, name))
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

/// Whether `a` appears in `b` in the same order (enum labels only added, never moved).
fn is_subsequence(a: &[String], b: &[String]) -> bool {
    let mut rest = b.iter();
    a.iter().all(|label| rest.any(|l| l == label))
}

type Order<'t> = (
    Vec<(&'t Table, Vec<&'t ForeignKey>)>,
    Vec<(&'t Table, &'t ForeignKey)>,
);

/// `tables` in an order where each foreign key to another of `tables` points at a table that
/// comes earlier, keeping the given order where dependencies allow. A foreign key to a table
/// outside `tables` is inline when `outside_ok` says so and deferred otherwise; in a reference
/// cycle the first waiting table goes anyway and its keys to later tables are deferred.
pub(crate) fn creation_order<'t>(
    tables: &[&'t Table],
    outside_ok: impl Fn(&ForeignKey) -> bool,
) -> Order<'t> {
    let members: BTreeSet<&TableName> = tables.iter().map(|t| &t.name).collect();
    let mut done: BTreeSet<&TableName> = BTreeSet::new();
    let mut order = Vec::new();
    let mut deferred = Vec::new();
    let mut waiting: Vec<&Table> = tables.to_vec();
    while !waiting.is_empty() {
        let ready = |t: &Table, done: &BTreeSet<&TableName>| {
            t.foreign_keys.iter().all(|fk| {
                fk.references == t.name
                    || done.contains(&fk.references)
                    || !members.contains(&fk.references)
            })
        };
        let position = waiting.iter().position(|t| ready(t, &done)).unwrap_or(0);
        let table = waiting.remove(position);
        let mut inline = Vec::new();
        for fk in &table.foreign_keys {
            let ok = if members.contains(&fk.references) {
                fk.references == table.name || done.contains(&fk.references)
            } else {
                outside_ok(fk)
            };
            if ok {
                inline.push(fk);
            } else {
                deferred.push((table, fk));
            }
        }
        done.insert(&table.name);
        order.push((table, inline));
    }
    (order, deferred)
}
