//! The runner and introspection over an application's own `tokio_postgres::Client`s (feature
//! `tokio`), on a runtime with one thread. The runner is the blocking path's own code, awaited:
//! these tests show that it runs on the application's connections, takes turns through the
//! same lock, never holds the runtime's thread while it waits, and never leaves the
//! application's connection inside a transaction.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use model_core::introspect::{self, Options};
use model_core::migrate::{connect_async, LockRetries, Migrator, TransactionMode, VersionTable};
use model_core::revision::{Graph, Revision};

use crate::support::fresh_database;

const IDS: [&str; 3] = ["a0cf7f5d705d", "960969e75871", "6e58a26e5c70"];

/// One thread for everything: a task that blocked it would stall every other task.
fn one_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A connection of the application's own (its task spawned on the current runtime).
async fn app_client(url: &str) -> tokio_postgres::Client {
    connect_async(url, "the application")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A graph of `revisions` (id, upgrade, downgrade, transactional), each revising the one
/// before.
fn graph(revisions: &[(&str, &str, &str, bool)]) -> Graph {
    let mut texts = Vec::new();
    let mut parent: Option<String> = None;
    for (id, upgrade, downgrade, transactional) in revisions {
        let revision = Revision {
            id: id.to_string(),
            message: format!("step {id}"),
            create_date: "2026-01-01 00:00:00".into(),
            revises: parent.iter().cloned().collect(),
            upgrade: upgrade.to_string(),
            downgrade: downgrade.to_string(),
            path: format!("{id}_step.sql").into(),
            transactional: *transactional,
            ..Default::default()
        };
        texts.push((format!("{id}_step.sql"), revision.render()));
        parent = Some(id.to_string());
    }
    Graph::from_sources(texts.iter().map(|(p, t)| (p.as_str(), t.as_str())))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Two applications start at once on one thread, each with its own two connections: they
/// take turns through the migration lock (the waiting one yields while it waits), each
/// revision is applied once, and both then read the same state, the same as the blocking
/// path reads.
#[test]
fn two_applications_on_one_thread_take_turns_and_apply_each_revision_once() {
    let db = fresh_database();
    let url = db.url().to_string();
    let runtime = one_thread();
    let (first, second) = runtime.block_on(async {
        let app = |url: String| async move {
            let mut client = app_client(&url).await;
            let lock = app_client(&url).await;
            startup::migrate_on(&mut client, lock).await
        };
        tokio::join!(app(url.clone()), app(url.clone()))
    });
    let mut applied: Vec<String> = first
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .chain(second.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    applied.sort();
    let mut all = IDS.map(String::from).to_vec();
    all.sort();
    assert_eq!(applied, all);

    let options = Options {
        schemas: vec!["public".into()],
    };
    let blocking = introspect::introspect(&mut db.connect().unwrap(), &options).unwrap();
    runtime.block_on(async {
        let mut client = app_client(&url).await;
        let migrations = &startup::MIGRATIONS;
        assert_eq!(
            migrations.current_async(&mut client).await.unwrap(),
            ["6e58a26e5c70"]
        );
        assert!(migrations
            .pending_async(&mut client)
            .await
            .unwrap()
            .is_empty());
        // The same catalog reading, awaited on the application's client.
        let awaited = introspect::introspect_async(&mut client, &options)
            .await
            .unwrap();
        assert_eq!(awaited, blocking);
        assert!(awaited.tables.iter().any(|t| t.name.name == "product_tags"));
        // A shared client (`&Client`) is a connection too.
        let lock = app_client(&url).await;
        let undone = migrations
            .downgrade_async(&mut &client, &lock, "base")
            .await
            .unwrap();
        assert_eq!(undone, ["6e58a26e5c70", "960969e75871", "a0cf7f5d705d"]);
        assert_eq!(migrations.pending_async(&mut client).await.unwrap(), IDS);
    });
}

/// A revision that fails part-way, in a transaction and outside one: the application's
/// connection is left usable (rolled back, not inside an aborted transaction), nothing of the
/// transactional revision stays, and the part outside a transaction is recorded as far as it
/// committed, as the blocking path records it.
#[test]
fn a_failing_revision_leaves_the_applications_connection_usable() {
    let db = fresh_database();
    let url = db.url().to_string();
    let graph = graph(&[
        (
            "aaaa00000001",
            "CREATE TABLE a (x int);",
            "DROP TABLE a;",
            true,
        ),
        (
            "aaaa00000002",
            "CREATE TABLE b (x int);\nSELECT 1 / 0;",
            "DROP TABLE b;",
            true,
        ),
    ]);
    let outside = self::graph(&[(
        "cccc00000001",
        "CREATE INDEX CONCURRENTLY c_x ON c (x);\nSELECT 1 / 0;",
        "DROP INDEX CONCURRENTLY c_x;",
        false,
    )]);
    one_thread().block_on(async {
        let mut client = app_client(&url).await;
        let lock = app_client(&url).await;
        let error = Migrator::new(&mut client, lock, &graph, VersionTable::default(), |_| {})
            .upgrade_async("head", TransactionMode::PerRevision)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("division by zero"), "{error}");
        assert!(error.contains("aaaa00000002"), "{error}");
        // Usable: not inside the failed transaction.
        client.batch_execute("SELECT 1").await.unwrap();
        let row = client
            .query_one(
                "SELECT to_regclass('a') IS NOT NULL, to_regclass('b') IS NOT NULL",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(
            (row.get::<_, bool>(0), row.get::<_, bool>(1)),
            (true, false)
        );
        let current =
            model_core::migrate::read_current_async(&mut client, &VersionTable::default())
                .await
                .unwrap();
        assert_eq!(current, ["aaaa00000001"]);

        // Outside a transaction: the index committed, and the record says so.
        client
            .batch_execute("CREATE TABLE c (x int)")
            .await
            .unwrap();
        let table = VersionTable {
            name: "outside_version".into(),
            ..VersionTable::default()
        };
        let lock = app_client(&url).await;
        let error = Migrator::new(&mut client, lock, &outside, table.clone(), |_| {})
            .upgrade_async("head", TransactionMode::PerRevision)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("statements 1–1 of 2 committed"), "{error}");
        client.batch_execute("SELECT 1").await.unwrap();
        let partial = model_core::migrate::read_partial_async(&mut client, &table)
            .await
            .unwrap();
        assert_eq!(partial.len(), 1);
        assert_eq!((partial[0].done, partial[0].total), (1, 2));
        let valid: bool = client
            .query_one(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = 'c_x'::regclass",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert!(valid);
    });
}

/// Another session holds a lock the revision needs; it is released by a task on the same
/// thread after 1.2 s. The run times out, pauses, tries again and goes through, and while it
/// pauses the thread stays free: a ticking task is never held up for as long as a pause (a
/// pause that slept the thread would hold it up for 500 ms and more).
#[test]
fn lock_timeout_pauses_leave_the_runtime_free() {
    let db = fresh_database();
    let url = db.url().to_string();
    let graph = graph(&[(
        "dddd00000001",
        "ALTER TABLE t ADD COLUMN note text;",
        "ALTER TABLE t DROP COLUMN note;",
        true,
    )]);
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let longest_gap = one_thread().block_on(async {
        let mut client = app_client(&url).await;
        client
            .batch_execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        let holder = app_client(&url).await;
        holder
            .batch_execute("BEGIN; SELECT * FROM t")
            .await
            .unwrap();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1200)).await;
            holder.batch_execute("COMMIT").await.unwrap();
        });
        let done = Arc::new(AtomicBool::new(false));
        let ticker = {
            let done = done.clone();
            tokio::spawn(async move {
                let mut longest = Duration::ZERO;
                let mut last = Instant::now();
                while !done.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    longest = longest.max(last.elapsed());
                    last = Instant::now();
                }
                longest
            })
        };
        let lock = app_client(&url).await;
        let lines = log.clone();
        let applied = Migrator::new(
            &mut client,
            lock,
            &graph,
            VersionTable::default(),
            move |l| lines.lock().unwrap().push(l),
        )
        .lock_retries(LockRetries {
            lock_timeout: Duration::from_millis(150),
            statement_timeout: None,
            attempts: 6,
            pause: Duration::from_millis(500),
            ..LockRetries::default()
        })
        .upgrade_async("head", TransactionMode::PerRevision)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(applied, ["dddd00000001"]);
        done.store(true, Ordering::Relaxed);
        release.await.unwrap();
        ticker.await.unwrap()
    });
    let log = log.lock().unwrap();
    let retried = log
        .iter()
        .filter(|l| l.contains("lock timeout after"))
        .count();
    assert!(retried >= 1, "{log:?}");
    assert!(
        longest_gap < Duration::from_millis(400),
        "a task on the runtime was held up for {longest_gap:?} while the run paused: {log:?}"
    );
}

