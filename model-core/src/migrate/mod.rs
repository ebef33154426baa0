//! The runner: applies revisions to a database and records them.
//!
//! Guarantees: a session-level advisory lock around every run, so concurrent runs take turns
//! and each revision is applied once; each revision's statements and its version-table change
//! in one transaction (or the whole run in one), so a failing statement leaves nothing of its
//! revision behind; a checksum of every applied script, so a script edited after it was
//! applied is reported instead of silently accepted.
//!
//! The version table has Alembic's semantics: one row per applied head. A second table,
//! `<version table>_applied`, keeps one row per applied revision with its checksum.

mod offline;

use std::collections::BTreeSet;

use postgres::{Client, GenericClient, Transaction};

pub use offline::offline_sql;

use crate::render::{quote_ident, quote_literal};
use crate::revision::{split_statements, Graph, GraphError, Revision};

/// Where the version table lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTable {
    /// Schema of both tables.
    pub schema: String,
    /// Name of the heads table (`model_version`); the log is `<name>_applied`.
    pub name: String,
}

impl Default for VersionTable {
    fn default() -> Self {
        VersionTable {
            schema: "public".into(),
            name: "model_version".into(),
        }
    }
}

impl VersionTable {
    /// The heads table, quoted.
    pub fn qualified(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }

    /// The log table's name.
    pub fn log_name(&self) -> String {
        format!("{}_applied", self.name)
    }

    /// The log table, quoted.
    pub fn log_qualified(&self) -> String {
        format!(
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&self.log_name())
        )
    }

    /// `CREATE TABLE IF NOT EXISTS` for both tables.
    pub fn create_sql(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\n    version_num varchar(64) NOT NULL,\n    CONSTRAINT {} PRIMARY KEY (version_num)\n);\n\
             CREATE TABLE IF NOT EXISTS {} (\n    revision varchar(64) NOT NULL PRIMARY KEY,\n    checksum char(64) NOT NULL,\n    applied_at timestamp with time zone NOT NULL DEFAULT now()\n);\n",
            self.qualified(),
            quote_ident(&format!("{}_pkc", self.name)),
            self.log_qualified()
        )
    }

    /// The key of the advisory lock that serialises runs on this version table.
    pub fn lock_key(&self) -> i64 {
        // FNV-1a: stable across builds and processes, unlike std's hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in format!("model-migrate:{}.{}", self.schema, self.name).bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash as i64
    }
}

/// Errors of running revisions.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// A target or the graph is wrong.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// A statement of a revision failed; nothing of that revision was applied.
    #[error("revision {revision} ({path}) failed at line {line}: {message}\n    {statement}\nNothing of {revision} was applied; the database is still at {at}.")]
    Statement {
        revision: String,
        path: String,
        line: usize,
        statement: String,
        message: String,
        at: String,
    },
    /// A script was changed after it was applied.
    #[error("revision {revision} ({path}) was edited after it was applied (applied checksum {applied}, file checksum {current}); restore the file, or run `stamp` to accept the edit")]
    Edited {
        revision: String,
        path: String,
        applied: String,
        current: String,
    },
    /// The database records a revision the versions directory does not have.
    #[error("the database records revision {0} as applied, but no script in the versions directory has that id")]
    UnknownApplied(String),
    /// A target that cannot be reached this way.
    #[error("{0}")]
    BadTarget(String),
    /// Any other database error.
    #[error("{context}: {message}")]
    Db { context: String, message: String },
}

fn db(context: &str) -> impl Fn(postgres::Error) -> MigrateError + '_ {
    move |e| MigrateError::Db {
        context: context.to_string(),
        message: pg_message(&e),
    }
}

/// PostgreSQL's own message for an error.
pub fn pg_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(e) => {
            let mut out = e.message().to_string();
            if let Some(detail) = e.detail() {
                out.push_str(&format!(" ({detail})"));
            }
            out
        }
        None => error.to_string(),
    }
}

/// How revisions are grouped into transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionMode {
    /// One transaction per revision (the default).
    #[default]
    PerRevision,
    /// The whole run in one transaction.
    PerRun,
}

/// Applies revisions of `graph` to the database of `client`.
pub struct Migrator<'a> {
    client: &'a mut Client,
    graph: &'a Graph,
    table: VersionTable,
    log: Box<dyn FnMut(String) + 'a>,
}

