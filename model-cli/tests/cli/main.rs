//! The `model-cli` binary, run as a user runs it, against a real PostgreSQL: exit codes,
//! messages, branches and merges, offline SQL, edited and malformed scripts.

mod comforts;
mod fleet;
mod guards;
mod partial;
mod pooler;
mod secrets;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use model_core::pg::TempDatabase;

/// The binary under test: this build's, or `MODEL_CLI_BIN` (to show that a regression test
/// fails on an older build).
fn binary() -> String {
    std::env::var("MODEL_CLI_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_model-cli").to_string())
}

/// Runs the binary; returns (exit code, stdout, stderr). A run that hangs (a deadlock is a
/// bug like any other) is killed after two minutes and fails the test, instead of the suite.
fn model_cli(args: &[&str]) -> (i32, String, String) {
    model_cli_env(args, &[])
}

/// [`model_cli`] with these environment variables set.
fn model_cli_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let child = Command::new(binary())
        .args(args)
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = finish_within(child, Duration::from_secs(120), args);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Waits for `child` (spawned with piped output), killing it and failing the test if it runs
/// longer than `limit`. Its output is read while it runs, so a full pipe cannot stall it.
fn finish_within(mut child: Child, limit: Duration, what: &[&str]) -> Output {
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "model-cli {what:?} did not finish within {limit:?}; it printed:\n{}",
                String::from_utf8_lossy(&stderr.join().unwrap_or_default())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// Runs a script file through psql, stopping at the first error, and requires success.
fn psql_file(url: &str, script: &Path) {
    let psql = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
        .arg(script)
        .output()
        .expect("psql runs");
    assert!(
        psql.status.success(),
        "{}",
        String::from_utf8_lossy(&psql.stderr)
    );
}

/// `model-cli upgrade head` for `project` on `url`, not started yet.
fn upgrade_command(project: &Project, url: &str) -> Command {
    let mut command = Command::new(binary());
    command
        .args(["--config", &project.config, "--url", url, "upgrade", "head"])
        .env_remove("DATABASE_URL");
    command
}

/// `upgrade head` on `url` by `n` processes started at once; their outputs.
fn concurrent_upgrades(project: &Project, url: &str, n: usize) -> Vec<Output> {
    let children: Vec<Child> = (0..n)
        .map(|_| {
            upgrade_command(project, url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| finish_within(c, Duration::from_secs(120), &["upgrade", "head"]))
        .collect()
}

/// How many revisions the runs applied, counted from their log lines.
fn revisions_run(outputs: &[Output]) -> usize {
    outputs
        .iter()
        .map(|o| {
            String::from_utf8_lossy(&o.stderr)
                .matches("Running upgrade")
                .count()
        })
        .sum()
}

/// A project directory with model.toml, removed afterwards.
struct Project {
    dir: PathBuf,
    config: String,
}

impl Project {
    fn new(name: &str) -> Project {
        let dir =
            std::env::temp_dir().join(format!("model-cli-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (code, _, stderr) = model_cli(&["init", dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
        let config = dir.join("model.toml").display().to_string();
        Project { dir, config }
    }

    /// Runs a command with this project's config and `db`'s URL.
    fn run(&self, db: Option<&TempDatabase>, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["--config", &self.config];
        if let Some(db) = db {
            all.extend(["--url", db.url()]);
        }
        all.extend(args);
        model_cli(&all)
    }

    /// Writes a revision with the given SQL through `revision`, then fills in its body.
    fn revision(
        &self,
        id: &str,
        message: &str,
        extra: &[&str],
        upgrade: &str,
        downgrade: &str,
    ) -> PathBuf {
        let mut args = vec!["revision", "-m", message, "--rev-id", id];
        args.extend(extra);
        let (code, _, stderr) = self.run(None, &args);
        assert_eq!(code, 0, "{stderr}");
        let path = self.file(id);
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text
            .replace("-- Write the upgrade here.\n", &format!("{upgrade}\n"))
            .replace("-- Write the downgrade here.\n", &format!("{downgrade}\n"));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn file(&self, id: &str) -> PathBuf {
        std::fs::read_dir(self.dir.join("migrations"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(id))
            .unwrap()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh database, dropped when the handle is.
fn fresh() -> TempDatabase {
    TempDatabase::new().unwrap_or_else(|e| panic!("no PostgreSQL for the tests: {e}"))
}

fn lines(db: &TempDatabase, sql: &str) -> Vec<String> {
    db.connect()
        .unwrap()
        .query(sql, &[])
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

#[test]
fn diff_between_two_databases() {
    let from = TempDatabase::new().unwrap();
    let to = TempDatabase::new().unwrap();
    from.connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (id integer PRIMARY KEY, old text)")
        .unwrap();
    to.connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (id bigint PRIMARY KEY, new text NOT NULL DEFAULT ''); CREATE INDEX t_new ON t (new)")
        .unwrap();

    let (code, stdout, stderr) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("Detected added column 't.new'"), "{stderr}");
    assert!(
        stdout.contains("ALTER TABLE public.t DROP COLUMN old;"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CREATE INDEX t_new ON public.t (new);"),
        "{stdout}"
    );

    // Applying the printed SQL makes the databases equal: the same command then exits 0.
    from.connect().unwrap().batch_execute(&stdout).unwrap();
    let (code, stdout, stderr) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert!(stderr.contains("No changes"), "{stderr}");
}

/// Every user schema of both databases is compared unless `--schema` limits it or
/// `--exclude-schema` leaves one out; objects the engine does not model are named on stderr,
/// and `--strict` refuses to plan while there are any.
#[test]
fn diff_covers_every_user_schema_and_names_what_it_does_not_model() {
    let from = TempDatabase::new().unwrap();
    let to = TempDatabase::new().unwrap();
    to.connect()
        .unwrap()
        .batch_execute(
            "CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int);
             CREATE SCHEMA \"Odd Reports\"; CREATE TABLE \"Odd Reports\".daily (id int);
             CREATE TEXT SEARCH CONFIGURATION public.my_english (COPY = english);",
        )
        .unwrap();

    let (code, stdout, stderr) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.contains("CREATE TABLE billing.invoices"), "{stdout}");
    assert!(
        stdout.contains("CREATE TABLE \"Odd Reports\".daily"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "WARNING [model.diff] --to has text search configuration public.my_english, which is not modelled"
        ),
        "{stderr}"
    );

    let (code, stdout, stderr) = model_cli(&[
        "diff",
        "--from",
        from.url(),
        "--to",
        to.url(),
        "--exclude-schema",
        "Odd Reports",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.contains("CREATE TABLE billing.invoices"), "{stdout}");
    assert!(!stdout.contains("Odd Reports"), "{stdout}");

    let (code, stdout, stderr) = model_cli(&[
        "diff",
        "--from",
        from.url(),
        "--to",
        to.url(),
        "--schema",
        "billing",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stdout.contains("billing.invoices") && !stdout.contains("daily"),
        "{stdout}"
    );
    // The configuration is in public, which --schema left out: nothing to warn about.
    assert!(!stderr.contains("my_english"), "{stderr}");

    let (code, stdout, stderr) =
        model_cli(&["diff", "--from", from.url(), "--to", to.url(), "--strict"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("--strict") && stderr.contains("1 object(s)"),
        "{stderr}"
    );
}

/// A table never analyzed has no row estimate (`reltuples` is -1): its rows are counted, and
/// the summary says so, instead of "0 rows".
#[test]
fn hazard_sizes_of_a_table_never_analyzed_are_counted() {
    let from = TempDatabase::new().unwrap();
    let to = TempDatabase::new().unwrap();
    from.connect()
        .unwrap()
        .batch_execute(
            "CREATE TABLE orders (id integer, note text) WITH (autovacuum_enabled = false);
             INSERT INTO orders SELECT g, 'x' FROM generate_series(1, 5000) g;",
        )
        .unwrap();
    to.connect()
        .unwrap()
        .batch_execute("CREATE TABLE orders (id bigint, note text)")
        .unwrap();
    let (code, _, stderr) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "rewrites orders under ACCESS EXCLUSIVE (no reads or writes until done) (5 k rows, "
        ) && stderr.contains("; never analyzed: counted)"),
        "{stderr}"
    );
}

/// `diff` sums up the upgrade's hazards with the size of each table concerned, read from
/// `--from`; the script marks each statement.
#[test]
fn diff_names_hazards_with_table_sizes() {
    let from = TempDatabase::new().unwrap();
    let to = TempDatabase::new().unwrap();
    from.connect()
        .unwrap()
        .batch_execute(
            "CREATE TABLE orders (id integer, note text);
             INSERT INTO orders SELECT g, 'x' FROM generate_series(1, 5000) g; ANALYZE orders;",
        )
        .unwrap();
    to.connect()
        .unwrap()
        .batch_execute("CREATE TABLE orders (id bigint NOT NULL, note text)")
        .unwrap();
    let (code, stdout, stderr) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "rewrites orders under ACCESS EXCLUSIVE (no reads or writes until done) (5 k rows, "
        ) && stderr.contains("scans orders under ACCESS EXCLUSIVE")
            && stderr.contains("may fail on rows already in orders"),
        "{stderr}"
    );
    assert!(
        stdout.contains("-- HAZARD: rewrites orders") && stdout.contains("-- HAZARD: scans orders"),
        "{stdout}"
    );
    // --verify proves it on a schema-only copy of --from before printing it.
    let (code, proven, stderr) =
        model_cli(&["diff", "--from", from.url(), "--to", to.url(), "--verify"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(proven, stdout);
    assert!(
        stderr.contains("Proven on a schema-only copy of --from"),
        "{stderr}"
    );
}

/// `--online` writes what has an online form that way, and refuses what still rewrites a
/// table in use, naming it and what to do instead.
#[test]
fn diff_online_writes_concurrent_builds_and_refuses_rewrites() {
    let from = TempDatabase::new().unwrap();
    let to = TempDatabase::new().unwrap();
    from.connect()
        .unwrap()
        .batch_execute("CREATE TABLE orders (id integer, note text)")
        .unwrap();
    to.connect()
        .unwrap()
        .batch_execute("CREATE TABLE orders (id integer, note text); CREATE INDEX orders_note ON orders (note)")
        .unwrap();
    let (code, stdout, stderr) = model_cli(&[
        "diff",
        "--from",
        from.url(),
        "--to",
        to.url(),
        "--online",
        "--verify",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stdout.contains("CREATE INDEX CONCURRENTLY orders_note ON public.orders (note);"),
        "{stdout}"
    );

    to.connect()
        .unwrap()
        .batch_execute("ALTER TABLE orders ALTER COLUMN id TYPE bigint")
        .unwrap();
    let (code, stdout, stderr) =
        model_cli(&["diff", "--from", from.url(), "--to", to.url(), "--online"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("type change from integer to bigint on 'orders.id'")
            && stderr.contains("backfill it in batches")
            && stderr.contains("--online: 1 change(s)"),
        "{stderr}"
    );
    // Without --online it is written as it is, with its hazard.
    let (code, stdout, _) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!(code, 2);
    assert!(stdout.contains("-- HAZARD: rewrites orders"), "{stdout}");
}

#[test]
fn diff_errors_exit_1_with_a_message() {
    let (code, _, stderr) = model_cli(&[
        "diff",
        "--from",
        "postgres://u@host:notaport/db",
        "--to",
        "x",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--from") && stderr.contains("invalid database URL"),
        "{stderr}"
    );
    let (code, _, stderr) = model_cli(&["diff", "--from"]);
    assert_eq!(code, 2, "clap's usage errors exit 2: {stderr}");
}

#[test]
fn upgrade_is_idempotent_and_downgrade_reaches_base() {
    let project = Project::new("idempotent");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "aaaa00000001",
        "create t",
        &[],
        "CREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );
    project.revision(
        "aaaa00000002",
        "add u",
        &[],
        "ALTER TABLE t ADD COLUMN u text;",
        "ALTER TABLE t DROP COLUMN u;",
    );
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Running upgrade  -> aaaa00000001, create t"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Running upgrade aaaa00000001 -> aaaa00000002, add u"),
        "{stderr}"
    );
    assert_eq!(
        lines(&db, "SELECT version_num::text FROM model_version"),
        ["aaaa00000002"]
    );

    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("Running upgrade"),
        "a second upgrade head runs nothing: {stderr}"
    );
    assert!(stderr.contains("Nothing to do"), "{stderr}");

    let (code, stdout, _) = project.run(Some(&db), &["current"]);
    assert_eq!((code, stdout.as_str()), (0, "aaaa00000002 (head)\n"));

    let (code, _, stderr) = project.run(Some(&db), &["downgrade", "-1"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        lines(&db, "SELECT version_num::text FROM model_version"),
        ["aaaa00000001"]
    );
    let (code, _, stderr) = project.run(Some(&db), &["downgrade", "base"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(lines(&db, "SELECT version_num::text FROM model_version").is_empty());
    assert_eq!(
        lines(
            &db,
            "SELECT count(*)::text FROM pg_class WHERE relname = 't'"
        ),
        ["0"]
    );
}

#[test]
fn offline_sql_through_psql_matches_an_online_upgrade() {
    let project = Project::new("offline");
    project.revision(
        "bbbb00000001",
        "tables",
        &[],
        "CREATE TABLE p (id integer PRIMARY KEY);\nCREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p, note text DEFAULT 'it''s');",
        "DROP TABLE c;\nDROP TABLE p;",
    );
    project.revision(
        "bbbb00000002",
        "index",
        &[],
        "CREATE INDEX c_note ON c (note) WHERE note IS NOT NULL;",
        "DROP INDEX c_note;",
    );
    let (code, sql, stderr) = project.run(None, &["upgrade", "head", "--sql"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        sql.contains("BEGIN;")
            && sql.contains(
                "INSERT INTO public.model_version (version_num) VALUES ('bbbb00000002');"
            ),
        "{sql}"
    );

    let online = TempDatabase::new().unwrap();
    let offline = TempDatabase::new().unwrap();
    let (code, _, stderr) = project.run(Some(&online), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    let script = project.dir.join("offline.sql");
    std::fs::write(&script, &sql).unwrap();
    psql_file(offline.url(), &script);

    // Same schema, including the version tables, and the same current revision.
    let (code, stdout, stderr) =
        model_cli(&["diff", "--from", online.url(), "--to", offline.url()]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let (_, current, _) = project.run(Some(&offline), &["current"]);
    assert_eq!(current, "bbbb00000002 (head)\n");

    // And the offline downgrade takes it back to nothing but the version tables.
    let (code, down, stderr) = project.run(None, &["downgrade", "head:base", "--sql"]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(&script, &down).unwrap();
    psql_file(offline.url(), &script);
    assert_eq!(lines(&offline, "SELECT string_agg(relname::text, ',' ORDER BY relname) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"), ["model_version,model_version_applied,model_version_partial"]);
}

#[test]
fn a_failing_statement_leaves_nothing_of_its_revision() {
    let project = Project::new("failing");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "cccc00000001",
        "good",
        &[],
        "CREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );
    let bad = project.revision(
        "cccc00000002",
        "bad",
        &[],
        "CREATE TABLE u (id integer);\nALTER TABLE t ADD COLUMN x integer;\nALTER TABLE nowhere ADD COLUMN y integer;\nCREATE TABLE v (id integer);",
        "DROP TABLE u;",
    );
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("revision cccc00000002"), "{stderr}");
    // The line is the file's (header included), not the upgrade part's.
    assert!(
        stderr.contains("failed at line 10: relation \"nowhere\" does not exist"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&bad).unwrap();
    assert_eq!(
        text.lines().nth(9),
        Some("ALTER TABLE nowhere ADD COLUMN y integer;"),
        "{text}"
    );
    assert!(
        stderr.contains("ALTER TABLE nowhere ADD COLUMN y integer"),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("Nothing of cccc00000002 was applied; the database is still at cccc00000001"),
        "{stderr}"
    );
    // The first revision stayed; nothing of the second did.
    assert_eq!(
        lines(&db, "SELECT version_num::text FROM model_version"),
        ["cccc00000001"]
    );
    assert_eq!(lines(&db, "SELECT string_agg(relname::text, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('t', 'u', 'v')"), ["t"]);
    assert_eq!(lines(&db, "SELECT count(*)::text FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'x'"), ["0"]);
}

#[test]
fn single_transaction_runs_all_or_nothing() {
    let project = Project::new("single");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "dddd00000001",
        "good",
        &[],
        "CREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );
    project.revision("dddd00000002", "bad", &[], "SELECT 1/0;", "SELECT 1;");
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head", "--single-transaction"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("division by zero"), "{stderr}");
    assert!(lines(&db, "SELECT version_num::text FROM model_version").is_empty());
    assert_eq!(
        lines(
            &db,
            "SELECT count(*)::text FROM pg_class WHERE relname = 't'"
        ),
        ["0"]
    );
}

#[test]
fn concurrent_upgrades_apply_each_revision_once() {
    let project = Project::new("concurrent");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "eeee00000001",
        "slow",
        &[],
        "SELECT pg_sleep(0.5);\nCREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );
    project.revision(
        "eeee00000002",
        "counted",
        &[],
        "CREATE TABLE counter (n integer);\nINSERT INTO counter VALUES (1);",
        "DROP TABLE counter;",
    );
    let outputs = concurrent_upgrades(&project, db.url(), 2);
    for output in &outputs {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let ran = revisions_run(&outputs);
    assert_eq!(
        ran, 2,
        "two revisions, each run by exactly one of the two processes"
    );
    assert_eq!(lines(&db, "SELECT count(*)::text FROM counter"), ["1"]);
    assert_eq!(
        lines(&db, "SELECT count(*)::text FROM model_version_applied"),
        ["2"]
    );
}

#[test]
fn branches_and_a_merge() {
    let project = Project::new("branches");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "f00000000001",
        "base",
        &[],
        "CREATE TABLE a (id integer);",
        "DROP TABLE a;",
    );
    project.revision(
        "f00000000002",
        "left",
        &["--branch-label", "left"],
        "CREATE TABLE l (id integer);",
        "DROP TABLE l;",
    );
    project.revision(
        "f00000000003",
        "right",
        &["--head", "f00000000001", "--splice"],
        "CREATE TABLE r (id integer);",
        "DROP TABLE r;",
    );

    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("multiple heads are present (f00000000002, f00000000003)"),
        "{stderr}"
    );
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "left@head"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "heads"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        lines(
            &db,
            "SELECT version_num::text FROM model_version ORDER BY 1"
        ),
        ["f00000000002", "f00000000003"]
    );

    let (code, heads, _) = project.run(None, &["heads"]);
    assert_eq!(code, 0);
    let (code, _, stderr) = project.run(
        None,
        &[
            "merge",
            "-m",
            "merge left and right",
            "--rev-id",
            "f00000000004",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "Running upgrade f00000000002, f00000000003 -> f00000000004, merge left and right"
        ),
        "{stderr}"
    );
    assert_eq!(
        lines(&db, "SELECT version_num::text FROM model_version"),
        ["f00000000004"]
    );

    let (_, history, _) = project.run(Some(&db), &["history", "--indicate-current"]);
    let (_, branches, _) = project.run(None, &["branches"]);
    let (_, merged_heads, _) = project.run(None, &["heads"]);
    let (_, range, _) = project.run(None, &["history", "-r", "f00000000002:head"]);
    insta::assert_snapshot!(format!(
        "$ heads (before the merge)\n{heads}\n$ history --indicate-current\n{history}\n$ branches\n{branches}\n$ heads\n{merged_heads}\n$ history -r f00000000002:head\n{range}"
    ));

    // Downgrading one branch leaves the other.
    let (code, _, stderr) = project.run(Some(&db), &["downgrade", "f00000000002"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        lines(&db, "SELECT version_num::text FROM model_version"),
        ["f00000000002"]
    );
    assert_eq!(
        lines(
            &db,
            "SELECT count(*)::text FROM pg_class WHERE relname = 'r'"
        ),
        ["0"]
    );
}

#[test]
fn an_edited_script_is_reported() {
    let project = Project::new("edited");
    let db = TempDatabase::new().unwrap();
    let path = project.revision(
        "abab00000001",
        "t",
        &[],
        "CREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );
    assert_eq!(project.run(Some(&db), &["upgrade", "head"]).0, 0);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("id integer", "id bigint");
    std::fs::write(&path, text).unwrap();
    for command in [&["upgrade", "head"][..], &["current"][..]] {
        let (code, _, stderr) = project.run(Some(&db), command);
        assert_eq!(code, 1, "{command:?}: {stderr}");
        assert!(
            stderr.contains("revision abab00000001")
                && stderr.contains("was edited after it was applied"),
            "{stderr}"
        );
    }
    // `stamp` accepts the edit.
    assert_eq!(project.run(Some(&db), &["stamp", "head"]).0, 0);
    assert_eq!(project.run(Some(&db), &["current"]).0, 0);
}

#[test]
fn bad_input_gives_clear_errors() {
    let project = Project::new("bad");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "acac00000001",
        "t",
        &[],
        "CREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );

    // Unknown revision.
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "zzzz"]);
    assert_eq!(
        (code, stderr.trim().lines().last()),
        (1, Some("ERROR no revision matches 'zzzz'"))
    );
    // Bad URL.
    let (code, _, stderr) = project.run(None, &["--url", "postgres://u@h:port/db", "upgrade"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("invalid database URL"), "{stderr}");
    // No database at all.
    let (code, _, stderr) = project.run(None, &["current"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no database configured: set DATABASE_URL"),
        "{stderr}"
    );
    // Unknown environment.
    let (code, _, stderr) = project.run(None, &["--env", "prod", "current"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no environment `prod`"), "{stderr}");
    // Malformed script: the file, the line, the problem.
    let bad = project
        .dir
        .join("migrations")
        .join("acac00000002_broken.sql");
    std::fs::write(&bad, "-- broken\n-- Revision ID: acac00000002\n-- Revises: acac00000001\n-- Transactional: perhaps\n-- migrate:upgrade\n-- migrate:downgrade\n").unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["history"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "{}:4: `Transactional` is `yes` or `no`, not `perhaps`",
            bad.display()
        )),
        "{stderr}"
    );
    std::fs::write(&bad, "-- Revision ID: acac00000002\n-- Revises: nothere\n-- migrate:upgrade\n-- migrate:downgrade\n").unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["history"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("revision acac00000002")
            && stderr.contains("revises nothere, which does not exist"),
        "{stderr}"
    );
    std::fs::remove_file(&bad).unwrap();
    // Bad config.
    std::fs::write(&project.config, "script_location = 42\n").unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["history"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("model.toml") && stderr.contains("invalid type"),
        "{stderr}"
    );
    // A missing config.
    let (code, _, stderr) = model_cli(&["--config", "/nonexistent/model.toml", "history"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no /nonexistent/model.toml here; run `init`"),
        "{stderr}"
    );
    let _ = Path::new("");
}

#[test]
fn a_script_can_run_outside_a_transaction() {
    let project = Project::new("notx");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "adad00000001",
        "table",
        &[],
        "CREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );
    let path = project.revision(
        "adad00000002",
        "concurrent index",
        &[],
        "CREATE INDEX CONCURRENTLY t_id ON t (id);",
        "DROP INDEX CONCURRENTLY t_id;",
    );
    // Inside a transaction PostgreSQL refuses CONCURRENTLY…
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cannot run inside a transaction block"),
        "{stderr}"
    );
    // …so the script says it runs outside one.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("-- Create Date:", "-- Transactional: no\n-- Create Date:");
    std::fs::write(&path, text).unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        lines(
            &db,
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 't'::regclass"
        ),
        ["t_id"]
    );
    let (code, _, stderr) = project.run(Some(&db), &["downgrade", "base"]);
    assert_eq!(code, 0, "{stderr}");
    // A whole-run transaction cannot hold it.
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head", "--single-transaction"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("revision adad00000002 must run outside a transaction"),
        "{stderr}"
    );
}

#[test]
fn show_current_verbose_and_stamp_purge() {
    let project = Project::new("show");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "aeae00000001",
        "first\nwith a second line",
        &[],
        "CREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );
    let (code, stdout, _) = project.run(None, &["show", "aeae"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("Rev: aeae00000001 (head)\nParent: <base>\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-- migrate:upgrade\nCREATE TABLE t (id integer);"),
        "{stdout}"
    );
    assert_eq!(project.run(Some(&db), &["upgrade", "head"]).0, 0);
    let (code, stdout, _) = project.run(Some(&db), &["current", "--verbose"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Rev: aeae00000001 (head)")
            && stdout.contains("    first\n    with a second line\n"),
        "{stdout}"
    );
    // A version table holding a revision nobody has: refused, then cleared with --purge.
    db.connect()
        .unwrap()
        .batch_execute("UPDATE model_version SET version_num = 'ffffffffffff'")
        .unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("records revision ffffffffffff as applied, but no script"),
        "{stderr}"
    );
    let (code, _, stderr) = project.run(Some(&db), &["stamp", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("use --purge"), "{stderr}");
    let (code, _, stderr) = project.run(Some(&db), &["stamp", "head", "--purge"]);
    assert_eq!(code, 0, "{stderr}");
    let (_, current, _) = project.run(Some(&db), &["current"]);
    assert_eq!(current, "aeae00000001 (head)\n");
}

#[test]
fn detected_lines_name_what_a_new_table_is_created_with() {
    let from = TempDatabase::new().unwrap();
    let to = TempDatabase::new().unwrap();
    to.connect()
        .unwrap()
        .batch_execute(
            "CREATE TABLE p (id integer PRIMARY KEY);
             CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p, code text UNIQUE,
                             n integer CONSTRAINT n_positive CHECK (n > 0));
             CREATE INDEX c_p_id ON c (p_id);",
        )
        .unwrap();
    let (code, stdout, stderr) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!(code, 2, "{stderr}");
    let detected: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("Detected"))
        .collect();
    assert_eq!(
        detected,
        [
            "Detected added table 'p'",
            "Detected added table 'c'",
            "Detected added foreign key 'c_p_id_fkey' on 'c' (p_id) referencing 'p'",
            "Detected added unique constraint 'c_code_key' on 'c' (code)",
            "Detected added check constraint 'n_positive' on 'c'",
            "Detected added index 'c_p_id' on 'c'",
        ],
        "{stdout}"
    );
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let project = Project::new("pipe");
    // Enough history to fill a pipe many times over.
    let dir = project.dir.join("migrations");
    let mut previous = String::new();
    for i in 0..3000 {
        let id = format!("ee{i:010}");
        std::fs::write(
            dir.join(format!("{id}_step.sql")),
            format!("-- step {i}\n--\n-- Revision ID: {id}\n-- Revises: {previous}\n-- Create Date: 2026-01-01 00:00:00\n\n-- migrate:upgrade\nSELECT 1;\n\n-- migrate:downgrade\nSELECT 1;\n"),
        )
        .unwrap();
        previous = id;
    }
    let mut child = Command::new(binary())
        .args(["--config", &project.config, "history"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe, as `head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let _ = stdout.read(&mut first).unwrap();
    drop(stdout);
    let output = finish_within(child, Duration::from_secs(120), &["history"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101), "{stderr}");
}

/// `diff --verify` proves the plan on a copy made on the compared database's own server (its
/// roles and extensions are there), not on some other PostgreSQL: the target grants to a role
/// that exists only on this server. (The binary runs without DATABASE_URL.)
#[test]
fn diff_verify_makes_its_copy_on_the_compared_server() {
    let from = TempDatabase::new().unwrap();
    let to = TempDatabase::new().unwrap();
    let mut admin = to.connect().unwrap();
    admin
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE model_verify_here; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             CREATE TABLE t (id integer); GRANT SELECT ON t TO model_verify_here",
        )
        .unwrap();
    from.connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (id integer)")
        .unwrap();
    let (code, stdout, stderr) =
        model_cli(&["diff", "--from", from.url(), "--to", to.url(), "--verify"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stdout.contains("GRANT SELECT ON TABLE public.t TO model_verify_here"),
        "{stdout}"
    );
    assert!(
        stderr.contains("Proven on a schema-only copy of --from"),
        "{stderr}"
    );
}

/// `redo` reverts the revision the database is at and applies it again, with the script as it
/// now is (iterating on one revision); refused at base, naming why.
#[test]
fn redo_applies_the_current_revision_again() {
    let project = Project::new("redo");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "cccc00000001",
        "create t",
        &[],
        "CREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );
    let path = project.revision(
        "cccc00000002",
        "add u",
        &[],
        "ALTER TABLE t ADD COLUMN u integer;",
        "ALTER TABLE t DROP COLUMN u;",
    );
    let (code, _, stderr) = project.run(Some(&db), &["redo"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("nothing to redo: the database is at base"),
        "{stderr}"
    );

    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    // The script changed while applied: redo runs its downgrade, then the new upgrade.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "ALTER TABLE t ADD COLUMN u integer;",
            "ALTER TABLE t ADD COLUMN u integer;\nALTER TABLE t ADD COLUMN v text;",
        )
        .replace(
            "ALTER TABLE t DROP COLUMN u;",
            "ALTER TABLE t DROP COLUMN IF EXISTS v;\nALTER TABLE t DROP COLUMN u;",
        ),
    )
    .unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["redo"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Running downgrade cccc00000002 -> cccc00000001")
            && stderr.contains("Running upgrade cccc00000001 -> cccc00000002"),
        "{stderr}"
    );
    assert_eq!(
        lines(
            &db,
            "SELECT string_agg(attname::text, ',' ORDER BY attnum) FROM pg_attribute
             WHERE attrelid = 't'::regclass AND attnum > 0 AND NOT attisdropped"
        ),
        ["id,u,v"]
    );
    assert_eq!(
        lines(&db, "SELECT version_num::text FROM model_version"),
        ["cccc00000002"]
    );

    // A protected database: an edited script is refused, as by downgrade.
    let (code, _, stderr) = project.run(Some(&db), &["protect"]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("v text", "v varchar")).unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["redo", "--allow-destructive"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("was edited after it was applied"),
        "{stderr}"
    );
}

/// `database create|drop|reset` on the configured database: created once (a second create
/// says it exists), reset to a fresh database at head, and never dropped without `--yes` off
/// a terminal, nor while protected.
#[test]
fn database_create_drop_and_reset() {
    use model_core::pg::Server;
    struct Dropped(String);
    impl Drop for Dropped {
        fn drop(&mut self) {
            let _ = model_core::pg::drop_database_of(&self.0, true);
        }
    }
    let project = Project::new("database");
    let server = Server::shared().unwrap();
    let name = format!("model_cli \"db\" {}", std::process::id());
    let url = server.url_for(&name);
    let _cleanup = Dropped(url.clone());
    project.revision(
        "dddd00000001",
        "create t",
        &[],
        "CREATE TABLE t (id integer);",
        "DROP TABLE t;",
    );
    let run = |args: &[&str]| {
        let mut all = vec!["--url", url.as_str()];
        all.extend(args);
        project.run(None, &all)
    };
    let (code, _, stderr) = run(&["database", "create"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Created the database"), "{stderr}");
    let (code, _, stderr) = run(&["database", "create"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");

    let (code, _, stderr) = run(&["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    model_core::pg::connect(&url)
        .unwrap()
        .batch_execute("INSERT INTO t VALUES (1)")
        .unwrap();
    // Off a terminal, only --yes answers.
    let (code, _, stderr) = run(&["database", "reset"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    let (code, _, stderr) = run(&["database", "reset", "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    let mut client = model_core::pg::connect(&url).unwrap();
    let rows: i64 = client
        .query_one("SELECT count(*) FROM t", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 0, "a fresh database, at head");
    drop(client);

    // Protected: never dropped.
    let (code, _, stderr) = run(&["protect"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(&["database", "drop", "--yes"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is protected"), "{stderr}");
    let (code, _, stderr) = run(&["protect", "--remove"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(&["database", "drop", "--yes", "--force"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Dropped the database"), "{stderr}");
    assert!(model_core::pg::connect(&url).is_err());
}

/// A project's own binary (here `shop-migrate`, a link to this one) says its own name in
/// `--version`, `--help` and the completion script, never `model-cli`.
#[test]
fn version_and_completions_carry_the_binarys_name() {
    let dir = std::env::temp_dir().join(format!("model-cli-name-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("shop-migrate");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(binary(), &link).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(&link).args(args).output().unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.code(),
        )
    };
    let (version, code) = run(&["--version"]);
    assert_eq!(code, Some(0));
    assert!(version.starts_with("shop-migrate "), "{version}");
    let (help, _) = run(&["--help"]);
    assert!(help.contains("Usage: shop-migrate"), "{help}");
    let (script, code) = run(&["completions", "bash"]);
    assert_eq!(code, Some(0));
    assert!(
        script.contains("shop-migrate") && !script.contains("model-cli"),
        "{}",
        &script[..script.len().min(400)]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
