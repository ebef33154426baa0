//! The derive's view of a model, after attribute parsing: every value with the span of the
//! token that gave it, so later checks can point at the right place.

use proc_macro2::Span;
use syn::{Ident, LitStr, Type};

/// A value and where the user wrote it.
#[derive(Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// The whole struct.
pub struct Model {
    pub ident: Ident,
    /// Table name: the `table` attribute, or the struct name in snake case.
    pub table: Spanned<String>,
    pub schema: Spanned<String>,
    pub comment: Option<String>,
    /// `renamed_from = "old"`: the table's previous name.
    pub renamed_from: Option<Spanned<String>>,
    pub uniques: Vec<TableUnique>,
    pub indexes: Vec<TableIndex>,
    pub checks: Vec<TableCheck>,
    pub foreign_keys: Vec<TableForeignKey>,
    /// `primary_key(a, b, ...)`: the key declared on the struct instead of its fields.
    pub primary_key: Option<TablePrimaryKey>,
    pub exclusions: Vec<TableExclusion>,
    /// `storage = "fillfactor=70, toast.autovacuum_enabled=false"`, one `name=value` each.
    pub storage: Vec<String>,
    pub unlogged: bool,
    /// `replica_identity = "full"`: `DEFAULT`, `FULL`, `NOTHING`, or an index's name.
    pub replica_identity: Option<Spanned<String>>,
    /// `partition_by = "range (created_at)"`.
    pub partition_by: Option<Spanned<String>>,
    pub fields: Vec<Field>,
}

/// `#[model(primary_key(a, b, name = "...", deferrable, initially_deferred))]`.
pub struct TablePrimaryKey {
    pub columns: Vec<Ident>,
    pub name: Option<Spanned<String>>,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// `without_overlaps`: the last column is `WITHOUT OVERLAPS` (PostgreSQL 18).
    pub without_overlaps: bool,
}

/// `#[model(exclude(name = "...", using = "gist", elements = "room WITH =, during WITH &&"))]`.
pub struct TableExclusion {
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub method: String,
    pub elements: Option<Spanned<String>>,
    pub predicate: Option<String>,
    pub deferrable: bool,
    pub initially_deferred: bool,
}

/// One key of `index(keys = "...")`: a column or an expression and its modifiers.
pub struct IndexKeySpec {
    /// The column's name, or the expression as written.
    pub text: String,
    pub column: bool,
    /// The word an unnamed index's default name uses for this key (column or function name).
    pub name_part: String,
    pub collation: Option<String>,
    pub opclass: Option<String>,
    pub descending: bool,
    pub nulls_first: bool,
}

/// `#[model(unique(a, b, name = "..."))]`.
pub struct TableUnique {
    pub columns: Vec<Ident>,
    pub name: Option<Spanned<String>>,
    pub nulls_not_distinct: bool,
    /// `deferrable` (or `initially_deferred`, which implies it).
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// `without_overlaps`: the last column is `WITHOUT OVERLAPS` (PostgreSQL 18).
    pub without_overlaps: bool,
}

/// `#[model(index(a, b, unique, method = "gin", where = "...", name = "..."))]`.
pub struct TableIndex {
    pub span: Span,
    pub columns: Vec<Ident>,
    /// `include(a, b)`: covered columns.
    pub include: Vec<Ident>,
    pub unique: bool,
    pub method: String,
    pub predicate: Option<String>,
    pub name: Option<Spanned<String>>,
    /// `keys = "lower(email), created_at DESC NULLS LAST"`: keys beyond plain columns.
    pub keys: Option<Spanned<String>>,
    pub nulls_not_distinct: bool,
    /// `with = "fillfactor=70"`: storage parameters.
    pub storage: Vec<String>,
}

/// `#[model(foreign_key(a, b, references = "table(x, y)", ...))]`: a multi-column foreign key.
pub struct TableForeignKey {
    pub span: Span,
    pub columns: Vec<Ident>,
    /// `table` or `schema.table`, and the referenced columns.
    pub references: Option<(String, Vec<String>, Span)>,
    pub name: Option<Spanned<String>>,
    pub on_delete: Option<Spanned<Action>>,
    pub on_update: Option<Spanned<Action>>,
    pub match_full: bool,
    pub deferrable: bool,
    pub initially_deferred: bool,
    pub not_valid: bool,
    /// `not_enforced` (PostgreSQL 18).
    pub not_enforced: bool,
    /// `period`: the last column pair is `PERIOD` (a temporal foreign key; PostgreSQL 18).
    pub period: bool,
    /// `on_delete_columns(a)`: `ON DELETE SET NULL (a)` (PostgreSQL 15).
    pub on_delete_columns: Vec<Ident>,
}

