//! The acceptance suite: before/after pairs written as SQL, proven on PostgreSQL with
//! `pg_dump --schema-only` as the judge.
//!
//! Each directory under `tests/acceptance/` holds `before.sql` and `after.sql`. For each case:
//! both are loaded into fresh databases; every user schema of both is introspected and diffed
//! (what `model-cli diff --from --to` does); the upgrade is applied to the `before` database
//! with `psql`, as a user applies `diff`'s output; then
//!
//! 1. `pg_dump --schema-only` of the result must equal that of `after.sql` exactly (column
//!    order, constraint attributes, sequence ownership, everything pg_dump prints);
//! 2. a second diff must be empty;
//! 3. the downgrade, applied the same way, must give `before.sql`'s dump back — with one
//!    allowance: a column the downgrade adds again goes at the end of its table (PostgreSQL
//!    cannot insert a column), so the columns of each `CREATE TABLE` are compared as a set; the
//!    same for the attributes of a composite type that the downgrade adds again.
//!
//! `tests/acceptance/known-failures.txt` lists the cases PostgreSQL cannot express, each with the
//! reason (`case: why` on every server, `case [18]: why` only on PostgreSQL 18). A listed case
//! that passes fails the suite too (so the list stays true), as does an unlisted case that
//! fails. A case whose `after.sql` begins with `-- needs: PostgreSQL 15` is for servers from
//! that version on; on older ones it is counted as not applicable, by name, never run. `MODEL_ACCEPTANCE_CASE=name` runs the cases whose name contains
//! `name` and prints their plans; `MODEL_ACCEPTANCE_JOBS` sets the parallelism (default 2).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use model_core::diff;
use model_core::introspect::{self, Options};
use model_core::pg::TempDatabase;
use model_core::render;

use crate::support::{db_message, fresh_database, pg_tool};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("acceptance")
}

/// The schema-only dump, without the lines that differ from run to run (`\restrict` keys).
fn dump(db: &TempDatabase) -> Result<String, String> {
    let output = Command::new(pg_tool("pg_dump"))
        .arg("--schema-only")
        .arg("-d")
        .arg(db.url())
        .output()
        .map_err(|e| format!("pg_dump: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "pg_dump failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(clean_dump(&String::from_utf8_lossy(&output.stdout)))
}

fn clean_dump(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The dump with the column lines of each `CREATE TABLE` and the attribute lines of each
/// composite `CREATE TYPE` sorted (and their commas dropped).
fn columns_as_sets(dump: &str) -> String {
    let mut out = Vec::new();
    let mut block: Option<Vec<String>> = None;
    for line in dump.lines() {
        match &mut block {
            None => {
                out.push(line.to_string());
                let composite = line.starts_with("CREATE TYPE ") && line.ends_with(" AS (");
                if (composite
                    || line.starts_with("CREATE TABLE ")
                    || line.starts_with("CREATE UNLOGGED TABLE "))
                    && line.ends_with('(')
                {
                    block = Some(Vec::new());
                }
            }
            Some(lines) => {
                if line.starts_with(')') {
                    lines.sort();
                    out.append(lines);
                    out.push(line.to_string());
                    block = None;
                } else {
                    lines.push(line.trim_end_matches(',').to_string());
                }
            }
        }
    }
    out.join("\n")
}

/// Lines only in `want` (`-`) or only in `got` (`+`), in order: enough to see a difference.
fn difference(want: &str, got: &str) -> String {
    let want: Vec<&str> = want.lines().collect();
    let got: Vec<&str> = got.lines().collect();
    // Longest common subsequence on lines; dumps are small.
    let (n, m) = (want.len(), got.len());
    let mut table = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if want[i] == got[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && want[i] == got[j] {
            i += 1;
            j += 1;
        } else if j < m && (i == n || table[i][j + 1] >= table[i + 1][j]) {
            out.push(format!("+ {}", got[j]));
            j += 1;
        } else {
            out.push(format!("- {}", want[i]));
            i += 1;
        }
    }
    out.join("\n")
}

/// Runs `sql` with `psql`, stopping at the first error; in one transaction when `single`.
pub(crate) fn psql(db: &TempDatabase, sql: &str, single: bool) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!(
        "model-acceptance-{}-{}",
        std::process::id(),
        db.name()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join("script.sql");
    std::fs::write(&file, sql).map_err(|e| e.to_string())?;
    let mut command = Command::new(pg_tool("psql"));
    command.args(["-X", "-q", "-v", "ON_ERROR_STOP=1"]);
    if single {
        command.arg("--single-transaction");
    }
    let output = command
        .arg("-d")
        .arg(db.url())
        .arg("-f")
        .arg(&file)
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    let _ = std::fs::remove_dir_all(&dir);
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Roles the cases grant to (`model_acc_reader`, `model_acc_writer`), created once: roles
/// belong to the cluster, not to a database.
fn roles() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let db = fresh_database();
        let mut client = db.connect().unwrap();
        for role in ["model_acc_reader", "model_acc_writer"] {
            client
                .batch_execute(&format!(
                    "DO $$ BEGIN CREATE ROLE {role} NOLOGIN; \
                     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
                ))
                .unwrap();
        }
    });
}

fn schemas_of(client: &mut postgres::Client) -> Result<Vec<String>, String> {
    introspect::user_schemas(client).map_err(|e| e.to_string())
}

/// The major version a case needs, from its `-- needs: PostgreSQL N` first line.
fn needs(dir: &Path) -> u32 {
    let text = std::fs::read_to_string(dir.join("after.sql")).unwrap_or_default();
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("-- needs: PostgreSQL "))
        .map(|v| v.trim().parse().expect("-- needs: PostgreSQL <major>"))
        .unwrap_or(0)
}

