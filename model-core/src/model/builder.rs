//! Builds a model's [`Table`] from what the derive read, filling in the constraint and index
//! names PostgreSQL would choose where the model gives none.

use super::{ModelDef, Relationship};
use crate::schema::Rename;
use crate::schema::{
    default_constraint_name, make_object_name, CheckConstraint, Column, Deferral,
    ExclusionConstraint, FkAction, ForeignKey, Index, IndexKey, PrimaryKey, ReplicaIdentity, Table,
    TableName, UniqueConstraint,
};
use crate::sql::tokens::{any_site, SiteKind};

/// Collects one model's table and relationships. Generated code drives it; it is public so
/// that hand-written [`Model`](super::Model) impls can use it too.
#[derive(Debug)]
pub struct TableBuilder {
    rust_name: &'static str,
    module_path: &'static str,
    table: Table,
    relationships: Vec<Relationship>,
    primary_key: Option<(Option<String>, Vec<String>, Deferral)>,
    /// The primary key's last column is `WITHOUT OVERLAPS`.
    primary_key_without_overlaps: bool,
    renames: Vec<Rename>,
    declared_types: Vec<String>,
    conversions: Vec<(String, String)>,
    reversions: Vec<(String, String)>,
    renamed_fields: Vec<(&'static str, String)>,
}

impl TableBuilder {
    /// Starts the table `schema.name` of the Rust type `rust_name` declared in `module_path`.
    pub fn new(
        rust_name: &'static str,
        module_path: &'static str,
        schema: &str,
        name: &str,
    ) -> Self {
        TableBuilder {
            rust_name,
            module_path,
            table: Table::new(TableName::new(schema, name)),
            renamed_fields: Vec::new(),
            relationships: Vec::new(),
            renames: Vec::new(),
            declared_types: Vec::new(),
            conversions: Vec::new(),
            reversions: Vec::new(),
            primary_key: None,
            primary_key_without_overlaps: false,
        }
    }

    /// Sets the table comment.
    pub fn comment(&mut self, comment: &str) -> &mut Self {
        self.table.comment = Some(comment.to_string());
        self
    }

    /// The table was called `old` (in the same schema) before.
    pub fn renamed_from(&mut self, old: &str) -> &mut Self {
        self.renames.push(Rename::Table {
            from: TableName::new(self.table.name.schema.clone(), old),
            to: self.table.name.clone(),
        });
        self
    }

    /// The column `name` was called `old` before.
    pub fn column_renamed_from(&mut self, name: &str, old: &str) -> &mut Self {
        self.renames.push(Rename::Column {
            table: self.table.name.clone(),
            from: old.to_string(),
            to: name.to_string(),
        });
        self
    }

    /// The column `name` has a type of the project's own given by `sql_type` (a domain,
    /// composite or range type), which is not looked for among the gathered enums.
    pub fn declared_type(&mut self, name: &str) -> &mut Self {
        self.declared_types.push(name.to_string());
        self
    }

    /// The column `name`'s values convert to its type by `expression` when the type changes
    /// (`#[model(using = "...")]`: `ALTER COLUMN … TYPE … USING expression`).
    pub fn converted_using(&mut self, name: &str, expression: &str) -> &mut Self {
        self.conversions
            .push((name.to_string(), expression.to_string()));
        self
    }

    /// The column `name`'s values convert back to the type it had by `expression` when a
    /// downgrade undoes its type change (`#[model(downgrade_using = "...")]`).
    pub fn converted_back_using(&mut self, name: &str, expression: &str) -> &mut Self {
        self.reversions
            .push((name.to_string(), expression.to_string()));
        self
    }

    /// Adds a column.
    pub fn column(&mut self, column: Column) -> &mut Self {
        self.table.columns.push(column);
        self
    }

    /// Sets the primary key (name `<table>_pkey` when `name` is `None`).
    pub fn primary_key(&mut self, name: Option<&str>, columns: &[&str]) -> &mut Self {
        self.primary_key = Some((
            name.map(str::to_string),
            strings(columns),
            Deferral::default(),
        ));
        self
    }