/// Autogenerate's comparison over the application's own tokio connection
/// (`compare_async`): the same plan as the blocking path's, nothing once the plan is applied,
/// and the application's connection left idle, not inside a transaction.
#[test]
fn autogenerate_compares_over_the_applications_connection() {
    use model_core::autogenerate::{compare, compare_async};
    use model_core::config::Config;

    let db = fresh_database();
    let models = ecommerce::models().unwrap();
    let config = Config::default();
    let lines = |plan: &model_core::diff::Plan| -> Vec<String> {
        plan.upgrade.iter().map(|op| op.describe()).collect()
    };
    let blocking = compare(&mut db.connect().unwrap(), &models, &config)
        .unwrap_or_else(|e| panic!("{e}"))
        .plan();
    assert!(!blocking.is_empty());
    one_thread().block_on(async {
        let mut client = app_client(db.url()).await;
        let future = compare_async(&mut client, &models, &config);
        fn send<T: Send>(t: T) -> T {
            t
        }
        let comparison = send(future).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lines(&comparison.plan()), lines(&blocking));

        let pid: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .unwrap()
            .get(0);
        // Asked by a second connection of the application's.
        let state: String = app_client(db.url())
            .await
            .query_one("SELECT state FROM pg_stat_activity WHERE pid = $1", &[&pid])
            .await
            .unwrap()
            .get(0);
        assert_eq!(state, "idle");

        client
            .batch_execute(&model_core::render::script(&comparison.plan().upgrade))
            .await
            .unwrap();
        let again = compare_async(&mut client, &models, &config)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(again.plan().is_empty(), "{:#?}", lines(&again.plan()));

        // Models that declare a view are canonicalised on a scratch database, off the
        // runtime's one thread.
        let with_view = models
            .clone()
            .with_view("public.customer_names", "SELECT first_name FROM customers");
        let comparison = compare_async(&mut client, &with_view, &config)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lines(&comparison.plan()), ["added view 'customer_names'"]);
    });
}

