//! Declared renames: the object the target schema calls `to` was called `from` before.
//!
//! A rename that applies (the old name is in `from`, the new one in `to`, and neither is in
//! both) becomes an `ALTER … RENAME` at the start of the upgrade, and `from` is rewritten as
//! PostgreSQL will show it after the rename: keys, indexes, foreign keys onto the table,
//! sequences owned by the column, partitions and children (which share the parent's columns),
//! and the expressions PostgreSQL keeps as parse trees (defaults, checks, index expressions
//! and predicates, policies, triggers) are renamed with it, so what did not otherwise change
//! gives no operation. Views (and policies with a subquery) that read a renamed object are the
//! exception: PostgreSQL keeps a view's output column names when a column it reads is renamed,
//! so such a view is dropped before the renames and created again after them, which loses
//! nothing but the time to build a materialized view.
//!
//! A hint whose new name is already in `from` (and old name is not) is stale: it changes
//! nothing and is reported, so it can be deleted.

use std::collections::{BTreeMap, BTreeSet};

use super::Op;
use crate::kinds::Renamed as Follow;
pub use crate::schema::Rename;
use crate::schema::{
    CheckConstraint, ExclusionConstraint, ForeignKey, Index, IndexExpr, PrimaryKey,
    ReplicaIdentity, Schema, SqlType, Table, TableName, UniqueConstraint, View,
};
use crate::sql::quote_ident;
use crate::sql::quote_literal;
use crate::sql::tokens::{
    any_site, column_renamed, rewrite, schema_renamed, schema_renamed_in_literals, Site, SiteKind,
};

/// What became of the hints given to [`super::diff_with_renames`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenameReport {
    /// Renames made by the plan.
    pub applied: Vec<Rename>,
    /// Hints the database already reflects (the new name is there, the old one is not): they
    /// change nothing and can be removed.
    pub stale: Vec<Rename>,
    /// Hints that cannot apply, with the reason (both names exist, the old one is nowhere,
    /// the new one is not in the target).
    pub ignored: Vec<(Rename, String)>,
}

/// The renames that apply, `from` as it is after them, and what goes before them (views and
/// policies that read a renamed object, dropped to be created again).
pub(super) struct Renamed {
    pub schema: Schema,
    pub before: Vec<Op>,
    pub ops: Vec<Op>,
    pub report: RenameReport,
}

