//! A description cut in two along tables: what a plan's proof must build, and the tables it
//! leaves alone with everything that hangs on them (their triggers, policies, statistics, the
//! sequences they own, the comments on their indexes, constraints, triggers and policies,
//! their owners). Everything else (views, functions, types, extensions, schemas…) stays on
//! the first side: the caller keeps on it every table those name.

use std::collections::BTreeSet;

use super::{OwnedKind, Schema, Table, TableName};
use crate::sql::tokens::Idents;

/// A schema-qualified name as PostgreSQL folds it.
type Name = (String, String);

impl Schema {
    /// `(kept, hung)`: this description without the tables of `aside` and what hangs on
    /// them, and what hangs on them alone (not the tables themselves, which the caller has
    /// by name).
    pub fn split_tables(&self, aside: &BTreeSet<TableName>) -> (Schema, Schema) {
        let mut names: BTreeSet<Name> = BTreeSet::new();
        let mut set_aside = Schema::default();
        // What never hangs on a table goes with the kept side whole; the rest is sorted below.
        let mut kept = Schema {
            schemas: self.schemas.clone(),
            enums: self.enums.clone(),
            extensions: self.extensions.clone(),
            functions: self.functions.clone(),
            views: self.views.clone(),
            types: self.types.clone(),
            others: self.others.clone(),
            unmodelled: self.unmodelled.clone(),
            ..Schema::default()
        };
        for table in &self.tables {
            if aside.contains(&table.name) {
                names.extend(relation_names(table));
            } else {
                kept.tables.push(table.clone());
            }
        }
        let on = |t: &TableName| aside.contains(t);
        for s in &self.sequences {
            match &s.owned_by {
                Some(owner) if on(&owner.table) => {
                    names.insert((s.name.schema.clone(), s.name.name.clone()));
                    set_aside.sequences.push(s.clone());
                }
                _ => kept.sequences.push(s.clone()),
            }
        }
        partition(
            &self.triggers,
            |t| on(&t.table),
            &mut set_aside.triggers,
            &mut kept.triggers,
        );
        partition(
            &self.policies,
            |p| on(&p.table),
            &mut set_aside.policies,
            &mut kept.policies,
        );
        partition(
            &self.statistics,
            |s| on(&s.table),
            &mut set_aside.statistics,
            &mut kept.statistics,
        );
        let hangs = |text: &str| {
            Idents::of(text)
                .qualified()
                .iter()
                .any(|n| names.contains(n))
        };
        partition(
            &self.owners,
            |o| matches!(o.kind, OwnedKind::Table | OwnedKind::Sequence) && hangs(&o.name),
            &mut set_aside.owners,
            &mut kept.owners,
        );
        partition(
            &self.comments,
            |c| {
                matches!(
                    c.kind.as_str(),
                    "INDEX" | "SEQUENCE" | "CONSTRAINT" | "TRIGGER" | "POLICY"
                ) && hangs(&c.identity)
            },
            &mut set_aside.comments,
            &mut kept.comments,
        );
        (kept, set_aside)
    }
}

/// The names a table takes in its schema's namespace of relations: its own, its indexes' and
/// its constraints' (a primary key, unique or exclusion constraint is an index of that
/// name).
pub fn relation_names(table: &Table) -> Vec<Name> {
    let schema = &table.name.schema;
    let mut out = vec![(schema.clone(), table.name.name.clone())];
    let own = |name: &String| (schema.clone(), name.clone());
    out.extend(table.indexes.iter().map(|i| own(&i.name)));
    out.extend(table.primary_key.iter().map(|k| own(&k.name)));
    out.extend(table.uniques.iter().map(|u| own(&u.name)));
    out.extend(table.exclusions.iter().map(|x| own(&x.name)));
    out
}

fn partition<T: Clone>(all: &[T], aside: impl Fn(&T) -> bool, yes: &mut Vec<T>, no: &mut Vec<T>) {
    for x in all {
        if aside(x) {
            yes.push(x.clone());
        } else {
            no.push(x.clone());
        }
    }
}
