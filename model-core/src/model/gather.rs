//! Gathering models into one schema, with the checks a single derive cannot make because it
//! sees only its own struct: foreign keys to other tables, relationship paths, `back_populates`
//! pairs, and names shared across tables.

use std::collections::BTreeMap;
use std::fmt;

use super::{Cascade, EnumRegistration, ModelDef, Registration, Relationship};
use crate::schema::qualified;
use crate::schema::Rename;
use crate::schema::{EnumType, ForeignKey, Schema, Table, TableName};

/// Models gathered into one schema description, with every relationship resolved.
#[derive(Debug, Clone)]
pub struct ModelSet {
    models: Vec<ModelDef>,
    pub(super) schema: Schema,
    relationships: Vec<ResolvedRelationship>,
    renames: Vec<Rename>,
}

/// How a relationship reaches its target in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelationshipKind {
    /// This table holds the foreign key (`Order.customer`).
    ManyToOne {
        /// The foreign key constraint of this table.
        foreign_key: String,
    },
    /// The target table holds the foreign key (`Customer.orders`).
    OneToMany {
        /// The foreign key constraint of the target table.
        foreign_key: String,
    },
    /// Through a plain association table (`Product.tags` through `product_tags`).
    ManyToMany {
        /// The association table.
        secondary: TableName,
    },
}

/// A relationship with its path through the schema worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRelationship {
    /// The model declaring the field.
    pub model: &'static str,
    /// The field.
    pub field: &'static str,
    /// The target model.
    pub target: &'static str,
    /// The database path.
    pub kind: RelationshipKind,
    /// The target's field that points back.
    pub back_populates: Option<&'static str>,
    /// ORM cascade rules.
    pub cascade: Cascade,
}

