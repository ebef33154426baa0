//! Property test of `codegen` on hostile names: random databases (seeded, so a failure can be
//! replayed) whose schemas, tables, columns, enum types, labels, views, sequences, indexes and
//! comments are named with Rust's own names (`Option`, `Self`, `_`, `type`), the generated
//! file's names (`Model`, `Enum`, `models`), dots, commas, parentheses, quotes, `$$`, `--`,
//! newlines, spaces and non-ASCII. Each database's generated models are compiled (one crate,
//! one build, in the workspace's target directory so nothing is built twice) and `check` with
//! them must find the database exactly as it is.
//!
//! `MODEL_CODEGEN_CASES=40` runs more databases (default 4); `MODEL_CODEGEN_SEED=7` replays one.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use model_core::render::{quote_ident, quote_literal};
use model_core::ModelSet;

use crate::support::{db_message, fresh_database, Rng};
use crate::workflow::{project_dir, run};

/// Whole names a user could have.
const NAMES: &[&str] = &[
    "Option",
    "Result",
    "Model",
    "ModelSet",
    "ModelSetError",
    "Enum",
    "Vec",
    "String",
    "Box",
    "Some",
    "None",
    "Self",
    "self",
    "_",
    "__",
    "Name",
    "name",
    "NAME",
    "a.b",
    "x.y.z",
    "c,d",
    "(e)",
    "f(x)",
    "we\nird",
    "$$",
    "--",
    ";",
    "'",
    "\"",
    "\"q\"",
    "my table",
    " padded ",
    "日本",
    "ä",
    "type",
    "r#type",
    "order",
    "user",
    "select",
    "models",
    "std",
    "crate",
    "super",
    "T",
    "1abc",
    "id",
    "Id",
    "ID",
    "it's",
    "back\\slash",
    "tab\there",
    "Ω",
];

/// Pieces random names are made of.
const PIECES: &[&str] = &[
    "a", "B", "id", ".", ",", "(", ")", "\"", "'", " ", "$$", "--", ";", "\n", "_", "ü", "日",
    "Self", "Option", "1", "x", "Model", "*/", "/*", "\\",
];

const TYPES: &[&str] = &[
    "integer",
    "bigint",
    "text",
    "boolean",
    "character varying(10)",
];

/// A fresh name (not in `taken`, then taken): one of [`NAMES`] or a few pieces, at most 40
/// bytes, never one PostgreSQL would also give an object it makes itself (`…_pkey`, `…_seq`).
fn fresh(rng: &mut Rng, taken: &mut BTreeSet<String>) -> String {
    loop {
        let name = if rng.chance(50) {
            rng.pick(NAMES).to_string()
        } else {
            let n = 1 + rng.below(3);
            (0..n).map(|_| *rng.pick(PIECES)).collect()
        };
        let derived = ["_pkey", "_key", "_seq", "_fkey", "_idx", "_check"]
            .iter()
            .any(|s| name.ends_with(s));
        if name.len() <= 40 && !derived && taken.insert(name.clone()) {
            return name;
        }
    }
}

