//! A run: the revisions of a plan applied one by one (or in one transaction), each statement
//! under the run's timeouts, lock timeouts retried after a pause, the version table kept in
//! the same transaction as the statements it records.

use super::*;

impl<'a, C: Connection> Migrator<'a, C> {
    pub(super) async fn run<'g>(
        &mut self,
        steps: &[&'g Revision],
        applied: &mut BTreeSet<&'g str>,
        direction: Direction,
        mode: TransactionMode,
    ) -> Result<Vec<String>, MigrateError>
    where
        'a: 'g,
    {
        let outside = self.refuse_before_running(steps, direction, mode)?;
        // A partially applied revision must be finished (or settled) before anything else.
        let partial = read_partial_async(self.client, &self.table).await?;
        if let Some(p) = partial.first() {
            let first = steps.first().map(|r| r.id.as_str());
            if first != Some(p.revision.as_str()) || p.direction != direction {
                let other = p.direction.as_str();
                return Err(MigrateError::PartiallyApplied {
                    revision: p.revision.clone(),
                    state: p.describe(self.graph.get(&p.revision)),
                    advice: format!(
                        "Finish it first (`{other}` to a target through {}, which resumes it), or settle it with `repair {}`.",
                        p.revision, p.revision
                    ),
                });
            }
        }
        // What the run destroys, said before anything runs, with the rows at stake.
        let mut destructions: Vec<Destruction> = steps
            .iter()
            .flat_map(|r| destructive_statements(r, direction))
            .collect();
        if let Some(map) = &self.tenant {
            for d in &mut destructions {
                d.table = d.table.as_deref().and_then(|t| map.apply(t).ok());
            }
        }
        if !destructions.is_empty() {
            count_rows_async(self.client, &mut destructions).await;
            for d in &destructions {
                (self.log)(format!("DESTRUCTIVE {d}"));
            }
        }
        // A protected database runs only what can be shown to keep every row.
        if !self.allow_destructive && protect::is_marked(self.client, &self.table).await? {
            let mut unproven = Vec::new();
            for revision in steps {
                unproven.extend(
                    protect::unproven(self.client, revision, direction, self.tenant.as_ref())
                        .await?,
                );
            }
            if !unproven.is_empty() {
                return Err(MigrateError::Destructive {
                    list: unproven.iter().map(|u| format!("  {u}")).collect(),
                });
            }
        }
        if !destructions.is_empty() {
            if let Some(confirm) = &mut self.confirm {
                if !confirm(&destructions) {
                    return Err(MigrateError::NotConfirmed);
                }
            }
        }
        if outside.is_empty() {
            (self.log)("Will assume transactional DDL.".into());
        } else {
            (self.log)(format!(
                "Will assume transactional DDL, except for {}, which run{} outside a transaction, statement by statement, each recorded as it commits.",
                outside.join(", "),
                if outside.len() == 1 { "s" } else { "" }
            ));
        }
        let start_at = at_text(&self.graph.heads_of(applied));
        let (plan, state) = plan_steps(self.graph, &self.table, steps, applied, direction);
        if mode == TransactionMode::PerRun {
            let mut attempt = 0;
            while let Err((failure, revision)) = self
                .attempt(&plan, direction, Some(&start_at), attempt, true)
                .await
            {
                self.after_failure(failure, revision, attempt, &start_at)
                    .await?;
                attempt += 1;
            }
        } else {
            for (i, step) in plan.iter().enumerate() {
                (self.log)(step.title.clone());
                if step.revision.transactional {
                    let mut attempt = 0;
                    let one = std::slice::from_ref(step);
                    while let Err((failure, revision)) =
                        self.attempt(one, direction, None, attempt, false).await
                    {
                        self.after_failure(failure, revision, attempt, &step.at)
                            .await?;
                        attempt += 1;
                    }
                } else {
                    let resume = if i == 0 { partial.first() } else { None };
                    self.run_outside(step, direction, resume).await?;
                }
            }
        }
        *applied = state;
        Ok(plan.iter().map(|step| step.revision.id.clone()).collect())
    }

