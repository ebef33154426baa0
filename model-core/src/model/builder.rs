//! Builds a model's [`Table`] from what the derive read, filling in the constraint and index
//! names PostgreSQL would choose where the model gives none.

use super::{ModelDef, Relationship};
use crate::diff::Rename;
use crate::schema::{
    default_constraint_name, CheckConstraint, Column, FkAction, ForeignKey, Index, IndexKey,
    PrimaryKey, Table, TableName, UniqueConstraint,
};

/// Collects one model's table and relationships. Generated code drives it; it is public so
/// that hand-written [`Model`](super::Model) impls can use it too.
#[derive(Debug)]
pub struct TableBuilder {
    rust_name: &'static str,
    module_path: &'static str,
    table: Table,
    relationships: Vec<Relationship>,
    primary_key: Option<(Option<String>, Vec<String>)>,
    renames: Vec<Rename>,
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
            relationships: Vec::new(),
            renames: Vec::new(),
            primary_key: None,
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

    /// Adds a column.
    pub fn column(&mut self, column: Column) -> &mut Self {
        self.table.columns.push(column);
        self
    }

    /// Sets the primary key (name `<table>_pkey` when `name` is `None`).
    pub fn primary_key(&mut self, name: Option<&str>, columns: &[&str]) -> &mut Self {
        self.primary_key = Some((name.map(str::to_string), strings(columns)));
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
            timing: Default::default(),
        });
        self
    }

    /// Adds a check constraint; a column-level check named `None` gets `<table>_<column>_check`.
    pub fn check(
        &mut self,
        name: Option<&str>,
        column: Option<&str>,
        expression: &str,
    ) -> &mut Self {
        let columns: Vec<&str> = column.into_iter().collect();
        let name = self.name_or_default(name, &columns, "check");
        self.table.checks.push(CheckConstraint {
            name,
            expression: expression.to_string(),
            not_valid: false,
            no_inherit: false,
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
            options: Vec::new(),
            attached_to: None,
        });
        self
    }

    /// Adds a relationship field.
    pub fn relationship(&mut self, relationship: Relationship) -> &mut Self {
        self.relationships.push(relationship);
        self
    }

    /// The finished model.
    pub fn finish(mut self) -> ModelDef {
        if let Some((name, columns)) = self.primary_key.take() {
            let name = name.unwrap_or_else(|| {
                default_constraint_name(&self.table.name.name, &[] as &[&str], "pkey")
            });
            self.table.primary_key = Some(PrimaryKey {
                name,
                columns,
                timing: Default::default(),
            });
        }
        ModelDef {
            rust_name: self.rust_name,
            module_path: self.module_path,
            table: self.table,
            relationships: self.relationships,
            renames: self.renames,
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
