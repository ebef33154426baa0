//! Operations: what a migration does, as plain data. Each carries what its inverse needs, so
//! a downgrade is the upgrade's inverses in reverse order.

use super::renames::Rename;
use crate::kinds::{Change, KindChange};
use crate::schema::{
    Column, EnumType, Identity, NotNull, PartitionOf, ReplicaIdentity, SqlType, Table, TableName,
    Trigger, TriggerEnabled,
};

impl<T> From<Change<T>> for Op
where
    KindChange: From<Change<T>>,
{
    fn from(change: Change<T>) -> Self {
        Op::Kind(KindChange::from(change))
    }
}

/// One schema change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// A change of a kind that has a room of its own in [`crate::kinds`] (extensions,
    /// triggers, policies, …): everything about it is answered there.
    Kind(KindChange),
    /// `CREATE SCHEMA IF NOT EXISTS`.
    CreateSchema {
        name: String,
        grants: Vec<crate::schema::Grant>,
    },
    /// `DROP SCHEMA` (only as the inverse of a creation).
    DropSchema {
        name: String,
        grants: Vec<crate::schema::Grant>,
    },
    /// `CREATE TYPE … AS ENUM`.
    CreateEnum(EnumType),
    /// `DROP TYPE`.
    DropEnum(EnumType),
    /// `ALTER TYPE … ADD VALUE`; `from` and `to` are the type before and after.
    AddEnumValue {
        from: EnumType,
        to: EnumType,
        value: String,
        columns: Vec<EnumColumn>,
        /// What the inverse rebuild must drop and create again (see `RebuildEnum`).
        dependents: Vec<Op>,
    },
    /// Labels removed or reordered: rename the old type, create the new one, move every column
    /// over through `text`, drop the old type.
    RebuildEnum {
        from: EnumType,
        to: EnumType,
        columns: Vec<EnumColumn>,
        /// Indexes and checks that stay the same but spell a value of the type
        /// (`WHERE status <> 'void'::status`): PostgreSQL cannot re-parse them while the
        /// columns move to the new type, so they are dropped first and created again after,
        /// as these creation operations say.
        dependents: Vec<Op>,
    },
    /// `CREATE TABLE` with its inline constraints (and the foreign keys that can be inline),
    /// comments included. `recreated` marks the inverse of a drop: the data is not restored.
    CreateTable { table: Table, recreated: bool },
    /// `DROP TABLE`.
    DropTable(Table),
    /// `ADD COLUMN`.
    AddColumn {
        table: TableName,
        column: Column,
        recreated: bool,
    },
    /// `DROP COLUMN`.
    DropColumn { table: TableName, column: Column },
    /// `ALTER COLUMN … TYPE … [COLLATE …] USING …`.
    AlterColumnType {
        table: TableName,
        column: String,
        from: ColumnType,
        to: ColumnType,
    },
    /// `SET NOT NULL` / `DROP NOT NULL`; made NOT NULL, with the constraint's attributes
    /// (PostgreSQL 18: its name, `NOT VALID`, `NO INHERIT`).
    SetNullable {
        table: TableName,
        column: String,
        nullable: bool,
        not_null: NotNull,
    },
    /// A NOT NULL constraint that stays, with other attributes (PostgreSQL 18): renamed,
    /// validated, made `NOT VALID` again, or its `NO INHERIT` changed.
    AlterNotNull {
        table: TableName,
        column: String,
        from: NotNull,
        to: NotNull,
    },
    /// `ALTER COLUMN … SET EXPRESSION AS (…)` (PostgreSQL 17): a generated column's
    /// expression, its place in the table kept.
    SetGeneratedExpression {
        table: TableName,
        column: String,
        from: String,
        to: String,
        /// A virtual column (PostgreSQL 18): nothing stored is computed again.
        virtual_generated: bool,
    },
    /// `SET DEFAULT` / `DROP DEFAULT`.
    SetDefault {
        table: TableName,
        column: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// `ADD GENERATED … AS IDENTITY`.
    AddIdentity {
        table: TableName,
        column: String,
        identity: Identity,
    },
    /// `DROP IDENTITY`.
    DropIdentity {
        table: TableName,
        column: String,
        identity: Identity,
    },
    /// `SET GENERATED …` / `SET START` / `SET INCREMENT`.
    AlterIdentity {
        table: TableName,
        column: String,
        from: Identity,
        to: Identity,
    },
    /// `ENABLE` / `DISABLE` / `FORCE` / `NO FORCE ROW LEVEL SECURITY`; (enabled, forced).
    SetRowLevelSecurity {
        table: TableName,
        from: (bool, bool),
        to: (bool, bool),
    },
    /// `ALTER TABLE|INDEX|MATERIALIZED VIEW … SET (…)` / `RESET (…)`: storage parameters.
    SetOptions {
        relation: Relation,
        from: Vec<String>,
        to: Vec<String>,
    },
    /// `ALTER TABLE … SET UNLOGGED` / `SET LOGGED` (rewrites the table).
    SetUnlogged { table: TableName, unlogged: bool },
    /// `ALTER TABLE … REPLICA IDENTITY …`.
    SetReplicaIdentity {
        table: TableName,
        from: ReplicaIdentity,
        to: ReplicaIdentity,
    },
    /// `ALTER TABLE … ENABLE/DISABLE [REPLICA|ALWAYS] TRIGGER`.
    SetTriggerEnabled {
        trigger: Trigger,
        from: TriggerEnabled,
        to: TriggerEnabled,
    },
    /// `REFRESH MATERIALIZED VIEW … [WITH NO DATA]`: a view created `WITH NO DATA` filled, or
    /// emptied.
    RefreshMaterializedView { view: TableName, populated: bool },
    /// `ALTER TABLE parent ATTACH PARTITION table …` / `DETACH PARTITION`: one side is
    /// `None` (a partition moved or re-bounded is detached early and attached late).
    SetPartitionOf {
        table: TableName,
        from: Option<PartitionOf>,
        to: Option<PartitionOf>,
    },
    /// `ALTER TABLE … INHERIT parent` / `NO INHERIT parent`.
    SetInherits {
        table: TableName,
        from: Vec<TableName>,
        to: Vec<TableName>,
    },
    /// `ALTER COLUMN … SET STORAGE`; `None` is the type's own storage, which the server
    /// names `DEFAULT` from PostgreSQL 16 (`keyword_default`) and must be looked up before.
    SetColumnStorage {
        table: TableName,
        column: String,
        from: Option<String>,
        to: Option<String>,
        keyword_default: bool,
    },
    /// `ALTER COLUMN … SET STATISTICS`; `None` is the server's `default_statistics_target`.
    SetColumnStatistics {
        table: TableName,
        column: String,
        from: Option<i32>,
        to: Option<i32>,
    },
    /// `ALTER … RENAME`: a declared rename (see [`Rename`]).
    Rename {
        rename: Rename,
        /// A view's rename: whether it is materialized.
        materialized: bool,
        /// A function's rename: the arguments of each overload.
        arguments: Vec<String>,
    },
}

