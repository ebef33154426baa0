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
pub mod fleet;
pub mod introspect;
pub mod kinds;
pub mod migrate;
pub mod model;
pub mod pg;
pub mod render;
pub use model_revision as revision;
pub mod schema;
pub mod sql;

/// SQL types as markers for [`Holds`]: `impl model_core::Holds<model_core::sql_types::numeric>
/// for Money {}` lets a type of your own hold a `numeric` column with an explicit `sql_type`.
pub use model::sql_kind as sql_types;
pub use model::{
    Cascade, ColumnType, DbEnum, Holds, Model, ModelDef, ModelError, ModelSet, ModelSetError,
    Relationship, RelationshipKind, ResolvedRelationship, TableBuilder,
};
/// `#[derive(Model)]` and `#[derive(Enum)]`: every attribute is in the guide, `docs/models.md`.
pub use model_macros::{embed_migrations, Enum, Model};

/// What generated code names. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::model::{assert_holds, sql_kind as sql};
    pub use crate::model::{
        Cascade, ColumnType, EnumRegistration, IdentityType, Model, ModelDef, Registration,
        Relationship, TableBuilder,
    };
    pub use crate::schema::{
        Column, FkAction, Identity, IdentityKind, IndexExpr, IndexKey, NotNull, SqlType, TableName,
    };
    pub use inventory;

    /// Whether `name` is one of `fields`, at compile time.
    pub const fn has_field(fields: &[&str], name: &str) -> bool {
        let mut i = 0;
        while i < fields.len() {
            let (a, b) = (fields[i].as_bytes(), name.as_bytes());
            if a.len() == b.len() {
                let mut j = 0;
                while j < a.len() && a[j] == b[j] {
                    j += 1;
                }
                if j == a.len() {
                    return true;
                }
            }
            i += 1;
        }
        false
    }

    pub const fn assert_model<T: Model>() {}
    pub const fn assert_identity<T: IdentityType>() {}
    pub const fn assert_column_type<T: ColumnType>() {}
}
