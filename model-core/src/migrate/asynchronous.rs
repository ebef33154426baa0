//! The tokio face (feature `tokio`): the runner and introspection over
//! `tokio_postgres::Client`, awaited on the application's runtime. The code is the blocking
//! path's own (written once over [`Connection`](crate::pg::Connection)); this module adds
//! the connection impl's counterpart here: connecting with the same TLS settings, so that an
//! `async fn main` can `upgrade_url_async(url, "head").await` at startup.

use tokio_postgres::Client;

use super::{EmbeddedMigrations, MigrateError};
use crate::pg::Connector;

/// A tokio connection to `url` for `what` (TLS as `sslmode` says), its task spawned on the
/// current runtime.
pub async fn connect_async(url: &str, what: &str) -> Result<Client, MigrateError> {
    let failed = |e: crate::pg::PgError| MigrateError::Db {
        context: format!("connecting ({what})"),
        message: e.to_string(),
    };
    Connector::parse(url)
        .map_err(failed)?
        .connect_async()
        .await
        .map_err(failed)
}

impl EmbeddedMigrations {
    /// [`EmbeddedMigrations::upgrade_async`] on the database `url` names, with the two
    /// connections it needs (closed when it returns).
    pub async fn upgrade_url_async(
        &self,
        url: &str,
        target: &str,
    ) -> Result<Vec<String>, MigrateError> {
        let mut client = connect_async(url, "migrations").await?;
        let lock = connect_async(url, "the migration lock").await?;
        self.upgrade_async(&mut client, lock, target).await
    }

    /// [`EmbeddedMigrations::downgrade_async`] on the database `url` names.
    pub async fn downgrade_url_async(
        &self,
        url: &str,
        target: &str,
    ) -> Result<Vec<String>, MigrateError> {
        let mut client = connect_async(url, "migrations").await?;
        let lock = connect_async(url, "the migration lock").await?;
        self.downgrade_async(&mut client, lock, target).await
    }
}
