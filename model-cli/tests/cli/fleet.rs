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

/// `check --format json` over a fleet: which targets are not at head, which differ from the
/// models (the binary alone has no models, so a database at head differs by its tables), and
/// which could not be read; exit 2 on drift.
#[test]
fn check_reports_each_targets_drift_as_json() {
    let project = seed_project("fleet-check");
    let dbs: Vec<TempDatabase> = (0..3).map(|_| fresh()).collect();
    let (code, _, stderr) = project.run(Some(&dbs[0]), &["upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    let file = targets_file(&project, &dbs.iter().collect::<Vec<_>>());
    let (code, stdout, stderr) =
        project.run(None, &["--targets", &file, "check", "--format", "json"]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["heads"], serde_json::json!([HEAD]));
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 3);
    assert_eq!(targets[0]["at_head"], true);
    assert_eq!(targets[0]["differs_from_models"], true);
    assert!(targets[0]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d.as_str().unwrap().contains("customers")));
    for t in &targets[1..] {
        assert_eq!(t["at_head"], false);
        assert_eq!(t["current"], serde_json::json!([]));
        assert!(t["error"].is_null());
    }
}
