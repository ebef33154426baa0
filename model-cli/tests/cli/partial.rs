//! Honest records of partial failure: a revision that runs outside a transaction and fails,
//! or is killed, part-way says exactly what committed, `current` and `history` show it, a
//! rerun resumes, and `repair` settles what only a person can judge. A `COMMIT` inside a
//! transactional revision is refused before anything runs.

use std::process::Stdio;
use std::time::{Duration, Instant};

use model_core::pg::TempDatabase;

use super::{lines, Project};

/// Marks a revision `Transactional: no`.
fn outside_a_transaction(project: &Project, id: &str) {
    let path = project.file(id);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("-- Create Date:", "-- Transactional: no\n-- Create Date:"),
    )
    .unwrap();
}

/// Waits until `child`'s run is in its `SELECT pg_sleep(30)`, kills it (`kill -9`), and ends
/// the orphaned sleep, which would otherwise go on for 30 s.
fn kill_during_the_sleep(db: &TempDatabase, mut child: std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while lines(
        db,
        "SELECT count(*)::text FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'",
    ) != ["1"]
    {
        assert!(Instant::now() < deadline, "the run never reached the sleep");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    lines(
        db,
        "SELECT count(pg_terminate_backend(pid))::text FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND pid <> pg_backend_pid()",
    );
}

fn tables(db: &TempDatabase) -> Vec<String> {
    lines(
        db,
        "SELECT coalesce(string_agg(relname::text, ',' ORDER BY relname), '') FROM pg_class
         WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname NOT LIKE 'model_version%'",
    )
}

#[test]
fn a_failure_outside_a_transaction_says_what_committed_and_resumes() {
    let project = Project::new("partial-fail");
    let db = TempDatabase::new().unwrap();
    let path = project.revision(
        "baba00000001",
        "three steps",
        &[],
        "CREATE TABLE a (id integer);\nCREATE TABLE b (id integer);\nINSERT INTO missing VALUES (1);\nCREATE TABLE c (id integer);",
        "DROP TABLE c;\nDROP TABLE b;\nDROP TABLE a;",
    );
    outside_a_transaction(&project, "baba00000001");
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    let text = std::fs::read_to_string(&path).unwrap();
    let failing = text
        .lines()
        .position(|l| l.starts_with("INSERT INTO missing"))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!(
            "failed at line {failing}: relation \"missing\" does not exist"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "statements 1–2 of 4 committed (through line {})",
            failing - 1
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("Nothing of"), "{stderr}");
    assert_eq!(tables(&db), ["a,b"]);

    // `current` and `history` say so.
    let (code, stdout, stderr) = project.run(Some(&db), &["current"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        format!("baba00000001 (partially upgraded: 2 of 4 statements committed; statement 3 (line {failing}) failed: relation \"missing\" does not exist)\n")
    );
    let (_, stdout, _) = project.run(Some(&db), &["history", "-i"]);
    assert!(stdout.contains("(partially upgraded: 2 of 4"), "{stdout}");

    // A downgrade, or another target, is refused while it is partial.
    let (code, _, stderr) = project.run(Some(&db), &["downgrade", "base"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is partially upgraded"), "{stderr}");

    // Fix the failing statement (the committed ones unchanged) and run again: it resumes.
    std::fs::write(
        &path,
        text.replace(
            "INSERT INTO missing VALUES (1);",
            "INSERT INTO a VALUES (1);",
        ),
    )
    .unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Resuming baba00000001 at statement 3 of 4 (line {failing})"
        )),
        "{stderr}"
    );
    assert_eq!(tables(&db), ["a,b,c"]);
    assert_eq!(lines(&db, "SELECT count(*)::text FROM a"), ["1"]);
    let (_, stdout, _) = project.run(Some(&db), &["current"]);
    assert_eq!(stdout, "baba00000001 (head)\n");
}

#[test]
fn editing_a_committed_statement_refuses_to_resume() {
    let project = Project::new("partial-edit");
    let db = TempDatabase::new().unwrap();
    let path = project.revision(
        "bcbc00000001",
        "two steps",
        &[],
        "CREATE TABLE a (id integer);\nSELECT 1/0;",
        "DROP TABLE a;",
    );
    outside_a_transaction(&project, "bcbc00000001");
    let (code, _, _) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "CREATE TABLE a (id integer);",
            "CREATE TABLE a (id bigint);",
        ),
    )
    .unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("were edited since"), "{stderr}");
    // The person who knows says it is done by hand.
    let (code, _, stderr) = project.run(Some(&db), &["repair", "bcbc", "--applied"]);
    assert_eq!(code, 0, "{stderr}");
    let (_, stdout, _) = project.run(Some(&db), &["current"]);
    assert_eq!(stdout, "bcbc00000001 (head)\n");
}

