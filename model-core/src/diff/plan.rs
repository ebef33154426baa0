//! The planner: the order operations run in, decided from the operations alone.
//!
//! Comparators (one module per object kind) say *what* changes; they emit operations in any
//! order. This pass gives each operation its [`Stage`] from what it does (and, where the
//! same kind of operation belongs to two places, from its own fields: a partition detached
//! before the tables change, attached after), then orders them by stage, keeping the
//! comparators' order within a stage (a table before the tables referencing it, a view
//! before the views reading it). A new kind of object adds its operations here and nowhere
//! else in the ordering.

use super::Op;
use crate::schema::Other;

/// Where an operation runs, in execution order: everything that depends on what changes goes
/// first, then types, then tables and their parts, then what depends on them, then what is
/// no longer needed, outermost last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Stage {
    /// Schemas and extensions that the rest needs.
    Schemas,
    /// Views, triggers, policies, rules and the like over what changes: dropped first.
    DropDependents,
    /// Enum, domain, composite and range types, collations, foreign-data objects,
    /// sequences and functions (with bodies checked later): created or changed.
    Types,
    /// Foreign keys that go or are rebuilt.
    DropForeignKeys,
    /// Keys, checks, exclusions and indexes that go or are rebuilt.
    DropConstraints,
    /// Tables that go.
    DropTables,
    /// Columns that go.
    DropColumns,
    /// Defaults that must go before a type change or before the sequence they read.
    ClearDefaults,
    /// Standalone sequences that go (before an identity takes the name).
    DropSequences,
    /// Tables and columns created or changed.
    TablesAndColumns,
    /// Keys, checks, exclusions and indexes.
    AddConstraints,
    /// Indexes of partitioned tables, after their partitions' own, which they attach.
    AddPartitionedIndexes,
    /// Foreign keys (and constraints validated).
    AddForeignKeys,
    /// Functions whose SQL-standard bodies PostgreSQL parses when they are created.
    StandardFunctions,
    /// Table properties, comments, grants, partitions attached, parents gained.
    Properties,
    /// Views, triggers, policies, rules and the like created again or anew.
    CreateDependents,
    /// Functions that go.
    DropFunctions,
    /// Types that go (dependents before what they are over).
    DropTypes,
    /// Enum types that go (after the domains and composite types over them).
    DropEnums,
    /// Extensions that go.
    DropExtensions,
    /// Schemas that go.
    DropSchemas,
}

/// An operation as a comparator emits it, with what the planner cannot see in the operation
/// itself: whether it is one half of a replacement (a type or function dropped to be created
/// again at once), or a default cleared early.
pub(super) struct Emitted {
    pub(super) op: Op,
    pub(super) hint: Hint,
}

/// What a comparator knows that the operation does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hint {
    /// Nothing: the stage follows from the operation.
    None,
    /// The drop half of a drop-and-create: runs where the creation does.
    Replaced,
    /// A default cleared before a type changes or a sequence goes.
    Early,
    /// Runs with the objects that depend on what changes (dropped first).
    Before,
    /// An index of a partitioned table: after its partitions' own indexes.
    Partitioned,
}

fn is_type(o: &Other) -> bool {
    !matches!(
        o.kind.as_str(),
        "rule" | "event trigger" | "publication" | "default privileges" | "aggregate"
    )
}

