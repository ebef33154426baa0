//! Tables: created and dropped in dependency order, and compared one by one (keys, constraints, indexes, row-level security, privileges, options, comments).

use std::collections::{BTreeMap, BTreeSet};

use super::enums::index_texts;
use super::grants::{grant_changes, without_revoked};
use super::plan::Hint;
use super::{changed, Differ, Op};
use crate::kinds::{
    Change, Constraint, TableConstraint, TableIndex, TableOption, TableSetting, WholeTable,
};
use crate::kinds::{Comment, Commented};
use crate::schema::{CheckConstraint, ForeignKey, Grant, GrantTarget, Index, Table, TableName};

impl<'a> Differ<'a> {
    /// Keys that go away or change, and columns whose type changes, in tables that stay.
    pub(super) fn find_changed_keys_and_types(&mut self) {
        for (name, from) in &self.from_tables {
            let Some(to) = self.to_tables.get(name) else {
                continue;
            };
            if self.rebuilt_tables.contains(*name) {
                // Every key of a rebuilt table goes, and foreign keys onto it with it.
                let keys = from.primary_key.iter().map(|k| k.columns.clone());
                let uniques = from.uniques.iter().map(|u| u.columns.clone());
                for mut columns in keys.chain(uniques).collect::<Vec<_>>() {
                    columns.sort();
                    self.changed_keys.insert(((*name).clone(), columns));
                }
                continue;
            }
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

    /// Whether `index` of the partition `table` (as it was) is attached to an index of its
    /// parent that is dropped (with the parent, or changed), which takes it along.
    fn parent_index_goes(&self, table: &Table, index: &Index) -> bool {
        let (Some(partition), Some(attached)) = (&table.partition_of, &index.attached_to) else {
            return false;
        };
        if self.reattached(table) {
            // Detached before anything else: its indexes no longer hang from the parent's.
            return false;
        }
        let Some(parent) = self.from_tables.get(&partition.parent) else {
            return false;
        };
        let Some(before) = parent.indexes.iter().find(|i| &i.name == attached) else {
            return false;
        };
        self.to_tables
            .get(&parent.name)
            .map_or(true, |after| !after.indexes.contains(before))
    }

    /// Whether `index` of the partition `table` (as it will be) hangs from an index its kept
    /// parent gains in this change: `CREATE INDEX` on the parent creates it.
    fn parent_index_comes(&self, table: &Table, index: &Index) -> bool {
        let (Some(partition), Some(attached)) = (&table.partition_of, &index.attached_to) else {
            return false;
        };
        if !self.kept(&partition.parent) || self.reattached(table) {
            // Attached only at the end: the parent's new index cannot make this one.
            return false;
        }
        let (Some(before), Some(after)) = (
            self.from_tables.get(&partition.parent),
            self.to_tables.get(&partition.parent),
        ) else {
            return false;
        };
        after
            .indexes
            .iter()
            .find(|i| &i.name == attached)
            .is_some_and(|wanted| !before.indexes.contains(wanted))
    }

    /// Whether the partition `table` is detached and attached again in this change (its parent
    /// or bound changes, or its parent is rebuilt).
    fn reattached(&self, table: &Table) -> bool {
        let (Some(before), Some(after)) = (
            self.from_tables.get(&table.name),
            self.to_tables.get(&table.name),
        ) else {
            return false;
        };
        let parent_rebuilt = |t: &Table| {
            t.partition_of
                .as_ref()
                .is_some_and(|p| !self.kept(&p.parent))
        };
        before.partition_of != after.partition_of || parent_rebuilt(before) || parent_rebuilt(after)
    }

    /// Whether an unchanged foreign key of `table` must still be dropped and added again.
    pub(super) fn must_rebuild(&self, table: &TableName, fk: &ForeignKey) -> bool {
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

    pub(super) fn dropped_tables(&mut self) {
        let dropped: Vec<&Table> = self
            .from
            .tables
            .iter()
            .filter(|t| !self.kept(&t.name))
            .collect();
        // A key onto a table that stays goes with its table, unless the key it references is
        // dropped first (then it must go before that).
        let (order, deferred) = creation_order(&dropped, |fk| self.can_reference_existing(fk));
        for (table, fk) in deferred {
            self.emit(Op::from(TableConstraint::drop(
                &table.name,
                Constraint::ForeignKey(fk.clone()),
            )));
        }
        for (table, inline) in order.into_iter().rev() {
            let mut table = table.clone();
            table
                .foreign_keys
                .retain(|fk| inline.iter().any(|i| i.name == fk.name));
            self.emit(Change::Drop(WholeTable::new(table)));
        }
    }

    pub(super) fn created_tables(&mut self) {
        let created: Vec<&Table> = self
            .to
            .tables
            .iter()
            .filter(|t| !self.kept(&t.name))
            .collect();
        let existing = |fk: &ForeignKey| self.can_reference_existing(fk);
        let (order, deferred) = creation_order(&created, existing);
        for (table, inline) in order {
            let mut table = table.clone();
            table
                .foreign_keys
                .retain(|fk| inline.iter().any(|i| i.name == fk.name));
            self.emit(Change::Create(WholeTable::new(table)));
        }
        for (table, fk) in deferred {
            self.emit(Op::from(TableConstraint::create(
                &table.name,
                Constraint::ForeignKey(fk.clone()),
            )));
        }
    }

    /// A new table's foreign key can be written inside `CREATE TABLE` when it points at a
    /// table that exists before and after with the same key on the referenced columns.
    pub(super) fn can_reference_existing(&self, fk: &ForeignKey) -> bool {
        if !self.kept(&fk.references) {
            return false;
        }
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

    pub(super) fn table(&mut self, from: &Table, to: &Table) {
        let from = &self.validity_in_place(from, to);
        self.foreign_keys(from, to);
        self.parents(from, to);
        self.constraints_and_indexes(from, to);
        self.columns(from, to);
        self.access(from, to);
        self.table_options(from, to);
    }

    /// A check or foreign key that only becomes valid is validated in place (and one that
    /// only becomes NOT VALID is re-added so), and an index whose storage parameters alone
    /// change is altered: `from` as it is after those, for the rest to compare.
    fn validity_in_place(&mut self, from: &Table, to: &Table) -> Table {
        let name = &to.name;
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
                self.emit(Change::Alter {
                    from: TableConstraint::new(name, Constraint::Check(check.clone())),
                    to: TableConstraint::new(name, Constraint::Check(wanted.clone())),
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
                self.emit(Change::Alter {
                    from: TableConstraint::new(name, Constraint::ForeignKey(fk.clone())),
                    to: TableConstraint::new(name, Constraint::ForeignKey(wanted.clone())),
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
                let index_name = TableName::new(&name.schema, &index.name);
                self.emit(TableSetting::parameters(
                    "INDEX",
                    &index_name,
                    &index.options,
                    &wanted.options,
                ));
                *index = reset;
            }
        }
        from
    }

    /// Foreign keys: a changed one (or one onto a key that is rebuilt) is dropped and added.
    fn foreign_keys(&mut self, from: &Table, to: &Table) {
        let name = &to.name;
        for fk in &from.foreign_keys {
            let kept = to.foreign_keys.iter().any(|k| k == fk);
            if !kept || self.must_rebuild(name, fk) {
                self.emit(Op::from(TableConstraint::drop(
                    name,
                    Constraint::ForeignKey(fk.clone()),
                )));
            }
        }
        for fk in &to.foreign_keys {
            let existed = from.foreign_keys.iter().any(|k| k == fk);
            if !existed || self.must_rebuild(name, fk) {
                self.emit(Op::from(TableConstraint::create(
                    name,
                    Constraint::ForeignKey(fk.clone()),
                )));
            }
        }
    }

    /// A partition moved to another parent or bound, and parents lost or gained.
    fn parents(&mut self, from: &Table, to: &Table) {
        let name = &to.name;
        // A partition moved to another parent or bound (or whose parent is rebuilt) is
        // detached before the tables change and attached after.
        if self.reattached(from) {
            if from.partition_of.is_some() {
                let of = TableOption::PartitionOf;
                let detach = TableSetting::change(name, of(from.partition_of.clone()), of(None));
                self.emit_with(Hint::Before, detach);
            }
            if to.partition_of.is_some() {
                let of = TableOption::PartitionOf;
                self.emit(TableSetting::change(
                    name,
                    of(None),
                    of(to.partition_of.clone()),
                ));
            }
        }
        // A parent lost is let go first (what the table inherited stays, as its own); one
        // gained is taken last, once the table has its columns and checks.
        if from.inherits != to.inherits {
            let kept: Vec<_> = from
                .inherits
                .iter()
                .filter(|p| to.inherits.contains(p))
                .cloned()
                .collect();
            if kept.len() < from.inherits.len() {
                let of = TableOption::Inherits;
                let let_go =
                    TableSetting::change(name, of(from.inherits.clone()), of(kept.clone()));
                self.emit_with(Hint::Before, let_go);
            }
            if kept.len() < to.inherits.len() {
                let of = TableOption::Inherits;
                self.emit(TableSetting::change(
                    name,
                    of(kept),
                    of(to.inherits.clone()),
                ));
            }
        }
    }

    /// Keys, checks, exclusions and indexes, by name: a changed one is dropped and added.
    fn constraints_and_indexes(&mut self, from: &Table, to: &Table) {
        let name = &to.name;
        // Other constraints and indexes: by name; a changed one is dropped and added. A
        // partition's index attached to a parent index that goes, goes with it (and comes
        // back if the partition still wants it).
        let goes_with_parent: Vec<&String> = from
            .indexes
            .iter()
            .filter(|i| self.parent_index_goes(from, i))
            .map(|i| &i.name)
            .collect();
        let mut indexes_to_create: Vec<&Index> = changed(&to.indexes, &from.indexes, |i| &i.name);
        for index in &to.indexes {
            if from.indexes.contains(index) && goes_with_parent.contains(&&index.name) {
                indexes_to_create.push(index);
            }
        }
        for index in changed(&from.indexes, &to.indexes, |i| &i.name) {
            if goes_with_parent.contains(&&index.name) {
                continue;
            }
            let op = Op::from(TableIndex::drop(name, index));
            if self.before_types(&index_texts(index)) {
                self.emit_with(Hint::Before, op);
            } else {
                self.emit(op);
            }
        }
        for check in changed(&from.checks, &to.checks, |c| &c.name) {
            let op = Op::from(TableConstraint::drop(
                name,
                Constraint::Check(check.clone()),
            ));
            if self.before_types(&[check.expression.as_str()]) {
                self.emit_with(Hint::Before, op);
            } else {
                self.emit(op);
            }
        }
        let mut drops = Vec::new();
        let mut adds = Vec::new();
        for exclusion in changed(&from.exclusions, &to.exclusions, |c| &c.name) {
            drops.push(Op::from(TableConstraint::drop(
                name,
                Constraint::Exclusion(exclusion.clone()),
            )));
        }
        for unique in changed(&from.uniques, &to.uniques, |c| &c.name) {
            drops.push(Op::from(TableConstraint::drop(
                name,
                Constraint::Unique(unique.clone()),
            )));
        }
        if from.primary_key != to.primary_key {
            if let Some(key) = &from.primary_key {
                drops.push(Op::from(TableConstraint::drop(
                    name,
                    Constraint::PrimaryKey(key.clone()),
                )));
            }
            if let Some(key) = &to.primary_key {
                adds.push(Op::from(TableConstraint::create(
                    name,
                    Constraint::PrimaryKey(key.clone()),
                )));
            }
        }
        for unique in changed(&to.uniques, &from.uniques, |c| &c.name) {
            adds.push(Op::from(TableConstraint::create(
                name,
                Constraint::Unique(unique.clone()),
            )));
        }
        for check in changed(&to.checks, &from.checks, |c| &c.name) {
            adds.push(Op::from(TableConstraint::create(
                name,
                Constraint::Check(check.clone()),
            )));
        }
        for exclusion in changed(&to.exclusions, &from.exclusions, |c| &c.name) {
            adds.push(Op::from(TableConstraint::create(
                name,
                Constraint::Exclusion(exclusion.clone()),
            )));
        }
        self.emit_all(drops);
        self.emit_all(adds);
        // One that a new index of the parent will create (and attach) is left to it.
        indexes_to_create.retain(|i| !self.parent_index_comes(to, i));
        for index in indexes_to_create {
            let op = Op::from(TableIndex::create(name, index));
            // A partitioned table's index comes after its partitions' own, which it attaches.
            if to.partition_by.is_some() {
                self.emit_with(Hint::Partitioned, op);
            } else {
                self.emit(op);
            }
        }
    }

    /// Row-level security and privileges on the table and its columns.
    fn access(&mut self, from: &Table, to: &Table) {
        let name = &to.name;
        let (rls_from, rls_to) = (
            (from.row_level_security, from.force_row_level_security),
            (to.row_level_security, to.force_row_level_security),
        );
        if rls_from != rls_to {
            let of = |(enabled, forced)| TableOption::RowLevelSecurity { enabled, forced };
            self.emit(TableSetting::change(name, of(rls_from), of(rls_to)));
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
            self.emit_all(grant_changes(&target, &before.grants, &kept));
            column_before.insert(&column.name, kept);
        }
        let target = GrantTarget::Table(name.clone());
        self.emit_all(grant_changes(&target, &from.grants, &to.grants));
        for column in &to.columns {
            // A column added here is created with its grants.
            let Some(before) = column_before.get(column.name.as_str()) else {
                continue;
            };
            let target = GrantTarget::Column(name.clone(), column.name.clone());
            self.emit_all(grant_changes(&target, before, &column.grants));
        }
    }

    /// Storage parameters, UNLOGGED, replica identity and the comment.
    fn table_options(&mut self, from: &Table, to: &Table) {
        let name = &to.name;
        if from.options != to.options {
            self.emit(TableSetting::parameters(
                "TABLE",
                name,
                &from.options,
                &to.options,
            ));
        }
        // A partitioned table holds no rows: UNLOGGED on it means nothing (PostgreSQL 18
        // refuses it; earlier versions record and ignore it). Declared on a model, it is
        // meant for the partitions, which have it.
        if from.unlogged != to.unlogged && to.partition_by.is_none() {
            let of = TableOption::Unlogged;
            self.emit(TableSetting::change(
                name,
                of(from.unlogged),
                of(to.unlogged),
            ));
        }
        if from.replica_identity != to.replica_identity {
            let of = TableOption::ReplicaIdentity;
            let (before, after) = (from.replica_identity.clone(), to.replica_identity.clone());
            self.emit(TableSetting::change(name, of(before), of(after)));
        }
        if from.comment != to.comment {
            let on = Commented::Table(name.clone());
            self.emit(Comment::change(
                on,
                from.comment.clone(),
                to.comment.clone(),
            ));
        }
    }
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
        // A partition waits for its parent too.
        let ready = |t: &Table, done: &BTreeSet<&TableName>| {
            t.foreign_keys.iter().all(|fk| {
                fk.references == t.name
                    || done.contains(&fk.references)
                    || !members.contains(&fk.references)
            }) && t
                .partition_of
                .iter()
                .map(|p| &p.parent)
                .chain(&t.inherits)
                .all(|p| done.contains(p) || !members.contains(p))
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
