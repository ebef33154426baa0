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
pub(super) mod schemas;
pub(super) mod sequences;
pub(super) mod tables;
pub(super) mod triggers;
pub(super) mod unmodelled;
pub(super) mod views;

use postgres::types::FromSql;

/// The kinds read by one query each into a `Schema` field of their own, with nothing to join:
/// one line each, the one place such a kind's reader (`$field.rs`, with its `SQL` and `read`)
/// is registered.
macro_rules! plain {
    ($($field:ident: $what:literal),* $(,)?) => {
        $(pub(super) mod $field;)*

        /// Reads every plain kind into `schema`, one query each.
        pub(super) async fn read_plain<C: Connection>(
            reader: &mut Reader<'_, C>,
            schema: &mut crate::schema::Schema,
        ) -> Result<(), IntrospectError> {
            $(schema.$field = super::all(reader, $what, $field::SQL, true, $field::read).await?;)*
            Ok(())
        }
    };
}

plain!(policies: "policies", statistics: "statistics objects", comments: "comments on objects");

use crate::pg::Connection;

use super::IntrospectError;
use crate::schema::Grant;

/// Sends the catalog queries and counts them.
pub(super) struct Reader<'t, C: Connection> {
    pub(super) tx: &'t mut C,
    pub(super) schemas: &'t [String],
    pub(super) queries: usize,
    /// Whose catalog spelling the queries take.
    pub(super) version: crate::sql::PgVersion,
    /// Rows already fetched (by other connections in the same snapshot), by what they read.
    pub(super) prefetched: std::collections::HashMap<&'static str, Vec<Row>>,
}

impl<'t, C: Connection> Reader<'t, C> {
    /// A reader over `tx` of the `schemas`, in `version`'s catalog spelling.
    pub(super) fn new(
        tx: &'t mut C,
        schemas: &'t [String],
        version: crate::sql::PgVersion,
    ) -> Self {
        Reader {
            tx,
            schemas,
            queries: 0,
            version,
            prefetched: Default::default(),
        }
    }

    /// Runs one query (with the managed schemas as `$1` when `with_schemas`).
    pub(super) async fn query(
        &mut self,
        what: &'static str,
        sql: &str,
        with_schemas: bool,
    ) -> Result<Vec<Row>, IntrospectError> {
        self.queries += 1;
        if let Some(rows) = self.prefetched.remove(what) {
            return Ok(rows);
        }
        // The unnamed statement in one round trip: nothing is left prepared on the server,
        // so this works through a transaction-mode pooler.
        let schemas = self.schemas;
        let sql = self.version.catalog_sql(sql);
        let result = if with_schemas {
            self.tx
                .query_typed(&sql, &[(&schemas, postgres::types::Type::TEXT_ARRAY)])
                .await
        } else {
            self.tx.query_typed(&sql, &[]).await
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
            .filter_map(|entry| grant(entry))
            .collect())
    }
}

/// One `role:PRIV,PRIV*` entry of a grants column (`*`: WITH GRANT OPTION).
pub(super) fn grant(entry: &str) -> Option<Grant> {
    let (grantee, privileges) = entry.rsplit_once(':')?;
    Some(Grant {
        grantee: grantee.to_string(),
        privileges: privileges.split(',').map(str::to_string).collect(),
    })
}

/// Which default privileges an object kind has (PostgreSQL's `acldefault`).
#[derive(Clone, Copy)]
pub(super) enum AclKind {
    /// Functions and procedures: `EXECUTE` for `PUBLIC`.
    Function,
    /// Types and domains: `USAGE` for `PUBLIC`.
    Type,
    /// Schemas: nothing for anyone but the owner.
    Schema,
}

