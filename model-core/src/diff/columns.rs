//! Columns: added, dropped, and each change in the order PostgreSQL accepts it.

use super::enums::is_enum;
use super::plan::Hint;
use super::{mentions, Differ, Op};
use crate::kinds::{Change, ColumnSetting, ColumnType, Setting, TableColumn};
use crate::kinds::{Comment, Commented};
use crate::schema::qualified;
use crate::schema::{Column, NotNull, Table, TableName};
use crate::sql::Feature;

impl<'a> Differ<'a> {
    pub(super) fn columns(&mut self, from: &Table, to: &Table) {
        let name = &to.name;
        // A partition's columns are its parent's: what the parent's columns do (added,
        // dropped, retyped, NOT NULL) PostgreSQL does to its partitions, and refuses on a
        // partition alone. Only comments stay the partition's own.
        let inherited = |t: &Table| {
            t.partition_of
                .as_ref()
                .is_some_and(|p| self.kept(&p.parent))
        };
        let own_columns =
            !(inherited(from) && inherited(to) && from.partition_of == to.partition_of);
        for after in &to.columns {
            let Some(before) = from.column(&after.name) else {
                continue;
            };
            if before.comment != after.comment {
                let on = Commented::Column(name.clone(), after.name.clone());
                self.emit(Comment::change(
                    on,
                    before.comment.clone(),
                    after.comment.clone(),
                ));
            }
        }
        if !own_columns {
            return;
        }
        // An inherited NOT NULL keeps its parent's name while it stays inherited.
        let same_parents = from.partition_of.as_ref().map(|p| &p.parent)
            == to.partition_of.as_ref().map(|p| &p.parent)
            && from.inherits == to.inherits;
        // PostgreSQL 18 changes a virtual column's expression in place only in a table without
        // checks.
        let virtual_in_place = from.checks.is_empty() && to.checks.is_empty();
        for column in &from.columns {
            let replaced = to
                .column(&column.name)
                .is_some_and(|c| self.generation_replaced(column, c, virtual_in_place));
            if to.column(&column.name).is_none() || replaced {
                self.emit(Change::Drop(TableColumn::new(name, column)));
            }
        }
        for after in &to.columns {
            let before = from
                .column(&after.name)
                .filter(|c| !self.generation_replaced(c, after, virtual_in_place));
            let Some(before) = before else {
                self.emit(Change::Create(TableColumn::new(name, after)));
                continue;
            };
            let (early, ops) = self.column_changes(name, before, after, same_parents);
            self.emit_all_with(Hint::Early, early);
            self.emit_all(ops);
            if before.storage != after.storage {
                let keyword_default = self.supports(Feature::SetStorageDefault);
                let storage = |storage: &Option<String>| Setting::Storage {
                    storage: storage.clone(),
                    keyword_default,
                };
                self.emit(ColumnSetting::change(
                    name,
                    &after.name,
                    storage(&before.storage),
                    storage(&after.storage),
                ));
            }
            if before.statistics != after.statistics {
                self.emit(ColumnSetting::change(
                    name,
                    &after.name,
                    Setting::Statistics(before.statistics),
                    Setting::Statistics(after.statistics),
                ));
            }
            if let (Some(old), Some(new)) = (&before.generated, &after.generated) {
                if old != new {
                    let expression = |expression: &String| Setting::Expression {
                        expression: expression.clone(),
                        virtual_generated: after.virtual_generated,
                    };
                    self.emit(ColumnSetting::change(
                        name,
                        &after.name,
                        expression(old),
                        expression(new),
                    ));
                }
            }
        }
    }

    /// Whether a column's generation changes in a way only dropping and adding it again can
    /// make: generated or not, stored or virtual, or its expression before PostgreSQL 17, or
    /// together with its type, or of a virtual column in a table with checks
    /// (`!virtual_in_place`), which 18 refuses to change in place.
    fn generation_replaced(&self, before: &Column, after: &Column, virtual_in_place: bool) -> bool {
        match (&before.generated, &after.generated) {
            (None, None) => false,
            (Some(old), Some(new)) => {
                before.virtual_generated != after.virtual_generated
                    || (old != new
                        && ((after.virtual_generated && !virtual_in_place)
                            || !self.supports(Feature::SetExpression)
                            || before.ty != after.ty
                            || before.collation != after.collation))
            }
            _ => true,
        }
    }