#[test]
fn kill_9_between_statements_is_recorded_and_repaired() {
    let project = Project::new("partial-kill");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "bdbd00000001",
        "slow middle",
        &[],
        "CREATE TABLE a (id integer);\nSELECT pg_sleep(30);\nCREATE TABLE c (id integer);",
        "DROP TABLE c;\nDROP TABLE a;",
    );
    outside_a_transaction(&project, "bdbd00000001");
    let child = super::upgrade_command(&project, db.url())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    kill_during_the_sleep(&db, child);

    let (code, stdout, _) = project.run(Some(&db), &["current"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("partially upgraded: 1 of 3 statements committed; interrupted while running statement 2 (line"),
        "{stdout}"
    );
    // A rerun does not guess.
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("was interrupted during an earlier upgrade"),
        "{stderr}"
    );
    assert!(
        stderr.contains("repair bdbd00000001 --statements-done N"),
        "{stderr}"
    );
    assert_eq!(tables(&db), ["a"]);

    // The sleep took effect (it has none); record two statements as done and resume.
    let (code, _, stderr) = project.run(
        Some(&db),
        &["repair", "bdbd00000001", "--statements-done", "2"],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Resuming bdbd00000001 at statement 3 of 3"),
        "{stderr}"
    );
    assert_eq!(tables(&db), ["a,c"]);
    let (_, stdout, _) = project.run(Some(&db), &["current"]);
    assert_eq!(stdout, "bdbd00000001 (head)\n");
}

/// A concurrent build that fails (duplicates under a unique index) drops the invalid index it
/// left, and says so; an invalid index made elsewhere under the same name is never taken for
/// the built one (`IF NOT EXISTS` would succeed over it), and the revision is not recorded.
#[test]
fn a_failed_concurrent_index_build_is_named_and_never_recorded_as_applied() {
    let project = Project::new("partial-index");
    let db = TempDatabase::new().unwrap();
    db.connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (x integer); INSERT INTO t VALUES (1), (1);")
        .unwrap();
    let path = project.revision(
        "bebe00000001",
        "unique index",
        &[],
        "CREATE UNIQUE INDEX CONCURRENTLY t_x ON t (x);",
        "DROP INDEX CONCURRENTLY t_x;",
    );
    outside_a_transaction(&project, "bebe00000001");
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("could not create unique index"), "{stderr}");
    assert!(
        stderr.contains("The invalid index public.t_x the build left was dropped"),
        "{stderr}"
    );
    assert!(index_states(&db).is_empty(), "{:?}", index_states(&db));
    // The same failure by hand leaves an invalid t_x; `IF NOT EXISTS` would succeed over it:
    // the runner does not record the revision.
    let _ = db
        .connect()
        .unwrap()
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY t_x ON t (x)");
    assert_eq!(index_states(&db), ["t_x false"]);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("CONCURRENTLY t_x ON", "CONCURRENTLY IF NOT EXISTS t_x ON"),
    )
    .unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("fully run, but it left"), "{stderr}");
    assert!(stderr.contains("public.t_x"), "{stderr}");
    let (_, stdout, _) = project.run(Some(&db), &["current"]);
    assert!(stdout.contains("partially upgraded"), "{stdout}");
    // Fixed by hand: the data, then the index; then recorded.
    db.connect()
        .unwrap()
        .batch_execute("DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t); REINDEX INDEX t_x;")
        .unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["repair", "bebe00000001", "--applied"]);
    assert_eq!(code, 0, "{stderr}");
    let (_, stdout, _) = project.run(Some(&db), &["current"]);
    assert_eq!(stdout, "bebe00000001 (head)\n");
}

