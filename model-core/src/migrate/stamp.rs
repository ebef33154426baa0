//! `stamp` (record a state without running anything) and `repair` (record what happened to a
//! revision an earlier run left in part, or accept an edited file).

use super::*;

impl<C: Connection> Migrator<'_, C> {
    /// Records `target` as the current state without running anything.
    pub async fn stamp_async(&mut self, target: &str, purge: bool) -> Result<(), MigrateError> {
        self.acquire().await?;
        let result = self.stamp_locked(target, purge).await;
        self.release(result).await
    }

    async fn stamp_locked(&mut self, target: &str, purge: bool) -> Result<(), MigrateError> {
        self.ensure_tables().await?;
        begin(self.client, "stamp").await?;
        let result = self.stamp_in_transaction(target, purge).await;
        let heads = end(self.client, result, "stamp").await?;
        (self.log)(format!("Stamped {heads}"));
        Ok(())
    }

    /// The stamp's reads and writes, inside its transaction; returns the heads stamped.
    async fn stamp_in_transaction(
        &mut self,
        target: &str,
        purge: bool,
    ) -> Result<String, MigrateError> {
        let graph = self.graph;
        if purge {
            self.client
                .batch_execute(&format!(
                    "DELETE FROM {}; DELETE FROM {}; DELETE FROM {}",
                    self.table.qualified(),
                    self.table.log_qualified(),
                    self.table.partial_qualified()
                ))
                .await
                .map_err(db("stamp"))?;
        }
        let current = read_current_async(self.client, &self.table).await?;
        if let Some(unknown) = current.iter().find(|c| graph.get(c).is_none()) {
            return Err(MigrateError::UnknownApplied(format!(
                "{unknown} (use --purge to clear the version table)"
            )));
        }
        if let Some(p) = read_partial_async(self.client, &self.table).await?.first() {
            return Err(MigrateError::PartiallyApplied {
                revision: p.revision.clone(),
                state: p.describe(graph.get(&p.revision)),
                advice: format!(
                    "Settle it with `repair {}` before stamping (or stamp --purge to forget every record).",
                    p.revision
                ),
            });
        }
        let target = graph.resolve_target(target, &current)?;
        let applied = graph.ancestors(target.heads.iter().map(String::as_str));
        let mut sql = format!(
            "DELETE FROM {}; DELETE FROM {};\n",
            self.table.qualified(),
            self.table.log_qualified()
        );
        for id in graph.heads_of(&applied) {
            sql.push_str(&format!(
                "INSERT INTO {} (version_num) VALUES ({});\n",
                self.table.qualified(),
                quote_literal(id)
            ));
        }
        for id in &applied {
            let checksum = graph.get(id).map(Revision::checksum).unwrap_or_default();
            sql.push_str(&format!(
                "INSERT INTO {} (revision, checksum) VALUES ({}, {});\n",
                self.table.log_qualified(),
                quote_literal(id),
                quote_literal(&checksum)
            ));
        }
        self.client.batch_execute(&sql).await.map_err(db("stamp"))?;
        Ok(at_text(&graph.heads_of(&applied)))
    }

    /// Settles a revision an earlier run left partially applied, or accepts an edited script.
    pub async fn repair_async(
        &mut self,
        revision: &str,
        action: Repair,
    ) -> Result<(), MigrateError> {
        self.acquire().await?;
        let result = self.repair_locked(revision, action).await;
        self.release(result).await
    }

    async fn repair_locked(&mut self, revision: &str, action: Repair) -> Result<(), MigrateError> {
        self.ensure_tables().await?;
        let graph = self.graph;
        let id = graph.resolve_id(revision)?.to_string();
        let Some(rev) = graph.get(&id) else {
            return Err(MigrateError::BadTarget(format!("no revision {id}")));
        };
        if action == Repair::AcceptEdit {
            let updated = self
                .client
                .query_typed(
                    &format!(
                        "UPDATE {} SET checksum = $2 WHERE revision = $1 RETURNING revision",
                        self.table.log_qualified()
                    ),
                    &[(&id, Type::VARCHAR), (&rev.checksum(), Type::BPCHAR)],
                )
                .await
                .map_err(db("recording the new checksum"))?;
            if updated.is_empty() {
                return Err(MigrateError::BadTarget(format!(
                    "revision {id} is not applied, so there is no checksum to accept"
                )));
            }
            (self.log)(format!("Accepted the edited script of {id}"));
            return Ok(());
        }
        let partial = read_partial_async(self.client, &self.table)
            .await?
            .into_iter()
            .find(|p| p.revision == id);
        let Some(partial) = partial else {
            return Err(MigrateError::BadTarget(format!(
                "revision {id} has no partial run to settle (`current` lists partial runs); to move the version table, use `stamp`"
            )));
        };
        match action {
            Repair::Undone => {
                self.client
                    .batch_execute(&partial::finish_sql(&self.table, &id))
                    .await
                    .map_err(db("forgetting the partial run"))?;
                (self.log)(format!(
                    "Forgot the partial {} of {id}; it stays as it was before that run",
                    partial.direction.as_str()
                ));
            }
            Repair::StatementsDone(n) => {
                if n > partial.total {
                    return Err(MigrateError::BadTarget(format!(
                        "revision {id}'s {} part has {} statements, not {n}",
                        partial.direction.as_str(),
                        partial.total
                    )));
                }
                let statements = partial::statements(rev, partial.direction);
                let prefixes = partial::prefix_checksums(&statements);
                partial::record(self.client, &self.table, &id, n, None, &prefixes[n]).await?;
                (self.log)(format!(
                    "Recorded {n} of {} statements of {id}'s {} as done; the next run resumes after them",
                    partial.total,
                    partial.direction.as_str()
                ));
            }
            Repair::Applied => {
                // Never recorded as done while an index it builds is invalid or still being
                // built.
                let unfinished = self.index_sentences(rev, partial.direction).await?;
                if !unfinished.is_empty() {
                    return Err(MigrateError::PartiallyApplied {
                        revision: id.clone(),
                        state: format!(
                            "not recorded as applied: its {} names an unfinished index{unfinished}",
                            partial.direction.as_str()
                        ),
                        advice: format!(
                            "Run the same command again to resume (the guard before a concurrent build drops an invalid index), or rebuild it by hand (REINDEX INDEX CONCURRENTLY …) and then `repair {id} --applied`."
                        ),
                    });
                }
                let current = read_current_async(self.client, &self.table).await?;
                let applied = graph.ancestors(current.iter().map(String::as_str));
                let (plan, _) = plan_steps(graph, &self.table, &[rev], &applied, partial.direction);
                transaction_sql(
                    self.client,
                    &format!(
                        "{}\n{}",
                        plan[0].bookkeeping,
                        partial::finish_sql(&self.table, &id)
                    ),
                    "repair",
                )
                .await?;
                (self.log)(format!(
                    "Recorded the {} of {id} as done",
                    partial.direction.as_str()
                ));
            }
            Repair::AcceptEdit => unreachable!("handled above"),
        }
        Ok(())
    }
}
