//! Protection, conservative and kept by the database itself.
//!
//! A protected database runs only statements this module can prove harmless, unless the run
//! is given `--allow-destructive`. Harmless is decided by a statement's shape (session and
//! transaction control, comments, grants, creating objects, the `ALTER` actions that keep
//! every row and value, inserting rows, reading), and, where the shape leaves it open, by the
//! database: a column type change is harmless when the column's type widens to the new one; a
//! function call when every function of that name is stable or immutable (which PostgreSQL
//! forbids to change data) or a known harmless one. Everything else (deleting, updating,
//! merging, truncating, dropping what holds data, `DO`, `CALL`, volatile functions, a CTE that
//! changes data, a narrowing or unknown type change) needs consent, and the refusal names the
//! statement, its line and why.
//!
//! A database is protected when the project's configuration says so for it, and from then on
//! whatever reaches it: the first protected run marks it (a comment on its version table), and
//! every run reads the mark, so `--url` to the same database, another environment's name or
//! another project's configuration cannot skip protection. `protect --remove` takes the mark
//! away.

use postgres::types::Type;

use super::{db, partial, Direction, MigrateError, SchemaMap, VersionTable};
use crate::pg::Connection;
use crate::revision::Revision;
use crate::schema::SqlType;
use crate::sql::tokens::{words, Word};

/// The comment a protected database's version table carries.
pub const MARK: &str = "model-migrate: protected. upgrade and downgrade refuse what they cannot prove harmless unless run with --allow-destructive; `protect --remove` takes this away.";

/// Whether the database is marked protected.
pub(super) async fn is_marked<C: Connection>(
    client: &mut C,
    table: &VersionTable,
) -> Result<bool, MigrateError> {
    let row = crate::pg::query_opt(
        client,
        "SELECT pg_catalog.obj_description(pg_catalog.to_regclass($1), 'pg_class') = $2",
        &[(&table.qualified(), Type::TEXT), (&MARK, Type::TEXT)],
    )
    .await
    .map_err(db("reading the protection mark"))?;
    Ok(row
        .and_then(|r| r.get::<_, Option<bool>>(0))
        .unwrap_or(false))
}

/// Whether the database is marked protected (no version table: not).
pub fn get(
    client: &mut impl crate::pg::Blocking,
    table: &VersionTable,
) -> Result<bool, MigrateError> {
    crate::pg::block_on(is_marked(client, table))
}

/// Marks the database protected (`on`), creating the version tables if need be, or takes the
/// mark away.
pub fn set(
    client: &mut impl crate::pg::Blocking,
    table: &VersionTable,
    on: bool,
) -> Result<(), MigrateError> {
    crate::pg::block_on(async {
        client
            .batch_execute(&table.create_sql())
            .await
            .map_err(db("creating the version table"))?;
        mark(client, table, on).await
    })
}

/// Marks the database protected (`on`), or takes the mark away.
pub(super) async fn mark<C: Connection>(
    client: &mut C,
    table: &VersionTable,
    on: bool,
) -> Result<(), MigrateError> {
    let text = if on {
        crate::sql::quote_literal(MARK)
    } else {
        "NULL".to_string()
    };
    client
        .batch_execute(&format!("COMMENT ON TABLE {} IS {text}", table.qualified()))
        .await
        .map_err(db("marking the database protected"))
}

/// A statement a protected database runs only with consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unproven {
    /// The revision.
    pub revision: String,
    /// The line of the script it starts on.
    pub line: usize,
    /// Its first line.
    pub statement: String,
    /// Why it is not provably harmless.
    pub why: String,
}

impl std::fmt::Display for Unproven {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} line {}: {} ({})",
            self.revision,
            self.line,
            crate::sql::display(&self.statement),
            self.why
        )
    }
}

/// What a statement's shape says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// Keeps every row and value.
    Harmless,
    /// Not provably harmless: why.
    Unproven(String),
    /// Harmless if the database agrees: these function calls are of functions that change no
    /// data, and these column types widen.
    Depends {
        calls: Vec<String>,
        retypes: Vec<Retype>,
    },
}

/// `ALTER TABLE table ALTER COLUMN column TYPE new`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Retype {
    table: String,
    column: String,
    new: String,
}

