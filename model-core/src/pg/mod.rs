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
mod conn;
mod tls;
mod url;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::Client;
use tokio_postgres::config::{Host, SslMode as DriverSslMode};
use tokio_postgres::Config;
use tokio_postgres_rustls::MakeRustlsConnect;

pub use bouncer::Bouncer;
use cluster::Cluster;
pub use cluster::{find_bindir, ThrowawayOptions};
pub(crate) use conn::query_opt;
pub use conn::{block_on, Blocking, Connection};
pub use tls::{SslMode, TlsSettings};
pub use url::redact;

/// How long connecting may take when the connection string sets no `connect_timeout` (and
/// `PGCONNECT_TIMEOUT` is not set): past it, a server that accepted the connection but never
/// answered is given up on.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

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
    #[error("{context}: {error}")]
    Io {
        context: String,
        error: std::io::Error,
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
    /// The TLS settings cannot be used (a missing or malformed certificate file, …).
    #[error("TLS: {0}")]
    Tls(String),
    /// Connecting did not finish in time.
    #[error("could not connect to {target}: no answer within {seconds}s (connect_timeout; set it in the connection string or PGCONNECT_TIMEOUT)")]
    Timeout { target: String, seconds: f64 },
    /// A statement or connection failed; the message is PostgreSQL's (or the driver's), once.
    #[error("{context}: {message}")]
    Db { context: String, message: String },
    /// The shared server failed to start earlier in this process.
    #[error("{0}")]
    Unavailable(String),
}

impl PgError {
    fn db(context: impl Into<String>) -> impl FnOnce(postgres::Error) -> PgError {
        let context = context.into();
        move |source| PgError::Db {
            context,
            message: pg_message(&source),
        }
    }
}

/// PostgreSQL's own message for an error (with its detail), or the driver's, once: never the
/// driver's `db error: ` prefix, never the same text twice.
pub fn pg_message(error: &postgres::Error) -> String {
    // The server's words are data (a name in them may hold a line feed or an escape
    // sequence): made printable, on one line.
    if let Some(e) = error.as_db_error() {
        let mut out = crate::sql::display(e.message());
        if let Some(detail) = e.detail() {
            out.push_str(&format!(" ({})", crate::sql::display(detail)));
        }
        return out;
    }
    let text = error.to_string();
    let mut rest = text.as_str();
    while let Some(stripped) = rest.strip_prefix("db error: ") {
        rest = stripped;
    }
    let text = match std::error::Error::source(error) {
        Some(source) if !rest.contains(&source.to_string()) => format!("{rest}: {source}"),
        _ => rest.to_string(),
    };
    crate::sql::display(&text)
}

/// Connects to the database `url` names (`postgres://…` or `key=value`), refusing malformed
/// URLs with a message instead of a panic, with libpq's TLS settings and a time limit.
pub fn connect(url: &str) -> Result<Client, PgError> {
    Connector::parse(url)?.connect()
}

/// The database `url` names, created on its server (from the maintenance database
/// `postgres`, else `template1`) when it does not exist; `Ok(false)` when it already did.
pub fn create_database_of(url: &str) -> Result<bool, PgError> {
    let (name, mut admin) = maintenance(url)?;
    if exists(&mut admin, &name)? {
        return Ok(false);
    }
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {}",
            crate::sql::quote_ident(&name)
        ))
        .map_err(PgError::db(format!("could not create database {name}")))?;
    Ok(true)
}

/// The database `url` names, dropped (`force`: its sessions ended first, PostgreSQL 13 and
/// later's `WITH (FORCE)`); `Ok(false)` when it did not exist.
pub fn drop_database_of(url: &str, force: bool) -> Result<bool, PgError> {
    let (name, mut admin) = maintenance(url)?;
    if !exists(&mut admin, &name)? {
        return Ok(false);
    }
    admin
        .batch_execute(&format!(
            "DROP DATABASE {}{}",
            crate::sql::quote_ident(&name),
            if force { " WITH (FORCE)" } else { "" }
        ))
        .map_err(PgError::db(format!("could not drop database {name}")))?;
    Ok(true)
}

/// The name of the database `url` names, and a connection to its server's maintenance
/// database.
fn maintenance(url: &str) -> Result<(String, Client), PgError> {
    let connector = Connector::parse(url)?;
    let name = connector
        .config()
        .get_dbname()
        .map(str::to_string)
        .or_else(|| connector.config().get_user().map(str::to_string))
        .ok_or_else(|| PgError::BadUrl {
            url: redact(url),
            message: "it names no database".into(),
        })?;
    let admin = connector
        .with_dbname("postgres")
        .connect()
        .or_else(|_| connector.with_dbname("template1").connect())?;
    Ok((name, admin))
}

