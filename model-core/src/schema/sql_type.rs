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

    /// The type without its modifiers, and the modifiers: `timestamp(3) with time zone` →
    /// (`timestamp with time zone`, [3]), `numeric(10,2)` → (`numeric`, [10, 2]).
    pub fn base_and_modifiers(&self) -> (String, Vec<u64>) {
        match self.as_str().split_once('(') {
            Some((base, rest)) => {
                let (args, tail) = rest.split_once(')').unwrap_or((rest, ""));
                let args = args
                    .split(',')
                    .filter_map(|a| a.trim().parse().ok())
                    .collect();
                (format!("{}{}", base.trim(), tail), args)
            }
            None => (self.as_str().to_string(), Vec::new()),
        }
    }

    /// Whether every value of this type converts to `other` without loss: the same type with
    /// equal or looser modifiers (`varchar(10)` to `varchar(50)` or `varchar`), a wider number
    /// (`integer` to `bigint` or `numeric`), or an unbounded string type.
    pub fn widens_to(&self, other: &SqlType) -> bool {
        let (from, from_args) = self.base_and_modifiers();
        let (to, to_args) = other.base_and_modifiers();
        if from == to {
            return to_args.is_empty()
                || (from_args.len() == to_args.len()
                    && from != "numeric"
                    && from_args.iter().zip(&to_args).all(|(a, b)| a <= b))
                || (from == "numeric"
                    && !from_args.is_empty()
                    && to_args.len() == 2
                    && to_args[1] >= from_args[1]
                    && to_args[0] - to_args[1] >= from_args[0] - from_args[1]);
        }
        const LOSSLESS: &[(&str, &str)] = &[
            ("smallint", "integer"),
            ("smallint", "bigint"),
            ("smallint", "numeric"),
            ("smallint", "real"),
            ("smallint", "double precision"),
            ("integer", "bigint"),
            ("integer", "numeric"),
            ("integer", "double precision"),
            ("bigint", "numeric"),
            ("real", "double precision"),
            ("character varying", "text"),
            ("character", "text"),
            ("text", "character varying"),
            ("date", "timestamp without time zone"),
            ("date", "timestamp with time zone"),
            ("timestamp without time zone", "timestamp with time zone"),
            ("json", "jsonb"),
        ];
        let to_unbounded = to_args.is_empty();
        LOSSLESS.iter().any(|(a, b)| {
            *a == from && *b == to && (to_unbounded || to == "numeric" && to_args.is_empty())
        }) || (to_unbounded && matches!(to.as_str(), "text" | "character varying"))
    }

    /// An integer type's width: `smallint` 0, `integer` 1, `bigint` 2; other types none.
    pub fn integer_width(&self) -> Option<u8> {
        match self.as_str() {
            "smallint" => Some(0),
            "integer" => Some(1),
            "bigint" => Some(2),
            _ => None,
        }
    }

    /// Whether it is an array type (`text[]`, `public.mood[]`).
    pub fn is_array(&self) -> bool {
        self.as_str().ends_with("[]")
    }

    /// The element type of an array type, or the type itself: `public.mood[]` → `public.mood`.
    pub fn element(&self) -> &str {
        self.as_str().trim_end_matches("[]")
    }

    /// What the (element) type names: one of PostgreSQL's own, or a type of a schema.
    pub fn name(&self) -> TypeName<'_> {
        let element = self.element();
        let (schema, rest) = super::split_qualified(element);
        if schema.is_empty() {
            return TypeName::BuiltIn(element);
        }
        // Modifiers of an extension's type (`public.vector(3)`) are not its name.
        let mut quoted = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == '(' && !quoted
            })
            .map_or(rest.len(), |(i, _)| i);
        TypeName::Named {
            schema,
            name: &rest[..end],
        }
    }

    /// Whether identity columns may use this type (`smallint`, `integer`, `bigint`).
    pub fn is_integer(&self) -> bool {
        matches!(self.as_str(), "smallint" | "integer" | "bigint")
    }
}

/// What a [`SqlType`] names (of an array type, its element's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeName<'a> {
    /// One of PostgreSQL's own, spelled without a schema (`integer`, `"char"`, `timestamp(3)
    /// with time zone`).
    BuiltIn(&'a str),
    /// A type of a schema: an enum, domain, composite or range type of the database or the
    /// models, or an extension's; schema and name as `format_type()` quotes them, without
    /// modifiers.
    Named {
        /// The schema.
        schema: &'a str,
        /// The type's name.
        name: &'a str,
    },
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

#[cfg(test)]
mod tests {
    use super::{SqlType, TypeName};

    #[test]
    fn built_in_and_named_types() {
        let t = |s: &'static str| SqlType::from_static(s);
        let named = |schema, name| TypeName::Named { schema, name };
        assert_eq!(t("integer").name(), TypeName::BuiltIn("integer"));
        assert_eq!(t("\"char\"").name(), TypeName::BuiltIn("\"char\""));
        assert_eq!(
            t("character varying(10)[]").name(),
            TypeName::BuiltIn("character varying(10)")
        );
        assert_eq!(t("public.mood").name(), named("public", "mood"));
        assert_eq!(t("public.mood[]").name(), named("public", "mood"));
        assert!(t("public.mood[]").is_array() && !t("public.mood").is_array());
        assert_eq!(t("public.mood[]").element(), "public.mood");
        assert_eq!(t("public.vector(3)").name(), named("public", "vector"));
        assert_eq!(
            t("\"My.Schema\".\"a(b).c\"[]").name(),
            named("\"My.Schema\"", "\"a(b).c\"")
        );
    }

    #[test]
    fn widening() {
        let t = |s: &'static str| SqlType::from_static(s);
        assert!(t("integer").widens_to(&t("bigint")));
        assert!(!t("bigint").widens_to(&t("integer")));
        assert!(t("character varying(10)").widens_to(&t("character varying(50)")));
        assert!(t("character varying(10)").widens_to(&t("character varying")));
        assert!(!t("character varying(50)").widens_to(&t("character varying(10)")));
        assert!(t("numeric(10,2)").widens_to(&t("numeric(12,2)")));
        assert!(!t("numeric(10,2)").widens_to(&t("numeric(10,0)")));
        assert!(t("integer").widens_to(&t("text")));
        assert!(!t("text").widens_to(&t("integer")));
        assert!(t("timestamp(3) with time zone").widens_to(&t("timestamp with time zone")));
    }
}
