//! Rules, event triggers, publications and default privileges: kept as statements, a changed
//! one dropped before the tables change and created after.

use super::{pair, Differ, Op, Pair};
use crate::schema::Other;

impl<'a> Differ<'a> {
    pub(super) fn others(&mut self) {
        let key = |o: &Other| (o.kind.clone(), o.name.clone());
        for pair in pair(&self.from.others, &self.to.others, key) {
            let (drop, create) = match pair {
                Pair::Kept(have, wanted) if have == wanted => continue,
                Pair::Kept(have, wanted) => (Some(have), Some(wanted)),
                Pair::Added(wanted) => (None, Some(wanted)),
                Pair::Removed(have) => (Some(have), None),
            };
            if let Some(have) = drop {
                self.phases
                    .drop_dependents
                    .push(Op::DropOther(have.clone()));
            }
            if let Some(wanted) = create {
                self.phases
                    .create_dependents
                    .push(Op::CreateOther(wanted.clone()));
            }
        }
    }
}