impl Row {
    /// The `acl` column (`aclitem[]` as text, NULL for the default) of an object owned by the
    /// `owner` column, as [`Grant`]s relative to the kind's default: what a role holds beyond
    /// it, and, after a `-`, what it lost of it (`public:-EXECUTE`). The owner's implicit
    /// privileges are left out unless it lost some.
    pub(super) fn acl_grants(&self, kind: AclKind) -> Result<Vec<Grant>, IntrospectError> {
        let owner: String = self.get("owner")?;
        let Some(items) = self.get::<Option<Vec<String>>>("acl")? else {
            return Ok(Vec::new());
        };
        let (default_public, owner_all): (&[&str], &[&str]) = match kind {
            AclKind::Function => (&["EXECUTE"], &["EXECUTE"]),
            AclKind::Type => (&["USAGE"], &["USAGE"]),
            AclKind::Schema => (&[], &["CREATE", "USAGE"]),
        };
        let mut held: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for item in &items {
            if let Some((grantee, privileges)) = acl_item(item) {
                held.entry(grantee).or_default().extend(privileges);
            }
        }
        let mut out = Vec::new();
        let defaults = [("public", default_public), (owner.as_str(), owner_all)];
        let mut grantees: Vec<String> = held.keys().cloned().collect();
        for (role, privileges) in defaults {
            if !privileges.is_empty() && !grantees.iter().any(|g| g == role) {
                grantees.push(role.to_string());
            }
        }
        for grantee in grantees {
            let has = held.get(&grantee).cloned().unwrap_or_default();
            let default: &[&str] = defaults
                .iter()
                .find(|(role, _)| *role == grantee)
                .map(|(_, p)| *p)
                .unwrap_or(&[]);
            let plain = |p: &String| p.trim_end_matches('*').to_string();
            let mut privileges: Vec<String> = has
                .iter()
                .filter(|p| grantee != owner || !default.contains(&plain(p).as_str()))
                .filter(|p| !default.contains(&p.as_str()))
                .cloned()
                .collect();
            privileges.extend(
                default
                    .iter()
                    .filter(|d| !has.iter().any(|p| plain(p) == **d))
                    .map(|d| format!("-{d}")),
            );
            if !privileges.is_empty() {
                privileges.sort();
                out.push(Grant {
                    grantee,
                    privileges,
                });
            }
        }
        out.sort();
        Ok(out)
    }
}

/// `"a role"=UC*/grantor` → (`a role`, [`USAGE`, `CREATE*`]); an empty grantee is `public`.
fn acl_item(item: &str) -> Option<(String, Vec<String>)> {
    let (grantee, rest) = if let Some(quoted) = item.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices().peekable();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().map(|&(_, n)| n) == Some('"') {
                    name.push('"');
                    chars.next();
                } else {
                    end = Some(i + 1);
                    break;
                }
            } else {
                name.push(c);
            }
        }
        (name, &quoted[end?..])
    } else {
        let at = item.find('=')?;
        (item[..at].to_string(), &item[at..])
    };
    let letters = rest.strip_prefix('=')?.split('/').next()?;
    let grantee = if grantee.is_empty() {
        "public".to_string()
    } else {
        grantee
    };
    let mut privileges = Vec::new();
    let mut chars = letters.chars().peekable();
    while let Some(c) = chars.next() {
        let name = match c {
            'r' => "SELECT",
            'w' => "UPDATE",
            'a' => "INSERT",
            'd' => "DELETE",
            'D' => "TRUNCATE",
            'x' => "REFERENCES",
            't' => "TRIGGER",
            'X' => "EXECUTE",
            'U' => "USAGE",
            'C' => "CREATE",
            'c' => "CONNECT",
            'T' => "TEMPORARY",
            'm' => "MAINTAIN",
            's' => "SET",
            'A' => "ALTER SYSTEM",
            _ => continue,
        };
        let grantable = chars.peek() == Some(&'*');
        if grantable {
            chars.next();
        }
        privileges.push(if grantable {
            format!("{name}*")
        } else {
            name.to_string()
        });
    }
    Some((grantee, privileges))
}

#[cfg(test)]
mod tests {
    use super::acl_item;

    #[test]
    fn acl_items_read_as_postgres_writes_them() {
        assert_eq!(
            acl_item("=X/postgres"),
            Some(("public".into(), vec!["EXECUTE".into()]))
        );
        assert_eq!(
            acl_item("\"a \"\"b\"\" = c\"=UC*/postgres"),
            Some(("a \"b\" = c".into(), vec!["USAGE".into(), "CREATE*".into()]))
        );
        assert_eq!(
            acl_item("app=arwdDxt/postgres").map(|(_, p)| p.len()),
            Some(7)
        );
    }
}
