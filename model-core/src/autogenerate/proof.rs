//! The proof of a plan before it is written: on a throwaway database of the compared
//! database's server, build the part of the database the plan touches, apply the upgrade and
//! require the models, apply the downgrade and require the start.
//!
//! Only the part the plan can reach is built ([`cut`]): the tables a statement is about (its
//! first qualified name: `ALTER TABLE t …`, `CREATE INDEX … ON t`) or drops; the tables whose
//! definitions name what a statement is about or drops (a column of a type it drops, a check
//! calling a function it replaces), whose foreign keys are in the way of a statement (the
//! referenced columns or their key named, the referenced table dropped), or whose index and
//! key names are among the plan's words (a constraint taking the name); every view, function,
//! type and other object (few, and what PostgreSQL checks a plan against) with the tables
//! they name; and what those name in turn, but through a foreign key, whose target is built
//! as a stub (the referenced columns and the keys over them), as is a table a statement only
//! names. The tables set aside are compared in memory instead: the plan leaves them alone, so
//! the models must hold them as the database does. A part that refuses the plan is tried
//! again on a copy of the whole database before the plan is called unproven, so a part drawn
//! too small costs time, never a wrong refusal; one drawn too small to refuse what the whole
//! would is what the tests of each rule above show failing without it.

use std::collections::{BTreeMap, BTreeSet};

use postgres::Client;

use super::AutogenerateError;
use crate::diff::{diff_for, Plan};
use crate::introspect::{self, Options};
use crate::pg::Server;
use crate::render::create_schema;
use crate::schema::{relation_names, Schema, Table, TableName};
use crate::sql::tokens::{mentions, Idents};
use crate::sql::PgVersion;

/// A schema-qualified name as PostgreSQL folds it.
type Name = (String, String);

/// What a proof built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proof {
    /// Tables of the start built on the copy, stubs included.
    pub tables_built: usize,
    /// Tables of the start.
    pub tables: usize,
}

/// Proves `plan` before it is written: on a throwaway database of the shared server, creates
/// the part of `from` (the database as introspected) the plan reaches, applies the upgrade
/// statement by statement, requires the result to read back as `to`, then applies the
/// downgrade and requires `from` back. An error names the statement PostgreSQL refused or
/// the objects that differ.
pub fn verify(plan: &Plan, from: &Schema, to: &Schema) -> Result<Proof, AutogenerateError> {
    use crate::render::script;
    verify_sql(&script(&plan.upgrade), &script(&plan.downgrade), from, to)
}

/// [`verify`] for the upgrade and downgrade as written (an online revision's parts, with
/// their `BEGIN; … COMMIT;` steps and concurrent builds).
pub fn verify_sql(
    upgrade: &str,
    downgrade: &str,
    from: &Schema,
    to: &Schema,
) -> Result<Proof, AutogenerateError> {
    verify_sql_on(Server::shared()?, upgrade, downgrade, from, to)
}

