//! Columns of tables that stay: added and dropped ([`TableColumn`]), and each of a column's
//! settings changed in place ([`ColumnSetting`]: its type, nullability, NOT NULL constraint,
//! generation expression, default, identity, storage and statistics target). A new table's
//! columns are part of its creation.

use super::{hazard, lock, Change, Hazard, HazardKind, Hint, Kind, Lock, LockMode, Stage};
use crate::kinds::ddl::{column_comment, column_definition, identity_clause};
use crate::schema::{qualified, Column, Identity, IdentityKind, NotNull, SqlType, TableName};
use crate::sql::{quote_ident, quote_literal};

/// A column and the table it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableColumn {
    /// The table.
    pub table: TableName,
    /// The column (boxed: the largest part of any operation).
    pub column: Box<Column>,
    /// Added back by a downgrade that undoes its drop: its values are not restored.
    pub recreated: bool,
}

impl TableColumn {
    /// `column` of `table`.
    pub fn new(table: &TableName, column: &Column) -> TableColumn {
        TableColumn {
            table: table.clone(),
            column: Box::new(column.clone()),
            recreated: false,
        }
    }
}

/// Whether a new column needs a value it cannot have in the rows already there.
fn needs_value(column: &Column) -> bool {
    !column.nullable
        && column.default.is_none()
        && column.identity.is_none()
        && column.generated.is_none()
}

impl Kind for TableColumn {
    fn statements(change: &Change<Self>) -> Vec<String> {
        let TableColumn { table, column, .. } = change.subject();
        let drop = || {
            format!(
                "ALTER TABLE {} DROP COLUMN {}",
                qualified(table),
                quote_ident(&column.name)
            )
        };
        let add = || {
            let mut out = vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                qualified(table),
                column_definition(column)
            )];
            if !column.nullable && column.not_null.not_valid {
                out.push(set_nullable(table, &column.name, false, &column.not_null));
            }
            out.extend(column_settings(table, std::slice::from_ref(column)));
            if let Some(comment) = &column.comment {
                out.push(column_comment(table, &column.name, Some(comment)));
            }
            out
        };
        match change {
            Change::Create(_) => add(),
            Change::Drop(_) => vec![drop()],
            Change::Alter { .. } => std::iter::once(drop()).chain(add()).collect(),
        }
    }

    fn notes(change: &Change<Self>) -> Vec<String> {
        let (Change::Create(x) | Change::Alter { to: x, .. }) = change else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if x.recreated {
            out.push(format!(
                "recreates column {}.{}; its values are not restored",
                x.table, x.column.name
            ));
        }
        if needs_value(&x.column) {
            out.push(format!(
                "NOT NULL without a default: fails if {} has rows",
                x.table
            ));
        }
        out
    }

    fn describe(change: &Change<Self>) -> String {
        let TableColumn { table, column, .. } = change.subject();
        match change {
            Change::Create(_) => format!("added column '{table}.{}'", column.name),
            Change::Drop(_) => format!("removed column '{table}.{}'", column.name),
            Change::Alter { .. } => format!("replaced column '{table}.{}'", column.name),
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change {
            Change::Drop(_) => Stage::DropColumns,
            Change::Create(_) | Change::Alter { .. } => Stage::TablesAndColumns,
        }
    }

    fn locks(change: &Change<Self>) -> Vec<Lock> {
        vec![lock(LockMode::AccessExclusive, &change.subject().table)]
    }

    fn hazards(change: &Change<Self>) -> Vec<Hazard> {
        use HazardKind::*;
        let TableColumn { table, column, .. } = change.subject();
        let Change::Create(_) = change else {
            return vec![hazard(BriefExclusive, table)];
        };
        let rewrites = column.generated.is_some()
            || column.identity.is_some()
            || column.default.as_deref().is_some_and(volatile_default);
        let mut out = vec![hazard(
            if rewrites { Rewrite } else { BriefExclusive },
            table,
        )];
        if needs_value(column) {
            out.push(hazard(MayFail, table));
        }
        out
    }

    fn destruction(change: &Change<Self>) -> Option<String> {
        let TableColumn { table, column, .. } = change.subject();
        match change {
            Change::Drop(_) | Change::Alter { .. } => Some(format!(
                "drops column {table}.{} and its values",
                column.name
            )),
            Change::Create(_) => None,
        }
    }

    /// A column dropped comes back empty: its creation says so.
    fn inverse(change: &Change<Self>) -> Change<Self> {
        change.inverse_marking(|x, recreated| x.recreated = recreated)
    }
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
    /// How the values convert when the column comes to this type, given by the project
    /// (`#[model(using = "...")]`): `USING` this expression instead of a cast.
    pub using: Option<String>,
}

