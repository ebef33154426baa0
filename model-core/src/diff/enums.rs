//! Enum types: created, dropped, labels added in place, or the type rebuilt when labels go or move, taking along what spells its values.

use std::collections::BTreeSet;

use super::grants::grant_changes;
use super::views::view_order;
use super::{mentions, pair, Differ, EnumColumn, Op, Pair};
use crate::kinds::{Constraint, EnumChange, KindChange, TableConstraint, TableIndex};
use crate::schema::qualified;
use crate::schema::{
    Column, EnumType, GrantTarget, Index, IndexExpr, Schema, Table, TableName, View,
};

impl<'a> Differ<'a> {
    /// Columns of the `from` schema whose type is `e` (or an array of it).
    pub(super) fn enum_columns(&self, e: &EnumType) -> Vec<(&'a Table, &'a Column)> {
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
    pub(super) fn enum_dependents(&self, e: &EnumType) -> Vec<KindChange> {
        let name = qualified(&e.name);
        let mut out = Vec::new();
        for table in &self.from.tables {
            let Some(after) = self.to_tables.get(&table.name) else {
                continue;
            };
            for index in &table.indexes {
                if after.indexes.contains(index) && index_mentions(index, &name) {
                    out.push(KindChange::from(TableIndex::create(&table.name, index)));
                }
            }
            for check in &table.checks {
                if after.checks.contains(check) && mentions(&check.expression, &name) {
                    out.push(KindChange::from(TableConstraint::create(
                        &table.name,
                        Constraint::Check(check.clone()),
                    )));
                }
            }
        }
        out
    }

    /// Views that stay as they are and read (directly or through other views) a table with a
    /// column of `e`, in creation order: when labels are only added, nothing in the upgrade
    /// touches them, but the downgrade rebuilds the type, which PostgreSQL refuses under a
    /// view; so the rebuild takes them along.
    fn enum_view_dependents(&self, e: &EnumType) -> Vec<KindChange> {
        let mut reading: BTreeSet<TableName> = self
            .enum_columns(e)
            .iter()
            .map(|(t, _)| t.name.clone())
            .collect();
        let mut views: Vec<&View> = Vec::new();
        loop {
            let more: Vec<&View> = self
                .from
                .views
                .iter()
                .filter(|v| !views.iter().any(|w| w.name == v.name))
                .filter(|v| v.depends_on.iter().any(|d| reading.contains(d)))
                .collect();
            if more.is_empty() {
                break;
            }
            for view in more {
                reading.insert(view.name.clone());
                views.push(view);
            }
        }
        let unchanged = |v: &&View| self.to.views.iter().any(|w| w == *v);
        if !views.iter().all(unchanged) {
            // A view that changes too is dropped and created by the view comparison.
            return Vec::new();
        }
        view_order(&views)
            .into_iter()
            .map(|v| KindChange::from(crate::kinds::Change::Create(v.clone())))
            .collect()
    }

    /// Whether a changed index or check must go before the types change: it spells a value
    /// of an enum whose labels change.
    pub(super) fn before_types(&self, text: &[&str]) -> bool {
        self.relabelled
            .iter()
            .any(|name| text.iter().any(|t| mentions(t, name)))
    }

    pub(super) fn enums(&mut self) {
        let key = |e: &EnumType| e.name.clone();
        for pair in pair(&self.from.enums, &self.to.enums, key) {
            // Privileges of a type that stays (one created or rebuilt carries its own).
            let privileges = match pair {
                Pair::Added(to) => {
                    self.emit(Op::Enum(EnumChange::Create(to.clone())));
                    None
                }
                Pair::Kept(from, to) if from.labels == to.labels => Some((&from.grants[..], to)),
                Pair::Kept(from, to) => {
                    let before = self.emitted.len();
                    self.relabel(from, to);
                    let rebuilt = self.emitted[before..]
                        .iter()
                        .any(|e| matches!(e.op, Op::Enum(EnumChange::Rebuild { .. })));
                    (!rebuilt).then_some((&from.grants[..], to))
                }
                Pair::Removed(from) => {
                    self.emit(Op::Enum(EnumChange::Drop(from.clone())));
                    None
                }
            };
            if let Some((had, to)) = privileges {
                let target = GrantTarget::Type(qualified(&to.name));
                self.emit_all(grant_changes(&target, had, &to.grants));
            }
        }
    }

    /// Labels added in place where PostgreSQL can (`ADD VALUE … BEFORE/AFTER`); otherwise the
    /// type is rebuilt and every column of it moved over.
    fn relabel(&mut self, from: &EnumType, to: &EnumType) {
        self.relabelled.push(qualified(&from.name));
        let dependents = self.enum_dependents(from);
        let columns: Vec<(&Table, &Column)> = self.enum_columns(from);
        if is_subsequence(&from.labels, &to.labels) {
            let mut dependents = dependents;
            dependents.extend(self.enum_view_dependents(from));
            let unchanged = |(t, c): &(&Table, &Column)| EnumColumn {
                table: t.name.clone(),
                column: c.name.clone(),
                array: c.ty.is_array(),
                default_before: c.default.clone(),
                default_after: c.default.clone(),
            };
            let columns: Vec<EnumColumn> = columns.iter().map(unchanged).collect();
            let mut current = from.clone();
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
                self.emit(Op::Enum(EnumChange::AddValue {
                    from: current,
                    to: next.clone(),
                    value: label.clone(),
                    columns: columns.clone(),
                    dependents: dependents.clone(),
                }));
                current = next;
            }
            return;
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
                array: column.ty.is_array(),
                default_before: column.default.clone(),
                default_after,
            });
        }
        self.emit(Op::Enum(EnumChange::Rebuild {
            from: from.clone(),
            to: to.clone(),
            columns: entries,
            dependents,
        }));
    }
}

/// Whether `ty` is one of the schema's enum types or an array of one.
pub(super) fn is_enum(schema: &Schema, ty: &crate::schema::SqlType) -> bool {
    let ty = ty.element();
    schema.enums.iter().any(|e| qualified(&e.name) == ty)
}

/// The expressions of an index: its predicate and expression keys.
pub(super) fn index_texts(index: &Index) -> Vec<&str> {
    let mut out: Vec<&str> = index.predicate.iter().map(String::as_str).collect();
    out.extend(index.keys.iter().filter_map(|k| match &k.expr {
        IndexExpr::Expression(e) => Some(e.as_str()),
        IndexExpr::Column(_) => None,
    }));
    out
}

pub(super) fn index_mentions(index: &Index, name: &str) -> bool {
    index_texts(index).iter().any(|t| mentions(t, name))
}

/// Whether `a` appears in `b` in the same order (enum labels only added, never moved).
pub(super) fn is_subsequence(a: &[String], b: &[String]) -> bool {
    let mut rest = b.iter();
    a.iter().all(|label| rest.any(|l| l == label))
}