/// [`verify_sql`] with the copy made on `server`: the compared database's own server
/// ([`Server::external`] of its URL), where its roles and extensions are.
pub fn verify_sql_on(
    server: &Server,
    upgrade: &str,
    downgrade: &str,
    from: &Schema,
    to: &Schema,
) -> Result<Proof, AutogenerateError> {
    let fail = AutogenerateError::NotProven;
    let mut statements = Vec::new();
    for (sql, what) in [(upgrade, "the upgrade"), (downgrade, "the downgrade")] {
        let split = crate::revision::split_statements(sql)
            .map_err(|e| fail(format!("{what} does not split: {e}")))?;
        statements.extend(split.into_iter().map(|(_, s)| s));
    }
    let mut schemas: Vec<String> = from
        .namespaces()
        .into_iter()
        .chain(to.namespaces())
        .map(str::to_string)
        .collect();
    schemas.push(crate::schema::DEFAULT_SCHEMA.to_string());
    schemas.sort();
    schemas.dedup();
    let options = Options { schemas };
    let whole = Proof {
        tables_built: from.tables.len(),
        tables: from.tables.len(),
    };
    let cut = cut(&statements, from);
    if cut.aside.is_empty() {
        prove(server, &options, upgrade, downgrade, from, to)?;
        return Ok(whole);
    }
    let part = |schema: &Schema| {
        let (mut part, hung) = schema.split_tables(&cut.aside);
        let stubs = from
            .tables
            .iter()
            .filter_map(|t| Some(stub(t, cut.stubs.get(&t.name)?)));
        part.tables.splice(0..0, stubs);
        (part, hung)
    };
    let ((from_part, from_hung), (to_part, to_hung)) = (part(from), part(to));
    match prove(server, &options, upgrade, downgrade, &from_part, &to_part) {
        Ok(version) if agree(from, to, &cut.aside, from_hung, to_hung, version) => Ok(Proof {
            tables_built: from_part.tables.len(),
            tables: from.tables.len(),
        }),
        // The models differ where the plan does nothing, or the part refused the plan: the
        // whole copy decides, and names what differs.
        _ => prove(server, &options, upgrade, downgrade, from, to).map(|_| whole),
    }
}

/// Whether `from` and `to` agree on the tables set aside and what hangs on them (`hung`):
/// tables equal as data, and a diff of the rest empty.
fn agree(
    from: &Schema,
    to: &Schema,
    aside: &BTreeSet<TableName>,
    mut from_rest: Schema,
    mut to_rest: Schema,
    version: PgVersion,
) -> bool {
    let (f, t) = (from.tables_by_name(), to.tables_by_name());
    for name in aside {
        let (a, b) = (f.get(name), t.get(name));
        if a != b {
            from_rest.tables.extend(a.map(|x| (*x).clone()));
            to_rest.tables.extend(b.map(|x| (*x).clone()));
        }
    }
    diff_for(&from_rest, &to_rest, version).is_empty()
}

/// Where a proof cuts the start: the tables it sets aside (compared in memory), and among
/// them those it builds as stubs, with the columns the built tables' foreign keys reference.
#[derive(Debug, Default)]
struct Cut {
    aside: BTreeSet<TableName>,
    stubs: BTreeMap<TableName, BTreeSet<String>>,
}

/// A table reduced to what the foreign keys of other tables need of it: the `columns` they
/// reference, with their types and NOT NULL, and the primary key, unique constraints and
/// unique indexes over those columns alone. Nothing else of it is built, nothing of it
/// names anything but types.
fn stub(table: &Table, columns: &BTreeSet<String>) -> Table {
    let within = |cols: &[String]| cols.iter().all(|c| columns.contains(c));
    let mut out = Table::new(table.name.clone());
    out.columns = table
        .columns
        .iter()
        .filter(|c| columns.contains(&c.name))
        .map(|c| {
            let mut col = crate::schema::Column::new(c.name.clone(), c.ty.clone());
            col.nullable = c.nullable;
            col.collation = c.collation.clone();
            col.not_null.name = c.not_null.name.clone();
            col
        })
        .collect();
    out.primary_key = table.primary_key.clone().filter(|k| within(&k.columns));
    out.uniques = table
        .uniques
        .iter()
        .filter(|u| within(&u.columns))
        .cloned()
        .collect();
    out.indexes = table
        .indexes
        .iter()
        .filter(|i| {
            i.unique
                && i.predicate.is_none()
                && i.keys.iter().all(|k| {
                    matches!(&k.expr, crate::schema::IndexExpr::Column(c) if columns.contains(c))
                })
        })
        .cloned()
        .collect();
    out
}

