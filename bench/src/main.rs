//! `cargo run --release -p model-bench -- [N ...]`: on a throwaway PostgreSQL (or
//! DATABASE_URL's server), loads the shared generated schema of N tables
//! (`bench/gen_schema.py`) into database A and the same plus its delta into database
//! B, then measures
//!
//! - introspection of A (median of 5, with the number of catalog queries it sent);
//! - diff(A, B) + render, in memory, checking that it finds exactly the 6 expected changes;
//! - diff + render on 10× the tables, built in memory from A and B.
//!
//! Benchmarks measure; they never fail on a time.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use model_core::diff::{diff, Op};
use model_core::introspect::{introspect_counted, Options};
use model_core::kinds::{Change, KindChange, TableColumn, TableIndex};
use model_core::pg::Server;
use model_core::render::script;
use model_core::schema::{Schema, TableName};

/// `--floor-sql VERSION_NUM SCHEMA…`: the floor's script, this project's catalog queries
/// as a server of that version (`server_version_num`) is sent them, the schemas in place of
/// `$1`, in one read-only snapshot, for `psql -f`.
fn floor_sql(args: &[String]) {
    let version = model_core::sql::PgVersion::from_num(args[0].parse().expect("VERSION_NUM"));
    let schemas: Vec<String> = args[1..]
        .iter()
        .map(|s| model_core::sql::quote_literal(s))
        .collect();
    let array = format!("ARRAY[{}]::text[]", schemas.join(", "));
    println!("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;");
    println!("SET LOCAL search_path = pg_catalog;");
    println!("SELECT current_setting('server_version_num')::int;");
    for (_, sql, with_schemas) in model_core::introspect::catalog_queries(version) {
        let sql = if with_schemas {
            sql.replace("$1", &array)
        } else {
            sql
        };
        println!("{};", sql.trim().trim_end_matches(';'));
    }
    println!("COMMIT;");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--floor-sql") {
        return floor_sql(&args[1..]);
    }
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 1000, 3000]
    } else {
        sizes
    };
    let server = Server::shared().expect("PostgreSQL for the benchmark");
    let out = std::env::temp_dir().join(format!("model-bench-{}", std::process::id()));
    println!("| N | introspect median (min–max) | queries | diff+render N | changes found | diff+render 10×N |");
    println!("|---|---|---|---|---|---|");
    for n in sizes {
        let generator = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("gen_schema.py");
        let status = Command::new("python3")
            .arg(&generator)
            .arg(n.to_string())
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("python3 runs the shared generator");
        assert!(status.success(), "gen_schema.py failed");
        let read = |name: &str| std::fs::read_to_string(out.join(name)).expect("generated file");
        let (schema_sql, delta_sql) = (
            read(&format!("schema_{n}.sql")),
            read(&format!("schema_{n}_delta.sql")),
        );
        let expected = read(&format!("expected_{n}.txt"));

        let a_db = server.create_database().unwrap();
        let b_db = server.create_database().unwrap();
        let mut a = a_db.connect().unwrap();
        let mut b = b_db.connect().unwrap();
        // Statement by statement: thousands of tables in one implicit transaction would need
        // more locks than a default server allows.
        let load = |client: &mut postgres::Client, sql: &str| {
            for (_, statement) in model_core::revision::split_statements(sql).unwrap() {
                client.batch_execute(&statement).unwrap();
            }
        };
        load(&mut a, &schema_sql);
        load(&mut b, &schema_sql);
        load(&mut b, &delta_sql);

        let options = Options::default();
        let mut times = Vec::new();
        let mut queries = 0;
        let mut from = Schema::default();
        for _ in 0..5 {
            let started = Instant::now();
            let result = introspect_counted(&mut a, &options).unwrap();
            times.push(started.elapsed());
            queries = result.queries;
            from = result.schema;
        }
        let to = introspect_counted(&mut b, &options).unwrap().schema;

        let started = Instant::now();
        let plan = diff(&from, &to);
        let text = script(&plan.upgrade);
        let diff_time = started.elapsed();
        let found = describe(&plan.upgrade);
        let mut wanted: Vec<String> = expected.lines().map(str::to_string).collect();
        wanted.sort();
        let correct = found == wanted;

        let (big_from, big_to) = (times_ten(&from), times_ten(&to));
        let started = Instant::now();
        let big_plan = diff(&big_from, &big_to);
        let big_text = script(&big_plan.upgrade);
        let big_time = started.elapsed();
        assert!(!big_text.is_empty() && !text.is_empty());

        println!(
            "| {n} | {} | {queries} | {} | {} | {} ({} tables) |",
            spread(&mut times),
            ms(diff_time),
            if correct {
                format!("{} of 6, exact", found.len())
            } else {
                format!("WRONG: {found:?}")
            },
            ms(big_time),
            big_from.tables.len()
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// The plan in the generator's words (`add_column t.c`, `drop_table t`, `create_index i on t`).
fn describe(ops: &[Op]) -> Vec<String> {
    let mut out: Vec<String> = ops
        .iter()
        .map(|op| match op {
            Op::Kind(KindChange::TableColumn(Change::Create(TableColumn {
                table,
                column,
                ..
            }))) => {
                format!("add_column {}.{}", table.name, column.name)
            }
            Op::Kind(KindChange::WholeTable(Change::Drop(x))) => {
                format!("drop_table {}", x.table.name.name)
            }
            Op::Kind(KindChange::TableIndex(Change::Create(TableIndex { table, index }))) => {
                format!("create_index {} on {}", index.name, table.name)
            }
            other => format!("unexpected: {}", other.describe()),
        })
        .collect();
    out.sort();
    out
}

/// Ten copies of every table, renamed, with foreign keys pointing into the same copy.
fn times_ten(schema: &Schema) -> Schema {
    let mut out = schema.clone();
    out.tables.clear();
    for copy in 0..10 {
        for table in &schema.tables {
            let mut table = table.clone();
            let rename = |name: &TableName| {
                TableName::new(name.schema.clone(), format!("{}_c{copy}", name.name))
            };
            table.name = rename(&table.name);
            for fk in &mut table.foreign_keys {
                fk.references = rename(&fk.references);
                fk.name = format!("{}_c{copy}", fk.name);
            }
            for index in &mut table.indexes {
                index.name = format!("{}_c{copy}", index.name);
            }
            out.tables.push(table);
        }
    }
    out
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn spread(times: &mut [Duration]) -> String {
    times.sort();
    format!(
        "{} ({}–{})",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    )
}
