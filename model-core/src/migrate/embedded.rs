//! Revision scripts embedded in a program by `embed_migrations!`, run at startup with the
//! same runner as the command line: the migration lock, checksums of applied scripts, one
//! transaction per revision (or progress records outside one), lock timeouts with retries,
//! and the same version table, so the program and `model-cli` agree on what is applied.

use std::sync::OnceLock;

use postgres::Client;

use super::{read_current_async, MigrateError, Migrator, TransactionMode, VersionTable};
use crate::pg::{block_on, Blocking, Connection};
use crate::revision::Graph;

/// Scripts included by `embed_migrations!("migrations")`, as `(path, text)` pairs.
///
/// ```ignore
/// static MIGRATIONS: model_core::migrate::EmbeddedMigrations =
///     model_core::embed_migrations!("migrations");
///
/// let applied = MIGRATIONS.upgrade_url(&std::env::var("DATABASE_URL")?, "head")?;
/// ```
///
/// Every method has an async twin (`upgrade_async`, …) over any [`Connection`], such as the
/// application's own `tokio_postgres::Client` (feature `tokio`); it is the same code,
/// awaited instead of run to completion on the calling thread.
pub struct EmbeddedMigrations {
    scripts: &'static [(&'static str, &'static str)],
    graph: OnceLock<Graph>,
}

impl EmbeddedMigrations {
    /// What `embed_migrations!` expands to: the scripts, checked when the program was built.
    #[doc(hidden)]
    pub const fn new(scripts: &'static [(&'static str, &'static str)]) -> Self {
        EmbeddedMigrations {
            scripts,
            graph: OnceLock::new(),
        }
    }

    /// The embedded scripts: `(path relative to Cargo.toml, text)`, sorted by path.
    pub fn scripts(&self) -> &'static [(&'static str, &'static str)] {
        self.scripts
    }

    /// The revision graph of the scripts (read once).
    pub fn graph(&self) -> &Graph {
        self.graph.get_or_init(|| {
            Graph::from_sources(self.scripts.iter().copied())
                .expect("embed_migrations! checked these scripts when the program was built")
        })
    }

    /// A runner over these scripts with the default version table (`model_version` in
    /// `public`, as `model.toml` has it by default), for what the shortcuts below do not
    /// offer: a log, lock retries, a protected database. `lock` is a second connection to
    /// the same database, which holds the migration lock for the run.
    pub fn migrator<'a, C: Connection>(&'a self, client: &'a mut C, lock: C) -> Migrator<'a, C> {
        self.migrator_with(client, lock, VersionTable::default())
    }

    /// [`EmbeddedMigrations::migrator`] with another version table (`model.toml`'s
    /// `version_table` and first schema).
    pub fn migrator_with<'a, C: Connection>(
        &'a self,
        client: &'a mut C,
        lock: C,
        table: VersionTable,
    ) -> Migrator<'a, C> {
        Migrator::new(client, lock, self.graph(), table, |_| {})
    }

    /// Applies what `target` (`head`, `heads`, an id, `label@head`) needs, one transaction
    /// per revision. Returns the ids applied (none when the database is up to date).
    pub fn upgrade<C: Blocking>(
        &self,
        client: &mut C,
        lock: C,
        target: &str,
    ) -> Result<Vec<String>, MigrateError> {
        block_on(self.upgrade_async(client, lock, target))
    }

    /// [`EmbeddedMigrations::upgrade`], awaited, over any [`Connection`] (with the `tokio`
    /// feature, the application's own `tokio_postgres::Client`s: `client` runs the
    /// revisions, `lock`, a second connection to the same database, holds the lock).
    pub async fn upgrade_async<C: Connection>(
        &self,
        client: &mut C,
        lock: C,
        target: &str,
    ) -> Result<Vec<String>, MigrateError> {
        self.migrator(client, lock)
            .upgrade_async(target, TransactionMode::PerRevision)
            .await
    }

    /// Undoes applied revisions until only `target` (`base` for none) and its ancestors
    /// remain. Returns the ids undone.
    pub fn downgrade<C: Blocking>(
        &self,
        client: &mut C,
        lock: C,
        target: &str,
    ) -> Result<Vec<String>, MigrateError> {
        block_on(self.downgrade_async(client, lock, target))
    }

    /// [`EmbeddedMigrations::downgrade`], awaited, over any [`Connection`].
    pub async fn downgrade_async<C: Connection>(
        &self,
        client: &mut C,
        lock: C,
        target: &str,
    ) -> Result<Vec<String>, MigrateError> {
        self.migrator(client, lock)
            .downgrade_async(target, TransactionMode::PerRevision)
            .await
    }

    /// The applied heads (empty at base).
    pub fn current(&self, client: &mut impl Blocking) -> Result<Vec<String>, MigrateError> {
        block_on(self.current_async(client))
    }

    /// [`EmbeddedMigrations::current`], awaited, over any [`Connection`].
    pub async fn current_async<C: Connection>(
        &self,
        client: &mut C,
    ) -> Result<Vec<String>, MigrateError> {
        read_current_async(client, &VersionTable::default()).await
    }

    /// The revisions not applied yet, in the order `upgrade heads` would apply them.
    pub fn pending(&self, client: &mut impl Blocking) -> Result<Vec<String>, MigrateError> {
        block_on(self.pending_async(client))
    }

    /// [`EmbeddedMigrations::pending`], awaited, over any [`Connection`].
    pub async fn pending_async<C: Connection>(
        &self,
        client: &mut C,
    ) -> Result<Vec<String>, MigrateError> {
        let current = self.current_async(client).await?;
        let graph = self.graph();
        let applied = graph.ancestors(current.iter().map(String::as_str));
        let heads: Vec<String> = graph.heads().iter().map(|r| r.id.clone()).collect();
        Ok(graph
            .upgrade_path(&applied, &heads)
            .iter()
            .map(|r| r.id.clone())
            .collect())
    }

    /// [`EmbeddedMigrations::upgrade`] on the database `url` names (`sslmode` and the other
    /// TLS settings as libpq reads them), with the two connections it needs.
    pub fn upgrade_url(&self, url: &str, target: &str) -> Result<Vec<String>, MigrateError> {
        let mut client = connect(url, "migrations")?;
        self.upgrade(&mut client, connect(url, "the migration lock")?, target)
    }

    /// [`EmbeddedMigrations::downgrade`] on the database `url` names.
    pub fn downgrade_url(&self, url: &str, target: &str) -> Result<Vec<String>, MigrateError> {
        let mut client = connect(url, "migrations")?;
        self.downgrade(&mut client, connect(url, "the migration lock")?, target)
    }
}

/// A connection to `url` for `what`, its failure a [`MigrateError`].
pub(super) fn connect(url: &str, what: &str) -> Result<Client, MigrateError> {
    crate::pg::connect(url).map_err(|e| MigrateError::Db {
        context: format!("connecting ({what})"),
        message: e.to_string(),
    })
}
