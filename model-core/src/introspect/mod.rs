//! Reading a live database into a [`Schema`] through `pg_catalog`.
//!
//! Each object kind is read for all managed schemas at once, with one query per kind (the SQL
//! is in `sql/`), inside one read-only repeatable-read transaction so that the kinds agree with
//! each other. The cost is the same fourteen round trips whatever the number of tables; the
//! last one names every object the engine does not model (`sql/unmodelled.sql`).
//!
//! Expressions (defaults, checks, predicates, index expressions) come back as PostgreSQL prints
//! them with `search_path` set to `pg_catalog`, so that every name outside `pg_catalog` is
//! schema-qualified and the output does not depend on the session's settings.
//! [`canonicalize`] uses the same path to bring a description written by hand (or derived
//! from models) into that form.

mod canonical;

use std::collections::{BTreeMap, HashMap};

use postgres::types::Oid;
use postgres::{Client, IsolationLevel, Transaction};

use crate::render;
use crate::schema::{
    CheckConstraint, Column, ColumnRef, Deferral, EnumType, ExclusionConstraint, Extension,
    FkAction, ForeignKey, Function, Grant, Identity, IdentityKind, Index, IndexExpr, IndexKey,
    Namespace, Policy, PrimaryKey, ReplicaIdentity, Schema, Sequence, SqlType, Table, TableName,
    Trigger, TriggerEnabled, UniqueConstraint, Unmodelled, View, DEFAULT_SCHEMA,
};

pub use canonical::{adopt_equal_constants, canonicalize_expressions};

const TABLES: &str = include_str!("sql/tables.sql");
const COLUMNS: &str = include_str!("sql/columns.sql");
const CONSTRAINTS: &str = include_str!("sql/constraints.sql");
const INDEXES: &str = include_str!("sql/indexes.sql");
const ENUMS: &str = include_str!("sql/enums.sql");
const SEQUENCES: &str = include_str!("sql/sequences.sql");
const EXTENSIONS: &str = include_str!("sql/extensions.sql");
const FUNCTIONS: &str = include_str!("sql/functions.sql");
const VIEWS: &str = include_str!("sql/views.sql");
const TRIGGERS: &str = include_str!("sql/triggers.sql");
const POLICIES: &str = include_str!("sql/policies.sql");
const UNMODELLED: &str = include_str!("sql/unmodelled.sql");
const SCHEMAS: &str = include_str!("sql/schemas.sql");

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
    /// The description could not be created in the scratch database.
    #[error("PostgreSQL refused the schema while canonicalising it: {message}")]
    Canonicalize { message: String },
}

/// A schema read from the database, with the number of catalog queries it took.
#[derive(Debug, Clone)]
pub struct Introspection {
    /// The schema.
    pub schema: Schema,
    /// Catalog queries sent (not counting `BEGIN`, `SET` and `COMMIT`).
    pub queries: usize,
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
    let query = |source| IntrospectError::Query {
        what: "snapshot",
        error: source,
    };
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(query)?;
    let result = read(&mut tx, options)?;
    tx.commit().map_err(query)?;
    Ok(result)
}

