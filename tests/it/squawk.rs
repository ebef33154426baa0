//! squawk, the PostgreSQL migration linter, over the online revisions of a catalogue of
//! typical changes: it finds nothing but rules about the target schema's own design, the
//! robustness of re-running a statement by hand (`prefer-robust-stmts`: the runner records
//! and resumes instead), and drops (`ban-drop-*`: data loss is said by `DESTRUCTIVE` lines,
//! and the NOT NULL pattern drops its temporary check on purpose).
//!
//! squawk comes from PyPI (`pip install squawk-cli`; `.ci/run` installs it). Without it on
//! `PATH` (or in `SQUAWK`), the test says so and checks nothing else.

use std::path::{Path, PathBuf};
use std::process::Command;

use model_core::autogenerate::verify_sql;
use model_core::migrate::LockRetries;
use model_core::render::{online_revision_body, timeout_settings};

use crate::support::{fresh_database, schema_of};

const BEFORE: &str = "
CREATE TYPE status AS ENUM ('new', 'paid');
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer bigint, email text, note text, st status);
CREATE INDEX orders_note ON orders (note);";

/// Rules that speak of the target schema's design, of re-running statements by hand, or of
/// drops: accepted (see the module documentation). Anything else fails the test.
fn accepted(rule: &str) -> bool {
    rule.starts_with("ban-drop-")
        || matches!(
            rule,
            "prefer-robust-stmts"
                | "prefer-bigint-over-int"
                | "prefer-bigint-over-smallint"
                | "prefer-identity"
                | "prefer-text-field"
                | "prefer-timestamptz"
                | "ban-char-field"
        )
}

/// squawk's JSON report on `files`.
fn lint(squawk: &Path, files: &[PathBuf]) -> serde_json::Value {
    let output = Command::new(squawk)
        .args(["--reporter", "json"])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", squawk.display()));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "squawk's report is not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The rules squawk reports on `parts` (written to files under `dir`) that [`accepted`] does
/// not accept; `None`, saying so, when squawk is not installed.
pub(crate) fn refusals(dir: &Path, parts: &[&str]) -> Option<Vec<String>> {
    let Some(squawk) = squawk() else {
        eprintln!("squawk not found (pip install squawk-cli, or set SQUAWK): not linted");
        return None;
    };
    let files: Vec<PathBuf> = parts
        .iter()
        .enumerate()
        .map(|(i, sql)| {
            let path = dir.join(format!("lint-{i}.sql"));
            std::fs::write(&path, sql).unwrap();
            path
        })
        .collect();
    let report = lint(&squawk, &files);
    Some(
        report
            .as_array()
            .expect("a list of findings")
            .iter()
            .map(|f| f["rule_name"].as_str().unwrap_or("?").to_string())
            .filter(|rule| !accepted(rule))
            .collect(),
    )
}

/// Where squawk is: `SQUAWK`, or `squawk` on `PATH`.
fn squawk() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SQUAWK") {
        return Some(PathBuf::from(path));
    }
    Command::new("squawk")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from("squawk"))
}

