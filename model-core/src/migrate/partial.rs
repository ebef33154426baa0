//! Progress of parts that run outside a transaction: one row per revision whose part was
//! started and not finished, in `<version table>_partial`.
//!
//! Before each statement the row says which statement is running; after it, how many have
//! committed. So after any failure, or a `kill -9` between or during statements, the database
//! itself says what of the revision is there: `done` statements certainly, and the `running`
//! one perhaps.

use crate::pg::{block_on, Blocking, Connection};
use postgres::types::Type;
use sha2::{Digest, Sha256};

use super::{db, MigrateError, VersionTable};
use crate::revision::{split_statements, Revision};

/// Which way a revision was being applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Its upgrade part.
    Upgrade,
    /// Its downgrade part.
    Downgrade,
}

impl Direction {
    /// `upgrade` or `downgrade`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }

    fn parse(text: &str) -> Direction {
        if text == "downgrade" {
            Direction::Downgrade
        } else {
            Direction::Upgrade
        }
    }
}

/// A revision part that started outside a transaction and did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialRun {
    /// The revision.
    pub revision: String,
    /// Which part.
    pub direction: Direction,
    /// How many statements certainly committed (the first `done`).
    pub done: usize,
    /// How many statements the part has.
    pub total: usize,
    /// The statement (1-based) that was running when the run stopped without recording an
    /// outcome (`kill -9`, a lost connection): it may or may not have taken effect.
    pub running: Option<usize>,
    /// PostgreSQL's message when a statement failed.
    pub error: Option<String>,
    /// SHA-256 of the committed statements' text, so a resumed run knows they are unchanged.
    pub prefix: String,
    /// When the row last changed.
    pub updated_at: String,
    /// The statement (1-based) that failed, with `error`; inside an explicit transaction
    /// block it is after `done + 1`, the block's `BEGIN`, since the block rolled back.
    pub failed: Option<usize>,
}

impl PartialRun {
    /// One line for `current` and errors: what is committed, what failed, where.
    pub fn describe(&self, revision: Option<&Revision>) -> String {
        let line = |n: usize| {
            revision
                .and_then(|r| statement_line(r, self.direction, n))
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default()
        };
        let mut out = format!(
            "partially {}d: {} of {} statements committed",
            self.direction.as_str(),
            self.done,
            self.total
        );
        if let (Some(running), Some(done)) = (self.running, self.settled(revision)) {
            if done == self.done {
                out.push_str(&format!(
                    "; interrupted in the transaction block that begins at statement {running}{}, which was rolled back as a whole (a rerun resumes there)",
                    line(running)
                ));
            } else {
                out.push_str(&format!(
                    "; interrupted once the transaction block ending at statement {running}{} had committed (a rerun resumes after it)",
                    line(running)
                ));
            }
        } else if let Some(running) = self.running {
            out.push_str(&format!(
                "; interrupted while running statement {running}{}, which may or may not have taken effect",
                line(running)
            ));
        } else if let Some(error) = &self.error {
            let at = self.failed.unwrap_or(self.done + 1);
            out.push_str(&format!(
                "; statement {at}{} failed: {}",
                line(at),
                crate::sql::display(error)
            ));
            if at > self.done + 1 {
                let begin = self.done + 1;
                out.push_str(&format!(
                    "; the transaction block it was in, from statement {begin}{}, was rolled back (a rerun resumes at its BEGIN)",
                    line(begin)
                ));
            }
        }
        out
    }
}

impl PartialRun {
    /// For a run interrupted at a transaction block's edge, how many statements certainly
    /// committed, which the record itself proves: the records written inside an explicit
    /// block commit or roll back with it. Still "running" its `BEGIN`: the block rolled back
    /// as a whole (`done`). Still "running" its `COMMIT`: that record was written inside the
    /// block, so the block committed (`done + 1`). `None` for any other statement: it may or
    /// may not have taken effect.
    pub fn settled(&self, revision: Option<&Revision>) -> Option<usize> {
        let running = self.running?;
        let statement = statements(revision?, self.direction)
            .into_iter()
            .nth(running.checked_sub(1)?)?
            .1;
        match super::transaction_control(&statement)? {
            super::Control::Begin if running == self.done + 1 => Some(self.done),
            super::Control::End
                if running == self.done + 1 && statement_ends_a_commit(&statement) =>
            {
                Some(self.done + 1)
            }
            _ => None,
        }
    }
}