fn exists(admin: &mut Client, name: &str) -> Result<bool, PgError> {
    admin
        .query_opt(
            "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1",
            &[&name],
        )
        .map(|row| row.is_some())
        .map_err(PgError::db("reading pg_database"))
}

/// How to reach one database: the driver's settings, TLS, and how long connecting may take.
#[derive(Clone)]
pub struct Connector {
    config: Config,
    tls: TlsSettings,
    /// Built once: verifying modes read certificate files (or the platform's store).
    tls_config: rustls::ClientConfig,
    timeout: Duration,
    /// The connection string without its password, for messages.
    shown: String,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("url", &self.shown)
            .finish()
    }
}

impl Connector {
    /// Parses a connection string (`postgres://…` or `key=value`).
    pub fn parse(url: &str) -> Result<Connector, PgError> {
        Connector::from_target(&url::Target::parse(url)?)
    }

    fn from_target(target: &url::Target) -> Result<Connector, PgError> {
        let config = target.config()?;
        let env_timeout = std::env::var("PGCONNECT_TIMEOUT")
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| *s > 0.0)
            .map(Duration::from_secs_f64);
        let timeout = config
            .get_connect_timeout()
            .copied()
            .or(env_timeout)
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        Ok(Connector {
            config,
            tls: target.tls.clone(),
            tls_config: tls::client_config(&target.tls)?,
            timeout,
            shown: target.shown(),
        })
    }

    /// The same server and settings, another database.
    pub fn with_dbname(&self, dbname: &str) -> Connector {
        let mut other = self.clone();
        other.config.dbname(dbname);
        other
    }

    /// The driver's settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Opens a connection, with TLS as `sslmode` says (never over a Unix socket, as with
    /// libpq), giving up after the connect timeout however far the server got.
    pub fn connect(&self) -> Result<Client, PgError> {
        let mut last = None;
        for &mode in self.modes() {
            match self.attempt(mode) {
                Ok(client) => return Ok(client),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| self.timed_out()))
    }

    fn attempt(&self, mode: DriverSslMode) -> Result<Client, PgError> {
        let config = postgres::Config::from(self.driver_config(mode));
        let tls = MakeRustlsConnect::new(self.tls_config.clone());
        let (send, receive) = mpsc::channel();
        // The driver bounds only the TCP connect; a server that accepts and then never
        // answers would hang the handshake forever. The thread is left to the OS if it does.
        std::thread::spawn(move || {
            let _ = send.send(config.connect(tls));
        });
        match receive.recv_timeout(self.timeout) {
            Ok(result) => result.map_err(|error| self.refused(&error)),
            Err(_) => Err(self.timed_out()),
        }
    }

    /// The driver's settings for one attempt in `mode`.
    fn driver_config(&self, mode: DriverSslMode) -> Config {
        let mut config = self.config.clone();
        config.ssl_mode(mode);
        if config.get_application_name().is_none() {
            config.application_name("model-migrate");
        }
        config
    }

    fn refused(&self, error: &postgres::Error) -> PgError {
        let mut message = pg_message(error);
        if message.contains("no encryption") {
            message.push_str(
                "; the server accepts only TLS connections here: use sslmode=require (or verify-full)",
            );
        }
        PgError::Db {
            context: format!("could not connect to {}", self.shown),
            message,
        }
    }

    fn timed_out(&self) -> PgError {
        PgError::Timeout {
            target: self.shown.clone(),
            seconds: self.timeout.as_secs_f64(),
        }
    }

    /// The SSL modes to try, in order, as `sslmode` says (never TLS over a Unix socket, as
    /// with libpq).
    fn modes(&self) -> &'static [DriverSslMode] {
        let unix_only = !self.config.get_hosts().is_empty()
            && self
                .config
                .get_hosts()
                .iter()
                .all(|h| matches!(h, Host::Unix(_)));
        let mode = if unix_only {
            SslMode::Disable
        } else {
            self.tls.mode
        };
        match mode {
            SslMode::Disable => &[DriverSslMode::Disable],
            SslMode::Allow => &[DriverSslMode::Disable, DriverSslMode::Require],
            SslMode::Prefer => &[DriverSslMode::Prefer],
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => &[DriverSslMode::Require],
        }
    }

    /// [`Connector::connect`] for a tokio application (feature `tokio`): the same TLS
    /// settings and connect timeout, with the connection's task spawned on the current
    /// runtime. Must be called inside one.
    #[cfg(feature = "tokio")]
    pub async fn connect_async(&self) -> Result<tokio_postgres::Client, PgError> {
        let mut last = None;
        for &mode in self.modes() {
            let config = self.driver_config(mode);
            let tls = MakeRustlsConnect::new(self.tls_config.clone());
            match tokio::time::timeout(self.timeout, config.connect(tls)).await {
                Ok(Ok((client, connection))) => {
                    tokio::spawn(connection);
                    return Ok(client);
                }
                Ok(Err(error)) => last = Some(self.refused(&error)),
                Err(_) => last = Some(self.timed_out()),
            }
        }
        Err(last.unwrap_or_else(|| self.timed_out()))
    }
}

