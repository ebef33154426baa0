//! The migration lock: a transaction-scoped advisory lock held on a connection of its own for
//! the whole run.
//!
//! Why not a session lock on the run's connection: behind a transaction-mode pooler
//! (PgBouncer), each statement outside a transaction may reach another server connection, so
//! a session lock is taken on one backend, released on another (or never), and stays held by
//! an idle pooled connection after the run. A transaction-scoped lock inside a transaction
//! that stays open keeps one server connection for the run, through a pooler or not, and ends
//! with that transaction: at the end of the run, or when the process dies (a killed client's
//! connection closes; the server, or the pooler, then ends its transaction). The lock
//! transaction writes nothing and, between its statements (all sent with the simple protocol,
//! which leaves no portal open), holds no snapshot, so it holds back neither vacuum nor
//! `CREATE INDEX CONCURRENTLY`, which waits for every transaction that has a snapshot.

use std::time::{Duration, Instant};

use postgres::types::Type;
use postgres::SimpleQueryMessage;

use super::{db, MigrateError, VersionTable};
use crate::pg::Connection;

/// How often a waiting run tries the lock again.
const RETRY: Duration = Duration::from_millis(200);

/// Takes the lock on `client` (a connection used for nothing else), waiting at most `wait`.
/// While it waits, it says once who holds the lock.
pub(super) async fn acquire<C: Connection>(
    client: &mut C,
    table: &VersionTable,
    wait: Duration,
    log: &mut (dyn FnMut(String) + Send),
) -> Result<(), MigrateError> {
    let key = table.lock_key();
    let started = Instant::now();
    let mut told = false;
    loop {
        // One round trip: open the lock's transaction (a server-wide idle-in-transaction
        // timeout would end it mid-run) and try the lock. The simple protocol on purpose: an
        // unnamed portal of the extended protocol stays open until the next statement and
        // keeps its snapshot, and `CREATE INDEX CONCURRENTLY` would then wait for this
        // transaction, which waits for the migration.
        let got = client
            .simple_query(&format!(
                "BEGIN; SET LOCAL idle_in_transaction_session_timeout = 0; \
                 SELECT pg_try_advisory_xact_lock({key})"
            ))
            .await
            .map_err(db("taking the migration lock"))?
            .iter()
            .any(|m| matches!(m, SimpleQueryMessage::Row(row) if row.get(0) == Some("t")));
        if got {
            return Ok(());
        }
        let timed_out = started.elapsed() >= wait;
        // Who holds it is asked only when it is said: once while waiting, and on giving up.
        let holder = if timed_out || !told {
            Some(
                holder(client, key)
                    .await
                    .unwrap_or_else(|| "another session".into()),
            )
        } else {
            None
        };
        // A waiting run holds no transaction between tries: behind a pooler, that would pin a
        // server connection the lock's holder may need.
        client
            .batch_execute("ROLLBACK")
            .await
            .map_err(db("taking the migration lock"))?;
        if timed_out {
            return Err(MigrateError::LockTimeout {
                waited: wait.as_secs_f64(),
                holder: holder.unwrap_or_default(),
            });
        }
        if let Some(holder) = holder {
            log(format!(
                "Waiting for the migration lock on {}, held by {holder} (giving up after {}s)",
                table.qualified(),
                wait.as_secs_f64()
            ));
            told = true;
        }
        client
            .pause(RETRY.min(wait.saturating_sub(started.elapsed())))
            .await;
    }
}

/// How long the run's first statement may wait for a server connection before the run says so.
const SLOW_SERVER: Duration = Duration::from_secs(3);

/// The run's first statement on its own connection, once the lock is held. Behind a pooler
/// the lock's transaction keeps one server connection for the whole run, so the run's
/// connection needs a second one; with a pool of one, it waits in the pooler's queue until the
/// pooler gives up (PgBouncer's `query_wait_timeout`, 120 s by default). That wait is said
/// after a few seconds, and its end explained.
pub(super) async fn second_connection<C: Connection>(
    client: &mut C,
    log: &mut (dyn FnMut(String) + Send),
) -> Result<(), MigrateError> {
    let started = Instant::now();
    let mut slow = || {
        log("Waiting for a server connection for the run: the migration lock holds one for the whole run, so a run needs two at once. Behind a pooler with a pool of one for this database (PgBouncer: pool_size), this wait ends only when the pooler gives up (PgBouncer: query_wait_timeout, 120 s by default).".to_string())
    };
    match client
        .batch_execute_watched("SELECT 1", SLOW_SERVER, &mut slow)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) if started.elapsed() >= SLOW_SERVER => Err(MigrateError::NoServerConnection {
            waited: started.elapsed().as_secs_f64(),
            message: super::pg_message(&e),
        }),
        Err(e) => Err(db("reaching the database")(e)),
    }
}

/// Checks that the lock's connection (and so the lock) is still there.
pub(super) async fn check<C: Connection>(client: &mut C) -> Result<(), MigrateError> {
    client
        .batch_execute("SELECT 1")
        .await
        .map_err(|e| MigrateError::LockLost(super::pg_message(&e)))
}

/// Ends the lock's transaction, and with it the lock.
pub(super) async fn release<C: Connection>(client: &mut C) -> Result<(), MigrateError> {
    client
        .batch_execute("ROLLBACK")
        .await
        .map_err(db("releasing the migration lock"))
}

/// Who holds the lock: process id, application, user, client address and since when.
async fn holder<C: Connection>(client: &mut C, key: i64) -> Option<String> {
    let row = crate::pg::query_opt(
        client,
        "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),
                    coalesce(host(a.client_addr), 'local socket'),
                    coalesce(to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '')
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid = (($1 >> 32) & 4294967295)::bigint::oid
               AND l.objid = ($1 & 4294967295)::bigint::oid
             LIMIT 1",
        &[(&key, Type::INT8)],
    )
    .await
    .ok()??;
    let pid: i32 = row.try_get(0).ok()?;
    let application: String = row.try_get(1).ok()?;
    let user: String = row.try_get(2).ok()?;
    let address: String = row.try_get(3).ok()?;
    let since: String = row.try_get(4).ok()?;
    let application = if application.is_empty() {
        String::new()
    } else {
        format!(" ({})", crate::sql::display(&application))
    };
    Some(format!(
        "server process {pid}{application} of user {} from {address}, since {since}",
        crate::sql::display(&user)
    ))
}
