//! Fleets: one command over many databases (`--targets FILE`) and tenant schemas
//! (`[fleets.NAME]` with `tenants = "tenant_*"`), on a pool of `--jobs` connections, with
//! the stop, keep-going and canary policies, one table and one exit status.

use std::path::Path;

use model_core::pg::TempDatabase;

use super::{fresh, lines, Project};

const HEAD: &str = "6e58a26e5c70";

/// A project whose revisions are the seed example's (written for schema `public`).
fn seed_project(name: &str) -> Project {
    let project = Project::new(name);
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ecommerce/migrations");
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            project
                .dir
                .join("migrations")
                .join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    project
}

/// A targets file listing `dbs` (with a comment and a blank line, which are skipped).
fn targets_file(project: &Project, dbs: &[&TempDatabase]) -> String {
    let mut text = String::from("# the fleet\n\n");
    for db in dbs {
        text.push_str(db.url());
        text.push('\n');
    }
    let path = project.dir.join("targets.txt");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn version(db: &TempDatabase, table: &str) -> Vec<String> {
    let exists = lines(
        db,
        &format!(
            "SELECT (to_regclass({}) IS NOT NULL)::text",
            model_core::sql::quote_literal(table)
        ),
    );
    if exists != ["true"] {
        return vec!["no version table".into()];
    }
    lines(
        db,
        &format!("SELECT coalesce(string_agg(version_num, ','), 'base') FROM {table}"),
    )
}

/// 20 databases with `--jobs 8`: every one reaches head, the table lists each once, and a
/// second run applies nothing.
#[test]
fn twenty_databases_upgrade_in_parallel_and_a_second_run_applies_nothing() {
    let project = seed_project("fleet-dbs");
    let dbs: Vec<TempDatabase> = (0..20).map(|_| fresh()).collect();
    let file = targets_file(&project, &dbs.iter().collect::<Vec<_>>());
    let (code, stdout, stderr) = project.run(
        None,
        &["--targets", &file, "--jobs", "8", "upgrade", "head"],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("20 target(s): 20 ok, 0 failed, 0 skipped"),
        "{stdout}"
    );
    assert!(stdout.starts_with("TARGET"), "{stdout}");
    for db in &dbs {
        assert_eq!(version(db, "model_version"), [HEAD]);
        let row: Vec<&str> = stdout.lines().filter(|l| l.contains(db.name())).collect();
        assert_eq!(row.len(), 1, "{stdout}");
        assert!(row[0].contains(&format!("base  {HEAD}")), "{stdout}");
    }
    // Without a terminal, a plain line per finished target.
    assert_eq!(
        stderr.matches("INFO  [model.fleet] [").count(),
        20,
        "{stderr}"
    );

    let (code, stdout, stderr) = project.run(
        None,
        &["--targets", &file, "--jobs", "8", "upgrade", "head"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.matches("ok (nothing to do)").count(), 20, "{stdout}");
    assert!(!stderr.contains("Running upgrade"), "{stderr}");

    let (code, stdout, _) = project.run(None, &["--targets", &file, "current"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.matches("at head").count(), 20, "{stdout}");
}

/// 50 tenant schemas of one database (one of them with a hostile name), named by a pattern in
/// model.toml: the seed's scripts, written for `public`, create every table in every tenant's
/// schema, with its own version table, and nothing anywhere else; keys reference their own
/// tenant's tables. Downgrading the fleet takes every tenant back to base.
#[test]
fn fifty_tenant_schemas_get_the_revisions_and_nothing_leaks() {
    let project = seed_project("fleet-tenants");
    let db = fresh();
    let mut setup = String::from("CREATE SCHEMA other;");
    for n in 1..50 {
        setup.push_str(&format!("CREATE SCHEMA tenant_{n:02};"));
    }
    setup.push_str(r#"CREATE SCHEMA "tenant_Ünï ""q"" ; --";"#);
    db.connect().unwrap().batch_execute(&setup).unwrap();
    let mut config = std::fs::read_to_string(&project.config).unwrap();
    config.push_str(&format!(
        "\n[fleets.tenants]\nurls = ['{}']\ntenants = \"tenant_*\"\njobs = 8\n",
        db.url()
    ));
    std::fs::write(&project.config, config).unwrap();

    let (code, stdout, stderr) = project.run(None, &["--fleet", "tenants", "upgrade", "head"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("50 target(s): 50 ok, 0 failed, 0 skipped"),
        "{stdout}"
    );
    // Six tables and three version tables in each tenant's schema, and nothing elsewhere.
    let per_schema = lines(
        &db,
        "SELECT n.nspname || ' ' || count(c.oid) FROM pg_namespace n
         LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind = 'r'
         WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
         GROUP BY n.nspname ORDER BY 1",
    );
    assert_eq!(per_schema.len(), 52, "{per_schema:?}");
    for line in &per_schema {
        let (schema, count) = line.rsplit_once(' ').unwrap();
        let expected = if schema.starts_with("tenant_") {
            "9"
        } else {
            "0"
        };
        assert_eq!(count, expected, "{line}");
    }
    // Every foreign key references a table of its own schema.
    assert_eq!(
        lines(
            &db,
            "SELECT count(*)::text FROM pg_constraint k
             JOIN pg_class a ON a.oid = k.conrelid JOIN pg_class b ON b.oid = k.confrelid
             WHERE k.contype = 'f' AND a.relnamespace <> b.relnamespace"
        ),
        ["0"]
    );
    assert_eq!(
        lines(
            &db,
            "SELECT count(*)::text FROM pg_constraint WHERE contype = 'f'"
        ),
        ["250"]
    );
    assert_eq!(version(&db, "tenant_07.model_version"), [HEAD]);
    assert_eq!(
        version(&db, r#""tenant_Ünï ""q"" ; --".model_version"#),
        [HEAD]
    );

    // A second run applies nothing.
    let (code, stdout, stderr) = project.run(None, &["--fleet", "tenants", "upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.matches("ok (nothing to do)").count(), 50, "{stdout}");

    let (code, stdout, stderr) = project.run(
        None,
        &["--fleet", "tenants", "--jobs", "4", "downgrade", "base"],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(
        lines(
            &db,
            "SELECT count(*)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND n.nspname LIKE 'tenant%'
               AND c.relname NOT LIKE 'model_version%'"
        ),
        ["0"]
    );
}

/// One target in a broken state (a table created by hand where a revision creates it):
/// - keep going: it fails, named with PostgreSQL's reason, and the others reach head;
/// - the default: no target starts after it failed;
/// - a canary of two that includes it: nothing runs after the canary.
#[test]
fn a_broken_target_fails_by_name_and_the_policy_decides_the_rest() {
    let project = seed_project("fleet-broken");
    let break_it = |db: &TempDatabase| {
        db.connect()
            .unwrap()
            .batch_execute("CREATE TABLE public.tags (made_by_hand integer)")
            .unwrap()
    };

    // Keep going.
    let dbs: Vec<TempDatabase> = (0..6).map(|_| fresh()).collect();
    break_it(&dbs[2]);
    let file = targets_file(&project, &dbs.iter().collect::<Vec<_>>());
    let (code, stdout, stderr) = project.run(
        None,
        &[
            "--targets",
            &file,
            "--jobs",
            "3",
            "--keep-going",
            "upgrade",
            "head",
        ],
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("6 target(s): 5 ok, 1 failed, 0 skipped"),
        "{stdout}"
    );
    let failed: Vec<&str> = stdout.lines().filter(|l| l.contains("FAILED")).collect();
    assert_eq!(failed.len(), 1, "{stdout}");
    assert!(failed[0].contains(dbs[2].name()), "{stdout}");
    // Its row says where it started and where it stopped: the first revision applied, the
    // second failed (and was rolled back).
    let cells: Vec<&str> = failed[0]
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(cells[1..3], ["base", "960969e75871"], "{stdout}");
    assert!(
        stderr.contains(dbs[2].name()) && stderr.contains("already exists"),
        "{stderr}"
    );
    for (i, db) in dbs.iter().enumerate() {
        let expected = if i == 2 { "960969e75871" } else { HEAD };
        assert_eq!(version(db, "model_version"), [expected], "target {i}");
    }

    // Stop at the first failure (the default), one at a time: the broken second target
    // stops the run; the ones after it are skipped, untouched.
    let dbs: Vec<TempDatabase> = (0..5).map(|_| fresh()).collect();
    break_it(&dbs[1]);
    let file = targets_file(&project, &dbs.iter().collect::<Vec<_>>());
    let (code, stdout, _) = project.run(
        None,
        &["--targets", &file, "--jobs", "1", "upgrade", "head"],
    );
    assert_eq!(code, 1);
    assert!(
        stdout.contains("5 target(s): 1 ok, 1 failed, 3 skipped"),
        "{stdout}"
    );
    assert_eq!(version(&dbs[0], "model_version"), [HEAD]);
    for db in &dbs[2..] {
        assert_eq!(version(db, "model_version"), ["no version table"]);
    }

    // A canary of two, the broken one among them: nothing after the canary runs.
    let dbs: Vec<TempDatabase> = (0..6).map(|_| fresh()).collect();
    break_it(&dbs[1]);
    let file = targets_file(&project, &dbs.iter().collect::<Vec<_>>());
    let (code, stdout, stderr) = project.run(
        None,
        &[
            "--targets",
            &file,
            "--jobs",
            "4",
            "--canary",
            "2",
            "--keep-going",
            "upgrade",
            "head",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        stdout.contains("6 target(s): 1 ok, 1 failed, 4 skipped"),
        "{stdout}"
    );
    assert!(stderr.contains("A canary target failed"), "{stderr}");
    for db in &dbs[2..] {
        assert_eq!(version(db, "model_version"), ["no version table"]);
    }
    // The same canary without the broken target: the rest follow.
    let (code, stdout, _) = project.run(
        None,
        &[
            "--targets",
            &file,
            "--jobs",
            "4",
            "--canary",
            "1",
            "--keep-going",
            "upgrade",
            "head",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        stdout.contains("6 target(s): 5 ok, 1 failed, 0 skipped"),
        "{stdout}"
    );
}

/// `diff --targets FILE --to REF`: each target against the reference, each distinct plan
/// printed once with the targets it is for; exit 2 when any differs.
#[test]
fn diff_prints_each_distinct_plan_once_with_its_targets() {
    let project = Project::new("fleet-diff");
    let reference = fresh();
    reference
        .connect()
        .unwrap()
        .batch_execute("CREATE TABLE a (x integer)")
        .unwrap();
    let dbs: Vec<TempDatabase> = (0..3).map(|_| fresh()).collect();
    dbs[2]
        .connect()
        .unwrap()
        .batch_execute("CREATE TABLE a (x integer)")
        .unwrap();
    let file = targets_file(&project, &dbs.iter().collect::<Vec<_>>());
    let (code, stdout, stderr) = project.run(
        None,
        &[
            "--targets",
            &file,
            "diff",
            "--to",
            reference.url(),
            "--schema",
            "public",
        ],
    );
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("-- For 2 target(s):").count(), 1, "{stdout}");
    assert_eq!(
        stdout.matches("CREATE TABLE public.a").count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains(dbs[0].name()) && stdout.contains(dbs[1].name()));
    assert!(!stdout.contains(dbs[2].name()), "{stdout}");
    assert!(
        stderr.contains("3 target(s): 1 the same as --to, 2 differ (1 distinct plan), 0 failed"),
        "{stderr}"
    );
    // All the same: exit 0.
    let same = targets_file(&project, &[&dbs[2]]);
    let (code, stdout, _) = project.run(
        None,
        &[
            "--targets",
            &same,
            "diff",
            "--to",
            reference.url(),
            "--schema",
            "public",
        ],
    );
    assert_eq!(code, 0, "{stdout}");
}

/// `diff --fleet` over tenant schemas: each tenant, read as the scripts' schema, against the
/// reference's `public`; tenants in the same state share one plan, written for `public`; a
/// tenant's other objects never show as another tenant's.
#[test]
fn diff_over_tenant_schemas_groups_them_by_plan() {
    let project = Project::new("fleet-diff-tenants");
    let reference = fresh();
    reference
        .connect()
        .unwrap()
        .batch_execute("CREATE TABLE a (x integer, y text)")
        .unwrap();
    let db = fresh();
    db.connect()
        .unwrap()
        .batch_execute(
            r#"CREATE SCHEMA tenant_1; CREATE SCHEMA tenant_2; CREATE SCHEMA "tenant_Q ; --";
               CREATE SCHEMA tenant_4; CREATE SCHEMA other;
               CREATE TABLE tenant_1.a (x integer);
               CREATE TABLE tenant_2.a (x integer);
               CREATE TABLE "tenant_Q ; --".a (x integer, y text);
               CREATE TABLE tenant_4.a (x integer, y text);
               CREATE TABLE tenant_4.b (z integer);
               CREATE TABLE other.a (x integer)"#,
        )
        .unwrap();
    let mut config = std::fs::read_to_string(&project.config).unwrap();
    config.push_str(&format!(
        "\n[fleets.tenants]\nurls = ['{}']\ntenants = \"tenant_*\"\n",
        db.url()
    ));
    std::fs::write(&project.config, config).unwrap();
    let (code, stdout, stderr) = project.run(
        None,
        &["--fleet", "tenants", "diff", "--to", reference.url()],
    );
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("4 target(s): 1 the same as --to, 3 differ (2 distinct plan"),
        "{stderr}"
    );
    // tenant_1 and tenant_2 lack the column: one plan for both, in the scripts' schema.
    assert_eq!(stdout.matches("-- For 2 target(s):").count(), 1, "{stdout}");
    assert_eq!(
        stdout
            .matches("ALTER TABLE public.a ADD COLUMN y text")
            .count(),
        1,
        "{stdout}"
    );
    // tenant_4 has a table too many: dropped, as public.b.
    assert_eq!(stdout.matches("DROP TABLE public.b").count(), 1, "{stdout}");
    assert!(
        !stdout.contains("tenant_1.") && !stdout.contains("other"),
        "{stdout}"
    );
}

/// Where targets come from: a query on a control database (a tenants table), `${VAR}` in
/// model.toml; and what goes wrong there is a clear error: an unknown fleet, a missing file,
/// an unset variable, a target that does not answer (named, the others done), a password
/// never printed.
#[test]
fn targets_from_a_query_and_variables_and_clear_errors() {
    let project = seed_project("fleet-sources");
    let control = fresh();
    let dbs: Vec<TempDatabase> = (0..3).map(|_| fresh()).collect();
    let mut client = control.connect().unwrap();
    client
        .batch_execute("CREATE TABLE tenants (id int, url text, active boolean)")
        .unwrap();
    for (i, db) in dbs.iter().enumerate() {
        client
            .execute(
                "INSERT INTO tenants VALUES ($1, $2, $3)",
                &[&(i as i32), &db.url(), &(i != 1)],
            )
            .unwrap();
    }
    let mut config = std::fs::read_to_string(&project.config).unwrap();
    config.push_str(&format!(
        "\n[fleets.active]\nquery = \"SELECT url FROM tenants WHERE active ORDER BY id\"\nquery_url = '{}'\n\
         \n[fleets.shards]\nurls = [\"${{SHARD_A}}\", \"${{SHARD_B}}\"]\n",
        control.url()
    ));
    std::fs::write(&project.config, config).unwrap();
    let config = project.config.clone();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["--config", config.as_str()];
        all.extend_from_slice(args);
        super::model_cli_env(&all, env)
    };

    let (code, stdout, stderr) = run(&["--fleet", "active", "upgrade"], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("2 target(s): 2 ok"), "{stdout}");
    assert_eq!(version(&dbs[0], "model_version"), [HEAD]);
    assert_eq!(version(&dbs[1], "model_version"), ["no version table"]);

    let (code, stdout, stderr) = run(
        &["--fleet", "shards", "current"],
        &[("SHARD_A", dbs[0].url()), ("SHARD_B", dbs[1].url())],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.matches("not at head").count(), 1, "{stdout}");
    assert_eq!(stdout.matches(" at head").count(), 2, "{stdout}");

    let (code, _, stderr) = run(&["--fleet", "shards", "current"], &[("SHARD_A", "x")]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("SHARD_B") && stderr.contains("not set"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["--fleet", "nope", "upgrade"], &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no fleet `nope`") && stderr.contains("active, shards"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["--targets", "/nonexistent/targets.txt", "upgrade"], &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("/nonexistent/targets.txt"), "{stderr}");

    // A target that never answers (a listening socket that accepts and says nothing), with a
    // password in its URL: it fails by name after the connect timeout, the others finish, and
    // the password is printed nowhere.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let dead = format!("postgres://app:s3cr3t-pw@127.0.0.1:{port}/x?connect_timeout=2");
    std::fs::write(
        project.dir.join("mixed.txt"),
        format!("{}\n{dead}\n{}\n", dbs[1].url(), dbs[2].url()),
    )
    .unwrap();
    let file = project.dir.join("mixed.txt").display().to_string();
    let (code, stdout, stderr) = run(&["--targets", &file, "--keep-going", "upgrade"], &[]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("3 target(s): 2 ok, 1 failed"), "{stdout}");
    assert!(
        !stdout.contains("s3cr3t") && !stderr.contains("s3cr3t"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    drop(silent);
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), progress is one status line
/// redrawn in place (counts of done, failed, running and pending targets), cleared before
/// the table.
#[test]
fn on_a_terminal_progress_is_one_line_redrawn() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("util-linux `script` is not installed: the terminal display was not tried");
        return;
    }
    let project = seed_project("fleet-tty");
    let dbs: Vec<TempDatabase> = (0..4).map(|_| fresh()).collect();
    let file = targets_file(&project, &dbs.iter().collect::<Vec<_>>());
    let command = format!(
        "{} --config {} --targets {} --jobs 2 upgrade",
        super::binary(),
        project.config,
        file
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("\r\x1b[2Kupgrade: "), "{text:?}");
    assert!(
        text.contains("4 done · 0 failed · 0 running · 0 pending"),
        "{text:?}"
    );
    assert!(!text.contains("INFO  [model.fleet] ["), "{text:?}");
    assert!(text.contains("4 target(s): 4 ok"), "{text:?}");
}
