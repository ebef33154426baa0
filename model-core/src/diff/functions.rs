//! Functions and procedures, by name and arguments.

use std::collections::BTreeSet;

use super::grants::grant_changes;
use super::plan::Hint;
use super::{pair, Differ, Op, Pair};
use crate::kinds::Change;
use crate::schema::{Function, GrantTarget, TableName};

impl<'a> Differ<'a> {
    /// Functions by name and arguments. A changed function is replaced in place when its
    /// result type stays; otherwise it is dropped and created again (after what calls it from
    /// a trigger is dropped), and its name is returned so those triggers are rebuilt.
    pub(super) fn functions(&mut self) -> BTreeSet<TableName> {
        let mut rebuilt = BTreeSet::new();
        let key = |f: &Function| (f.name.clone(), f.arguments.clone());
        for pair in pair(&self.from.functions, &self.to.functions, key) {
            // Privileges of a function that stays (one created carries its own).
            if let Pair::Kept(h, w) = &pair {
                if h.returns == w.returns && h.procedure == w.procedure {
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
                    if have.returns == wanted.returns && have.procedure == wanted.procedure =>
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
}
