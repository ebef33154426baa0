//! Where the runner keeps its records: the version table (Alembic's shape: one row per
//! applied head), the log of applied revisions with checksums, and the progress of parts run
//! outside a transaction, named after `version_table` in the first managed schema.

use super::*;

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

    /// The names of the tables the runner keeps: heads, log, progress.
    pub fn table_names(&self) -> [String; 3] {
        [
            self.name.clone(),
            self.log_name(),
            format!("{}_partial", self.name),
        ]
    }

    /// Whether `schema.table` is one of the runner's own tables.
    pub fn keeps(&self, schema: &str, table: &str) -> bool {
        schema == self.schema && self.table_names().iter().any(|n| n == table)
    }

    /// The progress table of parts run outside a transaction, quoted.
    pub fn partial_qualified(&self) -> String {
        crate::sql::qualified(&self.schema, &self.table_names()[2])
    }

    /// `CREATE TABLE IF NOT EXISTS` for the three tables.
    pub fn create_sql(&self) -> String {
        let tables = format!(
            "CREATE TABLE IF NOT EXISTS {} (\n    version_num varchar(64) NOT NULL,\n    CONSTRAINT {} PRIMARY KEY (version_num)\n);\n\
             CREATE TABLE IF NOT EXISTS {} (\n    revision varchar(64) NOT NULL PRIMARY KEY,\n    checksum char(64) NOT NULL,\n    applied_at timestamp with time zone NOT NULL DEFAULT now()\n);\n",
            self.qualified(),
            quote_ident(&format!("{}_pkc", self.name)),
            self.log_qualified()
        );
        tables + &partial::create_sql(self)
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
