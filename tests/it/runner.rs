//! The runner on what the diff renders: SQL-standard function bodies (`BEGIN ATOMIC … END`)
//! are split where psql splits them and created after the tables they read, so `upgrade`
//! applies what `diff` prints.

use model_core::diff::diff;
use model_core::introspect::{self, Options};
use model_core::migrate::{Migrator, TransactionMode, VersionTable};
use model_core::render;
use model_core::revision::{Graph, Revision};

use crate::support::{fresh_database, lines};

#[test]
fn standard_sql_function_bodies_rendered_by_the_diff_apply_through_upgrade() {
    let source = fresh_database();
    source
        .connect()
        .unwrap()
        .batch_execute(
            "CREATE TABLE t (id integer);
             CREATE FUNCTION bump(a integer) RETURNS integer LANGUAGE sql
             BEGIN ATOMIC
               INSERT INTO t VALUES (a);
               SELECT CASE WHEN a > 0 THEN a + 1 ELSE 0 END;
             END;
             CREATE PROCEDURE note(a integer) LANGUAGE sql
             BEGIN ATOMIC
               INSERT INTO t VALUES (a);
               INSERT INTO t VALUES (a * 2);
             END;",
        )
        .unwrap();
    let options = Options {
        schemas: vec!["public".into()],
    };
    let target = introspect::introspect(&mut source.connect().unwrap(), &options).unwrap();
    // From nothing: PostgreSQL parses a standard body at creation, whatever
    // check_function_bodies says, so the functions must come after the table they use.
    let plan = diff(&model_core::schema::Schema::default(), &target);
    let upgrade = render::script(&plan.upgrade);
    assert!(upgrade.contains("BEGIN ATOMIC"), "{upgrade}");

    let db = fresh_database();
    let dir = std::env::temp_dir().join(format!("model-runner-atomic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let revision = Revision {
        id: "aaaa0000atom".into(),
        message: "functions".into(),
        create_date: "2026-01-01 00:00:00".into(),
        upgrade,
        downgrade: render::script(&plan.downgrade),
        path: dir.join("aaaa0000atom_functions.sql"),
        transactional: true,
        ..Default::default()
    };
    std::fs::write(&revision.path, revision.render()).unwrap();
    let graph = Graph::load(&dir).unwrap();
    let mut client = db.connect().unwrap();
    let mut log = Vec::new();
    Migrator::new(
        &mut client,
        db.connect().unwrap(),
        &graph,
        VersionTable::default(),
        |l| log.push(l),
    )
    .upgrade("head", TransactionMode::PerRevision)
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lines(&mut client, "SELECT bump(4)"), ["5"]);
    client.batch_execute("CALL note(7)").unwrap();
    assert_eq!(
        lines(
            &mut client,
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"
        ),
        ["4,7,14"]
    );
    assert!(
        log.iter().any(|l| l == "Will assume transactional DDL."),
        "{log:?}"
    );
    // And all the way down again.
    Migrator::new(
        &mut client,
        db.connect().unwrap(),
        &graph,
        VersionTable::default(),
        |_| {},
    )
    .downgrade("base", TransactionMode::PerRevision)
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        lines(
            &mut client,
            "SELECT count(*) FROM pg_proc WHERE proname IN ('bump', 'note')"
        ),
        ["0"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A revision directory holding one revision that adds a column to `t`.
fn lock_graph(name: &str, transactional: bool) -> (std::path::PathBuf, Graph) {
    let dir = std::env::temp_dir().join(format!("model-runner-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let revision = Revision {
        id: "bbbb0000lock".into(),
        message: "add a column".into(),
        create_date: "2026-01-01 00:00:00".into(),
        upgrade: "ALTER TABLE t ADD COLUMN note text;".into(),
        downgrade: "ALTER TABLE t DROP COLUMN note;".into(),
        path: dir.join("bbbb0000lock_add_a_column.sql"),
        transactional,
        ..Default::default()
    };
    std::fs::write(&revision.path, revision.render()).unwrap();
    let graph = Graph::load(&dir).unwrap();
    (dir, graph)
}

/// Another session holds a lock on `t` for a while: the migration's `ALTER TABLE` times out
/// after `lock_timeout` (so a reader queued behind it waits no longer than that), is rolled
/// back and tried again with a longer timeout, and goes through once the lock is released.
/// Held for good, the run gives up after the last attempt, naming the table and the session.
#[test]
fn lock_timeouts_are_retried_and_others_never_wait_longer_than_the_timeout() {
    use model_core::migrate::LockRetries;
    use std::time::{Duration, Instant};

    for transactional in [true, false] {
        let db = fresh_database();
        let mut client = db.connect().unwrap();
        client
            .batch_execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
            .unwrap();
        let (dir, graph) = lock_graph(&format!("locks-{transactional}"), transactional);
        let retries = LockRetries {
            lock_timeout: Duration::from_millis(150),
            statement_timeout: None,
            attempts: 8,
            pause: Duration::from_millis(100),
            ..LockRetries::default()
        };

        // A session in a long transaction that read `t`, released after 1.2 s.
        let mut holder = db.connect().unwrap();
        holder
            .batch_execute("SET application_name = 'long_report'; BEGIN; SELECT * FROM t")
            .unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1200));
            holder.batch_execute("COMMIT").unwrap();
        });
        // A session that keeps reading and writing `t`, timing each statement.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut reader = db.connect().unwrap();
        let reading = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut longest = Duration::ZERO;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    for statement in ["SELECT count(*) FROM t", "INSERT INTO t (id) VALUES (2)"] {
                        let started = Instant::now();
                        reader.batch_execute(statement).unwrap();
                        longest = longest.max(started.elapsed());
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                longest
            })
        };
        let mut log = Vec::new();
        let result = Migrator::new(
            &mut client,
            db.connect().unwrap(),
            &graph,
            VersionTable::default(),
            |l| log.push(l),
        )
        .lock_retries(retries.clone())
        .upgrade("head", TransactionMode::PerRevision)
        .map(|_| ());
        if let Err(e) = result {
            panic!("{e}\n{log:#?}");
        }
        release.join().unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let longest = reading.join().unwrap();
        let retried = log
            .iter()
            .filter(|l| l.contains("lock timeout after"))
            .count();
        assert!(retried >= 2, "expected retries, log: {log:#?}");
        assert_eq!(
            lines(&mut client, "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note'"),
            ["1"]
        );
        // Every attempt waits at most lock_timeout; a reader queued behind one waits no
        // longer (plus scheduling slack), on any attempt, never the 1.2 s the lock was held.
        assert!(
            longest < retries.lock_timeout + Duration::from_millis(300),
            "a reader waited {longest:?} behind the migration (lock_timeout {:?})",
            retries.lock_timeout
        );

        // Held for good: the run gives up and names who holds the lock.
        let mut holder = db.connect().unwrap();
        holder
            .batch_execute("SET application_name = 'stuck_report'; BEGIN; SELECT * FROM t")
            .unwrap();
        let error = Migrator::new(
            &mut client,
            db.connect().unwrap(),
            &graph,
            VersionTable::default(),
            |_| {},
        )
        .lock_retries(LockRetries {
            attempts: 2,
            ..retries
        })
        .downgrade("base", TransactionMode::PerRevision)
        .map(|_| ())
        .unwrap_err()
        .to_string();
        if transactional {
            assert!(
                error.contains("gave up")
                    && error.contains("2 attempt(s)")
                    && error.contains("stuck_report")
                    && error.contains("t: pid"),
                "{error}"
            );
        } else {
            assert!(
                error.contains("lock timeout") && error.contains("stuck_report"),
                "{error}"
            );
        }
        holder.batch_execute("ROLLBACK").unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `-- Lock Timeout:` in a revision's header replaces the project's first lock_timeout for
