//! One room per object kind. Each kind's module holds everything about that kind's changes:
//! how two sides compare, the statements, the description, the stage the planner runs them in,
//! the locks and hazards, and what they destroy. A change is a [`Change`]: created, dropped,
//! or altered from one value to another, so its inverse is the same for every kind.
//!
//! The vocabulary every kind speaks lives here too: [`Stage`] and [`Hint`] (the planner's),
//! [`Hazard`] and [`Lock`] (the risks), and [`pair`] (how objects of two sides are matched).

pub mod column;
pub mod comment;
pub mod constraint;
pub mod ddl;
mod effects;
pub mod enum_type;
pub mod extension;
pub mod function;
pub mod grant;
pub mod index;
pub mod namespace;
pub mod other;
pub mod owner;
pub mod policy;
pub mod sequence;
pub mod statistics;
pub mod table;
pub mod trigger;
pub mod view;

use std::collections::BTreeMap;

use crate::schema::{
    Extension, Function, Namespace, Other, Ownership, Policy, Sequence, Statistics, TableName,
    Trigger, View,
};
pub use column::{ColumnSetting, ColumnType, Setting, TableColumn};
pub use comment::{Comment, Commented};
pub use constraint::{Constraint, TableConstraint};
pub use enum_type::{EnumChange, EnumColumn};
pub use grant::Privileges;
pub use index::TableIndex;
pub use sequence::SequenceOwner;
pub use table::{TableOption, TableSetting, WholeTable};

pub(crate) use effects::{hazard, lock};
pub use effects::{Hazard, HazardKind, Lock, LockMode};

/// A change of one object: created, dropped, or altered in place from one value to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<T> {
    /// Created (`CREATE …`).
    Create(T),
    /// Dropped (`DROP …`).
    Drop(T),
    /// Changed in place (`ALTER …`, `CREATE OR REPLACE …`).
    Alter {
        /// Before.
        from: T,
        /// After.
        to: T,
    },
}

impl<T: Clone> Change<T> {
    /// The change that undoes this one: a creation's is the drop, an alteration's goes back.
    pub fn inverse(&self) -> Change<T> {
        match self {
            Change::Create(x) => Change::Drop(x.clone()),
            Change::Drop(x) => Change::Create(x.clone()),
            Change::Alter { from, to } => Change::Alter {
                from: to.clone(),
                to: from.clone(),
            },
        }
    }

    /// The inverse, with what it creates marked as created again (`mark(x, true)`: a dropped
    /// column or table comes back without its values) and what it drops unmarked.
    pub fn inverse_marking(&self, mark: impl Fn(&mut T, bool)) -> Change<T> {
        match self.inverse() {
            Change::Create(mut x) => {
                mark(&mut x, true);
                Change::Create(x)
            }
            Change::Drop(mut x) => {
                mark(&mut x, false);
                Change::Drop(x)
            }
            alter => alter,
        }
    }

    /// `Create`, `Drop` or `Alter`.
    pub fn verb(&self) -> &'static str {
        match self {
            Change::Create(_) => "Create",
            Change::Drop(_) => "Drop",
            Change::Alter { .. } => "Alter",
        }
    }

    /// The object before and after the change; a creation or a drop is read as the object
    /// staying what it is (for kinds whose objects are only ever altered, such as a setting).
    pub fn sides(&self) -> (&T, &T) {
        match self {
            Change::Alter { from, to } => (from, to),
            Change::Create(x) | Change::Drop(x) => (x, x),
        }
    }

    /// The object as it is after the change (as it was, for a drop).
    pub fn subject(&self) -> &T {
        match self {
            Change::Create(x) | Change::Drop(x) | Change::Alter { to: x, .. } => x,
        }
    }
}

/// What the hub asks of a change of any kind: [`Kind`]'s answers, without the kind's type.
trait AnyChange {
    fn statements(&self) -> Vec<String>;
    fn notes(&self) -> Vec<String>;
    fn describe(&self) -> String;
    fn stage(&self, hint: Hint) -> Stage;
    fn locks(&self) -> Vec<Lock>;
    fn hazards(&self) -> Vec<Hazard>;
    fn destruction(&self) -> Option<String>;
}

