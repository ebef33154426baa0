//! The runner for tokio applications (feature `tokio`): the same runner as the command line
//! and [`EmbeddedMigrations`]'s, run on tokio's blocking pool, so that an `async fn main` can
//! `upgrade_async(…).await` at startup without blocking its runtime's threads. Same lock,
//! checksums, transactions, retries and version table: it is the same code.

use super::embedded::connect;
use super::{EmbeddedMigrations, MigrateError};
use crate::introspect::{IntrospectError, Options};
use crate::schema::Schema;

/// Runs `work` on the blocking pool; a panic in it is an error, not a crash of the caller.
async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T, MigrateError> + Send + 'static,
) -> Result<T, MigrateError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(MigrateError::Db {
            context: what.to_string(),
            message: e.to_string(),
        })
    })
}

impl EmbeddedMigrations {
    /// [`EmbeddedMigrations::upgrade_url`], awaited: applies what `target` needs on the
    /// database `url` names. Returns the ids applied.
    pub async fn upgrade_async(
        &'static self,
        url: &str,
        target: &str,
    ) -> Result<Vec<String>, MigrateError> {
        let (url, target) = (url.to_string(), target.to_string());
        blocking("upgrading", move || self.upgrade_url(&url, &target)).await
    }

    /// Undoes applied revisions until only `target` (`base` for none) and its ancestors
    /// remain, on the database `url` names. Returns the ids undone.
    pub async fn downgrade_async(
        &'static self,
        url: &str,
        target: &str,
    ) -> Result<Vec<String>, MigrateError> {
        let (url, target) = (url.to_string(), target.to_string());
        blocking("downgrading", move || self.downgrade_url(&url, &target)).await
    }

    /// The applied heads of the database `url` names (empty at base).
    pub async fn current_async(&'static self, url: &str) -> Result<Vec<String>, MigrateError> {
        let url = url.to_string();
        blocking("reading the version table", move || {
            self.current(&mut connect(&url, "migrations")?)
        })
        .await
    }

    /// The revisions not applied yet to the database `url` names, in order.
    pub async fn pending_async(&'static self, url: &str) -> Result<Vec<String>, MigrateError> {
        let url = url.to_string();
        blocking("reading the version table", move || {
            self.pending(&mut connect(&url, "migrations")?)
        })
        .await
    }
}

/// Reads the schemas `options` names of the database `url` names, on the blocking pool.
pub async fn introspect_async(url: &str, options: Options) -> Result<Schema, MigrateError> {
    let url = url.to_string();
    blocking("reading the catalogs", move || {
        let mut client = connect(&url, "introspection")?;
        crate::introspect::introspect(&mut client, &options).map_err(|e: IntrospectError| {
            MigrateError::Db {
                context: "reading the catalogs".into(),
                message: e.to_string(),
            }
        })
    })
    .await
}
