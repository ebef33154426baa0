//! Which version-dependent features a description uses, so that a plan for a server without
//! them is refused before anything is sent (see [`crate::sql::version`]).

use super::Schema;
use crate::sql::version::{Feature, PgVersion, Unsupported};

impl Schema {
    /// Every use of a feature that only some PostgreSQL versions have: (what uses it, the
    /// feature), in the description's order.
    pub fn features(&self) -> Vec<(String, Feature)> {
        let mut out = Vec::new();
        for table in &self.tables {
            let t = &table.name;
            for column in &table.columns {
                let what = || format!("column {t}.{}", column.name);
                if column.generated.is_some() && column.virtual_generated {
                    out.push((what(), Feature::VirtualGenerated));
                }
                if !column.nullable {
                    if column.not_null.name.is_some() || column.not_null.no_inherit {
                        out.push((what(), Feature::NotNullConstraints));
                    }
                    if column.not_null.not_valid {
                        out.push((what(), Feature::NotNullNotValid));
                    }
                }
            }
            if let Some(key) = table.primary_key.as_ref().filter(|k| k.without_overlaps) {
                out.push((
                    format!("primary key {} of {t}", key.name),
                    Feature::WithoutOverlaps,
                ));
            }
            for unique in &table.uniques {
                let what = || format!("unique constraint {} of {t}", unique.name);
                if unique.nulls_not_distinct {
                    out.push((what(), Feature::NullsNotDistinct));
                }
                if unique.without_overlaps {
                    out.push((what(), Feature::WithoutOverlaps));
                }
            }
            for key in &table.foreign_keys {
                let what = || format!("foreign key {} of {t}", key.name);
                if key.not_enforced {
                    out.push((what(), Feature::NotEnforced));
                }
                if key.period {
                    out.push((what(), Feature::WithoutOverlaps));
                }
                if !key.on_delete_columns.is_empty() {
                    out.push((what(), Feature::ForeignKeySetColumns));
                }
            }
            let maintain = table.grants.iter().find(|g| {
                g.privileges
                    .iter()
                    .any(|p| p.trim_end_matches('*') == "MAINTAIN")
            });
            if let Some(grant) = maintain {
                out.push((
                    format!("the grant to {} on {t}", grant.grantee),
                    Feature::MaintainPrivilege,
                ));
            }
            for check in table.checks.iter().filter(|c| c.not_enforced) {
                out.push((
                    format!("check constraint {} of {t}", check.name),
                    Feature::NotEnforced,
                ));
            }
            for index in table.indexes.iter().filter(|i| i.nulls_not_distinct) {
                out.push((
                    format!("index {} of {}", index.name, table.name),
                    Feature::NullsNotDistinct,
                ));
            }
        }
        for view in &self.views {
            for index in view.indexes.iter().filter(|i| i.nulls_not_distinct) {
                out.push((
                    format!("index {} of {}", index.name, view.name),
                    Feature::NullsNotDistinct,
                ));
            }
        }
        out
    }

    /// The features this description uses that `version` lacks, each naming its user.
    pub fn unsupported(&self, version: PgVersion) -> Vec<Unsupported> {
        self.features()
            .into_iter()
            .filter_map(|(what, feature)| version.require(feature, what).err())
            .collect()
    }
}