#[test]
fn commit_inside_a_transactional_revision_is_refused_before_anything_runs() {
    let project = Project::new("commit-inside");
    let db = TempDatabase::new().unwrap();
    let path = project.revision(
        "bfbf00000001",
        "sneaky commit",
        &[],
        "CREATE TABLE a (id integer);\nCOMMIT;\nCREATE TABLE b (id integer);\nSELECT 1/0;",
        "DROP TABLE a;",
    );
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    let line = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .position(|l| l == "COMMIT;")
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!(
            "revision bfbf00000001 ({}) line {line}: `COMMIT` would commit",
            path.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("Transactional: no"), "{stderr}");
    assert_eq!(tables(&db), [""]);
}

#[test]
fn an_edited_script_is_accepted_by_repair_without_moving_the_version() {
    let project = Project::new("accept-edit");
    let db = TempDatabase::new().unwrap();
    let first = project.revision(
        "caca00000001",
        "one",
        &[],
        "CREATE TABLE a (id integer);",
        "DROP TABLE a;",
    );
    project.revision(
        "caca00000002",
        "two",
        &[],
        "CREATE TABLE b (id integer);",
        "DROP TABLE b;",
    );
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(
        &first,
        text.replace("DROP TABLE a;", "DROP TABLE IF EXISTS a;"),
    )
    .unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("repair caca00000001 --accept-edit"),
        "{stderr}"
    );
    assert!(!stderr.contains("stamp"), "{stderr}");
    let (code, _, stderr) = project.run(Some(&db), &["repair", "caca00000001", "--accept-edit"]);
    assert_eq!(code, 0, "{stderr}");
    // Nothing moved: still at the second revision, and nothing reruns.
    let (code, stdout, stderr) = project.run(Some(&db), &["current"]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, "caca00000002 (head)\n"),
        "{stderr}"
    );
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("Running upgrade"), "{stderr}");
}

#[test]
fn an_invalid_index_differs_from_a_valid_one_in_diff() {
    let broken = TempDatabase::new().unwrap();
    let good = TempDatabase::new().unwrap();
    let setup = "CREATE TABLE t (x integer); INSERT INTO t VALUES (1), (1);";
    broken.connect().unwrap().batch_execute(setup).unwrap();
    // A concurrent build that fails leaves the index behind, invalid.
    let failed = broken
        .connect()
        .unwrap()
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY t_x ON t (x)");
    assert!(failed.is_err());
    good.connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (x integer); CREATE UNIQUE INDEX t_x ON t (x);")
        .unwrap();
    let (code, stdout, stderr) =
        super::model_cli(&["diff", "--from", broken.url(), "--to", good.url()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "Detected invalid index 't_x' on 't' (a failed concurrent build); it is rebuilt"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("-- index t_x is invalid"), "{stdout}");
    assert!(stdout.contains("DROP INDEX public.t_x;"), "{stdout}");
    assert!(
        stdout.contains("CREATE UNIQUE INDEX t_x ON public.t (x);"),
        "{stdout}"
    );
}

/// `kill -9` inside an explicit `BEGIN; … COMMIT;` block of a revision that runs outside a
/// transaction (as online revisions are written): the block was rolled back as a whole, and
/// the progress record proves it (the records written inside the block went with it), so a
/// rerun resumes at the block's `BEGIN` without asking.
#[test]
fn kill_9_inside_an_explicit_block_resumes_at_the_block() {
    let project = Project::new("partial-kill-block");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "bebe00000001",
        "a block",
        &[],
        "CREATE TABLE a (id integer);\nBEGIN;\nCREATE TABLE b (id integer);\nSELECT pg_sleep(30);\nCREATE TABLE c (id integer);\nCOMMIT;\nCREATE TABLE d (id integer);",
        "DROP TABLE d;\nDROP TABLE c;\nDROP TABLE b;\nDROP TABLE a;",
    );
    outside_a_transaction(&project, "bebe00000001");
    let child = super::upgrade_command(&project, db.url())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    kill_during_the_sleep(&db, child);
    // The server rolls the block back once the backend is gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tables(&db) != ["a"] {
        assert!(Instant::now() < deadline, "{:?}", tables(&db));
        std::thread::sleep(Duration::from_millis(50));
    }

    let (code, stdout, _) = project.run(Some(&db), &["current"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("1 of 7 statements committed") && stdout.contains("rolled back as a whole"),
        "{stdout}"
    );
    // The sleep is slow: make it quick, as an operator would after such a stop. The
    // statements that committed (the first) are unchanged, so the rerun resumes.
    let path = project.file("bebe00000001");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("pg_sleep(30)", "pg_sleep(0)")).unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Resuming bebe00000001 at statement 2 of 7"),
        "{stderr}"
    );
    assert_eq!(tables(&db), ["a,b,c,d"]);
    let (_, stdout, _) = project.run(Some(&db), &["current"]);
    assert_eq!(stdout, "bebe00000001 (head)\n");
}

