//! Connection strings: parsing what the user gives, and pointing it at another database.

use std::path::Path;
use std::str::FromStr;

use postgres::Config;

use super::PgError;

/// A server address from which connection strings for any database can be made.
pub(super) struct Target {
    /// The string as given, naming the maintenance database.
    original: String,
    form: Form,
}

enum Form {
    /// `postgres://user@host:port` and the `?query` after the path.
    Url { authority: String, query: String },
    /// `host=… port=…` without `dbname`.
    KeyValue(String),
}

impl Target {
    /// Parses a `postgres://` URL or a `key=value` connection string, refusing what the driver
    /// would refuse.
    pub(super) fn parse(text: &str) -> Result<Target, PgError> {
        let text = text.trim();
        Config::from_str(text).map_err(|e| PgError::BadUrl {
            url: redact(text),
            message: e.to_string(),
        })?;
        let form = match text.split_once("://") {
            Some((scheme, rest)) if scheme == "postgres" || scheme == "postgresql" => {
                let end = rest.find(['/', '?']).unwrap_or(rest.len());
                let query = rest[end..]
                    .find('?')
                    .map(|q| rest[end + q..].to_string())
                    .unwrap_or_default();
                Form::Url {
                    authority: format!("{scheme}://{}", &rest[..end]),
                    query,
                }
            }
            Some((scheme, _)) => {
                return Err(PgError::BadUrl {
                    url: redact(text),
                    message: format!(
                        "unsupported scheme `{scheme}`; use postgres:// or postgresql://"
                    ),
                })
            }
            None => Form::KeyValue(text.to_string()),
        };
        Ok(Target {
            original: text.to_string(),
            form,
        })
    }

    /// A Unix-socket server (the throwaway cluster).
    pub(super) fn socket(dir: &Path, port: u16, user: &str) -> Target {
        let base = format!(
            "host={} port={port} user={user}",
            conninfo_value(&dir.display().to_string())
        );
        Target {
            original: format!("{base} dbname=postgres"),
            form: Form::KeyValue(base),
        }
    }

    /// Settings for the maintenance database.
    pub(super) fn config(&self) -> Result<Config, PgError> {
        Config::from_str(&self.original).map_err(|e| PgError::BadUrl {
            url: redact(&self.original),
            message: e.to_string(),
        })
    }

    /// The connection string for database `dbname`.
    pub(super) fn with_dbname(&self, dbname: &str) -> String {
        match &self.form {
            Form::Url { authority, query } => format!("{authority}/{dbname}{query}"),
            // A later keyword overrides an earlier one, in libpq and in the Rust driver alike.
            Form::KeyValue(base) => format!("{base} dbname={}", conninfo_value(dbname)),
        }
    }
}

/// A value for a `key=value` connection string, quoted when it needs to be.
fn conninfo_value(value: &str) -> String {
    if !value.is_empty() && !value.contains([' ', '\'', '\\']) {
        return value.to_string();
    }
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The URL without its password, for messages.
pub(super) fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((userinfo, host)) = rest.split_once('@') {
            if let Some((user, _password)) = userinfo.split_once(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_point_at_other_databases() {
        let t = Target::parse("postgres://u:p@db.example:5433/app?sslmode=disable").unwrap();
        assert_eq!(
            t.with_dbname("x"),
            "postgres://u:p@db.example:5433/x?sslmode=disable"
        );
        let t = Target::parse("postgresql://localhost").unwrap();
        assert_eq!(t.with_dbname("x"), "postgresql://localhost/x");
        let t = Target::parse("host=/tmp port=5432 user=me dbname=app").unwrap();
        assert_eq!(
            t.with_dbname("x"),
            "host=/tmp port=5432 user=me dbname=app dbname=x"
        );
        assert_eq!(
            t.with_dbname("x").parse::<Config>().unwrap().get_dbname(),
            Some("x")
        );
    }

    #[test]
    fn bad_urls_are_errors_not_panics() {
        for bad in [
            "postgres://u@host:notaport/db",
            "mysql://localhost/db",
            "host='unterminated",
            "host=x port=notanumber",
        ] {
            let error = Target::parse(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad} was accepted"));
            assert!(
                error.to_string().contains("invalid database URL"),
                "{error}"
            );
        }
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgres://me:secret@h/db"),
            "postgres://me:***@h/db"
        );
    }
}