/// Where to cut `from` for a plan of `statements` (see the module's documentation): nothing
/// set aside when the plan renames or drops a schema, which reaches every table in it.
fn cut(statements: &[String], from: &Schema) -> Cut {
    let mut seeds: BTreeSet<Name> = BTreeSet::new();
    let mut words: BTreeSet<String> = BTreeSet::new();
    // The words of the statements about each object (the first name they qualify: `ALTER
    // TABLE t …`, `DROP INDEX i`), and the objects dropped.
    let mut about: BTreeMap<Name, BTreeSet<String>> = BTreeMap::new();
    let mut dropped: BTreeSet<Name> = BTreeSet::new();
    for statement in statements {
        let idents = Idents::of(statement);
        if idents.keyword(1) == "SCHEMA" && matches!(idents.keyword(0), "ALTER" | "DROP") {
            return Cut::default();
        }
        let said: Vec<String> = (0..idents.len())
            .map(|i| idents.word(i).to_string())
            .collect();
        if let Some(subject) = idents.qualified().into_iter().next() {
            about
                .entry(subject)
                .or_default()
                .extend(said.iter().cloned());
        }
        if let Some((false, schema, name)) = idents.defines() {
            dropped.insert((schema, name));
        }
        seeds.extend(mentions(statement));
        words.extend(said);
    }
    let index: BTreeMap<Name, usize> = from
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (name(&t.name), i))
        .collect();
    // A sequence a table owns is built with it.
    let mut owner: BTreeMap<Name, usize> = BTreeMap::new();
    for s in &from.sequences {
        if let Some(i) = s.owned_by.as_ref().and_then(|o| index.get(&name(&o.table))) {
            owner.insert(name(&s.name), *i);
        }
    }
    let named = table_mentions(from);
    // A foreign key is in the way of what drops or changes the columns it references, the
    // key over them, or the table.
    let in_the_way = |fk: &crate::schema::ForeignKey| {
        let target = name(&fk.references);
        let keys: Vec<Name> = index
            .get(&target)
            .map(|&j| {
                relation_names(&from.tables[j])
                    .into_iter()
                    .skip(1)
                    .collect()
            })
            .unwrap_or_default();
        dropped.contains(&target)
            || keys.iter().any(|k| about.contains_key(k))
            || about.get(&target).is_some_and(|said| {
                fk.referenced_columns.iter().any(|c| said.contains(c))
                    || keys.iter().any(|k| said.contains(&k.1))
            })
    };
    let mut todo: Vec<usize> = Vec::new();
    for (i, table) in from.tables.iter().enumerate() {
        // Its name, or one its indexes and keys take, is a statement's subject or dropped; a
        // name of its indexes or keys is among the plan's words (which a constraint would
        // take, unqualified); it names what a statement is about (a type altered, a function
        // replaced), or has a foreign key in the way; a sequence it owns is named.
        let own = relation_names(table);
        let reached = own
            .iter()
            .any(|n| about.contains_key(n) || dropped.contains(n))
            || own.iter().skip(1).any(|n| words.contains(&n.1))
            || named[i]
                .iter()
                .any(|n| about.contains_key(n) || dropped.contains(n))
            || table.foreign_keys.iter().any(in_the_way)
            || owner.iter().any(|(s, &o)| o == i && seeds.contains(s));
        if reached {
            todo.push(i);
        }
    }
    // What is always built names tables too.
    let staying = staying_mentions(from);
    todo.extend(staying.iter().filter_map(|n| index.get(n).or(owner.get(n))));
    // Built whole: what is reached and what that names, but through a foreign key, whose
    // target is built whole only when reached otherwise (a stub of it serves).
    let mut built: BTreeSet<usize> = BTreeSet::new();
    while let Some(i) = todo.pop() {
        if built.insert(i) {
            todo.extend(
                named[i]
                    .iter()
                    .filter_map(|n| index.get(n).or(owner.get(n)))
                    .filter(|j| !built.contains(j)),
            );
        }
    }
    let mut stubs: BTreeMap<TableName, BTreeSet<String>> = BTreeMap::new();
    // A table the plan only names (a foreign key it adds references it): a stub with its
    // keys' columns.
    for (i, table) in from.tables.iter().enumerate() {
        if !built.contains(&i) && seeds.contains(&name(&table.name)) {
            stubs
                .entry(table.name.clone())
                .or_default()
                .extend(key_columns(table));
        }
    }
    for &i in &built {
        for fk in &from.tables[i].foreign_keys {
            if !index
                .get(&name(&fk.references))
                .is_some_and(|j| built.contains(j))
            {
                stubs
                    .entry(fk.references.clone())
                    .or_default()
                    .extend(fk.referenced_columns.iter().cloned());
            }
        }
    }
    let aside = from
        .tables
        .iter()
        .enumerate()
        .filter(|(i, _)| !built.contains(i))
        .map(|(_, t)| t.name.clone())
        .collect();
    Cut { aside, stubs }
}