/// One problem found while gathering models. Each message names both sides.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A table's `renamed_from` names a table another model declares now.
    #[error("`{model}` says its table `{table}` was renamed from `{old}`, but model `{other}` declares table `{old}`")]
    RenamedFromTaken {
        model: &'static str,
        table: TableName,
        old: TableName,
        other: &'static str,
    },
    /// A column's `renamed_from` names another column of the same table.
    #[error("`{model}.{column}` says it was renamed from `{old}`, but `{model}` still has a column `{old}`")]
    RenamedFromColumnTaken {
        model: &'static str,
        column: String,
        old: String,
    },
    /// Two models declare the same table.
    #[error("models `{first}` and `{second}` both declare table `{table}`")]
    DuplicateTable {
        table: TableName,
        first: &'static str,
        second: &'static str,
    },
    /// A foreign key names a table no model declares.
    #[error("`{model}.{column}` references table `{target}`, which no model declares")]
    UnknownForeignKeyTable {
        model: &'static str,
        column: String,
        target: TableName,
    },
    /// A foreign key names a column the referenced table does not have.
    #[error("`{model}.{column}` references `{target}.{target_column}`, but `{target_model}` (table `{target}`) has no column `{target_column}`")]
    UnknownForeignKeyColumn {
        model: &'static str,
        column: String,
        target: TableName,
        target_model: &'static str,
        target_column: String,
    },
    /// A foreign key column's type differs from the referenced column's.
    #[error("`{model}.{column}` is `{column_type}` but the column it references, `{target_model}.{target_column}` (`{target}.{target_column}`), is `{target_type}`; foreign key columns must have the referenced column's type")]
    ForeignKeyTypeMismatch {
        model: &'static str,
        column: String,
        column_type: String,
        target_model: &'static str,
        target: TableName,
        target_column: String,
        target_type: String,
    },
    /// A foreign key's referenced columns are not a primary key or unique constraint.
    #[error("`{model}` has foreign key `{constraint}` to `{target}` ({columns}), but those columns are not the primary key or a unique constraint of `{target_model}`; PostgreSQL refuses such a foreign key")]
    ForeignKeyTargetNotUnique {
        model: &'static str,
        constraint: String,
        target: TableName,
        target_model: &'static str,
        columns: String,
    },
    /// Two constraints or indexes share a name where PostgreSQL needs them distinct.
    #[error("{first} and {second} are both named `{name}`; {scope}")]
    DuplicateName {
        name: String,
        first: String,
        second: String,
        scope: &'static str,
    },
    /// A relationship targets a model that is not in the set.
    #[error("relationship `{model}.{field}` targets `{target}` (table `{table}`), which is not among the gathered models")]
    UnknownRelationshipTarget {
        model: &'static str,
        field: &'static str,
        target: &'static str,
        table: TableName,
    },
    /// `secondary` names a table no model declares.
    #[error("relationship `{model}.{field}` has `secondary = {secondary}`, but no model declares table `{secondary}`")]
    UnknownSecondary {
        model: &'static str,
        field: &'static str,
        secondary: TableName,
    },
    /// The association table lacks a foreign key to one side.
    #[error("relationship `{model}.{field}` goes through `{secondary}`, but `{secondary}` has no foreign key to `{missing}`")]
    SecondaryWithoutForeignKey {
        model: &'static str,
        field: &'static str,
        secondary: TableName,
        missing: TableName,
    },
    /// Neither table has a foreign key to the other.
    #[error("relationship `{model}.{field}` to `{target}`: there is no foreign key between `{table}` and `{target_table}`; add a `foreign_key` column on one side, or use `secondary` for a many-to-many")]
    NoForeignKeyPath {
        model: &'static str,
        field: &'static str,
        target: &'static str,
        table: TableName,
        target_table: TableName,
    },
    /// More than one foreign key joins the two tables.
    #[error("relationship `{model}.{field}` to `{target}` could use any of the foreign keys {candidates}; choose one with `relationship(foreign_key = <column>)`")]
    AmbiguousForeignKeyPath {
        model: &'static str,
        field: &'static str,
        target: &'static str,
        candidates: String,
    },
    /// `foreign_key` names columns that are not a foreign key between the two tables.
    #[error("relationship `{model}.{field}` names `foreign_key = {columns}`, but no foreign key on those columns joins `{table}` and `{target_table}`")]
    UnknownRelationshipForeignKey {
        model: &'static str,
        field: &'static str,
        columns: String,
        table: TableName,
        target_table: TableName,
    },
    /// The field's Rust type holds one value where many are needed, or the reverse.
    #[error("relationship `{model}.{field}` is {kind}, so the field must {expected}")]
    CollectionMismatch {
        model: &'static str,
        field: &'static str,
        kind: &'static str,
        expected: String,
    },
    /// `back_populates` names a field the target does not have as a relationship.
    #[error("relationship `{model}.{field}` has `back_populates = {back}`, but `{target}` has no relationship field `{back}`")]
    BackPopulatesMissing {
        model: &'static str,
        field: &'static str,
        target: &'static str,
        back: &'static str,
    },
    /// The other side of a `back_populates` pair targets another model.
    #[error("relationship `{model}.{field}` has `back_populates = {back}`, but `{target}.{back}` targets `{other_target}`, not `{model}`")]
    BackPopulatesWrongTarget {
        model: &'static str,
        field: &'static str,
        target: &'static str,
        back: &'static str,
        other_target: &'static str,
    },
    /// The other side of a `back_populates` pair does not point back.
    #[error("relationship `{model}.{field}` has `back_populates = {back}`, but `{target}.{back}` does not point back: it has {found}; give it `back_populates = {field}`")]
    BackPopulatesNotMutual {
        model: &'static str,
        field: &'static str,
        target: &'static str,
        back: &'static str,
        found: String,
    },
    /// The two sides of a `back_populates` pair describe different paths.
    #[error("relationships `{model}.{field}` ({kind}) and `{target}.{back}` ({other_kind}) are a `back_populates` pair but do not describe the same link")]
    BackPopulatesMismatch {
        model: &'static str,
        field: &'static str,
        kind: String,
        target: &'static str,
        back: &'static str,
        other_kind: String,
    },
    /// A column's type is an enum type no gathered `#[derive(Enum)]` declares.
    #[error("`{model}.{column}` has type `{ty}`, which no gathered enum declares; gather its `#[derive(Enum)]` type with the models")]
    UnknownEnumType {
        model: &'static str,
        column: String,
        ty: String,
    },
    /// Two enums declare the same type.
    #[error("two enums declare type `{0}`")]
    DuplicateEnum(TableName),
    /// An object declared in SQL that does not fit.
    #[error("{what} `{name}`: {message}")]
    Declaration {
        what: String,
        name: String,
        message: String,
    },
    /// `delete-orphan` on the many side of a many-to-one.
    #[error("relationship `{model}.{field}` is many-to-one (to `{target}`), and `delete-orphan` cascade is only allowed on the one side of a one-to-many or one-to-one; put it on `{target}`'s relationship to `{model}` instead")]
    DeleteOrphanOnManyToOne {
        model: &'static str,
        field: &'static str,
        target: &'static str,
    },
}

