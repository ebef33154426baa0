//! The project file, `model.toml`, written by `init`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::migrate::VersionTable;
use crate::schema::Schema;

/// What `init` writes: every setting with its default, explained.
pub const TEMPLATE: &str = r#"# model.toml: settings of model-cli for this project.

# Where revision scripts live, relative to this file.
script_location = "migrations"

# The database to migrate. DATABASE_URL, when set, wins over this; `--env NAME` picks an
# entry of [environments] instead; `--url` on the command line wins over everything.
# ${VARIABLE} is replaced by that environment variable. With no database at all,
# `revision --autogenerate` and `check` compare against a throwaway database that replays the
# revisions.
# database_url = "postgres://localhost/app"

# The schemas (namespaces) the models manage.
schemas = ["public"]

# The table recording applied revisions (one row per applied head), in the first schema.
version_table = "model_version"

# Tables the tool must never touch, as names or patterns with * and ? (matched against
# `table` and `schema.table`). include_tables, when not empty, limits it to those.
include_tables = []
exclude_tables = []

# How long a run waits for another run's migration lock before giving up (--lock-wait wins).
# lock_wait_seconds = 60

# Every statement of a run waits at most lock_timeout for a lock, so that a long transaction
# elsewhere never queues the application behind a migration. On a lock timeout the revision
# (or, outside a transaction, the statement) is rolled back and tried again after a pause,
# lock_retries attempts in all, each waiting twice as long (up to ten times lock_timeout).
# statement_timeout, when set, bounds every statement. Durations: "500ms", "2s", "1min".
# lock_timeout = "2s"
# lock_retries = 5
# statement_timeout = "0"

# revision --autogenerate writes online revisions (as with --online): indexes built
# CONCURRENTLY, foreign keys and checks added NOT VALID then validated, NOT NULL through a
# validated check, each step committed on its own.
# online = false

# A protected database: `upgrade` and `downgrade` refuse to run a statement that destroys
# data (a dropped table or column, a narrowing type change, …) unless given
# --allow-destructive. Here it protects every database of the project; under an environment,
# only that one.
# protected = false

# [environments.prod]
# database_url = "${PROD_DATABASE_URL}"
# protected = true
"#;

/// Settings of one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The versions directory, relative to the config file.
    #[serde(default = "default_location")]
    pub script_location: String,
    /// The default database URL.
    #[serde(default)]
    pub database_url: Option<String>,
    /// The managed schemas.
    #[serde(default = "default_schemas")]
    pub schemas: Vec<String>,
    /// The version table's name.
    #[serde(default = "default_version_table")]
    pub version_table: String,
    /// Patterns of tables to manage (all when empty).
    #[serde(default)]
    pub include_tables: Vec<String>,
    /// Patterns of tables never to touch.
    #[serde(default)]
    pub exclude_tables: Vec<String>,
    /// How long a run waits for another run's lock, in seconds (default 60).
    #[serde(default)]
    pub lock_wait_seconds: Option<u64>,
    /// Refuse destructive runs without `--allow-destructive`, on every database.
    #[serde(default)]
    pub protected: bool,
    /// How long a statement waits for a lock before the attempt is rolled back (default 2s).
    #[serde(default)]
    pub lock_timeout: Option<String>,
    /// Attempts in all on lock timeouts (default 5).
    #[serde(default)]
    pub lock_retries: Option<u32>,
    /// `statement_timeout` for every statement of a run (default: the server's).
    #[serde(default)]
    pub statement_timeout: Option<String>,
    /// `revision --autogenerate` writes the online form, as with `--online`.
    #[serde(default)]
    pub online: bool,
    /// Named databases, chosen with `--env`.
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
    /// The directory the file was read from.
    #[serde(skip)]
    pub root: PathBuf,
}

/// One named database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// Its URL.
    pub database_url: String,
    /// Refuse destructive runs on it without `--allow-destructive`.
    #[serde(default)]
    pub protected: bool,
}

fn default_location() -> String {
    "migrations".into()
}

fn default_schemas() -> Vec<String> {
    vec!["public".into()]
}

fn default_version_table() -> String {
    "model_version".into()
}