    /// Sets the primary key, `DEFERRABLE` (and `INITIALLY DEFERRED`) when asked.
    pub fn primary_key_with(
        &mut self,
        name: Option<&str>,
        columns: &[&str],
        deferrable: bool,
        initially_deferred: bool,
    ) -> &mut Self {
        let timing = Deferral {
            deferrable: deferrable || initially_deferred,
            initially_deferred,
        };
        self.primary_key = Some((name.map(str::to_string), strings(columns), timing));
        self
    }

    /// Makes the foreign key added last `NOT VALID`: rows already there are not checked.
    pub fn not_valid_last_foreign_key(&mut self) -> &mut Self {
        if let Some(fk) = self.table.foreign_keys.last_mut() {
            fk.not_valid = true;
        }
        self
    }

    /// Makes the primary key a temporal one: its last column `WITHOUT OVERLAPS` (PostgreSQL 18).
    pub fn without_overlaps_primary_key(&mut self) -> &mut Self {
        self.primary_key_without_overlaps = true;
        self
    }

    /// Makes the unique constraint added last a temporal one: its last column `WITHOUT
    /// OVERLAPS` (PostgreSQL 18).
    pub fn without_overlaps_last_unique(&mut self) -> &mut Self {
        if let Some(unique) = self.table.uniques.last_mut() {
            unique.without_overlaps = true;
        }
        self
    }

    /// Makes the foreign key added last `NOT ENFORCED` (PostgreSQL 18).
    pub fn not_enforced_last_foreign_key(&mut self) -> &mut Self {
        if let Some(fk) = self.table.foreign_keys.last_mut() {
            fk.not_enforced = true;
        }
        self
    }

    /// Makes the foreign key added last a temporal one: `PERIOD` on its last column pair
    /// (PostgreSQL 18).
    pub fn period_last_foreign_key(&mut self) -> &mut Self {
        if let Some(fk) = self.table.foreign_keys.last_mut() {
            fk.period = true;
        }
        self
    }

    /// Limits the `ON DELETE SET NULL` / `SET DEFAULT` of the foreign key added last to these
    /// of its columns (PostgreSQL 15).
    pub fn on_delete_columns_last_foreign_key(&mut self, columns: &[&str]) -> &mut Self {
        if let Some(fk) = self.table.foreign_keys.last_mut() {
            fk.on_delete_columns = strings(columns);
        }
        self
    }

    /// Makes the check added last `NOT ENFORCED` (PostgreSQL 18).
    pub fn not_enforced_last_check(&mut self) -> &mut Self {
        if let Some(check) = self.table.checks.last_mut() {
            check.not_enforced = true;
        }
        self
    }

    /// Makes the check added last `NOT VALID` and/or `NO INHERIT`.
    pub fn flag_last_check(&mut self, not_valid: bool, no_inherit: bool) -> &mut Self {
        if let Some(check) = self.table.checks.last_mut() {
            check.not_valid = not_valid;
            check.no_inherit = no_inherit;
        }
        self
    }

    /// Adds an exclusion constraint; `definition` is what follows the name
    /// (`EXCLUDE USING gist (room WITH =, during WITH &&)`).
    pub fn exclusion(&mut self, name: &str, definition: &str) -> &mut Self {
        self.table.exclusions.push(ExclusionConstraint {
            name: name.to_string(),
            definition: definition.to_string(),
        });
        self
    }

    /// Storage parameters (`fillfactor=70`, `toast.autovacuum_enabled=false`).
    pub fn storage(&mut self, options: &[&str]) -> &mut Self {
        self.table.options = strings(options);
        self.table.options.sort();
        self
    }

    /// `UNLOGGED`.
    pub fn unlogged(&mut self) -> &mut Self {
        self.table.unlogged = true;
        self
    }

    /// `REPLICA IDENTITY`: `default`, `full`, `nothing`, or the name of a unique index.
    pub fn replica_identity(&mut self, identity: &str) -> &mut Self {
        self.table.replica_identity = match identity.trim().to_ascii_lowercase().as_str() {
            "default" => ReplicaIdentity::Default,
            "full" => ReplicaIdentity::Full,
            "nothing" => ReplicaIdentity::Nothing,
            _ => ReplicaIdentity::Index(identity.trim().to_string()),
        };
        self
    }

    /// `PARTITION BY …` (`range (created_at)`): a partitioned table.
    pub fn partition_by(&mut self, key: &str) -> &mut Self {
        self.table.partition_by = Some(key.trim().to_string());
        self
    }