pub(super) fn apply(from: &Schema, to: &Schema, hints: &[Rename]) -> Renamed {
    let mut hints: Vec<&Rename> = hints.iter().collect();
    hints.sort_by_key(|h| h.rank());
    hints.dedup();
    let mut report = RenameReport::default();
    let mut schema = from.clone();
    // Decide which hints apply, in order, on `from` as the earlier ones leave it.
    let mut applied: Vec<Rename> = Vec::new();
    for hint in hints {
        if !hint.same_schema() {
            report.ignored.push((
                hint.clone(),
                "a rename cannot move an object to another schema".into(),
            ));
            continue;
        }
        let (old, new) = (exists(&schema, hint), exists(&schema, &hint.reversed()));
        let wanted = exists(to, &hint.reversed()) && !exists(to, hint);
        match (old, new) {
            (true, false) if wanted => {
                rename_in(&mut schema, hint);
                applied.push(hint.clone());
            }
            (true, false) => report.ignored.push((
                hint.clone(),
                "the target does not have the new name (or still has the old one)".into(),
            )),
            (false, true) => report.stale.push(hint.clone()),
            (true, true) => report
                .ignored
                .push((hint.clone(), "both the old and the new name exist".into())),
            (false, false) => report.ignored.push((
                hint.clone(),
                "neither the old nor the new name exists".into(),
            )),
        }
    }
    // Names PostgreSQL derived from the old names (`people_pkey`, `c_qty_check`,
    // `events_2026_note_idx`) stay when a table or column is renamed, while the target derives
    // them from the new ones; and a model may simply rename an index or constraint. An index
    // or constraint equal to one of the target but for its name is renamed, never rebuilt
    // (building an index again can take hours; renaming it is instant).
    for rename in implied(&schema, to) {
        rename_in(&mut schema, &rename);
        applied.push(rename);
    }
    // Views and policies that read what is renamed: dropped before, created from the target.
    let views = views_to_rebuild(from, &applied);
    let mut before: Vec<Op> = Vec::new();
    for view in dependency_order(&views).into_iter().rev() {
        before.push(Op::from(crate::kinds::Change::Drop(view.clone())));
    }
    let policies: Vec<_> = from
        .policies
        .iter()
        .filter(|p| {
            !applied.is_empty()
                && [&p.using, &p.with_check]
                    .into_iter()
                    .flatten()
                    .any(|e| any_site(e, |s| s.value.eq_ignore_ascii_case("select")))
        })
        .cloned()
        .collect();
    for policy in &policies {
        before.push(Op::from(crate::kinds::Change::Drop(policy.clone())));
    }
    // `schema` was renamed with every view in it; those rebuilt leave it under either name.
    let renamed_views: BTreeSet<TableName> = views
        .iter()
        .map(|v| renamed_name(&applied, &v.name))
        .collect();
    schema.views.retain(|v| !renamed_views.contains(&v.name));
    schema.policies.retain(|p| {
        !policies
            .iter()
            .any(|q| q.name == p.name && renamed_name(&applied, &q.table) == p.table)
    });
    // A view rebuilt needs no rename of its own.
    let applied: Vec<Rename> = applied
        .into_iter()
        .filter(
            |r| !matches!(r, Rename::View { from, .. } if views.iter().any(|v| &v.name == from)),
        )
        .collect();
    let ops = applied
        .iter()
        .map(|r| Op::Rename {
            rename: r.clone(),
            materialized: matches!(r, Rename::View { to, .. } if schema.views.iter().any(|v| &v.name == to && v.materialized)),
            arguments: match r {
                Rename::Function { to, .. } => schema
                    .functions
                    .iter()
                    .filter(|f| &f.name == to)
                    .map(|f| f.arguments.clone())
                    .collect(),
                _ => Vec::new(),
            },
        })
        .collect();
    report.applied = applied;
    Renamed {
        schema,
        before,
        ops,
        report,
    }
}

/// `tables` with their partitions and children, parents first.
fn family(schema: &Schema, tables: &[TableName]) -> Vec<TableName> {
    let mut family: Vec<TableName> = Vec::new();
    for table in tables {
        if !family.contains(table) {
            family.push(table.clone());
        }
    }
    loop {
        let more: Vec<TableName> = schema
            .tables
            .iter()
            .filter(|t| !family.contains(&t.name))
            .filter(|t| {
                t.partition_of
                    .as_ref()
                    .is_some_and(|p| family.contains(&p.parent))
                    || t.inherits.iter().any(|p| family.contains(p))
            })
            .map(|t| t.name.clone())
            .collect();
        if more.is_empty() {
            return family;
        }
        family.extend(more);
    }
}

/// An index or a constraint: known by a name PostgreSQL may have derived from its table's or
/// columns' names.
trait Named: Clone + PartialEq {
    fn name(&self) -> &String;
    fn name_mut(&mut self) -> &mut String;
    /// The same object without its name, to compare definitions.
    fn nameless(&self) -> Self {
        let mut x = self.clone();
        x.name_mut().clear();
        x
    }
}

macro_rules! named {
    ($($ty:ty),*) => {$(
        impl Named for $ty {
            fn name(&self) -> &String {
                &self.name
            }
            fn name_mut(&mut self) -> &mut String {
                &mut self.name
            }
        }
    )*};
}

named!(
    PrimaryKey,
    UniqueConstraint,
    ForeignKey,
    CheckConstraint,
    ExclusionConstraint
);

