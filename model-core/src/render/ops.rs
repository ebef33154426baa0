//! Operations to statements, and statements to a reviewable script.

use super::{
    column_definition, comments, create_index, create_table, identity_clause,
    not_valid_constraints, qualified, quote_ident, quote_literal,
};
use crate::diff::{ColumnType, EnumColumn, Hazard, Lock, Op, Rename};
use crate::kinds::ddl::{column_comment, option, option_key};
use crate::kinds::grant::{granted, grants};
use crate::schema::{
    Column, EnumType, Identity, IdentityKind, NotNull, ReplicaIdentity, SqlType, NAMEDATALEN,
};
use crate::schema::{PartitionOf, TableName};
use std::collections::BTreeSet;

/// The statements of one operation (without `;`), and the notes on them a reviewer must see
/// besides what it destroys and risks ([`Statement`] prints those from the operation).
pub fn op_statements(op: &Op) -> (Vec<String>, Vec<String>) {
    let mut notes: Vec<String> = Vec::new();
    let statements = match op {
        Op::CreateSchema { name, grants } => {
            let mut out = vec![format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(name))];
            out.extend(granted(&format!("SCHEMA {}", quote_ident(name)), grants));
            out
        }
        Op::DropSchema { name, .. } => {
            notes.push(format!(
                "fails if schema {name} still holds anything (nothing is dropped with it)"
            ));
            vec![format!("DROP SCHEMA {}", quote_ident(name))]
        }
        Op::CreateEnum(e) => {
            let mut out = vec![create_enum(e)];
            out.extend(granted(&format!("TYPE {}", qualified(&e.name)), &e.grants));
            out
        }
        Op::DropEnum(e) => vec![format!("DROP TYPE {}", qualified(&e.name))],
        Op::AddEnumValue { to, value, .. } => {
            notes.push(
                "PostgreSQL cannot use a new enum label in the transaction that adds it"
                    .to_string(),
            );
            vec![add_enum_value(to, value)]
        }
        Op::RebuildEnum {
            from,
            to,
            columns,
            dependents,
        } => {
            let removed: Vec<&String> = from
                .labels
                .iter()
                .filter(|l| !to.labels.contains(l))
                .collect();
            if removed.is_empty() {
                notes.push(format!("WARNING: labels of {} are reordered; PostgreSQL cannot move a label, so the type is rebuilt", to.name));
            }
            // Dropped in the reverse of their creation order (a view before the views it reads).
            let mut out: Vec<String> = dependents
                .iter()
                .rev()
                .flat_map(|d| op_statements(&d.inverse()).0)
                .collect();
            out.extend(rebuild_enum(from, to, columns));
            // The new type starts from PostgreSQL's default privileges.
            out.extend(granted(
                &format!("TYPE {}", qualified(&to.name)),
                &to.grants,
            ));
            out.extend(dependents.iter().flat_map(|d| op_statements(d).0));
            out
        }
        Op::CreateTable { table, recreated } => {
            if *recreated {
                notes.push(format!(
                    "recreates table {} as it was; its rows are not restored",
                    table.name
                ));
            }
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
        Op::DropTable(table) => vec![format!("DROP TABLE {}", qualified(&table.name))],
        Op::AddColumn {
            table,
            column,
            recreated,
        } => {
            if *recreated {
                notes.push(format!(
                    "recreates column {table}.{}; its values are not restored",
                    column.name
                ));
            }
            if !column.nullable
                && column.default.is_none()
                && column.identity.is_none()
                && column.generated.is_none()
            {
                notes.push(format!(
                    "NOT NULL without a default: fails if {table} has rows"
                ));
            }
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
        }
        Op::DropColumn { table, column } => {
            vec![format!(
                "ALTER TABLE {} DROP COLUMN {}",
                qualified(table),
                quote_ident(&column.name)
            )]
        }
        Op::AlterColumnType {
            table,
            column,
            from,
            to,
        } => {
            if !crate::diff::type_change_rewrites(&from.ty, &to.ty)
                && from.collation == to.collation
            {
                // Last, so that it stands right above the statement, where squawk reads it.
                notes.push(format!(
                    "{} to {} is binary-coercible: no rewrite (squawk assumes one)",
                    from.ty, to.ty
                ));
                notes.push("squawk-ignore changing-column-type".into());
            }
            vec![alter_type(&qualified(table), column, from, to)]
        }
        Op::SetNullable {
            table,
            column,
            nullable,
            not_null,
        } => {
            if !nullable && !not_null.not_valid {
                notes.push(format!("fails if {table}.{column} holds NULL"));
            }
            vec![set_nullable(table, column, *nullable, not_null)]
        }
        Op::AlterNotNull {
            table,
            column,
            from,
            to,
        } => alter_not_null(table, column, from, to),
        Op::SetGeneratedExpression {
            table, column, to, ..
        } => vec![format!(
            "ALTER TABLE {} ALTER COLUMN {} SET EXPRESSION AS ({to})",
            qualified(table),
            quote_ident(column)
        )],
        Op::SetDefault {
            table, column, to, ..
        } => vec![match to {
            Some(default) => format!(
                "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {default}",
                qualified(table),
                quote_ident(column)
            ),
            None => format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                qualified(table),
                quote_ident(column)
            ),
        }],
        Op::AddIdentity {
            table,
            column,
            identity,
        } => {
            let mut out = vec![format!(
                "ALTER TABLE {} ALTER COLUMN {} ADD {}",
                qualified(table),
                quote_ident(column),
                identity_clause(identity)
            )];
            // A column that already holds values (rows kept, or an identity dropped and added
            // back by a downgrade) continues after its largest, so the next row cannot take
            // an id that is already used.
            if identity.increment.unwrap_or(1) > 0 {
                notes.push(format!(
                    "the identity continues after the largest {table}.{column} already there"
                ));
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
        Op::DropIdentity { table, column, .. } => {
            vec![format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP IDENTITY",
                qualified(table),
                quote_ident(column)
            )]
        }
        Op::AlterIdentity {
            table,
            column,
            from,
            to,
        } => vec![format!(
            "ALTER TABLE {} ALTER COLUMN {} {}",
            qualified(table),
            quote_ident(column),
            alter_identity(from, to)
        )],
        Op::Kind(c) => {
            notes.extend(c.notes());
            c.statements()
        }
        Op::SetRowLevelSecurity { table, from, to } => {
            row_level_security(&qualified(table), *from, *to)
        }
        Op::SetOptions { relation, from, to } => {
            let name = qualified(&relation.name);
            let kind = relation.kind;
            let mut out = Vec::new();
            let key = |o: &String| o.split('=').next().unwrap_or_default().to_string();
            let removed: Vec<String> = from
                .iter()
                .map(key)
                .filter(|k| !to.iter().any(|o| key(o) == *k))
                .collect();
            if !removed.is_empty() {
                let keys: Vec<String> = removed.iter().map(|k| option_key(k)).collect();
                out.push(format!("ALTER {kind} {name} RESET ({})", keys.join(", ")));
            }
            let set: Vec<&String> = to.iter().filter(|o| !from.contains(o)).collect();
            if !set.is_empty() {
                let set: Vec<String> = set.into_iter().map(|o| option(o)).collect();
                out.push(format!("ALTER {kind} {name} SET ({})", set.join(", ")));
            }
            out
        }
        Op::SetUnlogged { table, unlogged } => {
            notes.push(format!("rewrites {table} (the whole table is copied)"));
            vec![format!(
                "ALTER TABLE {} SET {}",
                qualified(table),
                if *unlogged { "UNLOGGED" } else { "LOGGED" }
            )]
        }
        Op::SetReplicaIdentity { table, to, .. } => vec![format!(
            "ALTER TABLE {} REPLICA IDENTITY {}",
            qualified(table),
            to.sql()
        )],
        Op::SetTriggerEnabled { trigger, to, .. } => vec![format!(
            "ALTER TABLE {} {} TRIGGER {}",
            qualified(&trigger.table),
            to.sql(),
            quote_ident(&trigger.name)
        )],
        Op::RefreshMaterializedView { view, populated } => vec![format!(
            "REFRESH MATERIALIZED VIEW {}{}",
            qualified(view),
            if *populated { "" } else { " WITH NO DATA" }
        )],
        Op::SetPartitionOf { table, from, to } => {
            let mut out = Vec::new();
            if let Some(p) = from {
                out.push(format!(
                    "ALTER TABLE {} DETACH PARTITION {}",
                    qualified(&p.parent),
                    qualified(table)
                ));
            }
            if let Some(p) = to {
                notes.push(format!(
                    "scans {table} to check its rows fit the bound, unless a check constraint proves it"
                ));
                out.push(attach_partition(table, p));
            }
            out
        }
        Op::SetInherits { table, from, to } => {
            let name = qualified(table);
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
        Op::SetColumnStorage {
            table,
            column,
            to,
            keyword_default,
            ..
        } => vec![set_storage(table, column, to.as_deref(), *keyword_default)],
        Op::SetColumnStatistics {
            table, column, to, ..
        } => vec![set_statistics(table, column, *to)],
        Op::Rename {
            rename,
            materialized,
            arguments,
        } => rename_statements(rename, *materialized, arguments),
    };
    (statements, notes)
}

/// `ALTER … RENAME` for one declared rename.
fn rename_statements(rename: &Rename, materialized: bool, arguments: &[String]) -> Vec<String> {
    let relation = |kind: &str, from: &TableName, to: &TableName| {
        format!(
            "ALTER {kind} {} RENAME TO {}",
            qualified(from),
            quote_ident(&to.name)
        )
    };
    match rename {
        Rename::Schema { from, to } => vec![format!(
            "ALTER SCHEMA {} RENAME TO {}",
            quote_ident(from),
            quote_ident(to)
        )],
        Rename::Table { from, to } => vec![relation("TABLE", from, to)],
        Rename::View { from, to } if materialized => {
            vec![relation("MATERIALIZED VIEW", from, to)]
        }
        Rename::View { from, to } => vec![relation("VIEW", from, to)],
        Rename::Sequence { from, to } => vec![relation("SEQUENCE", from, to)],
        Rename::EnumType { from, to } => vec![relation("TYPE", from, to)],
        Rename::Function { from, to } => arguments
            .iter()
            .map(|args| {
                format!(
                    "ALTER ROUTINE {}({args}) RENAME TO {}",
                    qualified(from),
                    quote_ident(&to.name)
                )
            })
            .collect(),
        Rename::Column { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            qualified(table),
            quote_ident(from),
            quote_ident(to)
        )],
        Rename::EnumLabel {
            enum_type,
            from,
            to,
        } => vec![format!(
            "ALTER TYPE {} RENAME VALUE {} TO {}",
            qualified(enum_type),
            quote_literal(from),
            quote_literal(to)
        )],
        Rename::Index { table, from, to } => vec![format!(
            "ALTER INDEX {} RENAME TO {}",
            qualified(&TableName::new(table.schema.clone(), from.clone())),
            quote_ident(to)
        )],
        Rename::Constraint { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            qualified(table),
            quote_ident(from),
            quote_ident(to)
        )],
    }
}

