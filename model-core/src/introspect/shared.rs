//! Introspection shared out among several connections to one database: the catalog queries
//! go out at once, each connection in the same snapshot (exported by the first one's
//! transaction, as `pg_dump --jobs` does), and the description is assembled from their rows
//! as from one connection's. What takes one connection the sum of its queries takes several
//! about the slowest share.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use postgres::Client;

use super::read::{self, Reader, Row};
use super::{read_in_snapshot, server_version, IntrospectError, Introspection, Options};
use crate::pg::{block_on, Connection};
use crate::sql::PgVersion;

/// Every catalog query after the server's version, as the reading of a description sends
/// them (what each reads, its SQL, whether `$1` is the managed schemas), the heaviest first.
/// A query missing here is sent by the first connection when the description is assembled:
/// correct, only slower (a test holds this list whole).
const QUERIES: &[(&str, &str, bool)] = &[
    ("columns", read::columns::SQL, true),
    ("indexes", read::indexes::SQL, true),
    ("constraints", read::constraints::SQL, true),
    ("tables", read::tables::SQL, true),
    ("owners", read::others::OWNERS, true),
    (
        "collations, composite types, domains and range types",
        read::others::TYPES,
        true,
    ),
    ("comments on objects", read::comments::SQL, true),
    (
        "rules, event triggers, publications and default privileges",
        read::others::SQL,
        true,
    ),
    (
        "objects the engine does not model",
        read::unmodelled::SQL,
        true,
    ),
    ("views", read::views::SQL, true),
    ("functions", read::functions::SQL, true),
    ("sequences", read::sequences::SQL, true),
    ("enum types", read::enums::SQL, true),
    ("triggers", read::triggers::SQL, true),
    ("schemas", read::schemas::SQL, true),
    ("policies", read::policies::SQL, true),
    ("statistics objects", read::statistics::SQL, true),
    ("extensions", read::extensions::SQL, false),
];

/// The catalog queries a description is read with after the server's version, as sent to a
/// server of `version` (`$1` is the managed schemas, a `text[]`, where the flag says so):
/// what each reads, its SQL, whether it takes `$1`. The benchmarks' floor runs these.
pub fn catalog_queries(version: PgVersion) -> Vec<(&'static str, String, bool)> {
    QUERIES
        .iter()
        .map(|&(what, sql, with_schemas)| (what, version.catalog_sql(sql), with_schemas))
        .collect()
}

/// [`super::introspect_counted`] with the catalog queries shared out among `client` and
/// `helpers` (other connections to the same database): the same description. When the
/// snapshot cannot be shared (a server that refuses `pg_export_snapshot`, a helper that
/// cannot take it), `client` reads alone.
pub fn introspect_shared(
    client: &mut Client,
    helpers: &mut [Client],
    options: &Options,
) -> Result<Introspection, IntrospectError> {
    let prefetched = prefetch(client, helpers, options)?;
    block_on(read_in_snapshot(client, options, prefetched))
}

/// The rows of every query of [`QUERIES`], fetched by `client` and the helpers that take
/// its snapshot.
fn prefetch(
    client: &mut Client,
    helpers: &mut [Client],
    options: &Options,
) -> Result<HashMap<&'static str, Vec<Row>>, IntrospectError> {
    let snapshot = |error| IntrospectError::Query {
        what: "snapshot",
        error,
    };
    client
        .batch_execute(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = pg_catalog",
        )
        .map_err(snapshot)?;
    let version = match block_on(server_version(client)) {
        Ok(version) => version,
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK");
            return Err(e);
        }
    };
    // A server that will not export it (a standby of some versions) aborts the transaction:
    // it begins again, and `client` reads alone.
    let exported = match client.query_one("SELECT pg_catalog.pg_export_snapshot()", &[]) {
        Ok(row) => row.try_get::<_, String>(0).ok(),
        Err(_) => {
            client
                .batch_execute(
                    "ROLLBACK; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
                     SET LOCAL search_path = pg_catalog",
                )
                .map_err(snapshot)?;
            None
        }
    };
    // Each connection takes the next query left until none is. A helper that cannot take
    // the snapshot takes none; one still waiting for a server connection when `client` is
    // done (behind a pooler with a small pool) gets the one `client` gives back, finds the
    // snapshot gone, and takes none either.
    let next = AtomicUsize::new(0);
    let work = |tx: &mut Client| -> Result<Vec<(&'static str, Vec<Row>)>, IntrospectError> {
        let mut reader = Reader::new(tx, &options.schemas, version);
        let mut out = Vec::new();
        while let Some(&(what, sql, with_schemas)) = QUERIES.get(next.fetch_add(1, SeqCst)) {
            out.push((what, block_on(reader.query(what, sql, with_schemas))?));
        }
        Ok(out)
    };
    let (mine, theirs) = std::thread::scope(|scope| {
        let running: Vec<_> = match &exported {
            Some(id) => helpers
                .iter_mut()
                .map(|helper| {
                    scope.spawn(|| {
                        if !join(helper, id) {
                            return Ok(Vec::new());
                        }
                        let rows = work(helper);
                        let _ = helper.batch_execute("COMMIT");
                        rows
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        let mine = work(client);
        let ended = match &mine {
            Ok(_) => client.batch_execute("COMMIT"),
            Err(_) => client.batch_execute("ROLLBACK"),
        };
        let theirs: Vec<_> = running
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        (
            mine.and_then(|m| ended.map(|()| m).map_err(snapshot)),
            theirs,
        )
    });
    let mut prefetched: HashMap<&'static str, Vec<Row>> = HashMap::new();
    for rows in std::iter::once(mine).chain(theirs) {
        prefetched.extend(rows?);
    }
    Ok(prefetched)
}

/// Whether `helper` took the snapshot `id` in a read-only transaction of its own.
fn join(helper: &mut Client, id: &str) -> bool {
    let sql = format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {}; \
         SET LOCAL search_path = pg_catalog",
        crate::sql::quote_literal(id)
    );
    let joined = block_on(Connection::batch_execute(helper, &sql)).is_ok();
    if !joined {
        let _ = helper.batch_execute("ROLLBACK");
    }
    joined
}