/// `COMMIT` or `END`, not `ROLLBACK`, `ABORT` or `PREPARE TRANSACTION`.
fn statement_ends_a_commit(statement: &str) -> bool {
    let first = statement
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_end_matches(';')
        .to_ascii_lowercase();
    first == "commit" || first == "end"
}

/// The file line of statement `n` (1-based) of a revision's part.
fn statement_line(revision: &Revision, direction: Direction, n: usize) -> Option<usize> {
    statements(revision, direction)
        .into_iter()
        .nth(n.checked_sub(1)?)
        .map(|(line, _)| line)
}

/// The SQL of one part.
pub(super) fn sql(revision: &Revision, direction: Direction) -> &str {
    match direction {
        Direction::Upgrade => &revision.upgrade,
        Direction::Downgrade => &revision.downgrade,
    }
}

/// The statements of one part, each with the line of the file it starts on (not the line of
/// the part), which is what every message names. A part that does not split whole (see
/// [`check`], which every run calls first) has none.
pub(super) fn statements(revision: &Revision, direction: Direction) -> Vec<(usize, String)> {
    let first = first_line(revision, direction);
    split_statements(sql(revision, direction))
        .unwrap_or_default()
        .into_iter()
        .map(|(line, statement)| (line + first.saturating_sub(1), statement))
        .collect()
}

fn first_line(revision: &Revision, direction: Direction) -> usize {
    match direction {
        Direction::Upgrade => revision.upgrade_line,
        Direction::Downgrade => revision.downgrade_line,
    }
}

/// Refuses a part that ends inside a comment, a quote or a function body, naming its line.
pub(super) fn check(revision: &Revision, direction: Direction) -> Result<(), MigrateError> {
    split_statements(sql(revision, direction))
        .map(drop)
        .map_err(|e| MigrateError::Unclosed {
            revision: revision.id.clone(),
            path: revision.path.display().to_string(),
            line: e.line + first_line(revision, direction).saturating_sub(1),
            what: e.what,
        })
}

