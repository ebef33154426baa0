//! The planner: the order operations run in, decided from the operations alone.
//!
//! Comparators (one module per object kind) say *what* changes; they emit operations in any
//! order. This pass gives each operation its [`Stage`] from what it does (and, where the
//! same kind of operation belongs to two places, from its own fields: a partition detached
//! before the tables change, attached after), then orders them by stage, keeping the
//! comparators' order within a stage (a table before the tables referencing it, a view
//! before the views reading it). A new kind of object adds its operations here and nowhere
//! else in the ordering.
//!
//! Then one dependency graph over the whole plan settles what stages cannot know: which
//! function, type, view or aggregate names which other object of the plan (a function
//! returning `SETOF` a table or taking its row type, a domain whose check calls a function,
//! a composite type over a domain, a `BEGIN ATOMIC` body calling a function, a view over a
//! function over a table). An operation waits for the creation of every object its
//! statements name, and a drop waits for the drops of the objects whose definitions name
//! what it drops; everything else keeps its place. The names come from the statements as
//! PostgreSQL's deparsers print them (schema-qualified, outside literals and function bodies
//! quoted as strings, which PostgreSQL does not check when `check_function_bodies` is off).

use std::collections::{BTreeMap, BTreeSet};

use super::Op;
use crate::kinds::{Change, KindChange};
pub(crate) use crate::kinds::{Hint, Stage};
use crate::sql::tokens::Idents;

/// An operation as a comparator emits it, with what the planner cannot see in the operation
/// itself: whether it is one half of a replacement (a type or function dropped to be created
/// again at once), or a default cleared early.
pub(super) struct Emitted {
    pub(super) op: Op,
    pub(super) hint: Hint,
}

/// The stage of `op`.
pub(super) fn stage(op: &Op, hint: Hint) -> Stage {
    use Stage::*;
    if hint == Hint::Early {
        return ClearDefaults;
    }
    if hint == Hint::Before {
        return DropDependents;
    }
    if hint == Hint::Partitioned {
        return AddPartitionedIndexes;
    }
    match op {
        Op::Kind(c) => c.stage(hint),
        Op::Enum(e) => e.stage(),
        Op::Rename { .. } => Schemas,
    }
}

/// The operations in execution order: by stage, in emission order within one.
pub(super) fn order(emitted: Vec<Emitted>) -> Vec<Op> {
    let mut staged: Vec<(Stage, usize, Op)> = emitted
        .into_iter()
        .enumerate()
        .map(|(i, e)| (stage(&e.op, e.hint), i, e.op))
        .collect();
    staged.sort_by_key(|(stage, i, _)| (*stage, *i));
    settle(staged.into_iter().map(|(_, _, op)| op).collect())
}

/// A schema-qualified object name, as PostgreSQL folds it.
type Name = (String, String);

/// What one operation creates, drops and names, for the dependency graph.
#[derive(Default)]
struct Node {
    /// Objects it creates (or replaces).
    makes: Vec<Name>,
    /// Objects its statements name, besides those it makes: created first.
    needs: Vec<Name>,
    /// Objects it drops.
    unmakes: Vec<Name>,
    /// For a drop: the objects the dropped one's definition names (dropped after it).
    named: Vec<Name>,
}

/// The operation's place in the graph. Tables and sequences are known by name; functions,
/// views, types and what names them (triggers, policies, rules) by their statements; the
/// rest (columns, keys, indexes, grants…) follow their stages alone.
fn node(op: &Op) -> Node {
    let name = |t: &crate::schema::TableName| (t.schema.clone(), t.name.clone());
    match op {
        Op::Kind(KindChange::WholeTable(c)) => made_or_dropped(c, |x| name(&x.table.name)),
        Op::Kind(KindChange::Sequence(c)) => made_or_dropped(c, |x| name(&x.name)),
        Op::Kind(
            KindChange::Function(_)
            | KindChange::View(_)
            | KindChange::Other(_)
            | KindChange::Trigger(_)
            | KindChange::Policy(_),
        )
        | Op::Enum(_) => by_statements(op),
        _ => Node::default(),
    }
}

