//! Helpers shared by the database tests.

use model_core::pg::TempDatabase;
use model_core::render;
use model_core::schema::Schema;
use postgres::Client;

/// A fresh database for one test, dropped when the test ends (also when it panics).
pub fn fresh_database() -> TempDatabase {
    TempDatabase::new().unwrap_or_else(|e| panic!("no PostgreSQL for the tests: {e}"))
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

/// Every constraint: `table | name | definition`, as PostgreSQL prints it.
pub const CONSTRAINTS: &str = "
SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
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
