//! Reading a live database into a [`Schema`] through `pg_catalog`.
//!
//! Each object kind is read for all managed schemas at once, with one query per kind (the SQL
//! is in `sql/`), inside one read-only repeatable-read transaction so that the kinds agree with
//! each other. The cost is the same sixteen round trips whatever the number of tables; the
//! last one names every object the engine does not model (`sql/unmodelled.sql`).
//!
//! Expressions (defaults, checks, predicates, index expressions) come back as PostgreSQL prints
//! them with `search_path` set to `pg_catalog`, so that every name outside `pg_catalog` is
//! schema-qualified and the output does not depend on the session's settings.
//! [`canonicalize`] uses the same path to bring a description written by hand (or derived
//! from models) into that form.

mod canonical;
mod read;
mod shared;

pub use shared::{catalog_queries, introspect_shared};

use std::collections::{BTreeMap, HashMap};

use postgres::types::Oid;
use postgres::{Client, Transaction};

use crate::pg::{block_on, Connection};

use crate::render;
use crate::schema::{Schema, Table, View, DEFAULT_SCHEMA};
use crate::sql::PgVersion;
use read::Reader;

pub use canonical::{
    adopt_equal_constants, adopt_equal_constants_async, canonicalize_expressions,
    canonicalize_expressions_async,
};

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The schemas (namespaces) to read; objects elsewhere are ignored.
    pub schemas: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            schemas: vec![DEFAULT_SCHEMA.to_string()],
        }
    }
}

/// Errors of reading the catalogs.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    /// A catalog query failed.
    #[error(
        "reading the {what} from pg_catalog failed: {}",
        crate::pg::pg_message(error)
    )]
    Query {
        what: &'static str,
        error: postgres::Error,
    },
    /// A catalog row lacks a column or holds an unexpected type there (a server this version
    /// does not know).
    #[error("reading the {what} from pg_catalog: column `{column}`: {message}")]
    Column {
        what: &'static str,
        column: String,
        message: String,
    },
    /// The server is older than this tool supports.
    #[error(transparent)]
    TooOld(#[from] crate::sql::version::TooOld),
    /// The description could not be created in the scratch database.
    #[error("PostgreSQL refused the schema while canonicalising it: {message}")]
    Canonicalize { message: String },
}

/// A schema read from the database, with the number of catalog queries it took.
#[derive(Debug, Clone)]
pub struct Introspection {
    /// The schema.
    pub schema: Schema,
    /// Catalog queries sent, the server's version first (not counting `BEGIN`, `SET` and
    /// `COMMIT`).
    pub queries: usize,
    /// The server's version, which chose the catalog queries.
    pub version: PgVersion,
}

/// Reads the managed schemas of the database `client` is connected to.
pub fn introspect(client: &mut Client, options: &Options) -> Result<Schema, IntrospectError> {
    introspect_counted(client, options).map(|i| i.schema)
}

/// [`introspect`], also reporting how many catalog queries it sent.
pub fn introspect_counted(
    client: &mut Client,
    options: &Options,
) -> Result<Introspection, IntrospectError> {
    block_on(introspect_counted_async(client, options))
}

/// [`introspect`] over any [`Connection`] (an application's `tokio_postgres::Client` with
/// the `tokio` feature), awaited.
pub async fn introspect_async<C: Connection>(
    client: &mut C,
    options: &Options,
) -> Result<Schema, IntrospectError> {
    introspect_counted_async(client, options)
        .await
        .map(|i| i.schema)
}

/// [`introspect_counted`] over any [`Connection`] (an application's `tokio_postgres::Client`
/// with the `tokio` feature): the same queries in one read-only snapshot, awaited.
pub async fn introspect_counted_async<C: Connection>(
    client: &mut C,
    options: &Options,
) -> Result<Introspection, IntrospectError> {
    read_in_snapshot(client, options, HashMap::new()).await
}

/// The reading in a read-only snapshot of its own, with the rows of `prefetched` queries
/// already in hand.
async fn read_in_snapshot<C: Connection>(
    client: &mut C,
    options: &Options,
    prefetched: HashMap<&'static str, Vec<read::Row>>,
) -> Result<Introspection, IntrospectError> {
    let query = |source| IntrospectError::Query {
        what: "snapshot",
        error: source,
    };
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(query)?;
    match read(client, options, prefetched).await {
        Ok(result) => {
            client.batch_execute("COMMIT").await.map_err(query)?;
            Ok(result)
        }
        Err(e) => {
            // Never leave the caller's connection inside the snapshot.
            let _ = client.batch_execute("ROLLBACK").await;
            Err(e)
        }
    }
}

