//! `model-cli codegen` round trips: models generated from the seed's database and from the
//! team's generated workload (1,000 tables, enums, identities, defaults, named keys, unique
//! constraints, checks, partial and multi-column indexes) are checked in below, compiled as
//! part of this crate, and must (1) be exactly what `codegen` writes today and (2) make
//! `check` find no difference with the database they came from.
//!
//! `MODEL_CODEGEN_UPDATE=1 cargo test -p model-tests --test it codegen` rewrites them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use model_core::{ModelSet, ModelSetError};

use crate::support::{fresh_database, generated_workload, load_statements};
use crate::workflow::{project_dir, run};

#[path = "codegen/seed.rs"]
#[allow(dead_code)]
mod seed;

#[path = "codegen/objects.rs"]
#[allow(dead_code)]
mod objects;

#[path = "codegen/hostile.rs"]
#[allow(dead_code)]
mod hostile;

#[path = "codegen/workload.rs"]
#[allow(dead_code)]
mod workload;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("it/codegen")
        .join(name)
}

/// Generates from `url`, compares with the checked-in `file` (or rewrites it), then checks
/// the database against the compiled copy's models in the project `project` (whose
/// revisions the database is at).
fn round_trip(
    url: &str,
    file: &str,
    models: fn() -> Result<ModelSet, ModelSetError>,
    project: Option<&Path>,
) {
    round_trip_in(url, file, models, project, &["public"]);
}

/// [`round_trip`] for the given schemas.
fn round_trip_in(
    url: &str,
    file: &str,
    models: fn() -> Result<ModelSet, ModelSetError>,
    project: Option<&Path>,
    schemas: &[&str],
) {
    let dir = project_dir(&format!("codegen-{}", file.replace('.', "-")));
    let config = dir.join("model.toml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("schemas = [\"public\"]", &format!("schemas = {schemas:?}"));
    std::fs::write(&config, text).unwrap();
    let out = dir.join("models.rs");
    let mut args = vec!["--url", url, "codegen", "--out", out.to_str().unwrap()];
    for schema in schemas {
        args.extend(["--schema", schema]);
    }
    let code = run(&dir, &args, ModelSet::new([]));
    assert_eq!(code, ExitCode::SUCCESS);
    let generated = std::fs::read_to_string(&out).unwrap();
    // rustfmt leaves it as it is (when rustfmt is installed, as with rustup's default profile).
    if let Ok(output) = std::process::Command::new("rustfmt")
        .args(["--edition", "2021", "--check"])
        .arg(&out)
        .output()
    {
        assert!(
            output.status.success(),
            "not rustfmt-clean:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    if std::env::var_os("MODEL_CODEGEN_UPDATE").is_some() {
        std::fs::write(fixture(file), &generated).unwrap();
    } else {
        let checked_in = std::fs::read_to_string(fixture(file)).unwrap();
        assert!(
            checked_in == generated,
            "tests/it/codegen/{file} is not what codegen writes today (MODEL_CODEGEN_UPDATE=1 rewrites it)"
        );
    }
    // The compiled models describe the database exactly.
    assert_eq!(
        run(project.unwrap_or(&dir), &["--url", url, "check"], models()),
        ExitCode::SUCCESS
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn codegen_round_trips_the_seeds_database() {
    let db = fresh_database();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ecommerce");
    assert_eq!(
        run(
            &example,
            &["--url", db.url(), "upgrade", "head"],
            ecommerce::models()
        ),
        ExitCode::SUCCESS
    );
    round_trip(db.url(), "seed.rs", seed::models, Some(&example));
    // The relationships the seed declares by hand are found: both directions, and the
    // association table as `secondary`.
    let text = std::fs::read_to_string(fixture("seed.rs")).unwrap();
    for expected in [
        "#[model(relationship(back_populates = customer))]\n    pub orders: Vec<Order>,",
        "#[model(relationship(secondary = ProductTag, back_populates = products))]\n    pub tags: Vec<Tag>,",
        "pub customer: Option<Box<Customer>>,",
    ] {
        assert!(text.contains(expected), "no `{expected}` in\n{text}");
    }
}

#[test]
fn codegen_round_trips_a_generated_workload() {
    let n = 1000;
    let (sql, _) = generated_workload(n);
    let db = fresh_database();
    load_statements(&mut db.connect().unwrap(), &sql);
    round_trip(db.url(), "workload.rs", workload::models, None);
}

/// Beyond tables: a serial column and its sequence, a standalone sequence, an enum label with a
/// space, a quoted column name, a collation, an expression index, comments, a self-reference,
/// functions, a trigger, a view, row-level security, a policy, grants and a statistics object.
#[test]
fn codegen_round_trips_views_functions_policies_and_grants() {
    let db = fresh_database();
    db.connect()
        .unwrap()
        .batch_execute(
            r#"DO $$ BEGIN CREATE ROLE codegen_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
               CREATE TYPE mood AS ENUM ('happy', 'on hold');
               CREATE SEQUENCE invoice_numbers START 1000 INCREMENT 5;
               CREATE TABLE accounts (id serial PRIMARY KEY, owner text NOT NULL, mood mood,
                   "Weird Name" integer, balance numeric(12,2) DEFAULT 0 CHECK (balance >= 0));
               CREATE TABLE entries (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                   account integer NOT NULL REFERENCES accounts, parent bigint REFERENCES entries,
                   memo text COLLATE "C", amount numeric, UNIQUE (account, id));
               CREATE INDEX entries_memo_lower ON entries (lower(memo)) WHERE memo IS NOT NULL;
               COMMENT ON TABLE accounts IS 'the accounts';
               COMMENT ON COLUMN accounts.owner IS 'who "owns" it';
               CREATE FUNCTION total(a integer) RETURNS numeric LANGUAGE sql STABLE
                   AS $f$ SELECT sum(amount) FROM entries WHERE account = a $f$;
               CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN NEW; END $f$;
               CREATE TRIGGER entries_touch BEFORE UPDATE ON entries FOR EACH ROW EXECUTE FUNCTION touch();
               CREATE VIEW account_totals AS SELECT a.id, sum(e.amount) AS total
                   FROM accounts a LEFT JOIN entries e ON e.account = a.id GROUP BY a.id;
               ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
               CREATE POLICY accounts_mine ON accounts FOR SELECT USING (owner = current_user);
               GRANT SELECT, INSERT ON accounts TO codegen_reader;
               GRANT SELECT (memo) ON entries TO codegen_reader;
               CREATE STATISTICS entries_account_memo (dependencies) ON account, (lower(memo)) FROM entries;
               ALTER STATISTICS entries_account_memo SET STATISTICS 250;
               COMMENT ON STATISTICS entries_account_memo IS 'memos follow "accounts"';"#,
        )
        .unwrap();
    round_trip(db.url(), "objects.rs", objects::models, None);
}

/// Names that are Rust's or the file's own (`Option`, `Result`, `Model`, `Enum`, `self`, `_`),
/// two columns with one identifier, names with dots, commas, parentheses, quotes, `$$`, `--`,
/// newlines and non-ASCII: the generated file compiles (it is part of this crate) and `check`
/// finds the database it came from exactly.
#[test]
fn codegen_round_trips_hostile_names() {
    let db = fresh_database();
    db.connect()
        .unwrap()
        .batch_execute(include_str!("codegen/hostile.sql"))
        .unwrap();
    round_trip_in(
        db.url(),
        "hostile.rs",
        hostile::models,
        None,
        &["public", "s.x"],
    );
}
