//! `describe`: the models as a reader wants to see them.

use std::fmt::Write as _;

use model_core::schema::{Column, FkAction, ForeignKey, Index, Table};
use model_core::sql::display;
use model_core::{render, ModelSet, RelationshipKind};

/// A readable summary of everything the models declare: extensions, enum types with their
/// labels, sequences, then tables with their columns, constraints and indexes (methods, keys,
/// `INCLUDE`, partial `WHERE`), then views, functions, triggers, policies and statistics
/// objects, then the relationships with the path each takes through the schema.
pub fn describe(models: &ModelSet) -> String {
    let schema = models.schema();
    let mut out = String::new();
    for e in &schema.extensions {
        let _ = writeln!(out, "extension {} in schema {}", e.name, e.schema);
    }
    for e in &schema.enums {
        let labels: Vec<String> = e.labels.iter().map(|l| render::quote_literal(l)).collect();
        let _ = writeln!(out, "enum {} ({})", e.name, labels.join(", "));
    }
    for s in &schema.sequences {
        let _ = writeln!(
            out,
            "sequence {} as {} start {} increment {}",
            s.name, s.data_type, s.start, s.increment
        );
    }
    for table in &schema.tables {
        table_lines(&mut out, table);
    }
    for v in &schema.views {
        let kind = if v.materialized {
            "materialized view"
        } else {
            "view"
        };
        let _ = writeln!(out, "{kind} {}", v.name);
        for index in &v.indexes {
            index_line(&mut out, index);
        }
    }
    for f in &schema.functions {
        let kind = if f.procedure { "procedure" } else { "function" };
        let returns = if f.procedure {
            String::new()
        } else {
            format!(" returns {}", f.returns)
        };
        let _ = writeln!(out, "{kind} {}({}){returns}", f.name, f.arguments);
    }
    for t in &schema.triggers {
        let _ = writeln!(out, "trigger {} on {} runs {}", t.name, t.table, t.function);
    }
    for p in &schema.policies {
        let _ = writeln!(
            out,
            "policy {} on {} for {}{}",
            p.name,
            p.table,
            p.command.to_lowercase(),
            if p.permissive { "" } else { " (restrictive)" }
        );
    }
    for x in &schema.statistics {
        let kinds = match x.kinds.is_empty() {
            true => String::new(),
            false => format!(" ({})", x.kinds.join(", ")),
        };
        let _ = writeln!(
            out,
            "statistics {}{kinds} on {} ({})",
            x.name, x.table, x.on
        );
    }
    if !models.relationships().is_empty() {
        out.push_str("\nrelationships (ORM only: they create nothing in the database)\n");
    }
    for rel in models.relationships() {
        let path = match &rel.kind {
            RelationshipKind::ManyToOne { foreign_key } => format!("many-to-one via {foreign_key}"),
            RelationshipKind::OneToMany { foreign_key } => format!("one-to-many via {foreign_key}"),
            RelationshipKind::ManyToMany { secondary } => {
                format!("many-to-many through {secondary}")
            }
        };
        let back = rel
            .back_populates
            .map(|b| format!(", back_populates {}.{b}", rel.target))
            .unwrap_or_default();
        let cascade = rel.cascade.names().join(", ");
        let _ = writeln!(
            out,
            "  {}.{} -> {}: {path}{back}; cascade {cascade}",
            rel.model, rel.field, rel.target
        );
    }
    // Comments and names come from the models; keep the terminal safe all the same.
    out.lines().map(|l| display(l) + "\n").collect()
}

fn table_lines(out: &mut String, table: &Table) {
    let _ = writeln!(out, "table {}", table.name);
    if let Some(comment) = &table.comment {
        let _ = writeln!(out, "  comment {}", render::quote_literal(comment));
    }
    for column in &table.columns {
        let _ = writeln!(out, "{}", column_line(column));
    }
    if let Some(pk) = &table.primary_key {
        let _ = writeln!(
            out,
            "  primary key {} ({}{})",
            pk.name,
            pk.columns.join(", "),
            if pk.without_overlaps {
                " without overlaps"
            } else {
                ""
            }
        );
    }
    for fk in &table.foreign_keys {
        let _ = writeln!(out, "{}", foreign_key_line(fk));
    }
    for unique in &table.uniques {
        let _ = writeln!(
            out,
            "  unique {} ({}{}){}",
            unique.name,
            unique.columns.join(", "),
            if unique.without_overlaps {
                " without overlaps"
            } else {
                ""
            },
            if unique.nulls_not_distinct {
                " nulls not distinct"
            } else {
                ""
            }
        );
    }
    for check in &table.checks {
        let _ = writeln!(
            out,
            "  check {} ({}){}",
            check.name,
            check.expression,
            if check.not_enforced {
                " not enforced"
            } else {
                ""
            }
        );
    }
    for exclusion in &table.exclusions {
        let _ = writeln!(
            out,
            "  exclusion {} {}",
            exclusion.name, exclusion.definition
        );
    }
    for index in &table.indexes {
        index_line(out, index);
    }
    if table.row_level_security {
        let _ = writeln!(
            out,
            "  row level security{}",
            if table.force_row_level_security {
                " (forced)"
            } else {
                ""
            }
        );
    }
    for grant in &table.grants {
        let _ = writeln!(
            out,
            "  grant {} to {}",
            grant.privileges.join(", ").to_lowercase(),
            grant.grantee
        );
    }
}