impl Named for Index {
    fn name(&self) -> &String {
        &self.name
    }
    fn name_mut(&mut self) -> &mut String {
        &mut self.name
    }
    /// A partition's index hangs from its parent's by name: not part of the definition.
    fn nameless(&self) -> Self {
        Index {
            name: String::new(),
            attached_to: None,
            ..self.clone()
        }
    }
}

/// Every constraint name of `table`.
fn constraint_names(table: &Table) -> impl Iterator<Item = &String> {
    table
        .primary_key
        .iter()
        .map(Named::name)
        .chain(table.foreign_keys.iter().map(Named::name))
        .chain(table.uniques.iter().map(Named::name))
        .chain(table.checks.iter().map(Named::name))
        .chain(table.exclusions.iter().map(Named::name))
}

/// [`constraint_names`], to rename.
fn constraint_names_mut(table: &mut Table) -> impl Iterator<Item = &mut String> {
    table
        .primary_key
        .iter_mut()
        .map(Named::name_mut)
        .chain(table.foreign_keys.iter_mut().map(Named::name_mut))
        .chain(table.uniques.iter_mut().map(Named::name_mut))
        .chain(table.checks.iter_mut().map(Named::name_mut))
        .chain(table.exclusions.iter_mut().map(Named::name_mut))
}

/// Renames of indexes and constraints of the tables in both schemas that are equal in `from`
/// and `to` but for their names (each matched one to one), so that they are renamed instead
/// of rebuilt.
pub(super) fn implied(from: &Schema, to: &Schema) -> Vec<Rename> {
    let wanted: BTreeMap<&TableName, &Table> = to.tables.iter().map(|t| (&t.name, t)).collect();
    let mut out = Vec::new();
    for have in &from.tables {
        let Some(want) = wanted.get(&have.name) else {
            continue;
        };
        let table = || have.name.clone();
        out.extend(
            renamed_pairs(&have.indexes, &want.indexes)
                .into_iter()
                .map(|(from, to)| Rename::Index {
                    table: table(),
                    from,
                    to,
                }),
        );
        let constraints = renamed_pairs(have.primary_key.as_slice(), want.primary_key.as_slice())
            .into_iter()
            .chain(renamed_pairs(&have.uniques, &want.uniques))
            .chain(renamed_pairs(&have.foreign_keys, &want.foreign_keys))
            .chain(renamed_pairs(&have.checks, &want.checks))
            .chain(renamed_pairs(&have.exclusions, &want.exclusions));
        out.extend(constraints.map(|(from, to)| Rename::Constraint {
            table: table(),
            from,
            to,
        }));
    }
    out
}

/// (old name, new name) of the items of `from` whose name is not in `to` and that equal, but
/// for the name, exactly one item of `to` whose name is not in `from` (and no other of
/// `from`).
fn renamed_pairs<T: Named>(from: &[T], to: &[T]) -> Vec<(String, String)> {
    let gone: Vec<&T> = from
        .iter()
        .filter(|a| !to.iter().any(|b| b.name() == a.name()))
        .collect();
    let new: Vec<&T> = to
        .iter()
        .filter(|b| !from.iter().any(|a| a.name() == b.name()))
        .collect();
    let mut out = Vec::new();
    for a in &gone {
        let matches: Vec<&&T> = new
            .iter()
            .filter(|b| b.nameless() == a.nameless())
            .collect();
        if let [b] = matches.as_slice() {
            let rivals = gone.iter().filter(|c| c.nameless() == b.nameless()).count();
            if rivals == 1 {
                out.push((a.name().clone(), b.name().clone()));
            }
        }
    }
    out
}

/// The name a table, view or sequence has after the renames.
fn renamed_name(applied: &[Rename], name: &TableName) -> TableName {
    for rename in applied {
        if let Rename::Table { from, to } | Rename::View { from, to } = rename {
            if from == name {
                return to.clone();
            }
        }
    }
    name.clone()
}