#[test]
fn squawk_accepts_online_revisions_of_typical_changes() {
    let Some(squawk) = squawk() else {
        eprintln!("squawk not found (pip install squawk-cli, or set SQUAWK): not linted");
        return;
    };
    let orders = |columns: &str, extra: &str| {
        format!(
            "CREATE TYPE status AS ENUM ('new', 'paid'{labels});
             CREATE TABLE customers (id bigint PRIMARY KEY);
             CREATE TABLE orders (id bigint PRIMARY KEY, {columns});
             {extra}",
            labels = if extra.contains("'shipped'") {
                ", 'shipped'"
            } else {
                ""
            }
        )
    };
    let plain = "customer bigint, email text, note text, st status";
    let index = "CREATE INDEX orders_note ON orders (note);";
    let cases: Vec<(&str, String)> = vec![
        ("add-index", orders(plain, &format!("{index} CREATE INDEX orders_customer ON orders (customer);"))),
        ("replace-index", orders(plain, "CREATE INDEX orders_note ON orders (lower(note));")),
        ("add-foreign-key", orders("customer bigint REFERENCES customers, email text, note text, st status", index)),
        ("add-check", orders("customer bigint, email text, note text CHECK (note <> ''), st status", index)),
        ("set-not-null", orders("customer bigint, email text NOT NULL, note text, st status", index)),
        ("add-unique", orders("customer bigint, email text UNIQUE, note text, st status", index)),
        ("change-type", orders("customer bigint, email varchar, note text, st status", index)),
        (
            "add-enum-value",
            orders("customer bigint, email text, note text, st status DEFAULT 'shipped'", &format!("{index} -- 'shipped'")),
        ),
        ("add-column-with-default", orders(&format!("{plain}, flag boolean NOT NULL DEFAULT false, n bigint DEFAULT 0"), index)),
        (
            "all-of-them",
            orders(
                "customer bigint REFERENCES customers, email varchar NOT NULL UNIQUE, note text CHECK (note <> ''), st status DEFAULT 'shipped', flag boolean NOT NULL DEFAULT false",
                "CREATE INDEX orders_note ON orders (lower(note)); CREATE INDEX orders_customer ON orders (customer); -- 'shipped'",
            ),
        ),
    ];

    let db = fresh_database();
    let mut client = db.connect().unwrap();
    client.batch_execute(BEFORE).unwrap();
    let from = schema_of(&mut client, "SELECT 1", &["public"]).unwrap();
    let dir = std::env::temp_dir().join(format!("model-squawk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let settings = timeout_settings(&LockRetries::default());
    let mut files = Vec::new();
    for (name, after) in &cases {
        let to = schema_of(
            &mut client,
            &format!("DROP TABLE orders, customers; DROP TYPE status; {after}"),
            &["public"],
        )
        .unwrap();
        let version = crate::support::server_version();
        let plan = model_core::diff::diff_for(&from, &to, version);
        assert!(!plan.is_empty(), "{name}: no change");
        let body = online_revision_body(&plan.upgrade, &plan.downgrade, version);
        let (upgrade, downgrade) = (
            format!("{settings}\n{}", body.upgrade),
            format!("{settings}\n{}", body.downgrade),
        );
        // What is linted is also proven to work.
        verify_sql(&upgrade, &downgrade, &from, &to).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (part, sql) in [("upgrade", &upgrade), ("downgrade", &downgrade)] {
            let path = dir.join(format!("{name}-{part}.sql"));
            std::fs::write(&path, sql).unwrap();
            files.push(path);
        }
    }

    let report = lint(&squawk, &files);
    let findings = report.as_array().expect("a list of findings");

    let mut refused = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut hazards_said = std::collections::BTreeSet::new();
    for finding in findings {
        let rule = finding["rule_name"].as_str().unwrap_or("?");
        let file = finding["file"].as_str().unwrap_or("?");
        seen.insert(rule.to_string());
        // squawk counts lines from 0.
        let line = finding["line"].as_u64().unwrap_or(0) as usize;
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        // A downgrade that removes an enum label has no online form (PostgreSQL cannot drop
        // a label: the type is rebuilt): squawk may see that rewrite, which the script's
        // HAZARD line above the statement already says.
        let block = lines[..=line.min(lines.len().saturating_sub(1))]
            .iter()
            .rev()
            .take_while(|l| !l.trim().is_empty());
        let said = file.ends_with("-downgrade.sql")
            && block.clone().any(|l| l.starts_with("-- HAZARD: rewrites"));
        if !accepted(rule) && !said {
            let statement = lines.get(line).copied().unwrap_or("");
            refused.push(format!("{file}:{}: {rule}: {statement}", line + 1));
        }
        if said {
            hazards_said.insert(rule.to_string());
        }
    }
    assert!(
        refused.is_empty(),
        "squawk objects:\n{}",
        refused.join("\n")
    );
    // The linter did read the files: the accepted rules are there to be seen.
    assert!(seen.contains("prefer-robust-stmts"), "{seen:?}");
    // And it does see what a hazard says: the rebuilt enum of the label's downgrade.
    assert!(
        hazards_said.contains("changing-column-type"),
        "{hazards_said:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