/// Every problem found while gathering models, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSetError {
    /// The problems, in the order the models were given.
    pub errors: Vec<ModelError>,
}

impl fmt::Display for ModelSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "{n} problem{} in the models:",
            if n == 1 { "" } else { "s" }
        )?;
        for error in &self.errors {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ModelSetError {}

/// Gathers the listed models into a [`ModelSet`]: `models![Customer, Order]`, or with the
/// enum types their columns use: `models![Customer, Order; OrderStatus]`.
#[macro_export]
macro_rules! models {
    // Through arrays of function pointers, called one at a time: an array of the models
    // themselves would be built on the stack, and a thousand of them overflow a thread's
    // stack in a debug build.
    ($($model:ty),+ $(,)?) => {
        $crate::ModelSet::new(
            [$(<$model as $crate::Model>::model as fn() -> $crate::ModelDef),+]
                .into_iter()
                .map(|model| model()),
        )
    };
    ($($model:ty),+ ; $($enum:ty),+ $(,)?) => {
        $crate::ModelSet::with_enums(
            [$(<$model as $crate::Model>::model as fn() -> $crate::ModelDef),+]
                .into_iter()
                .map(|model| model()),
            [$(<$enum as $crate::DbEnum>::enum_type()),+],
        )
        .map(|set| set.with_renames([$(<$enum as $crate::DbEnum>::renames()),+].into_iter().flatten()))
    };
}

impl ModelSet {
    /// Gathers the given models, in the given order.
    pub fn new(models: impl IntoIterator<Item = ModelDef>) -> Result<ModelSet, ModelSetError> {
        Self::with_enums(models, [])
    }

    /// Gathers the given models and the enum types their columns use.
    pub fn with_enums(
        models: impl IntoIterator<Item = ModelDef>,
        enums: impl IntoIterator<Item = EnumType>,
    ) -> Result<ModelSet, ModelSetError> {
        let models: Vec<ModelDef> = models.into_iter().collect();
        let enums: Vec<EnumType> = enums.into_iter().collect();
        let mut errors = Vec::new();
        check_enums(&models, &enums, &mut errors);
        let index = TableIndex::new(&models, &mut errors);
        check_foreign_keys(&models, &index, &mut errors);
        check_names(&models, &mut errors);
        let relationships = resolve_relationships(&models, &index, &mut errors);
        check_back_populates(&models, &index, &relationships, &mut errors);
        check_renames(&models, &mut errors);
        if !errors.is_empty() {
            return Err(ModelSetError { errors });
        }
        let schema = Schema {
            tables: models.iter().map(|m| normalized(&m.table)).collect(),
            enums,
            ..Schema::default()
        };
        let renames = models.iter().flat_map(|m| m.renames.clone()).collect();
        Ok(ModelSet {
            models,
            schema,
            relationships,
            renames,
        })
    }

    /// Declared renames (`renamed_from` on models, fields and enums, and [`Self::with_rename`]),
    /// which autogenerate turns into `ALTER … RENAME` instead of a drop and an add.
    pub fn renames(&self) -> &[Rename] {
        &self.renames
    }

    /// Declares a rename the derive cannot express: an index, a constraint, a view, a
    /// sequence or a function that had another name (or any other kind of [`Rename`]).
    /// `Rename::Index { table: TableName::parse("orders"), from: "orders_ix".into(), to:
    /// "orders_customer_id_idx".into() }`. A hint the database already reflects is harmless.
    pub fn with_rename(mut self, rename: Rename) -> Self {
        if !self.renames.contains(&rename) {
            self.renames.push(rename);
        }
        self
    }

    /// [`Self::with_rename`] for several.
    pub fn with_renames(self, renames: impl IntoIterator<Item = Rename>) -> Self {
        renames.into_iter().fold(self, Self::with_rename)
    }

    /// Gathers every `#[derive(Model)]` type linked into this program, sorted by table name.
    pub fn registered() -> Result<ModelSet, ModelSetError> {
        Self::registered_where(|_| true)
    }

    /// Gathers the registered models declared in `module` or its submodules
    /// (`registered_in("shop::models")`).
    pub fn registered_in(module: &str) -> Result<ModelSet, ModelSetError> {
        Self::registered_where(|path| {
            path == module
                || path
                    .strip_prefix(module)
                    .is_some_and(|rest| rest.starts_with("::"))
        })
    }

    fn registered_where(keep: impl Fn(&str) -> bool) -> Result<ModelSet, ModelSetError> {
        let mut models: Vec<ModelDef> = inventory::iter::<Registration>
            .into_iter()
            .filter(|r| keep(r.module_path))
            .map(|r| (r.model)())
            .collect();
        models.sort_by(|a, b| {
            a.table
                .name
                .cmp(&b.table.name)
                .then(a.rust_name.cmp(b.rust_name))
        });
        let registrations: Vec<&EnumRegistration> = inventory::iter::<EnumRegistration>
            .into_iter()
            .filter(|r| keep(r.module_path))
            .collect();
        let mut enums: Vec<EnumType> = registrations.iter().map(|r| (r.enum_type)()).collect();
        enums.sort_by(|a, b| a.name.cmp(&b.name));
        let mut renames: Vec<Rename> = registrations.iter().flat_map(|r| (r.renames)()).collect();
        renames.sort();
        ModelSet::with_enums(models, enums).map(|set| set.with_renames(renames))
    }

    /// The schema description of all the models' tables.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The models, in the order they were gathered.
    pub fn models(&self) -> &[ModelDef] {
        &self.models
    }

    /// Every relationship, resolved, in declaration order.
    pub fn relationships(&self) -> &[ResolvedRelationship] {
        &self.relationships
    }

    /// The schema description, consuming the set.
    pub fn into_schema(self) -> Schema {
        self.schema
    }
}

/// The table as introspection would read it where two spellings mean the same: identity
/// options equal to PostgreSQL's defaults are `None`, operator classes of `pg_catalog` are
/// unqualified. Spelling either out on a model never shows as a change.
fn normalized(table: &crate::schema::Table) -> crate::schema::Table {
    let mut table = table.clone();
    for column in &mut table.columns {
        if let Some(identity) = &column.identity {
            column.identity = Some(identity.normalized(&column.ty));
        }
    }
    // `pg_catalog.jsonb_path_ops` and `jsonb_path_ops` are one operator class.
    for key in table.indexes.iter_mut().flat_map(|i| i.keys.iter_mut()) {
        if let Some(bare) = key
            .opclass
            .as_deref()
            .and_then(|o| o.strip_prefix("pg_catalog."))
        {
            key.opclass = Some(bare.to_string());
        }
    }
    table
}

/// Every user-defined column type (spelled `schema.name`) must be a gathered enum.
fn check_enums(models: &[ModelDef], enums: &[EnumType], errors: &mut Vec<ModelError>) {
    let mut names: Vec<String> = Vec::new();
    for e in enums {
        let name = qualified(&e.name);
        if names.contains(&name) {
            errors.push(ModelError::DuplicateEnum(e.name.clone()));
        }
        names.push(name);
    }
    for model in models {
        for column in &model.table.columns {
            let base = column.ty.element();
            if matches!(column.ty.name(), crate::schema::TypeName::Named { .. })
                && !names.iter().any(|n| n == base)
                && !model.declared_types.contains(&column.name)
            {
                errors.push(ModelError::UnknownEnumType {
                    model: model.rust_name,
                    column: column.name.clone(),
                    ty: column.ty.to_string(),
                });
            }
        }
    }
}

/// Tables by name, with the model declaring each.
struct TableIndex<'a> {
    tables: BTreeMap<&'a TableName, &'a ModelDef>,
}