    /// Adds a foreign key from `columns` to `references` (`table` or `schema.table`).
    pub fn foreign_key(
        &mut self,
        name: Option<&str>,
        columns: &[&str],
        references: &str,
        referenced_columns: &[&str],
        on_delete: FkAction,
        on_update: FkAction,
    ) -> &mut Self {
        let name = self.name_or_default(name, columns, "fkey");
        self.table.foreign_keys.push(ForeignKey {
            name,
            columns: strings(columns),
            references: TableName::parse(references),
            referenced_columns: strings(referenced_columns),
            on_delete,
            on_update,
            match_full: false,
            not_enforced: false,
            period: false,
            on_delete_columns: Vec::new(),
            deferrable: false,
            initially_deferred: false,
            not_valid: false,
        });
        self
    }

    /// Adds a foreign key with `MATCH FULL` and `DEFERRABLE` options.
    #[allow(clippy::too_many_arguments)]
    pub fn foreign_key_with(
        &mut self,
        name: Option<&str>,
        columns: &[&str],
        references: &str,
        referenced_columns: &[&str],
        on_delete: FkAction,
        on_update: FkAction,
        options: [bool; 3],
    ) -> &mut Self {
        self.foreign_key(
            name,
            columns,
            references,
            referenced_columns,
            on_delete,
            on_update,
        );
        let [match_full, deferrable, initially_deferred] = options;
        let fk = self.table.foreign_keys.last_mut().expect("just added");
        fk.match_full = match_full;
        fk.deferrable = deferrable || initially_deferred;
        fk.initially_deferred = initially_deferred;
        self
    }

    /// Adds a unique constraint.
    /// Makes the foreign key added last `DEFERRABLE` (and `INITIALLY DEFERRED`).
    pub fn defer_last_foreign_key(&mut self, initially_deferred: bool) -> &mut Self {
        if let Some(fk) = self.table.foreign_keys.last_mut() {
            fk.deferrable = true;
            fk.initially_deferred = initially_deferred;
        }
        self
    }

    /// Makes the unique constraint added last `DEFERRABLE` (and `INITIALLY DEFERRED`).
    pub fn defer_last_unique(&mut self, initially_deferred: bool) -> &mut Self {
        if let Some(unique) = self.table.uniques.last_mut() {
            unique.timing = crate::schema::Deferral {
                deferrable: true,
                initially_deferred,
            };
        }
        self
    }

    pub fn unique(&mut self, name: Option<&str>, columns: &[&str]) -> &mut Self {
        self.unique_with(name, columns, false)
    }

    /// Adds a unique constraint, `NULLS NOT DISTINCT` when asked.
    pub fn unique_with(
        &mut self,
        name: Option<&str>,
        columns: &[&str],
        nulls_not_distinct: bool,
    ) -> &mut Self {
        let name = self.name_or_default(name, columns, "key");
        self.table.uniques.push(UniqueConstraint {
            name,
            columns: strings(columns),
            nulls_not_distinct,
            without_overlaps: false,
            timing: Default::default(),
        });
        self
    }

    /// Adds a check constraint. One named `None` gets PostgreSQL's name: `<table>_<column>_check`
    /// when the expression reads exactly one column, else `<table>_check`, numbered when taken.
    /// (`column` is the field the check was declared on; the expression decides.)
    pub fn check(
        &mut self,
        name: Option<&str>,
        column: Option<&str>,
        expression: &str,
    ) -> &mut Self {
        let _ = column;
        let name = match name {
            Some(name) => name.to_string(),
            None => self.check_name(expression),
        };
        self.table.checks.push(CheckConstraint {
            name,
            expression: expression.to_string(),
            not_valid: false,
            no_inherit: false,
            not_enforced: false,
        });
        self
    }

    /// Adds an index.
    pub fn index(
        &mut self,
        name: Option<&str>,
        columns: &[&str],
        unique: bool,
        method: &str,
        predicate: Option<&str>,
    ) -> &mut Self {
        self.index_with(name, columns, &[], unique, method, predicate)
    }