/// A column: its type and every clause it has, in `CREATE TABLE`'s order.
fn column_line(column: &Column) -> String {
    let mut line = format!("  {} {}", column.name, column.ty);
    if let Some(collation) = &column.collation {
        let _ = write!(line, " collate {collation}");
    }
    if let Some(storage) = &column.storage {
        let _ = write!(line, " storage {storage}");
    }
    if let Some(target) = column.statistics {
        let _ = write!(line, " statistics {target}");
    }
    if !column.nullable {
        if let Some(name) = &column.not_null.name {
            let _ = write!(line, " constraint {name}");
        }
        line.push_str(" not null");
    }
    if let Some(default) = &column.default {
        let _ = write!(line, " default {default}");
    }
    if let Some(expression) = &column.generated {
        let kind = if column.virtual_generated {
            "virtual"
        } else {
            "stored"
        };
        let _ = write!(line, " generated always as ({expression}) {kind}");
    }
    if let Some(identity) = &column.identity {
        let _ = write!(
            line,
            " {}",
            render::identity_clause(identity).to_lowercase()
        );
    }
    if let Some(comment) = &column.comment {
        let _ = write!(line, " -- {}", render::quote_literal(comment));
    }
    line
}

/// A foreign key with its actions, deferral and enforcement.
fn foreign_key_line(fk: &ForeignKey) -> String {
    let period = if fk.period { " period" } else { "" };
    let mut line = format!(
        "  foreign key {} ({}{period}) -> {} ({}{period})",
        fk.name,
        fk.columns.join(", "),
        fk.references,
        fk.referenced_columns.join(", ")
    );
    if fk.match_full {
        line.push_str(" match full");
    }
    if fk.on_delete != FkAction::NoAction {
        let _ = write!(line, " on delete {}", fk.on_delete.sql().to_lowercase());
        if !fk.on_delete_columns.is_empty() {
            let _ = write!(line, " ({})", fk.on_delete_columns.join(", "));
        }
    }
    if fk.on_update != FkAction::NoAction {
        let _ = write!(line, " on update {}", fk.on_update.sql().to_lowercase());
    }
    if fk.deferrable {
        line.push_str(if fk.initially_deferred {
            " deferrable initially deferred"
        } else {
            " deferrable"
        });
    }
    if fk.not_enforced {
        line.push_str(" not enforced");
    }
    line
}

fn index_line(out: &mut String, index: &Index) {
    let keys: Vec<String> = index.keys.iter().map(render::index_key).collect();
    let mut line = format!(
        "  {}index {}",
        if index.unique { "unique " } else { "" },
        index.name
    );
    if index.method != "btree" {
        let _ = write!(line, " using {}", index.method);
    }
    let _ = write!(line, " ({})", keys.join(", "));
    if !index.include.is_empty() {
        let _ = write!(line, " include ({})", index.include.join(", "));
    }
    if index.nulls_not_distinct {
        line.push_str(" nulls not distinct");
    }
    if let Some(predicate) = &index.predicate {
        let _ = write!(line, " where {predicate}");
    }
    let _ = writeln!(out, "{line}");
}

#[cfg(test)]
mod tests {
    use model_core::{Enum, Model, ModelSet};

    #[derive(Enum)]
    #[model(name = "order_status")]
    #[allow(dead_code)]
    enum Status {
        Pending,
        Refunded,
    }

    #[derive(Model)]
    #[model(
        table = "orders",
        index(
            status,
            total,
            method = "btree",
            where = "status <> 'refunded'",
            include(note),
            name = "orders_open"
        ),
        index(note, method = "hash"),
        check(name = "total_positive", expr = "total > 0")
    )]
    #[allow(dead_code)]
    struct Order {
        #[model(primary_key)]
        id: i32,
        status: Status,
        total: i64,
        #[model(comment = "free text")]
        note: String,
    }

    #[test]
    fn describe_shows_everything_the_models_declare() {
        let set: ModelSet = model_core::models![Order; Status].unwrap();
        let text = super::describe(&set);
        for expected in [
            "enum order_status ('pending', 'refunded')",
            "table orders",
            "  note character varying not null -- 'free text'",
            "  check total_positive (total > 0)",
            "  index orders_open (status, total) include (note) where status <> 'refunded'",
            "  index orders_note_idx using hash (note)",
        ] {
            assert!(
                text.lines().any(|l| l == expected),
                "no `{expected}` in:\n{text}"
            );
        }
    }
}
