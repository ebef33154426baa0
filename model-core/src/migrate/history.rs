//! What a project's revisions say about its tables: the tables some revision creates (or
//! renames into being), found in the scripts' statements, so that a plan that would drop a
//! table nothing in the project ever made can be told apart from one that drops the
//! project's own.

use std::collections::BTreeSet;

use crate::revision::{split_statements, Graph};
use crate::schema::TableName;
use crate::sql::tokens::Idents;

/// The tables that some revision of `graph` creates (`CREATE [UNLOGGED] TABLE [IF NOT
/// EXISTS] name …`, partitions too) or renames into being (`ALTER TABLE … RENAME TO name`),
/// in either part; an unqualified name is in `default_schema`.
pub fn created_tables(graph: &Graph, default_schema: &str) -> BTreeSet<TableName> {
    let mut out = BTreeSet::new();
    for revision in graph.revisions() {
        for part in [&revision.upgrade, &revision.downgrade] {
            // A script that does not split is refused wherever it is run; here it simply
            // names nothing.
            for (_, statement) in split_statements(part).unwrap_or_default() {
                out.extend(created_by(&statement, default_schema));
            }
        }
    }
    out
}

/// The table one statement creates or renames into being.
fn created_by(statement: &str, default_schema: &str) -> Option<TableName> {
    let words = Idents::of(statement);
    let keyword = |i: usize| words.keyword(i);
    let name_at = |i: usize, schema: &str| {
        words
            .name_at(i, schema)
            .map(|(schema, name, next)| (TableName::new(schema, name), next))
    };
    match keyword(0) {
        "CREATE" => {
            let mut i = 1;
            while matches!(
                keyword(i),
                "UNLOGGED" | "TEMP" | "TEMPORARY" | "GLOBAL" | "LOCAL"
            ) {
                i += 1;
            }
            if keyword(i) != "TABLE" {
                return None;
            }
            i += 1;
            if keyword(i) == "IF" && keyword(i + 1) == "NOT" && keyword(i + 2) == "EXISTS" {
                i += 3;
            }
            name_at(i, default_schema).map(|(name, _)| name)
        }
        "ALTER" if keyword(1) == "TABLE" => {
            let at = words.find(&["RENAME", "TO"])?;
            let mut i = 2;
            if keyword(i) == "IF" && keyword(i + 1) == "EXISTS" {
                i += 2;
            }
            if keyword(i) == "ONLY" {
                i += 1;
            }
            // `RENAME TO new` (not `RENAME COLUMN … TO …`): right after the table's name.
            let (old, after_name) = name_at(i, default_schema)?;
            (at == after_name)
                .then(|| name_at(at + 2, &old.schema).map(|(name, _)| name))
                .flatten()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creations_and_renames_are_found_in_every_spelling() {
        let found = |sql: &str| created_by(sql, "public");
        let t = |schema: &str, name: &str| Some(TableName::new(schema, name));
        assert_eq!(
            found("CREATE TABLE public.orders (id int)"),
            t("public", "orders")
        );
        assert_eq!(
            found("create unlogged table if not exists Orders ()"),
            t("public", "orders")
        );
        assert_eq!(found("CREATE TABLE \"Odd\"\"T\" ()"), t("public", "Odd\"T"));
        assert_eq!(
            found("CREATE TABLE sales.p1 PARTITION OF sales.p FOR VALUES IN (1)"),
            t("sales", "p1")
        );
        assert_eq!(
            found("ALTER TABLE sales.old RENAME TO new"),
            t("sales", "new")
        );
        assert_eq!(
            found("ALTER TABLE IF EXISTS old RENAME TO new"),
            t("public", "new")
        );
        assert_eq!(found("ALTER TABLE t RENAME COLUMN a TO b"), None);
        assert_eq!(found("CREATE INDEX t_a ON t (a)"), None);
        assert_eq!(found("SELECT 'CREATE TABLE x ()'"), None);
        assert_eq!(found("-- CREATE TABLE x ()\nSELECT 1"), None);
    }
}
