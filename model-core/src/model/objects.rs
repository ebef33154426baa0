//! Objects declared in SQL next to the models: extensions, sequences, functions, views,
//! triggers, policies, statistics objects, row-level security and grants. They join the models' schema
//! description; what PostgreSQL makes of the SQL text is read back when the description is
//! canonicalised, so cosmetic differences in the text produce no operation.

use super::ModelError;
use super::{ModelSet, ModelSetError};
use crate::schema::{
    Extension, Function, Grant, Index, IndexKey, Other, OtherKind, PartitionOf, Policy, Sequence,
    SqlType, Statistics, Table, TableName, Trigger, View,
};
use crate::sql::quote_ident;
use crate::sql::tokens::{rewrite, SiteKind};

impl ModelSet {
    /// `CREATE EXTENSION name` (in `public`, at the version the server installs by default).
    pub fn with_extension(self, name: &str) -> Self {
        self.with_extension_in(name, "public", None)
    }

    /// `CREATE EXTENSION name WITH SCHEMA schema [VERSION version]`.
    pub fn with_extension_in(mut self, name: &str, schema: &str, version: Option<&str>) -> Self {
        self.schema.extensions.push(Extension {
            name: name.to_string(),
            schema: schema.to_string(),
            version: version.unwrap_or_default().to_string(),
            // Read back from a scratch database before any comparison.
            relocatable: true,
        });
        self
    }

    /// A standalone sequence.
    pub fn with_sequence(mut self, sequence: Sequence) -> Self {
        self.schema.sequences.push(sequence);
        self
    }

    /// A function or procedure, as its `CREATE [OR REPLACE] FUNCTION|PROCEDURE` statement.
    pub fn with_function(mut self, sql: &str) -> Result<Self, ModelSetError> {
        let upper = sql.to_uppercase();
        let (procedure, at) = match (upper.find("FUNCTION"), upper.find("PROCEDURE")) {
            (Some(f), Some(p)) if p < f => (true, p + "PROCEDURE".len()),
            (Some(f), _) => (false, f + "FUNCTION".len()),
            (None, Some(p)) => (true, p + "PROCEDURE".len()),
            (None, None) => {
                return Err(declaration(
                    "function",
                    sql,
                    "expected CREATE FUNCTION or CREATE PROCEDURE",
                ))
            }
        };
        let name = sql[at..].split('(').next().unwrap_or_default().trim();
        if name.is_empty() {
            return Err(declaration("function", sql, "no name before `(`"));
        }
        self.schema.functions.push(Function {
            name: TableName::parse(&name.replace('"', "")),
            arguments: String::new(),
            types: String::new(),
            returns: String::new(),
            definition: sql.trim().to_string(),
            procedure,
            grants: Vec::new(),
        });
        Ok(self)
    }

    /// A view: `name` (or `schema.name`) and its query.
    pub fn with_view(mut self, name: &str, query: &str) -> Self {
        self.schema.views.push(view(name, query, false));
        self
    }

    /// A materialized view: `name` and its query.
    pub fn with_materialized_view(mut self, name: &str, query: &str) -> Self {
        self.schema.views.push(view(name, query, true));
        self
    }

    /// An index on a materialized view declared before: `columns` in order, `unique` for a
    /// `UNIQUE` index (which `REFRESH MATERIALIZED VIEW CONCURRENTLY` needs).
    pub fn with_view_index(
        mut self,
        view: &str,
        name: &str,
        columns: &[&str],
        unique: bool,
    ) -> Result<Self, ModelSetError> {
        let view_name = TableName::parse(view);
        let Some(v) = self
            .schema
            .views
            .iter_mut()
            .find(|v| v.name == view_name && v.materialized)
        else {
            return Err(declaration(
                "index",
                name,
                &format!("`{view}` is not a materialized view declared before it"),
            ));
        };
        v.indexes.push(Index {
            name: name.to_string(),
            keys: columns.iter().map(|c| IndexKey::column(*c)).collect(),
            include: Vec::new(),
            unique,
            nulls_not_distinct: false,
            method: "btree".into(),
            predicate: None,
            invalid: false,
            on_only: false,
            options: Vec::new(),
            attached_to: None,
        });
        Ok(self)
    }

