//! The `Model` trait that `#[derive(Model)]` implements, the ORM-level relationship metadata,
//! and the gathering of models into one [`Schema`](crate::schema::Schema).

mod builder;
mod cascade;
mod column_type;
mod gather;
mod holds;
mod objects;

pub use builder::TableBuilder;
pub use cascade::Cascade;
pub use column_type::{ColumnType, IdentityType};
pub use gather::{ModelError, ModelSet, ModelSetError, RelationshipKind, ResolvedRelationship};
pub use holds::{assert_holds, sql as sql_kind, Holds};

use crate::schema::{Table, TableName};

/// A Rust struct that declares one table. Implemented by `#[derive(Model)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "this type does not derive `Model`",
    note = "relationship targets and `secondary` tables must be structs with `#[derive(Model)]`"
)]
pub trait Model {
    /// The schema (namespace) of the table.
    const SCHEMA: &'static str;
    /// The table name.
    const TABLE: &'static str;

    /// The table and relationships this model declares.
    fn model() -> ModelDef;

    /// The names of the relationship fields, for the compile-time check of `back_populates`.
    #[doc(hidden)]
    const RELATIONSHIP_FIELDS: &'static [&'static str] = &[];
    /// Whether [`Self::RELATIONSHIP_FIELDS`] is complete (a valid derive); otherwise a
    /// `back_populates` naming this model is not checked, so one mistake gives one error.
    #[doc(hidden)]
    const CHECKED: bool = false;

    /// The qualified table name.
    fn table_name() -> TableName {
        TableName::new(Self::SCHEMA, Self::TABLE)
    }
}

/// What one model declares: its table and its ORM relationships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDef {
    /// The Rust type's name, for messages (`Customer`).
    pub rust_name: &'static str,
    /// The module the type is declared in (for filtering registered models).
    pub module_path: &'static str,
    /// The table.
    pub table: Table,
    /// Relationship fields, which are not columns.
    pub relationships: Vec<Relationship>,
    /// Declared renames (`renamed_from`) of the table and its columns.
    pub renames: Vec<crate::schema::Rename>,
    /// Columns whose type is a `sql_type = "schema.name"` of the project's own (a domain,
    /// composite or range type declared with [`ModelSet::with_type`], or made by hand), not an
    /// enum the models must gather.
    pub declared_types: Vec<String>,
    /// Fields named apart from their columns (`#[model(name = "...")]`): field, column.
    pub renamed_fields: Vec<(&'static str, String)>,
    /// Columns whose values convert by an expression of the project's own when their type
    /// changes (`#[model(using = "...")]`): column, expression.
    pub conversions: Vec<(String, String)>,
    /// Columns whose values convert back by an expression of the project's own when a
    /// downgrade undoes their type change (`#[model(downgrade_using = "...")]`).
    pub reversions: Vec<(String, String)>,
}

impl ModelDef {
    /// The column a field of this model holds (the name itself when no field is renamed so).
    pub fn column_of<'a>(&'a self, field: &'a str) -> &'a str {
        self.renamed_fields
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(field, |(_, column)| column.as_str())
    }
}

/// A relationship field as declared (`#[model(relationship(...))]`), before it is resolved
/// against the other models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    /// The field's name.
    pub field: &'static str,
    /// The target model's Rust name.
    pub target: &'static str,
    /// The target model's table.
    pub target_table: TableName,
    /// Whether the field holds many objects (`Vec<T>`) rather than one.
    pub collection: bool,
    /// The field of the target that points back, if any.
    pub back_populates: Option<&'static str>,
    /// ORM cascade rules (SQLAlchemy's vocabulary).
    pub cascade: Cascade,
    /// The plain association table of a many-to-many relationship.
    pub secondary: Option<TableName>,
    /// Foreign key columns chosen explicitly when more than one path exists.
    pub foreign_key: Vec<&'static str>,
}

/// A Rust enum that declares a PostgreSQL enum type. Implemented by `#[derive(Enum)]`.
pub trait DbEnum {
    /// The type and its labels.
    fn enum_type() -> crate::schema::EnumType;

    /// Declared renames of the type (`renamed_from` on the enum) and of its labels
    /// (`renamed_from` on a variant).
    fn renames() -> Vec<crate::schema::Rename> {
        Vec::new()
    }
}

/// One registered enum type, collected by `inventory` from every `#[derive(Enum)]`.
#[doc(hidden)]
pub struct EnumRegistration {
    pub module_path: &'static str,
    pub enum_type: fn() -> crate::schema::EnumType,
    pub renames: fn() -> Vec<crate::schema::Rename>,
}

inventory::collect!(EnumRegistration);

/// One registered model, collected by `inventory` from every `#[derive(Model)]` in the binary.
#[doc(hidden)]
pub struct Registration {
    pub module_path: &'static str,
    pub model: fn() -> ModelDef,
}

inventory::collect!(Registration);