/// SHA-256 over the first `k` statements, for every `k` from 0 to all of them, in one pass.
pub(super) fn prefix_checksums(statements: &[(usize, String)]) -> Vec<String> {
    let hex = |hasher: Sha256| -> String {
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let mut hasher = Sha256::new();
    let mut out = vec![hex(hasher.clone())];
    for (_, statement) in statements {
        hasher.update(statement.as_bytes());
        hasher.update([0]);
        out.push(hex(hasher.clone()));
    }
    out
}

pub(super) fn create_sql(table: &VersionTable) -> String {
    let name = table.partial_qualified();
    // `failed` came after the first release of the table: added where it is missing, and
    // only then (ALTER TABLE needs the table's owner even when the column is there).
    let literal = crate::sql::quote_literal;
    let alter = format!("ALTER TABLE {name} ADD COLUMN failed integer");
    let body = format!(
        "BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = {}::regclass AND attname = 'failed' AND NOT attisdropped) THEN EXECUTE {}; END IF; END",
        literal(&name),
        literal(&alter)
    );
    let mut tag = "$model$".to_string();
    while body.contains(tag.as_str()) {
        tag.insert(tag.len() - 1, '_');
    }
    format!(
        "CREATE TABLE IF NOT EXISTS {name} (\n    revision varchar(64) NOT NULL PRIMARY KEY,\n    direction text NOT NULL,\n    done integer NOT NULL,\n    total integer NOT NULL,\n    running integer,\n    error text,\n    prefix char(64) NOT NULL,\n    updated_at timestamp with time zone NOT NULL DEFAULT now(),\n    failed integer\n);\nDO {tag} {body} {tag};\n"
    )
}

/// Every unfinished part, by revision.
pub fn read_partial(
    client: &mut impl Blocking,
    table: &VersionTable,
) -> Result<Vec<PartialRun>, MigrateError> {
    block_on(read_partial_async(client, table))
}

/// [`read_partial`] over any [`Connection`].
pub async fn read_partial_async<C: Connection>(
    client: &mut C,
    table: &VersionTable,
) -> Result<Vec<PartialRun>, MigrateError> {
    if !super::table_exists(client, &table.partial_qualified()).await? {
        return Ok(Vec::new());
    }
    let rows = client
        .query_typed(
            &format!(
                "SELECT revision, direction, done, total, running, error, prefix,
                        to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS TZ'),
                        (to_jsonb(p) ->> 'failed')::integer
                 FROM {} p ORDER BY revision",
                table.partial_qualified()
            ),
            &[],
        )
        .await
        .map_err(db("reading the progress table"))?;
    let mut out = Vec::new();
    for row in rows {
        let read = |e: postgres::Error| MigrateError::Db {
            context: format!("reading {}", table.partial_qualified()),
            message: super::pg_message(&e),
        };
        let count = |v: i32| usize::try_from(v).unwrap_or(0);
        out.push(PartialRun {
            revision: row.try_get(0).map_err(read)?,
            direction: Direction::parse(&row.try_get::<_, String>(1).map_err(read)?),
            done: count(row.try_get(2).map_err(read)?),
            total: count(row.try_get(3).map_err(read)?),
            running: row.try_get::<_, Option<i32>>(4).map_err(read)?.map(count),
            error: row.try_get(5).map_err(read)?,
            prefix: row
                .try_get::<_, String>(6)
                .map_err(read)?
                .trim()
                .to_string(),
            updated_at: row.try_get(7).map_err(read)?,
            failed: row.try_get::<_, Option<i32>>(8).map_err(read)?.map(count),
        });
    }
    Ok(out)
}

/// Starts (or restarts) the record of a part.
pub(super) async fn begin<C: Connection>(
    client: &mut C,
    table: &VersionTable,
    revision: &str,
    direction: Direction,
    total: usize,
    prefix: &str,
) -> Result<(), MigrateError> {
    client
        .query_typed(
            &format!(
                "INSERT INTO {} (revision, direction, done, total, prefix) VALUES ($1, $2, 0, $3, $4)
                 ON CONFLICT (revision) DO UPDATE SET total = excluded.total, error = NULL, failed = NULL, updated_at = now()",
                table.partial_qualified()
            ),
            &[
                (&revision, Type::VARCHAR),
                (&direction.as_str(), Type::TEXT),
                (&(total as i32), Type::INT4),
                (&prefix, Type::BPCHAR),
            ],
        )
        .await
        .map(drop)
        .map_err(db("recording progress"))
}

/// Records that statement `n` starts (`running = Some(n)`), or that the first `done` committed.
pub(super) async fn record<C: Connection>(
    client: &mut C,
    table: &VersionTable,
    revision: &str,
    done: usize,
    running: Option<usize>,
    prefix: &str,
) -> Result<(), MigrateError> {
    client
        .query_typed(
            &format!(
                "UPDATE {} SET done = $2, running = $3, prefix = $4, error = NULL, failed = NULL, updated_at = now() WHERE revision = $1",
                table.partial_qualified()
            ),
            &[
                (&revision, Type::VARCHAR),
                (&(done as i32), Type::INT4),
                (&running.map(|r| r as i32), Type::INT4),
                (&prefix, Type::BPCHAR),
            ],
        )
        .await
        .map(drop)
        .map_err(db("recording progress"))
}

/// Records a failed statement: nothing is running, and PostgreSQL said `error`.
pub(super) async fn fail<C: Connection>(
    client: &mut C,
    table: &VersionTable,
    revision: &str,
    failed: Option<usize>,
    error: &str,
) -> Result<(), MigrateError> {
    client
        .query_typed(
            &format!(
                "UPDATE {} SET running = NULL, error = $2, failed = $3, updated_at = now() WHERE revision = $1",
                table.partial_qualified()
            ),
            &[
                (&revision, Type::VARCHAR),
                (&error, Type::TEXT),
                (&failed.map(|n| n as i32), Type::INT4),
            ],
        )
        .await
        .map(drop)
        .map_err(db("recording progress"))
}

/// The `DELETE` that ends a part's record, for the transaction that records the revision.
pub(super) fn finish_sql(table: &VersionTable, revision: &str) -> String {
    format!(
        "DELETE FROM {} WHERE revision = {};",
        table.partial_qualified(),
        crate::sql::quote_literal(revision)
    )
}

/// Indexes left invalid (a failed or cancelled concurrent build), as `schema.name`.
pub(super) async fn invalid_indexes<C: Connection>(
    client: &mut C,
) -> Result<Vec<String>, MigrateError> {
    let rows = client
        .query_typed(
            "SELECT n.nspname, c.relname FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE NOT (i.indisvalid AND i.indisready)
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
             ORDER BY 1, 2",
            &[],
        )
        .await
        .map_err(db("looking for invalid indexes"))?;
    Ok(rows
        .iter()
        .map(|r| crate::sql::qualified(&r.get::<_, String>(0), &r.get::<_, String>(1)))
        .collect())
}

/// What a statement does concurrently to one index, which `kill -9` cannot leave half done
/// (the index is built and valid, or invalid, or not there at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Concurrent {
    /// `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON [schema.]table …`: the
    /// index, qualified (in the table's schema).
    Create(String),
    /// `DROP INDEX CONCURRENTLY [IF EXISTS] [schema.]name`.
    Drop(String),
}

