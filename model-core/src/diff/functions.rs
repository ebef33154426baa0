//! Functions and procedures, by name and arguments.

use std::collections::BTreeSet;

use super::grants::grant_changes;
use super::plan::Hint;
use super::{mentions, pair, Differ, Op, Pair};
use crate::kinds::Change;
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

    /// Policies and rules (and aggregates) that call a function dropped and created again,
    /// themselves unchanged: dropped before it goes and created again after it comes back, as
    /// PostgreSQL refuses to drop a function they use. (Views and triggers are rebuilt with
    /// the views and triggers.)
    pub(super) fn function_callers(&mut self, rebuilt: &BTreeSet<TableName>) {
        if rebuilt.is_empty() {
            return;
        }
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
}