/// One statement as rendering produces it: its SQL and what it means for a database in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL, without the closing `;`.
    pub sql: String,
    /// What a reviewer must see above it besides its destruction and hazards (why a label
    /// is added on its own, what an online step does).
    pub notes: Vec<String>,
    /// Whether it may run inside a transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`,
    /// and a label used later in the same revision may not).
    pub transactional: bool,
    /// The strongest lock it takes on each table that exists before it.
    pub locks: Vec<Lock>,
    /// What it risks on a database in use.
    pub hazards: Vec<Hazard>,
    /// What data it destroys, when it does.
    pub destruction: Option<String>,
}

impl Statement {
    /// A statement that stands alone, outside any transaction block.
    pub(crate) fn alone(notes: Vec<String>, sql: String, locks: Vec<Lock>) -> Statement {
        Statement {
            sql,
            notes,
            transactional: false,
            locks,
            hazards: Vec::new(),
            destruction: None,
        }
    }

    /// `-- DESTRUCTIVE:` and `-- HAZARD:` lines, its notes as `--` lines, then the statement
    /// and `;`.
    pub fn render(&self) -> String {
        let lines = self
            .destruction
            .iter()
            .map(|d| format!("DESTRUCTIVE: {d}"))
            .chain(self.hazards.iter().map(|h| format!("HAZARD: {h}")))
            .chain(self.notes.iter().cloned());
        let mut out = String::new();
        for line in lines {
            // Notes carry names and labels from the database: one comment line each, always.
            out.push_str(&format!("-- {}\n", crate::sql::comment(&line)));
        }
        out.push_str(&self.sql);
        out.push_str(";\n");
        out
    }
}