/// One setting of a column that stays, as it is before or after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// Its type and collation (`ALTER COLUMN … TYPE … [COLLATE …] USING …`).
    Type(ColumnType),
    /// Whether it takes NULL (`SET NOT NULL` / `DROP NOT NULL`), with the attributes of the
    /// NOT NULL constraint made or dropped (PostgreSQL 18: its name, `NOT VALID`,
    /// `NO INHERIT`).
    Nullable {
        /// Takes NULL.
        nullable: bool,
        /// The constraint's attributes.
        not_null: NotNull,
    },
    /// The NOT NULL constraint of a column that stays NOT NULL (PostgreSQL 18): renamed,
    /// validated, made `NOT VALID` again, or its `NO INHERIT` changed.
    NotNull(NotNull),
    /// A generated column's expression (`SET EXPRESSION AS`, PostgreSQL 17), its place in
    /// the table kept.
    Expression {
        /// The expression.
        expression: String,
        /// A virtual column (PostgreSQL 18): nothing stored is computed again.
        virtual_generated: bool,
    },
    /// Its default (`SET DEFAULT` / `DROP DEFAULT`).
    Default(Option<String>),
    /// Its identity (`ADD GENERATED … AS IDENTITY`, `DROP IDENTITY`, `SET GENERATED …`).
    Identity(Option<Identity>),
    /// Its storage (`SET STORAGE`); `None` is the type's own, which the server names
    /// `DEFAULT` from PostgreSQL 16 (`keyword_default`) and must be looked up before.
    Storage {
        /// The strategy.
        storage: Option<String>,
        /// The server takes `SET STORAGE DEFAULT`.
        keyword_default: bool,
    },
    /// Its statistics target (`SET STATISTICS`); `None` is `default_statistics_target`.
    Statistics(Option<i32>),
}

/// One setting of one column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSetting {
    /// The table.
    pub table: TableName,
    /// The column.
    pub column: String,
    /// The setting.
    pub setting: Setting,
}

impl ColumnSetting {
    /// The change of `column` of `table` from one setting to another of the same kind (the
    /// only changes of a setting the diff makes).
    pub fn change(table: &TableName, column: &str, from: Setting, to: Setting) -> Change<Self> {
        let of = |setting| ColumnSetting {
            table: table.clone(),
            column: column.to_string(),
            setting,
        };
        Change::Alter {
            from: of(from),
            to: of(to),
        }
    }

    /// The setting before and after (a setting is only ever changed).
    fn sides(change: &Change<Self>) -> (&Setting, &Setting) {
        let (from, to) = change.sides();
        (&from.setting, &to.setting)
    }
}