/// that revision: with one attempt of 100 ms the run gives up, with the revision's own 10 s it
/// waits for the lock, held here for 0.8 s.
#[test]
fn a_revision_header_sets_its_own_lock_timeout() {
    use model_core::migrate::LockRetries;
    use std::time::Duration;

    let db = fresh_database();
    let mut client = db.connect().unwrap();
    client.batch_execute("CREATE TABLE t (id int)").unwrap();
    let retries = LockRetries {
        lock_timeout: Duration::from_millis(100),
        statement_timeout: None,
        attempts: 1,
        pause: Duration::from_millis(10),
        ..LockRetries::default()
    };
    let run = |client: &mut postgres::Client, graph: &Graph| {
        let mut holder = db.connect().unwrap();
        holder
            .batch_execute("BEGIN; LOCK TABLE t IN SHARE MODE")
            .unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(800));
            holder.batch_execute("COMMIT").unwrap();
        });
        let result = Migrator::new(
            client,
            db.connect().unwrap(),
            graph,
            VersionTable::default(),
            |_| {},
        )
        .lock_retries(retries.clone())
        .upgrade("head", TransactionMode::PerRevision)
        .map(|_| ())
        .map_err(|e| e.to_string());
        release.join().unwrap();
        result
    };
    let (dir, graph) = lock_graph("own-timeout-default", true);
    let error = run(&mut client, &graph).unwrap_err();
    assert!(
        error.contains("gave up") && error.contains("last lock_timeout 100 ms"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let (dir, _) = lock_graph("own-timeout", true);
    let path = dir.join("bbbb0000lock_add_a_column.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen(
            "-- Create Date:",
            "-- Lock Timeout: 10s\n-- Create Date:",
            1,
        ),
    )
    .unwrap();
    let graph = Graph::load(&dir).unwrap();
    run(&mut client, &graph).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        lines(
            &mut client,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note'"
        ),
        ["1"]
    );
    let _ = std::fs::remove_dir_all(&dir);

    // The same through the script's own `SET lock_timeout` (as written for psql and squawk).
    client
        .batch_execute("ALTER TABLE t DROP COLUMN note; DROP TABLE model_version, model_version_applied, model_version_partial")
        .unwrap();
    let (dir, _) = lock_graph("own-timeout-set", true);
    let path = dir.join("bbbb0000lock_add_a_column.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen(
            "ALTER TABLE t ADD COLUMN note text;",
            "SET lock_timeout = '10s';\nALTER TABLE t ADD COLUMN note text;",
            1,
        ),
    )
    .unwrap();
    let graph = Graph::load(&dir).unwrap();
    run(&mut client, &graph).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        lines(
            &mut client,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note'"
        ),
        ["1"]
    );
    // Within the run's transaction: the session keeps its own setting afterwards.
    assert_eq!(lines(&mut client, "SHOW lock_timeout"), ["0"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// In a revision that runs outside a transaction, a lock timeout inside an explicit
/// `BEGIN; … COMMIT;` block (as online revisions write them) rolls back the whole block, so
/// the retry starts again at its `BEGIN`: the statements of the block before the one that
/// timed out are not lost, and the progress record says what committed.
#[test]
fn a_lock_timeout_inside_an_explicit_block_retries_the_whole_block() {
    use model_core::migrate::LockRetries;
    use std::time::Duration;

    let db = fresh_database();
    let mut client = db.connect().unwrap();
    client
        .batch_execute("CREATE TABLE a (id int); CREATE TABLE b (id int)")
        .unwrap();
    let dir = std::env::temp_dir().join(format!("model-runner-block-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let revision = Revision {
        id: "bbbb0000blck".into(),
        message: "a block".into(),
        create_date: "2026-01-01 00:00:00".into(),
        upgrade: "CREATE INDEX CONCURRENTLY a_id ON a (id);\n\nBEGIN;\nALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;\nCOMMIT;\n".into(),
        downgrade: "BEGIN;\nALTER TABLE b DROP COLUMN y;\nALTER TABLE a DROP COLUMN x;\nCOMMIT;\n\nDROP INDEX CONCURRENTLY a_id;\n".into(),
        path: dir.join("bbbb0000blck_a_block.sql"),
        transactional: false,
        ..Default::default()
    };
    std::fs::write(&revision.path, revision.render()).unwrap();
    let graph = Graph::load(&dir).unwrap();

    // `b` is read by a long transaction for 1 s: the block's second statement times out.
    let mut holder = db.connect().unwrap();
    holder.batch_execute("BEGIN; SELECT * FROM b").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1000));
        holder.batch_execute("COMMIT").unwrap();
    });
    let mut log = Vec::new();
    let result = Migrator::new(
        &mut client,
        db.connect().unwrap(),
        &graph,
        VersionTable::default(),
        |l| log.push(l),
    )
    .lock_retries(LockRetries {
        lock_timeout: Duration::from_millis(100),
        statement_timeout: None,
        attempts: 10,
        pause: Duration::from_millis(100),
        ..LockRetries::default()
    })
    .upgrade("head", TransactionMode::PerRevision)
    .map(|_| ());
    release.join().unwrap();
    if let Err(e) = result {
        panic!("{e}\n{log:#?}");
    }
    assert!(
        log.iter().any(|l| l.contains("lock timeout after")),
        "expected a retry: {log:#?}"
    );
    assert_eq!(
        lines(
            &mut client,
            "SELECT attrelid::regclass || '.' || attname FROM pg_attribute
             WHERE attrelid IN ('a'::regclass, 'b'::regclass) AND attname IN ('x', 'y') ORDER BY 1"
        ),
        ["a.x", "b.y"]
    );
    assert_eq!(
        lines(&mut client, "SELECT version_num FROM model_version"),
        ["bbbb0000blck"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