/// A statement failing inside a script's own `BEGIN; … COMMIT;` block of a revision run
/// outside a transaction: the application's connection gets back the settings it had (the
/// runner's `lock_timeout` and `statement_timeout` do not stay on it).
#[test]
fn a_failure_inside_a_scripts_block_leaves_the_connections_settings_as_they_were() {
    let db = fresh_database();
    let url = db.url().to_string();
    let outside = self::graph(&[(
        "dddd00000001",
        "CREATE TABLE d (x int);\nBEGIN;\nCREATE TABLE e (x int);\nSELECT 1 / 0;\nCOMMIT;",
        "DROP TABLE d;",
        false,
    )]);
    one_thread().block_on(async {
        let mut client = app_client(&url).await;
        let show = |row: &tokio_postgres::Row| row.get::<_, String>(0);
        let before = show(&client.query_one("SHOW lock_timeout", &[]).await.unwrap());
        let lock = app_client(&url).await;
        let error = Migrator::new(&mut client, lock, &outside, VersionTable::default(), |_| {})
            .upgrade_async("head", TransactionMode::PerRevision)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("division by zero"), "{error}");
        let after = show(&client.query_one("SHOW lock_timeout", &[]).await.unwrap());
        assert_eq!(
            after, before,
            "the runner's lock_timeout stayed on the connection"
        );
    });
}
