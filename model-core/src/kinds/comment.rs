//! Comments on schemas, tables and columns (`COMMENT ON … IS …`) that change on an object that
//! stays. A new object's comment is part of its creation; the other kinds' rooms write their
//! own comments.

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
            Commented::Schema(name) => format!("changed comment on schema '{name}'"),
            Commented::Table(table) => format!("changed comment on table '{table}'"),
            Commented::Column(table, column) => {
                format!("changed comment on column '{table}.{column}'")
            }
        }
    }

    fn stage(_change: &Change<Self>, _hint: Hint) -> Stage {
        Stage::Properties
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }
}