/// The statements of one operation. An operation's notes, locks, hazards and destruction
/// are carried by its first statement (where a script prints them); the others carry none.
pub fn statements(op: &Op) -> Vec<Statement> {
    statements_in(op, &BTreeSet::new())
}

/// The statements of a plan, in order ([`statements`] of each operation), without the
/// hazards and locks on tables the plan itself creates: empty, nobody uses them yet.
pub fn plan_statements(ops: &[Op]) -> Vec<Statement> {
    let created = created_tables(ops);
    ops.iter()
        .flat_map(|op| statements_in(op, &created))
        .collect()
}

/// Tables the operations create (or create again): empty when the statements after run.
pub(crate) fn created_tables(ops: &[Op]) -> BTreeSet<TableName> {
    ops.iter()
        .filter_map(|op| match op {
            Op::CreateTable { table, .. } => Some(table.name.clone()),
            _ => None,
        })
        .collect()
}

/// [`statements`], leaving out hazards and locks on the `created` tables.
pub(crate) fn statements_in(op: &Op, created: &BTreeSet<TableName>) -> Vec<Statement> {
    let (sqls, notes) = op_statements(op);
    let hazards: Vec<Hazard> = op
        .hazards()
        .into_iter()
        .filter(|h| !h.relation.as_ref().is_some_and(|t| created.contains(t)))
        .collect();
    let locks: Vec<Lock> = op
        .locks()
        .into_iter()
        .filter(|l| !created.contains(&l.relation))
        .collect();
    let mut first = Some((notes, locks, hazards, op.destruction()));
    // A revision that adds enum labels runs them outside a transaction (see revision_body).
    let transactional = !matches!(op, Op::AddEnumValue { .. });
    sqls.into_iter()
        .map(|sql| {
            let (notes, locks, hazards, destruction) = first.take().unwrap_or_default();
            Statement {
                sql,
                notes,
                transactional,
                locks,
                hazards,
                destruction,
            }
        })
        .collect()
}