impl Kind for ColumnSetting {
    fn statements(change: &Change<Self>) -> Vec<String> {
        let ColumnSetting { table, column, .. } = change.subject();
        let alter = |what: String| {
            format!(
                "ALTER TABLE {} ALTER COLUMN {} {what}",
                qualified(table),
                quote_ident(column)
            )
        };
        match ColumnSetting::sides(change) {
            (Setting::Type(from), Setting::Type(to)) => {
                vec![alter_type(&qualified(table), column, from, to)]
            }
            (_, Setting::Type(_)) => Vec::new(),
            (_, Setting::Nullable { nullable, not_null }) => {
                vec![set_nullable(table, column, *nullable, not_null)]
            }
            (Setting::NotNull(from), Setting::NotNull(to)) => {
                alter_not_null(table, column, from, to)
            }
            (_, Setting::NotNull(_)) => Vec::new(),
            (_, Setting::Expression { expression, .. }) => {
                vec![alter(format!("SET EXPRESSION AS ({expression})"))]
            }
            (_, Setting::Default(Some(default))) => vec![alter(format!("SET DEFAULT {default}"))],
            (_, Setting::Default(None)) => vec![alter("DROP DEFAULT".into())],
            (Setting::Identity(Some(from)), Setting::Identity(Some(to))) => {
                let mut out = Vec::new();
                if let Some((start, edge)) = identity_narrows(from, to) {
                    // PostgreSQL checks the sequence's position against the new bounds.
                    let sequence = format!(
                        "pg_catalog.pg_get_serial_sequence({}, {})",
                        quote_literal(&qualified(table)),
                        quote_literal(column)
                    );
                    out.push(super::sequence::move_into(
                        &sequence,
                        to.increment.unwrap_or(1) > 0,
                        start,
                        edge,
                    ));
                }
                out.push(alter(alter_identity(from, to)));
                out
            }
            (_, Setting::Identity(Some(identity))) => add_identity(table, column, identity),
            (_, Setting::Identity(None)) => vec![alter("DROP IDENTITY".into())],
            (
                _,
                Setting::Storage {
                    storage,
                    keyword_default,
                },
            ) => vec![set_storage(
                table,
                column,
                storage.as_deref(),
                *keyword_default,
            )],
            (_, Setting::Statistics(to)) => vec![set_statistics(table, column, *to)],
        }
    }

    fn notes(change: &Change<Self>) -> Vec<String> {
        let ColumnSetting { table, column, .. } = change.subject();
        match ColumnSetting::sides(change) {
            (Setting::Type(from), Setting::Type(to))
                if !type_change_rewrites(&from.ty, &to.ty) && from.collation == to.collation =>
            {
                // Last, so that it stands right above the statement, where squawk reads it.
                vec![
                    format!(
                        "{} to {} is binary-coercible: no rewrite (squawk assumes one)",
                        from.ty, to.ty
                    ),
                    "squawk-ignore changing-column-type".into(),
                ]
            }
            (
                _,
                Setting::Nullable {
                    nullable: false,
                    not_null,
                },
            ) if !not_null.not_valid => vec![format!("fails if {table}.{column} holds NULL")],
            // A column that already holds values (rows kept, or an identity dropped and added
            // back by a downgrade) continues after its largest, so the next row cannot take
            // an id that is already used.
            (Setting::Identity(None), Setting::Identity(Some(identity)))
                if identity.increment.unwrap_or(1) > 0 =>
            {
                vec![format!(
                    "the identity continues after the largest {table}.{column} already there"
                )]
            }
            _ => Vec::new(),
        }
    }

