//! Schemas (namespaces) and extensions.

use std::collections::BTreeSet;

use super::grants::grant_changes;
use super::plan::Hint;
use super::{Differ, Op};
use crate::kinds::{Change, Comment, Commented};
use crate::schema::{GrantTarget, Namespace, Schema, DEFAULT_SCHEMA};

impl<'a> Differ<'a> {
    /// Schemas: created when missing (before anything else); when `to` was read from a
    /// database (its schemas are objects), dropped when gone (after everything else, and never
    /// with CASCADE) and their comments compared. `public` is left as it is.
    pub(super) fn namespaces(&mut self) {
        let have: BTreeSet<&str> = self.from.namespaces().into_iter().collect();
        let want: BTreeSet<&str> = self.to.namespaces().into_iter().collect();
        let grants = |schema: &'a Schema, name: &str| -> &'a [crate::schema::Grant] {
            schema
                .schemas
                .iter()
                .find(|s| s.name == name)
                .map(|s| &s.grants[..])
                .unwrap_or(&[])
        };
        for name in &want {
            if *name != DEFAULT_SCHEMA && !have.contains(name) {
                self.emit(Change::Create(Namespace::carried(
                    name,
                    grants(self.to, name),
                )));
            }
        }
        if self.to.schemas.is_empty() {
            return;
        }
        let comment = |schema: &Schema, name: &str| {
            schema
                .schemas
                .iter()
                .find(|s| s.name == name)
                .and_then(|s| s.comment.clone())
        };
        // A schema created or dropped here carries its privileges in that operation.
        for name in want.intersection(&have) {
            let target = GrantTarget::Schema(name.to_string());
            self.emit_all(grant_changes(
                &target,
                grants(self.from, name),
                grants(self.to, name),
            ));
        }
        for name in have.union(&want) {
            let (before, after) = (comment(self.from, name), comment(self.to, name));
            if before != after {
                let on = Commented::Schema(name.to_string());
                let op = Op::from(Comment::change(on, before, after));
                if want.contains(name) {
                    self.emit(op);
                } else {
                    self.emit_with(Hint::Before, op);
                }
            }
            if *name != DEFAULT_SCHEMA && !want.contains(name) {
                self.emit(Change::Drop(Namespace::carried(
                    name,
                    grants(self.from, name),
                )));
            }
        }
    }

    pub(super) fn extensions(&mut self) {
        let changes = crate::kinds::extension::compare(&self.from.extensions, &self.to.extensions);
        for (hint, change) in changes {
            self.emit_with(hint, Op::from(change));
        }
    }
}