impl<T: Kind> AnyChange for Change<T> {
    fn statements(&self) -> Vec<String> {
        T::statements(self)
    }
    fn notes(&self) -> Vec<String> {
        T::notes(self)
    }
    fn describe(&self) -> String {
        T::describe(self)
    }
    fn stage(&self, hint: Hint) -> Stage {
        T::stage(self, hint)
    }
    fn locks(&self) -> Vec<Lock> {
        T::locks(self)
    }
    fn hazards(&self) -> Vec<Hazard> {
        T::hazards(self)
    }
    fn destruction(&self) -> Option<String> {
        T::destruction(self)
    }
}

/// The kinds that have a room: one line each, the one place a kind is registered with the
/// operations (`Op::Kind`), the planner, the renderer and the hazard report.
macro_rules! registry {
    ($($kind:ident),* $(,)?) => {
        /// A change of one of the kinds that have a room of their own.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum KindChange {
            $(
                #[doc = concat!("A change of a ", stringify!($kind), ".")]
                $kind(Change<$kind>),
            )*
        }

        impl KindChange {
            /// The change that undoes this one.
            pub fn inverse(&self) -> KindChange {
                match self {
                    $(KindChange::$kind(c) => KindChange::$kind(<$kind as Kind>::inverse(c)),)*
                }
            }

            /// The kind's name (`Policy`) and the change's verb (`Create`).
            pub fn name(&self) -> (&'static str, &'static str) {
                match self {
                    $(KindChange::$kind(c) => (stringify!($kind), c.verb()),)*
                }
            }

            fn any(&self) -> &dyn AnyChange {
                match self {
                    $(KindChange::$kind(c) => c,)*
                }
            }
        }

        $(
            impl From<Change<$kind>> for KindChange {
                fn from(change: Change<$kind>) -> Self {
                    KindChange::$kind(change)
                }
            }
        )*
    };
}

registry!(
    Extension,
    Function,
    Sequence,
    View,
    Trigger,
    Policy,
    Statistics,
    Other,
    Ownership,
    Comment,
    TableIndex,
    TableConstraint,
    Privileges,
    SequenceOwner,
    TableColumn,
    ColumnSetting,
    TableSetting,
    Namespace,
    WholeTable,
);

/// The kinds whose objects depend on tables and on nothing else the plan changes, compared
/// one with the other by their room's `compare` alone: one line each, the one place such a
/// kind is registered with the diff (its `Schema` field, and its room).
macro_rules! plain {
    ($($field:ident => $room:ident),* $(,)?) => {
        /// The changes of every plain kind, in the order registered.
        pub fn compare_plain(
            from: &crate::schema::Schema,
            to: &crate::schema::Schema,
        ) -> Vec<KindChange> {
            let mut out = Vec::new();
            $(out.extend($room::compare(&from.$field, &to.$field).into_iter().map(KindChange::from));)*
            out
        }

        /// Every object of a plain kind in `schema` after `rename`.
        pub fn rename_plain(schema: &mut crate::schema::Schema, rename: &Renamed<'_>) {
            $(schema.$field.iter_mut().for_each(|x| x.renamed(rename));)*
            schema.comments.iter_mut().for_each(|c| comment::renamed(c, rename));
        }
    };
}

plain!(policies => policy, statistics => statistics, owners => owner);

impl KindChange {
    /// The statements that make the change.
    pub fn statements(&self) -> Vec<String> {
        self.any().statements()
    }
    /// What a reviewer must read about the statements, besides what they destroy and risk.
    pub fn notes(&self) -> Vec<String> {
        self.any().notes()
    }
    /// The change in words.
    pub fn describe(&self) -> String {
        self.any().describe()
    }
    /// Where the planner runs it.
    pub fn stage(&self, hint: Hint) -> Stage {
        self.any().stage(hint)
    }
    /// The table locks it takes.
    pub fn locks(&self) -> Vec<Lock> {
        self.any().locks()
    }
    /// What it risks beyond its locks.
    pub fn hazards(&self) -> Vec<Hazard> {
        self.any().hazards()
    }
    /// What data it destroys.
    pub fn destruction(&self) -> Option<String> {
        self.any().destruction()
    }
}

