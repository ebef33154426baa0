//! Concurrent index builds and drops in a part run outside a transaction. Such a statement
//! waits for every transaction older than it (a report, a `pg_dump`): `CREATE INDEX
//! CONCURRENTLY` for those holding a snapshot or writing to its table, `DROP INDEX
//! CONCURRENTLY` for those using its table. Its own lock request (`SHARE UPDATE EXCLUSIVE`)
//! queues no reader or writer, so holding it to the 2 s `lock_timeout` that protects the
//! application from `ACCESS EXCLUSIVE` requests only made it fail, leaving an invalid index.
//! Instead the runner names the transactions it waits for (who, since when), waits for them
//! with progress up to `concurrent_wait`, runs the statement under what is left of that bound,
//! and when it fails drops the invalid index the build left.

use postgres::types::Type;

use super::partial::Concurrent;
use super::{retry, *};

/// How often the wait says who it still waits for.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// The lock modes of others that a statement of `kind` waits for on its table: writers for a
/// build (its first phase waits out `SHARE` conflicts), every user for a drop.
fn waited_modes(kind: &Concurrent) -> &'static [&'static str] {
    match kind {
        Concurrent::Create(_) => &[
            "RowExclusiveLock",
            "ShareUpdateExclusiveLock",
            "ShareRowExclusiveLock",
            "ExclusiveLock",
            "AccessExclusiveLock",
        ],
        Concurrent::Drop(_) => &[
            "AccessShareLock",
            "RowShareLock",
            "RowExclusiveLock",
            "ShareUpdateExclusiveLock",
            "ShareLock",
            "ShareRowExclusiveLock",
            "ExclusiveLock",
            "AccessExclusiveLock",
        ],
    }
}

/// The transactions in this database that the concurrent `statement` would wait for, oldest
/// first, one sentence each: `pid 123 (alice, nightly-report, idle in transaction since
/// 2026-12-07 20:01:02 UTC): SELECT …`. Empty when the question cannot be asked.
pub(super) async fn older_transactions<C: Connection>(
    client: &mut C,
    statement: &str,
    kind: &Concurrent,
) -> Vec<String> {
    let names = retry::relations_named(statement);
    let snapshots = matches!(kind, Concurrent::Create(_));
    let modes: Vec<String> = waited_modes(kind).iter().map(|m| m.to_string()).collect();
    let query = "WITH named AS (SELECT to_regclass(n) AS rel FROM unnest($1::text[]) n),
                      rels AS (SELECT rel FROM named WHERE rel IS NOT NULL
                               UNION SELECT i.indrelid FROM pg_catalog.pg_index i JOIN named ON i.indexrelid = named.rel)
                 SELECT 'pid ' || a.pid || ' (' || coalesce(a.usename::text, '?')
                        || coalesce(', ' || nullif(a.application_name, ''), '') || ', '
                        || coalesce(a.state, '?') || ' since '
                        || to_char(coalesce(a.xact_start, a.query_start), 'YYYY-MM-DD HH24:MI:SS TZ')
                        || '): `' || left(rtrim(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), '; '), 120) || '`'
                 FROM pg_catalog.pg_stat_activity a
                 WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
                   AND a.backend_type = 'client backend'
                   AND (($2 AND a.backend_xmin IS NOT NULL)
                        OR EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
                                   WHERE l.pid = a.pid AND l.granted AND l.locktype = 'relation'
                                     AND l.relation IN (SELECT rel FROM rels)
                                     AND l.mode = ANY($3::text[])))
                 ORDER BY coalesce(a.xact_start, a.query_start), a.pid";
    match client
        .query_typed(
            query,
            &[
                (&names, Type::TEXT_ARRAY),
                (&snapshots, Type::BOOL),
                (&modes, Type::TEXT_ARRAY),
            ],
        )
        .await
    {
        Ok(rows) => rows.iter().map(|r| r.get(0)).collect(),
        Err(_) => Vec::new(),
    }
}

/// "1 transaction" / "2 transactions".
fn transactions(n: usize) -> String {
    if n == 1 {
        "1 transaction".into()
    } else {
        format!("{n} transactions")
    }
}

/// What a concurrent statement of a part is, and when its wait began.
pub(super) struct ConcurrentStep<'s> {
    pub kind: Concurrent,
    /// The statement as it runs.
    pub statement: &'s str,
    /// Its line in the script.
    pub line: usize,
    pub started: Instant,
    pub bound: Duration,
}

impl ConcurrentStep<'_> {
    /// `CREATE INDEX CONCURRENTLY public.t_x (line 9)`.
    fn what(&self) -> String {
        match &self.kind {
            Concurrent::Create(name) => {
                format!("CREATE INDEX CONCURRENTLY {name} (line {})", self.line)
            }
            Concurrent::Drop(name) => {
                format!("DROP INDEX CONCURRENTLY {name} (line {})", self.line)
            }
        }
    }

    /// What is left of the bound.
    pub(super) fn remaining(&self) -> Duration {
        self.bound
            .saturating_sub(self.started.elapsed())
            .max(Duration::from_millis(1))
    }

    /// The message of a statement that gave up waiting for `holders`.
    pub(super) fn gave_up(&self, holders: &[String]) -> String {
        let bound = crate::sql::duration_text(self.bound);
        if holders.is_empty() {
            format!(
                "gave up after waiting {bound} (concurrent_wait) for the transactions older than it. Nothing of the build remains; run again when the database is quieter, or raise concurrent_wait in model.toml"
            )
        } else {
            format!(
                "gave up after waiting {bound} (concurrent_wait) for {} older than it: {}. Nothing of the build remains; run again once they end, end them, or raise concurrent_wait in model.toml",
                transactions(holders.len()),
                holders.join("; ")
            )
        }
    }
}

