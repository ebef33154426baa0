//! Schema migrations for PostgreSQL from Rust models.
//!
//! `#[derive(Model)]` on a struct declares a table; [`ModelSet`] gathers models into one
//! [`Schema`](schema::Schema) description and checks what no single derive can see;
//! [`render`] turns a description into SQL; [`pg`] connects to PostgreSQL and starts a
//! throwaway server for tests and for commands run with no database configured.
//!
//! ```
//! use model_core::Model;
//!
//! #[derive(Model)]
//! #[model(table = "customers")]
//! pub struct Customer {
//!     #[model(primary_key, identity(always))]
//!     pub customer_id: i32,
//!     pub email_address: String,
//! }
//!
//! let set = model_core::models![Customer].unwrap();
//! let sql = model_core::render::create_schema(set.schema());
//! assert!(sql.contains("customer_id integer GENERATED ALWAYS AS IDENTITY NOT NULL"));
//! ```

pub mod autogenerate;
pub mod config;
pub mod diff;
pub mod introspect;
pub mod migrate;
pub mod model;
pub mod pg;
pub mod render;
pub mod revision;
pub mod schema;
pub mod sql;

/// SQL types as markers for [`Holds`]: `impl model_core::Holds<model_core::sql_types::numeric>
/// for Money {}` lets a type of your own hold a `numeric` column with an explicit `sql_type`.
pub use model::sql_kind as sql_types;
pub use model::{
    Cascade, ColumnType, DbEnum, Holds, Model, ModelDef, ModelError, ModelSet, ModelSetError,
    Relationship, RelationshipKind, ResolvedRelationship, TableBuilder,
};
/// `#[derive(Model)]` and `#[derive(Enum)]`: see the README for every attribute.
pub use model_macros::{Enum, Model};

/// What generated code names. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::model::{assert_holds, sql_kind as sql};
    pub use crate::model::{
        Cascade, ColumnType, EnumRegistration, IdentityType, Model, ModelDef, Registration,
        Relationship, TableBuilder,
    };
    pub use crate::schema::{Column, FkAction, Identity, IdentityKind, SqlType, TableName};
    pub use inventory;

    /// One character of a field name, as a type: `(C<'i'>, C<'d'>)` spells `id`. Lets the
    /// compiler check that a `back_populates` target has the named relationship field.
    pub struct C<const CH: char>;

    /// Implemented by a model for each of its relationship fields, named with [`C`].
    #[diagnostic::on_unimplemented(
        message = "`{Self}` has no relationship field with the name given in `back_populates`",
        label = "`{Self}` has no such relationship field",
        note = "`back_populates` names a field of the target model that is marked `#[model(relationship(...))]`"
    )]
    pub trait HasRelationship<Name> {}

    pub const fn assert_model<T: Model>() {}
    pub const fn assert_back_populates<T: HasRelationship<Name>, Name>() {}
    pub const fn assert_identity<T: IdentityType>() {}
    pub const fn assert_column_type<T: ColumnType>() {}
}