impl<'a> TableIndex<'a> {
    fn new(models: &'a [ModelDef], errors: &mut Vec<ModelError>) -> Self {
        let mut tables: BTreeMap<&TableName, &ModelDef> = BTreeMap::new();
        for model in models {
            if let Some(first) = tables.get(&model.table.name) {
                errors.push(ModelError::DuplicateTable {
                    table: model.table.name.clone(),
                    first: first.rust_name,
                    second: model.rust_name,
                });
                continue;
            }
            tables.insert(&model.table.name, model);
        }
        TableIndex { tables }
    }

    fn get(&self, name: &TableName) -> Option<&'a ModelDef> {
        self.tables.get(name).copied()
    }
}

fn check_foreign_keys(models: &[ModelDef], index: &TableIndex, errors: &mut Vec<ModelError>) {
    for model in models {
        for fk in &model.table.foreign_keys {
            let Some(target) = index.get(&fk.references) else {
                errors.push(ModelError::UnknownForeignKeyTable {
                    model: model.rust_name,
                    column: fk.columns.join(", "),
                    target: fk.references.clone(),
                });
                continue;
            };
            let mut columns_ok = true;
            for (column, target_column) in fk.columns.iter().zip(&fk.referenced_columns) {
                let Some(referenced) = target.table.column(target_column) else {
                    columns_ok = false;
                    errors.push(ModelError::UnknownForeignKeyColumn {
                        model: model.rust_name,
                        column: column.clone(),
                        target: fk.references.clone(),
                        target_model: target.rust_name,
                        target_column: target_column.clone(),
                    });
                    continue;
                };
                let Some(own) = model.table.column(column) else {
                    continue;
                };
                if own.ty != referenced.ty {
                    errors.push(ModelError::ForeignKeyTypeMismatch {
                        model: model.rust_name,
                        column: column.clone(),
                        column_type: own.ty.to_string(),
                        target_model: target.rust_name,
                        target: fk.references.clone(),
                        target_column: target_column.clone(),
                        target_type: referenced.ty.to_string(),
                    });
                }
            }
            if columns_ok && !target.table.has_unique_key(&fk.referenced_columns) {
                errors.push(ModelError::ForeignKeyTargetNotUnique {
                    model: model.rust_name,
                    constraint: fk.name.clone(),
                    target: fk.references.clone(),
                    target_model: target.rust_name,
                    columns: fk.referenced_columns.join(", "),
                });
            }
        }
    }
}