    /// A trigger, as its `CREATE TRIGGER name … ON table …` statement; the table must be one
    /// of the models'.
    pub fn with_trigger(mut self, sql: &str) -> Result<Self, ModelSetError> {
        let words: Vec<&str> = sql.split_whitespace().collect();
        let after = |keyword: &str| {
            words
                .iter()
                .position(|w| w.eq_ignore_ascii_case(keyword))
                .and_then(|i| words.get(i + 1))
                .map(|w| w.trim_matches('"').to_string())
        };
        let (Some(name), Some(table)) = (after("TRIGGER"), after("ON")) else {
            return Err(declaration(
                "trigger",
                sql,
                "expected CREATE TRIGGER name … ON table …",
            ));
        };
        let table = TableName::parse(&table);
        self.require_table(&table, "trigger", &name)?;
        self.schema.triggers.push(Trigger {
            name,
            table,
            definition: sql.trim().to_string(),
            function: TableName::new("", ""),
            enabled: Default::default(),
        });
        Ok(self)
    }

    /// A row-level security policy on one of the models' tables (`roles` empty: `PUBLIC`).
    pub fn with_policy(mut self, policy: Policy) -> Result<Self, ModelSetError> {
        self.require_table(&policy.table, "policy", &policy.name)?;
        let mut policy = policy;
        if policy.roles.is_empty() {
            policy.roles = vec!["public".into()];
        }
        policy.command = policy.command.to_uppercase();
        self.schema.policies.push(policy);
        Ok(self)
    }

    /// An extended statistics object (`CREATE STATISTICS`) on one of the models' tables:
    /// `Statistics::new("orders_region_city", "orders", "region, city")`, with `kinds`
    /// (`ndistinct`, `dependencies`, `mcv`; empty for all), `target` and `comment` to set.
    pub fn with_statistics(mut self, statistics: Statistics) -> Result<Self, ModelSetError> {
        let name = statistics.name.to_string();
        self.require_table(&statistics.table, "statistics", &name)?;
        if self
            .schema
            .statistics
            .iter()
            .any(|s| s.name == statistics.name)
        {
            return Err(declaration(
                "statistics",
                &name,
                "declared twice (a statistics object's name is unique in its schema)",
            ));
        }
        let mut statistics = statistics;
        statistics.kinds = statistics.kinds.iter().map(|k| k.to_lowercase()).collect();
        self.schema.statistics.push(statistics);
        Ok(self)
    }

    /// `ENABLE ROW LEVEL SECURITY` on a table (and `FORCE` it with `force`).
    pub fn with_row_level_security(
        mut self,
        table: &str,
        force: bool,
    ) -> Result<Self, ModelSetError> {
        let t = self.table_mut(&TableName::parse(table), "row level security", table)?;
        t.row_level_security = true;
        t.force_row_level_security = force;
        Ok(self)
    }

    /// `GRANT privileges ON table TO role` (`role` `public` for everyone).
    pub fn with_grant(
        mut self,
        table: &str,
        role: &str,
        privileges: &[&str],
    ) -> Result<Self, ModelSetError> {
        let t = self.table_mut(&TableName::parse(table), "grant", role)?;
        let mut privileges: Vec<String> = privileges.iter().map(|p| p.to_uppercase()).collect();
        match t.grants.iter_mut().find(|g| g.grantee == role) {
            Some(grant) => grant.privileges.append(&mut privileges),
            None => t.grants.push(Grant {
                grantee: role.to_string(),
                privileges,
            }),
        }
        for grant in &mut t.grants {
            grant.privileges.sort();
            grant.privileges.dedup();
        }
        t.grants.sort();
        Ok(self)
    }

