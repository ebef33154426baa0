//! Helpers shared by the database tests.

use model_core::pg::TempDatabase;
use model_core::render;
use model_core::schema::Schema;
use postgres::Client;

/// A fresh database for one test, dropped when the test ends (also when it panics).
pub fn fresh_database() -> TempDatabase {
    TempDatabase::new().unwrap_or_else(|e| panic!("no PostgreSQL for the tests: {e}"))
}

/// The tests' server's version, asked once.
pub fn server_version() -> model_core::sql::PgVersion {
    static VERSION: std::sync::OnceLock<model_core::sql::PgVersion> = std::sync::OnceLock::new();
    *VERSION.get_or_init(|| {
        let db = fresh_database();
        let mut client = db.connect().unwrap();
        model_core::pg::block_on(model_core::introspect::server_version(&mut client)).unwrap()
    })
}

/// A PostgreSQL client program (`pg_dump`, `psql`) that understands the tests' server: from
/// `MODEL_PG_CLIENT_BINDIR`, the server's own binaries, the matrix's `target/pg/client/bin`
/// (`.ci/postgres` installs it), or PATH, the first whose major version is at least the
/// server's (`pg_dump` refuses a newer server). A clear failure when none is.
pub fn pg_tool(name: &str) -> std::path::PathBuf {
    use std::path::PathBuf;
    let major = server_major();
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(dir) = std::env::var("MODEL_PG_CLIENT_BINDIR") {
        candidates.push(PathBuf::from(dir).join(name));
    }
    if let Ok(dir) = model_core::pg::find_bindir() {
        candidates.push(dir.join(name));
    }
    candidates.push(workspace.join("target/pg/client/bin").join(name));
    candidates.push(PathBuf::from(name));
    let version = |program: &PathBuf| -> Option<u32> {
        let out = std::process::Command::new(program)
            .arg("--version")
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        // "pg_dump (PostgreSQL) 18.6"
        let number = text.split_whitespace().nth(2)?;
        number.split('.').next()?.parse().ok()
    };
    for candidate in &candidates {
        if version(candidate).is_some_and(|v| v >= major) {
            return candidate.clone();
        }
    }
    panic!(
        "no {name} of PostgreSQL {major} or later among {candidates:?}: run .ci/postgres \
         (it installs one under target/pg/client) or set MODEL_PG_CLIENT_BINDIR"
    );
}

/// The tests' server's major version (`17`).
pub fn server_major() -> u32 {
    server_version().major()
}

/// `schema` as this server can hold it: what it uses that the server lacks is taken out
/// (`NULLS NOT DISTINCT` on PostgreSQL 14), after checking that the description names
/// exactly those uses as unsupported, so a plan would have been refused rather than sent.
pub fn for_server(schema: &Schema) -> Schema {
    use model_core::sql::Feature;
    let version = server_version();
    let refused = schema.unsupported(version);
    let mut out = schema.clone();
    if !version.supports(Feature::NullsNotDistinct) {
        for table in &mut out.tables {
            table
                .uniques
                .iter_mut()
                .for_each(|u| u.nulls_not_distinct = false);
            table
                .indexes
                .iter_mut()
                .for_each(|i| i.nulls_not_distinct = false);
        }
        for view in &mut out.views {
            view.indexes
                .iter_mut()
                .for_each(|i| i.nulls_not_distinct = false);
        }
    }
    assert!(
        out.unsupported(version).is_empty(),
        "for_server left features PostgreSQL {version} lacks: {:?}",
        out.unsupported(version)
    );
    assert_eq!(
        refused.len(),
        schema.features().len() - out.features().len(),
        "every use taken out was named as unsupported: {refused:?}"
    );
    out
}

/// Runs the schema's CREATE script in one transaction.
pub fn create(client: &mut Client, schema: &Schema) {
    let sql = render::create_schema(schema);
    let mut tx = client.transaction().unwrap();
    tx.batch_execute(&sql)
        .unwrap_or_else(|e| panic!("PostgreSQL refused the script: {e}\n{sql}"));
    tx.commit().unwrap();
}

