//! The second line of defence against an autogenerate that would drop what nobody asked to
//! drop: every table of the database, or a table holding rows that no revision of the project
//! created (the models may simply be missing it). Refused, nothing written, unless the user
//! says so with `--drop-undeclared`.

use std::path::Path;
use std::process::ExitCode;

use model_core::models;

use crate::support::{fresh_database, lines};
use crate::workflow::{project_dir, run, scripts};

/// A project with the seed's three revisions, its database at head.
fn seed_project(name: &str) -> (std::path::PathBuf, model_core::pg::TempDatabase) {
    let dir = project_dir(name);
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ecommerce/migrations");
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.join("migrations").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let db = fresh_database();
    assert_eq!(
        run(
            &dir,
            &["--url", db.url(), "upgrade", "head"],
            ecommerce::models()
        ),
        ExitCode::SUCCESS
    );
    (dir, db)
}

#[test]
fn a_table_with_rows_that_no_revision_created_is_not_dropped_unasked() {
    let (dir, db) = seed_project("guard-undeclared");
    let mut client = db.connect().unwrap();
    client
        .batch_execute(
            "CREATE TABLE legacy (id integer); INSERT INTO legacy VALUES (1);
             CREATE TABLE scratch (id integer);",
        )
        .unwrap();
    let before = scripts(&dir).len();
    let autogenerate = |extra: &[&str]| {
        let mut args = vec!["--url", db.url(), "revision", "--autogenerate", "-m", "x"];
        args.extend(extra);
        run(&dir, &args, ecommerce::models())
    };
    // `scratch` is empty and `legacy` holds a row nobody's revision made: refused.
    assert_eq!(autogenerate(&[]), ExitCode::FAILURE);
    assert_eq!(scripts(&dir).len(), before, "nothing written");
    // Emptied, it is the models' to drop.
    client.batch_execute("DELETE FROM legacy").unwrap();
    let seed = scripts(&dir);
    assert_eq!(autogenerate(&["--no-verify"]), ExitCode::SUCCESS);
    let new: Vec<_> = scripts(&dir)
        .into_iter()
        .filter(|p| !seed.contains(p))
        .collect();
    assert_eq!(new.len(), 1);
    let written = std::fs::read_to_string(&new[0]).unwrap();
    assert!(written.contains("DROP TABLE public.legacy"), "{written}");
    std::fs::remove_file(&new[0]).unwrap();
    // With a row again, and the user's word: written.
    client
        .batch_execute("INSERT INTO legacy VALUES (2)")
        .unwrap();
    assert_eq!(
        autogenerate(&["--no-verify", "--drop-undeclared"]),
        ExitCode::SUCCESS
    );
    assert_eq!(scripts(&dir).len(), before + 1);
    assert_eq!(lines(&mut client, "SELECT count(*) FROM legacy"), ["1"]);
}

#[test]
fn a_plan_that_drops_every_table_is_not_written_unasked() {
    let (dir, db) = seed_project("guard-every");
    db.connect()
        .unwrap()
        .batch_execute(
            "INSERT INTO customers (first_name, last_name, email_address) VALUES ('a', 'b', 'c')",
        )
        .unwrap();
    let before = scripts(&dir).len();
    // Models that declare none of the database's tables (a model set of another project).
    let other = || models![crate::render::Awkward];
    let code = run(
        &dir,
        &[
            "--url",
            db.url(),
            "revision",
            "--autogenerate",
            "-m",
            "x",
            "--no-verify",
        ],
        other(),
    );
    assert_eq!(code, ExitCode::FAILURE);
    assert_eq!(scripts(&dir).len(), before, "nothing written");
    let code = run(
        &dir,
        &[
            "--url",
            db.url(),
            "revision",
            "--autogenerate",
            "-m",
            "x",
            "--no-verify",
            "--drop-undeclared",
        ],
        other(),
    );
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(scripts(&dir).len(), before + 1);
}

/// When the models and the database agree, autogenerate writes nothing, unless asked for an
/// empty revision.
#[test]
fn autogenerate_with_nothing_to_do_writes_nothing_unless_allowed() {
    let (dir, db) = seed_project("guard-nothing");
    let before = scripts(&dir).len();
    let autogenerate = |extra: &[&str]| {
        let mut args = vec![
            "--url",
            db.url(),
            "revision",
            "--autogenerate",
            "-m",
            "nothing",
        ];
        args.extend(extra);
        run(&dir, &args, ecommerce::models())
    };
    assert_eq!(autogenerate(&[]), ExitCode::SUCCESS);
    assert_eq!(scripts(&dir).len(), before);
    assert_eq!(
        autogenerate(&["--allow-empty", "--rev-id", "cfcf00000002"]),
        ExitCode::SUCCESS
    );
    let written = scripts(&dir)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("cfcf00000002"))
        .unwrap();
    let text = std::fs::read_to_string(written).unwrap();
    assert!(text.contains("-- Write the upgrade here."), "{text}");
}