    fn describe(change: &Change<Self>) -> String {
        let ColumnSetting { table, column, .. } = change.subject();
        match ColumnSetting::sides(change) {
            (Setting::Type(from), Setting::Type(to)) => format!(
                "type change from {} to {} on '{table}.{column}'",
                from.ty, to.ty
            ),
            (_, Setting::Type(_)) => format!("type of '{table}.{column}' unchanged"),
            (_, Setting::Nullable { nullable, .. }) => format!(
                "{} on '{table}.{column}'",
                if *nullable {
                    "NULL allowed"
                } else {
                    "NOT NULL"
                }
            ),
            (_, Setting::NotNull(to)) => format!(
                "NOT NULL constraint '{}' changed on '{table}.{column}'",
                to.name_on(table, column)
            ),
            (_, Setting::Expression { .. }) => {
                format!("generation expression changed on '{table}.{column}'")
            }
            (_, Setting::Default(_)) => format!("server default changed on '{table}.{column}'"),
            (Setting::Identity(Some(_)), Setting::Identity(Some(_))) => {
                format!("changed identity on '{table}.{column}'")
            }
            (_, Setting::Identity(Some(_))) => format!("added identity on '{table}.{column}'"),
            (_, Setting::Identity(None)) => format!("removed identity on '{table}.{column}'"),
            (_, Setting::Storage { .. }) => format!("changed storage of column '{table}.{column}'"),
            (_, Setting::Statistics(_)) => {
                format!("changed statistics target of column '{table}.{column}'")
            }
        }
    }

    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match change.subject().setting {
            Setting::Storage { .. } | Setting::Statistics(_) => Stage::Properties,
            _ => Stage::TablesAndColumns,
        }
    }

    fn locks(change: &Change<Self>) -> Vec<Lock> {
        let table = &change.subject().table;
        match ColumnSetting::sides(change) {
            // `SET STATISTICS` takes SHARE UPDATE EXCLUSIVE; `SET STORAGE` ACCESS EXCLUSIVE,
            // briefly (it rewrites nothing: only later values are stored the new way).
            (_, Setting::Statistics(_)) => vec![lock(LockMode::ShareUpdateExclusive, table)],
            // Only validated: SHARE UPDATE EXCLUSIVE, as any VALIDATE CONSTRAINT.
            (Setting::NotNull(from), Setting::NotNull(to))
                if from.not_valid
                    && !to.not_valid
                    && from.name == to.name
                    && from.no_inherit == to.no_inherit =>
            {
                vec![lock(LockMode::ShareUpdateExclusive, table)]
            }
            _ => vec![lock(LockMode::AccessExclusive, table)],
        }
    }

    fn hazards(change: &Change<Self>) -> Vec<Hazard> {
        use HazardKind::*;
        let table = &change.subject().table;
        match ColumnSetting::sides(change) {
            (Setting::Type(from), Setting::Type(to)) => {
                // A new collation rebuilds the column's indexes: counted as a rewrite.
                let rewrites =
                    type_change_rewrites(&from.ty, &to.ty) || from.collation != to.collation;
                let mut out = vec![hazard(
                    if rewrites { Rewrite } else { BriefExclusive },
                    table,
                )];
                if from.ty != to.ty && !from.ty.widens_to(&to.ty) {
                    out.push(hazard(MayFail, table));
                }
                out
            }
            // NOT VALID (PostgreSQL 18): no scan, rows already there are not checked.
            (
                _,
                Setting::Nullable {
                    nullable: false,
                    not_null,
                },
            ) if !not_null.not_valid => vec![hazard(ScanExclusive, table), hazard(MayFail, table)],
            // VALIDATE CONSTRAINT scans under SHARE UPDATE EXCLUSIVE; making one NOT VALID
            // again drops and adds it (no scan); a rename or NO INHERIT is brief.
            (Setting::NotNull(from), Setting::NotNull(to)) if from.not_valid && !to.not_valid => {
                vec![hazard(MayFail, table)]
            }
            // A stored column's values are computed again for every row; a virtual one's are
            // computed when read.
            (
                _,
                Setting::Expression {
                    virtual_generated: false,
                    ..
                },
            ) => vec![hazard(Rewrite, table)],
            (_, Setting::Statistics(_)) => Vec::new(),
            _ => vec![hazard(BriefExclusive, table)],
        }
    }

    fn destruction(change: &Change<Self>) -> Option<String> {
        let ColumnSetting { table, column, .. } = change.subject();
        match ColumnSetting::sides(change) {
            (Setting::Type(from), Setting::Type(to)) if !from.ty.widens_to(&to.ty) => Some(format!(
                "changes {table}.{column} from {} to {}; values that do not convert make this fail or are changed",
                from.ty, to.ty
            )),
            (Setting::Identity(Some(_)), Setting::Identity(None)) => Some(format!(
                "drops the identity of {table}.{column} and its sequence's current value"
            )),
            _ => None,
        }
    }
}