/// Whether the schema has the object a rename starts from.
fn exists(schema: &Schema, rename: &Rename) -> bool {
    match rename {
        Rename::Schema { from, .. } => {
            schema.schemas.iter().any(|n| &n.name == from)
                || schema.tables.iter().any(|t| &t.name.schema == from)
                || schema.enums.iter().any(|e| &e.name.schema == from)
                || schema.sequences.iter().any(|s| &s.name.schema == from)
                || schema.views.iter().any(|v| &v.name.schema == from)
                || schema.functions.iter().any(|f| &f.name.schema == from)
        }
        Rename::Table { from, .. } => schema.table(from).is_some(),
        Rename::View { from, .. } => schema.views.iter().any(|v| &v.name == from),
        Rename::Sequence { from, .. } => schema.sequences.iter().any(|s| &s.name == from),
        Rename::EnumType { from, .. } => schema.enums.iter().any(|e| &e.name == from),
        Rename::Function { from, .. } => schema.functions.iter().any(|f| &f.name == from),
        Rename::Column { table, from, .. } => schema
            .table(table)
            .is_some_and(|t| t.column(from).is_some()),
        Rename::EnumLabel {
            enum_type, from, ..
        } => schema
            .enums
            .iter()
            .any(|e| &e.name == enum_type && e.labels.contains(from)),
        Rename::Index { table, from, .. } => {
            schema
                .table(table)
                .is_some_and(|t| t.indexes.iter().any(|i| &i.name == from))
                || schema
                    .views
                    .iter()
                    .any(|v| &v.name == table && v.indexes.iter().any(|i| &i.name == from))
        }
        Rename::Constraint { table, from, .. } => schema
            .table(table)
            .is_some_and(|t| constraint_names(t).any(|n| n == from)),
    }
}

/// Views of `from` that read something a rename touches, and the views that read those.
fn views_to_rebuild<'s>(from: &'s Schema, applied: &[Rename]) -> Vec<&'s View> {
    let mut out: BTreeSet<&TableName> = BTreeSet::new();
    for view in &from.views {
        let reads = |name: &TableName| view.depends_on.contains(name);
        let names = |name: &TableName| any_site(&view.definition, |s| is_qualified(s, name));
        let touched = applied.iter().any(|r| match r {
            Rename::Table { from, .. } | Rename::View { from, .. } => reads(from),
            Rename::Sequence { from, .. } => {
                any_site(&view.definition, |s| regclass_names(s, from))
            }
            Rename::EnumType { from, .. } | Rename::Function { from, .. } => names(from),
            // The table by its new name: renames of tables come first, so map back.
            Rename::Column {
                table,
                from: column,
                ..
            } => {
                let old = old_name(applied, table);
                (reads(&old) || reads(table))
                    && any_site(&view.definition, |s| {
                        s.kind == SiteKind::Ident && &s.value == column
                    })
            }
            Rename::Schema { .. }
            | Rename::EnumLabel { .. }
            | Rename::Index { .. }
            | Rename::Constraint { .. } => false,
        });
        if touched {
            out.insert(&view.name);
        }
    }
    // And every view reading one of those.
    loop {
        let more: Vec<&TableName> = from
            .views
            .iter()
            .filter(|v| !out.contains(&v.name) && v.depends_on.iter().any(|d| out.contains(d)))
            .map(|v| &v.name)
            .collect();
        if more.is_empty() {
            break;
        }
        out.extend(more);
    }
    from.views
        .iter()
        .filter(|v| out.contains(&v.name))
        .collect()
}

/// `views` ordered so that a view comes after those it reads.
fn dependency_order<'s>(views: &[&'s View]) -> Vec<&'s View> {
    let mut done: Vec<&View> = Vec::new();
    let mut left: Vec<&View> = views.to_vec();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|v| {
            let ready = v
                .depends_on
                .iter()
                .all(|d| !views.iter().any(|w| &w.name == d) || done.iter().any(|w| &w.name == d));
            if ready {
                done.push(v);
            }
            !ready
        });
        if left.len() == before {
            done.append(&mut left);
        }
    }
    done
}