/// A relation with storage parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// `TABLE`, `INDEX` or `MATERIALIZED VIEW`.
    pub kind: &'static str,
    /// Its qualified name (an index's schema is its table's).
    pub name: TableName,
}

/// A column's type and collation, which change together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    /// The type.
    pub ty: SqlType,
    /// `COLLATE`, when not the type's default.
    pub collation: Option<String>,
    /// The type is an enum (or an array of one): PostgreSQL has no cast between it and
    /// another type but through `text`.
    pub user_enum: bool,
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

impl Op {
    /// The operation that undoes this one.
    pub fn inverse(&self) -> Op {
        match self.clone() {
            Op::Rename {
                rename,
                materialized,
                arguments,
            } => Op::Rename {
                rename: rename.reversed(),
                materialized,
                arguments,
            },
            Op::CreateSchema { name, grants } => Op::DropSchema { name, grants },
            Op::DropSchema { name, grants } => Op::CreateSchema { name, grants },
            Op::CreateEnum(e) => Op::DropEnum(e),
            Op::DropEnum(e) => Op::CreateEnum(e),
            // PostgreSQL cannot remove a label; undoing an addition rebuilds the type.
            Op::AddEnumValue {
                from,
                to,
                columns,
                dependents,
                ..
            } => Op::RebuildEnum {
                from: to,
                to: from,
                columns: swap_defaults(columns),
                dependents,
            },
            Op::RebuildEnum {
                from,
                to,
                columns,
                dependents,
            } => Op::RebuildEnum {
                from: to,
                to: from,
                columns: swap_defaults(columns),
                dependents,
            },
            Op::CreateTable { table, .. } => Op::DropTable(table),
            Op::DropTable(table) => Op::CreateTable {
                table,
                recreated: true,
            },
            Op::AddColumn { table, column, .. } => Op::DropColumn { table, column },
            Op::DropColumn { table, column } => Op::AddColumn {
                table,
                column,
                recreated: true,
            },
            Op::AlterColumnType {
                table,
                column,
                from,
                to,
            } => Op::AlterColumnType {
                table,
                column,
                from: to,
                to: from,
            },
            Op::SetNullable {
                table,
                column,
                nullable,
                not_null,
            } => Op::SetNullable {
                table,
                column,
                nullable: !nullable,
                not_null,
            },
            Op::AlterNotNull {
                table,
                column,
                from,
                to,
            } => Op::AlterNotNull {
                table,
                column,
                from: to,
                to: from,
            },
            Op::SetGeneratedExpression {
                table,
                column,
                from,
                to,
                virtual_generated,
            } => Op::SetGeneratedExpression {
                table,
                column,
                from: to,
                to: from,
                virtual_generated,
            },
            Op::SetDefault {
                table,
                column,
                from,
                to,
            } => Op::SetDefault {
                table,
                column,
                from: to,
                to: from,
            },
            Op::AddIdentity {
                table,
                column,
                identity,
            } => Op::DropIdentity {
                table,
                column,
                identity,
            },
            Op::DropIdentity {
                table,
                column,
                identity,
            } => Op::AddIdentity {
                table,
                column,
                identity,
            },
            Op::AlterIdentity {
                table,
                column,
                from,
                to,
            } => Op::AlterIdentity {
                table,
                column,
                from: to,
                to: from,
            },
            Op::SetPartitionOf { table, from, to } => Op::SetPartitionOf {
                table,
                from: to,
                to: from,
            },
            Op::SetInherits { table, from, to } => Op::SetInherits {
                table,
                from: to,
                to: from,
            },
            Op::SetOptions { relation, from, to } => Op::SetOptions {
                relation,
                from: to,
                to: from,
            },
            Op::SetUnlogged { table, unlogged } => Op::SetUnlogged {
                table,
                unlogged: !unlogged,
            },
            Op::SetReplicaIdentity { table, from, to } => Op::SetReplicaIdentity {
                table,
                from: to,
                to: from,
            },
            Op::SetTriggerEnabled { trigger, from, to } => Op::SetTriggerEnabled {
                trigger,
                from: to,
                to: from,
            },
            Op::RefreshMaterializedView { view, populated } => Op::RefreshMaterializedView {
                view,
                populated: !populated,
            },
            Op::Kind(c) => Op::Kind(c.inverse()),
            Op::SetRowLevelSecurity { table, from, to } => Op::SetRowLevelSecurity {
                table,
                from: to,
                to: from,
            },
            Op::SetColumnStorage {
                table,
                column,
                from,
                to,
                keyword_default,
            } => Op::SetColumnStorage {
                table,
                column,
                from: to,
                to: from,
                keyword_default,
            },
            Op::SetColumnStatistics {
                table,
                column,
                from,
                to,
            } => Op::SetColumnStatistics {
                table,
                column,
                from: to,
                to: from,
            },
        }
    }

