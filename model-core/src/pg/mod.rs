//! Connecting to PostgreSQL, and a throwaway server for tests and for commands run with no
//! database configured.
//!
//! [`Server::shared`] uses `DATABASE_URL` when it is set; otherwise it starts a private cluster
//! (`initdb` + `postgres` in a temporary directory, listening only on a Unix socket there) that
//! is stopped and deleted when the process exits, however it exits. [`Server::create_database`]
//! gives each caller a fresh database that is dropped when the handle is dropped, also while a
//! test panics.

mod bouncer;
mod cluster;
mod url;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use postgres::{Client, Config, NoTls};

pub use bouncer::Bouncer;
use cluster::Cluster;
pub use cluster::{find_bindir, ThrowawayOptions};

/// Errors of connecting to or starting PostgreSQL.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// Neither `DATABASE_URL` nor server binaries.
    #[error(
        "no PostgreSQL server binaries found: looked for `initdb` in MODEL_PG_BINDIR, on PATH, in \
         `pg_config --bindir` and under /usr/lib/postgresql/*/bin.\n\
         Install them (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql`), \
         or set DATABASE_URL to a server where this user may create databases."
    )]
    NoServerBinaries,
    /// `MODEL_PG_BINDIR` names a directory without the server binaries.
    #[error("MODEL_PG_BINDIR is `{0}`, but that directory has no `initdb` and `postgres`; point it at PostgreSQL's bin directory (`pg_config --bindir` prints it) or unset it")]
    BadBindir(String),
    /// A helper program failed.
    #[error("`{command}` failed ({status}):\n{output}")]
    Command {
        command: String,
        status: String,
        output: String,
    },
    /// A helper program could not be started, or a file could not be written.
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    /// The throwaway server did not come up.
    #[error("the throwaway PostgreSQL server {what}; its log ({log_path}) ends with:\n{log}")]
    Start {
        what: String,
        log_path: String,
        log: String,
    },
    /// The URL could not be parsed.
    #[error("invalid database URL `{url}`: {message}")]
    BadUrl { url: String, message: String },
    /// A statement or connection failed.
    #[error("{context}: {source}")]
    Db {
        context: String,
        source: postgres::Error,
    },
    /// The shared server failed to start earlier in this process.
    #[error("{0}")]
    Unavailable(String),
}

impl PgError {
    fn db(context: impl Into<String>) -> impl FnOnce(postgres::Error) -> PgError {
        let context = context.into();
        move |source| PgError::Db { context, source }
    }
}

/// Connects to the database `url` names (`postgres://…` or `key=value`), refusing malformed
/// URLs with a message instead of a panic.
pub fn connect(url: &str) -> Result<Client, PgError> {
    let target = url::Target::parse(url)?;
    target.config()?.connect(NoTls).map_err(PgError::db(format!(
        "could not connect to {}",
        url::redact(url)
    )))
}

/// A PostgreSQL server where databases can be created: the one `DATABASE_URL` names, or a
/// throwaway cluster owned by this process.
pub struct Server {
    /// Connection settings of the maintenance database, used to create and drop databases.
    admin: Config,
    /// How to spell a connection string for another database on this server.
    target: url::Target,
    /// Kept so the cluster's directory outlives the server handle.
    _cluster: Option<Cluster>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("url", &self.url_for("postgres"))
            .finish()
    }
}

