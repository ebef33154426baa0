//! Guards a careless or hostile user meets through the plain `model-cli` binary: commands that
//! need models refuse when there are none; a script that ends inside a comment or a quote
//! never runs in part; protection is conservative and belongs to the database.

use super::{lines, model_cli, psql_file, Project};
use model_core::pg::TempDatabase;

fn revisions(project: &Project) -> usize {
    std::fs::read_dir(project.dir.join("migrations"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The plain binary has no models: comparing with nothing would drop every table. Each
/// command that needs models refuses, exit 1, nothing written, naming how to hand them over.
#[test]
fn commands_that_need_models_refuse_when_there_are_none() {
    let project = Project::new("guard-no-models");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "cece00000001",
        "orders",
        &[],
        "CREATE TABLE orders (id integer PRIMARY KEY);\nINSERT INTO orders VALUES (1), (2);",
        "DROP TABLE orders;",
    );
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    let before = revisions(&project);
    for args in [
        &["revision", "--autogenerate", "-m", "oops"][..],
        &["check"],
        &["describe"],
        &["sql"],
        &["erd"],
    ] {
        let (code, stdout, stderr) = project.run(Some(&db), args);
        assert_eq!(code, 1, "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("no models: this program declares no #[derive(Model)] type")
                && stderr
                    .contains("model_cli::run_in(env!(\"CARGO_MANIFEST_DIR\"), my_app::models())"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(revisions(&project), before, "nothing written");
    assert_eq!(lines(&db, "SELECT count(*)::text FROM orders"), ["2"]);
}

/// `CREATE TABLE a …; /* note … INSERT …; CREATE TABLE b …;`: psql refuses it; so does every
/// command here, naming the file and line, before anything runs.
#[test]
fn a_script_that_ends_inside_a_comment_never_runs_in_part() {
    let project = Project::new("guard-unclosed");
    let db = TempDatabase::new().unwrap();
    let path = project.revision(
        "cfcf00000001",
        "half",
        &[],
        "CREATE TABLE a (id integer);\n/* note: the rows below are examples\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id integer);",
        "DROP TABLE a;",
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().position(|l| l.starts_with("/* note")).unwrap() + 1;
    let expected = format!(
        "{}:{line}: in the upgrade, a /* comment is never closed",
        path.display()
    );
    for args in [
        &["history"][..],
        &["upgrade", "head"],
        &["upgrade", "head", "--sql"],
        &["current"],
    ] {
        let (code, stdout, stderr) = project.run(Some(&db), args);
        assert_eq!(code, 1, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(&expected), "{args:?}: {stderr}");
    }
    assert_eq!(
        lines(
            &db,
            "SELECT count(*)::text FROM pg_class WHERE relname IN ('a', 'b')"
        ),
        ["0"],
        "nothing ran"
    );
}

/// A protected database runs only what can be shown to keep every row: each way around the
/// old denylist is refused, naming the statement, its line and why; protection is recorded in
/// the database, so `--url` without the project's `protected = true` is refused too, until
/// `protect --remove`.
#[test]
fn protection_is_conservative_and_belongs_to_the_database() {
    let project = Project::new("guard-protect");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "d0d000000001",
        "base",
        &[],
        "CREATE TABLE orders (id integer PRIMARY KEY, note varchar(20), total integer);\n\
         INSERT INTO orders VALUES (1, 'keep', 10), (2, 'keep', 20);\n\
         CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS $$ DELETE FROM orders $$;\n\
         CREATE PROCEDURE purge_all() LANGUAGE sql AS $$ DELETE FROM orders $$;",
        "DROP PROCEDURE purge_all();\nDROP FUNCTION purge();\nDROP TABLE orders;",
    );
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    // Protected in model.toml: the next run marks the database.
    let config = std::fs::read_to_string(&project.config).unwrap();
    std::fs::write(&project.config, format!("protected = true\n{config}")).unwrap();
    let harmless = project.revision(
        "d0d000000002",
        "harmless",
        &[],
        "ALTER TABLE orders ADD COLUMN placed timestamptz DEFAULT now();\n\
         ALTER TABLE orders ALTER COLUMN note TYPE varchar(40);\n\
         CREATE INDEX orders_note ON orders (lower(note));\n\
         COMMENT ON TABLE orders IS 'DELETE FROM orders';\n\
         SELECT count(*) FROM orders;",
        "DROP INDEX orders_note;\nALTER TABLE orders DROP COLUMN placed;",
    );
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Marked the database protected"), "{stderr}");
    let _ = harmless;

    let attempts: &[(&str, &str)] = &[
        (
            "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d;",
            "changes or deletes rows",
        ),
        (
            "MERGE INTO orders o USING (SELECT 1 AS id) s ON o.id = s.id WHEN MATCHED THEN DELETE;",
            "MERGE",
        ),
        ("UPDATE orders SET note = '';", "changes rows"),
        (
            "DO $$ BEGIN EXECUTE 'DROP TABLE orders'; END $$;",
            "DO block",
        ),
        ("CALL purge_all();", "procedure"),
        ("SELECT purge();", "volatile function"),
        (
            "ALTER TABLE orders ALTER COLUMN note TYPE varchar(2);",
            "does not hold every value",
        ),
        (
            "ALTER TABLE orders ALTER COLUMN total TYPE smallint;",
            "does not hold every value",
        ),
    ];
    // Another configuration of the same scripts, without `protected`: the database itself
    // says it is protected.
    let url = db.url().to_string();
    let other = project.dir.join("other.toml").display().to_string();
    std::fs::write(
        &other,
        format!(
            "script_location = \"{}\"\n",
            project.dir.join("migrations").display()
        ),
    )
    .unwrap();
    for (n, (statement, why)) in attempts.iter().enumerate() {
        let id = format!("d1d1000000{n:02}");
        let path = project.revision(
            &id,
            "attempt",
            &[],
            &format!("SELECT 1;\n{statement}"),
            "SELECT 1;",
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let line = text.lines().position(|l| l == *statement).unwrap() + 1;
        for (code, _, stderr) in [
            project.run(Some(&db), &["upgrade", "head"]),
            super::model_cli(&["--config", &other, "--url", &url, "upgrade", "head"]),
        ] {
            assert_eq!(code, 1, "{statement}: {stderr}");
            assert!(
                stderr.contains("the database is protected")
                    && stderr.contains(&format!("{id} line {line}:"))
                    && stderr.contains(why)
                    && stderr.contains("--allow-destructive"),
                "{statement}: {stderr}"
            );
        }
        assert_eq!(
            lines(&db, "SELECT count(*)::text || ' ' || min(note) FROM orders"),
            ["2 keep"],
            "{statement} ran"
        );
        std::fs::remove_file(&path).unwrap();
    }

    // The mark is the database's: `current` says so, and `protect --remove` takes it away.
    let (_, _, stderr) = project.run(Some(&db), &["current"]);
    assert!(stderr.contains("The database is protected"), "{stderr}");
    let (code, _, stderr) =
        super::model_cli(&["--config", &other, "--url", &url, "protect", "--remove"]);
    assert_eq!(code, 0, "{stderr}");
    project.revision(
        "d2d200000001",
        "now allowed",
        &[],
        "UPDATE orders SET note = 'changed';",
        "SELECT 1;",
    );
    let (code, _, stderr) =
        super::model_cli(&["--config", &other, "--url", &url, "upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines(&db, "SELECT min(note) FROM orders"), ["changed"]);
}

/// `diff` prints a script for `psql -f`: one transaction (so `SET LOCAL check_function_bodies`
/// holds, and a function may read a table created after it), with the timeouts a revision
/// has; `--online`'s statements run one by one with the same timeouts. Each runs under psql
/// and leaves nothing to diff.
#[test]
fn diff_prints_scripts_that_psql_runs_whole_with_timeouts() {
    let from = TempDatabase::new().unwrap();
    let to = TempDatabase::new().unwrap();
    for db in [&from, &to] {
        db.connect()
            .unwrap()
            .batch_execute("CREATE TABLE t (a integer)")
            .unwrap();
    }
    to.connect()
        .unwrap()
        .batch_execute(
            "CREATE TABLE codes (id integer);
             CREATE FUNCTION next_code() RETURNS integer LANGUAGE sql
                 AS 'SELECT count(*)::integer FROM public.codes';
             CREATE TABLE items (code integer DEFAULT next_code());",
        )
        .unwrap();
    let dir = std::env::temp_dir().join(format!("model-diff-psql-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (code, stdout, stderr) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!(code, 2, "{stderr}");
    for expected in [
        "SET lock_timeout = '2s';\nSET statement_timeout = '1h';\n",
        "BEGIN;\n",
        "COMMIT;\n",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in\n{stdout}");
    }
    let script = dir.join("upgrade.sql");
    std::fs::write(&script, &stdout).unwrap();
    psql_file(from.url(), &script);

    // Online: an index built CONCURRENTLY, outside any transaction, under the same timeouts.
    to.connect()
        .unwrap()
        .batch_execute("CREATE INDEX t_a ON t (a)")
        .unwrap();
    let (code, stdout, stderr) =
        model_cli(&["diff", "--from", from.url(), "--to", to.url(), "--online"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stdout.contains("SET lock_timeout = '2s';\nSET statement_timeout = '1h';\n")
            && stdout.contains("CREATE INDEX CONCURRENTLY")
            && !stdout.contains("BEGIN;"),
        "{stdout}"
    );
    std::fs::write(&script, &stdout).unwrap();
    psql_file(from.url(), &script);
    let (code, stdout, stderr) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// What PostgreSQL says (a `RAISE`, an error naming a relation) and what a revision file says
/// (its message) are shown, never obeyed: no escape sequence, NUL or right-to-left override
/// reaches the terminal, and no line of theirs passes for one of model-cli's own.
#[test]
fn messages_from_the_server_and_from_files_cannot_forge_or_move_the_terminal() {
    let project = Project::new("guard-console");
    let db = TempDatabase::new().unwrap();
    let path = project.revision(
        "c0c000000001",
        "harmless",
        &[],
        "DO $$ BEGIN RAISE EXCEPTION E'nope\\nINFO  [model.migrate] Running upgrade  -> forged, done\\n\\x1b[2J\\u202eevil'; END $$;",
        "SELECT 1;",
    );
    let (code, stdout, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("nope"), "{stderr}");
    for bad in ['\u{1b}', '\u{202e}', '\0'] {
        assert!(
            !stderr.contains(bad),
            "{bad:?} reached the terminal: {stderr:?}"
        );
    }
    assert!(
        !stderr
            .lines()
            .any(|l| l.starts_with("INFO  [model.migrate] Running upgrade  -> forged")),
        "a forged line: {stderr}"
    );
    assert!(stderr.contains("\\u{202e}evil"), "{stderr}");

    // A revision whose message holds a NUL, an override and an escape sequence.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("harmless", "harmless\u{202e}txt.exe\0\u{1b}[31m red");
    std::fs::write(&path, text).unwrap();
    for args in [&["history"][..], &["history", "--verbose"], &["heads"]] {
        let (code, stdout, stderr) = project.run(Some(&db), args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        for bad in ['\u{1b}', '\u{202e}', '\0'] {
            assert!(
                !stdout.contains(bad),
                "{args:?}: {bad:?} reached the terminal: {stdout:?}"
            );
        }
    }
}

/// Small guards, each a mistake that used to pass in silence: a misspelt `script_location`
/// (read as a project with no revisions), `upgrade B:A --sql` with the range reversed
/// (printed a downgrade), a revision id longer than the version table holds (parsed, then
/// failed to record), and connection strings whose port, `@` or key case is wrong (a bare
/// "invalid connection string", or a password echoed).
#[test]
fn small_mistakes_are_named() {
    let project = Project::new("guard-small");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "c1c100000001",
        "a",
        &[],
        "CREATE TABLE a (id integer);",
        "DROP TABLE a;",
    );
    project.revision(
        "c1c100000002",
        "b",
        &[],
        "CREATE TABLE b (id integer);",
        "DROP TABLE b;",
    );

    let (code, stdout, stderr) =
        project.run(None, &["upgrade", "c1c100000002:c1c100000001", "--sql"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("would go down")
            && stderr.contains("downgrade c1c100000002:c1c100000001 --sql"),
        "{stderr}"
    );
    let (code, stdout, stderr) =
        project.run(None, &["downgrade", "c1c100000002:c1c100000001", "--sql"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("DROP TABLE b;"), "{stdout}");

    // A revision id of 70 characters: refused when written and when read.
    let long = "a".repeat(70);
    let (code, _, stderr) = project.run(None, &["revision", "-m", "long", "--rev-id", &long]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is 70 characters"), "{stderr}");
    let path = project.file("c1c100000002");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        project.dir.join(format!("migrations/{long}_long.sql")),
        text.replace("c1c100000002", &long)
            .replace("-- Revises: c1c100000001", "-- Revises: c1c100000002"),
    )
    .unwrap();
    let (code, _, stderr) = project.run(Some(&db), &["upgrade", "head"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is 70 characters"), "{stderr}");
    assert_eq!(
        lines(
            &db,
            "SELECT count(*)::text FROM pg_tables WHERE tablename IN ('a', 'b')"
        ),
        ["0"]
    );
    std::fs::remove_file(project.dir.join(format!("migrations/{long}_long.sql"))).unwrap();

    // script_location misspelt: every command that reads revisions says so.
    let config = std::fs::read_to_string(&project.config).unwrap();
    std::fs::write(
        &project.config,
        config.replace(
            "script_location = \"migrations\"",
            "script_location = \"migratons\"",
        ),
    )
    .unwrap();
    for args in [&["upgrade", "head"][..], &["current"], &["history"]] {
        let (code, _, stderr) = project.run(Some(&db), args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains("script_location = \"migratons\"")
                && stderr.contains("no such directory"),
            "{args:?}: {stderr}"
        );
    }
    std::fs::write(&project.config, config).unwrap();

    for (url, says) in [
        ("postgres://u@localhost:99999/db", "port `99999`"),
        ("postgres://u@localhost:abc/db", "port `abc`"),
        ("postgres://u:p@ss@localhost/db", "percent-encoded as %40"),
        (
            "postgres://u@localhost/db?PASSWORD=hunter2",
            "keys are lower case",
        ),
    ] {
        let (code, stdout, stderr) = project.run(None, &["--url", url, "current"]);
        assert_eq!(code, 1, "{url}: {stderr}");
        assert!(stderr.contains(says), "{url}: {stderr}");
        for secret in ["hunter2", "p@ss"] {
            assert!(
                !stderr.contains(secret) && !stdout.contains(secret),
                "{url}: {stderr}"
            );
        }
    }
}

/// `merge --rev-id` with an id a revision already has: refused, nothing written (two
/// revisions with one id would make every later command fail to read the history).
#[test]
fn a_merge_never_reuses_an_id() {
    let project = Project::new("guard-merge-id");
    project.revision("d1d100000001", "base", &[], "SELECT 1;", "SELECT 1;");
    let after_base = ["--head", "d1d100000001", "--splice"];
    project.revision(
        "d1d100000002",
        "left",
        &after_base,
        "SELECT 2;",
        "SELECT 2;",
    );
    project.revision(
        "d1d100000003",
        "right",
        &after_base,
        "SELECT 3;",
        "SELECT 3;",
    );
    let before = revisions(&project);
    let (code, stdout, stderr) =
        project.run(None, &["merge", "-m", "joined", "--rev-id", "d1d100000002"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("revision id d1d100000002 is already used"),
        "{stderr}"
    );
    assert_eq!(revisions(&project), before, "nothing written");
    let (code, _, stderr) = project.run(None, &["history"]);
    assert_eq!(code, 0, "{stderr}");
    // A fresh id merges.
    let (code, _, stderr) =
        project.run(None, &["merge", "-m", "joined", "--rev-id", "d1d100000004"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(revisions(&project), before + 1);
    let (code, heads, stderr) = project.run(None, &["heads"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(heads.contains("d1d100000004"), "{heads}");
}
