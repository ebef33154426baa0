//! `cargo run --release -p model-bench --bin online -- [ROWS]` (default 5,000,000): how long a
//! writer is held by the same change written plainly and online.
//!
//! On a throwaway PostgreSQL (or DATABASE_URL's server), for each mode it loads `orders` with
//! ROWS rows, writes the revision for one change of each kind the online mode handles (an
//! index, a replaced index, a unique constraint, a foreign key, a check, NOT NULL, a
//! binary-coercible type change), and applies it with the runner while another session keeps
//! inserting rows one at a time, timing each insert. It prints, per mode, the time the
//! upgrade took, the inserts done meanwhile, and the longest and 99th-percentile insert.
//!
//! Benchmarks measure; they never fail on a time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use model_core::diff::{diff, diff_for};
use model_core::introspect::{introspect, introspect_in, Options};
use model_core::migrate::{Migrator, TransactionMode, VersionTable};
use model_core::pg::Server;
use model_core::render::{online_revision_body, revision_body};
use model_core::revision::{Graph, Revision};

const BEFORE: &str = "
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer bigint, email text, note text);
CREATE INDEX orders_note ON orders (note);";

const AFTER: &str = "
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer bigint REFERENCES customers (id),
                     email varchar NOT NULL UNIQUE, note text CHECK (note <> ''));
CREATE INDEX orders_note ON orders (lower(note));
CREATE INDEX orders_customer ON orders (customer);";

fn main() {
    let rows: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5_000_000);
    let server = Server::shared().expect("PostgreSQL for the benchmark");
    println!(
        "{rows} rows in orders; one insert at a time from another session during the upgrade\n"
    );
    println!("| plan | upgrade took | inserts meanwhile | longest insert | 99th percentile |");
    println!("|---|---|---|---|---|");
    for online in [false, true] {
        let db = server.create_database().expect("a database");
        let mut client = db.connect().unwrap();
        client
            .batch_execute(&format!(
                "{BEFORE}
                 INSERT INTO customers SELECT g FROM generate_series(1, 1000) g;
                 INSERT INTO orders SELECT g, 1 + g % 1000, 'm' || g || '@x', 'n' || g % 97
                   FROM generate_series(1, {rows}) g"
            ))
            .unwrap();
        client.batch_execute("VACUUM ANALYZE").unwrap();
        let options = Options::default();
        let from = introspect(&mut client, &options).unwrap();
        let (to, version) = {
            let mut tx = client.transaction().unwrap();
            tx.batch_execute(&format!("DROP TABLE orders, customers; {AFTER}"))
                .unwrap();
            let read = introspect_in(&mut tx, &options).unwrap();
            tx.rollback().unwrap();
            (read.schema, read.version)
        };
        let plan = diff_for(&from, &to, version);
        let body = if online {
            online_revision_body(&plan.upgrade, &plan.downgrade, version)
        } else {
            revision_body(&plan.upgrade, &plan.downgrade)
        };
        let dir = std::env::temp_dir().join(format!(
            "model-bench-online-{}-{online}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let revision = Revision {
            id: "bench0online".into(),
            message: "bench".into(),
            create_date: "2026-01-01 00:00:00".into(),
            upgrade: body.upgrade.clone(),
            downgrade: body.downgrade.clone(),
            path: dir.join("bench0online_bench.sql"),
            transactional: body.transactional,
            ..Default::default()
        };
        std::fs::write(&revision.path, revision.render()).unwrap();
        let graph = Graph::load(&dir).unwrap();

        let stop = Arc::new(AtomicBool::new(false));
        let mut writer = db.connect().unwrap();
        let writing = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut times = Vec::new();
                let mut id = rows + 1;
                while !stop.load(Ordering::Relaxed) {
                    id += 1;
                    let started = Instant::now();
                    writer
                        .batch_execute(&format!(
                            "INSERT INTO orders VALUES ({id}, 7, 'w{id}@x', 'w')"
                        ))
                        .unwrap();
                    times.push(started.elapsed());
                }
                times
            })
        };
        // The writer is running before the upgrade starts.
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let result = Migrator::new(
            &mut client,
            db.connect().unwrap(),
            &graph,
            VersionTable::default(),
            |_| {},
        )
        .upgrade("head", TransactionMode::PerRevision)
        .map(|_| ());
        let took = started.elapsed();
        std::thread::sleep(Duration::from_millis(200));
        stop.store(true, Ordering::Relaxed);
        let mut times = writing.join().unwrap();
        if let Err(e) = result {
            panic!("{e}");
        }
        let left = diff(&introspect_without_versions(&mut client), &to);
        assert!(left.is_empty(), "the upgrade did not reach the target");
        times.sort();
        let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
        println!(
            "| {} | {:.1} s | {} | {} | {} |",
            if online {
                "online (`--online`)"
            } else {
                "plain"
            },
            took.as_secs_f64(),
            times.len(),
            ms(*times.last().unwrap()),
            ms(p99)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn introspect_without_versions(client: &mut postgres::Client) -> model_core::schema::Schema {
    let mut schema = introspect(client, &Options::default()).unwrap();
    schema
        .tables
        .retain(|t| !t.name.name.starts_with("model_version"));
    schema
}

fn ms(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}