    /// A type of the project's own, as its statement: `CREATE DOMAIN`, `CREATE TYPE … AS (…)`
    /// (composite), `CREATE TYPE … AS RANGE (…)` or `CREATE COLLATION`. Columns use it with
    /// `sql_type = "schema.name"`. It is created before the tables and compared as PostgreSQL
    /// deparses it; types in the database that the models do not declare are left alone.
    pub fn with_type(mut self, sql: &str) -> Result<Self, ModelSetError> {
        let mut words: Vec<(String, bool, bool)> = Vec::new();
        rewrite(sql, |site| {
            if site.kind == SiteKind::Ident && words.len() < 6 {
                words.push((site.value.clone(), site.qualifies, !site.quoted));
            }
            None
        });
        let lower: Vec<String> = words.iter().map(|w| w.0.to_ascii_lowercase()).collect();
        let (kind, at) = match lower
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["create", "domain", ..] => (OtherKind::Domain, 2),
            ["create", "collation", ..] => (OtherKind::Collation, 2),
            ["create", "type", ..] => {
                let upper = sql.to_ascii_uppercase();
                if upper.contains(" AS RANGE") {
                    (OtherKind::RangeType, 2)
                } else if upper.contains(" AS ENUM") {
                    return Err(declaration(
                        "type",
                        sql,
                        "an enum type is a `#[derive(Enum)]`, not a statement",
                    ));
                } else if upper.contains(" AS") {
                    (OtherKind::CompositeType, 2)
                } else {
                    return Err(declaration("type", sql, "only domains, composite types (`AS (...)`), range types (`AS RANGE (...)`) and collations are declared this way"));
                }
            }
            _ => {
                return Err(declaration(
                    "type",
                    sql,
                    "expected CREATE DOMAIN, CREATE TYPE or CREATE COLLATION",
                ))
            }
        };
        let fold = |(word, _, bare): &(String, bool, bool)| {
            if *bare {
                word.to_ascii_lowercase()
            } else {
                word.clone()
            }
        };
        let name = match words.get(at) {
            Some(first) if first.1 => match words.get(at + 1) {
                Some(second) => TableName::new(fold(first), fold(second)),
                None => return Err(declaration("type", sql, "no name after the schema")),
            },
            Some(only) => TableName::new("public", fold(only)),
            None => return Err(declaration("type", sql, "no name")),
        };
        let shown = format!("{}.{}", quote_ident(&name.schema), quote_ident(&name.name));
        if self.schema.types.iter().any(|t| t.name == shown) {
            return Err(declaration(
                "type",
                sql,
                &format!("{shown} is declared twice"),
            ));
        }
        let drop = match kind {
            OtherKind::Domain => "DROP DOMAIN",
            OtherKind::Collation => "DROP COLLATION",
            _ => "DROP TYPE",
        };
        self.schema.types.push(Other {
            kind,
            drop: format!("{drop} {shown}"),
            name: shown,
            create: sql.trim().trim_end_matches(';').to_string(),
            in_place: Default::default(),
            grants: Vec::new(),
        });
        Ok(self)
    }

    /// A partition of the partitioned model `parent` (`#[model(partition_by = "...")]`):
    /// `name` (or `schema.name`) holds the parent's rows for `bound`, as PostgreSQL writes it
    /// after the partition's name: `FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`,
    /// `FOR VALUES IN ('eu')`, `FOR VALUES WITH (modulus 4, remainder 0)` or `DEFAULT`. It has
    /// the parent's columns and is `UNLOGGED` when the parent is.
    pub fn with_partition(
        mut self,
        name: &str,
        parent: &str,
        bound: &str,
    ) -> Result<Self, ModelSetError> {
        let parent_name = TableName::parse(parent);
        let parent_table = self.table_mut(&parent_name, "partition", name)?;
        if parent_table.partition_by.is_none() {
            return Err(declaration(
                "partition",
                name,
                &format!("table `{parent_name}` is not partitioned: give its model `partition_by = \"range (column)\"`"),
            ));
        }
        let mut table = Table::new(TableName::parse(name));
        table.columns = parent_table
            .columns
            .iter()
            .map(|c| crate::schema::Column {
                identity: None,
                comment: None,
                grants: Vec::new(),
                ..c.clone()
            })
            .collect();
        // Declared on the parent, `UNLOGGED` is meant for the rows, which live in partitions.
        table.unlogged = parent_table.unlogged;
        table.partition_of = Some(PartitionOf {
            parent: parent_name,
            bound: bound.trim().to_string(),
        });
        if self.schema.tables.iter().any(|t| t.name == table.name) {
            return Err(declaration(
                "partition",
                name,
                "a table of that name is already declared",
            ));
        }
        self.schema.tables.push(table);
        Ok(self)
    }

    /// Options of a view declared before: `security_barrier=true`, `security_invoker=true`,
    /// `check_option=local` or `check_option=cascaded`.
    pub fn with_view_options(
        mut self,
        view: &str,
        options: &[&str],
    ) -> Result<Self, ModelSetError> {
        let name = TableName::parse(view);
        let Some(v) = self.schema.views.iter_mut().find(|v| v.name == name) else {
            return Err(declaration(
                "view options",
                view,
                "no view of that name is declared",
            ));
        };
        for option in options {
            let Some((key, value)) = option.split_once('=') else {
                return Err(declaration(
                    "view options",
                    view,
                    &format!("`{option}` is not `name=value`"),
                ));
            };
            let key = key.trim().to_ascii_lowercase();
            if !matches!(
                key.as_str(),
                "security_barrier" | "security_invoker" | "check_option"
            ) {
                return Err(declaration("view options", view, &format!("unknown view option `{key}`; expected security_barrier, security_invoker or check_option")));
            }
            v.options.retain(|o| !o.starts_with(&format!("{key}=")));
            v.options
                .push(format!("{key}={}", value.trim().to_ascii_lowercase()));
        }
        v.options.sort();
        Ok(self)
    }

    /// `GRANT privileges (column) ON table TO role`.
    pub fn with_column_grant(
        mut self,
        table: &str,
        column: &str,
        role: &str,
        privileges: &[&str],
    ) -> Result<Self, ModelSetError> {
        let t = self.table_mut(&TableName::parse(table), "column grant", role)?;
        let Some(c) = t.columns.iter_mut().find(|c| c.name == column) else {
            return Err(declaration(
                "column grant",
                role,
                &format!("table `{table}` has no column `{column}`"),
            ));
        };
        let mut privileges: Vec<String> = privileges.iter().map(|p| p.to_uppercase()).collect();
        match c.grants.iter_mut().find(|g| g.grantee == role) {
            Some(grant) => grant.privileges.append(&mut privileges),
            None => c.grants.push(Grant {
                grantee: role.to_string(),
                privileges,
            }),
        }
        for grant in &mut c.grants {
            grant.privileges.sort();
            grant.privileges.dedup();
        }
        c.grants.sort();
        Ok(self)
    }

    /// Whether the set declares nothing at all: no table, type, sequence, extension, view,
    /// function, trigger or policy (the plain `model-cli` binary's, which has no models of
    /// its own). Comparing such a set with a database would drop everything in it.
    pub fn is_empty(&self) -> bool {
        let s = &self.schema;
        s.tables.is_empty()
            && s.enums.is_empty()
            && s.sequences.is_empty()
            && s.extensions.is_empty()
            && s.views.is_empty()
            && s.functions.is_empty()
            && s.triggers.is_empty()
            && s.policies.is_empty()
            && s.statistics.is_empty()
            && s.types.is_empty()
    }

    /// Whether the set declares objects whose canonical form only a database can give:
    /// views, functions, triggers, policies, extensions, types, partitioned tables and
    /// exclusion constraints.
    pub fn declares_sql_objects(&self) -> bool {
        let s = &self.schema;
        !(s.views.is_empty()
            && s.functions.is_empty()
            && s.triggers.is_empty()
            && s.policies.is_empty()
            && s.statistics.is_empty()
            && s.extensions.is_empty()
            && s.types.is_empty()
            && s.tables.iter().all(|t| {
                t.partition_by.is_none() && t.partition_of.is_none() && t.exclusions.is_empty()
            }))
    }

    fn require_table(
        &mut self,
        table: &TableName,
        what: &str,
        name: &str,
    ) -> Result<(), ModelSetError> {
        self.table_mut(table, what, name).map(drop)
    }

    /// One of the models' tables, or an error naming the declaration that wanted it.
    fn table_mut(
        &mut self,
        table: &TableName,
        what: &str,
        name: &str,
    ) -> Result<&mut Table, ModelSetError> {
        self.schema
            .tables
            .iter_mut()
            .find(|t| &t.name == table)
            .ok_or_else(|| {
                declaration(
                    what,
                    name,
                    &format!("table `{table}` is not one of the gathered models"),
                )
            })
    }
}