/// A bad or missing config file, or a URL that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No file.
    #[error("no {} here; run `init` to create one, or pass --config", path.display())]
    Missing { path: PathBuf },
    /// Unreadable or invalid TOML, or unknown keys.
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    /// `--env` names no environment.
    #[error("no environment `{name}` in {}; it has: {known}", path.display())]
    UnknownEnvironment {
        name: String,
        path: PathBuf,
        known: String,
    },
    /// `${VAR}` with VAR unset.
    #[error("{what} uses ${{{variable}}}, which is not set")]
    UnsetVariable { what: String, variable: String },
}

impl Default for Config {
    /// What an empty `model.toml` says: schema `public`, every table, the default version
    /// table and versions directory.
    fn default() -> Self {
        Config {
            script_location: default_location(),
            database_url: None,
            schemas: default_schemas(),
            version_table: default_version_table(),
            include_tables: Vec::new(),
            exclude_tables: Vec::new(),
            lock_wait_seconds: None,
            protected: false,
            lock_timeout: None,
            lock_retries: None,
            statement_timeout: None,
            online: false,
            environments: BTreeMap::new(),
            root: PathBuf::new(),
        }
    }
}

impl Config {
    /// Reads `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ConfigError::Missing {
                path: path.to_path_buf(),
            },
            _ => ConfigError::Invalid {
                path: path.to_path_buf(),
                message: e.to_string(),
            },
        })?;
        // toml's own message quotes the offending line, which may hold a database URL with
        // its password: say where and what, never the line.
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            let place = e
                .span()
                .map(|span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.len() - before.rfind('\n').map_or(0, |n| n + 1) + 1;
                    format!("line {line}, column {column}: ")
                })
                .unwrap_or_default();
            ConfigError::Invalid {
                path: path.to_path_buf(),
                message: format!("{place}{}", e.message().trim_end()),
            }
        })?;
        if config.schemas.is_empty() {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: "`schemas` is empty".into(),
            });
        }
        if let Err(message) = config.lock_settings() {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message,
            });
        }
        config.root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(config)
    }

    /// `lock_timeout`, `lock_retries` and `statement_timeout` as the runner takes them.
    pub fn lock_settings(&self) -> Result<crate::migrate::LockRetries, String> {
        use crate::migrate::parse_duration;
        let mut retries = crate::migrate::LockRetries::default();
        let duration = |key: &str, value: &str| {
            parse_duration(value).ok_or_else(|| {
                format!(
                    "`{key} = \"{value}\"` is not a duration: write \"500ms\", \"2s\" or \"1min\""
                )
            })
        };
        if let Some(text) = &self.lock_timeout {
            retries.lock_timeout = duration("lock_timeout", text)?;
            if retries.lock_timeout.is_zero() {
                return Err(
                    "`lock_timeout` must be more than 0: a statement would wait for a lock forever"
                        .into(),
                );
            }
        }
        if let Some(text) = &self.statement_timeout {
            let limit = duration("statement_timeout", text)?;
            retries.statement_timeout = (!limit.is_zero()).then_some(limit);
        }
        if let Some(attempts) = self.lock_retries {
            if attempts == 0 {
                return Err("`lock_retries` counts attempts in all: at least 1".into());
            }
            retries.attempts = attempts;
        }
        Ok(retries)
    }

    /// The versions directory.
    pub fn versions_dir(&self) -> PathBuf {
        self.root.join(&self.script_location)
    }

    /// The version table, in the first managed schema.
    pub fn version_table(&self) -> VersionTable {
        VersionTable {
            schema: self.schemas[0].clone(),
            name: self.version_table.clone(),
        }
    }

    /// Whether runs must refuse destructive statements: `protected` at the top, or on the
    /// environment `env`.
    pub fn protected(&self, env: Option<&str>) -> bool {
        self.protected
            || env
                .and_then(|name| self.environments.get(name))
                .is_some_and(|e| e.protected)
    }

    /// The database URL: `url` if given, else environment `env`, else `DATABASE_URL`, else the
    /// file's `database_url`; `None` when there is none. `${VAR}` is expanded.
    pub fn database_url(
        &self,
        url: Option<&str>,
        env: Option<&str>,
        config_path: &Path,
    ) -> Result<Option<String>, ConfigError> {
        if let Some(url) = url {
            return Ok(Some(url.to_string()));
        }
        if let Some(name) = env {
            let environment =
                self.environments
                    .get(name)
                    .ok_or_else(|| ConfigError::UnknownEnvironment {
                        name: name.to_string(),
                        path: config_path.to_path_buf(),
                        known: if self.environments.is_empty() {
                            "none".into()
                        } else {
                            self.environments
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                    })?;
            return expand(&environment.database_url, &format!("environment `{name}`")).map(Some);
        }
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if !url.trim().is_empty() {
                return Ok(Some(url));
            }
        }
        self.database_url
            .as_deref()
            .map(|u| expand(u, "database_url"))
            .transpose()
    }

    /// Whether the tool manages `table` (`schema.table`), after include and exclude patterns.
    pub fn manages(&self, schema: &str, table: &str) -> bool {
        let qualified = format!("{schema}.{table}");
        let matches = |patterns: &[String]| {
            patterns
                .iter()
                .any(|p| glob(p, table) || glob(p, &qualified))
        };
        let version = self.version_table();
        if schema == version.schema && version.table_names().iter().any(|n| n == table) {
            return false;
        }
        (self.include_tables.is_empty() || matches(&self.include_tables))
            && !matches(&self.exclude_tables)
    }

    /// `schema` without the tables the tool does not manage (and foreign keys to them).
    pub fn filter(&self, mut schema: Schema) -> Schema {
        schema
            .tables
            .retain(|t| self.manages(&t.name.schema, &t.name.name));
        schema
    }
}

