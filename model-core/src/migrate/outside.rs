//! Revisions marked `-- Transactional: no`: each statement commits on its own and is recorded
//! as it does, so a failure leaves a known prefix applied, and a later run resumes after it
//! (settling a concurrent index build from the index itself).

use super::concurrent::ConcurrentStep;
use super::*;

impl<C: Connection> Migrator<'_, C> {
    /// The schema an unqualified name in a script is in, and a statement as it runs.
    pub(super) fn in_place(&self, statement: &str) -> (String, String) {
        match &self.tenant {
            Some(map) => (
                map.to.clone(),
                map.apply(statement)
                    .unwrap_or_else(|_| statement.to_string()),
            ),
            None => (self.table.schema.clone(), statement.to_string()),
        }
    }

    /// Whether index `name` (qualified) is there and valid (`None`: not there).
    pub(super) async fn index_valid(&mut self, name: &str) -> Result<Option<bool>, MigrateError> {
        Ok(crate::pg::query_opt(
            self.client,
            "SELECT i.indisvalid AND i.indisready FROM pg_catalog.pg_index i
             WHERE i.indexrelid = pg_catalog.to_regclass($1)",
            &[(&name, postgres::types::Type::TEXT)],
        )
        .await
        .map_err(db("looking at an index"))?
        .map(|row| row.get(0)))
    }

    /// A run stopped (`kill -9`, a lost connection) while it ran a concurrent index statement,
    /// which never takes effect in part: how many statements took effect, from the index
    /// itself (built and valid: it ran; invalid or not there: it did not). Refused while
    /// PostgreSQL is still building the index for a session that is gone. `None`: not such a
    /// statement.
    pub(super) async fn settle_concurrent(
        &mut self,
        statements: &[(usize, String)],
        run: &PartialRun,
    ) -> Result<Option<usize>, MigrateError> {
        let Some(k) = run.running else {
            return Ok(None);
        };
        let Some((_, statement)) = statements.get(k.wrapping_sub(1)) else {
            return Ok(None);
        };
        let (schema, statement) = self.in_place(statement);
        let (name, created) = match partial::concurrent(&statement, &schema) {
            Some(partial::Concurrent::Create(name)) => (name, true),
            Some(partial::Concurrent::Drop(name)) => (name, false),
            None => return Ok(None),
        };
        if let Some(build) = partial::unfinished_indexes(self.client)
            .await?
            .into_iter()
            .find(|u| u.index == name && u.building.is_some())
        {
            return Err(MigrateError::Interrupted {
                revision: run.revision.clone(),
                direction: run.direction.as_str(),
                state: format!(
                    "{}; PostgreSQL is still running it: {build}",
                    run.describe(None)
                ),
            });
        }
        let valid = self.index_valid(&name).await?;
        Ok(Some(match (created, valid) {
            (true, Some(true)) | (false, None) => k,
            _ => k - 1,
        }))
    }

    /// Where a resumed run starts: at `start`, or, when that statement builds an index that an
    /// interrupted or failed build left invalid and the statement before it is the guard that
    /// drops such a leftover, at the guard; without a guard, the leftover is dropped here.
    pub(super) async fn back_to_guard(
        &mut self,
        statements: &[(usize, String)],
        start: usize,
    ) -> Result<usize, MigrateError> {
        let (Some((_, statement)), Some(before)) = (
            statements.get(start),
            start.checked_sub(1).and_then(|b| statements.get(b)),
        ) else {
            return Ok(start);
        };
        let (schema, statement) = self.in_place(statement);
        let (_, guard) = self.in_place(&before.1);
        let Some(partial::Concurrent::Create(name)) = partial::concurrent(&statement, &schema)
        else {
            return Ok(start);
        };
        let guarded =
            partial::concurrent(&guard, &schema) == Some(partial::Concurrent::Drop(name.clone()));
        if self.index_valid(&name).await? != Some(false) {
            return Ok(start);
        }
        if guarded {
            (self.log)(format!(
                "Index {name} is invalid (an interrupted or failed build left it): resuming at the statement before, which drops it"
            ));
            return Ok(start - 1);
        }
        // No guard before it: the leftover of this very statement's build is dropped here,
        // or the build would fail on the name (or, with IF NOT EXISTS, keep it invalid).
        let bound = self.retries.concurrent_wait;
        let dropped = self.drop_left_invalid(&name, &[], bound).await?;
        (self.log)(format!(
            "Index {name} is invalid (an interrupted or failed build of this statement left it).{}",
            dropped.trim_start_matches('\n').trim_start()
        ));
        Ok(start)
    }

    /// Sentences on the indexes `revision`'s part names that are invalid or still being built.
    pub(super) async fn index_sentences(
        &mut self,
        revision: &Revision,
        direction: Direction,
    ) -> Result<String, MigrateError> {
        let sql = self.in_place(partial::sql(revision, direction)).1;
        Ok(partial::unfinished_indexes(self.client)
            .await?
            .into_iter()
            .filter(|u| mentions(&sql, &u.index))
            .map(|u| format!(".\n{u}"))
            .collect())
    }

    /// Where a resumed part starts: after what an earlier run committed (the record, or for a
    /// concurrent index build the index itself), back to the start of an open transaction
    /// block; refused when that run's state cannot be told or its statements were edited.
    async fn resume_at(
        &mut self,
        revision: &Revision,
        direction: Direction,
        statements: &[(usize, String)],
        prefixes: &[String],
        p: &PartialRun,
    ) -> Result<usize, MigrateError> {
        let id = revision.id.as_str();
        // Stopped at a block's edge: the record says what committed. Stopped in a
        // concurrent index statement: the index says.
        let mut settled = p.settled(Some(revision));
        if p.running.is_some() && settled.is_none() {
            settled = self.settle_concurrent(statements, p).await?;
        }
        if p.running.is_some() && settled.is_none() {
            return Err(MigrateError::Interrupted {
                revision: id.to_string(),
                direction: direction.as_str(),
                state: format!(
                    "{}{}",
                    p.describe(Some(revision)),
                    self.index_sentences(revision, direction).await?
                ),
            });
        }
        if prefixes.get(p.done) != Some(&p.prefix) {
            return Err(MigrateError::PartiallyApplied {
                revision: id.to_string(),
                state: p.describe(Some(revision)),
                advice: format!(
                    "The {} statements that committed were edited since; restore them, or settle the revision by hand with `repair {id}`.",
                    p.done
                ),
            });
        }
        let start = self
            .back_to_guard(statements, settled.unwrap_or(p.done))
            .await?;
        if let Some((line, _)) = statements.get(start) {
            (self.log)(format!(
                "Resuming {id} at statement {} of {} (line {}); an earlier run committed the ones before it",
                start + 1,
                statements.len(),
                line
            ));
        }
        Ok(start)
    }

    /// Refuses to record a part as applied when it left an index invalid that was not invalid
    /// before it ran (or that it names): the failure is recorded instead.
    async fn refuse_invalid_indexes(
        &mut self,
        revision: &Revision,
        direction: Direction,
        invalid_before: &[String],
    ) -> Result<(), MigrateError> {
        let id = revision.id.as_str();
        // `CREATE INDEX CONCURRENTLY IF NOT EXISTS` over an index a failed build left invalid
        // succeeds and leaves it invalid: never record such a revision as applied.
        let named: Vec<String> = partial::invalid_indexes(self.client)
            .await?
            .into_iter()
            .filter(|i| {
                !invalid_before.contains(i) || mentions(partial::sql(revision, direction), i)
            })
            .collect();
        if !named.is_empty() {
            partial::fail(
                self.client,
                &self.table,
                id,
                None,
                &format!("index {} is invalid", named.join(", ")),
            )
            .await?;
            return Err(MigrateError::PartiallyApplied {
                revision: id.to_string(),
                state: format!(
                    "fully run, but it left {}",
                    invalid_sentence(&named).trim()
                ),
                advice: format!(
                    "Once the index is rebuilt (REINDEX INDEX CONCURRENTLY …), record the revision with `repair {id} --applied`."
                ),
            });
        }
        Ok(())
    }

    /// PostgreSQL's message for a failed statement; after lock timeouts, how many attempts
    /// timed out and who held the locks.
    async fn failure_message(&mut self, e: &postgres::Error, statement: &str) -> String {
        let message = pg_message(e);
        if !retry::is_lock_timeout(e) {
            return message;
        }
        let holders = retry::blockers(self.client, statement).await;
        format!(
            "{message} on each of {} attempt(s){}",
            self.retries.attempts,
            if holders.is_empty() {
                String::new()
            } else {
                format!("; locks held by {}", holders.join("; "))
            }
        )
    }

    /// A statement of a part run outside a transaction failed, with `message`: the session's
    /// settings reset, the block it was in rolled back, the failure recorded, and the error
    /// naming the statement, what committed before it, and any index it left invalid.
    async fn statement_failed(
        &mut self,
        revision: &Revision,
        statements: &[(usize, String)],
        n: usize,
        message: String,
        invalid_before: &[String],
    ) -> Result<MigrateError, MigrateError> {
        let id = revision.id.as_str();
        let (line, statement) = &statements[n];
        // End an explicit transaction block the script opened; outside one this only
        // warns. What the block did is rolled back, and so is its progress record. Then the
        // session's settings (in a failed block, RESET itself would fail).
        let _ = self.client.batch_execute("ROLLBACK").await;
        let _ = self.client.batch_execute(RESET_OUTSIDE).await;
        partial::fail(self.client, &self.table, id, Some(n + 1), &message).await?;
        let done = read_partial_async(self.client, &self.table)
            .await?
            .into_iter()
            .find(|p| p.revision == id)
            .map_or(n, |p| p.done);
        let settings = statements[..done.min(statements.len())]
            .iter()
            .filter(|(_, s)| session_setting(s))
            .count();
        let committed = if done == 0 {
            "no statement committed".to_string()
        } else if settings == done {
            format!(
                "nothing committed but the {done} session setting{} before it",
                if done == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "statements 1–{done} of {} committed (through line {})",
                statements.len(),
                statements[done - 1].0
            )
        };
        let left: Vec<String> = partial::invalid_indexes(self.client)
            .await?
            .into_iter()
            .filter(|i| !invalid_before.contains(i))
            .collect();
        Ok(MigrateError::Partial(Box::new(PartialFailed {
            revision: id.to_string(),
            path: revision.path.display().to_string(),
            line: *line,
            statement: indent(statement),
            message,
            committed,
            invalid: invalid_sentence(&left),
        })))
    }

    /// Runs a part outside a transaction, statement by statement, recording each as it
    /// commits; resumes after the statements an earlier run committed.
    pub(super) async fn run_outside(
        &mut self,
        step: &Step<'_>,
        direction: Direction,
        resume: Option<&PartialRun>,
    ) -> Result<(), MigrateError> {
        let revision = step.revision;
        let id = revision.id.as_str();
        let statements = partial::statements(revision, direction);
        let prefixes = partial::prefix_checksums(&statements);
        let start = match resume {
            Some(p) => {
                self.resume_at(revision, direction, &statements, &prefixes, p)
                    .await?
            }
            None => {
                partial::begin(
                    self.client,
                    &self.table,
                    id,
                    direction,
                    statements.len(),
                    &prefixes[0],
                )
                .await?;
                0
            }
        };
        let invalid_before = partial::invalid_indexes(self.client).await?;
        // The revision's timeouts, with what the script set in the statements an earlier run
        // committed; statement_timeout once, lock_timeout for each attempt.
        let mut settings = self.retries.of(revision);
        for (_, statement) in &statements[..start] {
            settings.script_statement(statement, 0, false);
        }
        let search_path = self
            .tenant
            .as_ref()
            .map(|m| m.search_path(false))
            .unwrap_or_default();
        // A run that dies (`kill -9`, a lost connection) must not leave PostgreSQL building an
        // index for nobody: the server checks each second that the client is still there.
        self.client
            .batch_execute(&format!(
                "{}{search_path} SET client_connection_check_interval = 1000;",
                settings.settings(0, false)
            ))
            .await
            .map_err(db("setting lock_timeout"))?;
        // Where the explicit transaction block the script opened began: a lock timeout
        // inside it rolls back the whole block, so the retry starts again there.
        let mut block: Option<usize> = None;
        let mut attempt = 0;
        let mut n = start;
        while n < statements.len() {
            let (line, statement) = &statements[n];
            check_lock(&mut self.lock, &mut self.lock_seen).await?;
            // One round trip per statement: "the first n committed, statement n + 1 runs".
            // Inside a block the record is part of the block, and rolled back with it.
            partial::record(self.client, &self.table, id, n, Some(n + 1), &prefixes[n]).await?;
            if self.echo {
                echo_statement(&mut *self.log, *line, statement);
            }
            let control = transaction_control(statement);
            if control == Some(Control::Begin) {
                block = Some(n);
            }
            // The tenant's mapping was checked before the run started.
            let (schema, mapped) = self.in_place(statement);
            let concurrent = partial::concurrent(&mapped, &schema).map(|kind| ConcurrentStep {
                kind,
                statement: &mapped,
                line: *line,
                started: Instant::now(),
                bound: settings.concurrent_wait,
            });
            if let Some(step) = &concurrent {
                // Never in a block (PostgreSQL refuses), never retried: it waits by design.
                match self.concurrent_statement(step, &invalid_before).await? {
                    Ok(()) => {
                        attempt = 0;
                        n += 1;
                        continue;
                    }
                    Err((message, dropped)) => {
                        let failure = self
                            .statement_failed(revision, &statements, n, message, &invalid_before)
                            .await?;
                        return Err(with_sentence(failure, &dropped));
                    }
                }
            }
            self.client
                .batch_execute(&settings.lock_setting(attempt, false))
                .await
                .map_err(db("setting lock_timeout"))?;
            let result = self
                .client
                .batch_execute(&settings.script_statement(&mapped, attempt, false))
                .await;
            match result {
                Ok(()) => {
                    if control == Some(Control::End) {
                        block = None;
                    }
                    if block.is_none() {
                        attempt = 0;
                    }
                    n += 1;
                }
                Err(e) if retry::is_lock_timeout(&e) && attempt + 1 < self.retries.attempts => {
                    let _ = self.client.batch_execute("ROLLBACK").await;
                    self.pause_after_lock_timeout(revision, attempt, *line)
                        .await;
                    attempt += 1;
                    n = block.take().unwrap_or(n);
                }
                Err(e) => {
                    let message = self.failure_message(&e, statement).await;
                    let failure = self
                        .statement_failed(revision, &statements, n, message, &invalid_before)
                        .await?;
                    return Err(failure);
                }
            }
        }
        let _ = self.client.batch_execute(RESET_OUTSIDE).await;
        let all = statements.len();
        partial::record(self.client, &self.table, id, all, None, &prefixes[all]).await?;
        self.refuse_invalid_indexes(revision, direction, &invalid_before)
            .await?;
        check_lock(&mut self.lock, &mut self.lock_seen).await?;
        transaction_sql(
            self.client,
            &format!(
                "{}\n{}",
                step.bookkeeping,
                partial::finish_sql(&self.table, id)
            ),
            "updating the version table",
        )
        .await
    }
}

/// `SET …` or `RESET …` of the session (not `SET CONSTRAINTS` or `SET TRANSACTION`): a
/// statement that changes nothing in the database.
fn session_setting(statement: &str) -> bool {
    let words = crate::sql::tokens::Idents::of(statement);
    match words.keyword(0) {
        "RESET" => true,
        "SET" => {
            !matches!(words.keyword(1), "CONSTRAINTS" | "TRANSACTION" | "SESSION")
                || (words.keyword(1) == "SESSION" && words.keyword(2) != "CHARACTERISTICS")
        }
        _ => false,
    }
}

/// `failure` with `sentence` added to what it says of the indexes it left.
fn with_sentence(mut failure: MigrateError, sentence: &str) -> MigrateError {
    if let MigrateError::Partial(partial) = &mut failure {
        partial.invalid.push_str(sentence);
    }
    failure
}
