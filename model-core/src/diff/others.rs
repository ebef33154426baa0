//! Rules, event triggers, publications and default privileges: kept as statements, a changed
//! one dropped before the tables change and created after.

use super::grants::grant_changes;
use super::plan::Hint;
use super::{pair, Differ, Op, Pair};
use crate::kinds::Change;
use crate::schema::{GrantTarget, Other, OtherKind};

impl<'a> Differ<'a> {
    /// Collations, composite types, domains, range types, foreign-data wrappers, servers and
    /// foreign tables: created with the types (after
    /// the enums they may be over), before the tables; dropped with the types, after them (and
    /// before the enums). A domain whose base type stays, or a composite type whose kept
    /// attributes keep their order (new ones last), is altered in place; any other changed one
    /// is dropped and created again, which PostgreSQL refuses while a column uses it (the
    /// script says so).
    pub(super) fn types(&mut self) {
        // In creation order: a domain may be over a composite type, a range's subtype a
        // domain, a server needs its wrapper, a foreign table its server and column types.
        let key = |o: &Other| (creation_rank(o.kind), o.kind, o.name.clone());
        let mut dropped = Vec::new();
        for pair in pair(&self.from.types, &self.to.types, key) {
            match pair {
                Pair::Kept(have, wanted) => {
                    let stays = if have.same_but_privileges(wanted) || reordered(have, wanted) {
                        true
                    } else if in_place(have, wanted) {
                        self.emit(Op::from(Change::Alter {
                            from: have.clone(),
                            to: wanted.clone(),
                        }));
                        true
                    } else {
                        self.dropped_foreign_tables.extend(foreign_table(have));
                        self.emit_with(Hint::Replaced, Op::from(Change::Drop(have.clone())));
                        self.emit(Op::from(Change::Create(wanted.clone())));
                        false
                    };
                    // Privileges of a type that stays (one created carries its own).
                    if stays && wanted.is_data_type() {
                        let target = GrantTarget::Type(wanted.name.clone());
                        self.emit_all(grant_changes(&target, &have.grants, &wanted.grants));
                    }
                }
                Pair::Added(wanted) => self.emit(Op::from(Change::Create(wanted.clone()))),
                Pair::Removed(have) => {
                    self.dropped_foreign_tables.extend(foreign_table(have));
                    dropped.push(Op::from(Change::Drop(have.clone())))
                }
            }
        }
        // Dependents first: the reverse of the creation order, and before the enums a domain
        // or composite type may be over (created before them, in `enums`).
        let dropped: Vec<Op> = dropped.into_iter().rev().collect();
        self.emit_all(dropped);
    }

    pub(super) fn others(&mut self) {
        let key = |o: &Other| (o.kind, o.name.clone());
        for pair in pair(&self.from.others, &self.to.others, key) {
            let (drop, create) = match pair {
                Pair::Kept(have, wanted) if have == wanted => continue,
                Pair::Kept(have, wanted) => (Some(have), Some(wanted)),
                Pair::Added(wanted) => (None, Some(wanted)),
                Pair::Removed(have) => (Some(have), None),
            };
            self.emit_all_with(
                Hint::Before,
                drop.map(|o| Op::from(Change::Drop(o.clone()))),
            );
            // An aggregate comes with the functions (after the ones it calls), before the views
            // that may call it.
            if let Some(wanted) = create {
                self.emit(Op::from(Change::Create(wanted.clone())));
            }
        }
    }
}

/// Whether `have` becomes `wanted` by `ALTER DOMAIN` / `ALTER TYPE … ATTRIBUTE`: the same
/// domain base type; or composite attributes that, kept, stay in their order, and, added, come
/// after the kept ones (PostgreSQL appends them).
fn in_place(have: &Other, wanted: &Other) -> bool {
    use crate::schema::InPlace;
    match (&have.in_place, &wanted.in_place) {
        (InPlace::Domain(had), InPlace::Domain(wants)) => had.base == wants.base,
        // Options (and a server's version, once set) change in place.
        (InPlace::Foreign(had), InPlace::Foreign(wants)) => {
            had.fixed == wants.fixed && (wants.version.is_some() || had.version.is_none())
        }
        (InPlace::Composite(had), InPlace::Composite(wants)) => {
            if had.attributes.is_empty() || wants.attributes.is_empty() {
                return false;
            }
            let kept: Vec<&str> = had
                .attributes
                .iter()
                .map(|a| a.name.as_str())
                .filter(|n| wants.attributes.iter().any(|w| w.name == *n))
                .collect();
            let order: Vec<&str> = wants
                .attributes
                .iter()
                .map(|a| a.name.as_str())
                .take(kept.len())
                .collect();
            kept == order
        }
        _ => false,
    }
}

/// Composite types that differ only in the order of their attributes: no change, as for a
/// table's columns (PostgreSQL appends an attribute added again; it cannot reorder them).
fn reordered(have: &Other, wanted: &Other) -> bool {
    if wanted.kind != OtherKind::CompositeType || have.attributes().is_empty() {
        return false;
    }
    fn sorted(o: &Other) -> Vec<(&str, &str)> {
        let mut attributes: Vec<(&str, &str)> = o
            .attributes()
            .iter()
            .map(|a| (a.name.as_str(), a.ty.as_str()))
            .collect();
        attributes.sort();
        attributes
    }
    sorted(have) == sorted(wanted)
}

/// Where a kind of type-like object comes in the creation order.
fn creation_rank(kind: OtherKind) -> u8 {
    match kind {
        OtherKind::Collation => 0,
        OtherKind::CompositeType => 1,
        OtherKind::Domain => 2,
        OtherKind::RangeType => 3,
        OtherKind::ForeignDataWrapper => 4,
        OtherKind::ForeignServer => 5,
        _ => 6,
    }
}

/// A foreign table's name, for the views that read it.
fn foreign_table(o: &Other) -> Option<crate::schema::TableName> {
    (o.kind == OtherKind::ForeignTable).then(|| {
        let unquote = |part: &str| match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\"\"", "\""),
            None => part.to_string(),
        };
        let (schema, rest) = crate::schema::split_qualified(&o.name);
        crate::schema::TableName::new(unquote(schema), unquote(rest))
    })
}
