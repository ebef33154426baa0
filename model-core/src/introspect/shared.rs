//! Introspection shared out among several connections to one database: the catalog queries
//! go out at once, each connection in the same snapshot (exported by the first one's
//! transaction, as `pg_dump --jobs` does), and the description is assembled from their rows
//! as from one connection's. What takes one connection the sum of its queries takes several
//! about the slowest share.

use std::collections::HashMap;

use postgres::Client;

use super::read::{self, Reader, Row};
use super::{read as read_all, server_version, IntrospectError, Introspection, Options};
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
    let snapshot = |error| IntrospectError::Query {
        what: "snapshot",
        error,
    };
    client
        .batch_execute(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = pg_catalog",
        )
        .map_err(snapshot)?;
    let result = shared_then_read(client, helpers, options);
    match &result {
        Ok(_) => client.batch_execute("COMMIT").map_err(snapshot)?,
        Err(_) => {
            let _ = client.batch_execute("ROLLBACK");
        }
    }
    result
}

fn shared_then_read(
    client: &mut Client,
    helpers: &mut [Client],
    options: &Options,
) -> Result<Introspection, IntrospectError> {
    let version = block_on(server_version(client))?;
    let exported = client
        .query_one("SELECT pg_catalog.pg_export_snapshot()", &[])
        .ok()
        .and_then(|row| row.try_get::<_, String>(0).ok());
    let joined: Vec<&mut Client> = match exported {
        Some(id) => helpers
            .iter_mut()
            .filter_map(|helper| join(helper, &id).then_some(helper))
            .collect(),
        None => Vec::new(),
    };
    let shares = joined.len() + 1;
    let share = |k: usize| QUERIES.iter().skip(k).step_by(shares);
    let fetch =
        |tx: &mut Client, k: usize| -> Result<Vec<(&'static str, Vec<Row>)>, IntrospectError> {
            let mut reader = Reader::new(tx, &options.schemas, version);
            share(k)
                .map(|&(what, sql, with_schemas)| {
                    Ok((what, block_on(reader.query(what, sql, with_schemas))?))
                })
                .collect()
        };
    let (mine, theirs) = std::thread::scope(|scope| {
        let running: Vec<_> = joined
            .into_iter()
            .enumerate()
            .map(|(k, helper)| {
                scope.spawn(move || {
                    let rows = fetch(helper, k + 1);
                    let _ = helper.batch_execute("COMMIT");
                    rows
                })
            })
            .collect();
        let mine = fetch(client, 0);
        let theirs: Vec<_> = running
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        (mine, theirs)
    });
    let mut prefetched: HashMap<&'static str, Vec<Row>> = HashMap::new();
    for rows in std::iter::once(mine).chain(theirs) {
        prefetched.extend(rows?);
    }
    block_on(read_all(client, options, prefetched))
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