impl<'a> Migrator<'a> {
    /// A runner that reports progress through `log`, one line at a time.
    pub fn new(
        client: &'a mut Client,
        graph: &'a Graph,
        table: VersionTable,
        log: impl FnMut(String) + 'a,
    ) -> Self {
        Migrator {
            client,
            graph,
            table,
            log: Box::new(log),
        }
    }

    /// The revisions the version table lists (the applied heads), sorted.
    pub fn current(&mut self) -> Result<Vec<String>, MigrateError> {
        read_current(self.client, &self.table)
    }

    /// Checks that every applied revision still exists and is unchanged.
    pub fn verify(&mut self) -> Result<(), MigrateError> {
        let exists: bool = self
            .client
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[&self.table.log_qualified()],
            )
            .map_err(db("reading the version table"))?
            .get(0);
        if !exists {
            return Ok(());
        }
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT revision, checksum FROM {} ORDER BY revision",
                    self.table.log_qualified()
                ),
                &[],
            )
            .map_err(db("reading applied revisions"))?;
        for row in rows {
            let (id, checksum): (String, String) = (row.get(0), row.get(1));
            let revision = self
                .graph
                .get(&id)
                .ok_or_else(|| MigrateError::UnknownApplied(id.clone()))?;
            if revision.checksum() != checksum.trim() {
                return Err(MigrateError::Edited {
                    revision: id,
                    path: revision.path.display().to_string(),
                    applied: checksum.trim().to_string(),
                    current: revision.checksum(),
                });
            }
        }
        Ok(())
    }

    /// Applies everything `target` needs that is not applied yet. Returns the ids applied.
    pub fn upgrade(
        &mut self,
        target: &str,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError> {
        self.locked(|m| {
            let current = m.prepare()?;
            let target = m.graph.resolve_target(target, &current)?;
            let mut applied = m.graph.ancestors(current.iter().map(String::as_str));
            let steps = m.graph.upgrade_path(&applied, &target.heads);
            m.run(&steps, &mut applied, true, mode)
        })
    }

    /// Undoes applied revisions until only `target` and its ancestors remain.
    pub fn downgrade(
        &mut self,
        target: &str,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError> {
        self.locked(|m| {
            let current = m.prepare()?;
            let target = m.graph.resolve_target(target, &current)?;
            let mut applied = m.graph.ancestors(current.iter().map(String::as_str));
            let keep = m.graph.ancestors(target.heads.iter().map(String::as_str));
            if let Some(missing) = keep.iter().find(|id| !applied.contains(*id)) {
                return Err(MigrateError::BadTarget(format!(
                    "cannot downgrade to {missing}: it is not applied (use upgrade to go forward)"
                )));
            }
            let steps = m.graph.downgrade_path(&applied, &target.heads);
            m.run(&steps, &mut applied, false, mode)
        })
    }

    /// Records `target` as the current state without running anything.
    pub fn stamp(&mut self, target: &str, purge: bool) -> Result<(), MigrateError> {
        self.locked(|m| {
            m.ensure_tables()?;
            let mut tx = m.client.transaction().map_err(db("stamp"))?;
            if purge {
                tx.batch_execute(&format!(
                    "DELETE FROM {}; DELETE FROM {}",
                    m.table.qualified(),
                    m.table.log_qualified()
                ))
                .map_err(db("stamp"))?;
            }
            let current = read_current(&mut tx, &m.table)?;
            if let Some(unknown) = current.iter().find(|c| m.graph.get(c).is_none()) {
                return Err(MigrateError::UnknownApplied(format!(
                    "{unknown} (use --purge to clear the version table)"
                )));
            }
            let target = m.graph.resolve_target(target, &current)?;
            let applied = m.graph.ancestors(target.heads.iter().map(String::as_str));
            tx.batch_execute(&format!(
                "DELETE FROM {}; DELETE FROM {}",
                m.table.qualified(),
                m.table.log_qualified()
            ))
            .map_err(db("stamp"))?;
            for id in m.graph.heads_of(&applied) {
                tx.execute(
                    &format!(
                        "INSERT INTO {} (version_num) VALUES ($1)",
                        m.table.qualified()
                    ),
                    &[&id],
                )
                .map_err(db("stamp"))?;
            }
            for id in &applied {
                let checksum = m.graph.get(id).map(Revision::checksum).unwrap_or_default();
                tx.execute(
                    &format!(
                        "INSERT INTO {} (revision, checksum) VALUES ($1, $2)",
                        m.table.log_qualified()
                    ),
                    &[id, &checksum],
                )
                .map_err(db("stamp"))?;
            }
            tx.commit().map_err(db("stamp"))?;
            let heads = m.graph.heads_of(&applied);
            (m.log)(format!(
                "Stamped {}",
                if heads.is_empty() {
                    "base".to_string()
                } else {
                    heads.join(", ")
                }
            ));
            Ok(())
        })
    }

    fn locked<T>(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<T, MigrateError>,
    ) -> Result<T, MigrateError> {
        let key = self.table.lock_key();
        self.client
            .execute("SELECT pg_advisory_lock($1)", &[&key])
            .map_err(db("taking the migration lock"))?;
        let result = work(self);
        // The lock is per session; release it even after an error so the connection can be reused.
        let unlocked = self
            .client
            .execute("SELECT pg_advisory_unlock($1)", &[&key]);
        match (result, unlocked) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(db("releasing the migration lock")(e)),
            (Ok(v), Ok(_)) => Ok(v),
        }
    }

    fn ensure_tables(&mut self) -> Result<(), MigrateError> {
        self.client
            .batch_execute(&self.table.create_sql())
            .map_err(db("creating the version table"))
    }

    /// Creates the version tables, reads the current heads, and checks them and the checksums.
    fn prepare(&mut self) -> Result<Vec<String>, MigrateError> {
        self.ensure_tables()?;
        let current = self.current()?;
        if let Some(unknown) = current.iter().find(|c| self.graph.get(c).is_none()) {
            return Err(MigrateError::UnknownApplied(unknown.clone()));
        }
        self.verify()?;
        let server: String = self
            .client
            .query_one("SHOW server_version", &[])
            .map_err(db("server version"))?
            .get(0);
        (self.log)(format!("Context impl PostgreSQL {server}."));
        (self.log)("Will assume transactional DDL.".into());
        Ok(current)
    }

    fn run<'g>(
        &mut self,
        steps: &[&'g Revision],
        applied: &mut BTreeSet<&'g str>,
        upgrade: bool,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError>
    where
        'a: 'g,
    {
        if mode == TransactionMode::PerRun {
            if let Some(r) = steps.iter().find(|r| !r.transactional) {
                return Err(MigrateError::BadTarget(format!(
                    "revision {} must run outside a transaction, so the run cannot be one transaction",
                    r.id
                )));
            }
        }
        let start_at = at_text(&self.graph.heads_of(applied));
        let (plan, state) = plan_steps(self.graph, &self.table, steps, applied, upgrade);
        if mode == TransactionMode::PerRun {
            let mut tx = self.client.transaction().map_err(db("starting the run"))?;
            for step in &plan {
                (self.log)(step.title.clone());
                execute(&mut tx, step.revision, step.sql, &start_at)?;
                tx.batch_execute(&step.bookkeeping)
                    .map_err(db("updating the version table"))?;
            }
            tx.commit().map_err(db("committing the run"))?;
        } else {
            for Step {
                revision,
                title,
                sql,
                at,
                bookkeeping,
            } in &plan
            {
                (self.log)(title.clone());
                if revision.transactional {
                    let mut tx = self
                        .client
                        .transaction()
                        .map_err(db("starting a transaction"))?;
                    execute(&mut tx, revision, sql, at)?;
                    tx.batch_execute(bookkeeping)
                        .map_err(db("updating the version table"))?;
                    tx.commit().map_err(db("committing"))?;
                } else {
                    // Statements that cannot run in a transaction block run one by one.
                    for (number, statement) in split_statements(sql) {
                        self.client
                            .batch_execute(&statement)
                            .map_err(|e| statement_error(revision, number, &statement, &e, at))?;
                    }
                    self.client
                        .batch_execute(&format!("BEGIN;\n{bookkeeping}\nCOMMIT;"))
                        .map_err(db("updating the version table"))?;
                }
            }
        }
        *applied = state;
        Ok(plan.iter().map(|step| step.revision.id.clone()).collect())
    }
}

/// One revision of a run, worked out before anything runs.
pub(crate) struct Step<'g> {
    pub revision: &'g Revision,
    /// `Running upgrade a -> b, message`.
    pub title: String,
    /// The SQL to run (the upgrade or the downgrade part).
    pub sql: &'g str,
    /// The heads before the step, for messages (`base` when none).
    pub at: String,
    /// The version-table statements of the step.
    pub bookkeeping: String,
}