/// A PostgreSQL server where databases can be created: the one `DATABASE_URL` names, or a
/// throwaway cluster owned by this process.
pub struct Server {
    /// Connection settings of the maintenance database, used to create and drop databases.
    admin: Connector,
    /// How to spell a connection string for another database on this server.
    target: url::Target,
    /// Kept so the cluster's directory outlives the server handle.
    _cluster: Option<Cluster>,
    /// A database being created ahead of need ([`Server::prepare_database`]).
    spare: std::sync::Mutex<Option<std::thread::JoinHandle<Result<TempDatabase, PgError>>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // A spare nobody took is dropped (its handle drops the database) before the cluster
        // stops.
        if let Some(handle) = self.spare.get_mut().ok().and_then(Option::take) {
            let _ = handle.join();
        }
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("url", &url::redact(&self.url_for("postgres")))
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
        let admin = Connector::from_target(&target)?;
        Ok(Server {
            admin,
            target,
            _cluster: None,
            spare: Default::default(),
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
        let admin = Connector::from_target(&target)?;
        Ok(Server {
            admin,
            target,
            _cluster: Some(cluster),
            spare: Default::default(),
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
        self.admin.config()
    }

    /// A connection string for database `dbname` on this server.
    pub fn url_for(&self, dbname: &str) -> String {
        self.target.with_dbname(dbname)
    }

    /// Connects to the maintenance database.
    pub fn connect_admin(&self) -> Result<Client, PgError> {
        self.admin.connect()
    }

    /// Starts creating a database in the background, for the next [`Self::create_database`]
    /// to take at once: a proof's copy made while the compared database is being read.
    /// Dropped with the server when nothing takes it.
    pub fn prepare_database(&self) {
        if let Ok(mut spare) = self.spare.lock() {
            if spare.is_none() {
                let pending = self.pending_database();
                *spare = Some(std::thread::spawn(move || pending.create()));
            }
        }
    }

    /// Creates a new, empty database that is dropped when the returned handle is dropped (the
    /// one [`Self::prepare_database`] started, when there is one).
    pub fn create_database(&self) -> Result<TempDatabase, PgError> {
        let spare = self.spare.lock().ok().and_then(|mut s| s.take());
        if let Some(Ok(Ok(database))) = spare.map(std::thread::JoinHandle::join) {
            return Ok(database);
        }
        // No spare, or it failed: a failure that was not a passing one comes back here.
        self.pending_database().create()
    }

    fn pending_database(&self) -> PendingDatabase {
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
        PendingDatabase(TempDatabase {
            url: self.url_for(&name),
            connector: self.admin.with_dbname(&name),
            name,
            admin: self.admin.clone(),
        })
    }
}

/// A database's handle before the database exists (no drop is tried for it).
struct PendingDatabase(TempDatabase);

impl PendingDatabase {
    fn create(self) -> Result<TempDatabase, PgError> {
        let PendingDatabase(database) = self;
        let created = database.admin.connect().and_then(|mut admin| {
            let sql = format!(
                "CREATE DATABASE {}",
                crate::sql::quote_ident(&database.name)
            );
            admin.batch_execute(&sql).map_err(PgError::db(format!(
                "could not create database {}",
                database.name
            )))
        });
        match created {
            Ok(()) => Ok(database),
            Err(e) => {
                // No database: nothing for its handle to drop.
                std::mem::forget(database);
                Err(e)
            }
        }
    }
}

/// A database created for one caller and dropped (with any sessions still in it) on drop.
pub struct TempDatabase {
    name: String,
    url: String,
    connector: Connector,
    admin: Connector,
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
        self.connector.connect()
    }

    fn drop_database(&self) -> Result<(), PgError> {
        let mut admin = self.admin.connect()?;
        // Terminating first works on every server version (DROP … WITH (FORCE) needs 13).
        admin
            .query_typed(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[(&self.name, postgres::types::Type::TEXT)],
            )
            .map_err(PgError::db("could not end sessions"))?;
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {}",
                crate::sql::quote_ident(&self.name)
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
            .field("url", &url::redact(&self.url))
            .finish()
    }
}