/// The concurrent index statement `statement` is, if it is one.
pub(super) fn concurrent(statement: &str, default_schema: &str) -> Option<Concurrent> {
    let words = crate::sql::tokens::Idents::of(statement);
    let word = |i: usize| words.keyword(i);
    match word(0) {
        "CREATE" => {
            let mut i = 1;
            if word(i) == "UNIQUE" {
                i += 1;
            }
            if word(i) != "INDEX" || word(i + 1) != "CONCURRENTLY" {
                return None;
            }
            i += 2;
            if word(i) == "IF" && word(i + 1) == "NOT" && word(i + 2) == "EXISTS" {
                i += 3;
            }
            // An index's name is never qualified: it goes in its table's schema.
            let (_, name, mut on) = words.name_at(i, default_schema)?;
            if word(on) != "ON" {
                return None;
            }
            on += 1;
            if word(on) == "ONLY" {
                on += 1;
            }
            let (schema, _, _) = words.name_at(on, default_schema)?;
            Some(Concurrent::Create(crate::sql::qualified(&schema, &name)))
        }
        "DROP" if word(1) == "INDEX" && word(2) == "CONCURRENTLY" => {
            let mut i = 3;
            if word(i) == "IF" && word(i + 1) == "EXISTS" {
                i += 2;
            }
            words
                .name_at(i, default_schema)
                .map(|(schema, name, _)| Concurrent::Drop(crate::sql::qualified(&schema, &name)))
        }
        _ => None,
    }
}

/// An index PostgreSQL is building right now (`pg_stat_progress_create_index`), or one a
/// failed or interrupted concurrent build left invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfinishedIndex {
    /// The index, qualified.
    pub index: String,
    /// The session building it and since when (`None`: nobody; the index is invalid).
    pub building: Option<(i32, String)>,
}

impl std::fmt::Display for UnfinishedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.building {
            Some((pid, since)) => write!(
                f,
                "index {} is being built by pid {pid} (since {since}); wait for it, or cancel it with SELECT pg_cancel_backend({pid})",
                self.index
            ),
            None => write!(
                f,
                "index {} is invalid (a failed or interrupted concurrent build left it; a resumed run drops and builds it again)",
                self.index
            ),
        }
    }
}