/// The old name of a table that a table rename gave `name`.
fn old_name(applied: &[Rename], name: &TableName) -> TableName {
    for rename in applied {
        if let Rename::Table { from, to } = rename {
            if to == name {
                return from.clone();
            }
        }
    }
    name.clone()
}

/// `schema.name` as an identifier site (`public.status` in `'a'::public.status`).
fn is_qualified(site: &Site, name: &TableName) -> bool {
    site.kind == SiteKind::Ident
        && site.value == name.name
        && site.qualifier.as_deref() == Some(name.schema.as_str())
}

/// A `'schema.sequence'::regclass` literal naming `name`.
fn regclass_names(site: &Site, name: &TableName) -> bool {
    site.kind == SiteKind::Literal
        && site.cast_to.as_deref() == Some("regclass")
        && any_site(&site.value, |s| is_qualified(s, name))
}

/// Rewrites every qualified mention of `from` (as a type, a function or a relation) to `to`.
fn qualified_rewrite(text: &str, from: &TableName, to: &TableName) -> String {
    crate::sql::tokens::qualified_renamed(text, &from.schema, &from.name, &to.name)
}

/// Every expression PostgreSQL keeps as a parse tree, in every table, policy and trigger
/// (views aside: their definitions are rewritten only by label renames).
fn each_expression(schema: &mut Schema, mut f: impl FnMut(&str) -> String) {
    for table in &mut schema.tables {
        table_expressions(table, &mut f);
    }
    for policy in &mut schema.policies {
        for expr in [&mut policy.using, &mut policy.with_check]
            .into_iter()
            .flatten()
        {
            *expr = f(expr);
        }
    }
    for trigger in &mut schema.triggers {
        trigger.definition = f(&trigger.definition);
    }
}

fn table_expressions(table: &mut Table, f: &mut impl FnMut(&str) -> String) {
    for column in &mut table.columns {
        for expr in [&mut column.default, &mut column.generated]
            .into_iter()
            .flatten()
        {
            *expr = f(expr);
        }
    }
    for check in &mut table.checks {
        check.expression = f(&check.expression);
    }
    for exclusion in &mut table.exclusions {
        exclusion.definition = f(&exclusion.definition);
    }
    for index in &mut table.indexes {
        for key in &mut index.keys {
            if let IndexExpr::Expression(expr) = &mut key.expr {
                *expr = f(expr);
            }
        }
        if let Some(predicate) = &mut index.predicate {
            *predicate = f(predicate);
        }
    }
    if let Some(by) = &mut table.partition_by {
        *by = f(by);
    }
}

/// The function header of a `pg_get_functiondef` text (before its body), where a rename of
/// the function or of a type it takes shows; the body is the user's text and stays.
fn rewrite_header(definition: &str, f: impl FnMut(&Site) -> Option<String>) -> String {
    let end = definition
        .find("\nAS ")
        .or_else(|| definition.find("\nBEGIN ATOMIC"))
        .or_else(|| definition.find("\nRETURN "))
        .unwrap_or(definition.len());
    format!("{}{}", rewrite(&definition[..end], f), &definition[end..])
}

