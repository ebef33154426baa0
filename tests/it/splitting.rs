//! The splitter against psql. Scripts built from statements with quotes, dollar quotes,
//! quoted identifiers, nested comments and `BEGIN ATOMIC` bodies (each printing a value of its
//! own) are mutated at random (a character deleted, a quote, dollar, comment or keyword put
//! in, the end cut off), then run two ways: by psql (`-v ON_ERROR_STOP=1
//! --single-transaction`), and statement by statement as `split_statements` splits them.
//! A script psql refuses must be refused (by the splitter, or by PostgreSQL running one of its
//! statements); one psql runs must split into statements that print the same values in the
//! same order. `MODEL_SPLIT_SCRIPTS` sets how many (default 1000); `MODEL_SPLIT_SEED` replays
//! one.

use std::process::Command;

use model_core::revision::split_statements;

use crate::support::{fresh_database, pg_tool, Rng};

/// Statement templates; `{n}` becomes a number unique in the script.
const STATEMENTS: &[&str] = &[
    "SELECT {n}",
    "SELECT 'a;b {n}'",
    "SELECT 'it''s; {n}'",
    "SELECT $${n}; -- not a comment$$",
    "SELECT $q$ {n}; $$ /* no */ $q$",
    "SELECT {n} AS \"x;y\"",
    "SELECT {n} /* one; /* two; */ still; */",
    "-- a comment; {n}\nSELECT {n}",
    "SELECT CASE WHEN true THEN {n} END",
    "CREATE FUNCTION pg_temp.f{n}() RETURNS integer LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN {n} ELSE 0 END; END;\nSELECT pg_temp.f{n}()",
];

/// What a mutation puts in.
const INSERTS: &[&str] = &[
    "'",
    "\"",
    "$$",
    "$q$",
    ";",
    "/*",
    "*/",
    "--",
    "\n",
    "BEGIN ATOMIC ",
    " END",
    "CASE ",
];

fn script(rng: &mut Rng) -> String {
    let mut out = String::new();
    for n in 0..1 + rng.below(5) {
        let statement = rng.pick(STATEMENTS).replace("{n}", &(n + 1).to_string());
        out.push_str(&statement);
        out.push_str(if rng.chance(20) { ";" } else { ";\n" });
    }
    if rng.chance(30) {
        // The last statement without its `;`, as psql takes it.
        out.truncate(out.trim_end().len() - 1);
    }
    out
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 => {
                let piece: Vec<char> = rng.pick(INSERTS).chars().collect();
                chars.splice(at..at, piece);
            }
            _ => chars.truncate(at),
        }
    }
    chars.into_iter().collect()
}

/// psql's run: whether it succeeded, and what it printed (one line a value).
fn through_psql(url: &str, file: &std::path::Path) -> (bool, Vec<String>) {
    let output = Command::new(pg_tool("psql"))
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "--single-transaction",
        ])
        .arg("-d")
        .arg(url)
        .arg("-f")
        .arg(file)
        .output()
        .expect("psql runs");
    let printed = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    (output.status.success(), printed)
}

/// The splitter's run, in a transaction rolled back: whether it succeeded, and what the
/// statements printed.
fn through_splitter(client: &mut postgres::Client, sql: &str) -> (bool, Vec<String>) {
    let Ok(statements) = split_statements(sql) else {
        return (false, Vec::new());
    };
    let mut printed = Vec::new();
    client.batch_execute("BEGIN").unwrap();
    let mut ok = true;
    for (_, statement) in statements {
        match client.simple_query(&statement) {
            Ok(messages) => printed.extend(
                messages
                    .into_iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(row) => Some(
                            (0..row.len())
                                .map(|i| row.get(i).unwrap_or_default())
                                .collect::<Vec<_>>()
                                .join("|"),
                        ),
                        _ => None,
                    })
                    // As psql prints them: a value's line feeds make lines of their own, and a row of
                    // no columns an empty line, which is left out above.
                    .flat_map(|row| row.lines().map(str::to_string).collect::<Vec<_>>())
                    .filter(|line| !line.is_empty()),
            ),
            Err(_) => {
                ok = false;
                break;
            }
        }
    }
    // A script may have ended the transaction itself (`END`): what it left in the session
    // (functions in pg_temp) goes, as psql's session does.
    client.batch_execute("ROLLBACK").unwrap();
    client.batch_execute("DISCARD ALL").unwrap();
    (ok, printed)
}

#[test]
fn the_splitter_agrees_with_psql_on_mutated_scripts() {
    let seeds: Vec<u64> = match std::env::var("MODEL_SPLIT_SEED") {
        Ok(seed) => vec![seed.parse().expect("MODEL_SPLIT_SEED is a number")],
        Err(_) => (0..std::env::var("MODEL_SPLIT_SCRIPTS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1000))
            .collect(),
    };
    let db = fresh_database();
    let dir = std::env::temp_dir().join(format!("model-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let workers = 2;
    let (disagreements, refused): (Vec<String>, usize) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (db, dir, seeds) = (&db, &dir, &seeds);
                scope.spawn(move || {
                    let mut client = db.connect().unwrap();
                    let file = dir.join(format!("script-{w}.sql"));
                    let mut out = Vec::new();
                    let mut refused = 0;
                    for &seed in seeds.iter().skip(w).step_by(workers) {
                        let mut rng = Rng::new(seed);
                        let base = script(&mut rng);
                        let sql = mutate(&mut rng, &base);
                        std::fs::write(&file, &sql).unwrap();
                        let psql = through_psql(db.url(), &file);
                        let ours = through_splitter(&mut client, &sql);
                        refused += usize::from(!psql.0);
                        let agree = if psql.0 { ours == psql } else { !ours.0 };
                        if !agree {
                            out.push(format!(
                                "seed {seed} (replay: MODEL_SPLIT_SEED={seed}): psql {psql:?}, split {ours:?}\n{sql}"
                            ));
                        }
                    }
                    (out, refused)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).fold(
            (Vec::new(), 0),
            |(mut all, n), (out, refused)| {
                all.extend(out);
                (all, n + refused)
            },
        )
    });
    let _ = std::fs::remove_dir_all(&dir);
    if seeds.len() >= 1000 {
        // Both kinds were exercised: scripts psql runs, and scripts it refuses.
        assert!(
            refused > seeds.len() / 10 && refused < seeds.len() * 9 / 10,
            "{refused} of {} refused by psql",
            seeds.len()
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} scripts split otherwise than psql; first:\n{}",
        disagreements.len(),
        seeds.len(),
        disagreements[0]
    );
}
