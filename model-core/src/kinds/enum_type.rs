//! Enum types: created, dropped, a label added in place (`ALTER TYPE … ADD VALUE`), or the
//! type rebuilt when labels are removed or reordered (PostgreSQL can do neither in place).
//! A rebuild spans other kinds: every column of the type moves to the new one through text,
//! and the indexes, checks and views that spell one of its values are dropped first and
//! created again after, as their own rooms write them ([`KindChange`]). That is why this kind
//! has an operation type of its own rather than a plain [`super::Change`].

use super::effects::{hazard, lock};
use super::grant::granted;
use super::{Hazard, HazardKind, KindChange, Lock, LockMode, Stage};
use crate::schema::{qualified, EnumType, TableName, NAMEDATALEN};
use crate::sql::{quote_ident, quote_literal};

/// A change to an enum type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumChange {
    /// `CREATE TYPE … AS ENUM`.
    Create(EnumType),
    /// `DROP TYPE`.
    Drop(EnumType),
    /// `ALTER TYPE … ADD VALUE`; `from` and `to` are the type before and after.
    AddValue {
        from: EnumType,
        to: EnumType,
        value: String,
        columns: Vec<EnumColumn>,
        /// What the inverse rebuild must drop and create again (see [`Self::Rebuild`]).
        dependents: Vec<KindChange>,
    },
    /// Labels removed or reordered: rename the old type, create the new one, move every column
    /// over through `text`, drop the old type.
    Rebuild {
        from: EnumType,
        to: EnumType,
        columns: Vec<EnumColumn>,
        /// Indexes, checks and views that stay the same but spell a value of the type
        /// (`WHERE status <> 'void'::status`): PostgreSQL cannot re-parse them while the
        /// columns move to the new type, so they are dropped first and created again after,
        /// as these creations say.
        dependents: Vec<KindChange>,
    },
}

/// A column whose type is an enum being changed, with its default before and after (a
/// default names the type, so it is dropped and set again around the change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumColumn {
    /// The table.
    pub table: TableName,
    /// The column.
    pub column: String,
    /// Whether the column is an array of the enum.
    pub array: bool,
    /// Default before the change.
    pub default_before: Option<String>,
    /// Default after the change.
    pub default_after: Option<String>,
}

impl EnumChange {
    /// The change that undoes this one (PostgreSQL cannot remove a label: undoing an
    /// addition rebuilds the type).
    pub fn inverse(&self) -> EnumChange {
        match self.clone() {
            EnumChange::Create(e) => EnumChange::Drop(e),
            EnumChange::Drop(e) => EnumChange::Create(e),
            EnumChange::AddValue {
                from,
                to,
                columns,
                dependents,
                ..
            }
            | EnumChange::Rebuild {
                from,
                to,
                columns,
                dependents,
            } => EnumChange::Rebuild {
                from: to,
                to: from,
                columns: swap_defaults(columns),
                dependents,
            },
        }
    }

    /// This rebuild and `next`, a rebuild of the same type from where this one ends, as one
    /// rebuild (the downgrade of several added labels: one rebuild, not one per label, each
    /// moving every column and setting its default again). `None` when they do not chain.
    pub fn then(&self, next: &EnumChange) -> Option<EnumChange> {
        let (
            EnumChange::Rebuild {
                from,
                to: middle,
                columns,
                dependents,
            },
            EnumChange::Rebuild {
                from: next_from,
                to,
                columns: next_columns,
                ..
            },
        ) = (self, next)
        else {
            return None;
        };
        if middle != next_from {
            return None;
        }
        let columns = columns
            .iter()
            .map(|c| {
                let after = next_columns
                    .iter()
                    .find(|n| n.table == c.table && n.column == c.column)?;
                Some(EnumColumn {
                    default_after: after.default_after.clone(),
                    ..c.clone()
                })
            })
            .collect::<Option<Vec<_>>>()?;
        if columns.len() != next_columns.len() {
            return None;
        }
        Some(EnumChange::Rebuild {
            from: from.clone(),
            to: to.clone(),
            columns,
            dependents: dependents.clone(),
        })
    }

    /// The statements (without `;`), and the notes a reviewer must see.
    pub fn statements(&self) -> (Vec<String>, Vec<String>) {
        match self {
            EnumChange::Create(e) => {
                let mut out = vec![create_enum(e)];
                out.extend(granted(&format!("TYPE {}", qualified(&e.name)), &e.grants));
                (out, Vec::new())
            }
            EnumChange::Drop(e) => (
                vec![format!("DROP TYPE {}", qualified(&e.name))],
                Vec::new(),
            ),
            EnumChange::AddValue { to, value, .. } => (
                vec![add_enum_value(to, value)],
                vec![
                    "PostgreSQL cannot use a new enum label in the transaction that adds it: what uses it runs in a later transaction (never run this script with psql --single-transaction)".into(),
                ],
            ),
            EnumChange::Rebuild {
                from,
                to,
                columns,
                dependents,
            } => {
                let mut notes = Vec::new();
                if from.labels.iter().all(|l| to.labels.contains(l)) {
                    notes.push(format!("WARNING: labels of {} are reordered; PostgreSQL cannot move a label, so the type is rebuilt", to.name));
                }
                // Dropped in the reverse of their creation order (a view before the views it
                // reads).
                let mut out: Vec<String> = dependents
                    .iter()
                    .rev()
                    .flat_map(|d| d.inverse().statements())
                    .collect();
                out.extend(rebuild_enum(from, to, columns));
                // The new type starts from PostgreSQL's default privileges.
                out.extend(granted(
                    &format!("TYPE {}", qualified(&to.name)),
                    &to.grants,
                ));
                out.extend(dependents.iter().flat_map(KindChange::statements));
                (out, notes)
            }
        }
    }