/// How many index builds PostgreSQL is running on `t`.
fn builds_on_t(db: &TempDatabase) -> Vec<String> {
    lines(
        db,
        "SELECT count(*)::text FROM pg_stat_progress_create_index WHERE relid = 't'::regclass",
    )
}

/// `kill -9` while PostgreSQL builds an index concurrently for the run (a slow build: each row
/// sleeps while the database says so): the server notices its client is gone and stops the
/// build, leaving an invalid index rather than a build for nobody; `current` names the index,
/// `repair --applied` refuses while it is invalid, and the rerun resumes at the guard that
/// drops it.
#[test]
fn kill_9_during_a_concurrent_index_build_stops_it_and_resumes_at_the_guard() {
    let project = Project::new("partial-kill-index");
    let db = TempDatabase::new().unwrap();
    db.connect()
        .unwrap()
        .batch_execute(&format!(
            "CREATE TABLE t (x integer); INSERT INTO t SELECT g FROM generate_series(1, 1000) g;
             CREATE FUNCTION slow(integer) RETURNS integer IMMUTABLE LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_sleep(coalesce(nullif(current_setting('test.slow', true), '')::float8, 0)); RETURN $1; END $$;
             ALTER DATABASE \"{}\" SET test.slow = '0.05';",
            db.name()
        ))
        .unwrap();
    project.revision(
        "bfbf00000001",
        "online index",
        &[],
        "DROP INDEX CONCURRENTLY IF EXISTS public.t_x;\nCREATE INDEX CONCURRENTLY t_x ON public.t (public.slow(x));\nCREATE TABLE after_index (id integer);",
        "DROP TABLE after_index;\nDROP INDEX CONCURRENTLY IF EXISTS public.t_x;",
    );
    outside_a_transaction(&project, "bfbf00000001");
    let mut child = super::upgrade_command(&project, db.url())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while builds_on_t(&db) != ["1"] {
        assert!(Instant::now() < deadline, "the run never started the build");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The server stops the build of the run that is gone, within seconds, though the build
    // had most of its rows still to go.
    let deadline = Instant::now() + Duration::from_secs(10);
    while builds_on_t(&db) != ["0"] {
        assert!(
            Instant::now() < deadline,
            "PostgreSQL still builds the index for a run that was killed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let (code, stdout, stderr) = project.run(Some(&db), &["current"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("interrupted while running statement 2"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "index public.t_x is invalid (a failed or interrupted concurrent build left it"
        ),
        "{stderr}"
    );
    // Not recorded as done while the index is invalid.
    let (code, _, stderr) = project.run(Some(&db), &["repair", "bfbf00000001", "--applied"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("not recorded as applied")
            && stderr.contains("index public.t_x is invalid"),
        "{stderr}"
    );
    // The rerun settles the interrupted build from the index itself and resumes at the guard.
    db.connect()
        .unwrap()
        .batch_execute(&format!("ALTER DATABASE \"{}\" RESET test.slow", db.name()))
        .unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Index public.t_x is invalid (an interrupted or failed build left it): resuming at the statement before, which drops it"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Resuming bfbf00000001 at statement 1 of 3"),
        "{stderr}"
    );
    assert_eq!(
        lines(
            &db,
            "SELECT i.indisvalid::text FROM pg_index i WHERE i.indexrelid = 'public.t_x'::regclass"
        ),
        ["true"]
    );
    assert!(tables(&db)[0].contains("after_index"));
    let (_, stdout, _) = project.run(Some(&db), &["current"]);
    assert_eq!(stdout, "bfbf00000001 (head)\n");
}

/// A build running for another session (here, one the test starts and holds up) is named by
/// `current`, with its pid and what to do.
#[test]
fn a_running_index_build_is_named_by_current() {
    let project = Project::new("partial-running-build");
    let db = TempDatabase::new().unwrap();
    db.connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (x integer); INSERT INTO t VALUES (1);")
        .unwrap();
    let mut holder = db.connect().unwrap();
    holder
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM t")
        .unwrap();
    let builder_db = db.connect().unwrap();
    let builder = std::thread::spawn(move || {
        let mut builder_db = builder_db;
        builder_db.batch_execute("CREATE INDEX CONCURRENTLY t_x ON t (x)")
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    while builds_on_t(&db) != ["1"] {
        assert!(Instant::now() < deadline, "the build never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, _, stderr) = project.run(Some(&db), &["current"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("index public.t_x is being built by pid ")
            && stderr.contains("cancel it with SELECT pg_cancel_backend("),
        "{stderr}"
    );
    holder.batch_execute("COMMIT").unwrap();
    builder.join().unwrap().unwrap();
}

/// An open transaction elsewhere in the database, under a name `pg_stat_activity` shows.
fn old_transaction(db: &TempDatabase, application: &str) -> postgres::Client {
    let mut holder = db.connect().unwrap();
    holder
        .batch_execute(&format!(
            "SET application_name = '{application}';
             CREATE TABLE IF NOT EXISTS report_source (id integer);"
        ))
        .unwrap();
    holder
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM report_source;")
        .unwrap();
    holder
}

fn index_states(db: &TempDatabase) -> Vec<String> {
    lines(
        db,
        "SELECT i.indexrelid::regclass::text || ' ' || i.indisvalid FROM pg_index i
         WHERE i.indrelid = 'public.t'::regclass ORDER BY 1",
    )
}

/// A report (an open snapshot, older than the build) is waited for, not failed on after the
/// 2 s DDL lock timeout: the run says whose transaction it waits for and since when, and
/// builds the index once it ends.
#[test]
fn a_concurrent_index_build_waits_for_an_older_transaction_and_names_it() {
    let project = Project::new("partial-index-waits");
    let db = TempDatabase::new().unwrap();
    db.connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (x integer); INSERT INTO t SELECT generate_series(1, 100);")
        .unwrap();
    project.revision(
        "cece00000001",
        "online index",
        &[],
        "CREATE INDEX CONCURRENTLY t_x ON t (x);",
        "DROP INDEX CONCURRENTLY t_x;",
    );
    outside_a_transaction(&project, "cece00000001");
    let mut holder = old_transaction(&db, "nightly-report");
    let ender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(5));
        holder.batch_execute("COMMIT").unwrap();
    });
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    ender.join().unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("waits for 1 transaction older than it")
            && stderr.contains("nightly-report")
            && stderr.contains("idle in transaction since "),
        "{stderr}"
    );
    assert_eq!(index_states(&db), ["t_x true"]);
    let (_, stdout, _) = project.run(Some(&db), &["current"]);
    assert_eq!(stdout, "cece00000001 (head)\n");
}

