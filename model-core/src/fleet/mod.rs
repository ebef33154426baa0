//! Fleets: many databases, and tenant schemas in them, that follow the same revisions. This
//! room resolves the targets (`[fleets.NAME]` of model.toml, a file of URLs, a query, tenant
//! patterns), runs work over them on a bounded pool of threads with the rollout policies
//! (stop at the first failure, keep going, canary), and reads them a database at a time
//! (heads and schemas of all its tenant schemas in one catalog read), for the command line
//! and for any Rust program. Printing is the caller's: progress comes through [`Watch`].

mod pool;
mod read;
mod targets;

use std::time::Duration;

pub use pool::{by_database, database_count, pool, rollout, DatabaseWork, Policy, Watch};
pub use read::{
    consensus, fingerprint, read_all, read_currents, read_database, read_tenants, template_view,
    tenant_map, version_table, Consensus,
};
pub use targets::{targets, Source};

/// How many targets run at once when neither the command nor the fleet says.
pub const DEFAULT_JOBS: usize = 4;

/// One database, or one tenant schema of a database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    url: String,
    tenant: Option<String>,
    /// What tables and messages call it: the URL without its password, and the schema.
    name: String,
}

impl Target {
    /// The database `url` names, as a whole.
    pub fn database(url: &str) -> Target {
        Target {
            name: crate::pg::redact(url),
            url: url.to_string(),
            tenant: None,
        }
    }

    /// The tenant schema `schema` of the database `url` names.
    pub fn tenant(url: &str, schema: &str) -> Target {
        Target {
            name: format!(
                "{} {}",
                crate::pg::redact(url),
                crate::sql::quote_ident(schema)
            ),
            url: url.to_string(),
            tenant: Some(schema.to_string()),
        }
    }

    /// The connection URL (with its password: never print it; print [`Self::name`]).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The tenant schema, for a tenant target.
    pub fn tenant_schema(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// What to call it in tables and messages: the URL without its password, and the schema.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// What happened to one target.
#[derive(Debug)]
pub enum Outcome<T> {
    /// It finished, giving this, after this long.
    Done(T, Duration),
    /// It failed with this message (passwords taken out), after this long.
    Failed(String, Duration),
    /// Not started: an earlier failure stopped the run (or the canary failed).
    Skipped,
}

impl<T> Outcome<T> {
    /// Whether it finished.
    pub fn is_done(&self) -> bool {
        matches!(self, Outcome::Done(..))
    }
}

/// Why the targets could not be listed or read.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// model.toml names no such fleet.
    #[error("no fleet `{name}` in {path}; it has: {known}")]
    UnknownFleet {
        /// The name asked for.
        name: String,
        /// The config file.
        path: String,
        /// The fleets it has, or "none".
        known: String,
    },
    /// A fleet's query has nowhere to run.
    #[error("fleet `{0}` has a query but no query_url, and no database is configured")]
    NoQueryUrl(String),
    /// The targets file could not be read.
    #[error("reading the targets file {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A setting or `${VAR}` that cannot be expanded.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A connection that failed.
    #[error(transparent)]
    Pg(#[from] crate::pg::PgError),
    /// A statement that failed, with what it was for.
    #[error("{what}: {source}")]
    Query {
        /// What the statement was for.
        what: String,
        /// The server's error.
        source: postgres::Error,
    },
    /// A catalog read that failed.
    #[error(transparent)]
    Introspect(#[from] crate::introspect::IntrospectError),
    /// A version table that could not be read.
    #[error(transparent)]
    Migrate(#[from] Box<crate::migrate::MigrateError>),
}

impl From<crate::migrate::MigrateError> for FleetError {
    fn from(e: crate::migrate::MigrateError) -> FleetError {
        FleetError::Migrate(Box::new(e))
    }
}

/// `base` for no heads, else the heads, comma-separated.
pub fn at(heads: &[String]) -> String {
    if heads.is_empty() {
        "base".into()
    } else {
        heads.join(", ")
    }
}
