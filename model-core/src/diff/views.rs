//! Views and materialized views: dropped before what they read changes and created after,
//! replaced in place when only the query changes.

use std::collections::{BTreeMap, BTreeSet};

use super::grants::{grant_changes, without_revoked};
use super::plan::Hint;
use super::{Differ, Op};
use crate::kinds::Change;
use crate::kinds::TableSetting;
use crate::schema::{GrantTarget, TableName, View};

impl<'a> Differ<'a> {
    /// Views and triggers go before the tables they depend on change and come back after:
    /// a view is replaced in place when only its query changes, and rebuilt when its columns
    /// change, when
    /// a table it reads loses or retypes a column or goes away, or when a view it reads is
    /// rebuilt; a trigger when it changes or its function is rebuilt.
    pub(super) fn views(&mut self, rebuilt_functions: &BTreeSet<TableName>) {
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
        touched.extend(self.rebuilt_tables.iter().cloned());
        touched.extend(self.dropped_foreign_tables.iter().cloned());
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
            if have.same_but_privileges(wanted) && !reads_touched {
                continue;
            }
            // A materialized view whose storage parameters or contents alone change stays.
            let settled = View {
                options: wanted.options.clone(),
                populated: wanted.populated,
                ..(*have).clone()
            };
            if have.materialized && settled.same_but_privileges(wanted) && !reads_touched {
                if have.options != wanted.options {
                    self.emit(TableSetting::parameters(
                        "MATERIALIZED VIEW",
                        name,
                        &have.options,
                        &wanted.options,
                    ));
                }
                if have.populated != wanted.populated {
                    // Its storage parameters are set by now: only the contents differ.
                    let from = View {
                        populated: have.populated,
                        ..(*wanted).clone()
                    };
                    self.emit(Change::Alter {
                        from,
                        to: (*wanted).clone(),
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
            self.emit_with(Hint::Before, Op::from(Change::Drop(view.clone())));
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
        // Privileges of a view that stays (one created carries its own).
        for (name, wanted) in &to {
            if let (Some(have), false) = (from.get(name), rebuild.contains(*name)) {
                self.view_grants(have, wanted);
            }
        }
        for view in view_order(&created) {
            match (replace.contains(&view.name), from.get(&view.name)) {
                (true, Some(have)) => self.emit(Op::from(Change::Alter {
                    from: (*have).clone(),
                    to: view.clone(),
                })),
                _ => self.emit(Op::from(Change::Create(view.clone()))),
            }
        }
    }

    /// The privileges of a view that stays, on it and on its columns. As for a table's, a
    /// table-level `REVOKE` takes the privilege off the columns too, so their grants bracket
    /// it.
    fn view_grants(&mut self, have: &View, wanted: &View) {
        let name = &wanted.name;
        let of = |v: &View, column: &str| -> Vec<crate::schema::Grant> {
            v.column_grants
                .iter()
                .find(|(c, _)| c == column)
                .map(|(_, g)| g.clone())
                .unwrap_or_default()
        };
        let columns: BTreeSet<&String> = have
            .column_grants
            .iter()
            .chain(&wanted.column_grants)
            .map(|(c, _)| c)
            .collect();
        let column = |c: &String| GrantTarget::Column(name.clone(), c.clone());
        let mut kept = Vec::new();
        for c in &columns {
            let between = without_revoked(&of(have, c), &have.grants, &wanted.grants);
            self.emit_all(grant_changes(&column(c), &of(have, c), &between));
            kept.push(between);
        }
        let target = GrantTarget::Table(name.clone());
        self.emit_all(grant_changes(&target, &have.grants, &wanted.grants));
        for (c, between) in columns.iter().zip(&kept) {
            self.emit_all(grant_changes(&column(c), between, &of(wanted, c)));
        }
    }
}

/// Views in an order where each comes after the views of the same list it reads.
pub(super) fn view_order<'v>(views: &[&'v View]) -> Vec<&'v View> {
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
