//! The planner: the order operations run in, decided from the operations alone.
//!
//! Comparators (one module per object kind) say *what* changes; they emit operations in any
//! order. This pass gives each operation its [`Stage`] from what it does (and, where the
//! same kind of operation belongs to two places, from its own fields: a partition detached
//! before the tables change, attached after), then orders them by stage, keeping the
//! comparators' order within a stage (a table before the tables referencing it, a view
//! before the views reading it). A new kind of object adds its operations here and nowhere
//! else in the ordering.

use super::Op;
pub(crate) use crate::kinds::{Hint, Stage};

/// An operation as a comparator emits it, with what the planner cannot see in the operation
/// itself: whether it is one half of a replacement (a type or function dropped to be created
/// again at once), or a default cleared early.
pub(super) struct Emitted {
    pub(super) op: Op,
    pub(super) hint: Hint,
}

/// The stage of `op`.
pub(super) fn stage(op: &Op, hint: Hint) -> Stage {
    use Stage::*;
    if hint == Hint::Early {
        return ClearDefaults;
    }
    if hint == Hint::Before {
        return DropDependents;
    }
    if hint == Hint::Partitioned {
        return AddPartitionedIndexes;
    }
    match op {
        Op::Kind(c) => c.stage(hint),
        Op::Enum(e) => e.stage(),
        Op::Rename { .. } => Schemas,
    }
}

/// The operations in execution order: by stage, in emission order within one.
pub(super) fn order(emitted: Vec<Emitted>) -> Vec<Op> {
    let mut staged: Vec<(Stage, usize, Op)> = emitted
        .into_iter()
        .enumerate()
        .map(|(i, e)| (stage(&e.op, e.hint), i, e.op))
        .collect();
    staged.sort_by_key(|(stage, i, _)| (*stage, *i));
    staged.into_iter().map(|(_, _, op)| op).collect()
}
