//! What a run reports when it stops: [`MigrateError`], its three large cases boxed (a failed
//! statement, a lock that never came, a part that committed in part).

use super::*;

/// A statement of a revision that runs in a transaction failed; nothing of it was applied.
#[derive(Debug, thiserror::Error)]
#[error("revision {revision} ({path}) failed at line {line}: {message}\n    {statement}\nNothing of {revision} was applied; the database is still at {at}.")]
pub struct StatementFailed {
    pub revision: String,
    pub path: String,
    pub line: usize,
    pub statement: String,
    pub message: String,
    pub at: String,
}

/// A statement waited too long for a lock on every attempt; nothing of the revision (or of
/// the statement, outside a transaction) was applied.
#[derive(Debug, thiserror::Error)]
#[error("revision {revision} ({path}) gave up at line {line} after {attempts} attempt(s): every one timed out waiting for a lock (last lock_timeout {last_timeout} ms)\n    {statement}\n{holders}Nothing of that attempt was applied; the database is still at {at}. Run again when the sessions holding the locks are done, or raise lock_timeout / lock_retries in model.toml.")]
pub struct LockTimedOut {
    pub revision: String,
    pub path: String,
    pub line: usize,
    pub statement: String,
    pub attempts: u32,
    pub last_timeout: u128,
    /// The sessions holding locks on the relations the statement names, or "".
    pub holders: String,
    pub at: String,
}

/// A statement of a part that runs outside a transaction failed after others committed.
#[derive(Debug, thiserror::Error)]
#[error("revision {revision} ({path}) failed at line {line}: {message}\n    {statement}\n{revision} runs outside a transaction: {committed}; the rest did not run.{invalid}\n`current` shows {revision} as partially applied. Fix the cause and run the same command again to resume at line {line} (statements already committed must stay unchanged), or settle it by hand with `repair {revision}`.")]
pub struct PartialFailed {
    pub revision: String,
    pub path: String,
    pub line: usize,
    pub statement: String,
    pub message: String,
    /// "statements 1–3 of 5 committed (through line 12)" or "no statement committed".
    pub committed: String,
    /// A sentence about indexes the failure left invalid, or empty.
    pub invalid: String,
}

/// Asked, with the destructive statements, before a run that has them; `false` cancels it.
pub type Confirm<'a> = Box<dyn FnMut(&[Destruction]) -> bool + Send + 'a>;

/// Errors of running revisions.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The database is protected and the run has statements that cannot be shown to keep
    /// every row.
    #[error("the database is protected and this run has statements that cannot be shown to keep every row and value; nothing ran:\n{}\nRun again with --allow-destructive to go ahead.", list.join("\n"))]
    Destructive {
        /// One line per such statement, with why.
        list: Vec<String>,
    },
    /// Someone asked declined a destructive run.
    #[error("not confirmed; nothing ran")]
    NotConfirmed,
    /// A target or the graph is wrong.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// A statement of a revision that runs in a transaction failed; nothing of it was applied.
    #[error(transparent)]
    Statement(Box<StatementFailed>),
    /// A statement waited too long for a lock on every attempt; nothing of the revision (or of
    /// the statement, outside a transaction) was applied.
    #[error(transparent)]
    LockTimedOut(Box<LockTimedOut>),
    /// A statement of a part that runs outside a transaction failed after others committed.
    #[error(transparent)]
    Partial(Box<PartialFailed>),
    /// An earlier run stopped inside a part without recording the outcome of a statement.
    #[error("revision {revision} was interrupted during an earlier {direction}: {state}.\nCheck the database, then record what happened: `repair {revision} --statements-done N` (the number of statements that took effect; the next run resumes after them), `repair {revision} --applied`, or `repair {revision} --undone`.")]
    Interrupted {
        revision: String,
        direction: &'static str,
        state: String,
    },
    /// A partially applied revision stands in the way of this run.
    #[error("revision {revision} is {state}.\n{advice}")]
    PartiallyApplied {
        revision: String,
        state: String,
        advice: String,
    },
    /// A part ends inside a comment, a quote or a function body: it would run shorter than
    /// written (parsing a file refuses this; a revision built in code is checked here).
    #[error("revision {revision} ({path}) line {line}: {what} is never closed: the script ends inside it, and would run only in part; nothing was run")]
    Unclosed {
        revision: String,
        path: String,
        line: usize,
        what: String,
    },
    /// A transactional revision holds a statement that would end its transaction.
    #[error("revision {revision} ({path}) line {line}: `{keyword}` would commit or end the revision's transaction part-way, so a later failure could not be undone and the record would be wrong. Mark the revision `-- Transactional: no` (each statement is then recorded as it commits), or remove the statement.")]
    TransactionControl {
        revision: String,
        path: String,
        line: usize,
        keyword: String,
    },
    /// A script was changed after it was applied.
    #[error("revision {revision} ({path}) was edited after it was applied (applied checksum {applied}, file checksum {current}).\nRestore the file, or, if the database already matches the edited script, accept the edit with `repair {revision} --accept-edit` (this records the new checksum and changes nothing else).")]
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
    /// Another run held the migration lock for longer than this run would wait.
    #[error("gave up after waiting {waited}s for the migration lock, held by {holder}; if that run is stuck, end it (SELECT pg_terminate_backend(pid)), or wait longer with --lock-wait")]
    LockTimeout { waited: f64, holder: String },
    /// The run's connection got no server connection while the lock's held one (a pooler
    /// with one server connection for the database).
    #[error("the run got no server connection after waiting {waited:.0}s ({message}): a run needs two server connections at once, one holding the migration lock for the whole run; behind a pooler, give this database a pool of at least 2 (PgBouncer: pool_size, or default_pool_size), one more for each run at the same time")]
    NoServerConnection { waited: f64, message: String },
    /// The connection holding the migration lock was lost mid-run.
    #[error("the connection holding the migration lock was lost ({0}); stopped so that no other run can interleave")]
    LockLost(String),
    /// A statement that cannot be run in a tenant's schema (see [`SchemaMap`]); nothing ran.
    #[error("revision {revision} ({path}) line {line} cannot run in tenant schema {schema}: {problem}. Nothing was run.")]
    Tenant {
        revision: String,
        path: String,
        line: usize,
        schema: String,
        problem: String,
    },
    /// Any other database error.
    #[error("{context}: {message}")]
    Db { context: String, message: String },
}

pub(super) fn db(context: &str) -> impl Fn(postgres::Error) -> MigrateError + '_ {
    move |e| MigrateError::Db {
        context: context.to_string(),
        message: pg_message(&e),
    }
}

/// A revision's statement that failed: the error to report, and whether it was a lock
/// timeout (which is tried again).
pub(super) struct Failure {
    pub(super) lock_timeout: bool,
    pub(super) line: usize,
    pub(super) statement: String,
    pub(super) error: MigrateError,
}

impl From<MigrateError> for Failure {
    fn from(error: MigrateError) -> Self {
        Failure {
            lock_timeout: false,
            line: 0,
            statement: String::new(),
            error,
        }
    }
}