    /// Adds an index with `INCLUDE` columns.
    pub fn index_with(
        &mut self,
        name: Option<&str>,
        columns: &[&str],
        include: &[&str],
        unique: bool,
        method: &str,
        predicate: Option<&str>,
    ) -> &mut Self {
        let name = self.name_or_default(name, columns, "idx");
        self.table.indexes.push(Index {
            name,
            keys: columns.iter().map(|c| IndexKey::column(*c)).collect(),
            include: strings(include),
            unique,
            nulls_not_distinct: false,
            method: method.to_string(),
            predicate: predicate.map(str::to_string),
            invalid: false,
            on_only: false,
            options: Vec::new(),
            attached_to: None,
        });
        self
    }

    /// Adds an index whose keys may be expressions or carry modifiers. `name_parts` are the
    /// words an unnamed index's name is made of (a column's name, a called function's, `expr`).
    #[allow(clippy::too_many_arguments)]
    pub fn index_with_keys(
        &mut self,
        name: Option<&str>,
        keys: Vec<IndexKey>,
        name_parts: &[&str],
        include: &[&str],
        unique: bool,
        method: &str,
        predicate: Option<&str>,
    ) -> &mut Self {
        self.index_with(name.or(Some("")), &[], include, unique, method, predicate);
        let index = self.table.indexes.last_mut().expect("just added");
        index.keys = keys;
        if name.is_none() {
            index.name = default_constraint_name(&self.table.name.name, name_parts, "idx");
        }
        self
    }

    /// `NULLS NOT DISTINCT` and storage parameters of the index added last.
    pub fn last_index_options(&mut self, nulls_not_distinct: bool, options: &[&str]) -> &mut Self {
        if let Some(index) = self.table.indexes.last_mut() {
            index.nulls_not_distinct = nulls_not_distinct;
            index.options = strings(options);
            index.options.sort();
        }
        self
    }

    /// PostgreSQL's name for an unnamed check (`ChooseConstraintName`): after the one column
    /// the expression reads, if it reads exactly one, and numbered past the table's names.
    fn check_name(&self, expression: &str) -> String {
        let mut read: Vec<&str> = Vec::new();
        any_site(expression, |site| {
            if site.kind == SiteKind::Ident && !site.call && !site.cast && !site.qualifies {
                if let Some(column) = self.table.columns.iter().find(|c| c.name == site.value) {
                    if !read.contains(&column.name.as_str()) {
                        read.push(&column.name);
                    }
                }
            }
            false
        });
        let column = (read.len() == 1).then(|| read[0]);
        let taken = |candidate: &str| {
            self.table.checks.iter().any(|c| c.name == candidate)
                || self.table.uniques.iter().any(|c| c.name == candidate)
                || self.table.foreign_keys.iter().any(|c| c.name == candidate)
                || self.table.exclusions.iter().any(|c| c.name == candidate)
        };
        let mut pass = 0;
        loop {
            let label = if pass == 0 {
                "check".to_string()
            } else {
                format!("check{pass}")
            };
            let candidate = make_object_name(&self.table.name.name, column, Some(&label));
            if !taken(&candidate) {
                return candidate;
            }
            pass += 1;
        }
    }

    /// Says that the field `field` holds the column `column` (a field named apart from its
    /// column, `#[model(name = "...")]`), so a relationship's `foreign_key = field` finds it.
    pub fn field_column(&mut self, field: &'static str, column: &str) -> &mut Self {
        self.renamed_fields.push((field, column.to_string()));
        self
    }

    /// Adds a relationship field.
    pub fn relationship(&mut self, relationship: Relationship) -> &mut Self {
        self.relationships.push(relationship);
        self
    }

    /// The finished model.
    pub fn finish(mut self) -> ModelDef {
        if let Some((name, columns, timing)) = self.primary_key.take() {
            let name = name.unwrap_or_else(|| {
                default_constraint_name(&self.table.name.name, &[] as &[&str], "pkey")
            });
            self.table.primary_key = Some(PrimaryKey {
                name,
                columns,
                without_overlaps: self.primary_key_without_overlaps,
                timing,
            });
        }
        ModelDef {
            rust_name: self.rust_name,
            module_path: self.module_path,
            table: self.table,
            relationships: self.relationships,
            renames: self.renames,
            declared_types: self.declared_types,
            renamed_fields: self.renamed_fields,
            conversions: self.conversions,
            reversions: self.reversions,
        }
    }

    fn name_or_default(&self, name: Option<&str>, columns: &[&str], label: &str) -> String {
        match name {
            Some(name) => name.to_string(),
            None => default_constraint_name(&self.table.name.name, columns, label),
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
