//! Row-level security policies: a changed policy is dropped before the tables change and
//! created after.

use super::{pair, Differ, Op, Pair};
use crate::schema::Policy;

impl<'a> Differ<'a> {
    pub(super) fn policies(&mut self) {
        let key = |p: &Policy| (p.table.clone(), p.name.clone());
        for pair in pair(&self.from.policies, &self.to.policies, key) {
            let (drop, create) = match pair {
                Pair::Kept(have, wanted) if have == wanted => continue,
                Pair::Kept(have, wanted) => (Some(have), Some(wanted)),
                Pair::Added(wanted) => (None, Some(wanted)),
                Pair::Removed(have) => (Some(have), None),
            };
            self.replace_dependent(
                drop.map(|p| Op::DropPolicy(p.clone())),
                create.map(|p| Op::CreatePolicy(p.clone())),
            );
        }
    }
}
