//! Tables: created or dropped whole ([`WholeTable`], a new one with everything it is created
//! with), and the settings of tables that stay, each changed in place ([`TableSetting`]):
//! row-level security, storage parameters (of a table, an index or a materialized view),
//! `UNLOGGED`, replica identity, the partition a table is of, and the parents it inherits
//! from.

use super::column::column_settings;
use super::ddl::{comments, create_index, create_table, not_valid_constraints, option, option_key};
use super::grant::grants;
use super::{hazard, lock, Change, Hazard, HazardKind, Hint, Kind, Lock, LockMode, Stage};
use crate::schema::{qualified, PartitionOf, ReplicaIdentity, Table, TableName};

/// A table created or dropped whole: its columns, keys, constraints (the foreign keys that can
/// be written inline), indexes, settings, comments and privileges with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WholeTable {
    /// The table (boxed: the largest part of any operation).
    pub table: Box<Table>,
    /// Created again by a downgrade that undoes its drop: its rows are not restored.
    pub recreated: bool,
}

impl WholeTable {
    /// `table`, as the diff creates or drops it.
    pub fn new(table: Table) -> WholeTable {
        WholeTable {
            table: Box::new(table),
            recreated: false,
        }
    }
}

impl Kind for WholeTable {
    fn statements(change: &Change<Self>) -> Vec<String> {
        let drop = |x: &WholeTable| format!("DROP TABLE {}", qualified(&x.table.name));
        match change {
            Change::Create(x) => create(&x.table),
            Change::Drop(x) => vec![drop(x)],
            // Never made by the diff (a table that stays changes in parts); whole, it is
            // replaced.
            Change::Alter { from, to } => std::iter::once(drop(from))
                .chain(create(&to.table))
                .collect(),
        }
    }

    fn notes(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(x) if x.recreated => vec![format!(
                "recreates table {} as it was; its rows are not restored",
                x.table.name
            )],
            _ => Vec::new(),
        }
    }

    fn describe(change: &Change<Self>) -> String {
        let name = &change.subject().table.name;
        match change {
            Change::Drop(_) => format!("removed table '{name}'"),
            Change::Create(_) => format!("added table '{name}'"),
            Change::Alter { .. } => format!("replaced table '{name}'"),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Drop(_) => Stage::DropTables,
            Change::Create(_) | Change::Alter { .. } => Stage::TablesAndColumns,
        }
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }

    fn destruction(change: &Change<Self>) -> Option<String> {
        match change {
            Change::Drop(x) | Change::Alter { from: x, .. } => {
                Some(format!("drops table {} and all its rows", x.table.name))
            }
            Change::Create(_) => None,
        }
    }

    /// A table dropped comes back empty: its creation says so.
    fn inverse(change: &Change<Self>) -> Change<Self> {
        change.inverse_marking(|x, recreated| x.recreated = recreated)
    }
}

/// The lock `SET (…)` / `RESET (…)` of a table's or materialized view's storage parameters
/// takes: SHARE UPDATE EXCLUSIVE for all of them (fillfactor, autovacuum and toast settings,
/// parallel_workers, toast_tuple_target, the vacuum options) but `user_catalog_table`, which
/// takes ACCESS EXCLUSIVE (PostgreSQL's reloptions.c gives each its lock).
fn parameters_lock((from, to): (&TableOption, &TableOption)) -> LockMode {
    let options = |o: &TableOption| match o {
        TableOption::Parameters { options, .. } => options.clone(),
        _ => Vec::new(),
    };
    let (had, wants) = (options(from), options(to));
    let catalog = |p: &&String| {
        p.split_once('=')
            .map_or(p.as_str(), |(name, _)| name)
            .trim()
            == "user_catalog_table"
    };
    let mut changed = had
        .iter()
        .filter(|p| !wants.contains(p))
        .chain(wants.iter().filter(|p| !had.contains(p)));
    match changed.any(|p| catalog(&p)) {
        true => LockMode::AccessExclusive,
        false => LockMode::ShareUpdateExclusive,
    }
}

/// `CREATE TABLE` and what a new table is created with.
fn create(table: &Table) -> Vec<String> {
    let mut out = vec![create_table(table)];
    out.extend(column_settings(&table.name, &table.columns));
    out.extend(not_valid_constraints(table));
    out.extend(table.indexes.iter().map(|i| create_index(&table.name, i)));
    if let Some(p) = &table.partition_of {
        out.push(attach_partition(&table.name, p));
    }
    if table.replica_identity != ReplicaIdentity::Default {
        out.push(format!(
            "ALTER TABLE {} REPLICA IDENTITY {}",
            qualified(&table.name),
            table.replica_identity.sql()
        ));
    }
    out.extend(comments(table));
    let name = qualified(&table.name);
    out.extend(row_level_security(
        &name,
        (false, false),
        (table.row_level_security, table.force_row_level_security),
    ));
    let object = format!("TABLE {name}");
    for grant in &table.grants {
        out.extend(grants(
            &object,
            None,
            &grant.grantee,
            &[],
            &grant.privileges,
        ));
    }
    for column in &table.columns {
        for grant in &column.grants {
            out.extend(grants(
                &object,
                Some(&column.name),
                &grant.grantee,
                &[],
                &grant.privileges,
            ));
        }
    }
    out
}