/// `schema` as PostgreSQL shows it after `ALTER SCHEMA from RENAME TO to`: every object in
/// it moves, and every qualified mention of it (in types, expressions, view and trigger
/// definitions, function headers, statements kept as text) names the new schema.
pub fn rename_schema(schema: &mut Schema, from: &str, to: &str) {
    let fix = |name: &mut TableName| {
        if name.schema == from {
            name.schema = to.to_string();
        }
    };
    let text = |t: &str| schema_renamed(t, from, to);
    // A `'schema.sequence'::regclass` literal, and the others that are qualified names.
    let literal_text = |t: &str| schema_renamed_in_literals(t, from, to);
    for namespace in &mut schema.schemas {
        if namespace.name == from {
            namespace.name = to.to_string();
        }
    }
    for table in &mut schema.tables {
        fix(&mut table.name);
        for fk in &mut table.foreign_keys {
            fix(&mut fk.references);
        }
        if let Some(p) = &mut table.partition_of {
            fix(&mut p.parent);
        }
        table.inherits.iter_mut().for_each(fix);
        for column in &mut table.columns {
            column.ty = SqlType::new(text(column.ty.as_str()));
            if let Some(c) = &mut column.collation {
                *c = text(c);
            }
        }
        table_expressions(table, &mut |e: &str| literal_text(e));
    }
    for e in &mut schema.enums {
        fix(&mut e.name);
    }
    for sequence in &mut schema.sequences {
        fix(&mut sequence.name);
        sequence.data_type = SqlType::new(text(sequence.data_type.as_str()));
        if let Some(owner) = &mut sequence.owned_by {
            fix(&mut owner.table);
        }
    }
    for extension in &mut schema.extensions {
        if extension.schema == from {
            extension.schema = to.to_string();
        }
    }
    for function in &mut schema.functions {
        fix(&mut function.name);
        function.arguments = text(&function.arguments);
        function.types = text(&function.types);
        function.returns = text(&function.returns);
        function.definition = rewrite_header(&function.definition, |s| {
            (s.kind == SiteKind::Ident && s.value == from && s.qualifies).then(|| quote_ident(to))
        });
    }
    for view in &mut schema.views {
        fix(&mut view.name);
        view.depends_on.iter_mut().for_each(fix);
        view.definition = literal_text(&view.definition);
        for (_, ty) in &mut view.columns {
            *ty = SqlType::new(text(ty.as_str()));
        }
    }
    for trigger in &mut schema.triggers {
        fix(&mut trigger.table);
        fix(&mut trigger.function);
        trigger.definition = literal_text(&trigger.definition);
    }
    crate::kinds::rename_plain(schema, &Follow::Schema { from, to });
    for other in schema.types.iter_mut().chain(schema.others.iter_mut()) {
        other.name = text(&other.name);
        other.create = literal_text(&other.create);
        other.drop = literal_text(&other.drop);
        // What changes in place names the schema too (a domain over a type of it, a
        // composite type's attribute of one).
        match &mut other.in_place {
            crate::schema::InPlace::Domain(domain) => {
                domain.base = text(&domain.base);
                domain.default = domain.default.as_deref().map(literal_text);
                for check in &mut domain.checks {
                    check.definition = literal_text(&check.definition);
                }
            }
            crate::schema::InPlace::Composite(composite) => {
                for attribute in &mut composite.attributes {
                    attribute.ty = text(&attribute.ty);
                }
            }
            crate::schema::InPlace::Foreign(_) | crate::schema::InPlace::Nothing => {}
        }
    }
    for object in &mut schema.unmodelled {
        object.name = text(&object.name);
    }
}