impl<C: Connection> Migrator<'_, C> {
    /// Waits, up to the step's bound, until no transaction it would wait for is left, saying
    /// whose transactions they are and, every few seconds, that it still waits.
    /// `Err(message)`: it gave up, and the statement never ran.
    pub(super) async fn wait_for_older(
        &mut self,
        step: &ConcurrentStep<'_>,
    ) -> Result<Result<(), String>, MigrateError> {
        let mut told: Option<Instant> = None;
        loop {
            let holders = older_transactions(self.client, step.statement, &step.kind).await;
            if holders.is_empty() {
                if told.is_some() {
                    (self.log)(format!(
                        "{}: the older transactions ended after {} s; running it",
                        step.what(),
                        step.started.elapsed().as_secs()
                    ));
                }
                return Ok(Ok(()));
            }
            if step.started.elapsed() >= step.bound {
                return Ok(Err(step.gave_up(&holders)));
            }
            if told.map_or(true, |at| at.elapsed() >= PROGRESS_EVERY) {
                (self.log)(if told.is_none() {
                    format!(
                        "{} waits for {} older than it, up to {} (concurrent_wait; the application is not queued behind it): {}",
                        step.what(),
                        transactions(holders.len()),
                        crate::sql::duration_text(step.bound),
                        holders.join("; ")
                    )
                } else {
                    format!(
                        "{} still waits after {} s of {}: {}",
                        step.what(),
                        step.started.elapsed().as_secs(),
                        crate::sql::duration_text(step.bound),
                        holders.join("; ")
                    )
                });
                told = Some(Instant::now());
            }
            let pause = Duration::from_millis(500).min(step.remaining());
            self.client.pause(pause).await;
        }
    }

    /// Runs a concurrent index statement by design: waits for the older transactions, then
    /// runs it under what is left of the bound. `Err((message, sentence))` when it gave up
    /// or failed: what to say, and what became of the invalid index a build left.
    pub(super) async fn concurrent_statement(
        &mut self,
        step: &ConcurrentStep<'_>,
        invalid_before: &[String],
    ) -> Result<Result<(), (String, String)>, MigrateError> {
        if let Err(message) = self.wait_for_older(step).await? {
            return Ok(Err((message, String::new())));
        }
        self.client
            .batch_execute(&format!(
                "SET lock_timeout = {};",
                step.remaining().as_millis()
            ))
            .await
            .map_err(db("setting lock_timeout"))?;
        let Err(e) = self.run_concurrent(step).await else {
            return Ok(Ok(()));
        };
        let message = if retry::is_lock_timeout(&e) {
            let holders = older_transactions(self.client, step.statement, &step.kind).await;
            step.gave_up(&holders)
        } else {
            pg_message(&e)
        };
        let dropped = match &step.kind {
            Concurrent::Create(name) => {
                self.drop_left_invalid(name, invalid_before, step.bound)
                    .await?
            }
            Concurrent::Drop(_) => String::new(),
        };
        Ok(Err((message, dropped)))
    }

    /// Runs a concurrent index statement, saying so when it is still running after a while
    /// (a build waits for transactions that began while it ran).
    async fn run_concurrent(&mut self, step: &ConcurrentStep<'_>) -> Result<(), postgres::Error> {
        let bound = crate::sql::duration_text(step.bound);
        let what = step.what();
        let log = &mut self.log;
        let mut slow = || {
            log(format!(
                "{what} is still running after 30 s (a build also waits for the transactions that began while it ran; at most {bound} in all, concurrent_wait)"
            ))
        };
        self.client
            .batch_execute_watched(step.statement, Duration::from_secs(30), &mut slow)
            .await
    }

    /// Drops the index `name` when a failed build left it invalid (and it was not invalid
    /// before the part ran): a sentence for the error, empty when nothing was dropped.
    pub(super) async fn drop_left_invalid(
        &mut self,
        name: &str,
        invalid_before: &[String],
        bound: Duration,
    ) -> Result<String, MigrateError> {
        if invalid_before.iter().any(|i| i == name) || self.index_valid(name).await? != Some(false)
        {
            return Ok(String::new());
        }
        // Two calls: in one, the two statements would make an implicit transaction block,
        // which DROP INDEX CONCURRENTLY refuses.
        let dropped = match self
            .client
            .batch_execute(&format!("SET lock_timeout = {}", bound.as_millis().max(1)))
            .await
        {
            Ok(()) => {
                self.client
                    .batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {name}"))
                    .await
            }
            Err(e) => Err(e),
        };
        Ok(match dropped {
            Ok(()) => format!("\nThe invalid index {name} the build left was dropped, so nothing of it remains."),
            Err(e) => format!(
                "\nThe invalid index {name} the build left could not be dropped ({}); drop it with DROP INDEX CONCURRENTLY before running again.",
                pg_message(&e)
            ),
        })
    }
}
