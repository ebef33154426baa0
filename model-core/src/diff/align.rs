//! Spellings PostgreSQL treats as the same, made the same before comparing.

use std::borrow::Cow;

use crate::schema::{Index, Schema};

/// `from` with what PostgreSQL treats as the same spelled as `to` spells it, so that no
/// comparison sees a difference there: storage parameters are a set (their order is only the
/// order they were written in).
pub(super) fn aligned<'s>(from: &'s Schema, to: &Schema) -> Cow<'s, Schema> {
    // Copied on the first change only: the common case, nothing to align, copies nothing.
    let mut out = Cow::Borrowed(from);
    let wanted_tables = to.tables_by_name();
    for (t, table) in from.tables.iter().enumerate() {
        let Some(wanted) = wanted_tables.get(&table.name) else {
            continue;
        };
        if reordered(&table.options, &wanted.options) {
            out.to_mut().tables[t].options = wanted.options.clone();
        }
        if let Some(indexes) = aligned_indexes(&table.indexes, &wanted.indexes) {
            out.to_mut().tables[t].indexes = indexes;
        }
    }
    for (v, view) in from.views.iter().enumerate() {
        let Some(wanted) = to.views.iter().find(|w| w.name == view.name) else {
            continue;
        };
        if reordered(&view.options, &wanted.options) {
            out.to_mut().views[v].options = wanted.options.clone();
        }
        if let Some(indexes) = aligned_indexes(&view.indexes, &wanted.indexes) {
            out.to_mut().views[v].indexes = indexes;
        }
    }
    out
}

/// Whether `have` is `want` in another order (then it takes `want`'s).
fn reordered(have: &[String], want: &[String]) -> bool {
    have != want && have.len() == want.len() && want.iter().all(|o| have.contains(o))
}

/// `have` aligned with the indexes of the same name in `want`, if any needed it: storage
/// parameters in `want`'s order, and the parent index a partition's index hangs from (which
/// follows from the partitions and indexes themselves; never an operation of its own).
fn aligned_indexes(have: &[Index], want: &[Index]) -> Option<Vec<Index>> {
    let mut out: Option<Vec<Index>> = None;
    for (i, index) in have.iter().enumerate() {
        let Some(w) = want.iter().find(|w| w.name == index.name) else {
            continue;
        };
        let options = reordered(&index.options, &w.options);
        if options || index.attached_to != w.attached_to {
            let list = out.get_or_insert_with(|| have.to_vec());
            if options {
                list[i].options = w.options.clone();
            }
            list[i].attached_to = w.attached_to.clone();
        }
    }
    out
}

/// `from` and `to` with a table's columns and checks made explicit where it gains or loses a
/// parent (`INHERITS`): a table read from the database lists only its own columns, but one
/// that loses a parent keeps what it inherited (PostgreSQL makes it its own), and one that
/// gains a parent must already have the parent's columns and checks. Without this, the diff
/// would drop columns that `INHERIT` needs, or add ones `NO INHERIT` leaves behind.
pub(super) fn with_inheritance_made_explicit<'s>(
    from: &'s Schema,
    to: &'s Schema,
) -> (Cow<'s, Schema>, Cow<'s, Schema>) {
    // The common case, no table gaining or losing a parent, copies nothing.
    let to_tables = to.tables_by_name();
    let changes = from.tables.iter().any(|t| {
        to_tables
            .get(&t.name)
            .is_some_and(|after| after.inherits != t.inherits)
    });
    if !changes {
        return (Cow::Borrowed(from), Cow::Borrowed(to));
    }
    let mut from = from.clone();
    let mut to = to.clone();
    let adopt = |child: &mut crate::schema::Table, parent: &crate::schema::Table| {
        let mut inherited: Vec<crate::schema::Column> = parent
            .columns
            .iter()
            .filter(|c| child.column(&c.name).is_none())
            .cloned()
            .collect();
        // Inherited columns come first in the table, as PostgreSQL places them.
        inherited.append(&mut child.columns);
        child.columns = inherited;
        for check in parent.checks.iter().filter(|c| !c.no_inherit) {
            if !child.checks.iter().any(|c| c.name == check.name) {
                child.checks.push(check.clone());
            }
        }
    };
    let (parents_before, parents_after) = (from.clone(), to.clone());
    let (before, after_tables) = (
        parents_before.tables_by_name(),
        parents_after.tables_by_name(),
    );
    for table in &mut from.tables {
        let Some(after) = after_tables.get(&table.name) else {
            continue;
        };
        for parent in table.inherits.clone() {
            if !after.inherits.contains(&parent) {
                if let Some(parent) = before.get(&parent) {
                    adopt(table, parent);
                }
            }
        }
    }
    for table in &mut to.tables {
        let Some(was) = before.get(&table.name) else {
            continue;
        };
        for parent in table.inherits.clone() {
            if !was.inherits.contains(&parent) {
                if let Some(parent) = after_tables.get(&parent) {
                    adopt(table, parent);
                }
            }
        }
    }
    (Cow::Owned(from), Cow::Owned(to))
}