    /// What is refused before anything runs (a revision planned for a newer server is only
    /// warned of): a run in one transaction with a revision that must run outside one, a part
    /// that does not split whole, a statement that would end a revision's transaction, a
    /// statement that does not map into a tenant's schema. The revisions that run outside a
    /// transaction.
    fn refuse_before_running<'g>(
        &mut self,
        steps: &[&'g Revision],
        direction: Direction,
        mode: TransactionMode,
    ) -> Result<Vec<&'g str>, MigrateError> {
        if let Some(server) = self.server {
            for revision in steps {
                match revision.planned_for {
                    Some(planned) if planned > server.major() => (self.log)(format!(
                        "WARNING: revision {} was planned for PostgreSQL {planned}; this server is {server}: a statement form only {planned} has fails.",
                        crate::sql::display(&revision.id)
                    )),
                    _ => {}
                }
            }
        }
        let outside: Vec<&'g str> = steps
            .iter()
            .filter(|r| !r.transactional)
            .map(|r| r.id.as_str())
            .collect();
        if mode == TransactionMode::PerRun && !outside.is_empty() {
            return Err(MigrateError::BadTarget(format!(
                "revision {} must run outside a transaction, so the run cannot be one transaction",
                outside[0]
            )));
        }
        // Refuse before anything runs: a part that does not split whole, a statement that
        // would end a revision's transaction.
        for revision in steps {
            partial::check(revision, direction)?;
        }
        for revision in steps.iter().filter(|r| r.transactional) {
            check_transaction_control(revision, direction)?;
        }
        // In a tenant's schema: every statement must map, before anything runs.
        if let Some(map) = &self.tenant {
            for revision in steps {
                for (line, statement) in partial::statements(revision, direction) {
                    if let Err(problem) = map.apply(&statement) {
                        return Err(MigrateError::Tenant {
                            revision: revision.id.clone(),
                            path: revision.path.display().to_string(),
                            line,
                            schema: quote_ident(&map.to),
                            problem,
                        });
                    }
                }
            }
        }
        Ok(outside)
    }

    /// One attempt at `plan` in one transaction: `BEGIN`, each step's statements and records,
    /// a check that the lock is still held, `COMMIT`; on any failure, `ROLLBACK` (so the
    /// connection is left outside a transaction, whoever owns it) and the failure with the
    /// revision it happened in. `run_at` is the heads the messages name (each step's own when
    /// `None`); `titles` logs each step's title.
    pub(super) async fn attempt<'g>(
        &mut self,
        plan: &[Step<'g>],
        direction: Direction,
        run_at: Option<&str>,
        attempt: u32,
        titles: bool,
    ) -> Result<(), (Failure, &'g Revision)> {
        let first = plan[0].revision;
        begin(self.client, "starting a transaction")
            .await
            .map_err(|e| (Failure::from(e), first))?;
        let result = self
            .steps_in_transaction(plan, direction, run_at, attempt, titles)
            .await;
        match result {
            Ok(()) => end(self.client, Ok(()), "committing")
                .await
                .map_err(|e| (Failure::from(e), first)),
            Err(failure) => {
                let _ = self.client.batch_execute("ROLLBACK").await;
                Err(failure)
            }
        }
    }

    pub(super) async fn steps_in_transaction<'g>(
        &mut self,
        plan: &[Step<'g>],
        direction: Direction,
        run_at: Option<&str>,
        attempt: u32,
        titles: bool,
    ) -> Result<(), (Failure, &'g Revision)> {
        for step in plan {
            let revision = step.revision;
            let failed = |e: MigrateError| (Failure::from(e), revision);
            if titles {
                (self.log)(step.title.clone());
            }
            let mut settings = self.retries.of(revision);
            let search_path = self
                .tenant
                .as_ref()
                .map(|m| m.search_path(true))
                .unwrap_or_default();
            self.client
                .batch_execute(&format!(
                    "{}{search_path}",
                    settings.settings(attempt, true)
                ))
                .await
                .map_err(db("setting lock_timeout"))
                .map_err(failed)?;
            let echo: Option<&mut (dyn FnMut(String) + Send)> = if self.echo {
                Some(&mut *self.log)
            } else {
                None
            };
            execute(
                &mut *self.client,
                Part {
                    revision,
                    direction,
                    at: run_at.unwrap_or(&step.at),
                },
                &mut settings,
                attempt,
                echo,
                self.tenant.as_ref(),
            )
            .await
            .map_err(|f| (f, revision))?;
            self.client
                .batch_execute(&step.bookkeeping)
                .await
                .map_err(db("updating the version table"))
                .map_err(failed)?;
        }
        let last = plan[plan.len() - 1].revision;
        check_lock(&mut self.lock, &mut self.lock_seen)
            .await
            .map_err(|e| (Failure::from(e), last))
    }

    /// After a failed attempt (its transaction rolled back): a lock timeout with attempts
    /// left pauses and returns `Ok` (try again); the last one fails naming who holds the
    /// locks; any other failure is returned as it is.
    pub(super) async fn after_failure(
        &mut self,
        failure: Failure,
        revision: &Revision,
        attempt: u32,
        at: &str,
    ) -> Result<(), MigrateError> {
        if !failure.lock_timeout {
            return Err(failure.error);
        }
        let retries = self.retries.of(revision);
        if attempt + 1 < retries.attempts {
            self.pause_after_lock_timeout(revision, attempt, failure.line)
                .await;
            return Ok(());
        }
        let timeout = retries.timeout(attempt);
        let holders = retry::blockers(self.client, &failure.statement).await;
        Err(MigrateError::LockTimedOut(Box::new(LockTimedOut {
            revision: revision.id.clone(),
            path: revision.path.display().to_string(),
            line: failure.line,
            statement: indent(&failure.statement),
            attempts: retries.attempts,
            last_timeout: timeout.as_millis(),
            holders: if holders.is_empty() {
                String::new()
            } else {
                format!(
                    "Locks held by other sessions on what it names:\n    {}\n",
                    holders.join("\n    ")
                )
            },
            at: at.to_string(),
        })))
    }

    /// Says that attempt `attempt` of `revision` timed out at `line` and waits before the
    /// next one.
    pub(super) async fn pause_after_lock_timeout(
        &mut self,
        revision: &Revision,
        attempt: u32,
        line: usize,
    ) {
        let retries = self.retries.of(revision);
        let pause = retries.pause_after(attempt);
        (self.log)(format!(
            "{} line {line}: lock timeout after {} ms (attempt {} of {}); rolled back, trying again in {} ms with lock_timeout {} ms",
            revision.id,
            retries.timeout(attempt).as_millis(),
            attempt + 1,
            retries.attempts,
            pause.as_millis(),
            retries.timeout(attempt + 1).as_millis()
        ));
        self.client.pause(pause).await;
    }
}

