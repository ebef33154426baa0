//! Functions and procedures, by name and arguments.

use std::collections::BTreeSet;

use super::enums::index_mentions;
use super::grants::grant_changes;
use super::plan::Hint;
use super::{mentions, pair, Differ, Op, Pair};
use crate::kinds::{Change, ColumnSetting, Constraint, Setting, TableConstraint, TableIndex};
use crate::schema::{qualified, Function, GrantTarget, TableName};

impl<'a> Differ<'a> {
    /// Functions by name and argument types, as PostgreSQL tells overloads apart. A changed
    /// function is replaced in place when its result type and its arguments' names stay
    /// (`CREATE OR REPLACE` can change neither); otherwise it is dropped and created again
    /// (after what calls it is dropped), and its name is returned so that what calls it is
    /// rebuilt.
    pub(super) fn functions(&mut self) -> BTreeSet<TableName> {
        let mut rebuilt = BTreeSet::new();
        let key = |f: &Function| (f.name.clone(), f.types.clone());
        for pair in pair(&self.from.functions, &self.to.functions, key) {
            // Privileges of a function that stays (one created carries its own).
            if let Pair::Kept(h, w) = &pair {
                if h.returns == w.returns
                    && h.procedure == w.procedure
                    && h.arguments == w.arguments
                {
                    let target = GrantTarget::Function {
                        name: w.name.clone(),
                        arguments: w.arguments.clone(),
                        procedure: w.procedure,
                    };
                    self.emit_all(grant_changes(&target, &h.grants, &w.grants));
                }
            }
            match pair {
                Pair::Added(wanted) => self.emit(Op::from(Change::Create(wanted.clone()))),
                Pair::Kept(have, wanted) if have.same_but_privileges(wanted) => {}
                Pair::Kept(have, wanted)
                    if have.returns == wanted.returns
                        && have.procedure == wanted.procedure
                        && have.arguments == wanted.arguments =>
                {
                    self.emit(Op::from(Change::Alter {
                        from: have.clone(),
                        to: wanted.clone(),
                    }))
                }
                Pair::Kept(have, wanted) => {
                    self.emit_with(Hint::Replaced, Op::from(Change::Drop(have.clone())));
                    self.emit(Op::from(Change::Create(wanted.clone())));
                    rebuilt.insert(wanted.name.clone());
                }
                Pair::Removed(have) => self.emit(Op::from(Change::Drop(have.clone()))),
            }
        }
        rebuilt
    }

    /// Policies, rules, aggregates, column defaults, checks and indexes that call a function
    /// dropped and created again, themselves unchanged: dropped before it goes and created
    /// again after it comes back, as PostgreSQL refuses to drop a function they use. (Views
    /// and triggers are rebuilt with the views and triggers.)
    pub(super) fn function_callers(&mut self, rebuilt: &BTreeSet<TableName>) {
        if rebuilt.is_empty() {
            return;
        }
        self.table_callers(rebuilt);
        let calls = |op: &Op| {
            let statements = op.statements();
            rebuilt
                .iter()
                .any(|f| statements.iter().any(|s| mentions(s, &qualified(f))))
        };
        let policies: Vec<Op> = self
            .from
            .policies
            .iter()
            .filter(|p| self.to.policies.contains(p))
            .map(|p| Op::from(Change::Create(p.clone())))
            .chain(
                self.from
                    .others
                    .iter()
                    .filter(|o| self.to.others.contains(o))
                    .map(|o| Op::from(Change::Create(o.clone()))),
            )
            .filter(|op| calls(op))
            .collect();
        for create in policies {
            self.replace_dependent(Some(create.inverse()), Some(create));
        }
    }

    /// Defaults, checks and indexes of tables that stay, unchanged, that call a rebuilt
    /// function: cleared or dropped before it goes, set or created again after it comes back.
    fn table_callers(&mut self, rebuilt: &BTreeSet<TableName>) {
        let names: Vec<String> = rebuilt.iter().map(qualified).collect();
        let calls = |text: &str| names.iter().any(|n| mentions(text, n));
        let mut pairs: Vec<(Op, Op)> = Vec::new();
        for table in &self.from.tables {
            let Some(after) = self.to_tables.get(&table.name).copied() else {
                continue;
            };
            if !self.kept(&table.name) {
                continue;
            }
            for column in &table.columns {
                let Some(default) = column.default.as_deref().filter(|d| calls(d)) else {
                    continue;
                };
                if after.column(&column.name).map(|c| &c.default) != Some(&column.default) {
                    continue;
                }
                let set = ColumnSetting::change(
                    &table.name,
                    &column.name,
                    Setting::Default(None),
                    Setting::Default(Some(default.to_string())),
                );
                pairs.push((Op::from(set.inverse()), Op::from(set)));
            }
            for check in &table.checks {
                if after.checks.contains(check) && calls(&check.expression) {
                    let create =
                        TableConstraint::create(&table.name, Constraint::Check(check.clone()));
                    pairs.push((Op::from(create.inverse()), Op::from(create)));
                }
            }
            for index in &table.indexes {
                if after.indexes.contains(index) && names.iter().any(|n| index_mentions(index, n)) {
                    let create = TableIndex::create(&table.name, index);
                    pairs.push((Op::from(create.inverse()), Op::from(create)));
                }
            }
        }
        for (drop, create) in pairs {
            self.replace_dependent(Some(drop), Some(create));
        }
    }
}