/// PostgreSQL keeps tables and indexes (including the ones behind primary keys and unique
/// constraints) in one namespace per schema, and constraint names unique per table.
fn check_names(models: &[ModelDef], errors: &mut Vec<ModelError>) {
    let mut relations: BTreeMap<(&str, &str), String> = BTreeMap::new();
    let mut tables = std::collections::BTreeSet::new();
    for model in models {
        let t = &model.table;
        if !tables.insert(&t.name) {
            // Already reported as a duplicate table.
            continue;
        }
        let schema = t.name.schema.as_str();
        let mut entries: Vec<(&str, String)> =
            vec![(t.name.name.as_str(), format!("table `{}`", t.name))];
        entries.extend(
            t.primary_key
                .iter()
                .map(|k| (k.name.as_str(), format!("the primary key of `{}`", t.name))),
        );
        entries.extend(t.uniques.iter().map(|k| {
            (
                k.name.as_str(),
                format!("a unique constraint of `{}`", t.name),
            )
        }));
        entries.extend(
            t.indexes
                .iter()
                .map(|k| (k.name.as_str(), format!("an index of `{}`", t.name))),
        );
        for (name, what) in entries {
            match relations.get(&(schema, name)) {
                Some(first) => errors.push(ModelError::DuplicateName {
                    name: name.to_string(),
                    first: first.clone(),
                    second: what,
                    scope: "tables, indexes, primary keys and unique constraints share one namespace per schema",
                }),
                None => {
                    relations.insert((schema, name), what);
                }
            }
        }
        check_constraint_names(t, errors);
    }
}