/// `schema` as PostgreSQL shows it after `rename`.
fn rename_in(schema: &mut Schema, rename: &Rename) {
    match rename {
        Rename::Schema { from, to } => rename_schema(schema, from, to),
        Rename::Table { from, to } => rename_table(schema, from, to),
        Rename::View { from, to } => {
            for view in &mut schema.views {
                if &view.name == from {
                    view.name = to.clone();
                }
            }
        }
        Rename::Sequence { from, to } => {
            for sequence in &mut schema.sequences {
                if &sequence.name == from {
                    sequence.name = to.clone();
                }
            }
            each_expression(schema, |e| {
                rewrite(e, |s| {
                    regclass_names(s, from)
                        .then(|| quote_literal(&qualified_rewrite(&s.value, from, to)))
                })
            });
        }
        Rename::EnumType { from, to } => {
            for e in &mut schema.enums {
                if &e.name == from {
                    e.name = to.clone();
                }
            }
            let retype = |ty: &SqlType| SqlType::new(qualified_rewrite(ty.as_str(), from, to));
            for table in &mut schema.tables {
                for column in &mut table.columns {
                    column.ty = retype(&column.ty);
                }
            }
            for function in &mut schema.functions {
                function.arguments = qualified_rewrite(&function.arguments, from, to);
                function.types = qualified_rewrite(&function.types, from, to);
                function.returns = qualified_rewrite(&function.returns, from, to);
                function.definition = rewrite_header(&function.definition, |s| {
                    is_qualified(s, from).then(|| quote_ident(&to.name))
                });
            }
            each_expression(schema, |e| qualified_rewrite(e, from, to));
        }
        Rename::Function { from, to } => {
            for function in &mut schema.functions {
                if &function.name == from {
                    function.name = to.clone();
                    let mut first = true;
                    function.definition = rewrite_header(&function.definition, |s| {
                        let hit = first && s.call && is_qualified(s, from);
                        first &= !hit;
                        hit.then(|| quote_ident(&to.name))
                    });
                }
            }
            for trigger in &mut schema.triggers {
                if &trigger.function == from {
                    trigger.function = to.clone();
                }
            }
            each_expression(schema, |e| {
                rewrite(e, |s| {
                    (s.call && is_qualified(s, from)).then(|| quote_ident(&to.name))
                })
            });
        }
        Rename::Column { table, from, to } => rename_column(schema, table, from, to),
        Rename::EnumLabel {
            enum_type,
            from,
            to,
        } => {
            for e in &mut schema.enums {
                if &e.name == enum_type {
                    for label in &mut e.labels {
                        if label == from {
                            *label = to.clone();
                        }
                    }
                }
            }
            let qualified = format!("{}.{}", enum_type.schema, enum_type.name);
            let relabel = |e: &str| {
                rewrite(e, |s| {
                    (s.kind == SiteKind::Literal
                        && &s.value == from
                        && s.cast_to.as_ref().is_some_and(|c| {
                            *c == qualified || any_site(c, |t| is_qualified(t, enum_type))
                        }))
                    .then(|| quote_literal(to))
                })
            };
            each_expression(schema, relabel);
            for view in &mut schema.views {
                view.definition = relabel(&view.definition);
            }
        }
        Rename::Index { table, from, to } => rename_index(schema, table, from, to),
        Rename::Constraint { table, from, to } => {
            for t in &mut schema.tables {
                if &t.name != table {
                    continue;
                }
                for name in constraint_names_mut(t) {
                    if name == from {
                        *name = to.clone();
                    }
                }
                // The index behind a key is renamed with it.
                if t.replica_identity == ReplicaIdentity::Index(from.clone()) {
                    t.replica_identity = ReplicaIdentity::Index(to.clone());
                }
            }
        }
    }
}

/// A table rename: what names the table (keys, partitions, children, sequences, triggers,
/// views, the plain kinds) names it by its new name.
fn rename_table(schema: &mut Schema, from: &TableName, to: &TableName) {
    for table in &mut schema.tables {
        if &table.name == from {
            // PostgreSQL 18's NOT NULL constraints keep the names they were given.
            for column in &mut table.columns {
                keep_not_null_name(column, &from.name, &column.name.clone());
            }
            table.name = to.clone();
        }
        for fk in &mut table.foreign_keys {
            if &fk.references == from {
                fk.references = to.clone();
            }
        }
        if let Some(p) = &mut table.partition_of {
            if &p.parent == from {
                p.parent = to.clone();
            }
        }
        for parent in &mut table.inherits {
            if parent == from {
                *parent = to.clone();
            }
        }
    }
    for sequence in &mut schema.sequences {
        if let Some(owner) = &mut sequence.owned_by {
            if &owner.table == from {
                owner.table = to.clone();
            }
        }
    }
    for trigger in &mut schema.triggers {
        if &trigger.table == from {
            trigger.table = to.clone();
            trigger.definition = qualified_rewrite(&trigger.definition, from, to);
        }
    }
    crate::kinds::rename_plain(schema, &Follow::Table { from, to });
    for view in &mut schema.views {
        for d in &mut view.depends_on {
            if d == from {
                *d = to.clone();
            }
        }
    }
}

