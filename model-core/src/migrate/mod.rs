//! The runner: applies revisions to a database and records them.
//!
//! Guarantees:
//! - a lock around every run (a transaction-scoped advisory lock held on a second connection,
//!   safe behind a transaction-mode pooler and released when the process dies), so concurrent
//!   runs take turns and each revision is applied once;
//! - each revision's statements and its version-table change in one transaction (or the whole
//!   run in one), so a failing statement leaves nothing of its revision behind;
//! - a revision marked `Transactional: no` is recorded statement by statement as each
//!   commits, so after a failure or a `kill -9` the database says exactly what of it is
//!   there, `current` shows it, and the next run resumes after the committed statements;
//! - a statement that would end a transactional revision's transaction (`COMMIT`) is refused
//!   before anything runs;
//! - a checksum of every applied script, so a script edited after it was applied is reported
//!   instead of silently accepted.
//!
//! Every statement is sent with the simple protocol or as an unnamed statement in one round
//! trip, so nothing stays prepared on a pooled server connection.
//!
//! The version table has Alembic's semantics: one row per applied head. A second table,
//! `<version table>_applied`, keeps one row per applied revision with its checksum; a third,
//! `<version table>_partial`, one row per revision part started outside a transaction and not
//! finished.

#[cfg(feature = "tokio")]
mod asynchronous;
mod destructive;
mod embedded;
mod history;
mod lock;
mod offline;
mod partial;
pub mod protect;
mod retry;
mod tenant;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use postgres::types::Type;
use postgres::Client;

#[cfg(feature = "tokio")]
pub use asynchronous::connect_async;
pub use destructive::{
    count_rows, count_rows_async, destructive_statements, Destruction, RowCount,
};
pub use embedded::EmbeddedMigrations;
pub use history::created_tables;
pub use offline::offline_sql;
pub use partial::{
    read_partial, read_partial_async, read_unfinished_indexes, unfinished_indexes, Direction,
    PartialRun, UnfinishedIndex,
};
pub use retry::{duration_text, parse_duration, LockRetries};
pub use tenant::SchemaMap;

use crate::pg::block_on;
pub use crate::pg::{Blocking, Connection};
use crate::revision::{Graph, GraphError, Revision};
use crate::sql::{quote_ident, quote_literal};

/// Where the version table lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTable {
    /// Schema of both tables.
    pub schema: String,
    /// Name of the heads table (`model_version`); the log is `<name>_applied`.
    pub name: String,
}

impl Default for VersionTable {
    fn default() -> Self {
        VersionTable {
            schema: "public".into(),
            name: "model_version".into(),
        }
    }
}

impl VersionTable {
    /// The heads table, quoted.
    pub fn qualified(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }

    /// The log table's name.
    pub fn log_name(&self) -> String {
        format!("{}_applied", self.name)
    }

    /// The log table, quoted.
    pub fn log_qualified(&self) -> String {
        format!(
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&self.log_name())
        )
    }

    /// The names of the tables the runner keeps: heads, log, progress.
    pub fn table_names(&self) -> [String; 3] {
        [
            self.name.clone(),
            self.log_name(),
            format!("{}_partial", self.name),
        ]
    }

    /// The progress table of parts run outside a transaction, quoted.
    pub fn partial_qualified(&self) -> String {
        crate::sql::qualified(&self.schema, &self.table_names()[2])
    }

    /// `CREATE TABLE IF NOT EXISTS` for the three tables.
    pub fn create_sql(&self) -> String {
        let tables = format!(
            "CREATE TABLE IF NOT EXISTS {} (\n    version_num varchar(64) NOT NULL,\n    CONSTRAINT {} PRIMARY KEY (version_num)\n);\n\
             CREATE TABLE IF NOT EXISTS {} (\n    revision varchar(64) NOT NULL PRIMARY KEY,\n    checksum char(64) NOT NULL,\n    applied_at timestamp with time zone NOT NULL DEFAULT now()\n);\n",
            self.qualified(),
            quote_ident(&format!("{}_pkc", self.name)),
            self.log_qualified()
        );
        tables + &partial::create_sql(self)
    }

    /// The key of the advisory lock that serialises runs on this version table.
    pub fn lock_key(&self) -> i64 {
        // FNV-1a: stable across builds and processes, unlike std's hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in format!("model-migrate:{}.{}", self.schema, self.name).bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash as i64
    }
}

/// A statement of a revision that runs in a transaction failed; nothing of it was applied.
#[derive(Debug, thiserror::Error)]
#[error("revision {revision} ({path}) failed at line {line}: {message}\n    {statement}\nNothing of {revision} was applied; the database is still at {at}.")]
pub struct StatementFailed {
    pub revision: String,
    pub path: String,
    pub line: usize,
    pub statement: String,
    pub message: String,
    pub at: String,
}

/// A statement waited too long for a lock on every attempt; nothing of the revision (or of
/// the statement, outside a transaction) was applied.
#[derive(Debug, thiserror::Error)]
#[error("revision {revision} ({path}) gave up at line {line} after {attempts} attempt(s): every one timed out waiting for a lock (last lock_timeout {last_timeout} ms)\n    {statement}\n{holders}Nothing of that attempt was applied; the database is still at {at}. Run again when the sessions holding the locks are done, or raise lock_timeout / lock_retries in model.toml.")]
pub struct LockTimedOut {
    pub revision: String,
    pub path: String,
    pub line: usize,
    pub statement: String,
    pub attempts: u32,
    pub last_timeout: u128,
    /// The sessions holding locks on the relations the statement names, or "".
    pub holders: String,
    pub at: String,
}

/// A statement of a part that runs outside a transaction failed after others committed.
#[derive(Debug, thiserror::Error)]
#[error("revision {revision} ({path}) failed at line {line}: {message}\n    {statement}\n{revision} runs outside a transaction: {committed}; the rest did not run.{invalid}\n`current` shows {revision} as partially applied. Fix the cause and run the same command again to resume at line {line} (statements already committed must stay unchanged), or settle it by hand with `repair {revision}`.")]
pub struct PartialFailed {
    pub revision: String,
    pub path: String,
    pub line: usize,
    pub statement: String,
    pub message: String,
    /// "statements 1–3 of 5 committed (through line 12)" or "no statement committed".
    pub committed: String,
    /// A sentence about indexes the failure left invalid, or empty.
    pub invalid: String,
}

/// Asked, with the destructive statements, before a run that has them; `false` cancels it.
pub type Confirm<'a> = Box<dyn FnMut(&[Destruction]) -> bool + Send + 'a>;