fn check_constraint_names(table: &Table, errors: &mut Vec<ModelError>) {
    // (name, what, whether it is backed by an index and so already in the namespace check)
    let mut entries: Vec<(&str, &str, bool)> = Vec::new();
    entries.extend(
        table
            .primary_key
            .iter()
            .map(|k| (k.name.as_str(), "primary key", true)),
    );
    entries.extend(
        table
            .foreign_keys
            .iter()
            .map(|k| (k.name.as_str(), "foreign key", false)),
    );
    entries.extend(
        table
            .uniques
            .iter()
            .map(|k| (k.name.as_str(), "unique constraint", true)),
    );
    entries.extend(
        table
            .checks
            .iter()
            .map(|k| (k.name.as_str(), "check constraint", false)),
    );
    let mut seen: BTreeMap<&str, (&str, bool)> = BTreeMap::new();
    for (name, what, indexed) in entries {
        match seen.get(name) {
            Some(&(first, first_indexed)) if !(indexed && first_indexed) => {
                errors.push(ModelError::DuplicateName {
                    name: name.to_string(),
                    first: format!("a {first} of `{}`", table.name),
                    second: format!("a {what} of `{}`", table.name),
                    scope: "constraint names must be unique within a table",
                })
            }
            Some(_) => {}
            None => {
                seen.insert(name, (what, indexed));
            }
        }
    }
}

fn resolve_relationships(
    models: &[ModelDef],
    index: &TableIndex,
    errors: &mut Vec<ModelError>,
) -> Vec<ResolvedRelationship> {
    let mut out = Vec::new();
    for model in models {
        for rel in &model.relationships {
            if let Some(kind) = resolve(model, rel, index, errors) {
                out.push(ResolvedRelationship {
                    model: model.rust_name,
                    field: rel.field,
                    target: rel.target,
                    kind,
                    back_populates: rel.back_populates,
                    cascade: rel.cascade,
                });
            }
        }
    }
    out
}

