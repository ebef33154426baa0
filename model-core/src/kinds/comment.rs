//! Comments (`COMMENT ON … IS …`). On schemas, tables and columns: those that change on an
//! object that stays (a new one's comment is part of its creation). On every other object
//! ([`Commented::Object`]): set after everything is created (the object may be one the plan
//! creates or creates again, which loses its comment), and, when the object goes, nothing to
//! do but what the downgrade needs: the comment set again once the object is back.

use super::ddl::column_comment;
use super::{Change, Hint, Kind, Lock, Stage};
use crate::schema::{qualified, TableName};
use crate::sql::{quote_ident, quote_literal};

/// What a comment is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commented {
    /// A schema.
    Schema(String),
    /// A table (or a view, sequence or foreign table: PostgreSQL's `COMMENT ON TABLE` takes
    /// any relation).
    Table(TableName),
    /// A column of a table.
    Column(TableName, String),
    /// Any other object, as `COMMENT ON` names it (see [`crate::schema::ObjectComment`]).
    Object {
        /// `INDEX`, `CONSTRAINT`, `FUNCTION`…
        kind: String,
        /// PostgreSQL's identity of it (`public.f(integer)`, `c on public.t`).
        identity: String,
    },
}

/// The comment on one object: `None` is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The object.
    pub on: Commented,
    /// The comment's text.
    pub text: Option<String>,
}

impl Comment {
    /// The change of the comment on `on` from `from` to `to`.
    pub fn change(on: Commented, from: Option<String>, to: Option<String>) -> Change<Comment> {
        Change::Alter {
            from: Comment {
                on: on.clone(),
                text: from,
            },
            to: Comment { on, text: to },
        }
    }
}

impl Kind for Comment {
    fn statements(change: &Change<Self>) -> Vec<String> {
        let (on, text) = match change {
            Change::Create(c) | Change::Alter { to: c, .. } => (&c.on, c.text.as_ref()),
            Change::Drop(c) => (&c.on, None),
        };
        let is = || text.map_or("NULL".to_string(), |c| quote_literal(c));
        vec![match on {
            // The object goes (or goes to be created again): its comment goes with it.
            Commented::Object { .. } if matches!(change, Change::Drop(_)) => return Vec::new(),
            Commented::Object { kind, identity } => {
                format!("COMMENT ON {kind} {identity} IS {}", is())
            }
            Commented::Schema(name) => {
                format!("COMMENT ON SCHEMA {} IS {}", quote_ident(name), is())
            }
            Commented::Table(table) => {
                format!("COMMENT ON TABLE {} IS {}", qualified(table), is())
            }
            Commented::Column(table, column) => column_comment(table, column, text),
        }]
    }

    fn describe(change: &Change<Self>) -> String {
        match &change.subject().on {
            Commented::Object { kind, identity } if matches!(change, Change::Drop(_)) => {
                format!("comment on {} {identity} goes with it", kind.to_lowercase())
            }
            Commented::Object { kind, identity } => {
                format!("changed comment on {} {identity}", kind.to_lowercase())
            }
            Commented::Schema(name) => format!("changed comment on schema '{name}'"),
            Commented::Table(table) => format!("changed comment on table '{table}'"),
            Commented::Column(table, column) => {
                format!("changed comment on column '{table}.{column}'")
            }
        }
    }

    /// An object's comment after every object is created; when it goes with its object, first
    /// (so that, undone, it comes last: once the object is back).
    fn stage(change: &Change<Self>, _hint: Hint) -> Stage {
        match (&change.subject().on, change) {
            (Commented::Object { .. }, Change::Drop(_)) => Stage::Schemas,
            (Commented::Object { .. }, _) => Stage::ObjectComments,
            _ => Stage::Properties,
        }
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }
}

/// `comment`'s object named after `rename` (a schema or table renamed under it).
pub fn renamed(comment: &mut crate::schema::ObjectComment, rename: &super::Renamed<'_>) {
    use crate::sql::tokens::{qualified_renamed, schema_renamed};
    comment.identity = match *rename {
        super::Renamed::Schema { from, to } => schema_renamed(&comment.identity, from, to),
        super::Renamed::Table { from, to } => {
            qualified_renamed(&comment.identity, &from.schema, &from.name, &to.name)
        }
        super::Renamed::Column { .. } => return,
    };
}