/// The schemas a whole-database diff covers: every schema but PostgreSQL's own (`pg_*`,
/// `information_schema`) and those an extension created, sorted by name.
pub fn user_schemas(client: &mut Client) -> Result<Vec<String>, IntrospectError> {
    let rows = client
        .query_typed(
            "SELECT n.nspname::text FROM pg_catalog.pg_namespace n \
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
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// Brings `schema` into PostgreSQL's canonical form: creates it inside a transaction of
/// `scratch` (which must be an empty database), reads it back, and rolls back. Expressions
/// come back as the server prints them (`price > 0` becomes `(price > (0)::numeric)`), so a
/// later diff against an introspected database compares like with like.
pub fn canonicalize(scratch: &mut Client, schema: &Schema) -> Result<Schema, IntrospectError> {
    let mut schemas: Vec<String> = schema
        .namespaces()
        .into_iter()
        .map(str::to_string)
        .collect();
    if !schemas.iter().any(|s| s == DEFAULT_SCHEMA) {
        schemas.push(DEFAULT_SCHEMA.to_string());
    }
    let mut tx = scratch
        .transaction()
        .map_err(|source| IntrospectError::Query {
            what: "scratch transaction",
            error: source,
        })?;
    if let Err(e) = tx.batch_execute(&render::create_schema(schema)) {
        drop(tx);
        return Err(name_the_failure(scratch, schema, &e));
    }
    let result = read(&mut tx, &Options { schemas })?;
    // Function bodies were created unchecked (their tables may come later); now that every
    // object exists, have PostgreSQL check them.
    tx.batch_execute("SET LOCAL search_path TO DEFAULT; SET LOCAL check_function_bodies = on")
        .map_err(|source| IntrospectError::Query {
            what: "function check",
            error: source,
        })?;
    for function in &result.schema.functions {
        if let Err(e) = tx.batch_execute(&function.definition) {
            return Err(IntrospectError::Canonicalize {
                message: format!(
                    "function '{}({})': {}",
                    function.name,
                    function.arguments,
                    crate::pg::pg_message(&e)
                ),
            });
        }
    }
    tx.rollback().map_err(|source| IntrospectError::Query {
        what: "scratch rollback",
        error: source,
    })?;
    // The description declared no schema as an object: the scratch database's are not its.
    Ok(Schema {
        schemas: Vec::new(),
        ..result.schema
    })
}

/// Runs the creation operation by operation to say which object PostgreSQL refuses.
fn name_the_failure(
    scratch: &mut Client,
    schema: &Schema,
    first: &postgres::Error,
) -> IntrospectError {
    let fallback = || IntrospectError::Canonicalize {
        message: crate::pg::pg_message(first),
    };
    let Ok(mut tx) = scratch.transaction() else {
        return fallback();
    };
    for op in crate::diff::diff(&Schema::default(), schema).upgrade {
        let (statements, _) = render::op_statements(&op);
        for statement in statements {
            if let Err(e) = tx.batch_execute(&statement) {
                return IntrospectError::Canonicalize {
                    message: format!("{}: {}", op.describe(), crate::pg::pg_message(&e)),
                };
            }
        }
    }
    fallback()
}

/// Reads the managed schemas inside a transaction the caller controls (for example to read
/// a schema created in the same transaction and then roll it back). Sets `search_path` for
/// the rest of the transaction.
pub fn introspect_in(
    tx: &mut Transaction<'_>,
    options: &Options,
) -> Result<Introspection, IntrospectError> {
    read(tx, options)
}

fn read(tx: &mut Transaction<'_>, options: &Options) -> Result<Introspection, IntrospectError> {
    tx.batch_execute("SET LOCAL search_path = pg_catalog")
        .map_err(|source| IntrospectError::Query {
            what: "search path",
            error: source,
        })?;
    let mut reader = Reader {
        tx,
        schemas: &options.schemas,
        queries: 0,
    };
    let version: i32 = reader.query(
        "server version",
        "SELECT current_setting('server_version_num')::int",
        false,
    )?[0]
        .get(0);
    let nulls_not_distinct = if version >= 150_000 {
        "i.indnullsnotdistinct"
    } else {
        "NULL::boolean"
    };

    let mut tables: BTreeMap<Oid, Table> = BTreeMap::new();
    for row in reader.query("tables", TABLES, true)? {
        let mut table = Table::new(TableName::new(
            row.get::<_, String>("nspname"),
            row.get::<_, String>("relname"),
        ));
        table.comment = row.get("comment");
        table.row_level_security = row.get("relrowsecurity");
        table.force_row_level_security = row.get("relforcerowsecurity");
        table.options = row.get("options");
        table.unlogged = row.get("unlogged");
        table.replica_identity = match row.get::<_, String>("replica_identity").as_str() {
            "f" => ReplicaIdentity::Full,
            "n" => ReplicaIdentity::Nothing,
            "i" => match row.get::<_, Option<String>>("replica_index") {
                Some(index) => ReplicaIdentity::Index(index),
                None => ReplicaIdentity::Nothing,
            },
            _ => ReplicaIdentity::Default,
        };
        table.grants = grants(&row);
        tables.insert(row.get("oid"), table);
    }
    // Column names by (table, attribute number), for the constraint and index queries,
    // which send numbers rather than look names up per constraint.
    let mut names: HashMap<(Oid, i16), String> = HashMap::new();
    for row in reader.query("columns", COLUMNS, true)? {
        let column = column(&row);
        names.insert(
            (row.get("attrelid"), row.get("attnum")),
            column.name.clone(),
        );
        if let Some(table) = tables.get_mut(&row.get::<_, Oid>("attrelid")) {
            table.columns.push(column);
        }
    }
    let constraints = CONSTRAINTS.replace("{nulls_not_distinct}", nulls_not_distinct);
    for row in reader.query("constraints", &constraints, true)? {
        let Some(table) = tables.get_mut(&row.get::<_, Oid>(0)) else {
            continue;
        };
        constraint(table, &row, &names);
    }
    let mut views: Vec<View> = Vec::new();
    let mut view_oids: HashMap<Oid, usize> = HashMap::new();
    for row in reader.query("views", VIEWS, true)? {
        let column_names: Vec<String> = row.get("column_names");
        let column_types: Vec<String> = row.get("column_types");
        let depends_on: Vec<String> = row.get("depends_on");
        view_oids.insert(row.get("oid"), views.len());
        views.push(View {
            name: TableName::new(row.get::<_, String>("schema"), row.get::<_, String>("name")),
            materialized: row.get("materialized"),
            definition: row.get("definition"),
            options: row.get("options"),
            populated: row.get("populated"),
            columns: column_names
                .into_iter()
                .zip(column_types.into_iter().map(SqlType::new))
                .collect(),
            indexes: Vec::new(),
            depends_on: depends_on.iter().map(|d| TableName::parse(d)).collect(),
        });
    }
    let indexes = INDEXES.replace("{nulls_not_distinct}", nulls_not_distinct);
    for row in reader.query("indexes", &indexes, true)? {
        let oid: Oid = row.get(0);
        let index = index(&row, oid, &names);
        if let Some(table) = tables.get_mut(&oid) {
            table.indexes.push(index);
        } else if let Some(&v) = view_oids.get(&oid) {
            views[v].indexes.push(index);
        }
    }
    let enums = reader
        .query("enum types", ENUMS, true)?
        .iter()
        .map(|row| EnumType {
            name: TableName::new(row.get::<_, String>(0), row.get::<_, String>(1)),
            labels: row.get(2),
        })
        .collect();
    let sequences = reader
        .query("sequences", SEQUENCES, true)?
        .iter()
        .map(sequence)
        .collect();
    let extensions = reader
        .query("extensions", EXTENSIONS, false)?
        .iter()
        .map(|row| Extension {
            name: row.get(0),
            schema: row.get(1),
            version: row.get(2),
        })
        .collect();
    let functions = reader
        .query("functions", FUNCTIONS, true)?
        .iter()
        .map(|row| Function {
            name: TableName::new(row.get::<_, String>(0), row.get::<_, String>(1)),
            arguments: row.get(2),
            returns: row.get(3),
            definition: row.get(4),
            procedure: row.get(5),
        })
        .collect();
    let policies = reader
        .query("policies", POLICIES, true)?
        .iter()
        .map(|row| Policy {
            table: TableName::new(row.get::<_, String>(0), row.get::<_, String>(1)),
            name: row.get(2),
            permissive: row.get(3),
            command: row.get(4),
            roles: row.get(5),
            using: row.get(6),
            with_check: row.get(7),
        })
        .collect();
    let triggers = reader
        .query("triggers", TRIGGERS, true)?
        .iter()
        .map(|row| Trigger {
            table: TableName::new(
                row.get::<_, String>("schema"),
                row.get::<_, String>("table_name"),
            ),
            name: row.get("name"),
            definition: row.get("definition"),
            function: TableName::new(
                row.get::<_, String>("function_schema"),
                row.get::<_, String>("function_name"),
            ),
            enabled: match row.get::<_, String>("enabled").as_str() {
                "D" => TriggerEnabled::Disabled,
                "R" => TriggerEnabled::Replica,
                "A" => TriggerEnabled::Always,
                _ => TriggerEnabled::Origin,
            },
        })
        .collect();

    let schemas = reader
        .query("schemas", SCHEMAS, true)?
        .iter()
        .map(|row| Namespace {
            name: row.get("nspname"),
            comment: row.get("comment"),
        })
        .collect();
    let unmodelled = reader
        .query("objects the engine does not model", UNMODELLED, true)?
        .iter()
        .map(|row| Unmodelled {
            kind: row.get("kind"),
            name: row.get("name"),
        })
        .collect();

    let mut tables: Vec<Table> = tables.into_values().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Introspection {
        schema: Schema {
            schemas,
            tables,
            enums,
            sequences,
            extensions,
            functions,
            views,
            triggers,
            policies,
            unmodelled,
        },
        queries: reader.queries,
    })
}

struct Reader<'t, 'c> {
    tx: &'t mut Transaction<'c>,
    schemas: &'t [String],
    queries: usize,
}

impl Reader<'_, '_> {
    fn query(
        &mut self,
        what: &'static str,
        sql: &str,
        with_schemas: bool,
    ) -> Result<Vec<postgres::Row>, IntrospectError> {
        self.queries += 1;
        // The unnamed statement in one round trip: nothing is left prepared on the server,
        // so this works through a transaction-mode pooler.
        let result = if with_schemas {
            self.tx
                .query_typed(sql, &[(&self.schemas, postgres::types::Type::TEXT_ARRAY)])
        } else {
            self.tx.query_typed(sql, &[])
        };
        result.map_err(|error| IntrospectError::Query { what, error })
    }
}

fn column(row: &postgres::Row) -> Column {
    let ty = SqlType::new(row.get::<_, String>("type"));
    let identity = match row.get::<_, String>("identity").as_str() {
        "a" => Some(IdentityKind::Always),
        "d" => Some(IdentityKind::ByDefault),
        _ => None,
    }
    .map(|kind| {
        Identity {
            kind,
            start: row.get("seqstart"),
            increment: row.get("seqincrement"),
            min_value: row.get("seqmin"),
            max_value: row.get("seqmax"),
            cache: row.get("seqcache"),
            cycle: row.get::<_, Option<bool>>("seqcycle").unwrap_or(false),
        }
        .normalized(&ty)
    });
    Column {
        name: row.get("attname"),
        ty,
        nullable: !row.get::<_, bool>("attnotnull"),
        default: row.get("default_expr"),
        identity,
        generated: row.get("generated_expr"),
        collation: row.get("collation"),
        comment: row.get("comment"),
        grants: grants(row),
    }
}

/// The `grants` column: one `role:PRIV,PRIV*` entry per grantee (`*`: WITH GRANT OPTION).
fn grants(row: &postgres::Row) -> Vec<Grant> {
    row.get::<_, Vec<String>>("grants")
        .iter()
        .filter_map(|entry| {
            let (grantee, privileges) = entry.rsplit_once(':')?;
            Some(Grant {
                grantee: grantee.to_string(),
                privileges: privileges.split(',').map(str::to_string).collect(),
            })
        })
        .collect()
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

fn constraint(table: &mut Table, row: &postgres::Row, names: &HashMap<(Oid, i16), String>) {
    let name: String = row.get("conname");
    let relid: Oid = row.get("conrelid");
    let timing = Deferral {
        deferrable: row.get("condeferrable"),
        initially_deferred: row.get("condeferred"),
    };
    let not_valid: bool = row.get("not_valid");
    let numbers = |relid: Oid, numbers: Option<Vec<i16>>| -> Vec<String> {
        numbers
            .unwrap_or_default()
            .iter()
            .map(|n| names.get(&(relid, *n)).cloned().unwrap_or_default())
            .collect()
    };
    let columns = numbers(relid, row.get("columns"));
    match row.get::<_, String>("contype").as_str() {
        "p" => {
            table.primary_key = Some(PrimaryKey {
                name,
                columns,
                timing,
            })
        }
        "f" => table.foreign_keys.push(ForeignKey {
            name,
            columns,
            references: TableName::new(
                row.get::<_, String>("ref_schema"),
                row.get::<_, String>("ref_table"),
            ),
            referenced_columns: match row.get::<_, Option<Vec<String>>>("ref_column_names") {
                Some(outside) => outside,
                None => numbers(row.get("confrelid"), row.get("ref_columns")),
            },
            on_update: action(&row.get::<_, String>("confupdtype")),
            on_delete: action(&row.get::<_, String>("confdeltype")),
            match_full: row.get::<_, String>("confmatchtype") == "f",
            deferrable: timing.deferrable,
            initially_deferred: timing.initially_deferred,
            not_valid,
        }),
        "u" => table.uniques.push(UniqueConstraint {
            name,
            columns,
            nulls_not_distinct: row.get("nulls_not_distinct"),
            timing,
        }),
        "c" => table.checks.push(CheckConstraint {
            name,
            expression: row
                .get::<_, Option<String>>("check_expr")
                .unwrap_or_default(),
            not_valid,
            no_inherit: row.get("no_inherit"),
        }),
        _ => table.exclusions.push(ExclusionConstraint {
            name,
            definition: row.get("definition"),
        }),
    }
}

fn index(row: &postgres::Row, relid: Oid, names: &HashMap<(Oid, i16), String>) -> Index {
    let key_count = row.get::<_, i32>(6) as usize;
    let columns: Vec<String> = row
        .get::<_, Vec<i16>>(7)
        .iter()
        .map(|n| {
            if *n == 0 {
                String::new()
            } else {
                names.get(&(relid, *n)).cloned().unwrap_or_default()
            }
        })
        .collect();
    let definitions: Vec<String> = row.get(8);
    let opclasses: Vec<String> = row.get(9);
    let options: Vec<i32> = row.get(10);
    let collations: Vec<String> = row.get("collations");
    let keys = (0..key_count)
        .map(|k| {
            let option = options.get(k).copied().unwrap_or(0);
            IndexKey {
                expr: match columns[k].as_str() {
                    "" => IndexExpr::Expression(definitions[k].clone()),
                    column => IndexExpr::Column(column.to_string()),
                },
                opclass: opclasses.get(k).filter(|o| !o.is_empty()).cloned(),
                collation: collations.get(k).filter(|c| !c.is_empty()).cloned(),
                descending: option & 1 != 0,
                nulls_first: option & 2 != 0,
            }
        })
        .collect();
    Index {
        name: row.get(1),
        keys,
        include: columns[key_count..].to_vec(),
        unique: row.get(3),
        nulls_not_distinct: row.get(4),
        method: row.get(2),
        predicate: row.get(5),
        invalid: row.get("invalid"),
        options: row.get("reloptions"),
    }
}

fn sequence(row: &postgres::Row) -> Sequence {
    Sequence {
        name: TableName::new(row.get::<_, String>(0), row.get::<_, String>(1)),
        data_type: SqlType::new(row.get::<_, String>(2)),
        start: row.get(3),
        increment: row.get(4),
        min_value: row.get(5),
        max_value: row.get(6),
        cache: row.get(7),
        cycle: row.get(8),
        owned_by: row
            .get::<_, Option<String>>("owner_table")
            .map(|table| ColumnRef {
                table: TableName::new(row.get::<_, String>("owner_schema"), table),
                column: row.get("owner_column"),
            }),
        grants: grants(row),
    }
}