/// The steps of a run over `steps` from the applied set `applied`, and the applied set after.
pub(crate) fn plan_steps<'g>(
    graph: &'g Graph,
    table: &VersionTable,
    steps: &[&'g Revision],
    applied: &BTreeSet<&'g str>,
    upgrade: bool,
) -> (Vec<Step<'g>>, BTreeSet<&'g str>) {
    let mut state = applied.clone();
    let mut plan = Vec::new();
    for &revision in steps {
        let before: Vec<String> = graph
            .heads_of(&state)
            .iter()
            .map(|s| s.to_string())
            .collect();
        if upgrade {
            state.insert(revision.id.as_str());
        } else {
            state.remove(revision.id.as_str());
        }
        let after: Vec<String> = graph
            .heads_of(&state)
            .iter()
            .map(|s| s.to_string())
            .collect();
        let parents = revision.revises.join(", ");
        let message = first_line(&revision.message);
        let title = if upgrade {
            format!("Running upgrade {parents} -> {}, {message}", revision.id)
        } else {
            format!("Running downgrade {} -> {parents}, {message}", revision.id)
        };
        plan.push(Step {
            revision,
            title,
            sql: if upgrade {
                &revision.upgrade
            } else {
                &revision.downgrade
            },
            at: at_text(&before.iter().map(String::as_str).collect::<Vec<_>>()),
            bookkeeping: bookkeeping(table, revision, &before, &after, upgrade),
        });
    }
    (plan, state)
}