/// Every index being built right now and every invalid index, in the user's schemas.
pub async fn unfinished_indexes<C: Connection>(
    client: &mut C,
) -> Result<Vec<UnfinishedIndex>, MigrateError> {
    let rows = client
        .query_typed(
            "SELECT n.nspname::text, c.relname::text, p.pid,
                    to_char(a.query_start, 'YYYY-MM-DD HH24:MI:SS TZ')
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_stat_progress_create_index p ON p.index_relid = i.indexrelid
             LEFT JOIN pg_stat_activity a ON a.pid = p.pid
             WHERE (NOT (i.indisvalid AND i.indisready) OR p.pid IS NOT NULL)
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
             ORDER BY 1, 2",
            &[],
        )
        .await
        .map_err(db("looking for unfinished indexes"))?;
    Ok(rows
        .iter()
        .map(|r| UnfinishedIndex {
            index: crate::sql::qualified(&r.get::<_, String>(0), &r.get::<_, String>(1)),
            building: r
                .get::<_, Option<i32>>(2)
                .map(|pid| (pid, r.get::<_, Option<String>>(3).unwrap_or_default())),
        })
        .collect())
}

/// [`unfinished_indexes`] over a blocking client.
pub fn read_unfinished_indexes(
    client: &mut impl Blocking,
) -> Result<Vec<UnfinishedIndex>, MigrateError> {
    block_on(unfinished_indexes(client))
}

#[cfg(test)]
mod concurrent_tests {
    use super::*;

    #[test]
    fn concurrent_index_statements_name_their_index() {
        let c = |s: &str| concurrent(s, "public");
        assert_eq!(
            c("CREATE INDEX CONCURRENTLY orders_customer ON public.orders USING btree (customer)"),
            Some(Concurrent::Create("public.orders_customer".into()))
        );
        assert_eq!(
            c("create unique index concurrently if not exists \"Odd\" on sales.t (x)"),
            Some(Concurrent::Create("sales.\"Odd\"".into()))
        );
        assert_eq!(
            c("DROP INDEX CONCURRENTLY IF EXISTS sales.orders_old"),
            Some(Concurrent::Drop("sales.orders_old".into()))
        );
        assert_eq!(
            c("DROP INDEX CONCURRENTLY t_x"),
            Some(Concurrent::Drop("public.t_x".into()))
        );
        assert_eq!(c("CREATE INDEX t_x ON t (x)"), None);
        assert_eq!(c("SELECT 'CREATE INDEX CONCURRENTLY a ON b (c)'"), None);
    }
}

#[cfg(test)]
mod block_tests {
    use super::*;

    #[test]
    fn a_stop_at_a_blocks_edge_is_settled_by_the_record() {
        let revision = Revision {
            upgrade: "CREATE TABLE a (id int);\nBEGIN;\nCREATE TABLE b (id int);\nCOMMIT;\nCREATE TABLE c (id int);\nBEGIN;\nSELECT 1;\nROLLBACK;".into(),
            ..Default::default()
        };
        let at = |done: usize, running: usize| PartialRun {
            revision: "r".into(),
            direction: Direction::Upgrade,
            done,
            total: 8,
            running: Some(running),
            error: None,
            prefix: String::new(),
            updated_at: String::new(),
            failed: None,
        };
        // At BEGIN: the block rolled back; resume there.
        assert_eq!(at(1, 2).settled(Some(&revision)), Some(1));
        // At COMMIT, recorded inside the block: it committed; resume after it.
        assert_eq!(at(3, 4).settled(Some(&revision)), Some(4));
        // Anywhere else nobody knows.
        assert_eq!(at(2, 3).settled(Some(&revision)), None);
        assert_eq!(at(4, 5).settled(Some(&revision)), None);
        assert_eq!(at(7, 8).settled(Some(&revision)), None);
        assert_eq!(at(1, 2).settled(None), None);
        assert!(at(1, 2)
            .describe(Some(&revision))
            .contains("rolled back as a whole"));
        assert!(at(3, 4).describe(Some(&revision)).contains("had committed"));
    }
}