/// One random database: the SQL that makes it and the schemas it uses.
fn database(seed: u64) -> (String, Vec<String>) {
    let rng = &mut Rng::new(seed);
    let mut sql = String::new();
    let mut schemas = vec!["public".to_string()];
    if rng.chance(50) {
        let mut taken = BTreeSet::from(["public".to_string()]);
        let mut schema = fresh(rng, &mut taken);
        while schema.starts_with("pg_") {
            schema = fresh(rng, &mut taken);
        }
        let _ = writeln!(sql, "CREATE SCHEMA {};", quote_ident(&schema));
        schemas.push(schema);
    }
    for schema in schemas.clone() {
        let q = |name: &str| format!("{}.{}", quote_ident(&schema), quote_ident(name));
        // Tables, views, sequences, indexes and types share one namespace per schema.
        let relations = &mut BTreeSet::new();
        let mut enums: Vec<String> = Vec::new();
        for _ in 0..rng.below(3) {
            let name = fresh(rng, relations);
            let labels = &mut BTreeSet::new();
            let count = 1 + rng.below(4);
            let mut list: Vec<String> = (0..count).map(|_| fresh(rng, labels)).collect();
            if rng.chance(20) {
                list.push(String::new());
            }
            let list: Vec<String> = list.iter().map(|l| quote_literal(l)).collect();
            let _ = writeln!(
                sql,
                "CREATE TYPE {} AS ENUM ({});",
                q(&name),
                list.join(", ")
            );
            enums.push(q(&name));
        }
        // Tables with an integer primary key, which later tables may reference.
        let mut keyed: Vec<String> = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let table = fresh(rng, relations);
            let columns = &mut BTreeSet::new();
            let mut defs = Vec::new();
            let mut names = Vec::new();
            let key = rng.chance(80).then(|| fresh(rng, columns));
            if let Some(key) = &key {
                defs.push(format!("{} integer PRIMARY KEY", quote_ident(key)));
            }
            for _ in 0..1 + rng.below(5) {
                let column = fresh(rng, columns);
                let ty = if !enums.is_empty() && rng.chance(30) {
                    let e = rng.pick(&enums).clone();
                    if rng.chance(30) {
                        format!("{e}[]")
                    } else {
                        e
                    }
                } else if !keyed.is_empty() && rng.chance(30) {
                    let target = rng.pick(&keyed).clone();
                    format!("integer REFERENCES {target}")
                } else {
                    rng.pick(TYPES).to_string()
                };
                let unique = if rng.chance(15) { " UNIQUE" } else { "" };
                let not_null = if rng.chance(20) { " NOT NULL" } else { "" };
                defs.push(format!("{} {ty}{unique}{not_null}", quote_ident(&column)));
                names.push(column);
            }
            if names.len() >= 2 && rng.chance(30) {
                defs.push(format!(
                    "UNIQUE ({}, {})",
                    quote_ident(&names[0]),
                    quote_ident(&names[1])
                ));
            }
            let _ = writeln!(sql, "CREATE TABLE {} ({});", q(&table), defs.join(", "));
            if rng.chance(30) {
                let index = fresh(rng, relations);
                let _ = writeln!(
                    sql,
                    "CREATE INDEX {} ON {} ({});",
                    quote_ident(&index),
                    q(&table),
                    quote_ident(&names[0])
                );
            }
            if rng.chance(30) {
                let text = fresh(rng, &mut BTreeSet::new());
                let _ = writeln!(
                    sql,
                    "COMMENT ON COLUMN {}.{} IS {};",
                    q(&table),
                    quote_ident(&names[0]),
                    quote_literal(&text)
                );
            }
            if key.is_some() {
                keyed.push(q(&table));
            }
        }
        if rng.chance(40) {
            let view = fresh(rng, relations);
            let column = fresh(rng, &mut BTreeSet::new());
            let _ = writeln!(
                sql,
                "CREATE VIEW {} AS SELECT 1 AS {};",
                q(&view),
                quote_ident(&column)
            );
        }
        if rng.chance(40) {
            let sequence = fresh(rng, relations);
            let start = rng.below(1000) + 1;
            let _ = writeln!(sql, "CREATE SEQUENCE {} START {start};", q(&sequence));
        }
    }
    (sql, schemas)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// A crate holding each case's generated models as a module, whose binary runs the command