/// `ADD GENERATED … AS IDENTITY`; a column that already holds values continues after its
/// largest.
fn add_identity(table: &TableName, column: &str, identity: &Identity) -> Vec<String> {
    let mut out = vec![format!(
        "ALTER TABLE {} ALTER COLUMN {} ADD {}",
        qualified(table),
        quote_ident(column),
        identity_clause(identity)
    )];
    if identity.increment.unwrap_or(1) > 0 {
        let start = identity.start.or(identity.min_value).unwrap_or(1);
        out.push(format!(
            "SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence({}, {}), max({col})) FROM {} HAVING max({col}) >= {start}",
            quote_literal(&qualified(table)),
            quote_literal(column),
            qualified(table),
            col = quote_ident(column),
        ));
    }
    out
}

/// `DROP NOT NULL` / `SET NOT NULL`, or, for a NOT NULL with attributes of its own
/// (PostgreSQL 18), the constraint added by name.
fn set_nullable(table: &TableName, column: &str, nullable: bool, not_null: &NotNull) -> String {
    let (name, quoted) = (qualified(table), quote_ident(column));
    match (nullable, not_null.is_plain()) {
        // (Whatever its name, and NOT VALID or not.)
        (true, _) => format!("ALTER TABLE {name} ALTER COLUMN {quoted} DROP NOT NULL"),
        (false, true) => format!("ALTER TABLE {name} ALTER COLUMN {quoted} SET NOT NULL"),
        (false, false) => {
            let mut column = Column::new(column, SqlType::new(""));
            column.not_null = not_null.clone();
            format!(
                "ALTER TABLE {name} ADD {}{}",
                crate::kinds::ddl::not_null_constraint(table, &column),
                if not_null.not_valid { " NOT VALID" } else { "" }
            )
        }
    }
}

/// A NOT NULL constraint that stays, changed (PostgreSQL 18): validated, made `NOT VALID`
/// again (dropped and added), its `NO INHERIT` changed, renamed.
fn alter_not_null(table: &TableName, column: &str, from: &NotNull, to: &NotNull) -> Vec<String> {
    let name = qualified(table);
    let (old, new) = (from.name_on(table, column), to.name_on(table, column));
    if to.not_valid && !from.not_valid {
        return vec![
            set_nullable(table, column, true, from),
            set_nullable(table, column, false, to),
        ];
    }
    let mut out = Vec::new();
    if from.not_valid && !to.not_valid {
        out.push(format!(
            "ALTER TABLE {name} VALIDATE CONSTRAINT {}",
            quote_ident(&old)
        ));
    }
    if from.no_inherit != to.no_inherit {
        out.push(format!(
            "ALTER TABLE {name} ALTER CONSTRAINT {} {}",
            quote_ident(&old),
            if to.no_inherit {
                "NO INHERIT"
            } else {
                "INHERIT"
            }
        ));
    }
    if old != new {
        out.push(format!(
            "ALTER TABLE {name} RENAME CONSTRAINT {} TO {}",
            quote_ident(&old),
            quote_ident(&new)
        ));
    }
    out
}