/// The schemas without the copies of a partitioned table's primary key and unique
/// constraints that PostgreSQL gives each of its partitions, where a partition stays one of
/// the same parent: they come and go with the parent's (adding a primary key to a partitioned
/// table adds one to each partition), so a plan that also added them would add a second.
/// A partition detached, or attached, keeps them: they are its own from then on (or were).
pub(super) fn without_partition_key_copies<'s>(
    from: Cow<'s, Schema>,
    to: Cow<'s, Schema>,
) -> (Cow<'s, Schema>, Cow<'s, Schema>) {
    let staying: Vec<crate::schema::TableName> = {
        let to_tables = to.tables_by_name();
        from.tables
            .iter()
            .filter(|t| {
                t.partition_of.as_ref().is_some_and(|p| {
                    to_tables
                        .get(&t.name)
                        .and_then(|after| after.partition_of.as_ref())
                        .is_some_and(|q| q.parent == p.parent)
                })
            })
            .map(|t| t.name.clone())
            .collect()
    };
    if staying.is_empty() {
        return (from, to);
    }
    (strip_copies(from, &staying), strip_copies(to, &staying))
}

/// `schema` without the key copies of the partitions `staying` (see
/// [`without_partition_key_copies`]).
fn strip_copies<'s>(
    mut schema: Cow<'s, Schema>,
    staying: &[crate::schema::TableName],
) -> Cow<'s, Schema> {
    for name in staying {
        let Some(t) = schema.tables.iter().position(|t| &t.name == name) else {
            continue;
        };
        let Some(parent) = schema.tables[t]
            .partition_of
            .as_ref()
            .and_then(|p| schema.tables.iter().find(|x| x.name == p.parent))
        else {
            continue;
        };
        let parent_keys: Vec<&Vec<String>> = parent
            .primary_key
            .iter()
            .map(|k| &k.columns)
            .chain(parent.uniques.iter().map(|u| &u.columns))
            .collect();
        let table = &schema.tables[t];
        let copied_pk = table.primary_key.as_ref().is_some_and(|k| {
            parent
                .primary_key
                .as_ref()
                .is_some_and(|p| p.columns == k.columns)
        });
        let copied_uniques: Vec<usize> = table
            .uniques
            .iter()
            .enumerate()
            .filter(|(_, u)| parent_keys.contains(&&u.columns))
            .map(|(i, _)| i)
            .collect();
        if !copied_pk && copied_uniques.is_empty() {
            continue;
        }
        let table = &mut schema.to_mut().tables[t];
        if copied_pk {
            table.primary_key = None;
        }
        for i in copied_uniques.into_iter().rev() {
            table.uniques.remove(i);
        }
    }
    schema
}
