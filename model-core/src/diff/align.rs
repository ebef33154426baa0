//! Spellings PostgreSQL treats as the same, made the same before comparing.

use crate::schema::Schema;

/// `from` with what PostgreSQL treats as the same spelled as `to` spells it, so that no
/// comparison sees a difference there: storage parameters are a set (their order is only the
/// order they were written in).
pub(super) fn aligned(from: &Schema, to: &Schema) -> Schema {
    fn align(have: &mut Vec<String>, want: &[String]) {
        if have.len() == want.len() && want.iter().all(|o| have.contains(o)) {
            *have = want.to_vec();
        }
    }
    let mut from = from.clone();
    for table in &mut from.tables {
        let Some(wanted) = to.table(&table.name) else {
            continue;
        };
        align(&mut table.options, &wanted.options);
        for index in &mut table.indexes {
            if let Some(w) = wanted.indexes.iter().find(|i| i.name == index.name) {
                align(&mut index.options, &w.options);
                // Which parent index a partition's index hangs from follows from the
                // partitions and indexes themselves; it is never an operation of its own.
                index.attached_to = w.attached_to.clone();
            }
        }
    }
    for view in &mut from.views {
        if let Some(wanted) = to.views.iter().find(|v| v.name == view.name) {
            align(&mut view.options, &wanted.options);
            for index in &mut view.indexes {
                if let Some(w) = wanted.indexes.iter().find(|i| i.name == index.name) {
                    align(&mut index.options, &w.options);
                }
            }
        }
    }
    from
}