/// A transaction that outlasts `concurrent_wait`: the run gives up cleanly, naming it, with no
/// invalid index behind; once it ends, the rerun builds the index.
#[test]
fn a_concurrent_index_build_gives_up_cleanly_after_its_bound() {
    let project = Project::new("partial-index-bound");
    let db = TempDatabase::new().unwrap();
    db.connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (x integer); INSERT INTO t SELECT generate_series(1, 100);")
        .unwrap();
    let config = project.dir.join("model.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("concurrent_wait = \"3s\"\n{text}")).unwrap();
    project.revision(
        "cfcf00000001",
        "online index",
        &[],
        "CREATE INDEX CONCURRENTLY t_x ON t (x);",
        "DROP INDEX CONCURRENTLY t_x;",
    );
    outside_a_transaction(&project, "cfcf00000001");
    let mut holder = old_transaction(&db, "pg_dump");
    let started = Instant::now();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(started.elapsed() >= Duration::from_secs(3), "{stderr}");
    assert!(
        stderr
            .contains("gave up after waiting 3s (concurrent_wait) for 1 transaction older than it")
            && stderr.contains("pg_dump")
            && !stderr.contains("attempt"),
        "{stderr}"
    );
    assert!(index_states(&db).is_empty(), "{:?}", index_states(&db));
    holder.batch_execute("COMMIT").unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(index_states(&db), ["t_x true"]);
}

