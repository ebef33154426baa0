//! The project: config, revision graph, and the database a command works on.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use model_core::config::Config;
use model_core::migrate::{read_current, Migrator, TransactionMode};
use model_core::pg::{self, Server, TempDatabase};
use model_core::revision::Graph;
use model_core::ModelSet;
use postgres::Client;

use crate::console::{info, warning};
use crate::context::Context;

/// Config and revisions of one project.
pub struct Project {
    pub config: Config,
    pub config_path: PathBuf,
    pub graph: Graph,
}

impl Project {
    /// The project's `model.toml`: `--config`'s, or the one in its directory.
    pub fn config_path(ctx: &Context) -> std::path::PathBuf {
        ctx.config
            .clone()
            .unwrap_or_else(|| ctx.dir.join("model.toml"))
    }

    /// Reads model.toml (from --config or the project directory) and the versions directory.
    pub fn load(ctx: &Context) -> anyhow::Result<Project> {
        let config_path = Project::config_path(ctx);
        let config = Config::load(&config_path)?;
        // A misspelt script_location would otherwise read as a project with no revisions.
        let versions = config.versions_dir();
        if !versions.is_dir() {
            bail!(
                "script_location = {:?} in {}: no such directory ({}); correct the setting, or make the directory (`model-cli init` makes a project with one)",
                config.script_location,
                config_path.display(),
                versions.display()
            );
        }
        let graph = Graph::load(&versions)?;
        Ok(Project {
            config,
            config_path,
            graph,
        })
    }

    /// The configured database URL, if any.
    pub fn url(&self, ctx: &Context) -> anyhow::Result<Option<String>> {
        Ok(self
            .config
            .database_url(ctx.url.as_deref(), ctx.env.as_deref(), &self.config_path)?)
    }

    /// A connection to the configured database, or an error saying how to configure one.
    pub fn connect(&self, ctx: &Context) -> anyhow::Result<Client> {
        let Some(url) = self.url(ctx)? else {
            bail!(
                "no database configured: set DATABASE_URL, database_url in {}, or pass --url",
                self.config_path.display()
            );
        };
        Ok(pg::connect(&url)?)
    }

    /// A runner on `client` that logs Alembic-style lines; its lock is held on `lock`, a
    /// second connection to the same database (see model_core::migrate).
    pub fn migrator<'a>(
        &'a self,
        client: &'a mut Client,
        lock: Client,
        ctx: &Context,
    ) -> Migrator<'a> {
        let wait = self.lock_wait(ctx);
        Migrator::new(
            client,
            lock,
            &self.graph,
            self.config.version_table(),
            |line| {
                if line.starts_with("DESTRUCTIVE ") {
                    warning("migrate", line)
                } else {
                    info("migrate", line)
                }
            },
        )
        .lock_wait(wait)
        .lock_retries(self.config.lock_settings().unwrap_or_default())
        .echo_statements(ctx.verbose)
    }

    /// How long a run waits for another run's lock: `--lock-wait`, else model.toml's, else a
    /// minute.
    pub fn lock_wait(&self, ctx: &Context) -> std::time::Duration {
        match (ctx.lock_wait, self.config.lock_wait_seconds) {
            (Some(seconds), _) => std::time::Duration::try_from_secs_f64(seconds.max(0.0))
                .unwrap_or(model_core::migrate::DEFAULT_LOCK_WAIT),
            (None, Some(seconds)) => std::time::Duration::from_secs(seconds),
            (None, None) => model_core::migrate::DEFAULT_LOCK_WAIT,
        }
    }

    /// The database to compare the models with, at head: the configured one (refused when not
    /// at head), or a throwaway database on which every revision is replayed.
    pub fn database_at_head(
        &self,
        ctx: &Context,
    ) -> anyhow::Result<(Client, Option<TempDatabase>)> {
        let (mut client, temp) = match self.url(ctx)? {
            Some(url) => (pg::connect(&url)?, None),
            None => {
                let temp = Server::shared()
                    .context("no database configured, and no throwaway PostgreSQL to replay the revisions on")?
                    .create_database()?;
                info(
                    "autogenerate",
                    format!(
                        "No database configured: replaying the revisions on throwaway database {}",
                        temp.name()
                    ),
                );
                let mut client = temp.connect()?;
                self.migrator(&mut client, temp.connect()?, ctx)
                    .upgrade("heads", TransactionMode::PerRevision)?;
                (client, Some(temp))
            }
        };
        let mut current = read_current(&mut client, &self.version_table(ctx))?;
        current.sort();
        let mut heads: Vec<String> = self.graph.heads().iter().map(|r| r.id.clone()).collect();
        heads.sort();
        if current != heads {
            bail!(
                "Target database is not up to date: it is at {}, the head{} {} {}; run `upgrade heads` first",
                if current.is_empty() { "base".to_string() } else { current.join(", ") },
                if heads.len() == 1 { "" } else { "s" },
                if heads.len() == 1 { "is" } else { "are" },
                heads.join(", ")
            );
        }
        Ok((client, temp))
    }

    /// The version table: the project's, in the tenant's schema when the command runs on one.
    pub fn version_table(&self, ctx: &Context) -> model_core::migrate::VersionTable {
        let mut table = self.config.version_table();
        if let Some(tenant) = &ctx.tenant {
            table.schema = tenant.clone();
        }
        table
    }

    /// The live schema and the models' schema, both canonical and filtered.
    pub fn compare(
        &self,
        ctx: &Context,
        models: &ModelSet,
    ) -> anyhow::Result<model_core::autogenerate::Comparison> {
        self.compare_then(ctx, models, |_, comparison| Ok(comparison))
    }

    /// [`Self::compare`], then `then` with the comparison and the connection to the database
    /// compared (still open, at head).
    pub fn compare_then<T>(
        &self,
        ctx: &Context,
        models: &ModelSet,
        then: impl FnOnce(
            &mut postgres::Client,
            model_core::autogenerate::Comparison,
        ) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        if let Some(table) = models
            .schema()
            .tables
            .iter()
            .find(|t| !self.config.schemas.contains(&t.name.schema))
        {
            bail!(
                "table {} of the models is in schema `{}`, which {} does not manage; add it to `schemas`",
                table.name,
                table.name.schema,
                self.config_path.display()
            );
        }
        // Three more connections read the configured database with the first, in its
        // snapshot; they open while it checks the revisions.
        let url = self.url(ctx)?.filter(|_| ctx.tenant.is_none());
        let opening = url.map(|url| {
            std::thread::spawn(move || {
                (0..2)
                    .filter_map(|_| pg::connect(&url).ok())
                    .collect::<Vec<Client>>()
            })
        });
        let (mut client, _temp) = self.database_at_head(ctx)?;
        let comparison = match &ctx.tenant {
            None if opening.is_some() => {
                let mut helpers = opening.and_then(|h| h.join().ok()).unwrap_or_default();
                let options = model_core::introspect::Options {
                    schemas: self.config.schemas.clone(),
                };
                let live =
                    model_core::introspect::introspect_shared(&mut client, &mut helpers, &options)?
                        .schema;
                drop(helpers);
                model_core::autogenerate::compare_live(
                    &mut client,
                    models,
                    &self.config,
                    live,
                    None,
                )?
            }
            Some(tenant) => model_core::autogenerate::compare_tenant(
                &mut client,
                models,
                &self.config,
                &model_core::migrate::SchemaMap {
                    from: self.config.schemas[0].clone(),
                    to: tenant.clone(),
                },
            )?,
            None => model_core::autogenerate::compare(&mut client, models, &self.config)?,
        };
        then(&mut client, comparison)
    }
}