impl Server {
    /// The process-wide server: `DATABASE_URL` if set, otherwise a throwaway cluster started on
    /// first use and stopped when the process exits.
    pub fn shared() -> Result<&'static Server, PgError> {
        static SHARED: OnceLock<Result<Server, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Server::from_env().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| PgError::Unavailable(e.clone()))
    }

    /// `DATABASE_URL` if set, otherwise a new throwaway cluster.
    pub fn from_env() -> Result<Server, PgError> {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => Server::external(&url),
            _ => Server::throwaway(),
        }
    }

    /// A server reached through `url` (`postgres://user:pass@host:port/db` or
    /// `host=… dbname=…`); databases are created with the URL's user.
    pub fn external(url: &str) -> Result<Server, PgError> {
        let target = url::Target::parse(url)?;
        let admin = target.config()?;
        Ok(Server {
            admin,
            target,
            _cluster: None,
        })
    }

    /// Starts a private cluster in a temporary directory.
    pub fn throwaway() -> Result<Server, PgError> {
        Server::throwaway_with(&ThrowawayOptions::default())
    }

    /// Starts a private cluster with TCP, TLS or its own pg_hba.conf (for tests of those).
    pub fn throwaway_with(options: &ThrowawayOptions) -> Result<Server, PgError> {
        let cluster = Cluster::start(options)?;
        let target = url::Target::socket(cluster.socket_dir(), cluster.port(), "postgres");
        let admin = target.config()?;
        Ok(Server {
            admin,
            target,
            _cluster: Some(cluster),
        })
    }

    /// The throwaway cluster's TCP port on 127.0.0.1, when it listens there.
    pub fn tcp_port(&self) -> Option<u16> {
        self._cluster.as_ref().and_then(Cluster::tcp_port)
    }

    /// The throwaway cluster's socket directory (None for DATABASE_URL's server).
    pub(crate) fn socket_dir(&self) -> Option<&std::path::Path> {
        self._cluster.as_ref().map(Cluster::socket_dir)
    }

    /// The maintenance connection's settings.
    pub(crate) fn admin_config(&self) -> &Config {
        &self.admin
    }

    /// A connection string for database `dbname` on this server.
    pub fn url_for(&self, dbname: &str) -> String {
        self.target.with_dbname(dbname)
    }

    /// Connects to the maintenance database.
    pub fn connect_admin(&self) -> Result<Client, PgError> {
        self.admin
            .connect(NoTls)
            .map_err(PgError::db("could not connect to the PostgreSQL server"))
    }

    /// Creates a new, empty database that is dropped when the returned handle is dropped.
    pub fn create_database(&self) -> Result<TempDatabase, PgError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "model_tmp_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let mut admin = self.connect_admin()?;
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {}",
                crate::render::quote_ident(&name)
            ))
            .map_err(PgError::db(format!("could not create database {name}")))?;
        let mut config = self.admin.clone();
        config.dbname(&name);
        Ok(TempDatabase {
            url: self.url_for(&name),
            name,
            config,
            admin: self.admin.clone(),
        })
    }
}

/// A database created for one caller and dropped (with any sessions still in it) on drop.
pub struct TempDatabase {
    name: String,
    url: String,
    config: Config,
    admin: Config,
}

impl TempDatabase {
    /// Creates a fresh database on the [shared](Server::shared) server.
    pub fn new() -> Result<TempDatabase, PgError> {
        Server::shared()?.create_database()
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection string for it (key=value form, usable by `psql` too).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Opens a connection.
    pub fn connect(&self) -> Result<Client, PgError> {
        self.config
            .connect(NoTls)
            .map_err(PgError::db(format!("could not connect to {}", self.name)))
    }

    fn drop_database(&self) -> Result<(), PgError> {
        let mut admin = self
            .admin
            .connect(NoTls)
            .map_err(PgError::db("could not connect to drop a database"))?;
        // Terminating first works on every server version (DROP … WITH (FORCE) needs 13).
        admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&self.name],
            )
            .map_err(PgError::db("could not end sessions"))?;
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {}",
                crate::render::quote_ident(&self.name)
            ))
            .map_err(PgError::db(format!(
                "could not drop database {}",
                self.name
            )))
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        if let Err(error) = self.drop_database() {
            eprintln!("warning: {error}");
        }
    }
}

impl fmt::Debug for TempDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TempDatabase")
            .field("name", &self.name)
            .field("url", &self.url)
            .finish()
    }
}