/// The schemas a whole-database diff covers: every schema but PostgreSQL's own (`pg_*`,
/// `information_schema`) and those an extension created, sorted by name.
pub fn user_schemas(client: &mut Client) -> Result<Vec<String>, IntrospectError> {
    let rows = client
        .query_typed(
            "SELECT n.nspname::text AS name FROM pg_catalog.pg_namespace n \
             WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' \
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
                   WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass \
                     AND d.objid = n.oid AND d.deptype = 'e') \
             ORDER BY 1",
            &[],
        )
        .map_err(|error| IntrospectError::Query {
            what: "schemas",
            error,
        })?;
    rows.iter()
        .map(|row| {
            row.try_get("name")
                .map_err(|error| IntrospectError::Column {
                    what: "schemas",
                    column: "name".into(),
                    message: error.to_string(),
                })
        })
        .collect()
}

/// Brings `schema` into PostgreSQL's canonical form: creates it inside a transaction of
/// `scratch` (which must be an empty database), reads it back, and rolls back. Expressions
/// come back as the server prints them (`price > 0` becomes `(price > (0)::numeric)`), so a
/// later diff against an introspected database compares like with like.
pub fn canonicalize(scratch: &mut Client, schema: &Schema) -> Result<Schema, IntrospectError> {
    block_on(canonicalize_async(scratch, schema))
}

/// [`canonicalize`] over any [`Connection`] to an empty database, awaited. The connection is
/// never left inside the transaction.
pub async fn canonicalize_async<C: Connection>(
    scratch: &mut C,
    schema: &Schema,
) -> Result<Schema, IntrospectError> {
    let mut schemas: Vec<String> = schema
        .namespaces()
        .into_iter()
        .map(str::to_string)
        .collect();
    if !schemas.iter().any(|s| s == DEFAULT_SCHEMA) {
        schemas.push(DEFAULT_SCHEMA.to_string());
    }
    let query = |what| {
        move |source| IntrospectError::Query {
            what,
            error: source,
        }
    };
    scratch
        .batch_execute("BEGIN")
        .await
        .map_err(query("scratch transaction"))?;
    let result = created_and_read(scratch, schema, &Options { schemas }).await;
    scratch
        .batch_execute("ROLLBACK")
        .await
        .map_err(query("scratch rollback"))?;
    let result = match result {
        Ok(result) => result,
        Err(Refused::Creating(e)) => return Err(name_the_failure(scratch, schema, &e).await),
        Err(Refused::Other(e)) => return Err(e),
    };
    // The description declared no schema as an object, nor any rule, publication or the
    // like: the scratch database's are not its. Its types are the ones it declared.
    Ok(Schema {
        schemas: Vec::new(),
        others: Vec::new(),
        owners: Vec::new(),
        comments: Vec::new(),
        ..result.schema
    })
}

/// Why [`created_and_read`] stopped.
enum Refused {
    /// PostgreSQL refused the schema's creation (the operation is named afterwards).
    Creating(postgres::Error),
    /// Reading it back, or checking its functions, failed.
    Other(IntrospectError),
}

/// Inside the scratch transaction: creates `schema`, reads it back, and has PostgreSQL check
/// the function bodies once every object exists.
async fn created_and_read<C: Connection>(
    scratch: &mut C,
    schema: &Schema,
    options: &Options,
) -> Result<Introspection, Refused> {
    scratch
        .batch_execute(&render::create_schema(schema))
        .await
        .map_err(Refused::Creating)?;
    let result = read(scratch, options, HashMap::new())
        .await
        .map_err(Refused::Other)?;
    // Function bodies were created unchecked (their tables may come later); now that every
    // object exists, have PostgreSQL check them.
    scratch
        .batch_execute("SET LOCAL search_path TO DEFAULT; SET LOCAL check_function_bodies = on")
        .await
        .map_err(|source| {
            Refused::Other(IntrospectError::Query {
                what: "function check",
                error: source,
            })
        })?;
    for function in &result.schema.functions {
        if let Err(e) = scratch.batch_execute(&function.definition).await {
            return Err(Refused::Other(IntrospectError::Canonicalize {
                message: format!(
                    "function '{}({})': {}",
                    function.name,
                    function.arguments,
                    crate::pg::pg_message(&e)
                ),
            }));
        }
    }
    Ok(result)
}