fn resolve(
    model: &ModelDef,
    rel: &Relationship,
    index: &TableIndex,
    errors: &mut Vec<ModelError>,
) -> Option<RelationshipKind> {
    let Some(target) = index.get(&rel.target_table) else {
        errors.push(ModelError::UnknownRelationshipTarget {
            model: model.rust_name,
            field: rel.field,
            target: rel.target,
            table: rel.target_table.clone(),
        });
        return None;
    };
    let this = &model.table.name;
    let mismatch = |kind: &'static str, expected: String| ModelError::CollectionMismatch {
        model: model.rust_name,
        field: rel.field,
        kind,
        expected,
    };

    if let Some(secondary) = &rel.secondary {
        return many_to_many(model, rel, target, secondary, index, errors);
    }

    // `foreign_key = [fields]` names fields of the model whose table holds the key.
    let wanted = |owner: &ModelDef, fk: &ForeignKey| {
        rel.foreign_key.is_empty()
            || fk
                .columns
                .iter()
                .map(String::as_str)
                .eq(rel.foreign_key.iter().map(|f| owner.column_of(f)))
    };
    let mut candidates: Vec<RelationshipKind> = Vec::new();
    let self_referencing = this == &target.table.name;
    for fk in model
        .table
        .foreign_keys
        .iter()
        .filter(|fk| fk.references == target.table.name && wanted(model, fk))
    {
        // On a self-referencing table one foreign key serves both directions; the field's
        // type says which one this is, as SQLAlchemy's `remote_side` would.
        if self_referencing && rel.collection {
            candidates.push(RelationshipKind::OneToMany {
                foreign_key: fk.name.clone(),
            });
        } else {
            candidates.push(RelationshipKind::ManyToOne {
                foreign_key: fk.name.clone(),
            });
        }
    }
    if !self_referencing {
        for fk in target
            .table
            .foreign_keys
            .iter()
            .filter(|fk| &fk.references == this && wanted(target, fk))
        {
            candidates.push(RelationshipKind::OneToMany {
                foreign_key: fk.name.clone(),
            });
        }
    }
    let kind = match candidates.len() {
        1 => candidates.pop().expect("one candidate"),
        0 if !rel.foreign_key.is_empty() => {
            errors.push(ModelError::UnknownRelationshipForeignKey {
                model: model.rust_name,
                field: rel.field,
                columns: rel.foreign_key.join(", "),
                table: this.clone(),
                target_table: target.table.name.clone(),
            });
            return None;
        }
        0 => {
            errors.push(ModelError::NoForeignKeyPath {
                model: model.rust_name,
                field: rel.field,
                target: rel.target,
                table: this.clone(),
                target_table: target.table.name.clone(),
            });
            return None;
        }
        _ => {
            let names: Vec<String> = candidates
                .iter()
                .map(|k| match k {
                    RelationshipKind::ManyToOne { foreign_key }
                    | RelationshipKind::OneToMany { foreign_key } => {
                        format!("`{foreign_key}`")
                    }
                    RelationshipKind::ManyToMany { secondary } => format!("`{secondary}`"),
                })
                .collect();
            errors.push(ModelError::AmbiguousForeignKeyPath {
                model: model.rust_name,
                field: rel.field,
                target: rel.target,
                candidates: names.join(", "),
            });
            return None;
        }
    };
    if let RelationshipKind::ManyToOne { .. } = kind {
        if rel.collection {
            errors.push(mismatch(
                "many-to-one",
                format!(
                    "hold one object (`Option<Box<{}>>` or `Box<{}>`), not a `Vec`",
                    rel.target, rel.target
                ),
            ));
        }
        if rel.cascade.contains(Cascade::DELETE_ORPHAN) {
            errors.push(ModelError::DeleteOrphanOnManyToOne {
                model: model.rust_name,
                field: rel.field,
                target: rel.target,
            });
        }
    }
    Some(kind)
}

/// A relationship through an association table (`secondary`): it needs a foreign key to
/// each side (two to the same table, for a self-referencing one) and a collection field.
fn many_to_many(
    model: &ModelDef,
    rel: &Relationship,
    target: &ModelDef,
    secondary: &TableName,
    index: &TableIndex,
    errors: &mut Vec<ModelError>,
) -> Option<RelationshipKind> {
    let this = &model.table.name;
    let Some(assoc) = index.get(secondary) else {
        errors.push(ModelError::UnknownSecondary {
            model: model.rust_name,
            field: rel.field,
            secondary: secondary.clone(),
        });
        return None;
    };
    let refs = |t: &TableName| {
        assoc
            .table
            .foreign_keys
            .iter()
            .filter(|fk| &fk.references == t)
            .count()
    };
    // A self-referencing many-to-many needs two foreign keys to the same table.
    let needed_this = if this == &target.table.name { 2 } else { 1 };
    for (side, needed) in [(this, needed_this), (&target.table.name, 1)] {
        if refs(side) < needed {
            errors.push(ModelError::SecondaryWithoutForeignKey {
                model: model.rust_name,
                field: rel.field,
                secondary: secondary.clone(),
                missing: side.clone(),
            });
            return None;
        }
    }
    if !rel.collection {
        errors.push(ModelError::CollectionMismatch {
            model: model.rust_name,
            field: rel.field,
            kind: "many-to-many",
            expected: format!("hold many objects (`Vec<{}>`)", rel.target),
        });
    }
    Some(RelationshipKind::ManyToMany {
        secondary: secondary.clone(),
    })
}