fn at_text(heads: &[&str]) -> String {
    if heads.is_empty() {
        "base".to_string()
    } else {
        heads.join(", ")
    }
}

fn execute(
    tx: &mut Transaction<'_>,
    revision: &Revision,
    sql: &str,
    at: &str,
) -> Result<(), MigrateError> {
    for (line, statement) in split_statements(sql) {
        tx.batch_execute(&statement)
            .map_err(|e| statement_error(revision, line, &statement, &e, at))?;
    }
    Ok(())
}

fn statement_error(
    revision: &Revision,
    line: usize,
    statement: &str,
    error: &postgres::Error,
    at: &str,
) -> MigrateError {
    // Lines are counted in the part of the script that ran; the marker line comes first.
    MigrateError::Statement {
        revision: revision.id.clone(),
        path: revision.path.display().to_string(),
        line,
        statement: statement.lines().collect::<Vec<_>>().join("\n    "),
        message: pg_message(error),
        at: at.to_string(),
    }
}

/// The version-table statements of one step: heads before → heads after, and the log row.
pub(crate) fn bookkeeping(
    table: &VersionTable,
    revision: &Revision,
    before: &[String],
    after: &[String],
    upgrade: bool,
) -> String {
    let mut out = Vec::new();
    let gone: Vec<String> = before
        .iter()
        .filter(|b| !after.contains(b))
        .map(|b| quote_literal(b))
        .collect();
    if !gone.is_empty() {
        out.push(format!(
            "DELETE FROM {} WHERE version_num IN ({});",
            table.qualified(),
            gone.join(", ")
        ));
    }
    for new in after.iter().filter(|a| !before.contains(a)) {
        out.push(format!(
            "INSERT INTO {} (version_num) VALUES ({});",
            table.qualified(),
            quote_literal(new)
        ));
    }
    if upgrade {
        out.push(format!(
            "INSERT INTO {} (revision, checksum) VALUES ({}, {});",
            table.log_qualified(),
            quote_literal(&revision.id),
            quote_literal(&revision.checksum())
        ));
    } else {
        out.push(format!(
            "DELETE FROM {} WHERE revision = {};",
            table.log_qualified(),
            quote_literal(&revision.id)
        ));
    }
    out.join("\n")
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}

/// The version table's rows (the applied heads), sorted; empty when the table does not exist.
pub fn read_current(
    client: &mut impl GenericClient,
    table: &VersionTable,
) -> Result<Vec<String>, MigrateError> {
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table.qualified()])
        .map_err(db("reading the version table"))?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            &format!(
                "SELECT version_num FROM {} ORDER BY version_num",
                table.qualified()
            ),
            &[],
        )
        .map_err(db("reading the version table"))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
