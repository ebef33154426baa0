//! Which Rust types can hold which SQL types: the check behind an explicit `sql_type`, so a
//! field the `postgres` crate could not read (an `f64` for `numeric`) is a compile error, not
//! a failure at the first query.

/// SQL types, as markers for [`Holds`]. Lower case, so errors read like the SQL they name.
#[allow(non_camel_case_types)]
pub mod sql {
    macro_rules! markers {
        ($($name:ident),* $(,)?) => {
            $(
                #[doc = concat!("The SQL type `", stringify!($name), "`.")]
                pub struct $name;
            )*
        };
    }
    markers!(
        smallint,
        integer,
        bigint,
        real,
        double_precision,
        numeric,
        boolean,
        text,
        bytea,
        date,
        time,
        timestamp,
        timestamptz,
        uuid,
        json,
        inet
    );

    /// An array of the SQL type `T`.
    pub struct Array<T>(core::marker::PhantomData<T>);
}

/// `Self` can hold a column of the SQL type `Sql` (the `postgres` crate reads one into it).
///
/// Implement it for your own field types, or mark the field `#[model(unchecked_type)]`.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` field cannot hold the SQL type given in `sql_type` (`{Sql}`)",
    label = "the postgres crate cannot read this SQL type into `{Self}`",
    note = "the Rust type for each SQL type is in the Types table of the guide (docs/models.md): for example `numeric` needs `rust_decimal::Decimal` (model-core feature `decimal`), `timestamptz` `chrono::DateTime<Utc>` (feature `chrono`), `text` and `varchar` `String`",
    note = "for a type of your own that does hold it, implement `model_core::Holds<model_core::sql_types::…>` for it, or add `unchecked_type` to the field's attribute"
)]
pub trait Holds<Sql> {}

/// Compile-time check emitted by the derive for a field with an explicit `sql_type`.
pub const fn assert_holds<T: Holds<Sql>, Sql>() {}

macro_rules! holds {
    ($($ty:ty => $($sql:ident)|+),* $(,)?) => {
        $($(impl Holds<sql::$sql> for $ty {})+)*
    };
}

holds! {
    i16 => smallint,
    i32 => integer,
    i64 => bigint,
    f32 => real,
    f64 => double_precision,
    bool => boolean,
    String => text,
    Vec<u8> => bytea,
    std::net::IpAddr => inet,
}

#[cfg(feature = "chrono")]
holds! {
    chrono::NaiveDate => date,
    chrono::NaiveTime => time,
    chrono::NaiveDateTime => timestamp,
    chrono::DateTime<chrono::Utc> => timestamptz,
    chrono::DateTime<chrono::FixedOffset> => timestamptz,
}

#[cfg(feature = "time")]
holds! {
    time::Date => date,
    time::Time => time,
    time::PrimitiveDateTime => timestamp,
    time::OffsetDateTime => timestamptz,
}

#[cfg(feature = "uuid")]
holds! { uuid::Uuid => uuid }

#[cfg(feature = "json")]
holds! { serde_json::Value => json }

#[cfg(feature = "decimal")]
holds! { rust_decimal::Decimal => numeric }

impl<T: Holds<S>, S> Holds<S> for Option<T> {}
impl<T: Holds<S>, S> Holds<sql::Array<S>> for Vec<T> {}