/// One case, start to end; the error says which step failed and shows the plan.
fn run_case(dir: &Path, verbose: bool) -> Result<(), String> {
    let read =
        |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{name}: {e}"));
    let (before_sql, after_sql) = (read("before.sql")?, read("after.sql")?);
    roles();
    let before = fresh_database();
    let after = fresh_database();
    let mut a = before.connect().map_err(|e| e.to_string())?;
    let mut b = after.connect().map_err(|e| e.to_string())?;
    a.batch_execute(&before_sql)
        .map_err(|e| format!("before.sql: {}", db_message(&e)))?;
    b.batch_execute(&after_sql)
        .map_err(|e| format!("after.sql: {}", db_message(&e)))?;
    let (dump_before, dump_after) = (dump(&before)?, dump(&after)?);

    let mut schemas = schemas_of(&mut a)?;
    schemas.extend(schemas_of(&mut b)?);
    schemas.sort();
    schemas.dedup();
    let options = Options { schemas };
    let read_schema = |client: &mut postgres::Client| {
        introspect::introspect(client, &options).map_err(|e| e.to_string())
    };
    let from = read_schema(&mut a)?;
    let to = read_schema(&mut b)?;
    // As `diff --from --to` plans it.
    let version = crate::support::server_version();
    let (plan, _) = diff::diff_with_renames_for(&from, &to, &[], version);
    let body = render::revision_body(&plan.upgrade, &plan.downgrade);
    let shown = format!(
        "-- upgrade:\n{}\n-- downgrade:\n{}",
        body.upgrade, body.downgrade
    );
    if verbose {
        eprintln!("== {}\n{shown}", dir.display());
    }
    psql(&before, &body.upgrade, body.transactional)
        .map_err(|e| format!("the upgrade failed: {e}\n{shown}"))?;
    let upgraded = dump(&before)?;
    if upgraded != dump_after {
        return Err(format!(
            "after the upgrade, pg_dump differs from after.sql's (- wanted, + got):\n{}\n{shown}",
            difference(&dump_after, &upgraded)
        ));
    }
    let again = diff::diff_for(&read_schema(&mut a)?, &to, version);
    if !again.is_empty() {
        return Err(format!(
            "a second diff is not empty:\n{}\n{shown}",
            render::script(&again.upgrade)
        ));
    }
    psql(&before, &body.downgrade, body.transactional)
        .map_err(|e| format!("the downgrade failed: {e}\n{shown}"))?;
    let downgraded = columns_as_sets(&dump(&before)?);
    let wanted = columns_as_sets(&dump_before);
    if downgraded != wanted {
        return Err(format!(
            "after the downgrade, pg_dump differs from before.sql's (- wanted, + got):\n{}\n{shown}",
            difference(&wanted, &downgraded)
        ));
    }
    let back = diff::diff_for(&read_schema(&mut a)?, &from, version);
    if !back.is_empty() {
        return Err(format!(
            "after the downgrade a diff with before.sql is not empty:\n{}\n{shown}",
            render::script(&back.upgrade)
        ));
    }
    Ok(())
}