/// The line of `text` that starts with `prefix` (1-based).
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1
}

/// A statement that fails inside the script's own `BEGIN; … COMMIT;` block: the error names
/// its line, and `current` names the same failure, the block it rolled back, and where a rerun
/// resumes, never another statement's line as the one that failed.
#[test]
fn a_failure_inside_a_block_is_told_at_one_line_everywhere() {
    let project = Project::new("partial-block-fail");
    let db = TempDatabase::new().unwrap();
    let path = project.revision(
        "dada00000001",
        "block",
        &[],
        "CREATE TABLE a (id integer);\nBEGIN;\nCREATE TABLE b (id integer);\nINSERT INTO missing VALUES (1);\nCOMMIT;\nCREATE TABLE c (id integer);",
        "DROP TABLE IF EXISTS c;\nDROP TABLE IF EXISTS b;\nDROP TABLE a;",
    );
    outside_a_transaction(&project, "dada00000001");
    let text = std::fs::read_to_string(&path).unwrap();
    let failing = line_of(&text, "INSERT INTO missing");
    let begin = line_of(&text, "BEGIN;");
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("failed at line {failing}:")),
        "{stderr}"
    );
    let (_, stdout, _) = project.run(Some(&db), &["current"]);
    assert!(
        stdout.contains(&format!(
            "statement 4 (line {failing}) failed: relation \"missing\" does not exist; the transaction block it was in, from statement 2 (line {begin}), was rolled back (a rerun resumes at its BEGIN)"
        )),
        "{stdout}"
    );
    assert_eq!(tables(&db), ["a"]);
}

/// A failure at the first statement that changes anything: the session settings before it are
/// not counted as committed work.
#[test]
fn settings_before_a_failure_are_not_counted_as_committed_statements() {
    let project = Project::new("partial-settings");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "dbdb00000001",
        "settings",
        &[],
        "SET lock_timeout = '2s';\nSET statement_timeout = '1h';\nINSERT INTO missing VALUES (1);\nCREATE TABLE c (id integer);",
        "DROP TABLE c;",
    );
    outside_a_transaction(&project, "dbdb00000001");
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("nothing committed but the 2 session settings before it"),
        "{stderr}"
    );
    assert!(!stderr.contains("statements 1–2"), "{stderr}");
}