    /// One column's changes, in the order PostgreSQL accepts them: the old default and identity
    /// go first, then the type, nullability, the new identity, the new default.
    /// (What goes in the `clear_defaults` phase, what goes with the tables and columns.)
    pub(super) fn column_changes(
        &self,
        table: &TableName,
        before: &Column,
        after: &Column,
        same_parents: bool,
    ) -> (Vec<Op>, Vec<Op>) {
        let change = |from, to| Op::from(ColumnSetting::change(table, &after.name, from, to));
        let mut ops = Vec::new();
        let default_before = match self.rebuilt.get(&(table.clone(), after.name.clone())) {
            Some(left_by_rebuild) => left_by_rebuild.clone(),
            None => before.default.clone(),
        };
        let retyped = before.ty != after.ty || before.collation != after.collation;
        let default_changes = default_before != after.default;
        // A default is cleared before a type change, since it may not cast to the new type,
        // and before sequences go (in the phase before them: an identity added here may need
        // the name of a `serial` sequence that goes).
        let split_default =
            default_changes && default_before.is_some() && (retyped || after.identity.is_some());
        let reads_dropped_sequence = default_before.as_deref().is_some_and(|d| {
            self.dropped_sequences
                .iter()
                .any(|s| mentions(d, &qualified(s)))
        });
        let split_default = split_default || (default_changes && reads_dropped_sequence);
        let mut early = Vec::new();
        if split_default {
            early.push(change(
                Setting::Default(default_before.clone()),
                Setting::Default(None),
            ));
        }
        if let (Some(identity), None) = (&before.identity, &after.identity) {
            ops.push(change(
                Setting::Identity(Some(identity.clone())),
                Setting::Identity(None),
            ));
        }
        // An identity's sequence takes its column's type: bounds that the narrower type
        // cannot hold move in before it, bounds only the wider one holds after it.
        let identity_first = retyped
            && matches!((before.ty.integer_width(), after.ty.integer_width()), (Some(b), Some(a)) if a < b)
            && matches!((&before.identity, &after.identity), (Some(a), Some(b)) if a != b);
        if identity_first {
            ops.push(change(
                Setting::Identity(before.identity.clone()),
                Setting::Identity(after.identity.clone()),
            ));
        }
        if retyped {
            ops.push(change(
                Setting::Type(ColumnType {
                    ty: before.ty.clone(),
                    collation: before.collation.clone(),
                    user_enum: is_enum(self.from, &before.ty),
                    using: None,
                }),
                Setting::Type(ColumnType {
                    ty: after.ty.clone(),
                    collation: after.collation.clone(),
                    user_enum: is_enum(self.to, &after.ty),
                    using: None,
                }),
            ));
        }
        // Before PostgreSQL 18 a NOT NULL has no attributes of its own; from 18 on, the
        // name, NOT VALID and NO INHERIT of one that stays are compared too.
        let not_null = |column: &Column| {
            if self.supports(Feature::NotNullConstraints) {
                column.not_null.clone()
            } else {
                NotNull::default()
            }
        };
        if before.nullable != after.nullable {
            let not_null = if after.nullable {
                not_null(before)
            } else {
                not_null(after)
            };
            let nullable = |nullable| Setting::Nullable {
                nullable,
                not_null: not_null.clone(),
            };
            ops.push(change(nullable(before.nullable), nullable(after.nullable)));
        } else if !after.nullable && not_null(before).differs_from(&not_null(after), same_parents) {
            ops.push(change(
                Setting::NotNull(not_null(before)),
                Setting::NotNull(not_null(after)),
            ));
        }
        match (&before.identity, &after.identity) {
            (None, Some(_)) => ops.push(change(
                Setting::Identity(None),
                Setting::Identity(after.identity.clone()),
            )),
            (Some(from), Some(to)) if from != to && !identity_first => ops.push(change(
                Setting::Identity(before.identity.clone()),
                Setting::Identity(after.identity.clone()),
            )),
            _ => {}
        }
        if default_changes {
            let from = if split_default { None } else { default_before };
            if from != after.default {
                ops.push(change(
                    Setting::Default(from),
                    Setting::Default(after.default.clone()),
                ));
            }
        }
        (early, ops)
    }
}