/// line given to it with the models of case `MODEL_CASE`, in the project `MODEL_PROJECT`.
fn write_crate(dir: &Path, cases: &[(u64, String)]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().unwrap();
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    // The workspace's lock file: the same dependency versions, so nothing is built anew.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let manifest = format!(
        r#"[package]
name = "model-codegen-names"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
model-core = {{ path = {core:?}, features = ["chrono", "uuid", "json", "decimal", "time", "tokio"] }}
model-cli = {{ path = {cli:?} }}
"#,
        core = root.join("model-core").to_str().unwrap(),
        cli = root.join("model-cli").to_str().unwrap(),
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    let mut main = String::from("#![allow(dead_code, non_snake_case, non_camel_case_types)]\n");
    for (seed, models) in cases {
        std::fs::write(dir.join(format!("src/case{seed}.rs")), models).unwrap();
        let _ = writeln!(main, "mod case{seed};");
    }
    main.push_str("fn main() -> std::process::ExitCode {\n    let project = std::env::var(\"MODEL_PROJECT\").unwrap();\n    let models = match std::env::var(\"MODEL_CASE\").unwrap().as_str() {\n");
    for (seed, _) in cases {
        let _ = writeln!(main, "        \"{seed}\" => case{seed}::models(),");
    }
    main.push_str("        other => panic!(\"no case {other}\"),\n    };\n    model_cli::run_in(project, models)\n}\n");
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
}

#[test]
fn codegen_compiles_and_checks_clean_for_databases_with_hostile_names() {
    let seeds: Vec<u64> = match std::env::var("MODEL_CODEGEN_SEED") {
        Ok(seed) => vec![seed.parse().expect("MODEL_CODEGEN_SEED is a number")],
        Err(_) => {
            let n: u64 = std::env::var("MODEL_CODEGEN_CASES")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(4);
            (1..=n).collect()
        }
    };
    let mut cases = Vec::new();
    let mut projects = Vec::new();
    for &seed in &seeds {
        let (sql, schemas) = database(seed);
        let db = fresh_database();
        db.connect()
            .unwrap()
            .batch_execute(&sql)
            .unwrap_or_else(|e| {
                panic!(
                    "seed {seed}: the generated SQL fails: {}\n{sql}",
                    db_message(&e)
                )
            });
        let dir = project_dir(&format!("codegen-names-{seed}"));
        let config = dir.join("model.toml");
        let text = std::fs::read_to_string(&config).unwrap().replace(
            "schemas = [\"public\"]",
            &format!("schemas = {}", toml_list(&schemas)),
        );
        std::fs::write(&config, text).unwrap();
        let out = dir.join("models.rs");
        // `--schema=NAME`: a schema may be named `--`.
        let flags: Vec<String> = schemas.iter().map(|s| format!("--schema={s}")).collect();
        let mut args = vec!["--url", db.url(), "codegen", "--out", out.to_str().unwrap()];
        args.extend(flags.iter().map(String::as_str));
        assert_eq!(
            run(&dir, &args, ModelSet::new([])),
            ExitCode::SUCCESS,
            "seed {seed}: codegen failed\n{sql}"
        );
        cases.push((seed, std::fs::read_to_string(&out).unwrap()));
        projects.push((seed, sql, dir, db));
    }

    let krate = target_dir().join("codegen-names");
    write_crate(&krate, &cases);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(&cargo)
        .args(["build", "--offline", "--quiet", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("cargo runs");
    assert!(
        build.status.success(),
        "the generated models do not compile (seeds {seeds:?}; replay one with MODEL_CODEGEN_SEED; the crate is {}):\n{}",
        krate.display(),
        String::from_utf8_lossy(&build.stderr)
            .lines()
            .take(80)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let binary = target_dir().join("debug/model-codegen-names");
    for (seed, sql, dir, db) in &projects {
        let check = Command::new(&binary)
            .args(["--url", db.url(), "check"])
            .env("MODEL_PROJECT", dir)
            .env("MODEL_CASE", seed.to_string())
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "seed {seed}: check with the generated models finds differences:\n{}{}\n-- the database:\n{sql}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        let _ = std::fs::remove_dir_all(dir);
    }
    let _ = std::fs::remove_dir_all(&krate);
}

/// A TOML array of strings (TOML's basic strings escape as Rust's debug strings do, for the
/// characters these names hold).
fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", quoted.join(", "))
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
