//! Tenant schemas: one revision chain, written for one schema (the project's first, usually
//! `public`), applied to each of many schemas of a database (`tenant_0001`, …), each with
//! its own version table and lock.
//!
//! How a script written for `public` runs in `tenant_0001`, and why nothing leaks:
//! - every name the script qualifies with the template schema (`public.orders`,
//!   `REFERENCES public.customers`, `'public.orders_id_seq'::regclass`) is rewritten to the
//!   tenant's, by the SQL lexer, so strings, comments and bodies are never touched by accident;
//! - unqualified names resolve in the tenant's schema only: the runner sets `search_path` to
//!   it (`SET LOCAL` inside a revision's transaction, for the session outside one);
//! - what cannot be mapped safely is refused before anything runs, naming the revision and
//!   line: a statement that names the template schema unqualified (`CREATE SCHEMA public`,
//!   `GRANT … IN SCHEMA public`), that sets `search_path`, or a string or body that mentions
//!   `public.` (a function body is run later with whatever `search_path` its caller has).

use crate::sql::quote_ident;
use crate::sql::quote_literal;
use crate::sql::tokens::{dollar_quoted, rewrite, SiteKind};

/// Scripts written for schema `from`, run in schema `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaMap {
    /// The schema the scripts are written for.
    pub from: String,
    /// The tenant's schema.
    pub to: String,
}

/// Casts whose literal is an object name (`'public.t'::regclass`).
const NAME_CASTS: [&str; 6] = [
    "regclass",
    "regtype",
    "regproc",
    "regprocedure",
    "regnamespace",
    "regconfig",
];

impl SchemaMap {
    /// `statement` for the tenant, or why it cannot be mapped.
    pub fn apply(&self, statement: &str) -> Result<String, String> {
        if setting_search_path(statement) {
            return Err(
                "it sets search_path, which the runner sets to each tenant's schema".to_string(),
            );
        }
        let prefix = format!("{}.", self.from);
        let quoted_prefix = format!("\"{}\".", self.from.replace('"', "\"\""));
        if dollar_quoted(statement)
            .iter()
            .any(|body| body.contains(&prefix) || body.contains(&quoted_prefix))
        {
            return Err(self.mentions());
        }
        let mut problem: Option<String> = None;
        let mapped = rewrite(statement, |site| match site.kind {
            SiteKind::Ident if site.value == self.from => {
                if site.qualifies {
                    Some(quote_ident(&self.to))
                } else {
                    problem.get_or_insert_with(|| {
                        format!(
                            "it names schema {} unqualified (only names qualified with it, such as {}.t, are mapped)",
                            quote_ident(&self.from),
                            quote_ident(&self.from)
                        )
                    });
                    None
                }
            }
            SiteKind::Literal
                if site.value.starts_with(&prefix) || site.value.starts_with(&quoted_prefix) =>
            {
                let cast = site
                    .cast_to
                    .as_deref()
                    .map(|c| c.rsplit('.').next().unwrap_or(c).to_ascii_lowercase());
                if cast.is_some_and(|c| NAME_CASTS.contains(&c.as_str())) {
                    let rest = site
                        .value
                        .strip_prefix(&prefix)
                        .or_else(|| site.value.strip_prefix(&quoted_prefix))
                        .unwrap_or_default();
                    Some(quote_literal(&format!("{}.{rest}", quote_ident(&self.to))))
                } else {
                    problem.get_or_insert_with(|| self.mentions());
                    None
                }
            }
            SiteKind::Literal
                if site.value.contains(&prefix) || site.value.contains(&quoted_prefix) =>
            {
                problem.get_or_insert_with(|| self.mentions());
                None
            }
            _ => None,
        });
        match problem {
            Some(problem) => Err(problem),
            None => Ok(mapped),
        }
    }

    fn mentions(&self) -> String {
        format!(
            "a string or body in it mentions {}. (it would name the template schema's objects from every tenant)",
            quote_ident(&self.from)
        )
    }

    /// `SET LOCAL search_path` (or, outside a transaction, `SET`) to the tenant's schema.
    pub(super) fn search_path(&self, local: bool) -> String {
        format!(
            "SET {}search_path TO {};",
            if local { "LOCAL " } else { "" },
            quote_ident(&self.to)
        )
    }
}

/// Whether `statement` sets `search_path` (`SET [LOCAL|SESSION] search_path`,
/// `set_config('search_path', …)`).
fn setting_search_path(statement: &str) -> bool {
    let lower = statement.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .take(3)
        .collect();
    let set = words.first() == Some(&"set")
        && words
            .iter()
            .skip(1)
            .find(|w| **w != "local" && **w != "session")
            .is_some_and(|w| w.trim_matches('"') == "search_path");
    set || lower.contains("'search_path'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> SchemaMap {
        SchemaMap {
            from: "public".into(),
            to: "Tenant 1".into(),
        }
    }

    #[test]
    fn qualified_names_and_name_literals_are_mapped() {
        let sql = "CREATE TABLE public.orders (id integer DEFAULT nextval('public.orders_id_seq'::regclass), c integer REFERENCES public.customers (id), note text DEFAULT 'public'::text)";
        assert_eq!(
            map().apply(sql).unwrap(),
            "CREATE TABLE \"Tenant 1\".orders (id integer DEFAULT nextval('\"Tenant 1\".orders_id_seq'::regclass), c integer REFERENCES \"Tenant 1\".customers (id), note text DEFAULT 'public'::text)"
        );
        assert_eq!(
            map()
                .apply("ALTER TABLE \"public\".t ADD COLUMN x integer")
                .unwrap(),
            "ALTER TABLE \"Tenant 1\".t ADD COLUMN x integer"
        );
        assert_eq!(
            map().apply("CREATE TABLE t (x int)").unwrap(),
            "CREATE TABLE t (x int)"
        );
    }

    #[test]
    fn what_cannot_be_mapped_is_refused() {
        for sql in [
            "CREATE SCHEMA public",
            "GRANT USAGE ON SCHEMA public TO app",
            "SET search_path TO public",
            "set local search_path = x",
            "SELECT set_config('search_path', 'x', false)",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT count(*)::int FROM public.t $$",
            "COMMENT ON TABLE public.t IS 'copied from public.old'",
        ] {
            assert!(map().apply(sql).is_err(), "{sql}");
        }
    }
}
