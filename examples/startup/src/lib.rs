//! What a tokio application does at startup: its revision scripts (here the seed's) are
//! embedded in the program when it is built, and applied to its database before it serves.
//! `cargo run -p startup` with `DATABASE_URL` set (TLS as libpq's `sslmode` says).

use model_core::migrate::{EmbeddedMigrations, MigrateError};

/// The seed's scripts, checked when this crate is built.
pub static MIGRATIONS: EmbeddedMigrations =
    model_core::embed_migrations!("../ecommerce/migrations");

/// Brings the database `url` names to the newest revision; returns the revisions applied.
pub async fn migrate(url: &str) -> Result<Vec<String>, MigrateError> {
    MIGRATIONS.upgrade_url_async(url, "head").await
}

/// The same through connections the application already has (from its pool, with its TLS):
/// `client` runs the revisions, `lock` (a second connection to the same database, closed
/// when this returns) holds the migration lock.
pub async fn migrate_on(
    client: &mut tokio_postgres::Client,
    lock: tokio_postgres::Client,
) -> Result<Vec<String>, MigrateError> {
    MIGRATIONS.upgrade_async(client, lock, "head").await
}