/// The stage of `op`.
pub(super) fn stage(op: &Op, hint: Hint) -> Stage {
    use Stage::*;
    if hint == Hint::Early {
        return ClearDefaults;
    }
    if hint == Hint::Before {
        return DropDependents;
    }
    if hint == Hint::Partitioned {
        return AddPartitionedIndexes;
    }
    match op {
        Op::CreateSchema { .. } | Op::CreateExtension(_) | Op::AlterExtension { .. } => Schemas,
        Op::DropSchema { .. } => DropSchemas,
        Op::DropExtension(_) => DropExtensions,
        Op::CreateEnum(_)
        | Op::AddEnumValue { .. }
        | Op::RebuildEnum { .. }
        | Op::CreateSequence(_)
        | Op::AlterSequence { .. }
        | Op::AlterOther { .. } => Types,
        Op::DropEnum(_) => DropEnums,
        Op::DropSequence(_) => DropSequences,
        Op::SetSequenceOwner { to: None, .. } => DropDependents,
        Op::SetSequenceOwner { .. } => Properties,
        Op::CreateTable { .. }
        | Op::AddColumn { .. }
        | Op::AlterColumnType { .. }
        | Op::SetNullable { .. }
        | Op::AlterNotNull { .. }
        | Op::SetGeneratedExpression { .. }
        | Op::SetDefault { .. }
        | Op::AddIdentity { .. }
        | Op::DropIdentity { .. }
        | Op::AlterIdentity { .. } => TablesAndColumns,
        Op::DropTable(_) => DropTables,
        Op::DropColumn { .. } => DropColumns,
        Op::AddPrimaryKey { .. }
        | Op::AddUnique { .. }
        | Op::AddCheck { .. }
        | Op::AddExclusion { .. }
        | Op::CreateIndex { .. } => AddConstraints,
        Op::DropPrimaryKey { .. }
        | Op::DropUnique { .. }
        | Op::DropCheck { .. }
        | Op::DropExclusion { .. }
        | Op::DropIndex { .. } => DropConstraints,
        Op::AddForeignKey { .. } | Op::SetConstraintValid { .. } => AddForeignKeys,
        Op::DropForeignKey { .. } => DropForeignKeys,
        Op::CreateFunction(f) | Op::ReplaceFunction { to: f, .. } if f.standard_body() => {
            StandardFunctions
        }
        Op::CreateFunction(_) | Op::ReplaceFunction { .. } => Types,
        Op::DropFunction(_) if hint == Hint::Replaced => Types,
        Op::DropFunction(_) => DropFunctions,
        Op::CreateView(_) | Op::ReplaceView { .. } | Op::CreateTrigger(_) | Op::CreatePolicy(_) => {
            CreateDependents
        }
        Op::DropView(_) | Op::DropTrigger(_) | Op::DropPolicy(_) => DropDependents,
        Op::SetPartitionOf { to: None, .. } => DropDependents,
        Op::SetRowLevelSecurity { .. }
        | Op::SetGrants { .. }
        | Op::SetOptions { .. }
        | Op::SetUnlogged { .. }
        | Op::SetReplicaIdentity { .. }
        | Op::SetTriggerEnabled { .. }
        | Op::RefreshMaterializedView { .. }
        | Op::SetPartitionOf { .. }
        | Op::SetInherits { .. }
        | Op::SetSchemaComment { .. }
        | Op::SetTableComment { .. }
        | Op::SetColumnComment { .. }
        | Op::SetColumnStorage { .. }
        | Op::SetColumnStatistics { .. }
        | Op::SetOwner { .. } => Properties,
        Op::CreateOther(o) if o.kind == "aggregate" => StandardFunctions,
        Op::CreateOther(o) if is_type(o) => Types,
        Op::CreateOther(_) => CreateDependents,
        Op::DropOther(o) if is_type(o) && hint == Hint::Replaced => Types,
        Op::DropOther(o) if is_type(o) => DropTypes,
        Op::DropOther(_) => DropDependents,
        Op::Rename { .. } => Schemas,
    }
}

/// The operations in execution order: by stage, in emission order within one.
pub(super) fn order(emitted: Vec<Emitted>) -> Vec<Op> {
    let mut staged: Vec<(Stage, usize, Op)> = emitted
        .into_iter()
        .enumerate()
        .map(|(i, e)| (stage(&e.op, e.hint), i, e.op))
        .collect();
    staged.sort_by_key(|(stage, i, _)| (*stage, *i));
    staged.into_iter().map(|(_, _, op)| op).collect()
}