/// Errors of running revisions.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The database is protected and the run has statements that cannot be shown to keep
    /// every row.
    #[error("the database is protected and this run has statements that cannot be shown to keep every row and value; nothing ran:\n{}\nRun again with --allow-destructive to go ahead.", list.join("\n"))]
    Destructive {
        /// One line per such statement, with why.
        list: Vec<String>,
    },
    /// Someone asked declined a destructive run.
    #[error("not confirmed; nothing ran")]
    NotConfirmed,
    /// A target or the graph is wrong.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// A statement of a revision that runs in a transaction failed; nothing of it was applied.
    #[error(transparent)]
    Statement(Box<StatementFailed>),
    /// A statement waited too long for a lock on every attempt; nothing of the revision (or of
    /// the statement, outside a transaction) was applied.
    #[error(transparent)]
    LockTimedOut(Box<LockTimedOut>),
    /// A statement of a part that runs outside a transaction failed after others committed.
    #[error(transparent)]
    Partial(Box<PartialFailed>),
    /// An earlier run stopped inside a part without recording the outcome of a statement.
    #[error("revision {revision} was interrupted during an earlier {direction}: {state}.\nCheck the database, then record what happened: `repair {revision} --statements-done N` (the number of statements that took effect; the next run resumes after them), `repair {revision} --applied`, or `repair {revision} --undone`.")]
    Interrupted {
        revision: String,
        direction: &'static str,
        state: String,
    },
    /// A partially applied revision stands in the way of this run.
    #[error("revision {revision} is {state}.\n{advice}")]
    PartiallyApplied {
        revision: String,
        state: String,
        advice: String,
    },
    /// A part ends inside a comment, a quote or a function body: it would run shorter than
    /// written (parsing a file refuses this; a revision built in code is checked here).
    #[error("revision {revision} ({path}) line {line}: {what} is never closed: the script ends inside it, and would run only in part; nothing was run")]
    Unclosed {
        revision: String,
        path: String,
        line: usize,
        what: String,
    },
    /// A transactional revision holds a statement that would end its transaction.
    #[error("revision {revision} ({path}) line {line}: `{keyword}` would commit or end the revision's transaction part-way, so a later failure could not be undone and the record would be wrong. Mark the revision `-- Transactional: no` (each statement is then recorded as it commits), or remove the statement.")]
    TransactionControl {
        revision: String,
        path: String,
        line: usize,
        keyword: String,
    },
    /// A script was changed after it was applied.
    #[error("revision {revision} ({path}) was edited after it was applied (applied checksum {applied}, file checksum {current}).\nRestore the file, or, if the database already matches the edited script, accept the edit with `repair {revision} --accept-edit` (this records the new checksum and changes nothing else).")]
    Edited {
        revision: String,
        path: String,
        applied: String,
        current: String,
    },
    /// The database records a revision the versions directory does not have.
    #[error("the database records revision {0} as applied, but no script in the versions directory has that id")]
    UnknownApplied(String),
    /// A target that cannot be reached this way.
    #[error("{0}")]
    BadTarget(String),
    /// Another run held the migration lock for longer than this run would wait.
    #[error("gave up after waiting {waited}s for the migration lock, held by {holder}; if that run is stuck, end it (SELECT pg_terminate_backend(pid)), or wait longer with --lock-wait")]
    LockTimeout { waited: f64, holder: String },
    /// The run's connection got no server connection while the lock's held one (a pooler
    /// with one server connection for the database).
    #[error("the run got no server connection after waiting {waited:.0}s ({message}): a run needs two server connections at once, one holding the migration lock for the whole run; behind a pooler, give this database a pool of at least 2 (PgBouncer: pool_size, or default_pool_size), one more for each run at the same time")]
    NoServerConnection { waited: f64, message: String },
    /// The connection holding the migration lock was lost mid-run.
    #[error("the connection holding the migration lock was lost ({0}); stopped so that no other run can interleave")]
    LockLost(String),
    /// A statement that cannot be run in a tenant's schema (see [`SchemaMap`]); nothing ran.
    #[error("revision {revision} ({path}) line {line} cannot run in tenant schema {schema}: {problem}. Nothing was run.")]
    Tenant {
        revision: String,
        path: String,
        line: usize,
        schema: String,
        problem: String,
    },
    /// Any other database error.
    #[error("{context}: {message}")]
    Db { context: String, message: String },
}

fn db(context: &str) -> impl Fn(postgres::Error) -> MigrateError + '_ {
    move |e| MigrateError::Db {
        context: context.to_string(),
        message: pg_message(&e),
    }
}

pub use crate::pg::pg_message;

/// How revisions are grouped into transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionMode {
    /// One transaction per revision (the default).
    #[default]
    PerRevision,
    /// The whole run in one transaction.
    PerRun,
}

/// What `repair` records about a revision that an earlier run left partially applied (or,
/// for `AcceptEdit`, an applied revision whose file was edited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// The part was finished by hand: record the revision as upgraded (or downgraded).
    Applied,
    /// The part was undone by hand: forget the partial run; the revision stays as it was.
    Undone,
    /// The first N statements took effect: the next run resumes after them.
    StatementsDone(usize),
    /// The file was edited after it was applied, and the database matches it: record the new
    /// checksum, nothing else.
    AcceptEdit,
}

/// How long a run waits for another run's lock by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);

/// Applies revisions of `graph` to the database of `client`.
///
/// Runs take the migration lock on a second connection, `lock`, which holds one open
/// transaction for the run (see `lock.rs` for why this is safe behind a transaction-mode
/// pooler); give it a connection to the same database, used for nothing else.
///
/// The same runner serves both kinds of client: over the `postgres` crate's (the default
/// `C`), its methods block (`upgrade`, `downgrade`, …); over `tokio_postgres::Client` (feature
/// `tokio`), the `…_async` methods are awaited on the application's runtime. Both run the
/// same code: what to run, in which order, with which records, locks and retries.
pub struct Migrator<'a, C: Connection = Client> {
    client: &'a mut C,
    lock: C,
    /// When the lock's connection last answered.
    lock_seen: Instant,
    graph: &'a Graph,
    table: VersionTable,
    lock_wait: Duration,
    log: Box<dyn FnMut(String) + Send + 'a>,
    /// The configuration protects the database: mark it so (see [`protect`]).
    protected: bool,
    /// `--allow-destructive`: run what protection would refuse.
    allow_destructive: bool,
    /// Asked, with the destructive statements, before such a run; `false` cancels it.
    confirm: Option<Confirm<'a>>,
    /// `lock_timeout`, `statement_timeout` and retries on lock timeouts.
    retries: LockRetries,
    /// Log each statement (with its file line) before it runs.
    echo: bool,
    /// Run the scripts in a tenant's schema.
    tenant: Option<SchemaMap>,
    /// The server's version, once a run has asked.
    server: Option<crate::sql::PgVersion>,
}