/// The columns of a table's primary key, unique constraints and unique indexes on columns.
fn key_columns(table: &Table) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    out.extend(
        table
            .primary_key
            .iter()
            .flat_map(|k| k.columns.iter().cloned()),
    );
    out.extend(table.uniques.iter().flat_map(|u| u.columns.iter().cloned()));
    for i in table
        .indexes
        .iter()
        .filter(|i| i.unique && i.predicate.is_none())
    {
        for key in &i.keys {
            match &key.expr {
                crate::schema::IndexExpr::Column(c) => out.push(c.clone()),
                crate::schema::IndexExpr::Expression(_) => break,
            }
        }
    }
    out
}

fn name(t: &TableName) -> Name {
    (t.schema.clone(), t.name.clone())
}

/// For each table of `schema`, every object its definition names but through its foreign
/// keys (which a stub of their target serves): its parent (partition or inheritance), and
/// the qualified names in its columns' types, defaults and expressions, its checks,
/// exclusions and indexes, and its triggers', policies' and statistics' definitions.
fn table_mentions(schema: &Schema) -> Vec<Vec<Name>> {
    let mut out: Vec<Vec<Name>> = schema.tables.iter().map(own_mentions).collect();
    let index: BTreeMap<&TableName, usize> = schema
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (&t.name, i))
        .collect();
    let mut add = |table: &TableName, texts: &[&str]| {
        if let Some(&i) = index.get(table) {
            out[i].extend(texts.iter().flat_map(|t| mentions(t)));
        }
    };
    for t in &schema.triggers {
        add(
            &t.table,
            &[&t.definition, &crate::schema::qualified(&t.function)],
        );
    }
    for p in &schema.policies {
        let texts: Vec<&str> = p
            .using
            .iter()
            .chain(&p.with_check)
            .map(String::as_str)
            .collect();
        add(&p.table, &texts);
    }
    for s in &schema.statistics {
        add(&s.table, &[&s.on]);
    }
    out
}

fn own_mentions(table: &Table) -> Vec<Name> {
    let mut out: Vec<Name> = table
        .partition_of
        .iter()
        .map(|p| name(&p.parent))
        .chain(table.inherits.iter().map(name))
        .collect();
    let mut texts: Vec<&str> = Vec::new();
    for c in &table.columns {
        texts.push(c.ty.as_str());
        texts.extend(c.default.as_deref());
        texts.extend(c.generated.as_deref());
        texts.extend(c.collation.as_deref());
    }
    texts.extend(table.checks.iter().map(|c| c.expression.as_str()));
    texts.extend(table.exclusions.iter().map(|x| x.definition.as_str()));
    for i in &table.indexes {
        texts.extend(i.predicate.as_deref());
        for key in &i.keys {
            if let crate::schema::IndexExpr::Expression(e) = &key.expr {
                texts.push(e);
            }
            texts.extend(key.collation.as_deref());
            texts.extend(key.opclass.as_deref());
        }
    }
    out.extend(texts.into_iter().flat_map(mentions));
    out
}

/// What the objects that are always built (views, functions, types, rules, publications…)
/// name.
fn staying_mentions(schema: &Schema) -> Vec<Name> {
    let mut out: Vec<Name> = Vec::new();
    for v in &schema.views {
        out.extend(v.depends_on.iter().map(name));
        out.extend(mentions(&v.definition));
    }
    for f in &schema.functions {
        for text in [&f.arguments, &f.returns, &f.definition] {
            out.extend(mentions(text));
        }
    }
    for o in schema.types.iter().chain(&schema.others) {
        out.extend(mentions(&o.create));
    }
    out
}