fn made_or_dropped<T>(change: &Change<T>, name: impl Fn(&T) -> Name) -> Node {
    match change {
        Change::Create(x) => Node {
            makes: vec![name(x)],
            ..Node::default()
        },
        Change::Drop(x) => Node {
            unmakes: vec![name(x)],
            ..Node::default()
        },
        Change::Alter { .. } => Node::default(),
    }
}

fn by_statements(op: &Op) -> Node {
    let mut node = Node::default();
    let mut mentioned = Vec::new();
    for statement in op.statements() {
        let words = Idents::of(&statement);
        match words.defines() {
            Some((true, schema, name)) => node.makes.push((schema, name)),
            Some((false, schema, name)) => node.unmakes.push((schema, name)),
            None => {}
        }
        mentioned.extend(words.qualified());
    }
    if !node.unmakes.is_empty() {
        // A drop (or a rebuild, which drops and creates in one): what the dropped object
        // named is what its creation, the inverse, names.
        if node.makes.is_empty() {
            let defined = by_statements(&op.inverse());
            node.named = defined
                .needs
                .into_iter()
                .filter(|n| !node.unmakes.contains(n))
                .collect();
        }
        return node;
    }
    mentioned.retain(|n| !node.makes.contains(n));
    mentioned.sort();
    mentioned.dedup();
    node.needs = mentioned;
    node
}

/// `ops` (in stage order) with each one after what it depends on: a stable topological
/// order that keeps every operation at its place unless it must wait. A cycle the
/// statements cannot break is left in stage order.
fn settle(ops: Vec<Op>) -> Vec<Op> {
    let nodes: Vec<Node> = ops.iter().map(node).collect();
    let mut makers: BTreeMap<&Name, Vec<usize>> = BTreeMap::new();
    let mut droppers: BTreeMap<&Name, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        n.makes
            .iter()
            .for_each(|k| makers.entry(k).or_default().push(i));
        n.unmakes
            .iter()
            .for_each(|k| droppers.entry(k).or_default().push(i));
    }
    if makers.is_empty() && droppers.is_empty() {
        return ops;
    }
    // Edges `before -> after`.
    let mut after: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); ops.len()];
    for (i, n) in nodes.iter().enumerate() {
        for k in &n.needs {
            for &m in makers.get(k).into_iter().flatten() {
                after[m].insert(i);
            }
        }
        // Whatever names what a drop drops goes first.
        for k in &n.named {
            for &d in droppers.get(k).into_iter().flatten() {
                after[i].insert(d);
            }
        }
        // A name dropped before it is created again stays so.
        for k in &n.makes {
            for &d in droppers.get(k).into_iter().flatten().filter(|&&d| d < i) {
                after[d].insert(i);
            }
        }
    }
    let mut waiting: Vec<usize> = vec![0; ops.len()];
    for (i, next) in after.iter_mut().enumerate() {
        next.remove(&i);
        next.iter().for_each(|&j| waiting[j] += 1);
    }
    let mut ready: BTreeSet<usize> = (0..ops.len()).filter(|&i| waiting[i] == 0).collect();
    let mut left: BTreeSet<usize> = (0..ops.len()).collect();
    let mut order = Vec::with_capacity(ops.len());
    while let Some(&first) = left.first() {
        // The first operation free to run, or, in a cycle, the first left.
        let i = ready.pop_first().unwrap_or(first);
        if !left.remove(&i) {
            continue;
        }
        order.push(i);
        for &j in &after[i] {
            waiting[j] = waiting[j].saturating_sub(1);
            if waiting[j] == 0 && left.contains(&j) {
                ready.insert(j);
            }
        }
    }
    let mut slots: Vec<Option<Op>> = ops.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}