/// The operations as one script: each operation's notes as `--` lines, then its statements,
/// with a blank line between operations.
pub fn script(ops: &[Op]) -> String {
    script_in(ops, &created_tables(ops))
}

/// [`script`] of a part of a plan that creates the `created` tables.
pub(crate) fn script_in(ops: &[Op], created: &BTreeSet<TableName>) -> String {
    ops.iter()
        .map(|op| {
            statements_in(op, created)
                .iter()
                .map(Statement::render)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The two parts of a revision for a plan, and whether the revision runs in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionBody {
    /// The upgrade part.
    pub upgrade: String,
    /// The downgrade part.
    pub downgrade: String,
    /// `false` when the parts must run outside a transaction (`-- Transactional: no`).
    pub transactional: bool,
}

/// The revision for `upgrade` and `downgrade` operations. PostgreSQL lets no statement of the
/// transaction that adds an enum label use that label, so a part that adds labels runs
/// outside a transaction: the labels first, each committed on its own, then everything else
/// in one explicit transaction (`BEGIN; … COMMIT;`), which the runner records as one unit
/// and resumes after the labels if it fails. Otherwise the revision is one transaction.
pub fn revision_body(upgrade: &[Op], downgrade: &[Op]) -> RevisionBody {
    let adds_labels = |ops: &[Op]| ops.iter().any(|op| matches!(op, Op::AddEnumValue { .. }));
    if !adds_labels(upgrade) && !adds_labels(downgrade) {
        return RevisionBody {
            upgrade: script(upgrade),
            downgrade: script(downgrade),
            transactional: true,
        };
    }
    let part = |ops: &[Op]| {
        let created = created_tables(ops);
        let script = |part: &[Op]| script_in(part, &created);
        let (labels, rest): (Vec<Op>, Vec<Op>) = ops
            .iter()
            .cloned()
            .partition(|op| matches!(op, Op::AddEnumValue { .. }));
        let mut out = String::new();
        if !labels.is_empty() {
            out.push_str(&script(&labels));
            out.push('\n');
        }
        if !rest.is_empty() {
            out.push_str(if labels.is_empty() {
                "-- In one transaction (the revision as a whole runs outside one: its other part adds enum labels).\nBEGIN;\n\n"
            } else {
                "-- Everything else in one transaction; it may use the labels added above.\nBEGIN;\n\n"
            });
            out.push_str(&script(&rest));
            out.push_str("\nCOMMIT;\n");
        }
        out
    };
    RevisionBody {
        upgrade: part(upgrade),
        downgrade: part(downgrade),
        transactional: false,
    }
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
    if from.ty != to.ty && !assignment_cast(&from.ty, &to.ty) {
        // An enum converts to and from anything but a string type only through text.
        let string = |t: &SqlType| {
            let base = t.as_str().split('(').next().unwrap_or_default().trim();
            matches!(base, "text" | "character varying" | "character")
        };
        let through = if from.user_enum || (to.user_enum && !string(&from.ty)) {
            if to.ty.as_str().ends_with("[]") {
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
    if from.start != to.start {
        // The default start is the minimum going up and the maximum going down.
        let default_start = if increment > 0 {
            to.min_value.unwrap_or(1)
        } else {
            to.max_value.unwrap_or(-1)
        };
        parts.push(format!(
            "SET START WITH {}",
            to.start.unwrap_or(default_start)
        ));
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
    parts.join(" ")
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

/// `GRANT` what `to` has and `from` lacks, `REVOKE` the reverse.
/// `ALTER TABLE ONLY parent ATTACH PARTITION table FOR VALUES …`: indexes and keys of the
/// partition that match the parent's are attached to them, as pg_dump relies on.
fn attach_partition(table: &TableName, p: &PartitionOf) -> String {
    format!(
        "ALTER TABLE ONLY {} ATTACH PARTITION {} {}",
        qualified(&p.parent),
        qualified(table),
        p.bound
    )
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