/// An index rename, on a table or a materialized view, with the replica identity that uses it
/// and the partitions' indexes attached to it.
fn rename_index(schema: &mut Schema, table: &TableName, from: &str, to: &str) {
    let mut parent_index = false;
    for t in &mut schema.tables {
        if &t.name == table {
            for index in &mut t.indexes {
                if index.name == from {
                    index.name = to.to_string();
                    parent_index = true;
                }
            }
            if t.replica_identity == ReplicaIdentity::Index(from.to_string()) {
                t.replica_identity = ReplicaIdentity::Index(to.to_string());
            }
        }
    }
    for view in &mut schema.views {
        if &view.name == table {
            for index in &mut view.indexes {
                if index.name == from {
                    index.name = to.to_string();
                }
            }
        }
    }
    if parent_index {
        for t in &mut schema.tables {
            if t.partition_of.as_ref().is_some_and(|p| &p.parent == table) {
                for index in &mut t.indexes {
                    if index.attached_to.as_deref() == Some(from) {
                        index.attached_to = Some(to.to_string());
                    }
                }
            }
        }
    }
}

/// A column rename on `table` and on every partition and child, which share its columns.
/// A NOT NULL constraint keeps its name through a rename of its table or column (PostgreSQL
/// 18 has names; before, the name is never compared): the default one of the old names
/// becomes the constraint's own.
fn keep_not_null_name(column: &mut crate::schema::Column, table: &str, name: &str) {
    if !column.nullable && column.not_null.name.is_none() {
        column.not_null.name = Some(crate::schema::default_constraint_name(
            table,
            &[name],
            "not_null",
        ));
    }
}

fn rename_column(schema: &mut Schema, table: &TableName, from: &str, to: &str) {
    let family = family(schema, std::slice::from_ref(table));
    let bare = |e: &str| column_renamed(e, from, to);
    let rename = |name: &mut String| {
        if name == from {
            *name = to.to_string();
        }
    };
    for t in &mut schema.tables {
        if family.contains(&t.name) {
            for column in &mut t.columns {
                if column.name == from {
                    keep_not_null_name(column, &t.name.name, from);
                }
                rename(&mut column.name);
            }
            if let Some(key) = &mut t.primary_key {
                key.columns.iter_mut().for_each(rename);
            }
            for unique in &mut t.uniques {
                unique.columns.iter_mut().for_each(rename);
            }
            for fk in &mut t.foreign_keys {
                fk.columns.iter_mut().for_each(rename);
            }
            for index in &mut t.indexes {
                for key in &mut index.keys {
                    if let IndexExpr::Column(name) = &mut key.expr {
                        rename(name);
                    }
                }
                index.include.iter_mut().for_each(rename);
            }
            table_expressions(t, &mut |e: &str| bare(e));
        }
        for fk in &mut t.foreign_keys {
            if family.contains(&fk.references) {
                fk.referenced_columns.iter_mut().for_each(rename);
            }
        }
    }
    for sequence in &mut schema.sequences {
        if let Some(owner) = &mut sequence.owned_by {
            if family.contains(&owner.table) {
                rename(&mut owner.column);
            }
        }
    }
    let tables = &family;
    crate::kinds::rename_plain(schema, &Follow::Column { tables, from, to });
    for trigger in &mut schema.triggers {
        if family.contains(&trigger.table) {
            // `UPDATE OF a`, and `new.a` / `old.a` in `WHEN`.
            trigger.definition = rewrite(&trigger.definition, |s| {
                (s.kind == SiteKind::Ident
                    && s.value == from
                    && !s.qualifies
                    && !s.cast
                    && !s.call
                    && s.qualifier.as_deref().map_or(true, |q| {
                        q.eq_ignore_ascii_case("new") || q.eq_ignore_ascii_case("old")
                    }))
                .then(|| quote_ident(to))
            });
        }
    }
}
