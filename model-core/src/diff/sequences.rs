//! Standalone sequences: options, ownership (`OWNED BY`) and privileges.

use super::grants::grant_changes;
use super::plan::Hint;
use super::{pair, Differ, Op, Pair};
use crate::kinds::{Change, SequenceOwner};
use std::collections::BTreeMap;

use crate::schema::{ColumnRef, GrantTarget, Schema, Sequence, Table, TableName};

/// Standalone sequences of `from` that `to` does not have.
pub(super) fn to_be_dropped(from: &Schema, to: &Schema) -> Vec<TableName> {
    from.sequences
        .iter()
        .filter(|s| !to.sequences.iter().any(|t| t.name == s.name))
        .map(|s| s.name.clone())
        .collect()
}

impl<'a> Differ<'a> {
    /// Options are altered in place. Ownership is an operation of its own: given up before
    /// tables and columns are dropped (which would take an owned sequence along), taken after
    /// they are created. Privileges are operations of their own too; a dropped sequence's are
    /// revoked first, so that the downgrade grants them again.
    pub(super) fn sequences(&mut self) {
        let bare = |s: &Sequence| Sequence {
            owned_by: None,
            grants: Vec::new(),
            ..s.clone()
        };
        let key = |s: &Sequence| s.name.clone();
        for pair in pair(&self.from.sequences, &self.to.sequences, key) {
            let (from, to, name) = match pair {
                Pair::Added(to) => {
                    self.emit(Op::from(Change::Create(bare(to))));
                    (None, Some(to), to.name.clone())
                }
                Pair::Kept(from, to) => {
                    if bare(from) != bare(to) {
                        self.emit(Op::from(Change::Alter {
                            from: bare(from),
                            to: bare(to),
                        }));
                    }
                    (Some(from), Some(to), to.name.clone())
                }
                Pair::Removed(from) => {
                    self.emit(Op::from(Change::Drop(bare(from))));
                    (Some(from), None, from.name.clone())
                }
            };
            let target = GrantTarget::Sequence(name.clone());
            let grants = |s: Option<&Sequence>| s.map_or(Vec::new(), |s| s.grants.clone());
            let revokes = grant_changes(&target, &grants(from), &grants(to));
            if to.is_some() {
                self.emit_all(revokes);
            } else {
                self.emit_all_with(Hint::Before, revokes);
            }
            let owner = |s: Option<&Sequence>| s.and_then(|s| s.owned_by.clone());
            let (before, after) = (owner(from), owner(to));
            let integer = |tables: &BTreeMap<&TableName, &Table>, owner: &Option<ColumnRef>| {
                owner.as_ref().is_some_and(|o| {
                    tables
                        .get(&o.table)
                        .and_then(|t| t.column(&o.column))
                        .is_some_and(|c| c.ty.is_integer())
                })
            };
            let integer = (
                integer(&self.from_tables, &before),
                integer(&self.to_tables, &after),
            );
            let owned = |owner: Option<ColumnRef>, integer: bool| SequenceOwner {
                sequence: name.clone(),
                owner,
                integer,
            };
            // A table dropped and created again (partitioned or not) would drop the sequences
            // it owns with it: they let go of it first, and belong to it again after.
            let rebuilt = before
                .as_ref()
                .is_some_and(|o| self.rebuilt_tables.contains(&o.table));
            if before != after || rebuilt {
                if before.is_some() {
                    let from = owned(before, integer.0);
                    let to = owned(None, false);
                    self.emit_with(Hint::Before, Change::Alter { from, to });
                }
                if after.is_some() {
                    let from = owned(None, false);
                    let to = owned(after, integer.1);
                    self.emit(Change::Alter { from, to });
                }
            }
        }
    }
}