fn view(name: &str, query: &str, materialized: bool) -> View {
    View {
        name: TableName::parse(name),
        definition: query.trim().to_string(),
        materialized,
        columns: Vec::new(),
        indexes: Vec::new(),
        depends_on: Vec::new(),
        options: Vec::new(),
        populated: true,
        grants: Vec::new(),
        column_grants: Vec::new(),
    }
}

/// A declaration error; `name` may be the start of the SQL text, cut to 60 characters.
fn declaration(what: &str, name: &str, message: &str) -> ModelSetError {
    let start: String = name.trim().chars().take(60).collect();
    ModelSetError {
        errors: vec![ModelError::Declaration {
            what: what.into(),
            name: start,
            message: message.into(),
        }],
    }
}

impl Sequence {
    /// A `bigint` sequence with PostgreSQL's defaults: start 1, increment 1, no cycle.
    pub fn new(name: &str) -> Sequence {
        Sequence {
            name: TableName::parse(name),
            data_type: SqlType::from_static("bigint"),
            start: 1,
            increment: 1,
            min_value: 1,
            max_value: i64::MAX,
            cache: 1,
            cycle: false,
            owned_by: None,
            grants: Vec::new(),
        }
    }

    /// `OWNED BY table.column` (`table` may be `schema.table`): dropped with that column.
    pub fn owned_by(mut self, table: &str, column: &str) -> Sequence {
        self.owned_by = Some(crate::schema::ColumnRef {
            table: TableName::parse(table),
            column: column.to_string(),
        });
        self
    }
}

impl Policy {
    /// A permissive policy `FOR ALL TO PUBLIC` on `table`; set the other fields as needed.
    pub fn new(name: &str, table: &str) -> Policy {
        Policy {
            name: name.to_string(),
            table: TableName::parse(table),
            permissive: true,
            command: "ALL".into(),
            roles: Vec::new(),
            using: None,
            with_check: None,
        }
    }
}