/// Rows of a query as `|`-joined text, for comparing catalog contents with expected lines.
pub fn lines(client: &mut Client, sql: &str) -> Vec<String> {
    client
        .simple_query(sql)
        .unwrap()
        .into_iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).unwrap_or("NULL"))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            _ => None,
        })
        .collect()
}

/// Every column of every user table: `table | column | type | not null | default | identity`.
/// Plain catalog SQL, independent of the project's code.
pub const COLUMNS: &str = "
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
ORDER BY n.nspname, c.relname, a.attnum";

/// Every constraint but NOT NULL (PostgreSQL 18 keeps those in pg_constraint too; COLUMNS
/// shows them as `attnotnull` on every version): `table | name | definition`, as PostgreSQL
/// prints it.
pub const CONSTRAINTS: &str = "
SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND k.contype <> 'n'
ORDER BY n.nspname, c.relname, k.conname";

/// Every index that does not back a constraint: `table | definition`.
pub const INDEXES: &str = "
SELECT c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname, c.relname, 2";

use model_core::diff::Op;
use model_core::introspect::{self, Options};

/// `schema` as PostgreSQL spells it, through a scratch database of its own.
pub fn canonical(schema: &Schema) -> Schema {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    introspect::canonicalize(&mut client, schema)
        .unwrap_or_else(|e| panic!("{e}\n{}", render::create_schema(schema)))
}

/// The managed schemas of the database, read back, without the schemas as objects nor
/// owners (a description from models declares neither), for comparing with one.
pub fn read(client: &mut Client, schemas: &[&str]) -> Schema {
    let options = Options {
        schemas: schemas.iter().map(|s| s.to_string()).collect(),
    };
    Schema {
        schemas: Vec::new(),
        owners: Vec::new(),
        comments: Vec::new(),
        ..introspect::introspect(client, &options).unwrap()
    }
}

/// Runs the operations' script in one transaction, or panics with PostgreSQL's message.
pub fn apply(client: &mut Client, ops: &[Op]) {
    let sql = render::script(ops);
    let mut tx = client.transaction().unwrap();
    if let Err(e) = tx.batch_execute(&sql) {
        panic!("PostgreSQL refused the script: {}\n{sql}", db_message(&e));
    }
    tx.commit().unwrap();
}

/// PostgreSQL's own message for an error, with its detail.
pub fn db_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!(
            "{}{}",
            db.message(),
            db.detail().map(|d| format!(" ({d})")).unwrap_or_default()
        ),
        None => error.to_string(),
    }
}

/// A data-driven migration case: the schema `before` SQL makes, the one `after` SQL makes,
/// the plan between them, and proof on the database that the plan works both ways. Every
/// step runs in a transaction that is rolled back, so one database serves every case.
pub struct Case {
    /// The two schemas as PostgreSQL reads them.
    pub before: Schema,
    pub after: Schema,
    /// The diff.
    pub plan: model_core::diff::Plan,
}

/// Reads the schema `sql` creates, inside a transaction that is rolled back.
pub fn schema_of(client: &mut Client, sql: &str, schemas: &[&str]) -> Result<Schema, String> {
    let options = Options {
        schemas: schemas.iter().map(|s| s.to_string()).collect(),
    };
    let mut tx = client.transaction().map_err(|e| e.to_string())?;
    tx.batch_execute(sql)
        .map_err(|e| format!("{}\n{sql}", db_message(&e)))?;
    let schema = introspect::introspect_in(&mut tx, &options)
        .map_err(|e| e.to_string())?
        .schema;
    tx.rollback().map_err(|e| e.to_string())?;
    Ok(schema)
}

