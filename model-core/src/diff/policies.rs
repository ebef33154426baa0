//! Row-level security policies and statistics objects: compared by their kinds' rooms,
//! [`crate::kinds::policy`] and [`crate::kinds::statistics`].

use super::{Differ, Op};

impl<'a> Differ<'a> {
    pub(super) fn policies(&mut self) {
        let changes = crate::kinds::policy::compare(&self.from.policies, &self.to.policies);
        self.emit_all(changes.into_iter().map(Op::from));
    }

    pub(super) fn statistics(&mut self) {
        let changes = crate::kinds::statistics::compare(&self.from.statistics, &self.to.statistics);
        self.emit_all(changes.into_iter().map(Op::from));
    }
}
