//! Renames nobody declared: an object that disappears while a compatible one appears in the
//! same place. The diff never guesses; it names each such pair as a candidate with a score,
//! so that the caller asks the user, refuses, or follows a flag — and never writes the drop
//! and add of a candidate without being told to.

use super::renames;
use super::Rename;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::schema::{Column, Schema, Table, TableName};

/// A pair that looks like a rename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The rename, were it one.
    pub rename: Rename,
    /// How alike the two are, 0 to 100 (type, nullability, default, identity, name,
    /// position).
    pub score: u8,
}

impl Candidate {
    /// The declaration that would settle it as a rename, in the models' words.
    pub fn hint(&self) -> String {
        match &self.rename {
            Rename::Column { table, from, to } => format!(
                "#[model(renamed_from = {from:?})] on the field of column {table}.{to}"
            ),
            Rename::Table { from, to } => format!(
                "#[model(renamed_from = {:?})] on the model of table {to}",
                from.name
            ),
            Rename::EnumLabel {
                enum_type, from, to, ..
            } => format!(
                "#[model(renamed_from = {from:?})] on the variant of label {to:?} of enum {enum_type}"
            ),
            Rename::EnumType { from, to } => format!(
                "#[model(renamed_from = {:?})] on the enum of type {to}",
                from.name
            ),
            Rename::Sequence { from, to } => format!(
                ".with_rename(Rename::Sequence {{ from: TableName::parse({:?}), to: TableName::parse({:?}) }}) on the model set",
                from.to_string(),
                to.to_string()
            ),
            other => format!(".with_rename({other:?}) on the model set"),
        }
    }
}

/// Pairs of `from` and `to` (after the declared `renames`) where something that holds data
/// or state goes and something compatible comes: a column of the same table (same or wider
/// type), a table of the same schema (most columns alike), an enum label at the same position,
/// an enum type with the same labels, a sequence with the same settings. Best first.
pub fn rename_candidates(from: &Schema, to: &Schema, declared: &[Rename]) -> Vec<Candidate> {
    let from: Cow<Schema> = if declared.is_empty() {
        Cow::Borrowed(from)
    } else {
        Cow::Owned(renames::apply(from, to, declared).schema)
    };
    let wanted: BTreeMap<&TableName, &Table> = to.tables.iter().map(|t| (&t.name, t)).collect();
    let had: BTreeSet<&TableName> = from.tables.iter().map(|t| &t.name).collect();
    let mut out = Vec::new();
    // Columns of tables in both.
    for before in &from.tables {
        let Some(after) = wanted.get(&before.name) else {
            continue;
        };
        let gone: Vec<(usize, &Column)> = before
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| after.column(&c.name).is_none())
            .collect();
        let new: Vec<(usize, &Column)> = after
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| before.column(&c.name).is_none())
            .collect();
        for (i, old) in &gone {
            for (j, wanted) in &new {
                if let Some(score) = column_score(old, wanted, i == j) {
                    out.push(Candidate {
                        rename: Rename::Column {
                            table: before.name.clone(),
                            from: old.name.clone(),
                            to: wanted.name.clone(),
                        },
                        score,
                    });
                }
            }
        }
    }
    // Tables of the same schema.
    let gone: Vec<&Table> = from
        .tables
        .iter()
        .filter(|t| !wanted.contains_key(&t.name))
        .collect();
    let new: Vec<&Table> = to
        .tables
        .iter()
        .filter(|t| !had.contains(&t.name))
        .collect();
    for old in &gone {
        for wanted in new.iter().filter(|t| t.name.schema == old.name.schema) {
            let alike = old
                .columns
                .iter()
                .filter(|c| {
                    wanted
                        .column(&c.name)
                        .is_some_and(|w| w.ty == c.ty && w.nullable == c.nullable)
                })
                .count();
            let total = old.columns.len().max(wanted.columns.len()).max(1);
            if alike * 2 >= total && alike > 0 {
                let score =
                    (alike * 80 / total) as u8 + similarity(&old.name.name, &wanted.name.name) / 5;
                out.push(Candidate {
                    rename: Rename::Table {
                        from: old.name.clone(),
                        to: wanted.name.clone(),
                    },
                    score: score.min(100),
                });
            }
        }
    }
    // Enum labels at the same position, and types with the same labels.
    for before in &from.enums {
        match to.enums.iter().find(|e| e.name == before.name) {
            Some(after) if after.labels.len() == before.labels.len() => {
                for (old, new) in before.labels.iter().zip(&after.labels) {
                    if old != new && !after.labels.contains(old) && !before.labels.contains(new) {
                        out.push(Candidate {
                            rename: Rename::EnumLabel {
                                enum_type: before.name.clone(),
                                from: old.clone(),
                                to: new.clone(),
                            },
                            score: 60 + similarity(old, new) / 5,
                        });
                    }
                }
            }
            Some(_) => {}
            None => {
                for after in to.enums.iter().filter(|e| {
                    e.labels == before.labels
                        && e.name.schema == before.name.schema
                        && !from.enums.iter().any(|f| f.name == e.name)
                }) {
                    out.push(Candidate {
                        rename: Rename::EnumType {
                            from: before.name.clone(),
                            to: after.name.clone(),
                        },
                        score: 80 + similarity(&before.name.name, &after.name.name) / 5,
                    });
                }
            }
        }
    }
    // Sequences with the same settings.
    for before in from
        .sequences
        .iter()
        .filter(|s| !to.sequences.iter().any(|t| t.name == s.name))
    {
        for after in to.sequences.iter().filter(|s| {
            s.name.schema == before.name.schema && !from.sequences.iter().any(|f| f.name == s.name)
        }) {
            let same = crate::schema::Sequence {
                name: after.name.clone(),
                ..before.clone()
            };
            if same == *after {
                out.push(Candidate {
                    rename: Rename::Sequence {
                        from: before.name.clone(),
                        to: after.name.clone(),
                    },
                    score: 70 + similarity(&before.name.name, &after.name.name) / 5,
                });
            }
        }
    }
    out.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.rename.cmp(&b.rename)));
    out
}