/// Volatile functions that change no data: a call to one is harmless.
const HARMLESS_VOLATILE: &[&str] = &[
    "now",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "timeofday",
    "random",
    "random_normal",
    "gen_random_uuid",
    "uuidv4",
    "uuidv7",
    "nextval",
    "currval",
    "lastval",
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
    "txid_current",
    "pg_current_xact_id",
    "pg_advisory_lock",
    "pg_advisory_unlock",
    "pg_advisory_xact_lock",
    "pg_try_advisory_lock",
    "pg_try_advisory_xact_lock",
    "set_config",
    // Moves a sequence (autogenerated scripts move one past a column's largest value): later
    // values may repeat, but no row or value is lost.
    "setval",
];

/// The statements of `revision`'s part that a protected database runs only with consent.
pub(super) async fn unproven<C: Connection>(
    client: &mut C,
    revision: &Revision,
    direction: Direction,
    tenant: Option<&SchemaMap>,
) -> Result<Vec<Unproven>, MigrateError> {
    let mut out = Vec::new();
    for (line, statement) in partial::statements(revision, direction) {
        let statement = match tenant {
            Some(map) => map.apply(&statement).unwrap_or(statement),
            None => statement,
        };
        let why = match shape(&statement) {
            Shape::Harmless => None,
            Shape::Unproven(why) => Some(why),
            Shape::Depends { calls, retypes } => match volatile_calls(client, &calls).await? {
                Some(why) => Some(why),
                None => narrowed(client, &retypes).await?,
            },
        };
        if let Some(why) = why {
            out.push(Unproven {
                revision: revision.id.clone(),
                line,
                statement: statement
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with("--"))
                    .unwrap_or_default()
                    .to_string(),
                why,
            });
        }
    }
    Ok(out)
}

/// Which of `calls` may change data: a function of that name that is volatile and not a
/// known harmless one, or one the database does not have (yet).
async fn volatile_calls<C: Connection>(
    client: &mut C,
    calls: &[String],
) -> Result<Option<String>, MigrateError> {
    let asked: Vec<String> = calls
        .iter()
        .filter(|c| !HARMLESS_VOLATILE.contains(&c.as_str()))
        .cloned()
        .collect();
    if asked.is_empty() {
        return Ok(None);
    }
    let rows = client
        .query_typed(
            "SELECT c.name, bool_or(p.provolatile = 'v'), count(p.oid) FROM unnest($1::text[]) c(name)
             LEFT JOIN pg_catalog.pg_proc p ON p.proname = c.name
             GROUP BY c.name ORDER BY c.name",
            &[(&asked, Type::TEXT_ARRAY)],
        )
        .await
        .map_err(db("looking up the functions a statement calls"))?;
    for row in rows {
        let (name, volatile, count): (String, Option<bool>, i64) =
            (row.get(0), row.get(1), row.get(2));
        if count == 0 {
            return Ok(Some(format!(
                "it calls {name}(), which the database does not have yet, so it cannot be shown to change no data"
            )));
        }
        if volatile == Some(true) {
            return Ok(Some(format!(
                "it calls {name}(), a volatile function, which may change data"
            )));
        }
    }
    Ok(None)
}

/// A column type change that does not widen (or cannot be shown to), as the database reads
/// both types.
async fn narrowed<C: Connection>(
    client: &mut C,
    retypes: &[Retype],
) -> Result<Option<String>, MigrateError> {
    for r in retypes {
        let current = crate::pg::query_opt(
            client,
            "SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped",
            &[(&r.table, Type::TEXT), (&r.column, Type::TEXT)],
        )
        .await
        .map_err(db("reading a column's type"))?
        .map(|row| row.get::<_, String>(0));
        let Some(current) = current else {
            return Ok(Some(format!(
                "it changes the type of {}.{}, which does not exist yet",
                r.table, r.column
            )));
        };
        // The new type as PostgreSQL spells it, read off a column of a temporary table that
        // is rolled back (one statement: the text cannot run anything else).
        let _ = client.batch_execute("BEGIN").await;
        let created = client
            .batch_execute(&format!(
                "CREATE TEMPORARY TABLE model_protect_probe (c {})",
                r.new
            ))
            .await;
        let new = match created {
            Ok(()) => crate::pg::query_opt(
                client,
                "SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = 'pg_temp.model_protect_probe'::pg_catalog.regclass AND a.attname = 'c'",
                &[],
            )
            .await
            .ok()
            .flatten()
            .map(|row| row.get::<_, String>(0)),
            Err(_) => None,
        };
        let _ = client.batch_execute("ROLLBACK").await;
        match new {
            Some(new) if SqlType::new(current.clone()).widens_to(&SqlType::new(new.clone())) => {}
            Some(new) => {
                return Ok(Some(format!(
                    "it changes {}.{} from {current} to {new}, which does not hold every value",
                    r.table, r.column
                )))
            }
            None => {
                return Ok(Some(format!(
                    "it changes the type of {}.{} to one PostgreSQL does not know yet",
                    r.table, r.column
                )))
            }
        }
    }
    Ok(None)
}