/// One setting of a table (or index or materialized view), as it is before or after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableOption {
    /// `ENABLE` / `DISABLE` / `FORCE` / `NO FORCE ROW LEVEL SECURITY`.
    RowLevelSecurity {
        /// Enabled.
        enabled: bool,
        /// Forced on the owner too.
        forced: bool,
    },
    /// Storage parameters (`SET (…)` / `RESET (…)`) of a `TABLE`, `INDEX` or
    /// `MATERIALIZED VIEW` (an index's schema is its table's).
    Parameters {
        /// `TABLE`, `INDEX` or `MATERIALIZED VIEW`.
        relation: &'static str,
        /// `name=value` each.
        options: Vec<String>,
    },
    /// `SET UNLOGGED` / `SET LOGGED` (rewrites the table).
    Unlogged(bool),
    /// `REPLICA IDENTITY …`.
    ReplicaIdentity(ReplicaIdentity),
    /// The partition it is of (`ATTACH PARTITION` / `DETACH PARTITION`): one side is `None`
    /// (a partition moved or re-bounded is detached early and attached late).
    PartitionOf(Option<PartitionOf>),
    /// The tables it inherits from (`INHERIT` / `NO INHERIT`).
    Inherits(Vec<TableName>),
}

/// One setting of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSetting {
    /// The table (or index, or materialized view).
    pub table: TableName,
    /// The setting.
    pub setting: TableOption,
}

impl TableSetting {
    /// The change of `table` from one setting to another of the same kind (the only changes
    /// of a setting the diff makes).
    pub fn change(table: &TableName, from: TableOption, to: TableOption) -> Change<Self> {
        let of = |setting| TableSetting {
            table: table.clone(),
            setting,
        };
        Change::Alter {
            from: of(from),
            to: of(to),
        }
    }

    /// The change of the storage parameters of `name`, a `TABLE`, `INDEX` or
    /// `MATERIALIZED VIEW`.
    pub fn parameters(
        relation: &'static str,
        name: &TableName,
        from: &[String],
        to: &[String],
    ) -> Change<Self> {
        let of = |options: &[String]| TableOption::Parameters {
            relation,
            options: options.to_vec(),
        };
        TableSetting::change(name, of(from), of(to))
    }

    /// The setting before and after (a setting is only ever changed).
    fn sides(change: &Change<Self>) -> (&TableOption, &TableOption) {
        let (from, to) = change.sides();
        (&from.setting, &to.setting)
    }
}

impl Kind for TableSetting {
    fn statements(change: &Change<Self>) -> Vec<String> {
        let table = &change.subject().table;
        let name = qualified(table);
        match TableSetting::sides(change) {
            (
                TableOption::RowLevelSecurity {
                    enabled: e0,
                    forced: f0,
                },
                TableOption::RowLevelSecurity { enabled, forced },
            ) => row_level_security(&name, (*e0, *f0), (*enabled, *forced)),
            (
                TableOption::Parameters { options: from, .. },
                TableOption::Parameters { relation, options },
            ) => parameters(relation, &name, from, options),
            (_, TableOption::Unlogged(unlogged)) => vec![format!(
                "ALTER TABLE {name} SET {}",
                if *unlogged { "UNLOGGED" } else { "LOGGED" }
            )],
            (_, TableOption::ReplicaIdentity(to)) => {
                vec![format!("ALTER TABLE {name} REPLICA IDENTITY {}", to.sql())]
            }
            (TableOption::PartitionOf(from), TableOption::PartitionOf(to)) => {
                let mut out = Vec::new();
                if let Some(p) = from {
                    out.push(format!(
                        "ALTER TABLE {} DETACH PARTITION {name}",
                        qualified(&p.parent)
                    ));
                }
                out.extend(to.iter().map(|p| attach_partition(table, p)));
                out
            }
            (TableOption::Inherits(from), TableOption::Inherits(to)) => {
                let mut out: Vec<String> = from
                    .iter()
                    .filter(|p| !to.contains(p))
                    .map(|p| format!("ALTER TABLE {name} NO INHERIT {}", qualified(p)))
                    .collect();
                out.extend(
                    to.iter()
                        .filter(|p| !from.contains(p))
                        .map(|p| format!("ALTER TABLE {name} INHERIT {}", qualified(p))),
                );
                out
            }
            // A setting changed into another kind: the diff never makes one.
            _ => Vec::new(),
        }
    }

    fn notes(change: &Change<Self>) -> Vec<String> {
        let table = &change.subject().table;
        match TableSetting::sides(change) {
            (_, TableOption::Unlogged(_)) => {
                vec![format!("rewrites {table} (the whole table is copied)")]
            }
            (_, TableOption::PartitionOf(Some(_))) => vec![format!(
                "scans {table} to check its rows fit the bound, unless a check constraint proves it"
            )],
            _ => Vec::new(),
        }
    }

