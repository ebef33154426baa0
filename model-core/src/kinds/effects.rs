//! What a change does to a live database besides its effect: the risks it runs (hazards) and
//! the table locks it takes. Each kind says them of its own changes.

use std::fmt;

use crate::schema::TableName;

/// One risk of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hazard {
    /// What kind of risk.
    pub kind: HazardKind,
    /// The table (or materialized view) concerned, when there is one.
    pub relation: Option<TableName>,
}

/// Kinds of risk, the gravest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HazardKind {
    /// Rewrites the whole table under `ACCESS EXCLUSIVE`: nobody reads or writes it meanwhile.
    Rewrite,
    /// Reads the whole table under `ACCESS EXCLUSIVE` (to check rows): nobody reads or writes
    /// it meanwhile.
    ScanExclusive,
    /// Reads the whole table (and the one referenced) under a lock that blocks writes.
    ScanBlocksWrites,
    /// Builds an index under a lock that blocks writes (`ACCESS EXCLUSIVE` for a constraint).
    BuildsIndex,
    /// May fail on the rows already there (NOT NULL, unique, check, foreign key, cast).
    MayFail,
    /// Takes `ACCESS EXCLUSIVE` briefly: it waits for every running query on the table, and
    /// every query after it waits for it.
    BriefExclusive,
    /// Changes who may do what.
    Privileges,
    /// Upgrades an extension (its script runs whatever it runs).
    ExtensionUpgrade,
}

impl fmt::Display for Hazard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on = self
            .relation
            .as_ref()
            .map(|r| format!(" {r}"))
            .unwrap_or_default();
        match self.kind {
            HazardKind::Rewrite => write!(f, "rewrites{on} under ACCESS EXCLUSIVE (no reads or writes until done)"),
            HazardKind::ScanExclusive => write!(f, "scans{on} under ACCESS EXCLUSIVE (no reads or writes until done)"),
            HazardKind::ScanBlocksWrites => write!(f, "scans{on} while blocking its writes"),
            HazardKind::BuildsIndex => write!(f, "builds an index on{on} while blocking its writes"),
            HazardKind::MayFail => write!(f, "may fail on rows already in{on}"),
            HazardKind::BriefExclusive => write!(f, "takes ACCESS EXCLUSIVE on{on} briefly (waits behind running queries, and queries wait behind it)"),
            HazardKind::Privileges => write!(f, "changes privileges{}", if on.is_empty() { String::new() } else { format!(" on{on}") }),
            HazardKind::ExtensionUpgrade => write!(f, "upgrades an extension (runs its update script)"),
        }
    }
}

pub(crate) fn hazard(kind: HazardKind, relation: &TableName) -> Hazard {
    Hazard {
        kind,
        relation: Some(relation.clone()),
    }
}

/// PostgreSQL's table lock modes, the weakest first (`pg_locks.mode` without `Lock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockMode {
    /// As `pg_locks.mode` spells it: `AccessExclusiveLock`.
    pub fn pg_locks_name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "AccessShareLock",
            LockMode::RowShare => "RowShareLock",
            LockMode::RowExclusive => "RowExclusiveLock",
            LockMode::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockMode::Share => "ShareLock",
            LockMode::ShareRowExclusive => "ShareRowExclusiveLock",
            LockMode::Exclusive => "ExclusiveLock",
            LockMode::AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// Whether a session holding this lock blocks others' `INSERT`, `UPDATE` and `DELETE`.
    pub fn blocks_writes(self) -> bool {
        self >= LockMode::Share
    }

    /// Whether it blocks even `SELECT`.
    pub fn blocks_reads(self) -> bool {
        self == LockMode::AccessExclusive
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        };
        f.write_str(name)
    }
}

/// The strongest lock a statement takes on one existing relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// The lock mode.
    pub mode: LockMode,
    /// The table (or materialized view).
    pub relation: TableName,
}

impl fmt::Display for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.mode, self.relation)
    }
}

pub(crate) fn lock(mode: LockMode, relation: &TableName) -> Lock {
    Lock {
        mode,
        relation: relation.clone(),
    }
}