    /// A one-line description in Alembic's words.
    pub fn describe(&self) -> String {
        match self {
            EnumChange::Create(e) => format!("added enum '{}'", e.name),
            EnumChange::Drop(e) => format!("removed enum '{}'", e.name),
            EnumChange::AddValue { to, value, .. } => {
                format!("added value '{value}' to enum '{}'", to.name)
            }
            EnumChange::Rebuild { to, .. } => format!("changed labels of enum '{}'", to.name),
        }
    }

    /// Types before the tables that use them; a dropped one after the tables.
    pub fn stage(&self) -> Stage {
        match self {
            EnumChange::Drop(_) => Stage::DropEnums,
            _ => Stage::Types,
        }
    }

    /// A rebuild rewrites every table with a column of the type, and fails on a row that
    /// holds a removed label.
    pub fn hazards(&self) -> Vec<Hazard> {
        self.rebuilt_tables(false)
            .into_iter()
            .flat_map(|t| {
                [
                    hazard(HazardKind::Rewrite, t),
                    hazard(HazardKind::MayFail, t),
                ]
            })
            .collect()
    }

    /// A rebuild holds ACCESS EXCLUSIVE on every table with a column of the type.
    pub fn locks(&self) -> Vec<Lock> {
        self.rebuilt_tables(true)
            .into_iter()
            .map(|t| lock(LockMode::AccessExclusive, t))
            .collect()
    }

    /// The tables a rebuild moves columns of (consecutive repeats once; `sorted`: each once).
    fn rebuilt_tables(&self, sorted: bool) -> Vec<&TableName> {
        let EnumChange::Rebuild { columns, .. } = self else {
            return Vec::new();
        };
        let mut tables: Vec<&TableName> = columns.iter().map(|c| &c.table).collect();
        if sorted {
            tables.sort();
        }
        tables.dedup();
        tables
    }

    /// What it destroys: a dropped type's labels, or labels a rebuild removes.
    pub fn destruction(&self) -> Option<String> {
        match self {
            EnumChange::Rebuild { from, to, .. } => {
                let removed: Vec<String> = from
                    .labels
                    .iter()
                    .filter(|l| !to.labels.contains(l))
                    .map(|l| quote_literal(l))
                    .collect();
                (!removed.is_empty()).then(|| format!(
                    "removes label(s) {} from {}; PostgreSQL cannot drop a label, so the type is rebuilt, and rows holding a removed label make this fail",
                    removed.join(", "),
                    to.name
                ))
            }
            EnumChange::Drop(e) => Some(format!("drops enum type {} and its labels", e.name)),
            _ => None,
        }
    }

    /// Whether it must run outside a transaction block (`ADD VALUE`: its label is not usable
    /// in the transaction that adds it).
    pub fn adds_label(&self) -> bool {
        matches!(self, EnumChange::AddValue { .. })
    }
}

fn swap_defaults(columns: Vec<EnumColumn>) -> Vec<EnumColumn> {
    columns
        .into_iter()
        .map(|c| EnumColumn {
            default_before: c.default_after,
            default_after: c.default_before,
            ..c
        })
        .collect()
}

fn create_enum(e: &EnumType) -> String {
    let labels: Vec<String> = e.labels.iter().map(|l| quote_literal(l)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({})",
        qualified(&e.name),
        labels.join(", ")
    )
}

fn add_enum_value(to: &EnumType, value: &str) -> String {
    let position = to.labels.iter().position(|l| l == value).unwrap_or(0);
    let place = match position {
        0 => to
            .labels
            .get(1)
            .map(|next| format!(" BEFORE {}", quote_literal(next)))
            .unwrap_or_default(),
        p => format!(" AFTER {}", quote_literal(&to.labels[p - 1])),
    };
    format!(
        "ALTER TYPE {} ADD VALUE {}{place}",
        qualified(&to.name),
        quote_literal(value)
    )
}

fn rebuild_enum(from: &EnumType, to: &EnumType, columns: &[EnumColumn]) -> Vec<String> {
    let mut old_name = format!("{}__old", from.name.name);
    while old_name.len() > NAMEDATALEN - 1 {
        old_name.remove(0);
    }
    let new = qualified(&to.name);
    let mut out = vec![
        format!(
            "ALTER TYPE {} RENAME TO {}",
            qualified(&from.name),
            quote_ident(&old_name)
        ),
        create_enum(to),
    ];
    for c in columns {
        let table = qualified(&c.table);
        let column = quote_ident(&c.column);
        if c.default_before.is_some() {
            out.push(format!(
                "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
            ));
        }
        let (cast, ty) = if c.array {
            ("text[]", format!("{new}[]"))
        } else {
            ("text", new.clone())
        };
        out.push(format!(
            "ALTER TABLE {table} ALTER COLUMN {column} TYPE {ty} USING {column}::{cast}::{ty}"
        ));
        if let Some(default) = &c.default_after {
            out.push(format!(
                "ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {default}"
            ));
        }
    }
    out.push(format!(
        "DROP TYPE {}.{}",
        quote_ident(&from.name.schema),
        quote_ident(&old_name)
    ));
    out
}
