//! One module per catalog query (`../sql/*.sql`): each reads its rows by column name into the
//! schema's types. A column that is missing or of an unexpected type is an error naming the
//! query and the column, never a panic.

pub(super) mod columns;
pub(super) mod constraints;
pub(super) mod enums;
pub(super) mod extensions;
pub(super) mod functions;
pub(super) mod indexes;
pub(super) mod others;
pub(super) mod policies;
pub(super) mod schemas;
pub(super) mod sequences;
pub(super) mod tables;
pub(super) mod triggers;
pub(super) mod unmodelled;
pub(super) mod views;

use postgres::types::FromSql;
use postgres::Transaction;

use super::IntrospectError;
use crate::schema::Grant;

/// Sends the catalog queries and counts them.
pub(super) struct Reader<'t, 'c> {
    pub(super) tx: &'t mut Transaction<'c>,
    pub(super) schemas: &'t [String],
    pub(super) queries: usize,
}

impl Reader<'_, '_> {
    /// Runs one query (with the managed schemas as `$1` when `with_schemas`).
    pub(super) fn query(
        &mut self,
        what: &'static str,
        sql: &str,
        with_schemas: bool,
    ) -> Result<Vec<Row>, IntrospectError> {
        self.queries += 1;
        // The unnamed statement in one round trip: nothing is left prepared on the server,
        // so this works through a transaction-mode pooler.
        let result = if with_schemas {
            self.tx
                .query_typed(sql, &[(&self.schemas, postgres::types::Type::TEXT_ARRAY)])
        } else {
            self.tx.query_typed(sql, &[])
        };
        let rows = result.map_err(|error| IntrospectError::Query { what, error })?;
        Ok(rows.into_iter().map(|row| Row { row, what }).collect())
    }
}

/// A catalog row, read by column name.
pub(super) struct Row {
    row: postgres::Row,
    what: &'static str,
}

impl Row {
    /// The value of `column`, or an error naming the query and the column.
    pub(super) fn get<'r, T: FromSql<'r>>(&'r self, column: &str) -> Result<T, IntrospectError> {
        self.row
            .try_get(column)
            .map_err(|error| IntrospectError::Column {
                what: self.what,
                column: column.to_string(),
                message: error.to_string(),
            })
    }

    /// The `grants` column: one `role:PRIV,PRIV*` entry per grantee (`*`: WITH GRANT OPTION).
    pub(super) fn grants(&self) -> Result<Vec<Grant>, IntrospectError> {
        Ok(self
            .get::<Vec<String>>("grants")?
            .iter()
            .filter_map(|entry| {
                let (grantee, privileges) = entry.rsplit_once(':')?;
                Some(Grant {
                    grantee: grantee.to_string(),
                    privileges: privileges.split(',').map(str::to_string).collect(),
                })
            })
            .collect())
    }
}