/// The blocking faces, over the `postgres` crate's clients: each runs the async code below to
/// completion on the calling thread (do not call them inside an async runtime).
impl<C: Blocking> Migrator<'_, C> {
    /// The revisions the version table lists (the applied heads), sorted.
    pub fn current(&mut self) -> Result<Vec<String>, MigrateError> {
        block_on(self.current_async())
    }

    /// Checks that every applied revision still exists and is unchanged.
    pub fn verify(&mut self) -> Result<(), MigrateError> {
        block_on(self.verify_async())
    }

    /// Applies everything `target` needs that is not applied yet. Returns the ids applied.
    pub fn upgrade(
        &mut self,
        target: &str,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError> {
        block_on(self.upgrade_async(target, mode))
    }

    /// Undoes applied revisions until only `target` and its ancestors remain.
    pub fn downgrade(
        &mut self,
        target: &str,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError> {
        block_on(self.downgrade_async(target, mode))
    }

    /// Records `target` as the current state without running anything.
    pub fn stamp(&mut self, target: &str, purge: bool) -> Result<(), MigrateError> {
        block_on(self.stamp_async(target, purge))
    }

    /// Settles a revision an earlier run left partially applied, or accepts an edited script.
    pub fn repair(&mut self, revision: &str, action: Repair) -> Result<(), MigrateError> {
        block_on(self.repair_async(revision, action))
    }
}

impl<'a, C: Connection> Migrator<'a, C> {
    /// A runner that reports progress through `log`, one line at a time.
    pub fn new(
        client: &'a mut C,
        lock: C,
        graph: &'a Graph,
        table: VersionTable,
        log: impl FnMut(String) + Send + 'a,
    ) -> Self {
        Migrator {
            client,
            lock,
            lock_seen: Instant::now(),
            graph,
            table,
            lock_wait: DEFAULT_LOCK_WAIT,
            log: Box::new(log),
            protected: false,
            allow_destructive: false,
            confirm: None,
            retries: LockRetries::default(),
            echo: false,
            tenant: None,
            server: None,
        }
    }

    /// Runs the scripts, written for schema `map.from`, in schema `map.to` (a tenant's): names
    /// qualified with `map.from` are rewritten, `search_path` is the tenant's schema, and a
    /// statement that cannot be mapped is refused before anything runs. Give it the
    /// tenant's own version table (`VersionTable { schema: map.to, .. }`).
    pub fn tenant(mut self, map: SchemaMap) -> Self {
        self.tenant = Some(map);
        self
    }

    /// Log each statement, with the line of its file, before it runs (`-v`).
    pub fn echo_statements(mut self, echo: bool) -> Self {
        self.echo = echo;
        self
    }

    /// How long statements wait for a lock, and how often a revision is tried again after a
    /// lock timeout (default: [`LockRetries::default`]).
    pub fn lock_retries(mut self, retries: LockRetries) -> Self {
        self.retries = retries;
        self
    }

    /// The configuration protects this database: the run marks it protected, so that every
    /// later run refuses (before anything runs) statements that cannot be shown to keep every
    /// row, whatever reaches the database (see [`protect`]). A marked database is protected
    /// whether or not this is set.
    pub fn protected(mut self, protected: bool) -> Self {
        self.protected = protected;
        self
    }

    /// `--allow-destructive`: run on a protected database what protection would refuse.
    pub fn allow_destructive(mut self, allow: bool) -> Self {
        self.allow_destructive = allow;
        self
    }

    /// Ask `confirm` (with the destructive statements and their tables' row counts) before a
    /// run that destroys data; a `false` cancels the run before anything runs.
    pub fn confirm_destructive(
        mut self,
        confirm: impl FnMut(&[Destruction]) -> bool + Send + 'a,
    ) -> Self {
        self.confirm = Some(Box::new(confirm));
        self
    }

    /// How long to wait for another run's lock before giving up (default a minute).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The revisions the version table lists (the applied heads), sorted.
    pub async fn current_async(&mut self) -> Result<Vec<String>, MigrateError> {
        read_current_async(self.client, &self.table).await
    }

    /// Checks that every applied revision still exists and is unchanged.
    pub async fn verify_async(&mut self) -> Result<(), MigrateError> {
        verify_async(self.client, self.graph, &self.table).await
    }

    /// Applies everything `target` needs that is not applied yet. Returns the ids applied.
    pub async fn upgrade_async(
        &mut self,
        target: &str,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError> {
        self.acquire().await?;
        let result = self.migrate_locked(target, mode, true).await;
        self.release(result).await
    }

    /// Undoes applied revisions until only `target` and its ancestors remain.
    pub async fn downgrade_async(
        &mut self,
        target: &str,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError> {
        self.acquire().await?;
        let result = self.migrate_locked(target, mode, false).await;
        self.release(result).await
    }

    /// Under the lock: works out the steps to `target`, up or down, and runs them.
    async fn migrate_locked(
        &mut self,
        target: &str,
        mode: TransactionMode,
        upgrade: bool,
    ) -> Result<Vec<String>, MigrateError> {
        let current = self.prepare().await?;
        let graph = self.graph;
        let target = graph.resolve_target(target, &current)?;
        let mut applied = graph.ancestors(current.iter().map(String::as_str));
        if upgrade {
            let steps = graph.upgrade_path(&applied, &target.heads);
            return self.run(&steps, &mut applied, true, mode).await;
        }
        let keep = graph.ancestors(target.heads.iter().map(String::as_str));
        if let Some(missing) = keep.iter().find(|id| !applied.contains(*id)) {
            return Err(MigrateError::BadTarget(format!(
                "cannot downgrade to {missing}: it is not applied (use upgrade to go forward)"
            )));
        }
        let steps = graph.downgrade_path(&applied, &target.heads);
        self.run(&steps, &mut applied, false, mode).await
    }

    /// Records `target` as the current state without running anything.
    pub async fn stamp_async(&mut self, target: &str, purge: bool) -> Result<(), MigrateError> {
        self.acquire().await?;
        let result = self.stamp_locked(target, purge).await;
        self.release(result).await
    }

    async fn stamp_locked(&mut self, target: &str, purge: bool) -> Result<(), MigrateError> {
        self.ensure_tables().await?;
        begin(self.client, "stamp").await?;
        let result = self.stamp_in_transaction(target, purge).await;
        let heads = end(self.client, result, "stamp").await?;
        (self.log)(format!("Stamped {heads}"));
        Ok(())
    }

    /// The stamp's reads and writes, inside its transaction; returns the heads stamped.
    async fn stamp_in_transaction(
        &mut self,
        target: &str,
        purge: bool,
    ) -> Result<String, MigrateError> {
        let graph = self.graph;
        if purge {
            self.client
                .batch_execute(&format!(
                    "DELETE FROM {}; DELETE FROM {}; DELETE FROM {}",
                    self.table.qualified(),
                    self.table.log_qualified(),
                    self.table.partial_qualified()
                ))
                .await
                .map_err(db("stamp"))?;
        }
        let current = read_current_async(self.client, &self.table).await?;
        if let Some(unknown) = current.iter().find(|c| graph.get(c).is_none()) {
            return Err(MigrateError::UnknownApplied(format!(
                "{unknown} (use --purge to clear the version table)"
            )));
        }
        if let Some(p) = read_partial_async(self.client, &self.table).await?.first() {
            return Err(MigrateError::PartiallyApplied {
                revision: p.revision.clone(),
                state: p.describe(graph.get(&p.revision)),
                advice: format!(
                    "Settle it with `repair {}` before stamping (or stamp --purge to forget every record).",
                    p.revision
                ),
            });
        }
        let target = graph.resolve_target(target, &current)?;
        let applied = graph.ancestors(target.heads.iter().map(String::as_str));
        let mut sql = format!(
            "DELETE FROM {}; DELETE FROM {};\n",
            self.table.qualified(),
            self.table.log_qualified()
        );
        for id in graph.heads_of(&applied) {
            sql.push_str(&format!(
                "INSERT INTO {} (version_num) VALUES ({});\n",
                self.table.qualified(),
                quote_literal(id)
            ));
        }
        for id in &applied {
            let checksum = graph.get(id).map(Revision::checksum).unwrap_or_default();
            sql.push_str(&format!(
                "INSERT INTO {} (revision, checksum) VALUES ({}, {});\n",
                self.table.log_qualified(),
                quote_literal(id),
                quote_literal(&checksum)
            ));
        }
        self.client.batch_execute(&sql).await.map_err(db("stamp"))?;
        Ok(at_text(&graph.heads_of(&applied)))
    }

    /// Settles a revision an earlier run left partially applied, or accepts an edited script.
    pub async fn repair_async(
        &mut self,
        revision: &str,
        action: Repair,
    ) -> Result<(), MigrateError> {
        self.acquire().await?;
        let result = self.repair_locked(revision, action).await;
        self.release(result).await
    }

    async fn repair_locked(&mut self, revision: &str, action: Repair) -> Result<(), MigrateError> {
        self.ensure_tables().await?;
        let graph = self.graph;
        let id = graph.resolve_id(revision)?.to_string();
        let Some(rev) = graph.get(&id) else {
            return Err(MigrateError::BadTarget(format!("no revision {id}")));
        };
        if action == Repair::AcceptEdit {
            let updated = self
                .client
                .query_typed(
                    &format!(
                        "UPDATE {} SET checksum = $2 WHERE revision = $1 RETURNING revision",
                        self.table.log_qualified()
                    ),
                    &[(&id, Type::VARCHAR), (&rev.checksum(), Type::BPCHAR)],
                )
                .await
                .map_err(db("recording the new checksum"))?;
            if updated.is_empty() {
                return Err(MigrateError::BadTarget(format!(
                    "revision {id} is not applied, so there is no checksum to accept"
                )));
            }
            (self.log)(format!("Accepted the edited script of {id}"));
            return Ok(());
        }
        let partial = read_partial_async(self.client, &self.table)
            .await?
            .into_iter()
            .find(|p| p.revision == id);
        let Some(partial) = partial else {
            return Err(MigrateError::BadTarget(format!(
                "revision {id} has no partial run to settle (`current` lists partial runs); to move the version table, use `stamp`"
            )));
        };
        match action {
            Repair::Undone => {
                self.client
                    .batch_execute(&partial::finish_sql(&self.table, &id))
                    .await
                    .map_err(db("forgetting the partial run"))?;
                (self.log)(format!(
                    "Forgot the partial {} of {id}; it stays as it was before that run",
                    partial.direction.as_str()
                ));
            }
            Repair::StatementsDone(n) => {
                if n > partial.total {
                    return Err(MigrateError::BadTarget(format!(
                        "revision {id}'s {} part has {} statements, not {n}",
                        partial.direction.as_str(),
                        partial.total
                    )));
                }
                let statements = partial::statements(rev, partial.direction);
                let prefixes = partial::prefix_checksums(&statements);
                partial::record(self.client, &self.table, &id, n, None, &prefixes[n]).await?;
                (self.log)(format!(
                    "Recorded {n} of {} statements of {id}'s {} as done; the next run resumes after them",
                    partial.total,
                    partial.direction.as_str()
                ));
            }
            Repair::Applied => {
                // Never recorded as done while an index it builds is invalid or still being
                // built.
                let unfinished = self.index_sentences(rev, partial.direction).await?;
                if !unfinished.is_empty() {
                    return Err(MigrateError::PartiallyApplied {
                        revision: id.clone(),
                        state: format!(
                            "not recorded as applied: its {} names an unfinished index{unfinished}",
                            partial.direction.as_str()
                        ),
                        advice: format!(
                            "Run the same command again to resume (the guard before a concurrent build drops an invalid index), or rebuild it by hand (REINDEX INDEX CONCURRENTLY …) and then `repair {id} --applied`."
                        ),
                    });
                }
                let upgrade = partial.direction == Direction::Upgrade;
                let current = read_current_async(self.client, &self.table).await?;
                let applied = graph.ancestors(current.iter().map(String::as_str));
                let (plan, _) = plan_steps(graph, &self.table, &[rev], &applied, upgrade);
                transaction_sql(
                    self.client,
                    &format!(
                        "{}\n{}",
                        plan[0].bookkeeping,
                        partial::finish_sql(&self.table, &id)
                    ),
                    "repair",
                )
                .await?;
                (self.log)(format!(
                    "Recorded the {} of {id} as done",
                    partial.direction.as_str()
                ));
            }
            Repair::AcceptEdit => unreachable!("handled above"),
        }
        Ok(())
    }

    /// Takes the migration lock on the lock's connection, then makes sure the run's own
    /// connection reaches a server while the lock's holds one.
    async fn acquire(&mut self) -> Result<(), MigrateError> {
        lock::acquire(&mut self.lock, &self.table, self.lock_wait, &mut *self.log).await?;
        self.lock_seen = Instant::now();
        lock::second_connection(&mut *self.client, &mut *self.log).await
    }

    /// Releases the lock after the work that ended with `result`, and returns that result.
    async fn release<T>(&mut self, result: Result<T, MigrateError>) -> Result<T, MigrateError> {
        // The work's outcome is what happened: a lock that cannot be released cleanly is
        // gone with its connection anyway, and must not turn a success into a reported failure.
        if let Err(e) = lock::release(&mut self.lock).await {
            (self.log)(format!("warning: {e}"));
        }
        result
    }

    async fn ensure_tables(&mut self) -> Result<(), MigrateError> {
        self.client
            .batch_execute(&self.table.create_sql())
            .await
            .map_err(db("creating the version table"))
    }

    /// Creates the version tables, reads the current heads, and checks them and the checksums.
    async fn prepare(&mut self) -> Result<Vec<String>, MigrateError> {
        self.ensure_tables().await?;
        if self.protected && !protect::is_marked(self.client, &self.table).await? {
            protect::mark(self.client, &self.table, true).await?;
            (self.log)("Marked the database protected: from now on every run refuses what it cannot show to be harmless, however it reaches the database (`protect --remove` takes this away).".into());
        }
        let current = self.current_async().await?;
        if let Some(unknown) = current.iter().find(|c| self.graph.get(c).is_none()) {
            return Err(MigrateError::UnknownApplied(unknown.clone()));
        }
        self.verify_async().await?;
        let row = crate::pg::query_opt(
            self.client,
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int",
            &[],
        )
        .await
        .map_err(db("server version"))?;
        let (server, num): (String, i32) =
            row.map(|row| (row.get(0), row.get(1))).unwrap_or_default();
        let version = crate::sql::PgVersion::from_num(num.max(0) as u32);
        self.server = Some(version);
        let newest = crate::sql::PgVersion::NEWEST.major();
        if version.major() > newest {
            (self.log)(format!(
                "Context impl PostgreSQL {server} (newer than the {}-{newest} this release was tested on).",
                crate::sql::PgVersion::OLDEST.major()
            ));
        } else {
            (self.log)(format!("Context impl PostgreSQL {server}."));
        }
        Ok(current)
    }

    async fn run<'g>(
        &mut self,
        steps: &[&'g Revision],
        applied: &mut BTreeSet<&'g str>,
        upgrade: bool,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError>
    where
        'a: 'g,
    {
        let direction = if upgrade {
            Direction::Upgrade
        } else {
            Direction::Downgrade
        };
        if let Some(server) = self.server {
            for revision in steps {
                match revision.planned_for {
                    Some(planned) if planned > server.major() => (self.log)(format!(
                        "WARNING: revision {} was planned for PostgreSQL {planned}; this server is {server}: a statement form only {planned} has fails.",
                        crate::sql::display(&revision.id)
                    )),
                    _ => {}
                }
            }
        }
        let outside: Vec<&str> = steps
            .iter()
            .filter(|r| !r.transactional)
            .map(|r| r.id.as_str())
            .collect();
        if mode == TransactionMode::PerRun && !outside.is_empty() {
            return Err(MigrateError::BadTarget(format!(
                "revision {} must run outside a transaction, so the run cannot be one transaction",
                outside[0]
            )));
        }
        // Refuse before anything runs: a part that does not split whole, a statement that
        // would end a revision's transaction.
        for revision in steps {
            partial::check(revision, direction)?;
        }
        for revision in steps.iter().filter(|r| r.transactional) {
            check_transaction_control(revision, direction)?;
        }
        // In a tenant's schema: every statement must map, before anything runs.
        if let Some(map) = &self.tenant {
            for revision in steps {
                for (line, statement) in partial::statements(revision, direction) {
                    if let Err(problem) = map.apply(&statement) {
                        return Err(MigrateError::Tenant {
                            revision: revision.id.clone(),
                            path: revision.path.display().to_string(),
                            line,
                            schema: quote_ident(&map.to),
                            problem,
                        });
                    }
                }
            }
        }
        // A partially applied revision must be finished (or settled) before anything else.
        let partial = read_partial_async(self.client, &self.table).await?;
        if let Some(p) = partial.first() {
            let first = steps.first().map(|r| r.id.as_str());
            if first != Some(p.revision.as_str()) || p.direction != direction {
                let other = p.direction.as_str();
                return Err(MigrateError::PartiallyApplied {
                    revision: p.revision.clone(),
                    state: p.describe(self.graph.get(&p.revision)),
                    advice: format!(
                        "Finish it first (`{other}` to a target through {}, which resumes it), or settle it with `repair {}`.",
                        p.revision, p.revision
                    ),
                });
            }
        }
        // What the run destroys, said before anything runs, with the rows at stake.
        let mut destructions: Vec<Destruction> = steps
            .iter()
            .flat_map(|r| destructive_statements(r, direction))
            .collect();
        if let Some(map) = &self.tenant {
            for d in &mut destructions {
                d.table = d.table.as_deref().and_then(|t| map.apply(t).ok());
            }
        }
        if !destructions.is_empty() {
            count_rows_async(self.client, &mut destructions).await;
            for d in &destructions {
                (self.log)(format!("DESTRUCTIVE {d}"));
            }
        }
        // A protected database runs only what can be shown to keep every row.
        if !self.allow_destructive && protect::is_marked(self.client, &self.table).await? {
            let mut unproven = Vec::new();
            for revision in steps {
                unproven.extend(
                    protect::unproven(self.client, revision, direction, self.tenant.as_ref())
                        .await?,
                );
            }
            if !unproven.is_empty() {
                return Err(MigrateError::Destructive {
                    list: unproven.iter().map(|u| format!("  {u}")).collect(),
                });
            }
        }
        if !destructions.is_empty() {
            if let Some(confirm) = &mut self.confirm {
                if !confirm(&destructions) {
                    return Err(MigrateError::NotConfirmed);
                }
            }
        }
        if outside.is_empty() {
            (self.log)("Will assume transactional DDL.".into());
        } else {
            (self.log)(format!(
                "Will assume transactional DDL, except for {}, which run{} outside a transaction, statement by statement, each recorded as it commits.",
                outside.join(", "),
                if outside.len() == 1 { "s" } else { "" }
            ));
        }
        let start_at = at_text(&self.graph.heads_of(applied));
        let (plan, state) = plan_steps(self.graph, &self.table, steps, applied, upgrade);
        if mode == TransactionMode::PerRun {
            let mut attempt = 0;
            while let Err((failure, revision)) = self
                .attempt(&plan, direction, Some(&start_at), attempt, true)
                .await
            {
                self.after_failure(failure, revision, attempt, &start_at)
                    .await?;
                attempt += 1;
            }
        } else {
            for (i, step) in plan.iter().enumerate() {
                (self.log)(step.title.clone());
                if step.revision.transactional {
                    let mut attempt = 0;
                    let one = std::slice::from_ref(step);
                    while let Err((failure, revision)) =
                        self.attempt(one, direction, None, attempt, false).await
                    {
                        self.after_failure(failure, revision, attempt, &step.at)
                            .await?;
                        attempt += 1;
                    }
                } else {
                    let resume = if i == 0 { partial.first() } else { None };
                    self.run_outside(step, direction, resume).await?;
                }
            }
        }
        *applied = state;
        Ok(plan.iter().map(|step| step.revision.id.clone()).collect())
    }

    /// One attempt at `plan` in one transaction: `BEGIN`, each step's statements and records,
    /// a check that the lock is still held, `COMMIT`; on any failure, `ROLLBACK` (so the
    /// connection is left outside a transaction, whoever owns it) and the failure with the
    /// revision it happened in. `run_at` is the heads the messages name (each step's own when
    /// `None`); `titles` logs each step's title.
    async fn attempt<'g>(
        &mut self,
        plan: &[Step<'g>],
        direction: Direction,
        run_at: Option<&str>,
        attempt: u32,
        titles: bool,
    ) -> Result<(), (Failure, &'g Revision)> {
        let first = plan[0].revision;
        begin(self.client, "starting a transaction")
            .await
            .map_err(|e| (Failure::from(e), first))?;
        let result = self
            .steps_in_transaction(plan, direction, run_at, attempt, titles)
            .await;
        match result {
            Ok(()) => end(self.client, Ok(()), "committing")
                .await
                .map_err(|e| (Failure::from(e), first)),
            Err(failure) => {
                let _ = self.client.batch_execute("ROLLBACK").await;
                Err(failure)
            }
        }
    }

    async fn steps_in_transaction<'g>(
        &mut self,
        plan: &[Step<'g>],
        direction: Direction,
        run_at: Option<&str>,
        attempt: u32,
        titles: bool,
    ) -> Result<(), (Failure, &'g Revision)> {
        for step in plan {
            let revision = step.revision;
            let failed = |e: MigrateError| (Failure::from(e), revision);
            if titles {
                (self.log)(step.title.clone());
            }
            let mut settings = self.retries.of(revision);
            let search_path = self
                .tenant
                .as_ref()
                .map(|m| m.search_path(true))
                .unwrap_or_default();
            self.client
                .batch_execute(&format!(
                    "{}{search_path}",
                    settings.settings(attempt, true)
                ))
                .await
                .map_err(db("setting lock_timeout"))
                .map_err(failed)?;
            let echo: Option<&mut (dyn FnMut(String) + Send)> = if self.echo {
                Some(&mut *self.log)
            } else {
                None
            };
            execute(
                &mut *self.client,
                Part {
                    revision,
                    direction,
                    at: run_at.unwrap_or(&step.at),
                },
                &mut settings,
                attempt,
                echo,
                self.tenant.as_ref(),
            )
            .await
            .map_err(|f| (f, revision))?;
            self.client
                .batch_execute(&step.bookkeeping)
                .await
                .map_err(db("updating the version table"))
                .map_err(failed)?;
        }
        let last = plan[plan.len() - 1].revision;
        check_lock(&mut self.lock, &mut self.lock_seen)
            .await
            .map_err(|e| (Failure::from(e), last))
    }

    /// After a failed attempt (its transaction rolled back): a lock timeout with attempts
    /// left pauses and returns `Ok` (try again); the last one fails naming who holds the
    /// locks; any other failure is returned as it is.
    async fn after_failure(
        &mut self,
        failure: Failure,
        revision: &Revision,
        attempt: u32,
        at: &str,
    ) -> Result<(), MigrateError> {
        if !failure.lock_timeout {
            return Err(failure.error);
        }
        let retries = self.retries.of(revision);
        if attempt + 1 < retries.attempts {
            self.pause_after_lock_timeout(revision, attempt, failure.line)
                .await;
            return Ok(());
        }
        let timeout = retries.timeout(attempt);
        let holders = retry::blockers(self.client, &failure.statement).await;
        Err(MigrateError::LockTimedOut(Box::new(LockTimedOut {
            revision: revision.id.clone(),
            path: revision.path.display().to_string(),
            line: failure.line,
            statement: indent(&failure.statement),
            attempts: retries.attempts,
            last_timeout: timeout.as_millis(),
            holders: if holders.is_empty() {
                String::new()
            } else {
                format!(
                    "Locks held by other sessions on what it names:\n    {}\n",
                    holders.join("\n    ")
                )
            },
            at: at.to_string(),
        })))
    }

    /// Says that attempt `attempt` of `revision` timed out at `line` and waits before the
    /// next one.
    async fn pause_after_lock_timeout(&mut self, revision: &Revision, attempt: u32, line: usize) {
        let retries = self.retries.of(revision);
        let pause = retries.pause_after(attempt);
        (self.log)(format!(
            "{} line {line}: lock timeout after {} ms (attempt {} of {}); rolled back, trying again in {} ms with lock_timeout {} ms",
            revision.id,
            retries.timeout(attempt).as_millis(),
            attempt + 1,
            retries.attempts,
            pause.as_millis(),
            retries.timeout(attempt + 1).as_millis()
        ));
        self.client.pause(pause).await;
    }

    /// The schema an unqualified name in a script is in, and a statement as it runs.
    fn in_place(&self, statement: &str) -> (String, String) {
        match &self.tenant {
            Some(map) => (
                map.to.clone(),
                map.apply(statement)
                    .unwrap_or_else(|_| statement.to_string()),
            ),
            None => (self.table.schema.clone(), statement.to_string()),
        }
    }

    /// Whether index `name` (qualified) is there and valid (`None`: not there).
    async fn index_valid(&mut self, name: &str) -> Result<Option<bool>, MigrateError> {
        Ok(crate::pg::query_opt(
            self.client,
            "SELECT i.indisvalid AND i.indisready FROM pg_catalog.pg_index i
             WHERE i.indexrelid = pg_catalog.to_regclass($1)",
            &[(&name, postgres::types::Type::TEXT)],
        )
        .await
        .map_err(db("looking at an index"))?
        .map(|row| row.get(0)))
    }

    /// A run stopped (`kill -9`, a lost connection) while it ran a concurrent index statement,
    /// which never takes effect in part: how many statements took effect, from the index
    /// itself (built and valid: it ran; invalid or not there: it did not). Refused while
    /// PostgreSQL is still building the index for a session that is gone. `None`: not such a
    /// statement.
    async fn settle_concurrent(
        &mut self,
        statements: &[(usize, String)],
        run: &PartialRun,
    ) -> Result<Option<usize>, MigrateError> {
        let Some(k) = run.running else {
            return Ok(None);
        };
        let Some((_, statement)) = statements.get(k.wrapping_sub(1)) else {
            return Ok(None);
        };
        let (schema, statement) = self.in_place(statement);
        let (name, created) = match partial::concurrent(&statement, &schema) {
            Some(partial::Concurrent::Create(name)) => (name, true),
            Some(partial::Concurrent::Drop(name)) => (name, false),
            None => return Ok(None),
        };
        if let Some(build) = partial::unfinished_indexes(self.client)
            .await?
            .into_iter()
            .find(|u| u.index == name && u.building.is_some())
        {
            return Err(MigrateError::Interrupted {
                revision: run.revision.clone(),
                direction: run.direction.as_str(),
                state: format!(
                    "{}; PostgreSQL is still running it: {build}",
                    run.describe(None)
                ),
            });
        }
        let valid = self.index_valid(&name).await?;
        Ok(Some(match (created, valid) {
            (true, Some(true)) | (false, None) => k,
            _ => k - 1,
        }))
    }

    /// Where a resumed run starts: at `start`, or, when that statement builds an index that an
    /// interrupted or failed build left invalid and the statement before it is the guard that
    /// drops such a leftover, at the guard.
    async fn back_to_guard(
        &mut self,
        statements: &[(usize, String)],
        start: usize,
    ) -> Result<usize, MigrateError> {
        let (Some((_, statement)), Some(before)) = (
            statements.get(start),
            start.checked_sub(1).and_then(|b| statements.get(b)),
        ) else {
            return Ok(start);
        };
        let (schema, statement) = self.in_place(statement);
        let (_, guard) = self.in_place(&before.1);
        let Some(partial::Concurrent::Create(name)) = partial::concurrent(&statement, &schema)
        else {
            return Ok(start);
        };
        let guarded =
            partial::concurrent(&guard, &schema) == Some(partial::Concurrent::Drop(name.clone()));
        if guarded && self.index_valid(&name).await? == Some(false) {
            (self.log)(format!(
                "Index {name} is invalid (an interrupted or failed build left it): resuming at the statement before, which drops it"
            ));
            return Ok(start - 1);
        }
        Ok(start)
    }

    /// Sentences on the indexes `revision`'s part names that are invalid or still being built.
    async fn index_sentences(
        &mut self,
        revision: &Revision,
        direction: Direction,
    ) -> Result<String, MigrateError> {
        let sql = self.in_place(partial::sql(revision, direction)).1;
        Ok(partial::unfinished_indexes(self.client)
            .await?
            .into_iter()
            .filter(|u| mentions(&sql, &u.index))
            .map(|u| format!(".\n{u}"))
            .collect())
    }

    /// Runs a part outside a transaction, statement by statement, recording each as it
    /// commits; resumes after the statements an earlier run committed.
    async fn run_outside(
        &mut self,
        step: &Step<'_>,
        direction: Direction,
        resume: Option<&PartialRun>,
    ) -> Result<(), MigrateError> {
        let revision = step.revision;
        let id = revision.id.as_str();
        let statements = partial::statements(revision, direction);
        let prefixes = partial::prefix_checksums(&statements);
        let start = match resume {
            Some(p) => {
                // Stopped at a block's edge: the record says what committed. Stopped in a
                // concurrent index statement: the index says.
                let mut settled = p.settled(Some(revision));
                if p.running.is_some() && settled.is_none() {
                    settled = self.settle_concurrent(&statements, p).await?;
                }
                if p.running.is_some() && settled.is_none() {
                    return Err(MigrateError::Interrupted {
                        revision: id.to_string(),
                        direction: direction.as_str(),
                        state: format!(
                            "{}{}",
                            p.describe(Some(revision)),
                            self.index_sentences(revision, direction).await?
                        ),
                    });
                }
                if prefixes.get(p.done) != Some(&p.prefix) {
                    return Err(MigrateError::PartiallyApplied {
                        revision: id.to_string(),
                        state: p.describe(Some(revision)),
                        advice: format!(
                            "The {} statements that committed were edited since; restore them, or settle the revision by hand with `repair {id}`.",
                            p.done
                        ),
                    });
                }
                let start = self
                    .back_to_guard(&statements, settled.unwrap_or(p.done))
                    .await?;
                if let Some((line, _)) = statements.get(start) {
                    (self.log)(format!(
                        "Resuming {id} at statement {} of {} (line {}); an earlier run committed the ones before it",
                        start + 1,
                        statements.len(),
                        line
                    ));
                }
                start
            }
            None => {
                partial::begin(
                    self.client,
                    &self.table,
                    id,
                    direction,
                    statements.len(),
                    &prefixes[0],
                )
                .await?;
                0
            }
        };
        let invalid_before = partial::invalid_indexes(self.client).await?;
        // The revision's timeouts, with what the script set in the statements an earlier run
        // committed; statement_timeout once, lock_timeout for each attempt.
        let mut settings = self.retries.of(revision);
        for (_, statement) in &statements[..start] {
            settings.script_statement(statement, 0, false);
        }
        let search_path = self
            .tenant
            .as_ref()
            .map(|m| m.search_path(false))
            .unwrap_or_default();
        // A run that dies (`kill -9`, a lost connection) must not leave PostgreSQL building an
        // index for nobody: the server checks each second that the client is still there.
        self.client
            .batch_execute(&format!(
                "{}{search_path} SET client_connection_check_interval = 1000;",
                settings.settings(0, false)
            ))
            .await
            .map_err(db("setting lock_timeout"))?;
        // Where the explicit transaction block the script opened began: a lock timeout
        // inside it rolls back the whole block, so the retry starts again there.
        let mut block: Option<usize> = None;
        let mut attempt = 0;
        let mut n = start;
        while n < statements.len() {
            let (line, statement) = &statements[n];
            check_lock(&mut self.lock, &mut self.lock_seen).await?;
            // One round trip per statement: "the first n committed, statement n + 1 runs".
            // Inside a block the record is part of the block, and rolled back with it.
            partial::record(self.client, &self.table, id, n, Some(n + 1), &prefixes[n]).await?;
            if self.echo {
                echo_statement(&mut *self.log, *line, statement);
            }
            let control = transaction_control(statement);
            if control == Some(Control::Begin) {
                block = Some(n);
            }
            self.client
                .batch_execute(&settings.lock_setting(attempt, false))
                .await
                .map_err(db("setting lock_timeout"))?;
            let mapped = match &self.tenant {
                // Checked before the run started.
                Some(map) => map.apply(statement).unwrap_or_else(|_| statement.clone()),
                None => statement.clone(),
            };
            let result = self
                .client
                .batch_execute(&settings.script_statement(&mapped, attempt, false))
                .await;
            let retry = match &result {
                Err(e) if retry::is_lock_timeout(e) && attempt + 1 < self.retries.attempts => {
                    let _ = self.client.batch_execute("ROLLBACK").await;
                    // A concurrent index build that timed out leaves an invalid index: not
                    // tried again over it.
                    let left = partial::invalid_indexes(self.client).await?;
                    left.iter().all(|i| invalid_before.contains(i))
                }
                _ => false,
            };
            if retry {
                self.pause_after_lock_timeout(revision, attempt, *line)
                    .await;
                attempt += 1;
                n = block.take().unwrap_or(n);
                continue;
            }
            if result.is_ok() {
                if control == Some(Control::End) {
                    block = None;
                }
                if block.is_none() {
                    attempt = 0;
                }
                n += 1;
                continue;
            }
            let _ = self.client.batch_execute(RESET_OUTSIDE).await;
            if let Err(e) = result {
                let mut message = pg_message(&e);
                if retry::is_lock_timeout(&e) {
                    let holders = retry::blockers(self.client, statement).await;
                    message = format!(
                        "{message} on each of {} attempt(s){}",
                        self.retries.attempts,
                        if holders.is_empty() {
                            String::new()
                        } else {
                            format!("; locks held by {}", holders.join("; "))
                        }
                    );
                }
                // End an explicit transaction block the script opened; outside one this only
                // warns. What the block did is rolled back, and so is its progress record.
                let _ = self.client.batch_execute("ROLLBACK").await;
                partial::fail(self.client, &self.table, id, &message).await?;
                let done = read_partial_async(self.client, &self.table)
                    .await?
                    .into_iter()
                    .find(|p| p.revision == id)
                    .map_or(n, |p| p.done);
                let committed = if done == 0 {
                    "no statement committed".to_string()
                } else {
                    format!(
                        "statements 1–{done} of {} committed (through line {})",
                        statements.len(),
                        statements[done - 1].0
                    )
                };
                let left: Vec<String> = partial::invalid_indexes(self.client)
                    .await?
                    .into_iter()
                    .filter(|i| !invalid_before.contains(i))
                    .collect();
                return Err(MigrateError::Partial(Box::new(PartialFailed {
                    revision: id.to_string(),
                    path: revision.path.display().to_string(),
                    line: *line,
                    statement: indent(statement),
                    message,
                    committed,
                    invalid: invalid_sentence(&left),
                })));
            }
        }
        let _ = self.client.batch_execute(RESET_OUTSIDE).await;
        let all = statements.len();
        partial::record(self.client, &self.table, id, all, None, &prefixes[all]).await?;
        // `CREATE INDEX CONCURRENTLY IF NOT EXISTS` over an index a failed build left invalid
        // succeeds and leaves it invalid: never record such a revision as applied.
        let named: Vec<String> = partial::invalid_indexes(self.client)
            .await?
            .into_iter()
            .filter(|i| {
                !invalid_before.contains(i) || mentions(partial::sql(revision, direction), i)
            })
            .collect();
        if !named.is_empty() {
            partial::fail(
                self.client,
                &self.table,
                id,
                &format!("index {} is invalid", named.join(", ")),
            )
            .await?;
            return Err(MigrateError::PartiallyApplied {
                revision: id.to_string(),
                state: format!(
                    "fully run, but it left {}",
                    invalid_sentence(&named).trim()
                ),
                advice: format!(
                    "Once the index is rebuilt (REINDEX INDEX CONCURRENTLY …), record the revision with `repair {id} --applied`."
                ),
            });
        }
        check_lock(&mut self.lock, &mut self.lock_seen).await?;
        transaction_sql(
            self.client,
            &format!(
                "{}\n{}",
                step.bookkeeping,
                partial::finish_sql(&self.table, id)
            ),
            "updating the version table",
        )
        .await
    }
}

/// `BEGIN` on `client`.
async fn begin<C: Connection>(client: &mut C, context: &str) -> Result<(), MigrateError> {
    client.batch_execute("BEGIN").await.map_err(db(context))
}

/// Ends the transaction `begin` opened after work that ended with `result`: `COMMIT` when it
/// succeeded, `ROLLBACK` when not (so the connection is never left inside a transaction).
async fn end<C: Connection, T>(
    client: &mut C,
    result: Result<T, MigrateError>,
    context: &str,
) -> Result<T, MigrateError> {
    match result {
        Ok(value) => {
            client.batch_execute("COMMIT").await.map_err(db(context))?;
            Ok(value)
        }
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK").await;
            Err(e)
        }
    }
}

/// Runs `sql` in a transaction of its own.
async fn transaction_sql<C: Connection>(
    client: &mut C,
    sql: &str,
    context: &str,
) -> Result<(), MigrateError> {
    begin(client, context).await?;
    let result = client.batch_execute(sql).await.map_err(db(context));
    end(client, result, context).await
}

/// Checks that the lock's connection is still there, at most every quarter second: a round
/// trip before each of hundreds of small revisions would cost a fifth of the run, and a lost
/// lock is noticed within that time all the same.
async fn check_lock<C: Connection>(lock: &mut C, seen: &mut Instant) -> Result<(), MigrateError> {
    if seen.elapsed() >= Duration::from_millis(250) {
        lock::check(lock).await?;
        *seen = Instant::now();
    }
    Ok(())
}

/// What a part run outside a transaction set for the session, reset after it.
const RESET_OUTSIDE: &str = "RESET lock_timeout; RESET statement_timeout; RESET search_path; \
     RESET client_connection_check_interval";

/// Whether `sql` names the index `qualified` (`schema.name`, each part quoted where needed).
fn mentions(sql: &str, qualified: &str) -> bool {
    let name = qualified.rsplit_once('.').map_or(qualified, |(_, n)| n);
    let bare = name.trim_matches('"');
    sql.contains(name) || sql.contains(bare)
}

fn invalid_sentence(indexes: &[String]) -> String {
    if indexes.is_empty() {
        return String::new();
    }
    format!(
        "\nIt left invalid index {} (a failed concurrent build): drop it (DROP INDEX CONCURRENTLY {}) before running again.",
        indexes.join(", "),
        indexes[0]
    )
}

fn indent(statement: &str) -> String {
    statement.lines().collect::<Vec<_>>().join("\n    ")
}

/// A statement that opens or ends a transaction block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    Begin,
    End,
}

/// Whether `statement` opens a transaction block (`BEGIN`, `START TRANSACTION`) or ends one.
pub(crate) fn transaction_control(statement: &str) -> Option<Control> {
    let words: Vec<String> = statement
        .split_whitespace()
        .take(2)
        .map(|w| w.trim_end_matches(';').to_ascii_lowercase())
        .collect();
    let first_word = words.first().map(String::as_str).unwrap_or_default();
    let second = words.get(1).map(String::as_str).unwrap_or_default();
    match first_word {
        "begin" => Some(Control::Begin),
        "start" if second == "transaction" => Some(Control::Begin),
        "commit" | "end" | "abort" => Some(Control::End),
        "rollback" if second != "to" => Some(Control::End),
        "prepare" if second == "transaction" => Some(Control::End),
        _ => None,
    }
}

/// Refuses a transactional part that holds `COMMIT`, `BEGIN`, `ROLLBACK` (other than to a
/// savepoint), `END`, `ABORT` or `PREPARE TRANSACTION`.
fn check_transaction_control(
    revision: &Revision,
    direction: Direction,
) -> Result<(), MigrateError> {
    for (line, statement) in partial::statements(revision, direction) {
        if transaction_control(&statement).is_some() {
            return Err(MigrateError::TransactionControl {
                revision: revision.id.clone(),
                path: revision.path.display().to_string(),
                line,
                keyword: statement
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            });
        }
    }
    Ok(())
}

/// Checks that every applied revision still exists and is unchanged.
pub fn verify(
    client: &mut impl Blocking,
    graph: &Graph,
    table: &VersionTable,
) -> Result<(), MigrateError> {
    block_on(verify_async(client, graph, table))
}

/// [`verify`] over any [`Connection`].
pub async fn verify_async<C: Connection>(
    client: &mut C,
    graph: &Graph,
    table: &VersionTable,
) -> Result<(), MigrateError> {
    if !table_exists(client, &table.log_qualified()).await? {
        return Ok(());
    }
    let rows = client
        .query_typed(
            &format!(
                "SELECT revision::text, checksum::text FROM {} ORDER BY revision",
                table.log_qualified()
            ),
            &[],
        )
        .await
        .map_err(db("reading applied revisions"))?;
    for row in rows {
        let (id, checksum): (String, String) = (row.get(0), row.get(1));
        let revision = graph
            .get(&id)
            .ok_or_else(|| MigrateError::UnknownApplied(id.clone()))?;
        if revision.checksum() != checksum.trim() {
            return Err(MigrateError::Edited {
                revision: id,
                path: revision.path.display().to_string(),
                applied: checksum.trim().to_string(),
                current: revision.checksum(),
            });
        }
    }
    Ok(())
}

/// One revision of a run, worked out before anything runs.
pub(crate) struct Step<'g> {
    pub revision: &'g Revision,
    /// `Running upgrade a -> b, message`.
    pub title: String,
    /// The SQL to run (the upgrade or the downgrade part).
    pub sql: &'g str,
    /// The heads before the step, for messages (`base` when none).
    pub at: String,
    /// The version-table statements of the step.
    pub bookkeeping: String,
}

/// The steps of a run over `steps` from the applied set `applied`, and the applied set after.
pub(crate) fn plan_steps<'g>(
    graph: &'g Graph,
    table: &VersionTable,
    steps: &[&'g Revision],
    applied: &BTreeSet<&'g str>,
    upgrade: bool,
) -> (Vec<Step<'g>>, BTreeSet<&'g str>) {
    let mut state = applied.clone();
    let mut plan = Vec::new();
    for &revision in steps {
        let before: Vec<String> = graph
            .heads_of(&state)
            .iter()
            .map(|s| s.to_string())
            .collect();
        if upgrade {
            state.insert(revision.id.as_str());
        } else {
            state.remove(revision.id.as_str());
        }
        let after: Vec<String> = graph
            .heads_of(&state)
            .iter()
            .map(|s| s.to_string())
            .collect();
        let parents = revision.revises.join(", ");
        let message = first_line(&revision.message);
        let title = if upgrade {
            format!("Running upgrade {parents} -> {}, {message}", revision.id)
        } else {
            format!("Running downgrade {} -> {parents}, {message}", revision.id)
        };
        plan.push(Step {
            revision,
            title,
            sql: if upgrade {
                &revision.upgrade
            } else {
                &revision.downgrade
            },
            at: at_text(&before.iter().map(String::as_str).collect::<Vec<_>>()),
            bookkeeping: bookkeeping(table, revision, &before, &after, upgrade),
        });
    }
    (plan, state)
}

fn at_text(heads: &[&str]) -> String {
    if heads.is_empty() {
        "base".to_string()
    } else {
        heads.join(", ")
    }
}

/// A revision run one way, from a database at `at` (for the message if it fails).
struct Part<'r> {
    revision: &'r Revision,
    direction: Direction,
    at: &'r str,
}