fn alter_type(table: &str, column: &str, from: &ColumnType, to: &ColumnType) -> String {
    let column = quote_ident(column);
    let mut out = format!("ALTER TABLE {table} ALTER COLUMN {column} TYPE {}", to.ty);
    if let Some(collation) = &to.collation {
        out.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(using) = &to.using {
        out.push_str(&format!(" USING {using}"));
    } else if from.ty != to.ty && !assignment_cast(&from.ty, &to.ty) {
        // An enum converts to and from anything but a string type only through text.
        let string = |t: &SqlType| {
            let base = t.as_str().split('(').next().unwrap_or_default().trim();
            matches!(base, "text" | "character varying" | "character")
        };
        let through = if from.user_enum || (to.user_enum && !string(&from.ty)) {
            if to.ty.is_array() {
                "::text[]"
            } else {
                "::text"
            }
        } else {
            ""
        };
        out.push_str(&format!(" USING {column}{through}::{}", to.ty));
    }
    out
}

/// Whether PostgreSQL converts `from` to `to` on its own in `ALTER COLUMN … TYPE`: the same
/// base type with other modifiers, numeric widening, or a string type as the target.
fn assignment_cast(from: &SqlType, to: &SqlType) -> bool {
    let base = |t: &SqlType| {
        t.as_str()
            .split('(')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let (from, to) = (base(from), base(to));
    if from == to || from.ends_with("[]") || to.ends_with("[]") {
        return from == to;
    }
    let numeric = [
        "smallint",
        "integer",
        "bigint",
        "numeric",
        "real",
        "double precision",
    ];
    let rank = |t: &str| numeric.iter().position(|n| *n == t);
    if let (Some(a), Some(b)) = (rank(&from), rank(&to)) {
        return a <= b;
    }
    matches!(to.as_str(), "text" | "character varying" | "character")
}

/// An identity's start: its own, or the default for its direction (the minimum going up, the
/// maximum going down).
fn effective_start(identity: &Identity) -> i64 {
    identity
        .start
        .unwrap_or(if identity.increment.unwrap_or(1) > 0 {
            identity.min_value.unwrap_or(1)
        } else {
            identity.max_value.unwrap_or(-1)
        })
}

/// When `to`'s bounds leave out values `from`'s allowed (a bound moved in): the new start and
/// the new first value (`MINVALUE` going up, `MAXVALUE` going down), where a sequence never
/// used, or short of that value, is moved before the bounds change.
fn identity_narrows(from: &Identity, to: &Identity) -> Option<(i64, i64)> {
    let ascending = to.increment.unwrap_or(1) > 0;
    if ascending != (from.increment.unwrap_or(1) > 0) {
        return None;
    }
    let (before, after) = if ascending {
        (from.min_value.unwrap_or(1), to.min_value.unwrap_or(1))
    } else {
        (from.max_value.unwrap_or(-1), to.max_value.unwrap_or(-1))
    };
    let near = if ascending {
        after > before
    } else {
        after < before
    };
    // The far end: a bound written out where there was none (the type's own, the widest)
    // or moved in.
    let far = if ascending {
        to.max_value
            .is_some_and(|max| from.max_value.map_or(true, |was| max < was))
    } else {
        to.min_value
            .is_some_and(|min| from.min_value.map_or(true, |was| min > was))
    };
    (near || far).then(|| (effective_start(to), after))
}

fn alter_identity(from: &Identity, to: &Identity) -> String {
    let mut parts = Vec::new();
    if from.kind != to.kind {
        parts.push(match to.kind {
            IdentityKind::Always => "SET GENERATED ALWAYS".to_string(),
            IdentityKind::ByDefault => "SET GENERATED BY DEFAULT".to_string(),
        });
    }
    let increment = to.increment.unwrap_or(1);
    if from.increment != to.increment {
        parts.push(format!("SET INCREMENT BY {increment}"));
    }
    // `NO MINVALUE` / `NO MAXVALUE` restore the defaults for the type and direction.
    if from.min_value != to.min_value {
        parts.push(match to.min_value {
            Some(min) => format!("SET MINVALUE {min}"),
            None => "SET NO MINVALUE".to_string(),
        });
    }
    if from.max_value != to.max_value {
        parts.push(match to.max_value {
            Some(max) => format!("SET MAXVALUE {max}"),
            None => "SET NO MAXVALUE".to_string(),
        });
    }
    // The default start is the minimum going up and the maximum going down, so a moved
    // bound moves a default start too.
    if effective_start(from) != effective_start(to) {
        parts.push(format!("SET START WITH {}", effective_start(to)));
    }
    if from.cache != to.cache {
        parts.push(format!("SET CACHE {}", to.cache.unwrap_or(1)));
    }
    if from.cycle != to.cycle {
        parts.push(
            if to.cycle {
                "SET CYCLE"
            } else {
                "SET NO CYCLE"
            }
            .to_string(),
        );
    }
    if parts.is_empty() {
        // Spelled differently, the same in effect (a start written out as its default).
        parts.push(format!("SET START WITH {}", effective_start(to)));
    }
    parts.join(" ")
}

/// `ALTER COLUMN … SET STORAGE`: a strategy, or back to the type's own (`DEFAULT` from
/// PostgreSQL 16; before, the type's `typstorage`, looked up when the statement runs).
pub(crate) fn set_storage(
    table: &TableName,
    column: &str,
    to: Option<&str>,
    keyword_default: bool,
) -> String {
    match to {
        Some(storage) => format!(
            "ALTER TABLE {} ALTER COLUMN {} SET STORAGE {}",
            qualified(table),
            quote_ident(column),
            storage.to_ascii_uppercase()
        ),
        None if keyword_default => format!(
            "ALTER TABLE {} ALTER COLUMN {} SET STORAGE DEFAULT",
            qualified(table),
            quote_ident(column)
        ),
        None => {
            let body = format!(
                "BEGIN EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET STORAGE %s', {table}, {column}, (SELECT CASE t.typstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = {table}::regclass AND a.attname = {column})); END",
                table = quote_literal(&qualified(table)),
                column = quote_literal(column),
            );
            format!(
                "-- The type's own storage (PostgreSQL 16 names it DEFAULT; this server looks it up).\nDO {}",
                quote_literal(&body)
            )
        }
    }
}

/// `ALTER COLUMN … SET STATISTICS`: a target, or `-1`, the server's default.
pub(crate) fn set_statistics(table: &TableName, column: &str, to: Option<i32>) -> String {
    format!(
        "ALTER TABLE {} ALTER COLUMN {} SET STATISTICS {}",
        qualified(table),
        quote_ident(column),
        to.unwrap_or(-1)
    )
}

/// The storage and statistics targets of new columns (`CREATE TABLE` takes `STORAGE` only
/// from PostgreSQL 16, and never a statistics target).
pub(crate) fn column_settings(table: &TableName, columns: &[crate::schema::Column]) -> Vec<String> {
    let mut out = Vec::new();
    for column in columns {
        if let Some(storage) = &column.storage {
            out.push(set_storage(table, &column.name, Some(storage), true));
        }
        if let Some(target) = column.statistics {
            out.push(set_statistics(table, &column.name, Some(target)));
        }
    }
    out
}

/// Whether changing a column from `from` to `to` makes PostgreSQL rewrite the table: not when
/// the new type is binary-coercible and no narrower (`varchar(10)` to `varchar(20)`, `text`
/// or `varchar`; `varchar` to `text`; `numeric(10,2)` to `numeric(12,2)` or `numeric`;
/// `cidr` to `inet`; `varbit(n)` wider).
pub fn type_change_rewrites(from: &SqlType, to: &SqlType) -> bool {
    let (a, a_args) = from.base_and_modifiers();
    let (b, b_args) = to.base_and_modifiers();
    let stringy = |t: &str| matches!(t, "text" | "character varying");
    let no_rewrite = match (a.as_str(), b.as_str()) {
        (x, y) if x == y => match (a_args.as_slice(), b_args.as_slice()) {
            (_, []) => x != "character" && x != "bit",
            ([n], [m]) if x == "character varying" || x == "bit varying" => m >= n,
            ([p, s], [q, t]) if x == "numeric" => s == t && q >= p,
            _ => a_args == b_args,
        },
        ("character varying", "text") => true,
        ("text", "character varying") => b_args.is_empty(),
        ("cidr", "inet") => true,
        (x, y) if stringy(x) && stringy(y) => b_args.is_empty(),
        _ => false,
    };
    !no_rewrite
}

/// A default PostgreSQL must compute for each existing row when a column is added with it
/// (a volatile function), so the table is rewritten.
pub(crate) fn volatile_default(expr: &str) -> bool {
    let lower = expr.to_ascii_lowercase();
    [
        "nextval(",
        "random(",
        "gen_random_uuid(",
        "uuid_generate_",
        "clock_timestamp(",
        "timeofday(",
    ]
    .iter()
    .any(|f| lower.contains(f))
}