/// Runs the creation operation by operation to say which object PostgreSQL refuses.
async fn name_the_failure<C: Connection>(
    scratch: &mut C,
    schema: &Schema,
    first: &postgres::Error,
) -> IntrospectError {
    let fallback = || IntrospectError::Canonicalize {
        message: crate::pg::pg_message(first),
    };
    if scratch.batch_execute("BEGIN").await.is_err() {
        return fallback();
    }
    let mut found = None;
    'ops: for op in crate::diff::diff(&Schema::default(), schema).upgrade {
        let (statements, _) = render::op_statements(&op);
        for statement in statements {
            if let Err(e) = scratch.batch_execute(&statement).await {
                found = Some(IntrospectError::Canonicalize {
                    message: format!("{}: {}", op.describe(), crate::pg::pg_message(&e)),
                });
                break 'ops;
            }
        }
    }
    let _ = scratch.batch_execute("ROLLBACK").await;
    found.unwrap_or_else(fallback)
}

/// Reads the managed schemas inside a transaction the caller controls (for example to read
/// a schema created in the same transaction and then roll it back). Sets `search_path` for
/// the rest of the transaction.
pub fn introspect_in(
    tx: &mut Transaction<'_>,
    options: &Options,
) -> Result<Introspection, IntrospectError> {
    block_on(read(tx, options, HashMap::new()))
}

/// The catalog queries, sent in a transaction the caller opened.
async fn read<C: Connection>(
    tx: &mut C,
    options: &Options,
    prefetched: HashMap<&'static str, Vec<read::Row>>,
) -> Result<Introspection, IntrospectError> {
    tx.batch_execute("SET LOCAL search_path = pg_catalog")
        .await
        .map_err(|source| IntrospectError::Query {
            what: "search path",
            error: source,
        })?;
    let version = server_version(tx).await?;
    let mut reader = Reader {
        tx,
        schemas: &options.schemas,
        // The server's version was the first.
        queries: 1,
        version,
        prefetched,
    };

    let (tables, views) = relations(&mut reader).await?;
    let enums = all(
        &mut reader,
        "enum types",
        read::enums::SQL,
        true,
        read::enums::enum_type,
    )
    .await?;
    let sequences = all(
        &mut reader,
        "sequences",
        read::sequences::SQL,
        true,
        read::sequences::sequence,
    )
    .await?;
    let extensions = all(
        &mut reader,
        "extensions",
        read::extensions::SQL,
        false,
        read::extensions::extension,
    )
    .await?;
    let functions = all(
        &mut reader,
        "functions",
        read::functions::SQL,
        true,
        read::functions::function,
    )
    .await?;
    let triggers = all(
        &mut reader,
        "triggers",
        read::triggers::SQL,
        true,
        read::triggers::trigger,
    )
    .await?;
    let schemas = all(
        &mut reader,
        "schemas",
        read::schemas::SQL,
        true,
        read::schemas::schema,
    )
    .await?;
    let owners = all(
        &mut reader,
        "owners",
        read::others::OWNERS,
        true,
        read::others::ownership,
    )
    .await?;
    let types = all(
        &mut reader,
        "collations, composite types, domains and range types",
        read::others::TYPES,
        true,
        read::others::typed,
    )
    .await?;
    let others = all(
        &mut reader,
        "rules, event triggers, publications and default privileges",
        read::others::SQL,
        true,
        read::others::other,
    )
    .await?;
    let unmodelled = all(
        &mut reader,
        "objects the engine does not model",
        read::unmodelled::SQL,
        true,
        read::unmodelled::object,
    )
    .await?;

    let mut tables: Vec<Table> = tables.into_values().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let mut schema = Schema {
        schemas,
        tables,
        enums,
        sequences,
        extensions,
        functions,
        views,
        triggers,
        types,
        others,
        unmodelled,
        owners,
        ..Schema::default()
    };
    read::read_plain(&mut reader, &mut schema).await?;
    Ok(Introspection {
        schema,
        queries: reader.queries,
        version,
    })
}

