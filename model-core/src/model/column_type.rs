//! The Rust type → PostgreSQL type mapping used when a field gives no `sql_type`.

/// A Rust type that maps to a PostgreSQL column type.
///
/// Implement it for your own newtypes to use them as fields without `sql_type`:
///
/// ```
/// struct Email(String);
/// impl model_core::ColumnType for Email {
///     const SQL_TYPE: &'static str = "character varying(320)";
/// }
/// ```
///
/// `SQL_TYPE` must be spelled as PostgreSQL's `format_type()` prints it, or later diffs will
/// report a difference that is not there.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no PostgreSQL column type",
    label = "no column type is known for this field's type",
    note = "give one with `#[model(sql_type = \"...\")]`, implement `model_core::ColumnType` for it, or mark the field `#[model(skip)]`",
    note = "chrono, time, uuid, serde_json and rust_decimal types need the matching model-core feature"
)]
pub trait ColumnType {
    /// The type in `format_type()` spelling.
    const SQL_TYPE: &'static str;
    /// Whether the Rust type can hold NULL (only `Option<T>`).
    const NULLABLE: bool = false;
}

/// Rust types an identity column may have.
#[diagnostic::on_unimplemented(
    message = "identity columns must be `i16`, `i32` or `i64`, not `{Self}`",
    label = "`identity` is given here",
    note = "PostgreSQL only allows smallint, integer and bigint identity columns"
)]
pub trait IdentityType {}

impl IdentityType for i16 {}
impl IdentityType for i32 {}
impl IdentityType for i64 {}

macro_rules! column_types {
    ($($ty:ty => $sql:literal),* $(,)?) => {
        $(impl ColumnType for $ty { const SQL_TYPE: &'static str = $sql; })*
    };
}

column_types! {
    i16 => "smallint",
    i32 => "integer",
    i64 => "bigint",
    f32 => "real",
    f64 => "double precision",
    bool => "boolean",
    // Unbounded, like SQLAlchemy's `String`.
    String => "character varying",
    Vec<u8> => "bytea",
    std::net::IpAddr => "inet",
}

impl<T: ColumnType> ColumnType for Option<T> {
    const SQL_TYPE: &'static str = T::SQL_TYPE;
    const NULLABLE: bool = true;
}

#[cfg(feature = "chrono")]
column_types! {
    chrono::NaiveDate => "date",
    chrono::NaiveTime => "time without time zone",
    chrono::NaiveDateTime => "timestamp without time zone",
    chrono::DateTime<chrono::Utc> => "timestamp with time zone",
    chrono::DateTime<chrono::FixedOffset> => "timestamp with time zone",
}

#[cfg(feature = "time")]
column_types! {
    time::Date => "date",
    time::Time => "time without time zone",
    time::PrimitiveDateTime => "timestamp without time zone",
    time::OffsetDateTime => "timestamp with time zone",
}

#[cfg(feature = "uuid")]
column_types! { uuid::Uuid => "uuid" }

#[cfg(feature = "json")]
column_types! { serde_json::Value => "jsonb" }

#[cfg(feature = "decimal")]
column_types! { rust_decimal::Decimal => "numeric" }
