//! Triggers: a changed trigger (or one whose function is rebuilt) is dropped before the tables
//! change and created after; one that is only enabled or disabled is altered in place.

use std::collections::BTreeSet;

use super::{pair, Differ, Op, Pair};
use crate::kinds::trigger::toggled;
use crate::kinds::Change;
use crate::schema::{TableName, Trigger};

impl<'a> Differ<'a> {
    pub(super) fn triggers(&mut self, rebuilt_functions: &BTreeSet<TableName>) {
        let key = |t: &Trigger| (t.table.clone(), t.name.clone());
        for pair in pair(&self.from.triggers, &self.to.triggers, key) {
            let (drop, create) = match pair {
                Pair::Kept(have, wanted) if rebuilt_functions.contains(&wanted.function) => {
                    (Some(have), Some(wanted))
                }
                Pair::Kept(have, wanted) if have == wanted => continue,
                Pair::Kept(have, wanted) if toggled(have, wanted) => {
                    self.emit(Change::Alter {
                        from: have.clone(),
                        to: wanted.clone(),
                    });
                    continue;
                }
                Pair::Kept(have, wanted) => (Some(have), Some(wanted)),
                Pair::Added(wanted) => (None, Some(wanted)),
                Pair::Removed(have) => (Some(have), None),
            };
            self.replace_dependent(
                drop.map(|t| Op::from(Change::Drop(t.clone()))),
                create.map(|t| Op::from(Change::Create(t.clone()))),
            );
        }
    }
}