/// Runs the revision's statements in `tx`, a script's own timeouts the runner's way (see
/// [`LockRetries::script_statement`]).
async fn execute<C: Connection>(
    tx: &mut C,
    Part {
        revision,
        direction,
        at,
    }: Part<'_>,
    settings: &mut LockRetries,
    attempt: u32,
    mut echo: Option<&mut (dyn FnMut(String) + Send)>,
    tenant: Option<&SchemaMap>,
) -> Result<(), Failure> {
    for (line, statement) in partial::statements(revision, direction) {
        if let Some(log) = echo.as_mut() {
            echo_statement(*log, line, &statement);
        }
        let mapped = match tenant {
            // Checked before the run started.
            Some(map) => map.apply(&statement).unwrap_or_else(|_| statement.clone()),
            None => statement.clone(),
        };
        let run = settings.script_statement(&mapped, attempt, true);
        tx.batch_execute(&run).await.map_err(|e| Failure {
            lock_timeout: retry::is_lock_timeout(&e),
            line,
            statement: statement.clone(),
            error: MigrateError::Statement(Box::new(StatementFailed {
                revision: revision.id.clone(),
                path: revision.path.display().to_string(),
                line,
                statement: indent(&statement),
                message: pg_message(&e),
                at: at.to_string(),
            })),
        })?;
    }
    Ok(())
}