    /// Whether the operation can lose data or state (see [`Self::destruction`]).
    pub fn is_destructive(&self) -> bool {
        self.destruction().is_some()
    }

    /// What the operation destroys, if anything: rows (a dropped table), values (a dropped
    /// column, a narrowing type change), labels, a sequence's position (a dropped sequence
    /// or identity), a materialized view's contents, a type, an extension's objects.
    pub fn destruction(&self) -> Option<String> {
        match self {
            Op::DropTable(table) => Some(format!("drops table {} and all its rows", table.name)),
            Op::DropColumn { table, column } => Some(format!(
                "drops column {table}.{} and its values",
                column.name
            )),
            Op::AlterColumnType {
                table,
                column,
                from,
                to,
            } if !from.ty.widens_to(&to.ty) => Some(format!(
                "changes {table}.{column} from {} to {}; values that do not convert make this fail or are changed",
                from.ty, to.ty
            )),
            Op::RebuildEnum { from, to, .. } => {
                let removed: Vec<String> = from
                    .labels
                    .iter()
                    .filter(|l| !to.labels.contains(l))
                    .map(|l| crate::sql::quote_literal(l))
                    .collect();
                (!removed.is_empty()).then(|| format!(
                    "removes label(s) {} from {}; PostgreSQL cannot drop a label, so the type is rebuilt, and rows holding a removed label make this fail",
                    removed.join(", "),
                    to.name
                ))
            }
            Op::DropEnum(e) => Some(format!("drops enum type {} and its labels", e.name)),
            Op::Kind(c) => c.destruction(),
            Op::DropIdentity { table, column, .. } => Some(format!(
                "drops the identity of {table}.{column} and its sequence's current value"
            )),
            Op::RefreshMaterializedView {
                view,
                populated: false,
            } => Some(format!("empties materialized view {view} (WITH NO DATA)")),
            _ => None,
        }
    }