    fn describe(change: &Change<Self>) -> String {
        let table = &change.subject().table;
        match TableSetting::sides(change) {
            (_, TableOption::RowLevelSecurity { enabled, .. }) => format!(
                "row level security {} on '{table}'",
                if *enabled { "enabled" } else { "disabled" }
            ),
            (_, TableOption::Parameters { relation, .. }) => format!(
                "changed storage parameters of {} '{table}'",
                relation.to_lowercase()
            ),
            (_, TableOption::Unlogged(true)) => format!("table '{table}' made UNLOGGED"),
            (_, TableOption::Unlogged(false)) => format!("table '{table}' made LOGGED"),
            (_, TableOption::ReplicaIdentity(to)) => {
                format!("replica identity of '{table}' set to {}", to.sql())
            }
            (_, TableOption::PartitionOf(Some(p))) => {
                format!("attached '{table}' to '{}' {}", p.parent, p.bound)
            }
            (TableOption::PartitionOf(Some(p)), _) => {
                format!("detached '{table}' from '{}'", p.parent)
            }
            (_, TableOption::PartitionOf(None)) => format!("partition '{table}' unchanged"),
            (_, TableOption::Inherits(_)) => format!("changed the parents of '{table}'"),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match TableSetting::sides(change) {
            // Detached before the tables change (attached again after, if it moves).
            (_, TableOption::PartitionOf(None)) => Stage::DropDependents,
            _ => Stage::Properties,
        }
    }

    fn locks(change: &Change<Self>) -> Vec<Lock> {
        let table = &change.subject().table;
        match change.subject().setting {
            TableOption::RowLevelSecurity { .. }
            | TableOption::Unlogged(_)
            | TableOption::ReplicaIdentity(_) => vec![lock(LockMode::AccessExclusive, table)],
            // An index's parameters lock the index, not its table.
            TableOption::Parameters {
                relation: "INDEX", ..
            } => Vec::new(),
            TableOption::Parameters { .. } => {
                vec![lock(parameters_lock(TableSetting::sides(change)), table)]
            }
            _ => Vec::new(),
        }
    }

    fn hazards(change: &Change<Self>) -> Vec<Hazard> {
        use HazardKind::*;
        let table = &change.subject().table;
        match TableSetting::sides(change) {
            (_, TableOption::RowLevelSecurity { .. }) => vec![Hazard {
                kind: Privileges,
                relation: Some(table.clone()),
            }],
            (_, TableOption::Parameters { .. }) => Vec::new(),
            (_, TableOption::Unlogged(_)) => vec![hazard(Rewrite, table)],
            (_, TableOption::PartitionOf(Some(p))) => {
                vec![hazard(ScanBlocksWrites, table), hazard(MayFail, &p.parent)]
            }
            _ => vec![hazard(BriefExclusive, table)],
        }
    }
}

/// `ALTER … SET (…)` and `RESET (…)` that take `name`'s storage parameters from `from` to
/// `to`.
fn parameters(relation: &str, name: &str, from: &[String], to: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let key = |o: &String| o.split('=').next().unwrap_or_default().to_string();
    let removed: Vec<String> = from
        .iter()
        .map(key)
        .filter(|k| !to.iter().any(|o| key(o) == *k))
        .collect();
    if !removed.is_empty() {
        let keys: Vec<String> = removed.iter().map(|k| option_key(k)).collect();
        out.push(format!(
            "ALTER {relation} {name} RESET ({})",
            keys.join(", ")
        ));
    }
    let set: Vec<&String> = to.iter().filter(|o| !from.contains(o)).collect();
    if !set.is_empty() {
        let set: Vec<String> = set.into_iter().map(|o| option(o)).collect();
        out.push(format!("ALTER {relation} {name} SET ({})", set.join(", ")));
    }
    out
}

/// `ALTER TABLE … ENABLE/DISABLE/FORCE/NO FORCE ROW LEVEL SECURITY` for (enabled, forced).
pub(crate) fn row_level_security(table: &str, from: (bool, bool), to: (bool, bool)) -> Vec<String> {
    let mut out = Vec::new();
    if from.0 != to.0 {
        out.push(format!(
            "ALTER TABLE {table} {} ROW LEVEL SECURITY",
            if to.0 { "ENABLE" } else { "DISABLE" }
        ));
    }
    if from.1 != to.1 {
        out.push(format!(
            "ALTER TABLE {table} {} ROW LEVEL SECURITY",
            if to.1 { "FORCE" } else { "NO FORCE" }
        ));
    }
    out
}

/// `ALTER TABLE ONLY parent ATTACH PARTITION table FOR VALUES …`: indexes and keys of the
/// partition that match the parent's are attached to them, as pg_dump relies on.
pub(crate) fn attach_partition(table: &TableName, p: &PartitionOf) -> String {
    format!(
        "ALTER TABLE ONLY {} ATTACH PARTITION {} {}",
        qualified(&p.parent),
        qualified(table),
        p.bound
    )
}