/// Everything about the changes of one object kind, beside how they compare (each kind's
/// `compare`).
pub trait Kind: Clone + Sized {
    /// The statements that make the change, in order.
    fn statements(change: &Change<Self>) -> Vec<String>;
    /// What a reviewer must read about the statements (when they fail, and why), besides
    /// what they destroy and risk.
    fn notes(_change: &Change<Self>) -> Vec<String> {
        Vec::new()
    }
    /// The change in words, as Alembic logs it (`added policy 'p' on 'public.t'`).
    fn describe(change: &Change<Self>) -> String;
    /// Where the planner runs the change, given what the comparator knew.
    fn stage(change: &Change<Self>, hint: Hint) -> Stage;
    /// The table locks the change takes.
    fn locks(change: &Change<Self>) -> Vec<Lock>;
    /// What the change risks on a database in use, beyond its locks.
    fn hazards(_change: &Change<Self>) -> Vec<Hazard> {
        Vec::new()
    }
    /// What data the change destroys, when it destroys any.
    fn destruction(_change: &Change<Self>) -> Option<String> {
        None
    }
    /// The change that undoes this one: by default a creation's is the drop, an
    /// alteration's goes back.
    fn inverse(change: &Change<Self>) -> Change<Self> {
        change.inverse()
    }
    /// The object as PostgreSQL leaves it after a rename of what it names (a schema, a
    /// table, a column): the rename carries it along, so the plan has nothing more to do.
    fn renamed(&mut self, _rename: &Renamed<'_>) {}
}

/// A rename that objects naming the renamed one follow.
#[derive(Debug, Clone, Copy)]
pub enum Renamed<'a> {
    /// A schema (a tenant's, when one schema's scripts run in another).
    Schema {
        /// Before.
        from: &'a str,
        /// After.
        to: &'a str,
    },
    /// A table.
    Table {
        /// Before.
        from: &'a TableName,
        /// After.
        to: &'a TableName,
    },
    /// A column of `tables` (a table and the partitions or children that share its columns).
    Column {
        /// The tables whose column it is.
        tables: &'a [TableName],
        /// Before.
        from: &'a str,
        /// After.
        to: &'a str,
    },
}

impl Renamed<'_> {
    /// `name` after the rename (a table's or an object's qualified name).
    pub fn name(&self, name: &mut TableName) {
        match *self {
            Renamed::Schema { from, to } if name.schema == from => name.schema = to.to_string(),
            Renamed::Table { from, to } if name == from => *name = to.clone(),
            _ => {}
        }
    }

    /// `text`, an expression over the columns of `table`, after the rename.
    pub fn expression(&self, table: &TableName, text: &str) -> String {
        match *self {
            Renamed::Schema { from, to } => {
                crate::sql::tokens::schema_renamed_in_literals(text, from, to)
            }
            Renamed::Column { tables, from, to } if tables.contains(table) => {
                crate::sql::tokens::column_renamed(text, from, to)
            }
            _ => text.to_string(),
        }
    }
}