    /// One line per change the operation makes, in Alembic's words: `describe()` first, then,
    /// for a new table, each foreign key, unique, check and exclusion constraint and index it is
    /// created with (in the script's order), so the console summary matches the script.
    pub fn describe_all(&self) -> Vec<String> {
        let mut out = vec![self.describe()];
        if let Op::CreateTable { table, .. } = self {
            let name = &table.name;
            for fk in &table.foreign_keys {
                out.push(format!(
                    "added foreign key '{}' on '{name}' ({}) referencing '{}'",
                    fk.name,
                    fk.columns.join(", "),
                    fk.references
                ));
            }
            for unique in &table.uniques {
                out.push(format!(
                    "added unique constraint '{}' on '{name}' ({})",
                    unique.name,
                    unique.columns.join(", ")
                ));
            }
            for check in &table.checks {
                out.push(format!(
                    "added check constraint '{}' on '{name}'",
                    check.name
                ));
            }
            for exclusion in &table.exclusions {
                out.push(format!(
                    "added exclusion constraint '{}' on '{name}'",
                    exclusion.name
                ));
            }
            for index in &table.indexes {
                out.push(format!("added index '{}' on '{name}'", index.name));
            }
        }
        out
    }

    /// A one-line description in Alembic's words (`Detected added table 'orders'`).
    pub fn describe(&self) -> String {
        match self {
            Op::Rename { rename, .. } => {
                let (from, to) = rename.names();
                format!("renamed {} '{from}' to '{to}'", rename.kind())
            }
            Op::CreateSchema { name, .. } => format!("added schema '{name}'"),
            Op::DropSchema { name, .. } => format!("removed schema '{name}'"),
            Op::CreateEnum(e) => format!("added enum '{}'", e.name),
            Op::DropEnum(e) => format!("removed enum '{}'", e.name),
            Op::AddEnumValue { to, value, .. } => {
                format!("added value '{value}' to enum '{}'", to.name)
            }
            Op::RebuildEnum { to, .. } => format!("changed labels of enum '{}'", to.name),
            Op::CreateTable { table, .. } => format!("added table '{}'", table.name),
            Op::DropTable(table) => format!("removed table '{}'", table.name),
            Op::AddColumn { table, column, .. } => {
                format!("added column '{table}.{}'", column.name)
            }
            Op::DropColumn { table, column } => format!("removed column '{table}.{}'", column.name),
            Op::AlterColumnType {
                table,
                column,
                from,
                to,
            } => {
                format!(
                    "type change from {} to {} on '{table}.{column}'",
                    from.ty, to.ty
                )
            }
            Op::SetNullable {
                table,
                column,
                nullable,
                ..
            } => {
                format!(
                    "{} on '{table}.{column}'",
                    if *nullable {
                        "NULL allowed"
                    } else {
                        "NOT NULL"
                    }
                )
            }
            Op::AlterNotNull {
                table, column, to, ..
            } => {
                format!(
                    "NOT NULL constraint '{}' changed on '{table}.{column}'",
                    to.name_on(table, column)
                )
            }
            Op::SetGeneratedExpression { table, column, .. } => {
                format!("generation expression changed on '{table}.{column}'")
            }
            Op::SetDefault { table, column, .. } => {
                format!("server default changed on '{table}.{column}'")
            }
            Op::AddIdentity { table, column, .. } => {
                format!("added identity on '{table}.{column}'")
            }
            Op::DropIdentity { table, column, .. } => {
                format!("removed identity on '{table}.{column}'")
            }
            Op::AlterIdentity { table, column, .. } => {
                format!("changed identity on '{table}.{column}'")
            }
            Op::SetPartitionOf {
                table, to: Some(p), ..
            } => format!("attached '{table}' to '{}' {}", p.parent, p.bound),
            Op::SetPartitionOf {
                table,
                from: Some(p),
                ..
            } => format!("detached '{table}' from '{}'", p.parent),
            Op::SetPartitionOf { table, .. } => format!("partition '{table}' unchanged"),
            Op::SetInherits { table, .. } => format!("changed the parents of '{table}'"),
            Op::SetOptions { relation, .. } => format!(
                "changed storage parameters of {} '{}'",
                relation.kind.to_lowercase(),
                relation.name
            ),
            Op::SetUnlogged {
                table,
                unlogged: true,
            } => format!("table '{table}' made UNLOGGED"),
            Op::SetUnlogged { table, .. } => format!("table '{table}' made LOGGED"),
            Op::SetReplicaIdentity { table, to, .. } => {
                format!("replica identity of '{table}' set to {}", to.sql())
            }
            Op::SetTriggerEnabled { trigger, to, .. } => format!(
                "trigger '{}' on '{}' set to {}",
                trigger.name,
                trigger.table,
                to.sql()
            ),
            Op::RefreshMaterializedView {
                view,
                populated: true,
            } => format!("refreshed materialized view '{view}'"),
            Op::RefreshMaterializedView { view, .. } => {
                format!("emptied materialized view '{view}' (WITH NO DATA)")
            }
            Op::Kind(c) => c.describe(),
            Op::SetRowLevelSecurity { table, to, .. } => {
                format!(
                    "row level security {} on '{table}'",
                    if to.0 { "enabled" } else { "disabled" }
                )
            }
            Op::SetColumnStorage { table, column, .. } => {
                format!("changed storage of column '{table}.{column}'")
            }
            Op::SetColumnStatistics { table, column, .. } => {
                format!("changed statistics target of column '{table}.{column}'")
            }
        }
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
