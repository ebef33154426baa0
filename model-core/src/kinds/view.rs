//! Views and materialized views (`CREATE VIEW`). A view that stays but changes is replaced in
//! place when PostgreSQL allows it (`CREATE OR REPLACE VIEW`: same columns, more at the end);
//! otherwise the diff drops it before the tables change and creates it after (dependents
//! first, in dependency order). Refreshing a materialized view is the diff's
//! `RefreshMaterializedView`.

use super::ddl::{create_index, with_options};
use super::{Change, Hint, Kind, Lock, Stage};
use crate::schema::{qualified, View};

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
                out
            }
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
            Change::Alter { to, .. } => format!("changed view '{}'", to.name),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Drop(_) => Stage::DropDependents,
            Change::Create(_) | Change::Alter { .. } => Stage::CreateDependents,
        }
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }

    fn destruction(change: &Change<Self>) -> Option<String> {
        match change {
            Change::Drop(v) if v.materialized => Some(format!(
                "drops materialized view {} and its contents",
                v.name
            )),
            _ => None,
        }
    }
}
