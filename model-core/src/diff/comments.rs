//! Comments on the objects that carry none of their own: indexes, constraints, views and
//! their columns, sequences, triggers, policies, rules, types, domains, functions, aggregates,
//! event triggers, publications, foreign-data objects.
//!
//! A comment lives as long as its object: dropping the object drops it, creating the object
//! again does not bring it back. So the plan's own statements say which objects it drops,
//! creates, or drops and creates again, and each comment follows: set after the object is
//! (created) again; for one that goes, nothing in the upgrade, and the downgrade sets it again
//! once the object is back.

use std::collections::{BTreeMap, BTreeSet};

use super::{pair, Differ, Op, Pair};
use crate::kinds::{Change, Comment, Commented};
use crate::schema::{ObjectComment, Schema};
use crate::sql::tokens::Idents;

/// An object as the plan's statements and a comment's identity both name it, folded as
/// PostgreSQL folds names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    /// A schema-qualified object: a table, view, index, sequence, type, function….
    Object(String, String),
    /// A constraint, trigger, policy or rule `name` on a table (or a domain's constraint).
    On(String, (String, String)),
    /// A database-wide object: its `COMMENT ON` kind and its name.
    Global(&'static str, String),
}

/// What the plan creates and drops.
#[derive(Default)]
struct Touched {
    made: BTreeSet<Target>,
    gone: BTreeSet<Target>,
}

impl Touched {
    fn of<'o>(ops: impl IntoIterator<Item = &'o Op>) -> Touched {
        let mut touched = Touched::default();
        for op in ops {
            for statement in op.statements() {
                touched.read(&statement);
            }
        }
        touched
    }

    fn mark(&mut self, made: bool, target: Target) {
        if made {
            self.made.insert(target);
        } else {
            self.gone.insert(target);
        }
    }

    /// What `statement` creates or drops.
    fn read(&mut self, statement: &str) {
        let w = Idents::of(statement);
        if let Some((made, schema, name)) = w.defines() {
            self.mark(made, Target::Object(schema, name));
        }
        let made = match w.keyword(0) {
            "CREATE" => true,
            "DROP" => false,
            "ALTER" => {
                self.constraints(&w);
                return;
            }
            _ => return,
        };
        let mut i = 1;
        while matches!(w.keyword(i), "OR" | "REPLACE" | "CONSTRAINT" | "UNIQUE") {
            i += 1;
        }
        let kind = w.keyword(i);
        let skip = |mut i: usize| {
            while matches!(w.keyword(i), "IF" | "NOT" | "EXISTS" | "CONCURRENTLY") {
                i += 1;
            }
            i
        };
        match kind {
            "TRIGGER" | "POLICY" | "RULE" | "INDEX" => {
                let at = skip(i + 1);
                if w.qualifies(at) {
                    // `DROP INDEX s.i`
                    self.mark(made, Target::Object(word(&w, at), word(&w, at + 1)));
                    return;
                }
                let name = w.word(at).to_string();
                let Some(table) = first_qualified(&w, at + 1) else {
                    return;
                };
                let target = if kind == "INDEX" {
                    Target::Object(table.0, name)
                } else {
                    Target::On(name, table)
                };
                self.mark(made, target);
            }
            "TABLE" | "DOMAIN" if made => self.constraints(&w),
            "EVENT" => self.mark(made, Target::Global("EVENT TRIGGER", word(&w, skip(i + 2)))),
            "PUBLICATION" => self.mark(made, Target::Global("PUBLICATION", word(&w, skip(i + 1)))),
            "SERVER" => self.mark(made, Target::Global("SERVER", word(&w, skip(i + 1)))),
            "FOREIGN" if w.keyword(i + 1) == "DATA" => self.mark(
                made,
                Target::Global("FOREIGN DATA WRAPPER", word(&w, skip(i + 3))),
            ),
            _ => {}
        }
    }

    /// The named constraints a `CREATE TABLE`/`DOMAIN` or an `ALTER TABLE`/`DOMAIN` adds or
    /// drops (`CONSTRAINT c …`, `DROP CONSTRAINT c`).
    fn constraints(&mut self, w: &Idents) {
        if !matches!(w.keyword(1), "TABLE" | "DOMAIN") {
            return;
        }
        let Some(owner) = first_qualified(w, 2) else {
            return;
        };
        for j in 2..w.len() {
            if w.keyword(j) != "CONSTRAINT" {
                continue;
            }
            let mut at = j + 1;
            while matches!(w.keyword(at), "IF" | "EXISTS") {
                at += 1;
            }
            let made = w.keyword(j.saturating_sub(1)) != "DROP";
            self.mark(made, Target::On(w.word(at).to_string(), owner.clone()));
        }
    }

    /// Whether the plan drops `target` (or what it lives on, or in).
    fn drops(&self, target: &[Target]) -> bool {
        target.iter().any(|t| self.gone.contains(t))
    }

    /// Whether the plan creates `target` (or what it lives on, which creates it with itself).
    fn makes(&self, target: &[Target]) -> bool {
        target.iter().any(|t| self.made.contains(t))
    }
}

fn word(w: &Idents, i: usize) -> String {
    w.word(i).to_string()
}