/// Builds `before` and `after`, diffs them, then proves the plan: `before` + upgrade reads back
/// as `after`, and + downgrade as `before` again.
pub fn check_case(
    client: &mut Client,
    before_sql: &str,
    after_sql: &str,
    schemas: &[&str],
) -> Case {
    let before = schema_of(client, before_sql, schemas).unwrap();
    let after = schema_of(client, after_sql, schemas).unwrap();
    let plan = model_core::diff::diff_for(&before, &after, server_version());
    if let Err(message) = prove(client, before_sql, &before, &after, &plan, schemas) {
        panic!("{message}");
    }
    Case {
        before,
        after,
        plan,
    }
}

/// Applies the plan both ways in a rolled-back transaction; says what went wrong, if anything.
pub fn prove(
    client: &mut Client,
    before_sql: &str,
    before: &Schema,
    after: &Schema,
    plan: &model_core::diff::Plan,
    schemas: &[&str],
) -> Result<(), String> {
    let options = Options {
        schemas: schemas.iter().map(|s| s.to_string()).collect(),
    };
    let upgrade = render::script(&plan.upgrade);
    let downgrade = render::script(&plan.downgrade);
    let mut tx = client.transaction().map_err(|e| e.to_string())?;
    tx.batch_execute(before_sql)
        .map_err(|e| format!("before: {}", db_message(&e)))?;
    tx.batch_execute(&upgrade)
        .map_err(|e| format!("upgrade failed: {}\n-- upgrade:\n{upgrade}", db_message(&e)))?;
    let upgraded = introspect::introspect_in(&mut tx, &options)
        .map_err(|e| e.to_string())?
        .schema;
    // Column order is not compared: PostgreSQL appends a re-added column, and no migration
    // can reorder columns without rebuilding the table.
    let rest = model_core::diff::diff_for(&upgraded, after, server_version());
    if !rest.is_empty() {
        return Err(format!(
            "after the upgrade the database differs from the target; remaining:\n{}\n-- upgrade:\n{upgrade}",
            render::script(&rest.upgrade)
        ));
    }
    tx.batch_execute(&downgrade).map_err(|e| {
        format!(
            "downgrade failed: {}\n-- upgrade:\n{upgrade}\n-- downgrade:\n{downgrade}",
            db_message(&e)
        )
    })?;
    let downgraded = introspect::introspect_in(&mut tx, &options)
        .map_err(|e| e.to_string())?
        .schema;
    let rest = model_core::diff::diff_for(&downgraded, before, server_version());
    if !rest.is_empty() {
        return Err(format!(
            "after the downgrade the database differs from the start; remaining:\n{}\n-- downgrade:\n{downgrade}",
            render::script(&rest.upgrade)
        ));
    }
    tx.rollback().map_err(|e| e.to_string())?;
    Ok(())
}

/// xorshift64*: small, seeded, good enough to pick shapes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The team's generated workload of `n` tables (`bench/gen_schema.py`): the schema's SQL and
/// the delta that turns it into the target.
pub fn generated_workload(n: usize) -> (String, String) {
    let generator = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/gen_schema.py");
    let out = std::env::temp_dir().join(format!("model-gen-{n}-{}", std::process::id()));
    let status = std::process::Command::new("python3")
        .arg(&generator)
        .arg(n.to_string())
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs the workload generator");
    assert!(status.success(), "gen_schema.py failed");
    let read = |name: &str| std::fs::read_to_string(out.join(name)).expect("generated file");
    let sql = (
        read(&format!("schema_{n}.sql")),
        read(&format!("schema_{n}_delta.sql")),
    );
    let _ = std::fs::remove_dir_all(&out);
    sql
}

/// Runs `sql` statement by statement: thousands of tables in one transaction need more locks
/// than a default server allows.
pub fn load_statements(client: &mut Client, sql: &str) {
    for (_, statement) in model_core::revision::split_statements(sql).unwrap() {
        client.batch_execute(&statement).unwrap();
    }
}