fn check_back_populates(
    models: &[ModelDef],
    index: &TableIndex,
    resolved: &[ResolvedRelationship],
    errors: &mut Vec<ModelError>,
) {
    let by_field: BTreeMap<(&str, &str), &ResolvedRelationship> =
        resolved.iter().map(|r| ((r.model, r.field), r)).collect();
    let find = |model: &str, field: &str| by_field.get(&(model, field)).copied();
    for model in models {
        for rel in &model.relationships {
            let Some(back) = rel.back_populates else {
                continue;
            };
            let Some(target) = index.get(&rel.target_table) else {
                continue;
            };
            let Some(other) = target.relationships.iter().find(|r| r.field == back) else {
                errors.push(ModelError::BackPopulatesMissing {
                    model: model.rust_name,
                    field: rel.field,
                    target: target.rust_name,
                    back,
                });
                continue;
            };
            if other.target_table != model.table.name {
                errors.push(ModelError::BackPopulatesWrongTarget {
                    model: model.rust_name,
                    field: rel.field,
                    target: target.rust_name,
                    back,
                    other_target: other.target,
                });
                continue;
            }
            if other.back_populates != Some(rel.field) {
                let found = match other.back_populates {
                    Some(name) => format!("`back_populates = {name}`"),
                    None => "no `back_populates`".to_string(),
                };
                errors.push(ModelError::BackPopulatesNotMutual {
                    model: model.rust_name,
                    field: rel.field,
                    target: target.rust_name,
                    back,
                    found,
                });
                continue;
            }
            let (Some(mine), Some(theirs)) = (
                find(model.rust_name, rel.field),
                find(target.rust_name, back),
            ) else {
                continue;
            };
            let complementary = match (&mine.kind, &theirs.kind) {
                (
                    RelationshipKind::ManyToOne { foreign_key: a },
                    RelationshipKind::OneToMany { foreign_key: b },
                )
                | (
                    RelationshipKind::OneToMany { foreign_key: a },
                    RelationshipKind::ManyToOne { foreign_key: b },
                ) => a == b,
                (
                    RelationshipKind::ManyToMany { secondary: a },
                    RelationshipKind::ManyToMany { secondary: b },
                ) => a == b,
                _ => false,
            };
            // Report each broken pair once, from the side declared first.
            if !complementary && (model.rust_name, rel.field) <= (target.rust_name, back) {
                errors.push(ModelError::BackPopulatesMismatch {
                    model: model.rust_name,
                    field: rel.field,
                    kind: describe(&mine.kind),
                    target: target.rust_name,
                    back,
                    other_kind: describe(&theirs.kind),
                });
            }
        }
    }
}

fn describe(kind: &RelationshipKind) -> String {
    match kind {
        RelationshipKind::ManyToOne { foreign_key } => {
            format!("many-to-one through `{foreign_key}`")
        }
        RelationshipKind::OneToMany { foreign_key } => {
            format!("one-to-many through `{foreign_key}`")
        }
        RelationshipKind::ManyToMany { secondary } => format!("many-to-many through `{secondary}`"),
    }
}

/// `renamed_from` that names what another model (or another column) is called now.
fn check_renames(models: &[ModelDef], errors: &mut Vec<ModelError>) {
    for model in models {
        for rename in &model.renames {
            match rename {
                Rename::Table { from, to } => {
                    if let Some(other) = models.iter().find(|m| &m.table.name == from) {
                        errors.push(ModelError::RenamedFromTaken {
                            model: model.rust_name,
                            table: to.clone(),
                            old: from.clone(),
                            other: other.rust_name,
                        });
                    }
                }
                Rename::Column { from, to, .. } if model.table.column(from).is_some() => {
                    errors.push(ModelError::RenamedFromColumnTaken {
                        model: model.rust_name,
                        column: to.clone(),
                        old: from.clone(),
                    });
                }
                _ => {}
            }
        }
    }
}
