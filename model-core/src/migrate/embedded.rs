//! Revision scripts embedded in a program by `embed_migrations!`, run at startup with the
//! same runner as the command line: the migration lock, checksums of applied scripts, one
//! transaction per revision (or progress records outside one), lock timeouts with retries,
//! and the same version table, so the program and `model-cli` agree on what is applied.

use std::sync::OnceLock;

use postgres::Client;

use super::{read_current, MigrateError, Migrator, TransactionMode, VersionTable};
use crate::revision::Graph;

/// Scripts included by `embed_migrations!("migrations")`, as `(path, text)` pairs.
///
/// ```ignore
/// static MIGRATIONS: model_core::migrate::EmbeddedMigrations =
///     model_core::embed_migrations!("migrations");
///
/// let applied = MIGRATIONS.upgrade_url(&std::env::var("DATABASE_URL")?, "head")?;
/// ```
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
    pub fn migrator<'a>(&'a self, client: &'a mut Client, lock: Client) -> Migrator<'a> {
        self.migrator_with(client, lock, VersionTable::default())
    }

    /// [`EmbeddedMigrations::migrator`] with another version table (`model.toml`'s
    /// `version_table` and first schema).
    pub fn migrator_with<'a>(
        &'a self,
        client: &'a mut Client,
        lock: Client,
        table: VersionTable,
    ) -> Migrator<'a> {
        Migrator::new(client, lock, self.graph(), table, |_| {})
    }

    /// Applies what `target` (`head`, `heads`, an id, `label@head`) needs, one transaction
    /// per revision. Returns the ids applied (none when the database is up to date).
    pub fn upgrade(
        &self,
        client: &mut Client,
        lock: Client,
        target: &str,
    ) -> Result<Vec<String>, MigrateError> {
        self.migrator(client, lock)
            .upgrade(target, TransactionMode::PerRevision)
    }

    /// Undoes applied revisions until only `target` (`base` for none) and its ancestors
    /// remain. Returns the ids undone.
    pub fn downgrade(
        &self,
        client: &mut Client,
        lock: Client,
        target: &str,
    ) -> Result<Vec<String>, MigrateError> {
        self.migrator(client, lock)
            .downgrade(target, TransactionMode::PerRevision)
    }

    /// The applied heads (empty at base).
    pub fn current(&self, client: &mut Client) -> Result<Vec<String>, MigrateError> {
        read_current(client, &VersionTable::default())
    }

    /// The revisions not applied yet, in the order `upgrade heads` would apply them.
    pub fn pending(&self, client: &mut Client) -> Result<Vec<String>, MigrateError> {
        let current = self.current(client)?;
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