/// Creates `from` on a throwaway database of `server`, applies the upgrade (requiring `to`)
/// and the downgrade (requiring `from`): the server's version when all holds.
fn prove(
    server: &Server,
    options: &Options,
    upgrade: &str,
    downgrade: &str,
    from: &Schema,
    to: &Schema,
) -> Result<PgVersion, AutogenerateError> {
    let scratch = server.create_database()?;
    let mut client = scratch.connect()?;
    // Functions may read tables created after them, as in a revision (whose `SET LOCAL` is a
    // no-op outside a transaction block, and statements run one by one here).
    client
        .batch_execute("SET check_function_bodies = false")
        .map_err(|e| AutogenerateError::NotProven(crate::pg::pg_message(&e)))?;
    // Three more connections read the copy with this one; they open while it is built.
    let (built, mut helpers) = std::thread::scope(|scope| {
        let opening = scope.spawn(|| {
            (0..3)
                .filter_map(|_| scratch.connect().ok())
                .collect::<Vec<Client>>()
        });
        let built =
            build(&mut client, from).and_then(|()| run(&mut client, upgrade, "the upgrade"));
        (built, opening.join().unwrap_or_default())
    });
    built?;
    differs(&mut client, &mut helpers, options, to, "upgrade")?;
    run(&mut client, downgrade, "the downgrade")?;
    differs(&mut client, &mut helpers, options, from, "downgrade")
}

/// Creates `from` on `client`'s empty database, in transactions of many statements, one
/// round trip each (statement by statement, the commits alone took seconds at a thousand
/// tables); a failing batch runs again statement by statement (it rolled back whole) to
/// name the statement. It is not read back: whatever of it differs from the start, the plan
/// either leaves alone (and the upgrade's comparison names it) or takes from the start's
/// definition both ways (and the downgrade's does).
fn build(client: &mut Client, from: &Schema) -> Result<(), AutogenerateError> {
    let copy = create_schema(from);
    let statements = crate::revision::split_statements(&copy).map_err(|e| {
        AutogenerateError::NotProven(format!("the copy's script does not split: {e}"))
    })?;
    for chunk in statements.chunks(200) {
        let batch: String = chunk.iter().map(|(_, s)| format!("{s};\n")).collect();
        if client.batch_execute(&batch).is_err() {
            run(client, &batch, "creating the copy")?;
        }
    }
    Ok(())
}

/// Runs `sql` statement by statement; an error names the statement and its line.
fn run(client: &mut Client, sql: &str, what: &str) -> Result<(), AutogenerateError> {
    let fail = AutogenerateError::NotProven;
    let statements = crate::revision::split_statements(sql)
        .map_err(|e| fail(format!("{what} does not split: {e}")))?;
    for (line, statement) in statements {
        client.batch_execute(&statement).map_err(|e| {
            fail(format!(
                "{what} failed at line {line}: {}\n    {}",
                crate::pg::pg_message(&e),
                statement.trim()
            ))
        })?;
    }
    Ok(())
}

/// Reads the copy (`client` with `helpers`) and requires it to be `wanted`, naming what
/// differs after `what`.
fn differs(
    client: &mut Client,
    helpers: &mut [Client],
    options: &Options,
    wanted: &Schema,
    what: &str,
) -> Result<PgVersion, AutogenerateError> {
    let got = introspect::introspect_shared(client, helpers, options)?;
    let rest = diff_for(&got.schema, wanted, got.version);
    if rest.is_empty() {
        return Ok(got.version);
    }
    let lines: Vec<String> = rest
        .upgrade
        .iter()
        .map(|op| format!("  - {}", op.describe()))
        .collect();
    Err(AutogenerateError::NotProven(format!(
        "after the {what} the copy still differs:\n{}",
        lines.join("\n")
    )))
}
