//! Views and materialized views (`CREATE VIEW`). A view that stays but changes is replaced in
//! place when PostgreSQL allows it (`CREATE OR REPLACE VIEW`: same columns, more at the end);
//! otherwise the diff drops it before the tables change and creates it after (dependents
//! first, in dependency order). A materialized view whose contents alone change (`WITH NO
//! DATA` or not) is refreshed in place (`REFRESH MATERIALIZED VIEW`); its storage parameters
//! are the table settings' room.

use super::ddl::{create_index, with_options};
use super::grant::{granted, grants};
use super::{hazard, lock, Change, Hazard, HazardKind, Hint, Kind, Lock, LockMode, Stage};
use crate::schema::{qualified, View};

/// Whether `from` becomes `to` by being filled or emptied, and nothing else.
pub fn refreshed(from: &View, to: &View) -> bool {
    from.populated != to.populated
        && View {
            populated: to.populated,
            ..from.clone()
        }
        .same_but_privileges(to)
}

impl Kind for View {
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(v) => {
                let mut out = vec![format!(
                    "CREATE {}VIEW {}{} AS\n{}{}",
                    if v.materialized { "MATERIALIZED " } else { "" },
                    qualified(&v.name),
                    with_options(&v.options),
                    v.definition.trim_end().trim_end_matches(';'),
                    if v.materialized && !v.populated {
                        "\nWITH NO DATA"
                    } else {
                        ""
                    }
                )];
                out.extend(v.indexes.iter().map(|i| create_index(&v.name, i)));
                let object = format!("TABLE {}", qualified(&v.name));
                out.extend(granted(&object, &v.grants));
                for (column, column_grants) in &v.column_grants {
                    for g in column_grants {
                        out.extend(grants(
                            &object,
                            Some(column),
                            &g.grantee,
                            &[],
                            &g.privileges,
                        ));
                    }
                }
                out
            }
            Change::Alter { from, to } if refreshed(from, to) => vec![format!(
                "REFRESH MATERIALIZED VIEW {}{}",
                qualified(&to.name),
                if to.populated { "" } else { " WITH NO DATA" }
            )],
            Change::Alter { to, .. } => vec![format!(
                "CREATE OR REPLACE VIEW {}{} AS\n{}",
                qualified(&to.name),
                with_options(&to.options),
                to.definition.trim_end().trim_end_matches(';')
            )],
            Change::Drop(v) => vec![format!(
                "DROP {}VIEW {}",
                if v.materialized { "MATERIALIZED " } else { "" },
                qualified(&v.name)
            )],
        }
    }

    fn describe(change: &Change<Self>) -> String {
        match change {
            Change::Create(v) => format!("added view '{}'", v.name),
            Change::Drop(v) => format!("removed view '{}'", v.name),
            Change::Alter { from, to } if refreshed(from, to) && to.populated => {
                format!("refreshed materialized view '{}'", to.name)
            }
            Change::Alter { from, to } if refreshed(from, to) => {
                format!("emptied materialized view '{}' (WITH NO DATA)", to.name)
            }
            Change::Alter { to, .. } => format!("changed view '{}'", to.name),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Alter { from, to } if refreshed(from, to) => Stage::Properties,
            Change::Drop(_) => Stage::DropDependents,
            Change::Create(_) | Change::Alter { .. } => Stage::CreateDependents,
        }
    }

    fn locks(change: &Change<Self>) -> Vec<Lock> {
        match change {
            Change::Alter { from, to } if refreshed(from, to) => {
                vec![lock(LockMode::AccessExclusive, &to.name)]
            }
            _ => Vec::new(),
        }
    }

    fn hazards(change: &Change<Self>) -> Vec<Hazard> {
        match change {
            Change::Alter { from, to } if refreshed(from, to) => {
                vec![hazard(HazardKind::ScanExclusive, &to.name)]
            }
            _ => Vec::new(),
        }
    }

    fn destruction(change: &Change<Self>) -> Option<String> {
        match change {
            Change::Alter { from, to } if refreshed(from, to) && !to.populated => Some(format!(
                "empties materialized view {} (WITH NO DATA)",
                to.name
            )),
            Change::Drop(v) if v.materialized => Some(format!(
                "drops materialized view {} and its contents",
                v.name
            )),
            _ => None,
        }
    }
}