/// The keyword (upper case) of word `i`, or "" for anything else.
fn kw(words: &[Word<'_>], i: usize) -> String {
    words
        .get(i)
        .filter(|w| !w.quoted)
        .and_then(|w| w.ident.as_deref())
        .map(str::to_ascii_uppercase)
        .unwrap_or_default()
}

/// Whether any word from `from` on is one of `keywords` (outside quotes).
fn has(words: &[Word<'_>], from: usize, keywords: &[&str]) -> bool {
    words[from.min(words.len())..]
        .iter()
        .any(|w| keywords.iter().any(|k| w.is(k)))
}

/// The functions `words` call (an identifier right before `(` that is not a keyword or a
/// type with modifiers), by name.
fn calls(words: &[Word<'_>]) -> Vec<String> {
    const NOT_CALLS: &[&str] = &[
        "AND",
        "OR",
        "NOT",
        "IN",
        "EXISTS",
        "ANY",
        "ALL",
        "SOME",
        "VALUES",
        "AS",
        "ON",
        "USING",
        "WHERE",
        "SELECT",
        "FROM",
        "CHECK",
        "DEFAULT",
        "KEY",
        "UNIQUE",
        "REFERENCES",
        "INCLUDE",
        "WITH",
        "OVER",
        "FILTER",
        "WITHIN",
        "CAST",
        "ROW",
        "ARRAY",
        "COALESCE",
        "NULLIF",
        "GREATEST",
        "LEAST",
        "CASE",
        "INTO",
        "TABLE",
        "INDEX",
        "VARCHAR",
        "CHAR",
        "CHARACTER",
        "VARYING",
        "NUMERIC",
        "DECIMAL",
        "TIMESTAMP",
        "TIME",
        "INTERVAL",
        "BIT",
        "FLOAT",
        "PRECISION",
        "EXTRACT",
        "OVERLAY",
        "POSITION",
        "SUBSTRING",
        "TRIM",
        "GROUPING",
        "LATERAL",
        "PARTITION",
        "BY",
        "ORDER",
        "RETURNING",
        "SET",
        "CONFLICT",
        "DO",
        "UPDATE",
        "INSERT",
        "NOTHING",
        "INTERSECT",
        "UNION",
        "EXCEPT",
        "JOIN",
    ];
    // Words after which a name and `(` are a relation and its column list, not a call.
    const RELATION_BEFORE: &[&str] = &[
        "INTO",
        "TABLE",
        "REFERENCES",
        "ONLY",
        "INDEX",
        "VIEW",
        "TYPE",
        "FUNCTION",
        "PROCEDURE",
        "TRIGGER",
        "CONSTRAINT",
        "EXISTS",
        "AGGREGATE",
        "ROUTINE",
    ];
    let mut out: Vec<String> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let Some(name) = &w.ident else { continue };
        if words.get(i + 1).map(|n| n.text) != Some("(") {
            continue;
        }
        if !w.quoted && NOT_CALLS.iter().any(|k| name.eq_ignore_ascii_case(k)) {
            continue;
        }
        // The word before the (possibly qualified) name.
        let mut before = i;
        while before >= 2 && words[before - 1].text == "." {
            before -= 2;
        }
        let relation = before
            .checked_sub(1)
            .is_some_and(|b| RELATION_BEFORE.iter().any(|k| words[b].is(k)));
        if relation {
            continue;
        }
        let name = if w.quoted {
            name.clone()
        } else {
            name.to_lowercase()
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// What the shape of `statement` says (see the module documentation).
fn shape(statement: &str) -> Shape {
    let words = words(statement);
    if words.is_empty() {
        return Shape::Harmless;
    }
    let unproven = |why: &str| Shape::Unproven(why.to_string());
    let depends = |words: &[Word<'_>]| {
        let calls = calls(words);
        if calls.is_empty() {
            Shape::Harmless
        } else {
            Shape::Depends {
                calls,
                retypes: Vec::new(),
            }
        }
    };
    let first = kw(&words, 0);
    match first.as_str() {
        "SET" | "RESET" | "SHOW" | "BEGIN" | "START" | "COMMIT" | "END" | "SAVEPOINT"
        | "RELEASE" | "ROLLBACK" | "ABORT" | "COMMENT" | "SECURITY" | "GRANT" | "REVOKE"
        | "ANALYZE" | "ANALYSE" | "LOCK" | "LISTEN" | "UNLISTEN" | "NOTIFY" | "REINDEX"
        | "DISCARD" => {
            if first == "SET" && kw(&words, 1) == "ROLE" {
                return unproven("it changes the role the rest of the run acts as");
            }
            Shape::Harmless
        }
        "DO" => unproven("a DO block runs code, which may change data"),
        "CALL" => unproven("it runs a procedure, which may change data"),
        "EXECUTE" => unproven("it runs a prepared statement"),
        "DELETE" => unproven("it deletes rows"),
        "UPDATE" => unproven("it changes rows"),
        "TRUNCATE" => unproven("it empties tables"),
        "MERGE" => unproven("MERGE may change and delete rows"),
        "COPY" => unproven("COPY may run programs or change rows"),
        "VACUUM" | "CLUSTER" | "CHECKPOINT" | "REFRESH" => Shape::Harmless,
        "IMPORT" => Shape::Harmless,
        "INSERT" => {
            if has(&words, 1, &["CONFLICT"]) && has(&words, 1, &["UPDATE"]) {
                unproven("ON CONFLICT DO UPDATE changes rows")
            } else if has(&words, 1, &["WITH"]) && has(&words, 2, &["DELETE", "UPDATE", "MERGE"]) {
                unproven("its WITH clause changes or deletes rows")
            } else {
                depends(&words)
            }
        }
        "SELECT" | "VALUES" | "TABLE" | "WITH" | "(" => {
            if has(
                &words,
                0,
                &["DELETE", "UPDATE", "MERGE", "TRUNCATE", "INSERT"],
            ) {
                unproven("a query that changes or deletes rows")
            } else {
                // A read, or `SELECT … INTO` (a new table): harmless unless a function it
                // calls is not.
                depends(&words)
            }
        }
        "CREATE" => create(&words),
        "ALTER" => alter(&words),
        "DROP" => drop(&words),
        _ => unproven("this tool cannot show it keeps every row"),
    }
}

/// `CREATE …`: harmless but for the forms that run a query now (`TABLE … AS`, `MATERIALIZED
/// VIEW` with data), which depend on the functions they call, and `OR REPLACE` of nothing
/// harmful.
fn create(words: &[Word<'_>]) -> Shape {
    let runs_a_query = (has(words, 1, &["AS"])
        && (has(words, 1, &["MATERIALIZED"])
            || (kw(words, 1) == "TABLE" || has(&words[..words.len().min(4)], 1, &["TABLE"]))))
        && !(has(words, 1, &["NO"]) && has(words, 1, &["DATA"]));
    if runs_a_query {
        let c = calls(words);
        if c.is_empty() {
            return Shape::Harmless;
        }
        return Shape::Depends {
            calls: c,
            retypes: Vec::new(),
        };
    }
    Shape::Harmless
}

/// `DROP …`: harmless for objects that hold no data, without `CASCADE`.
fn drop(words: &[Word<'_>]) -> Shape {
    if has(words, 1, &["CASCADE"]) {
        return Shape::Unproven("CASCADE drops whatever depends on it, data included".into());
    }
    match kw(words, 1).as_str() {
        "INDEX" | "VIEW" | "FUNCTION" | "PROCEDURE" | "ROUTINE" | "TRIGGER" | "POLICY" | "RULE"
        | "STATISTICS" | "PUBLICATION" | "EVENT" | "AGGREGATE" | "OPERATOR" | "CAST"
        | "COLLATION" | "CONVERSION" | "TEXT" | "TRANSFORM" => Shape::Harmless,
        "OWNED" => Shape::Unproven("DROP OWNED drops tables and their rows".into()),
        other => Shape::Unproven(format!(
            "it drops a {}, with whatever it holds",
            if other.is_empty() { "object" } else { other }.to_lowercase()
        )),
    }
}

/// `ALTER …`.
fn alter(words: &[Word<'_>]) -> Shape {
    match kw(words, 1).as_str() {
        "TABLE" | "FOREIGN" => alter_table(words),
        "TYPE" if has(words, 2, &["DROP"]) => {
            Shape::Unproven("it drops an attribute of a type, with the values it holds".into())
        }
        "TYPE" if has(words, 2, &["ALTER"]) && has(words, 2, &["TYPE"]) => {
            Shape::Unproven("it changes an attribute's type, which may not hold every value".into())
        }
        "EXTENSION" if has(words, 2, &["UPDATE"]) => {
            Shape::Unproven("an extension's update script may change data".into())
        }
        "DATABASE" | "SYSTEM" | "ROLE" | "USER" | "GROUP" => {
            Shape::Unproven("it changes more than this database's schema".into())
        }
        "MATERIALIZED" if has(words, 2, &["SET"]) && has(words, 2, &["UNLOGGED"]) => {
            Shape::Unproven("an unlogged relation is emptied by a crash".into())
        }
        _ => Shape::Harmless,
    }
}

/// `ALTER TABLE name action, …`: each action must keep every row and value.
fn alter_table(words: &[Word<'_>]) -> Shape {
    // The table's name, as written (qualified or not).
    let mut i = 2;
    if kw(words, 1) == "FOREIGN" {
        i += 1;
    }
    while matches!(kw(words, i).as_str(), "IF" | "EXISTS" | "ONLY") {
        i += 1;
    }
    let mut table = words.get(i).map(|w| w.text.to_string()).unwrap_or_default();
    i += 1;
    if words.get(i).map(|w| w.text) == Some(".") {
        table.push('.');
        table.push_str(words.get(i + 1).map(|w| w.text).unwrap_or_default());
        i += 2;
    }
    // Split the actions at commas outside parentheses.
    let mut actions: Vec<&[Word<'_>]> = Vec::new();
    let (mut depth, mut start) = (0usize, i);
    for (j, w) in words.iter().enumerate().skip(i) {
        match w.text {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                actions.push(&words[start..j]);
                start = j + 1;
            }
            _ => {}
        }
    }
    actions.push(&words[start.min(words.len())..]);
    let mut calls_all = Vec::new();
    let mut retypes = Vec::new();
    for action in actions {
        let k = |n: usize| kw(action, n);
        match k(0).as_str() {
            "DROP" => match k(1).as_str() {
                "CONSTRAINT" | "DEFAULT" | "NOT" | "EXPRESSION" => {}
                "IDENTITY" => {
                    return Shape::Unproven(
                        "dropping an identity loses its sequence's position".into(),
                    )
                }
                _ => return Shape::Unproven("it drops a column and its values".into()),
            },
            "ALTER" => {
                // ALTER [COLUMN] c TYPE / SET DATA TYPE t [COLLATE …] [USING …]
                let mut n = 1;
                if k(n) == "COLUMN" {
                    n += 1;
                }
                let column = action.get(n).and_then(|w| w.ident.clone()).map(|c| {
                    if action[n].quoted {
                        c
                    } else {
                        c.to_lowercase()
                    }
                });
                n += 1;
                let type_at = match (k(n).as_str(), k(n + 1).as_str(), k(n + 2).as_str()) {
                    ("TYPE", _, _) => Some(n + 1),
                    ("SET", "DATA", "TYPE") => Some(n + 3),
                    _ => None,
                };
                if let Some(at) = type_at {
                    if has(action, at, &["USING"]) {
                        return Shape::Unproven(
                            "a type change with USING computes new values".into(),
                        );
                    }
                    let end = action[at..]
                        .iter()
                        .position(|w| w.is("COLLATE"))
                        .map_or(action.len(), |p| at + p);
                    let new: Vec<&str> = action[at..end].iter().map(|w| w.text).collect();
                    retypes.push(Retype {
                        table: table.clone(),
                        column: column.unwrap_or_default(),
                        new: join_type(&new),
                    });
                } else if has(action, n, &["DROP"]) && has(action, n, &["IDENTITY"]) {
                    return Shape::Unproven(
                        "dropping an identity loses its sequence's position".into(),
                    );
                }
            }
            "SET" if has(action, 1, &["UNLOGGED"]) => {
                return Shape::Unproven("an unlogged table is emptied by a crash".into())
            }
            // A new column's default is computed for every row there is.
            "ADD" if has(action, 1, &["DEFAULT"]) || has(action, 1, &["GENERATED"]) => {
                calls_all.extend(calls(action));
            }
            _ => {}
        }
    }
    if calls_all.is_empty() && retypes.is_empty() {
        Shape::Harmless
    } else {
        Shape::Depends {
            calls: calls_all,
            retypes,
        }
    }
}

/// A type's words as one text: `character varying ( 20 )` → `character varying(20)`.
fn join_type(words: &[&str]) -> String {
    let mut out = String::new();
    for w in words {
        let glue = matches!(*w, "(" | ")" | "," | "[" | "]" | ".")
            || out.ends_with(['(', '[', '.'])
            || out.is_empty();
        if !glue {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(statement: &str) -> Option<String> {
        match shape(statement) {
            Shape::Harmless => None,
            Shape::Unproven(why) => Some(why),
            Shape::Depends { .. } => Some("depends".into()),
        }
    }

    #[test]
    fn what_cannot_be_shown_harmless_needs_consent() {
        for statement in [
            "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d",
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
            "UPDATE customers SET email = ''",
            "DO $$ BEGIN EXECUTE 'DROP TABLE orders'; END $$",
            "CALL purge()",
            "SELECT purge_all()",
            "SELECT * FROM purge_rows()",
            "SELECT 1 FROM t JOIN u ON purge(u.id)",
            "ALTER TABLE t ALTER COLUMN c TYPE varchar(5)",
            "ALTER TABLE t DROP COLUMN c",
            "ALTER TABLE t DROP c",
            "alter table t add column d int, drop e",
            "DROP TABLE t",
            "DROP VIEW v CASCADE",
            "TRUNCATE t",
            "DELETE FROM t",
            "INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET n = 2",
            "ALTER TABLE t ALTER COLUMN c TYPE integer USING c::integer",
            "ALTER TABLE t SET UNLOGGED",
            "SET ROLE admin",
        ] {
            assert!(why(statement).is_some(), "{statement}");
        }
    }

    #[test]
    fn what_keeps_every_row_runs() {
        for statement in [
            "CREATE TABLE t (a int DEFAULT random())",
            "CREATE INDEX CONCURRENTLY t_a ON t (lower(a))",
            "ALTER TABLE t ADD COLUMN b text, ADD CONSTRAINT t_b CHECK (b <> '')",
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b DROP DEFAULT",
            "ALTER TABLE t DROP CONSTRAINT t_b",
            "ALTER TABLE t RENAME COLUMN a TO b",
            "COMMENT ON TABLE t IS 'DROP TABLE t'",
            "GRANT SELECT ON t TO app",
            "SET lock_timeout = '2s'",
            "DROP INDEX CONCURRENTLY IF EXISTS public.t_a",
            "INSERT INTO t (a) VALUES (1)",
            "SELECT 1",
            "-- only a comment",
            "ALTER TYPE mood ADD VALUE 'meh'",
            "ALTER SEQUENCE s RESTART",
        ] {
            assert_eq!(why(statement), None, "{statement}");
        }
    }

    #[test]
    fn type_changes_and_calls_are_left_to_the_database() {
        assert_eq!(
            shape("ALTER TABLE public.t ALTER COLUMN \"Big\" SET DATA TYPE character varying(20) COLLATE \"C\""),
            Shape::Depends {
                calls: Vec::new(),
                retypes: vec![Retype {
                    table: "public.t".into(),
                    column: "Big".into(),
                    new: "character varying(20)".into()
                }]
            }
        );
        assert_eq!(
            shape("ALTER TABLE t ADD COLUMN b int DEFAULT next_number()"),
            Shape::Depends {
                calls: vec!["next_number".into()],
                retypes: Vec::new()
            }
        );
        assert_eq!(
            shape("SELECT count(*), now() FROM t"),
            Shape::Depends {
                calls: vec!["count".into(), "now".into()],
                retypes: Vec::new()
            }
        );
    }
}