/// `name: reason` lines (`name [18]: reason` for one major version); `#` starts a comment.
/// Only the lines for `major` (or for every version).
fn known_failures(major: u32) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(cases_dir().join("known-failures.txt")).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (name, why) = l.split_once(':').unwrap_or((l, ""));
            let (name, only) = match name.trim().split_once('[') {
                Some((name, version)) => {
                    let version = version.trim_end_matches(']').trim();
                    (name.trim(), Some(version.parse::<u32>().expect("[major]")))
                }
                None => (name.trim(), None),
            };
            only.is_none_or(|v| v == major)
                .then(|| (name.to_string(), why.trim().to_string()))
        })
        .collect()
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/acceptance")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("before.sql").exists())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn acceptance_cases_round_trip_through_pg_dump() {
    let filter = std::env::var("MODEL_ACCEPTANCE_CASE").ok();
    let dirs: Vec<PathBuf> = case_dirs()
        .into_iter()
        .filter(|d| {
            filter
                .as_deref()
                .is_none_or(|f| d.file_name().unwrap().to_string_lossy().contains(f))
        })
        .collect();
    assert!(!dirs.is_empty(), "no acceptance case matches");
    let major = crate::support::server_major();
    let (dirs, newer): (Vec<PathBuf>, Vec<PathBuf>) =
        dirs.into_iter().partition(|d| needs(d) <= major);
    let jobs: usize = std::env::var("MODEL_ACCEPTANCE_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or(2)
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<String, Result<(), String>>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(dir) = dirs.get(i) else { break };
                let name = dir.file_name().unwrap().to_string_lossy().into_owned();
                let result = std::panic::catch_unwind(|| run_case(dir, filter.is_some()))
                    .unwrap_or_else(|_| Err("the case panicked".to_string()));
                results.lock().unwrap().insert(name, result);
            });
        }
    });
    let results = results.into_inner().unwrap();
    let known = known_failures(major);
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    let mut passed = 0;
    for (name, result) in &results {
        match (result, known.get(name)) {
            (Ok(()), None) => passed += 1,
            (Ok(()), Some(_)) => fixed.push(name.clone()),
            (Err(e), None) => unexpected.push(format!("── {name}\n{e}")),
            (Err(e), Some(_)) if filter.is_some() => eprintln!("── {name} (known)\n{e}"),
            (Err(_), Some(_)) => {}
        }
    }
    for name in known_failures(0).keys().chain(known.keys()) {
        assert!(
            cases_dir().join(name).is_dir(),
            "known-failures.txt names {name}, which is not a case"
        );
    }
    let newer: Vec<String> = newer
        .iter()
        .map(|d| {
            format!(
                "{} (needs {})",
                d.file_name().unwrap().to_string_lossy(),
                needs(d)
            )
        })
        .collect();
    eprintln!(
        "acceptance on PostgreSQL {major}: {} cases, {passed} pass, {} known failures, {} unexpected failures, {} now passing; {} not for this version{}",
        results.len(),
        results.len() - passed - unexpected.len() - fixed.len(),
        unexpected.len(),
        fixed.len(),
        newer.len(),
        if newer.is_empty() { String::new() } else { format!(": {}", newer.join(", ")) }
    );
    assert!(
        fixed.is_empty(),
        "these cases pass now; remove them from known-failures.txt: {fixed:?}"
    );
    assert!(
        unexpected.is_empty(),
        "{} case(s) failed:\n{}",
        unexpected.len(),
        unexpected.join("\n\n")
    );
}