/// `line 12: ALTER TABLE …`, one log line per line of the statement.
fn echo_statement(log: &mut (dyn FnMut(String) + Send), line: usize, statement: &str) {
    for (i, text) in statement.lines().enumerate() {
        if i == 0 {
            log(format!("line {line}: {text}"));
        } else {
            log(format!("    {text}"));
        }
    }
}

/// A revision's statement that failed: the error to report, and whether it was a lock
/// timeout (which is tried again).
struct Failure {
    lock_timeout: bool,
    line: usize,
    statement: String,
    error: MigrateError,
}

impl From<MigrateError> for Failure {
    fn from(error: MigrateError) -> Self {
        Failure {
            lock_timeout: false,
            line: 0,
            statement: String::new(),
            error,
        }
    }
}

/// The version-table statements of one step: heads before → heads after, and the log row.
pub(crate) fn bookkeeping(
    table: &VersionTable,
    revision: &Revision,
    before: &[String],
    after: &[String],
    upgrade: bool,
) -> String {
    let mut out = Vec::new();
    let gone: Vec<String> = before
        .iter()
        .filter(|b| !after.contains(b))
        .map(|b| quote_literal(b))
        .collect();
    if !gone.is_empty() {
        out.push(format!(
            "DELETE FROM {} WHERE version_num IN ({});",
            table.qualified(),
            gone.join(", ")
        ));
    }
    for new in after.iter().filter(|a| !before.contains(a)) {
        out.push(format!(
            "INSERT INTO {} (version_num) VALUES ({});",
            table.qualified(),
            quote_literal(new)
        ));
    }
    if upgrade {
        out.push(format!(
            "INSERT INTO {} (revision, checksum) VALUES ({}, {});",
            table.log_qualified(),
            quote_literal(&revision.id),
            quote_literal(&revision.checksum())
        ));
    } else {
        out.push(format!(
            "DELETE FROM {} WHERE revision = {};",
            table.log_qualified(),
            quote_literal(&revision.id)
        ));
    }
    out.join("\n")
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}

/// Whether the table `qualified` (quoted as in SQL) exists.
pub(crate) async fn table_exists<C: Connection>(
    client: &mut C,
    qualified: &str,
) -> Result<bool, MigrateError> {
    let row = crate::pg::query_opt(
        client,
        "SELECT to_regclass($1) IS NOT NULL",
        &[(&qualified, Type::TEXT)],
    )
    .await
    .map_err(db("reading the version tables"))?;
    Ok(row.is_some_and(|row| row.get(0)))
}

/// The version table's rows (the applied heads), sorted; empty when the table does not exist.
pub fn read_current(
    client: &mut impl Blocking,
    table: &VersionTable,
) -> Result<Vec<String>, MigrateError> {
    block_on(read_current_async(client, table))
}

/// [`read_current`] over any [`Connection`].
pub async fn read_current_async<C: Connection>(
    client: &mut C,
    table: &VersionTable,
) -> Result<Vec<String>, MigrateError> {
    if !table_exists(client, &table.qualified()).await? {
        return Ok(Vec::new());
    }
    let rows = client
        .query_typed(
            &format!(
                "SELECT version_num::text FROM {} ORDER BY version_num",
                table.qualified()
            ),
            &[],
        )
        .await
        .map_err(db("reading the version table"))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
