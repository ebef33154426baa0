//! Autogenerate as one call: the models' schema and the live database's, both in
//! PostgreSQL's spelling and filtered by the project's configuration, and the plan between
//! them. The CLI's `revision --autogenerate` and `check` are this plus files and messages.

mod draft;
mod hints;
mod proof;

pub use draft::{Destruction, Draft, DraftError, DraftOptions, Guard};
pub use hints::{unindexed_foreign_keys, UnindexedForeignKey};
pub use proof::{verify, verify_sql, verify_sql_on, Proof};

use postgres::Client;

use crate::config::Config;
use crate::diff::{
    diff_with_renames_for, rename_candidates, Candidate, Op, Plan, Rename, RenameReport,
};
use crate::introspect::{self, IntrospectError, Options};
use crate::model::ModelSet;
use crate::pg::{block_on, Connection, PgError, Server};
use crate::schema::{Grant, Schema, TableName};
use crate::sql::version::Unsupported;
use crate::sql::PgVersion;

/// What autogenerate compares. The plan between the two is worked out once, when first
/// asked for, and kept: a comparison cannot change but through [`Self::with_renames`], which
/// makes a new one.
#[derive(Debug, Clone)]
pub struct Comparison {
    live: Schema,
    desired: Schema,
    renames: Vec<Rename>,
    version: PgVersion,
    /// Conversions the models give for type changes: table, column, whether for the
    /// downgrade, expression.
    conversions: Vec<(TableName, String, bool, String)>,
    planned: std::sync::OnceLock<(Plan, RenameReport)>,
}

impl Comparison {
    /// A comparison of `live` (as introspected) with `desired`, with declared `renames`,
    /// planned for a server of `version`.
    pub fn new(
        live: Schema,
        desired: Schema,
        renames: Vec<Rename>,
        version: PgVersion,
    ) -> Comparison {
        Comparison {
            live,
            desired,
            renames,
            version,
            conversions: Vec::new(),
            planned: std::sync::OnceLock::new(),
        }
    }

    /// The same comparison with the models' own conversions for type changes
    /// (`#[model(using = "...", downgrade_using = "...")]`).
    pub fn with_conversions(mut self, models: &ModelSet) -> Self {
        self.conversions.clear();
        for model in models.models() {
            let table = &model.table.name;
            let each = |list: &[(String, String)], down: bool| {
                list.iter()
                    .map(move |(c, e)| (table.clone(), c.clone(), down, e.clone()))
                    .collect::<Vec<_>>()
            };
            self.conversions.extend(each(&model.conversions, false));
            self.conversions.extend(each(&model.reversions, true));
        }
        self.planned = std::sync::OnceLock::new();
        self
    }

    /// The PostgreSQL the plan is for: the database's, or the project's `postgres_version`
    /// when that is older.
    pub fn version(&self) -> PgVersion {
        self.version
    }

    /// The database's managed schemas as introspected, filtered.
    pub fn live(&self) -> &Schema {
        &self.live
    }

    /// The models' schema as PostgreSQL spells it, filtered.
    pub fn desired(&self) -> &Schema {
        &self.desired
    }

    /// The renames the models declare (and answers given since).
    pub fn renames(&self) -> &[Rename] {
        &self.renames
    }

    /// The operations that bring the database to the models, and back, with the declared
    /// renames made as renames.
    pub fn plan(&self) -> Plan {
        self.planned().0.clone()
    }

    /// [`Self::plan`], and what became of each rename hint.
    pub fn plan_and_report(&self) -> (Plan, RenameReport) {
        self.planned().clone()
    }

    fn planned(&self) -> &(Plan, RenameReport) {
        self.planned.get_or_init(|| {
            let (mut plan, report) =
                diff_with_renames_for(&self.live, &self.desired, &self.renames, self.version);
            for (table, column, down, expression) in &self.conversions {
                let ops = if *down {
                    &mut plan.downgrade
                } else {
                    &mut plan.upgrade
                };
                ops.iter_mut()
                    .for_each(|op| op.convert_using(table, column, expression));
            }
            (plan, report)
        })
    }

