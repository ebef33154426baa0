//! Row-level security policies: compared by their kind's room, [`crate::kinds::policy`].

use super::{Differ, Op};

impl<'a> Differ<'a> {
    pub(super) fn policies(&mut self) {
        let changes = crate::kinds::policy::compare(&self.from.policies, &self.to.policies);
        self.emit_all(changes.into_iter().map(Op::from));
    }
}
