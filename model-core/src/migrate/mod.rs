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
mod concurrent;
mod destructive;
mod embedded;
mod error;
mod history;
mod lock;
mod offline;
mod outside;
mod partial;
pub mod protect;
mod retry;
mod run;
mod stamp;
mod tenant;
mod version_table;

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
use error::{db, Failure};
pub use error::{Confirm, LockTimedOut, MigrateError, PartialFailed, StatementFailed};
pub use history::created_tables;
pub use offline::offline_sql;
pub use partial::{
    read_partial, read_partial_async, read_unfinished_indexes, unfinished_indexes, Direction,
    PartialRun, UnfinishedIndex,
};
pub use retry::{duration_text, parse_duration, LockRetries};
use run::echo_statement;
pub use tenant::SchemaMap;
pub use version_table::VersionTable;

use crate::pg::block_on;
pub use crate::pg::{Blocking, Connection};
use crate::revision::{Graph, GraphError, Revision};
use crate::sql::{quote_ident, quote_literal};

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

    /// [`Self::upgrade`] or [`Self::downgrade`], as `direction` says.
    pub fn migrate(
        &mut self,
        target: &str,
        direction: Direction,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError> {
        block_on(self.migrate_async(target, direction, mode))
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
        self.migrate_async(target, Direction::Upgrade, mode).await
    }

    /// Undoes applied revisions until only `target` and its ancestors remain.
    pub async fn downgrade_async(
        &mut self,
        target: &str,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError> {
        self.migrate_async(target, Direction::Downgrade, mode).await
    }

    /// [`Self::upgrade_async`] or [`Self::downgrade_async`], as `direction` says.
    pub async fn migrate_async(
        &mut self,
        target: &str,
        direction: Direction,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError> {
        self.acquire().await?;
        let result = self.migrate_locked(target, mode, direction).await;
        self.release(result).await
    }

    /// Under the lock: works out the steps to `target`, up or down, and runs them.
    async fn migrate_locked(
        &mut self,
        target: &str,
        mode: TransactionMode,
        direction: Direction,
    ) -> Result<Vec<String>, MigrateError> {
        let current = self.prepare().await?;
        let graph = self.graph;
        let target = graph.resolve_target(target, &current)?;
        let mut applied = graph.ancestors(current.iter().map(String::as_str));
        if direction == Direction::Upgrade {
            let steps = graph.upgrade_path(&applied, &target.heads);
            return self.run(&steps, &mut applied, direction, mode).await;
        }
        let keep = graph.ancestors(target.heads.iter().map(String::as_str));
        if let Some(missing) = keep.iter().find(|id| !applied.contains(*id)) {
            return Err(MigrateError::BadTarget(format!(
                "cannot downgrade to {missing}: it is not applied (use upgrade to go forward)"
            )));
        }
        let steps = graph.downgrade_path(&applied, &target.heads);
        self.run(&steps, &mut applied, direction, mode).await
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
    direction: Direction,
) -> (Vec<Step<'g>>, BTreeSet<&'g str>) {
    let mut state = applied.clone();
    let mut plan = Vec::new();
    for &revision in steps {
        let before: Vec<String> = graph
            .heads_of(&state)
            .iter()
            .map(|s| s.to_string())
            .collect();
        if direction == Direction::Upgrade {
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
        let title = if direction == Direction::Upgrade {
            format!("Running upgrade {parents} -> {}, {message}", revision.id)
        } else {
            format!("Running downgrade {} -> {parents}, {message}", revision.id)
        };
        plan.push(Step {
            revision,
            title,
            sql: if direction == Direction::Upgrade {
                &revision.upgrade
            } else {
                &revision.downgrade
            },
            at: at_text(&before.iter().map(String::as_str).collect::<Vec<_>>()),
            bookkeeping: bookkeeping(table, revision, &before, &after, direction),
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

/// The version-table statements of one step: heads before → heads after, and the log row.
pub(crate) fn bookkeeping(
    table: &VersionTable,
    revision: &Revision,
    before: &[String],
    after: &[String],
    direction: Direction,
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
    if direction == Direction::Upgrade {
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
