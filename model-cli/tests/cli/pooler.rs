//! Behind a real PgBouncer in transaction-pooling mode, with fewer server connections than
//! clients: concurrent upgrades apply each revision once, a killed run leaves no lock behind,
//! and introspection and `diff` work.

use std::process::Stdio;
use std::time::{Duration, Instant};

use model_core::pg::{Bouncer, Server, TempDatabase};

use super::{lines, model_cli, Project};

fn bouncer() -> Bouncer {
    let server = Server::shared().expect("a PostgreSQL server for the tests");
    // Two server connections for eight clients (each with two connections): they must share.
    Bouncer::start(server, "transaction", 2).unwrap_or_else(|e| panic!("{e}"))
}

fn advisory_locks(db: &TempDatabase) -> Vec<String> {
    lines(
        db,
        "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND granted
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
}

#[test]
fn eight_concurrent_upgrades_through_pgbouncer_apply_each_revision_once() {
    let bouncer = bouncer();
    let project = Project::new("pooler-concurrent");
    let db = TempDatabase::new().unwrap();
    let url = bouncer.url_for(db.name());
    project.revision(
        "ffff00000001",
        "log table",
        &[],
        "CREATE TABLE runs (revision text);\nINSERT INTO runs VALUES ('1');\nSELECT pg_sleep(0.3);",
        "DROP TABLE runs;",
    );
    project.revision(
        "ffff00000002",
        "second",
        &[],
        "INSERT INTO runs VALUES ('2');\nCREATE TABLE t (id integer);",
        "DROP TABLE t;\nDELETE FROM runs WHERE revision = '2';",
    );
    project.revision(
        "ffff00000003",
        "concurrent index",
        &[],
        "CREATE INDEX CONCURRENTLY t_id ON t (id);\nINSERT INTO runs VALUES ('3');",
        "DROP INDEX CONCURRENTLY t_id;\nDELETE FROM runs WHERE revision = '3';",
    );
    let path = project.file("ffff00000003");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("-- Create Date:", "-- Transactional: no\n-- Create Date:"),
    )
    .unwrap();

    let outputs = super::concurrent_upgrades(&project, &url, 8);
    for output in &outputs {
        assert!(
            output.status.success(),
            "{}\n-- PgBouncer's log:\n{}",
            String::from_utf8_lossy(&output.stderr),
            bouncer.log()
        );
    }
    assert_eq!(
        super::revisions_run(&outputs),
        3,
        "three revisions, each run once"
    );
    assert_eq!(
        lines(
            &db,
            "SELECT string_agg(revision, ',' ORDER BY revision) FROM runs"
        ),
        ["1,2,3"]
    );
    assert_eq!(
        lines(&db, "SELECT version_num::text FROM model_version"),
        ["ffff00000003"]
    );
    // No lock outlives the runs, and nothing is left prepared on the pooled connections.
    assert_eq!(advisory_locks(&db), ["0"]);
    let (code, stdout, stderr) = project.run(None, &["--url", &url, "current"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "ffff00000003 (head)\n");
    // A direct run right after does not wait for anything.
    let started = Instant::now();
    let (code, _, stderr) = project.run(Some(&db), &["--lock-wait", "2", "upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(2), "{stderr}");
}

#[test]
fn a_run_killed_behind_pgbouncer_leaves_no_lock_behind() {
    let bouncer = bouncer();
    let project = Project::new("pooler-kill");
    let db = TempDatabase::new().unwrap();
    let url = bouncer.url_for(db.name());
    project.revision(
        "abab00000001",
        "slow",
        &[],
        "SELECT pg_sleep(20);",
        "SELECT 1;",
    );
    let mut child = super::upgrade_command(&project, &url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while advisory_locks(&db) != ["1"] {
        assert!(Instant::now() < deadline, "the run never took its lock");
        std::thread::sleep(Duration::from_millis(50));
    }
    // kill -9: no chance to release anything.
    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while advisory_locks(&db) != ["0"] {
        assert!(
            Instant::now() < deadline,
            "the lock outlived the killed run by 10 s\n{}",
            bouncer.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The orphaned statement may still sleep on the server; a new run is not blocked by a lock
    // (it takes the lock at once), and `current` works through the pooler.
    let (code, stdout, stderr) = project.run(None, &["--url", &url, "current"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
}

#[test]
fn waiting_for_the_lock_names_the_holder_and_gives_up() {
    let project = Project::new("lock-wait");
    let db = TempDatabase::new().unwrap();
    project.revision("acac00000001", "one", &[], "SELECT 1;", "SELECT 1;");
    // Another run holds the lock: same key, held in a transaction, as a run does.
    let mut holder = db.connect().unwrap();
    holder
        .batch_execute("SET application_name = 'the other run'")
        .unwrap();
    let key = model_core::migrate::VersionTable::default().lock_key();
    holder
        .batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({key})"))
        .unwrap();
    let started = Instant::now();
    let (code, _, stderr) = project.run(Some(&db), &["--lock-wait", "1", "upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        stderr.contains("Waiting for the migration lock"),
        "{stderr}"
    );
    assert!(stderr.contains("(the other run)"), "{stderr}");
    assert!(
        stderr.contains("gave up after waiting 1s for the migration lock"),
        "{stderr}"
    );
    let (code, stdout, stderr) = project.run(Some(&db), &["current"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    // The same limit from model.toml.
    let config = std::path::Path::new(&project.config);
    let text = std::fs::read_to_string(config).unwrap();
    std::fs::write(
        config,
        text.replace("# lock_wait_seconds = 60", "lock_wait_seconds = 1"),
    )
    .unwrap();
    let started = Instant::now();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("gave up after waiting 1s"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
    holder.batch_execute("ROLLBACK").unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn introspection_and_diff_work_through_pgbouncer() {
    let bouncer = bouncer();
    let from = TempDatabase::new().unwrap();
    let to = TempDatabase::new().unwrap();
    to.connect()
        .unwrap()
        .batch_execute(
            "CREATE TYPE mood AS ENUM ('ok', 'sad');
             CREATE TABLE t (id bigint PRIMARY KEY, m mood, note text DEFAULT 'x');
             CREATE INDEX t_note ON t (note);
             CREATE VIEW v AS SELECT id FROM t;",
        )
        .unwrap();
    // Several at once, so that pooled server connections really are shared between them.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (a, b) = (bouncer.url_for(from.name()), bouncer.url_for(to.name()));
            std::thread::spawn(move || model_cli(&["diff", "--from", &a, "--to", &b]))
        })
        .collect();
    for handle in handles {
        let (code, stdout, stderr) = handle.join().unwrap();
        assert_eq!(code, 2, "{stderr}\n{}", bouncer.log());
        assert!(stdout.contains("CREATE TABLE public.t ("), "{stdout}");
        assert!(stdout.contains("CREATE VIEW public.v AS"), "{stdout}");
    }
    let (code, stdout, stderr) = model_cli(&[
        "diff",
        "--from",
        &bouncer.url_for(to.name()),
        "--to",
        &bouncer.url_for(to.name()),
    ]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
}

#[test]
fn a_migration_leaves_no_session_setting_on_pooled_connections() {
    let bouncer = bouncer();
    let db = TempDatabase::new().unwrap();
    let source = TempDatabase::new().unwrap();
    source
        .connect()
        .unwrap()
        .batch_execute("CREATE FUNCTION answer() RETURNS integer LANGUAGE sql AS 'SELECT 42';")
        .unwrap();
    // The diff's script (with its `SET … check_function_bodies`) as a revision, through the
    // pooler.
    let (code, printed, stderr) = model_cli(&["diff", "--from", db.url(), "--to", source.url()]);
    assert_eq!(code, 2, "{stderr}");
    // The statements inside the printed script's transaction (a revision is one already).
    let script = printed
        .split_once("BEGIN;\n")
        .and_then(|(_, rest)| rest.rsplit_once("COMMIT;"))
        .map(|(body, _)| body.to_string())
        .unwrap_or_else(|| panic!("no transaction in\n{printed}"));
    assert!(script.contains("check_function_bodies"), "{script}");
    let project = Project::new("pooler-settings");
    project.revision(
        "adad00000001",
        "function",
        &[],
        &script,
        "DROP FUNCTION answer();",
    );
    let url = bouncer.url_for(db.name());
    let (code, _, stderr) = project.run(None, &["--url", &url, "upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    // Both pooled server connections, held at once so that each client gets its own.
    let mut clients: Vec<_> = (0..2)
        .map(|_| model_core::pg::connect(&url).unwrap())
        .collect();
    for client in &mut clients {
        client.batch_execute("BEGIN").unwrap();
    }
    for client in &mut clients {
        let value: String = client
            .query_one("SELECT current_setting('check_function_bodies')", &[])
            .unwrap()
            .get(0);
        assert_eq!(
            value, "on",
            "a pooled connection kept the migration's setting"
        );
    }
}

/// With one server connection for the database, a run (which holds the migration lock on one
/// connection for its whole length) cannot get a second: it says so within seconds instead of
/// staying silent until PgBouncer gives up, and then explains the pool it needs.
#[test]
fn a_pool_of_one_is_named_while_the_run_waits_and_when_it_ends() {
    let server = Server::shared().expect("a PostgreSQL server for the tests");
    let bouncer = Bouncer::start_with(server, "transaction", 1, "query_wait_timeout = 8")
        .unwrap_or_else(|e| panic!("{e}"));
    let project = Project::new("pooler-one");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "eeee00000001",
        "t",
        &[],
        "CREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );
    let url = bouncer.url_for(db.name());
    let started = Instant::now();
    let (code, stdout, stderr) = model_cli(&[
        "--config",
        &project.config,
        "--url",
        &url,
        "upgrade",
        "head",
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("Waiting for a server connection for the run")
            && stderr.contains("pool_size"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the run got no server connection after waiting")
            && stderr.contains("give this database a pool of at least 2"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        lines(&db, "SELECT (to_regclass('t') IS NULL)::text"),
        ["true"]
    );
}

/// The proof on a copy reads it over several connections in one exported snapshot: behind a
/// pooler whose pool is smaller than that (two, then one, server connections for the copy's
/// database), the connections that get none in time are left out; nothing waits for the
/// pooler to give up.
#[test]
fn the_proof_reads_its_copy_behind_small_pools() {
    let server = Server::shared().expect("a PostgreSQL server for the tests");
    for pool in [2, 1] {
        let bouncer = Bouncer::start_with(server, "transaction", pool, "query_wait_timeout = 30")
            .unwrap_or_else(|e| panic!("{e}"));
        let from = TempDatabase::new().unwrap();
        let to = TempDatabase::new().unwrap();
        let schema = "CREATE TABLE t (id bigint PRIMARY KEY, note text);
                      CREATE TABLE u (id bigint PRIMARY KEY, t_id bigint REFERENCES t (id));";
        from.connect().unwrap().batch_execute(schema).unwrap();
        to.connect()
            .unwrap()
            .batch_execute(&format!("{schema} ALTER TABLE u ADD COLUMN extra text;"))
            .unwrap();
        let started = Instant::now();
        let (code, stdout, stderr) = model_cli(&[
            "diff",
            "--from",
            &bouncer.url_for(from.name()),
            "--to",
            &bouncer.url_for(to.name()),
            "--verify",
        ]);
        assert_eq!(code, 2, "pool {pool}: {stderr}\n{}", bouncer.log());
        assert!(stdout.contains("ADD COLUMN extra"), "{stdout}");
        assert!(stderr.contains("Proven on a schema-only copy"), "{stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "pool {pool}: {:?}",
            started.elapsed()
        );
    }
}