/// `*` and `?` wildcards.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    go(&p, &t)
}

/// Replaces `${VAR}` with the variable's value.
fn expand(text: &str, what: &str) -> Result<String, ConfigError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let variable = &rest[start + 2..start + end];
        let value = std::env::var(variable).map_err(|_| ConfigError::UnsetVariable {
            what: what.to_string(),
            variable: variable.to_string(),
        })?;
        out.push_str(&value);
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_valid_and_has_the_defaults() {
        let config: Config = toml::from_str(TEMPLATE).unwrap();
        assert_eq!(config.script_location, "migrations");
        assert_eq!(config.schemas, ["public"]);
        assert_eq!(config.version_table, "model_version");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("model-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.toml");
        std::fs::write(&path, "script_locaton = \"x\"\n").unwrap();
        let error = Config::load(&path).unwrap_err().to_string();
        assert!(error.contains("unknown field `script_locaton`"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lock_settings_are_read_and_malformed_ones_refused() {
        let dir = std::env::temp_dir().join(format!("model-config-locks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.toml");
        std::fs::write(
            &path,
            "lock_timeout = \"500ms\"\nlock_retries = 3\nstatement_timeout = \"1min\"\n",
        )
        .unwrap();
        let retries = Config::load(&path).unwrap().lock_settings().unwrap();
        assert_eq!(retries.lock_timeout, std::time::Duration::from_millis(500));
        assert_eq!(retries.attempts, 3);
        assert_eq!(
            retries.statement_timeout,
            Some(std::time::Duration::from_secs(60))
        );
        for (bad, says) in [
            ("lock_timeout = \"soon\"", "not a duration"),
            ("lock_timeout = \"0\"", "more than 0"),
            ("lock_retries = 0", "at least 1"),
        ] {
            std::fs::write(&path, bad).unwrap();
            let error = Config::load(&path).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn patterns_and_the_version_table() {
        let mut config: Config = toml::from_str(TEMPLATE).unwrap();
        config.exclude_tables = vec!["audit_*".into(), "legacy.*".into()];
        assert!(config.manages("public", "orders"));
        assert!(!config.manages("public", "audit_log"));
        assert!(!config.manages("legacy", "anything"));
        assert!(!config.manages("public", "model_version"));
        assert!(!config.manages("public", "model_version_applied"));
    }

    #[test]
    fn variables_expand_or_say_which_is_missing() {
        assert_eq!(
            expand("postgres://${USER_FOR_TEST_X}@h/db", "x")
                .unwrap_err()
                .to_string(),
            "x uses ${USER_FOR_TEST_X}, which is not set"
        );
        assert_eq!(expand("plain", "x").unwrap(), "plain");
    }
}