/// Tables with their columns, constraints and indexes, and views with theirs (a
/// materialized view's indexes): five queries, joined here by oid and attribute number.
async fn relations<C: Connection>(
    reader: &mut Reader<'_, C>,
) -> Result<(BTreeMap<Oid, Table>, Vec<View>), IntrospectError> {
    let mut tables: BTreeMap<Oid, Table> = BTreeMap::new();
    for row in reader.query("tables", read::tables::SQL, true).await? {
        let (oid, table) = read::tables::table(&row)?;
        tables.insert(oid, table);
    }
    // Column names by (table, attribute number), for the constraint and index queries,
    // which send numbers rather than look names up per constraint.
    let mut names: HashMap<(Oid, i16), String> = HashMap::new();
    for row in reader.query("columns", read::columns::SQL, true).await? {
        let (relid, number, column, local) = read::columns::column(&row)?;
        names.insert((relid, number), column.name.clone());
        if let Some(table) = tables.get_mut(&relid) {
            // A table that inherits lists its own columns; the rest are its parents'.
            if local || table.inherits.is_empty() {
                table.columns.push(column);
            }
        }
    }
    // A NOT NULL constraint named as PostgreSQL names it is the plain one models describe.
    for table in tables.values_mut() {
        for column in &mut table.columns {
            let default = crate::schema::default_constraint_name(
                &table.name.name,
                &[&column.name],
                "not_null",
            );
            if column.not_null.name.as_deref() == Some(default.as_str()) {
                column.not_null.name = None;
            }
        }
    }
    from_parents(&mut tables);
    for row in reader
        .query("constraints", read::constraints::SQL, true)
        .await?
    {
        if let Some(table) = tables.get_mut(&read::constraints::table_of(&row)?) {
            read::constraints::add_to(table, &row, &names)?;
        }
    }
    let mut views: Vec<View> = Vec::new();
    let mut view_oids: HashMap<Oid, usize> = HashMap::new();
    for row in reader.query("views", read::views::SQL, true).await? {
        let (oid, view) = read::views::view(&row)?;
        view_oids.insert(oid, views.len());
        views.push(view);
    }
    for row in reader.query("indexes", read::indexes::SQL, true).await? {
        let (oid, index) = read::indexes::index(&row, &names)?;
        if let Some(table) = tables.get_mut(&oid) {
            table.indexes.push(index);
        } else if let Some(&v) = view_oids.get(&oid) {
            views[v].indexes.push(index);
        }
    }
    Ok((tables, views))
}

/// What a partition has only through its parent is the parent's: the identity of a column
/// (PostgreSQL 17 gives a partitioned table's identity to its partitions, which may not have
/// one of their own), and its NOT NULL is written out (`ATTACH PARTITION` needs it) however
/// it was made.
fn from_parents(tables: &mut BTreeMap<Oid, Table>) {
    let identities: std::collections::BTreeSet<(crate::schema::TableName, String)> = tables
        .values()
        .flat_map(|t| {
            t.columns
                .iter()
                .filter(|c| c.identity.is_some())
                .map(|c| (t.name.clone(), c.name.clone()))
        })
        .collect();
    for table in tables.values_mut() {
        let Some(parent) = table.partition_of.as_ref().map(|p| p.parent.clone()) else {
            continue;
        };
        for column in &mut table.columns {
            column.not_null.inherited_only = false;
            if identities.contains(&(parent.clone(), column.name.clone())) {
                column.identity = None;
            }
        }
    }
}

/// The server's version, refused when older than this tool reads.
pub async fn server_version<C: Connection>(client: &mut C) -> Result<PgVersion, IntrospectError> {
    let rows = client
        .query_typed(
            "SELECT current_setting('server_version_num')::int AS version",
            &[],
        )
        .await
        .map_err(|error| IntrospectError::Query {
            what: "server version",
            error,
        })?;
    let num: i32 = match rows.first() {
        Some(row) => row
            .try_get("version")
            .map_err(|error| IntrospectError::Column {
                what: "server version",
                column: "version".into(),
                message: error.to_string(),
            })?,
        None => 0,
    };
    Ok(PgVersion::from_num(num.max(0) as u32).supported()?)
}

/// Every row of one query, each read by `each`.
async fn all<T, C: Connection>(
    reader: &mut Reader<'_, C>,
    what: &'static str,
    sql: &str,
    with_schemas: bool,
    each: impl Fn(&read::Row) -> Result<T, IntrospectError>,
) -> Result<Vec<T>, IntrospectError> {
    reader
        .query(what, sql, with_schemas)
        .await?
        .iter()
        .map(each)
        .collect()
}