/// A revision run one way, from a database at `at` (for the message if it fails).
pub(super) struct Part<'r> {
    revision: &'r Revision,
    direction: Direction,
    at: &'r str,
}

/// Runs the revision's statements in `tx`, a script's own timeouts the runner's way (see
/// [`LockRetries::script_statement`]).
pub(super) async fn execute<C: Connection>(
    tx: &mut C,
    Part {
        revision,
        direction,
        at,
    }: Part<'_>,
    settings: &mut LockRetries,
    attempt: u32,
    mut echo: Option<&mut (dyn FnMut(String) + Send)>,
    tenant: Option<&SchemaMap>,
) -> Result<(), Failure> {
    for (line, statement) in partial::statements(revision, direction) {
        if let Some(log) = echo.as_mut() {
            echo_statement(*log, line, &statement);
        }
        let mapped = match tenant {
            // Checked before the run started.
            Some(map) => map.apply(&statement).unwrap_or_else(|_| statement.clone()),
            None => statement.clone(),
        };
        let run = settings.script_statement(&mapped, attempt, true);
        tx.batch_execute(&run).await.map_err(|e| Failure {
            lock_timeout: retry::is_lock_timeout(&e),
            line,
            statement: statement.clone(),
            error: MigrateError::Statement(Box::new(StatementFailed {
                revision: revision.id.clone(),
                path: revision.path.display().to_string(),
                line,
                statement: indent(&statement),
                message: pg_message(&e),
                at: at.to_string(),
            })),
        })?;
    }
    Ok(())
}

/// `line 12: ALTER TABLE …`, one log line per line of the statement.
pub(super) fn echo_statement(log: &mut (dyn FnMut(String) + Send), line: usize, statement: &str) {
    for (i, text) in statement.lines().enumerate() {
        if i == 0 {
            log(format!("line {line}: {text}"));
        } else {
            log(format!("    {text}"));
        }
    }
}