    /// Pairs the plan would drop and add that look like renames nobody declared.
    pub fn rename_candidates(&self) -> Vec<Candidate> {
        rename_candidates(&self.live, &self.desired, &self.renames)
    }

    /// The same comparison with more declared renames (answers to candidates).
    pub fn with_renames(self, renames: impl IntoIterator<Item = Rename>) -> Self {
        let Comparison {
            live,
            desired,
            renames: mut declared,
            version,
            conversions,
            ..
        } = self;
        for rename in renames {
            if !declared.contains(&rename) {
                declared.push(rename);
            }
        }
        let mut comparison = Comparison::new(live, desired, declared, version);
        comparison.conversions = conversions;
        comparison
    }
}

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AutogenerateError {
    /// A model's table lives in a schema the configuration does not manage.
    #[error("table {table} of the models is in schema `{schema}`, which the configuration does not manage; add it to `schemas`")]
    Unmanaged {
        /// The table.
        table: TableName,
        /// Its schema.
        schema: String,
    },
    /// Reading or canonicalising failed.
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    /// A column's type changes (in the upgrade or the downgrade) to one PostgreSQL has no cast
    /// to: the plan would fail, so none is made.
    #[error("column {table}.{column} changes from {from} to {to}, and PostgreSQL has no cast between them; give the conversion on the field, over the column's current value: #[model(using = \"...\")] for the upgrade, #[model(downgrade_using = \"...\")] for the downgrade")]
    NoCast {
        /// The table.
        table: TableName,
        /// The column.
        column: String,
        /// Its type before.
        from: String,
        /// Its type after.
        to: String,
    },
    /// A column's `sql_type` names a type the models do not declare and the database lacks.
    #[error("column {table}.{column} is of type {ty}, which the models do not declare and the database does not have; declare it with ModelSet::with_type(\"CREATE DOMAIN ...\") or create it in an earlier revision")]
    UnknownType {
        /// The table.
        table: TableName,
        /// The column.
        column: String,
        /// The type, `schema.name`.
        ty: String,
    },
    /// The plan, applied to a schema-only copy of the database, does not give the target (or
    /// its downgrade does not give the start back): it is not written.
    #[error("the plan was not proven on a schema-only copy of the database: {0}")]
    NotProven(String),
    /// The models use what the PostgreSQL the plan is for does not have.
    #[error("{}", unsupported_message(.0))]
    Unsupported(Vec<Unsupported>),
    /// No scratch database for canonicalising views, functions, triggers or policies.
    #[error("views, functions, triggers or policies need a PostgreSQL server to canonicalise them on: {0}")]
    Scratch(#[from] PgError),
}

/// Compares the models with the database `client` is connected to (which should be at the
/// head revision), within `config`'s managed schemas and table filters.
///
/// Expressions of the models (defaults, checks, index predicates) are spelled by the same
/// database in a rolled-back transaction; when the models declare views, functions, triggers
/// or policies, the whole schema is created in a scratch database of the shared server
/// instead (`DATABASE_URL`'s server, or a throwaway cluster) and read back.
pub fn compare(
    client: &mut Client,
    models: &ModelSet,
    config: &Config,
) -> Result<Comparison, AutogenerateError> {
    block_on(compare_async(client, models, config))
}

/// [`compare`] over any [`Connection`] (an application's `tokio_postgres::Client` with the
/// `tokio` feature), awaited: the same reads and questions, in the same order. Models that
/// declare views, functions, triggers or policies are canonicalised on a scratch database of
/// the shared server over a connection of its own (blocking while it runs).
pub async fn compare_async<C: Connection>(
    client: &mut C,
    models: &ModelSet,
    config: &Config,
) -> Result<Comparison, AutogenerateError> {
    compare_mapped(client, models, config, None).await
}

/// [`compare`] for a tenant's schema: the tenant's schema is read, and compared as if it were
/// the schema the models (and the scripts) are written for, `map.from`.
pub fn compare_tenant(
    client: &mut Client,
    models: &ModelSet,
    config: &Config,
    map: &crate::migrate::SchemaMap,
) -> Result<Comparison, AutogenerateError> {
    block_on(compare_mapped(client, models, config, Some(map)))
}

async fn compare_mapped<C: Connection>(
    client: &mut C,
    models: &ModelSet,
    config: &Config,
    tenant: Option<&crate::migrate::SchemaMap>,
) -> Result<Comparison, AutogenerateError> {
    let options = Options {
        schemas: match tenant {
            Some(map) => vec![map.to.clone()],
            None => config.schemas.clone(),
        },
    };
    let live = introspect::introspect_async(client, &options).await?;
    compare_live_async(client, models, config, live, tenant).await
}

/// A tenant's schema as read (alone, or split from a read of many) seen as the schema the
/// scripts are written for, `map.from`.
pub fn as_template(mut live: Schema, map: &crate::migrate::SchemaMap) -> Schema {
    crate::diff::rename_schema(&mut live, &map.to, &map.from);
    // The tenant's schema itself (its owner, privileges, comment) is the tenant's, not the
    // scripts': they create what is in it, never it.
    without_schema_object(&mut live, &map.from);
    live
}

/// `schema` without the schema (namespace) `name` as an object of its own (its entry, with
/// comment and privileges, and its owner); what lives in it stays.
pub fn without_schema_object(schema: &mut Schema, name: &str) {
    let quoted = crate::sql::quote_ident(name);
    schema.schemas.retain(|n| n.name != name);
    schema
        .owners
        .retain(|o| !(o.kind == crate::schema::OwnedKind::Schema && o.name == quoted));
}

/// Refuses models with a table in a schema the project does not manage.
fn check_managed(models: &ModelSet, config: &Config) -> Result<(), AutogenerateError> {
    match models
        .schema()
        .tables
        .iter()
        .find(|t| !config.schemas.contains(&t.name.schema))
    {
        Some(table) => Err(AutogenerateError::Unmanaged {
            table: table.name.clone(),
            schema: table.name.schema.clone(),
        }),
        None => Ok(()),
    }
}

/// [`compare`] with the database's schema already read (`live`; for a tenant, its schema as
/// read, and `tenant` the map from the scripts' schema to it); `client` canonicalizes the
/// models' expressions. A tenant is compared in its own schema (the models moved there, so
/// that their types and expressions resolve against the tenant's objects) and the result is
/// given in the scripts' schema.
pub fn compare_live(
    client: &mut Client,
    models: &ModelSet,
    config: &Config,
    live: Schema,
    tenant: Option<&crate::migrate::SchemaMap>,
) -> Result<Comparison, AutogenerateError> {
    block_on(compare_live_async(client, models, config, live, tenant))
}

/// [`compare_live`] over any [`Connection`], awaited.
pub async fn compare_live_async<C: Connection>(
    client: &mut C,
    models: &ModelSet,
    config: &Config,
    live: Schema,
    tenant: Option<&crate::migrate::SchemaMap>,
) -> Result<Comparison, AutogenerateError> {
    check_managed(models, config)?;
    let Some(map) = tenant else {
        return compare_in(client, models, config, live, None).await;
    };
    // The models' unqualified names resolve in the tenant's schema, as the scripts' do when
    // they run there.
    let path = |e| IntrospectError::Query {
        what: "search path",
        error: e,
    };
    client
        .batch_execute(&format!(
            "SET search_path TO {}",
            crate::sql::quote_ident(&map.to)
        ))
        .await
        .map_err(path)?;
    let result = compare_in(client, models, config, live, tenant).await;
    let reset = client.batch_execute("RESET search_path").await;
    let comparison = result?;
    reset.map_err(path)?;
    Ok(comparison)
}

/// One line per use, and where the version came from.
fn unsupported_message(uses: &[Unsupported]) -> String {
    let mut lines: Vec<String> = uses.iter().map(|u| u.to_string()).collect();
    lines.push(
        "change the model, or compare with (and set `postgres_version` to) a newer server".into(),
    );
    lines.join("\n")
}

/// The PostgreSQL a plan against `client`'s database is for (see [`Config::plan_version`]),
/// after refusing models that use what it lacks.
async fn plan_version<C: Connection>(
    client: &mut C,
    models: &ModelSet,
    config: &Config,
) -> Result<PgVersion, AutogenerateError> {
    let server = introspect::server_version(client).await?;
    let version = config.plan_version(server);
    let unsupported = models.schema().unsupported(version);
    if unsupported.is_empty() {
        Ok(version)
    } else {
        Err(AutogenerateError::Unsupported(unsupported))
    }
}

async fn compare_in<C: Connection>(
    client: &mut C,
    models: &ModelSet,
    config: &Config,
    live: Schema,
    tenant: Option<&crate::migrate::SchemaMap>,
) -> Result<Comparison, AutogenerateError> {
    let version = plan_version(client, models, config).await?;
    let to_tenant = |mut schema: Schema| {
        if let Some(map) = tenant {
            crate::diff::rename_schema(&mut schema, &map.from, &map.to);
        }
        schema
    };
    let desired = if models.declares_sql_objects() {
        // On a thread of its own: the scratch database's blocking connection (and the
        // throwaway server it may start) never runs on an async runtime's thread.
        let canonical = std::thread::scope(|scope| {
            scope
                .spawn(|| -> Result<Schema, AutogenerateError> {
                    let scratch = Server::shared()?.create_database()?;
                    Ok(introspect::canonicalize(
                        &mut scratch.connect()?,
                        models.schema(),
                    )?)
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })?;
        to_tenant(canonical)
    } else {
        let desired = to_tenant(models.schema().clone());
        introspect::canonicalize_expressions_async(client, desired, &live).await?
    };
    let mut desired = introspect::adopt_equal_constants_async(client, &live, desired).await?;
    // Models declare no rules, event triggers, publications or default privileges: the
    // database's are left as they are, never dropped for not being declared. Types the models
    // declare (`ModelSet::with_type`) are theirs; the database's other types are left alone.
    desired.others = live.others.clone();
    // Nor comments on objects other than schemas, tables and columns: the database's stay.
    desired.comments = live.comments.clone();
    let declared: Vec<String> = desired.types.iter().map(|t| t.name.clone()).collect();
    desired.types.extend(
        live.types
            .iter()
            .filter(|t| !declared.contains(&t.name))
            .cloned(),
    );
    check_types(client, models, &desired, tenant).await?;
    keep_owner_privileges(&live, &mut desired);
    keep_undeclared_privileges(&live, &mut desired);
    let (live, desired) = match tenant {
        Some(map) => (as_template(live, map), as_template(desired, map)),
        None => (live, desired),
    };
    let comparison = Comparison::new(
        config.filter(live),
        config.filter(desired),
        models.renames().to_vec(),
        version,
    )
    .with_conversions(models);
    casts_in(client, &comparison.planned().0, tenant).await?;
    Ok(comparison)
}

/// Models do not say what a table's or sequence's owner may do: privileges an owner was
/// stripped of in the database (`REVOKE … FROM owner`) stay stripped.
fn keep_owner_privileges(live: &Schema, desired: &mut Schema) {
    use std::collections::BTreeMap;
    let tables: BTreeMap<&TableName, &[Grant]> = live
        .tables
        .iter()
        .map(|t| (&t.name, &t.grants[..]))
        .collect();
    let sequences: BTreeMap<&TableName, &[Grant]> = live
        .sequences
        .iter()
        .map(|s| (&s.name, &s.grants[..]))
        .collect();
    for table in &mut desired.tables {
        if let Some(have) = tables.get(&table.name) {
            keep_revoked(have, &mut table.grants);
        }
    }
    for sequence in &mut desired.sequences {
        if let Some(have) = sequences.get(&sequence.name) {
            keep_revoked(have, &mut sequence.grants);
        }
    }
}

/// `wanted` with the entries of `have` that strip the owner of privileges (`-PRIV`) in place
/// of its own for the same role.
fn keep_revoked(have: &[Grant], wanted: &mut Vec<Grant>) {
    let owner: Vec<&Grant> = have
        .iter()
        .filter(|g| g.privileges.iter().any(|p| p.starts_with('-')))
        .collect();
    if owner.is_empty() {
        return;
    }
    wanted.retain(|g| !owner.iter().any(|o| o.grantee == g.grantee));
    wanted.extend(owner.into_iter().cloned());
    wanted.sort();
}

/// Models cannot grant on functions, procedures and types: the privileges the database gives
/// them stay as they are.
fn keep_undeclared_privileges(live: &Schema, desired: &mut Schema) {
    for function in &mut desired.functions {
        if let Some(have) = live
            .functions
            .iter()
            .find(|f| f.name == function.name && f.arguments == function.arguments)
        {
            function.grants = have.grants.clone();
        }
    }
    for view in &mut desired.views {
        if let Some(have) = live.views.iter().find(|v| v.name == view.name) {
            view.grants = have.grants.clone();
            view.column_grants = have.column_grants.clone();
        }
    }
    for e in &mut desired.enums {
        if let Some(have) = live.enum_type(&e.name) {
            e.grants = have.grants.clone();
        }
    }
    for t in &mut desired.types {
        if let Some(have) = live
            .types
            .iter()
            .find(|l| l.kind == t.kind && l.name == t.name)
        {
            t.grants = have.grants.clone();
        }
    }
}

/// Refuses models whose columns name a type (`sql_type = "schema.name"`) that neither the
/// models declare nor the database has, naming the column, in one query.
async fn check_types<C: Connection>(
    client: &mut C,
    models: &ModelSet,
    desired: &Schema,
    tenant: Option<&crate::migrate::SchemaMap>,
) -> Result<(), AutogenerateError> {
    let mut wanted: Vec<(TableName, String, String)> = Vec::new();
    for model in models.models() {
        for column in &model.declared_types {
            let Some(c) = model.table.column(column) else {
                continue;
            };
            let mut ty = c.ty.element().to_string();
            if let Some(map) = tenant {
                ty = map.apply(&ty).unwrap_or(ty);
            }
            let known = desired.types.iter().any(|t| t.name == ty)
                || desired
                    .enums
                    .iter()
                    .any(|e| crate::render::qualified(&e.name) == ty);
            if !known {
                wanted.push((model.table.name.clone(), column.clone(), ty));
            }
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = wanted.iter().map(|w| w.2.clone()).collect();
    let rows = client
        .query_typed(
            "SELECT t FROM unnest($1::text[]) t WHERE to_regtype(t) IS NULL",
            &[(&names, postgres::types::Type::TEXT_ARRAY)],
        )
        .await
        .map_err(|error| IntrospectError::Query {
            what: "column types",
            error,
        })?;
    let missing: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    match wanted.into_iter().find(|w| missing.contains(&w.2)) {
        Some((table, column, ty)) => Err(AutogenerateError::UnknownType { table, column, ty }),
        None => Ok(()),
    }
}

/// What an autogenerated plan drops that nothing in the project asked for (see
/// [`unasked_drops`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnaskedDrops {
    /// The plan drops every table the database has in the managed schemas (how many), some
    /// of them holding rows: what comparing with models that declare none of them does.
    pub every_table: Option<usize>,
    /// Tables it drops that hold rows and that no revision of the project ever created: the
    /// models may simply be missing them.
    pub undeclared: Vec<TableName>,
}

impl UnaskedDrops {
    /// Whether there is nothing to refuse.
    pub fn is_empty(&self) -> bool {
        self.every_table.is_none() && self.undeclared.is_empty()
    }
}

/// The tables `plan` drops (table drops of the upgrade).
pub fn dropped_tables(plan: &Plan) -> Vec<TableName> {
    plan.upgrade
        .iter()
        .filter_map(|op| match op {
            Op::Kind(crate::kinds::KindChange::WholeTable(crate::kinds::Change::Drop(x))) => {
                Some(x.table.name.clone())
            }
            _ => None,
        })
        .collect()
}

/// Which of `tables` hold at least one row, asked in one query.
pub fn occupied(
    client: &mut Client,
    tables: &[TableName],
) -> Result<std::collections::BTreeSet<TableName>, AutogenerateError> {
    block_on(occupied_async(client, tables))
}

/// [`occupied`] over any [`Connection`], awaited.
pub async fn occupied_async<C: Connection>(
    client: &mut C,
    tables: &[TableName],
) -> Result<std::collections::BTreeSet<TableName>, AutogenerateError> {
    if tables.is_empty() {
        return Ok(Default::default());
    }
    let probes: Vec<String> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "SELECT {i} WHERE EXISTS (SELECT 1 FROM {})",
                crate::render::qualified(t)
            )
        })
        .collect();
    let rows = client
        .query_typed(&probes.join(" UNION ALL "), &[])
        .await
        .map_err(|error| IntrospectError::Query {
            what: "rows of the tables the plan drops",
            error,
        })?;
    Ok(rows
        .iter()
        .filter_map(|row| tables.get(row.get::<_, i32>(0) as usize).cloned())
        .collect())
}

/// What `plan` drops that nothing asked for: every table of `live` (the database compared)
/// when some hold rows (`occupied`), or a table that holds rows and that none of the
/// project's revisions created (`created`, from [`crate::migrate::created_tables`]). Alembic
/// refuses to autogenerate without models; this is the same guard for models that lack
/// tables. Empty tables are the models' to drop.
pub fn unasked_drops(
    plan: &Plan,
    live: &Schema,
    created: &std::collections::BTreeSet<TableName>,
    occupied: &std::collections::BTreeSet<TableName>,
) -> UnaskedDrops {
    let dropped = dropped_tables(plan);
    let every_table = (!live.tables.is_empty()
        && live.tables.iter().all(|t| dropped.contains(&t.name))
        && dropped.iter().any(|t| occupied.contains(t)))
    .then_some(live.tables.len());
    let undeclared = dropped
        .into_iter()
        .filter(|t| occupied.contains(t) && !created.contains(t))
        .collect();
    UnaskedDrops {
        every_table,
        undeclared,
    }
}

/// Refuses a plan with a column type change (either way) that PostgreSQL has no cast for,
/// naming the column, instead of a script that fails when it runs. Asked of the database in
/// one query (each pair alone only to name the one that fails).
pub fn check_casts(client: &mut Client, plan: &Plan) -> Result<(), AutogenerateError> {
    block_on(casts_in(client, plan, None))
}

/// [`check_casts`] over any [`Connection`], awaited.
pub async fn check_casts_async<C: Connection>(
    client: &mut C,
    plan: &Plan,
) -> Result<(), AutogenerateError> {
    casts_in(client, plan, None).await
}

/// [`check_casts`] of a plan written in the scripts' schema, asked of a tenant's schema in
/// its names (`NULL::public.x::text` as `NULL::tenant_1.x::text`).
async fn casts_in<C: Connection>(
    client: &mut C,
    plan: &Plan,
    tenant: Option<&crate::migrate::SchemaMap>,
) -> Result<(), AutogenerateError> {
    let mut changes: Vec<(&TableName, &str, &str, &str)> = Vec::new();
    for op in plan.upgrade.iter().chain(&plan.downgrade) {
        if let Some((table, column, from, to)) = op.type_change() {
            // Enums go through text, which always converts; the models' own expression is
            // theirs to answer for.
            if from.ty != to.ty && !from.user_enum && !to.user_enum && to.using.is_none() {
                changes.push((table, column, from.ty.as_str(), to.ty.as_str()));
            }
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    let cast = |(_, _, from, to): &(&TableName, &str, &str, &str)| {
        let cast = format!("NULL::{from}::{to}");
        tenant.and_then(|map| map.apply(&cast).ok()).unwrap_or(cast)
    };
    let all: Vec<String> = changes.iter().map(cast).collect();
    if accepted(client, &format!("SELECT {}", all.join(", "))).await? {
        return Ok(());
    }
    for change in &changes {
        if !accepted(client, &format!("SELECT {}", cast(change))).await? {
            let (table, column, from, to) = change;
            return Err(AutogenerateError::NoCast {
                table: (*table).clone(),
                column: column.to_string(),
                from: from.to_string(),
                to: to.to_string(),
            });
        }
    }
    Ok(())
}

/// Whether PostgreSQL accepts `sql`, asked in a transaction rolled back (a refusal aborts it).
async fn accepted<C: Connection>(client: &mut C, sql: &str) -> Result<bool, IntrospectError> {
    let query = |error| IntrospectError::Query {
        what: "casts",
        error,
    };
    client.batch_execute("BEGIN").await.map_err(query)?;
    let answer = client.batch_execute(sql).await;
    client.batch_execute("ROLLBACK").await.map_err(query)?;
    Ok(answer.is_ok())
}