/// How alike two columns are, if one could be the other renamed: the same type or one that
/// takes every value (a rename with a widening), and the same identity and generation.
fn column_score(old: &Column, new: &Column, same_position: bool) -> Option<u8> {
    let same_type = old.ty == new.ty;
    if !same_type && !old.ty.widens_to(&new.ty) {
        return None;
    }
    if old.identity.is_some() != new.identity.is_some()
        || old.generated.is_some() != new.generated.is_some()
    {
        return None;
    }
    let mut score = if same_type { 40 } else { 25 };
    if old.nullable == new.nullable {
        score += 15;
    }
    if old.default == new.default {
        score += 15;
    }
    if same_position {
        score += 10;
    }
    score += similarity(&old.name, &new.name) / 5;
    Some(score)
}

/// 0 to 100: how much two names share (the longer of the common prefix and suffix, over the
/// longer name), so `full_name` / `display_name` share `_name`.
fn similarity(a: &str, b: &str) -> u8 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let longest = a.len().max(b.len()).max(1);
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (prefix.max(suffix).min(longest) * 100 / longest) as u8
}

/// The best candidate for each old object and each new one, one to one, best first: what
/// `--assume-renamed` takes.
pub fn best_renames(candidates: &[Candidate]) -> Vec<Rename> {
    let mut taken_from: Vec<(&'static str, String)> = Vec::new();
    let mut taken_to: Vec<(&'static str, String)> = Vec::new();
    let mut out = Vec::new();
    for candidate in candidates {
        let (old, new) = candidate.rename.names();
        let kind = candidate.rename.kind();
        if taken_from.contains(&(kind, old.clone())) || taken_to.contains(&(kind, new.clone())) {
            continue;
        }
        taken_from.push((kind, old));
        taken_to.push((kind, new));
        out.push(candidate.rename.clone());
    }
    out
}
