use std::borrow::Cow;
use std::fmt;

/// A column type in the canonical spelling of PostgreSQL's `format_type()`: `integer`,
/// `character varying(255)`, `numeric(10,2)`, `timestamp with time zone`, `text[]`.
///
/// The derive canonicalises what a model writes (`varchar(255)`, `int4`, `timestamptz`) at
/// compile time, and introspection reads `format_type()` itself, so equal types compare equal.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SqlType(Cow<'static, str>);

impl SqlType {
    /// A type whose spelling is already canonical.
    pub const fn from_static(canonical: &'static str) -> Self {
        SqlType(Cow::Borrowed(canonical))
    }

    /// A type whose spelling is already canonical (for example read from `format_type()`).
    pub fn new(canonical: impl Into<String>) -> Self {
        SqlType(Cow::Owned(canonical.into()))
    }

    /// The canonical spelling.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether identity columns may use this type (`smallint`, `integer`, `bigint`).
    pub fn is_integer(&self) -> bool {
        matches!(self.as_str(), "smallint" | "integer" | "bigint")
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}