/// `#[model(check(name = "...", expr = "...", not_valid, no_inherit))]`, on the struct or on a
/// field.
pub struct TableCheck {
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub expr: Option<String>,
    pub not_valid: bool,
    pub no_inherit: bool,
    /// `not_enforced` (PostgreSQL 18).
    pub not_enforced: bool,
}

/// One field.
pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    pub kind: FieldKind,
}

pub enum FieldKind {
    Column(Box<Column>),
    Relationship(Box<Relationship>),
    /// `#[model(skip)]`: neither a column nor a relationship.
    Skip,
}

/// A column field's attributes.
pub struct Column {
    /// Column name: `name = "..."` or the field name.
    pub name: Spanned<String>,
    pub primary_key: Option<Span>,
    pub identity: Option<IdentityAttr>,
    pub default: Option<Spanned<String>>,
    pub unique: Option<Span>,
    pub index: Option<Span>,
    pub comment: Option<String>,
    /// `sql_type`: the literal and its canonical spelling (when it parsed).
    pub sql_type: Option<(LitStr, Option<String>)>,
    /// `using = "..."`: how the column's values convert when its type changes
    /// (`ALTER COLUMN … TYPE … USING`).
    pub using: Option<Spanned<String>>,
    /// `downgrade_using = "..."`: how they convert back when a downgrade undoes the change.
    pub downgrade_using: Option<Spanned<String>>,
    /// `unchecked_type`: the field's Rust type is not checked against `sql_type`.
    pub unchecked_type: Option<Span>,
    pub foreign_key: Option<ForeignKeyAttr>,
    /// `foreign_key_name = "..."`: the constraint's name instead of PostgreSQL's default.
    pub foreign_key_name: Option<Spanned<String>>,
    pub on_delete: Option<Spanned<Action>>,
    pub on_update: Option<Spanned<Action>>,
    /// `deferrable`: the field's foreign key and unique constraint are `DEFERRABLE`.
    pub deferrable: Option<Span>,
    /// `initially_deferred`: … and `INITIALLY DEFERRED` (implies `deferrable`).
    pub initially_deferred: Option<Span>,
    pub nullable: Option<Span>,
    /// `renamed_from = "old"`: the column's previous name.
    pub renamed_from: Option<Spanned<String>>,
    /// `check = "expr"` or `check(name = "...", expr = "...")`.
    pub check: Option<TableCheck>,
    /// `not_valid`: the field's foreign key and check are added `NOT VALID`.
    pub not_valid: Option<Span>,
    /// `generated = "expr"`: a stored generated column.
    pub generated: Option<Spanned<String>>,
    /// `virtual`: with `generated`, computed when read instead of stored (PostgreSQL 18).
    pub virtual_generated: Option<Span>,
    /// `not_null_name = "..."`: the NOT NULL constraint's name (PostgreSQL 18 keeps one).
    pub not_null_name: Option<Spanned<String>>,
    /// `not_enforced`: the field's foreign key and check are `NOT ENFORCED` (PostgreSQL 18).
    pub not_enforced: Option<Span>,
    /// `collation = "C"`, in `format`-ready canonical spelling (`pg_catalog."C"`).
    pub collation: Option<Spanned<String>>,
    /// `storage = "external"`: `ALTER COLUMN … SET STORAGE`, in lower case.
    pub storage: Option<Spanned<String>>,
    /// `statistics = 1000`: `ALTER COLUMN … SET STATISTICS`.
    pub statistics: Option<i32>,
}

pub struct IdentityAttr {
    pub span: Span,
    pub always: bool,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: bool,
}

/// `foreign_key = "table.column"` or `"schema.table.column"`.
pub struct ForeignKeyAttr {
    /// `table` or `schema.table`.
    pub table: String,
    pub column: String,
}

/// A referential action, named as SQL names it (`NO ACTION`).
#[derive(Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
pub enum Action {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

/// A relationship field's attributes.
pub struct Relationship {
    /// The target model type.
    pub target: Type,
    /// Whether the field is a `Vec`.
    pub collection: bool,
    pub back_populates: Option<Ident>,
    /// Cascade bits, as `model_core::Cascade` numbers them.
    pub cascade: u8,
    pub secondary: Option<Secondary>,
    pub foreign_key: Vec<Ident>,
}

/// The association table of a many-to-many.
pub enum Secondary {
    /// A model type: `secondary = ProductTag`.
    Model(Box<Type>),
    /// A table name: `secondary = "product_tags"`.
    Table(LitStr),
}