/// Where an operation runs, in execution order: everything that depends on what changes goes
/// first, then types, then tables and their parts, then what depends on them, then what is
/// no longer needed, outermost last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Schemas and extensions that the rest needs.
    Schemas,
    /// Views, triggers, policies, rules and the like over what changes: dropped first.
    DropDependents,
    /// Enum, domain, composite and range types, collations, foreign-data objects,
    /// sequences and functions (with bodies checked later): created or changed.
    Types,
    /// Foreign keys that go or are rebuilt.
    DropForeignKeys,
    /// Keys, checks, exclusions and indexes that go or are rebuilt.
    DropConstraints,
    /// Tables that go.
    DropTables,
    /// Columns that go.
    DropColumns,
    /// Defaults that must go before a type change or before the sequence they read.
    ClearDefaults,
    /// Standalone sequences that go (before an identity takes the name).
    DropSequences,
    /// Tables and columns created or changed.
    TablesAndColumns,
    /// Keys, checks, exclusions and indexes.
    AddConstraints,
    /// Indexes of partitioned tables, after their partitions' own, which they attach.
    AddPartitionedIndexes,
    /// Foreign keys (and constraints validated).
    AddForeignKeys,
    /// Functions whose SQL-standard bodies PostgreSQL parses when they are created.
    StandardFunctions,
    /// Table properties, comments, grants, partitions attached, parents gained.
    Properties,
    /// Views, triggers, policies, rules and the like created again or anew.
    CreateDependents,
    /// Comments on objects other than schemas, tables and columns: once every object is there.
    ObjectComments,
    /// Functions that go.
    DropFunctions,
    /// Types that go (dependents before what they are over).
    DropTypes,
    /// Enum types that go (after the domains and composite types over them).
    DropEnums,
    /// Extensions that go.
    DropExtensions,
    /// Schemas that go.
    DropSchemas,
}

/// What a comparator knows that the operation does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Nothing: the stage follows from the operation.
    None,
    /// The drop half of a drop-and-create: runs where the creation does.
    Replaced,
    /// A default cleared before a type changes or a sequence goes.
    Early,
    /// Runs with the objects that depend on what changes (dropped first).
    Before,
    /// An index of a partitioned table: after its partitions' own indexes.
    Partitioned,
}

/// One object of either side, matched with its counterpart by key.
pub enum Pair<'x, T> {
    /// Only in `to`.
    Added(&'x T),
    /// Only in `from`.
    Removed(&'x T),
    /// In both: (from, to), equal or not.
    Kept(&'x T, &'x T),
}
/// The changes that take the objects of `from` to those of `to`, matched by `key`: an equal
/// one is left alone, one that `in_place` says can change in place is altered, any other
/// changed one dropped and created again.
pub fn compare_by<T: Clone + PartialEq, K: Ord>(
    from: &[T],
    to: &[T],
    key: impl Fn(&T) -> K,
    in_place: impl Fn(&T, &T) -> bool,
) -> Vec<Change<T>> {
    let mut out = Vec::new();
    for pair in pair(from, to, key) {
        match pair {
            Pair::Kept(have, wanted) if have == wanted => {}
            Pair::Kept(have, wanted) if in_place(have, wanted) => out.push(Change::Alter {
                from: have.clone(),
                to: wanted.clone(),
            }),
            Pair::Kept(have, wanted) => {
                out.push(Change::Drop(have.clone()));
                out.push(Change::Create(wanted.clone()));
            }
            Pair::Added(wanted) => out.push(Change::Create(wanted.clone())),
            Pair::Removed(have) => out.push(Change::Drop(have.clone())),
        }
    }
    out
}

/// The objects of `from` and `to` matched by `key`: every object of `to` (added or kept) in
/// key order, then those only in `from`, in key order. Every comparator pairs objects through
/// this one function, which is where a rename hint would match an old key to a new one.
pub fn pair<'x, T, K: Ord>(from: &'x [T], to: &'x [T], key: impl Fn(&T) -> K) -> Vec<Pair<'x, T>> {
    let before: BTreeMap<K, &'x T> = from.iter().map(|x| (key(x), x)).collect();
    let after: BTreeMap<K, &'x T> = to.iter().map(|x| (key(x), x)).collect();
    let mut out: Vec<Pair<'x, T>> = after
        .iter()
        .map(|(k, wanted)| match before.get(k) {
            Some(have) => Pair::Kept(*have, *wanted),
            None => Pair::Added(*wanted),
        })
        .collect();
    out.extend(
        before
            .iter()
            .filter(|(k, _)| !after.contains_key(*k))
            .map(|(_, have)| Pair::Removed(*have)),
    );
    out
}
