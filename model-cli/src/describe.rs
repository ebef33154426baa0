//! `describe`: the models as a reader wants to see them.

use model_core::{render, ModelSet, RelationshipKind};

/// A readable summary of the models: tables with their columns and constraints, then the
/// relationships with the path each takes through the schema.
pub fn describe(models: &ModelSet) -> String {
    let mut out = String::new();
    for table in &models.schema().tables {
        out.push_str(&format!("table {}\n", table.name));
        for column in &table.columns {
            let mut line = format!("  {} {}", column.name, column.ty);
            if !column.nullable {
                line.push_str(" not null");
            }
            if let Some(default) = &column.default {
                line.push_str(&format!(" default {default}"));
            }
            if let Some(identity) = &column.identity {
                line.push_str(&format!(
                    " {}",
                    render::identity_clause(identity).to_lowercase()
                ));
            }
            out.push_str(&line);
            out.push('\n');
        }
        if let Some(pk) = &table.primary_key {
            out.push_str(&format!(
                "  primary key {} ({})\n",
                pk.name,
                pk.columns.join(", ")
            ));
        }
        for fk in &table.foreign_keys {
            out.push_str(&format!(
                "  foreign key {} ({}) -> {} ({}) on delete {}\n",
                fk.name,
                fk.columns.join(", "),
                fk.references,
                fk.referenced_columns.join(", "),
                fk.on_delete.sql().to_lowercase()
            ));
        }
        for unique in &table.uniques {
            out.push_str(&format!(
                "  unique {} ({})\n",
                unique.name,
                unique.columns.join(", ")
            ));
        }
        for check in &table.checks {
            out.push_str(&format!("  check {} ({})\n", check.name, check.expression));
        }
        for index in &table.indexes {
            let keys: Vec<String> = index.keys.iter().map(render::index_key).collect();
            out.push_str(&format!("  index {} ({})\n", index.name, keys.join(", ")));
        }
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
        out.push_str(&format!(
            "  {}.{} -> {}: {path}{back}; cascade {cascade}\n",
            rel.model, rel.field, rel.target
        ));
    }
    out
}