/// The first schema-qualified name from word `from` on.
fn first_qualified(w: &Idents, from: usize) -> Option<(String, String)> {
    (from..w.len())
        .find(|&i| w.qualifies(i) && !w.qualifies(i + 1))
        .map(|i| (word(w, i), word(w, i + 1)))
}

/// The object a comment is on, then what it lives on (its table, view or domain), each as the
/// plan's statements name them.
fn targets(comment: &ObjectComment, owners: &BTreeMap<(String, String), Target>) -> Vec<Target> {
    let w = Idents::of(&comment.identity);
    match comment.kind.as_str() {
        "CONSTRAINT" | "TRIGGER" | "POLICY" | "RULE" => {
            let Some(on) = first_qualified(&w, 1) else {
                return Vec::new();
            };
            vec![
                Target::On(word(&w, 0), on.clone()),
                Target::Object(on.0, on.1),
            ]
        }
        // `schema.relation.column`
        "COLUMN" => vec![Target::Object(word(&w, 0), word(&w, 1))],
        "EVENT TRIGGER" => vec![Target::Global("EVENT TRIGGER", word(&w, 0))],
        "PUBLICATION" => vec![Target::Global("PUBLICATION", word(&w, 0))],
        "SERVER" => vec![Target::Global("SERVER", word(&w, 0))],
        "FOREIGN DATA WRAPPER" => vec![Target::Global("FOREIGN DATA WRAPPER", word(&w, 0))],
        _ => {
            let Some((schema, name, _)) = w.name_at(0, "") else {
                return Vec::new();
            };
            let key = (schema.clone(), name.clone());
            let mut out = vec![Target::Object(schema, name)];
            // An index goes with its table (and is its key's); a sequence with its owner.
            if let Some(owner) = owners.get(&key) {
                out.push(owner.clone());
                if let Target::Object(s, t) = owner {
                    out.push(Target::On(key.1.clone(), (s.clone(), t.clone())));
                }
            }
            out
        }
    }
}

/// What indexes (and the keys behind them) and owned sequences live on, in either schema.
fn owners(schemas: [&Schema; 2]) -> BTreeMap<(String, String), Target> {
    let mut out = BTreeMap::new();
    for schema in schemas {
        for table in &schema.tables {
            let on = Target::Object(table.name.schema.clone(), table.name.name.clone());
            for name in table.object_names() {
                out.insert((table.name.schema.clone(), name.to_string()), on.clone());
            }
        }
        for view in &schema.views {
            let on = Target::Object(view.name.schema.clone(), view.name.name.clone());
            for index in &view.indexes {
                out.insert((view.name.schema.clone(), index.name.clone()), on.clone());
            }
        }
        for sequence in &schema.sequences {
            if let Some(owner) = &sequence.owned_by {
                let on = Target::Object(owner.table.schema.clone(), owner.table.name.clone());
                out.insert(
                    (sequence.name.schema.clone(), sequence.name.name.clone()),
                    on,
                );
            }
        }
    }
    out
}

fn comment(c: &ObjectComment, text: Option<&str>) -> Comment {
    Comment {
        on: Commented::Object {
            kind: c.kind.clone(),
            identity: c.identity.clone(),
        },
        text: text.map(str::to_string),
    }
}

impl Differ<'_> {
    /// Comments on the other objects, once every other operation is known: set when they
    /// change on an object that stays, set again on an object created again, and kept for the
    /// downgrade when their object goes.
    pub(super) fn object_comments(&mut self) {
        if self.from.comments.is_empty() && self.to.comments.is_empty() {
            return;
        }
        let touched = Touched::of(self.emitted.iter().map(|e| &e.op));
        let owners = owners([self.from, self.to]);
        let key = |c: &ObjectComment| (c.kind.clone(), c.identity.clone());
        let mut ops: Vec<Op> = Vec::new();
        for pair in pair(&self.from.comments, &self.to.comments, key) {
            let subject = match &pair {
                Pair::Kept(_, c) | Pair::Added(c) | Pair::Removed(c) => *c,
            };
            let target = targets(subject, &owners);
            let (gone, made) = (touched.drops(&target), touched.makes(&target));
            match pair {
                Pair::Kept(have, wanted) if gone => {
                    ops.push(Change::Drop(comment(have, Some(&have.text))).into());
                    if made {
                        ops.push(Change::Create(comment(wanted, Some(&wanted.text))).into());
                    }
                }
                Pair::Kept(have, wanted) if have.text != wanted.text => ops.push(
                    Change::Alter {
                        from: comment(have, Some(&have.text)),
                        to: comment(wanted, Some(&wanted.text)),
                    }
                    .into(),
                ),
                Pair::Kept(..) => {}
                Pair::Added(wanted) if made => {
                    ops.push(Change::Create(comment(wanted, Some(&wanted.text))).into())
                }
                Pair::Added(wanted) => ops.push(
                    Change::Alter {
                        from: comment(wanted, None),
                        to: comment(wanted, Some(&wanted.text)),
                    }
                    .into(),
                ),
                Pair::Removed(have) if gone => {
                    ops.push(Change::Drop(comment(have, Some(&have.text))).into())
                }
                Pair::Removed(have) => ops.push(
                    Change::Alter {
                        from: comment(have, Some(&have.text)),
                        to: comment(have, None),
                    }
                    .into(),
                ),
            }
        }
        self.emit_all(ops);
    }
}
