//! Functions and procedures (`CREATE FUNCTION`), by name and arguments. A changed function is
//! replaced in place (`CREATE OR REPLACE`) when its result type stays; otherwise the diff drops
//! it and creates it again (`Hint::Replaced`: the drop runs where the creation does).

use super::grant::granted;
use super::{Change, Hint, Kind, Lock, Stage};
use crate::schema::{qualified, Function};

impl Kind for Function {
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            // pg_dump's way: bodies are checked when called, not when created, so functions
            // can come before the tables they read. LOCAL: the setting ends with the
            // revision's transaction instead of staying on a connection that a pooler hands
            // to others.
            Change::Create(f) => {
                let mut out = vec![
                    "SET LOCAL check_function_bodies = false".to_string(),
                    definition(f),
                ];
                let object = format!("{} {}({})", keyword(f), qualified(&f.name), f.arguments);
                out.extend(granted(&object, &f.grants));
                out
            }
            Change::Alter { to: f, .. } => vec![
                "SET LOCAL check_function_bodies = false".to_string(),
                definition(f),
            ],
            Change::Drop(f) => vec![format!("DROP {} {}", keyword(f), f.signature())],
        }
    }

    fn describe(change: &Change<Self>) -> String {
        match change {
            Change::Create(f) => format!("added function '{}({})'", f.name, f.arguments),
            Change::Drop(f) => format!("removed function '{}({})'", f.name, f.arguments),
            Change::Alter { to: f, .. } => {
                format!("changed function '{}({})'", f.name, f.arguments)
            }
        }
    }

    fn stage(change: &Change<Self>, hint: Hint) -> Stage {
        match change {
            // A SQL-standard body is parsed when the function is created: after the tables.
            Change::Create(f) | Change::Alter { to: f, .. } if f.standard_body() => {
                Stage::StandardFunctions
            }
            Change::Create(_) | Change::Alter { .. } => Stage::Types,
            Change::Drop(_) if hint == Hint::Replaced => Stage::Types,
            Change::Drop(_) => Stage::DropFunctions,
        }
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }
}

fn keyword(f: &Function) -> &'static str {
    if f.procedure {
        "PROCEDURE"
    } else {
        "FUNCTION"
    }
}

fn definition(f: &Function) -> String {
    f.definition.trim_end().trim_end_matches(';').to_string()
}
