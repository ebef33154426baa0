//! One function per command. Each returns whether the outcome is "no difference" (`false`
//! makes the process exit 2, for `check` and `diff`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use model_core::diff::{self, Op};
use model_core::migrate::{
    offline_sql, read_current, read_partial, verify, Direction, Repair, TransactionMode,
};
use model_core::pg::{self, Server};
use model_core::revision::{self, Revision};
use model_core::schema::{Schema, Unmodelled};
use model_core::{config, introspect, render, ModelSet, ModelSetError};

use crate::args::{Command, RevisionArgs};
use crate::console::{info, warning};
use crate::context::Context;
use crate::history;
use crate::project::Project;
use crate::renames::{report_hints, settle, Answers};
use crate::{catalog, describe};

/// The models, for a command that compares with them or draws them: refused when there are
/// none, which is what the plain `model-cli` binary has (a comparison with nothing would drop
/// every table), naming how to hand them over.
pub(crate) fn needed(models: &Result<ModelSet, ModelSetError>) -> anyhow::Result<&ModelSet> {
    let models = models
        .as_ref()
        .map_err(|e| anyhow::Error::from(e.clone()))?;
    if models.is_empty() {
        bail!(
            "no models: this program declares no #[derive(Model)] type, so there is nothing to compare with or draw (and a comparison with nothing would drop every table). The `model-cli` binary has no models of its own: run the command through your project's binary, whose main hands its models over (`model_cli::run_in(env!(\"CARGO_MANIFEST_DIR\"), my_app::models())`; then `cargo run -p my-app -- revision --autogenerate -m \"…\"`). See \"In your own project\" in the README. Nothing was written."
        );
    }
    Ok(models)
}

pub fn dispatch(
    ctx: &Context,
    command: Option<Command>,
    models: &Result<ModelSet, ModelSetError>,
) -> anyhow::Result<bool> {
    let models = || needed(models);
    let project = || Project::load(ctx);
    match command {
        None | Some(Command::Demo) => demo(&project()?, ctx, models()?),
        Some(Command::Init { directory }) => init(&directory.unwrap_or_else(|| ctx.dir.clone())),
        Some(Command::Revision(args)) => revision(&project()?, ctx, models, args),
        Some(Command::Upgrade {
            target,
            sql,
            postgres_version,
            single_transaction,
            allow_destructive,
        }) => migrate(
            &project()?,
            ctx,
            &target,
            sql.then_some(postgres_version),
            (single_transaction, allow_destructive),
            Direction::Upgrade,
        ),
        Some(Command::Downgrade {
            target,
            sql,
            postgres_version,
            single_transaction,
            allow_destructive,
        }) => migrate(
            &project()?,
            ctx,
            &target,
            sql.then_some(postgres_version),
            (single_transaction, allow_destructive),
            Direction::Downgrade,
        ),
        Some(Command::Current) => current(&project()?, ctx, ctx.verbose),
        Some(Command::Redo { allow_destructive }) => redo(&project()?, ctx, allow_destructive),
        Some(Command::Database { action }) => database(&project()?, ctx, action),
        Some(Command::Repair {
            rev,
            applied,
            undone,
            statements_done,
            accept_edit,
        }) => {
            let action = match (applied, undone, statements_done, accept_edit) {
                (true, ..) => Repair::Applied,
                (_, true, ..) => Repair::Undone,
                (_, _, Some(n), _) => Repair::StatementsDone(n),
                _ => Repair::AcceptEdit,
            };
            repair(&project()?, ctx, &rev, action)
        }
        Some(Command::History {
            range,
            indicate_current,
        }) => history(
            &project()?,
            ctx,
            range.as_deref(),
            ctx.verbose,
            indicate_current,
        ),
        Some(Command::Heads) => heads(&project()?, ctx.verbose),
        Some(Command::Branches) => branches(&project()?, ctx.verbose),
        Some(Command::Edit { rev }) => edit(&project()?, &rev),
        Some(Command::Completions { shell }) => {
            let name = crate::args::program_name();
            let mut command = <crate::args::Cli as clap::CommandFactory>::command().name(&name);
            clap_complete::generate(shell, &mut command, name, &mut std::io::stdout());
            Ok(true)
        }
        Some(Command::Show { rev }) => show(&project()?, &rev),
        Some(Command::Protect { remove }) => protect(&project()?, ctx, remove),
        Some(Command::Stamp { rev, purge }) => {
            let project = project()?;
            let mut client = project.connect(ctx)?;
            project
                .migrator(&mut client, project.connect(ctx)?, ctx)
                .stamp(&rev, purge)?;
            Ok(true)
        }
        Some(Command::Merge {
            message,
            revisions,
            rev_id,
        }) => merge(&project()?, message, revisions, rev_id),
        Some(Command::Check { strict, online, .. }) => {
            let project = project()?;
            let online = online || project.config.online;
            check(&project, ctx, models()?, strict, online)
        }
        Some(Command::Diff {
            from,
            to,
            schemas,
            exclude_schemas,
            with_downgrade,
            strict,
            ignore_owners,
            verify,
            online,
        }) => diff_databases(
            &from.context("diff needs --from (or --fleet / --targets)")?,
            &to,
            Scope {
                schemas,
                exclude_schemas,
                ignore_owners,
                verify,
                online,
            },
            with_downgrade,
            strict,
        ),
        Some(Command::Codegen { schemas, out }) => codegen(ctx, schemas, out),
        Some(Command::Erd {
            format,
            from_db,
            schemas,
            keys_only,
            output,
        }) => {
            // The runner's own tables are not the application's: the project's names, or the
            // default ones without a project.
            let versions = model_core::config::Config::load(&Project::config_path(ctx))
                .map(|c| c.version_table())
                .unwrap_or_default();
            erd(
                models, format, from_db, schemas, keys_only, output, &versions,
            )
        }
        Some(Command::Describe) => {
            print!("{}", describe(models()?));
            Ok(true)
        }
        Some(Command::Sql) => {
            print!("{}", render::create_schema(models()?.schema()));
            Ok(true)
        }
        Some(Command::Create) => create(models()?.schema()).map(|_| true),
    }
}

/// `revision`: an empty script, or (`--autogenerate`) the models' difference with the
/// database.
fn revision<'m>(
    project: &Project,
    ctx: &Context,
    models: impl Fn() -> anyhow::Result<&'m ModelSet>,
    args: RevisionArgs,
) -> anyhow::Result<bool> {
    let RevisionArgs {
        message,
        autogenerate,
        rev_id,
        head,
        branch_label,
        depends_on,
        splice,
        strict,
        no_verify,
        online,
        assume_renamed,
        assume_dropped,
        allow_empty,
        drop_undeclared,
    } = args;
    let answers = if assume_renamed {
        Answers::AssumeRenamed
    } else if assume_dropped {
        Answers::AssumeDropped
    } else {
        Answers::Ask
    };
    let options = NewRevision {
        message,
        rev_id,
        head,
        branch_labels: branch_label,
        depends_on,
        splice,
        online,
        allow_empty,
        drop_undeclared,
    };
    if autogenerate {
        autogenerate_revision(
            project,
            ctx,
            models()?,
            options,
            strict,
            !no_verify,
            answers,
        )
    } else {
        write_revision(project, options, None).map(|_| true)
    }
}

/// `repair`: the version table told what happened to a revision.
fn repair(project: &Project, ctx: &Context, rev: &str, action: Repair) -> anyhow::Result<bool> {
    let mut client = project.connect(ctx)?;
    project
        .migrator(&mut client, project.connect(ctx)?, ctx)
        .repair(rev, action)?;
    Ok(true)
}

/// `show`: each revision the target names, header and both parts.
fn show(project: &Project, rev: &str) -> anyhow::Result<bool> {
    let target = project.graph.resolve_target(rev, &[])?;
    for id in &target.heads {
        let revision = project.graph.get(id).context("revision")?;
        print!("{}", history::verbose(&project.graph, revision, &[]));
        println!(
            "\n-- migrate:upgrade\n{}\n-- migrate:downgrade\n{}",
            revision.upgrade.trim_end(),
            revision.downgrade.trim_end()
        );
    }
    Ok(true)
}

/// `protect`: the database marked (or no longer marked) protected.
fn protect(project: &Project, ctx: &Context, remove: bool) -> anyhow::Result<bool> {
    let mut client = project.connect(ctx)?;
    model_core::migrate::protect::set(&mut client, &project.version_table(ctx), !remove)?;
    info(
        "migrate",
        if remove {
            "The database is no longer marked protected (model.toml may still protect it)."
        } else {
            "The database is marked protected: every run refuses what it cannot show to keep every row, unless given --allow-destructive."
        },
    );
    Ok(true)
}

/// `codegen`: models written from a database (`--url`'s, or the project's).
fn codegen(ctx: &Context, schemas: Vec<String>, out: Option<PathBuf>) -> anyhow::Result<bool> {
    let project = || Project::load(ctx);
    let (mut client, configured, versions) = match &ctx.url {
        Some(url) => (
            pg::connect(url)?,
            Vec::new(),
            model_core::migrate::VersionTable::default(),
        ),
        None => {
            let project = project()?;
            (
                project.connect(ctx)?,
                project.config.schemas.clone(),
                project.config.version_table(),
            )
        }
    };
    let schemas = if !schemas.is_empty() {
        schemas
    } else if !configured.is_empty() {
        configured
    } else {
        vec!["public".to_string()]
    };
    let mut schema = introspect::introspect(&mut client, &introspect::Options { schemas })?;
    // The runner's own tables are not the application's.
    schema
        .tables
        .retain(|t| !versions.keeps(&t.name.schema, &t.name.name));
    let text = crate::codegen::formatted(crate::codegen::generate(&schema));
    match out {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(true)
}

/// `erd`: the models' (or a database's) entity-relationship diagram.
fn erd<'m>(
    models: impl Fn() -> anyhow::Result<&'m ModelSet>,
    format: crate::args::ErdFormat,
    from_db: Option<String>,
    schemas: Vec<String>,
    keys_only: bool,
    output: Option<PathBuf>,
    versions: &model_core::migrate::VersionTable,
) -> anyhow::Result<bool> {
    let mut schema = match from_db {
        Some(url) => {
            let mut client = pg::connect(&url).context("--from-db")?;
            let schemas = if schemas.is_empty() {
                introspect::user_schemas(&mut client).context("--from-db")?
            } else {
                schemas
            };
            introspect::introspect(&mut client, &introspect::Options { schemas })
                .context("--from-db")?
        }
        None => models()?.schema().clone(),
    };
    schema
        .tables
        .retain(|t| !versions.keeps(&t.name.schema, &t.name.name));
    let erd = crate::erd::Erd::new(&schema, crate::erd::Options { keys_only });
    let text = match format {
        crate::args::ErdFormat::Mermaid => erd.mermaid(),
        crate::args::ErdFormat::Dot => erd.dot(),
        crate::args::ErdFormat::Svg => erd.svg(),
    };
    match output {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(true)
}

/// `heads`: one line per head (its header with `-v`).
fn heads(project: &Project, verbose: bool) -> anyhow::Result<bool> {
    for head in project.graph.heads() {
        if verbose {
            print_revision(project, head, true, &[]);
        } else {
            println!("{}{}", head.id, history::markers(&project.graph, head, &[]));
        }
    }
    Ok(true)
}

/// `branches`: each branch point with the revisions that branch from it.
fn branches(project: &Project, verbose: bool) -> anyhow::Result<bool> {
    for (point, children) in project.graph.branch_points() {
        print_revision(project, point, verbose, &[]);
        for child in children {
            let markers = history::markers(&project.graph, child, &[]);
            let message = child.message.lines().next().unwrap_or_default();
            println!(
                "    -> {}",
                model_core::sql::display(&format!("{}{markers}, {message}", child.id))
            );
        }
    }
    Ok(true)
}

fn init(dir: &Path) -> anyhow::Result<bool> {
    let path = dir.join("model.toml");
    if path.exists() {
        bail!("{} already exists", path.display());
    }
    std::fs::create_dir_all(dir.join("migrations"))
        .with_context(|| format!("creating {}", dir.join("migrations").display()))?;
    std::fs::write(&path, config::TEMPLATE)
        .with_context(|| format!("writing {}", path.display()))?;
    println!(
        "  Creating directory {} ...  done",
        dir.join("migrations").display()
    );
    println!("  Generating {} ...  done", path.display());
    println!(
        "  Please edit the database_url in {} (or set DATABASE_URL) before `upgrade`.",
        path.display()
    );
    Ok(true)
}

pub struct NewRevision {
    message: String,
    rev_id: Option<String>,
    head: Option<String>,
    branch_labels: Vec<String>,
    depends_on: Vec<String>,
    splice: bool,
    /// Online form (`--online`, or `online = true` in model.toml).
    online: bool,
    /// Write an empty revision when autogenerate finds nothing (`--allow-empty`).
    allow_empty: bool,
    /// Write a plan that drops every table, or tables with rows no revision created
    /// (`--drop-undeclared`).
    drop_undeclared: bool,
}

/// The parents of a new revision: --head, or the single head.
fn parents(project: &Project, options: &NewRevision) -> anyhow::Result<Vec<String>> {
    let graph = &project.graph;
    match &options.head {
        Some(head) => {
            let ids = graph.resolve_target(head, &[])?.heads;
            for id in &ids {
                if !graph.children_of(id).is_empty() && !options.splice {
                    bail!("revision {id} is not a head; pass --splice to start a branch from it");
                }
            }
            Ok(ids)
        }
        None => Ok(graph
            .single_head()?
            .map(|r| vec![r.id.clone()])
            .unwrap_or_default()),
    }
}

/// Writes a new revision: an empty one to fill in, or `body` as drafted for a server of the
/// version given with it (recorded as `Planned For`).
fn write_revision(
    project: &Project,
    options: NewRevision,
    body: Option<(render::RevisionBody, model_core::sql::PgVersion)>,
) -> anyhow::Result<Revision> {
    let planned_for = body.as_ref().map(|(_, version)| version.major());
    let body = body.map(|(body, _)| body);
    let revises = parents(project, &options)?;
    let mut revision = new_revision(project, options.rev_id.clone(), &options.message, revises)?;
    let depends_on = options
        .depends_on
        .iter()
        .map(|d| project.graph.resolve_id(d).map(str::to_string))
        .collect::<Result<Vec<_>, _>>()?;
    let render::RevisionBody {
        upgrade,
        downgrade,
        transactional,
    } = match body {
        // A drafted body says its timeouts already, as the runner will apply them.
        Some(body) => body,
        None => render::RevisionBody {
            upgrade: "-- Write the upgrade here.\n".into(),
            downgrade: "-- Write the downgrade here.\n".into(),
            transactional: true,
        },
    };
    revision.branch_labels = options.branch_labels.clone();
    revision.depends_on = depends_on;
    revision.transactional = transactional;
    revision.planned_for = planned_for;
    revision.upgrade = upgrade;
    revision.downgrade = downgrade;
    revision.write()?;
    println!("  Generating {} ...  done", revision.path.display());
    Ok(revision)
}

/// A new revision after `revises`, with the id given (`--rev-id`) or a new one, checked
/// against the ids already used.
fn new_revision(
    project: &Project,
    rev_id: Option<String>,
    message: &str,
    revises: Vec<String>,
) -> anyhow::Result<Revision> {
    let id = rev_id.unwrap_or_else(revision::new_id);
    let dir = project.config.versions_dir();
    let revision = Revision::new(&dir, &id, message, revises)
        .map_err(|problem| anyhow::anyhow!("--rev-id: {problem}"))?;
    if project.graph.get(&id).is_some() {
        bail!("revision id {id} is already used");
    }
    Ok(revision)
}

fn autogenerate_revision(
    project: &Project,
    ctx: &Context,
    models: &ModelSet,
    options: NewRevision,
    strict: bool,
    verify: bool,
    answers: Answers,
) -> anyhow::Result<bool> {
    use model_core::autogenerate::{DraftError, DraftOptions, Guard};
    // Which of the tables the plan would drop hold rows, asked while the database is at hand
    // (before rename answers, which only take drops away).
    let guard = !options.drop_undeclared;
    // The proof's copy goes on the configured database's server (its roles and extensions
    // are there), created while the database and the models are read; on the replayed
    // revisions' throwaway server otherwise.
    let configured = match (verify, project.url(ctx)?) {
        (true, Some(url)) => Some(Server::external(&url)?),
        _ => None,
    };
    if let Some(server) = &configured {
        server.prepare_database();
    }
    let (comparison, occupied) = project.compare_then(ctx, models, |client, comparison| {
        let occupied = if guard {
            occupied_in(client, ctx, &project.config.schemas[0], &comparison)?
        } else {
            Default::default()
        };
        Ok((comparison, occupied))
    })?;
    report_unmodelled(
        "autogenerate",
        "the database",
        &comparison.live().unmodelled,
        strict,
    )?;
    let comparison = settle(comparison, answers)?;
    report_hints("autogenerate", &comparison.plan_and_report().1);
    let created = model_core::migrate::created_tables(&project.graph, &project.config.schemas[0]);
    let prove_on = match (&configured, verify) {
        (Some(server), _) => Some(server),
        (None, true) => Some(Server::shared()?),
        (None, false) => None,
    };
    let online = options.online || project.config.online;
    let detected = || {
        for line in comparison.plan().upgrade.iter().flat_map(Op::describe_all) {
            info("autogenerate", format!("Detected {line}"));
        }
    };
    let draft = comparison.draft(&DraftOptions {
        online,
        timeouts: project
            .config
            .lock_settings()
            .map_err(|e| anyhow::anyhow!("model.toml: {e}"))?,
        guard: guard.then_some(Guard {
            created: &created,
            occupied: &occupied,
        }),
        prove_on,
    });
    let draft = match draft {
        Ok(draft) => draft,
        Err(DraftError::UnaskedDrops(unasked)) => return refuse_unasked_drops(&unasked),
        Err(DraftError::Blocking(blocking)) => {
            detected();
            return refuse_these("autogenerate", &blocking);
        }
        Err(DraftError::NotProven(e)) => {
            detected();
            return Err(anyhow::Error::from(e)
                .context("no revision written (--no-verify writes it unproven)"));
        }
    };
    let Some(body) = draft.body.clone() else {
        if options.allow_empty {
            info(
                "autogenerate",
                "No changes in schema detected; writing an empty revision (--allow-empty).",
            );
            write_revision(project, options, None)?;
        } else {
            info(
                "autogenerate",
                "No changes in schema detected; no revision written (--allow-empty writes one).",
            );
        }
        return Ok(true);
    };
    for line in draft.detected() {
        info("autogenerate", format!("Detected {line}"));
    }
    if let Some(proof) = draft.proof {
        info(
            "autogenerate",
            format!(
                "Proven on a schema-only copy of the database ({}): the upgrade gives the models, the downgrade the start.",
                if proof.tables_built == proof.tables {
                    format!("all {} tables", proof.tables)
                } else {
                    format!(
                        "the {} of its {} tables the plan reaches; the others compared in memory",
                        proof.tables_built, proof.tables
                    )
                }
            ),
        );
    }
    write_revision(project, options, Some((body, draft.version)))?;
    let unindexed =
        model_core::autogenerate::unindexed_foreign_keys(&draft.plan, comparison.desired());
    crate::console::drop_behind(comparison);
    // Sizes come from the configured database (none when the revisions were replayed).
    let mut live = project.connect(ctx).ok();
    report_hazards("autogenerate", &draft.hazards, live.as_mut());
    for hint in unindexed {
        info(
            "autogenerate",
            format!("Hint: {}", model_core::sql::display(&hint.to_string())),
        );
    }
    let destruction = [
        ("upgrade", &draft.destruction.upgrade),
        ("downgrade", &draft.destruction.downgrade),
    ];
    for (direction, lost) in destruction {
        if !lost.is_empty() {
            warning(
                "autogenerate",
                format!(
                    "Its {direction} destroys data ({} statement{}, marked DESTRUCTIVE in the script):",
                    lost.len(),
                    if lost.len() == 1 { "" } else { "s" }
                ),
            );
            for line in lost {
                warning("autogenerate", format!("  - {line}"));
            }
        }
    }
    Ok(true)
}

/// The tables `comparison`'s plan drops that hold rows (in the tenant's schema when the run is
/// on one; the plan names the scripts' schema).
fn occupied_in(
    client: &mut postgres::Client,
    ctx: &Context,
    scripts_schema: &str,
    comparison: &model_core::autogenerate::Comparison,
) -> anyhow::Result<BTreeSet<model_core::schema::TableName>> {
    use model_core::schema::TableName;
    let in_database = |t: &TableName| match &ctx.tenant {
        Some(tenant) if t.schema == scripts_schema => {
            TableName::new(tenant.clone(), t.name.clone())
        }
        _ => t.clone(),
    };
    let dropped = model_core::autogenerate::dropped_tables(&comparison.plan());
    let probed: Vec<TableName> = dropped.iter().map(in_database).collect();
    let occupied = model_core::autogenerate::occupied(client, &probed)?;
    Ok(dropped
        .into_iter()
        .filter(|t| occupied.contains(&in_database(t)))
        .collect())
}

/// Refuses a plan that drops what nothing asked for (see `unasked_drops`), naming it and the
/// flag that allows it.
fn refuse_unasked_drops(unasked: &model_core::autogenerate::UnaskedDrops) -> anyhow::Result<bool> {
    let mut reasons = Vec::new();
    if let Some(n) = unasked.every_table {
        reasons.push(format!("it drops every table of the managed schemas ({n})"));
    }
    if !unasked.undeclared.is_empty() {
        let names: Vec<String> = unasked.undeclared.iter().map(|t| t.to_string()).collect();
        reasons.push(format!(
            "it drops {} holding rows that no revision of this project created: {}",
            if names.len() == 1 {
                "a table"
            } else {
                "tables"
            },
            names.join(", ")
        ));
    }
    bail!(
        "no revision written: {}. The models may be missing {} (a binary without the project's models, a model left out of models![…], a table made outside the revisions). If {} meant to go, run again with --drop-undeclared.",
        model_core::sql::display(&reasons.join("; ")),
        if unasked.every_table.is_some() { "them" } else { "it" },
        if unasked.every_table.is_some() || unasked.undeclared.len() > 1 { "they are" } else { "it is" }
    )
}

/// In online mode, a plan that still rewrites or scans a table in use under `ACCESS
/// EXCLUSIVE` is refused, naming each such change and what to do instead.
fn refuse_blocking(topic: &str, online: bool, upgrade: &[Op]) -> anyhow::Result<()> {
    if !online {
        return Ok(());
    }
    let blocking = render::still_blocking(upgrade);
    if blocking.is_empty() {
        return Ok(());
    }
    refuse_these(topic, &blocking).map(|_| ())
}

/// Refuses the online plan whose changes `blocking` would still hold ACCESS EXCLUSIVE through
/// a rewrite or scan of a table in use, naming each.
fn refuse_these(topic: &str, blocking: &[String]) -> anyhow::Result<bool> {
    for line in blocking {
        warning(topic, format!("  - {}", model_core::sql::display(line)));
    }
    bail!(
        "--online: {} change(s) would still hold ACCESS EXCLUSIVE through a rewrite or scan of a table in use (listed above); nothing written. Split them as suggested, or run without --online to write them as they are.",
        blocking.len()
    )
}

/// The upgrade's hazards (see `render::hazards`) on the console, gravest first, each with the
/// size of its table when the database is at hand: `rewrites public.orders under ACCESS
/// EXCLUSIVE … (41 M rows, 12 GB)`. Brief `ACCESS EXCLUSIVE` locks are left to the script's
/// comments.
fn report_hazards(
    topic: &str,
    hazards: &[model_core::diff::Hazard],
    client: Option<&mut postgres::Client>,
) {
    use model_core::diff::{relation_sizes, HazardKind};
    let hazards: Vec<_> = hazards
        .iter()
        .filter(|h| h.kind != HazardKind::BriefExclusive)
        .collect();
    if hazards.is_empty() {
        return;
    }
    let tables: Vec<_> = hazards.iter().filter_map(|h| h.relation.clone()).collect();
    let sizes = client
        .map(|c| relation_sizes(c, &tables))
        .unwrap_or_default();
    warning(
        topic,
        "Its upgrade has hazards on a database in use (marked HAZARD in the script):",
    );
    for h in hazards {
        let size = h
            .relation
            .as_ref()
            .and_then(|r| sizes.get(r))
            .map(|size| format!(" ({size})"))
            .unwrap_or_default();
        warning(
            topic,
            format!("  - {}{size}", model_core::sql::display(&h.to_string())),
        );
    }
}

fn check(
    project: &Project,
    ctx: &Context,
    models: &ModelSet,
    strict: bool,
    online: bool,
) -> anyhow::Result<bool> {
    let comparison = project.compare(ctx, models)?;
    report_unmodelled(
        "check",
        "the database",
        &comparison.live().unmodelled,
        strict,
    )?;
    let (plan, report) = comparison.plan_and_report();
    report_hints("check", &report);
    for candidate in comparison.rename_candidates() {
        warning(
            "check",
            format!(
                "{} {} is dropped while {} is added: if it was renamed, declare {}",
                candidate.rename.kind(),
                candidate.rename.names().0,
                candidate.rename.names().1,
                candidate.hint()
            ),
        );
    }
    if plan.is_empty() {
        println!("No new upgrade operations detected.");
        return Ok(true);
    }
    println!("New upgrade operations detected:");
    for line in plan.upgrade.iter().flat_map(Op::describe_all) {
        println!("  {}", model_core::sql::display(&line));
    }
    refuse_blocking("check", online, &plan.upgrade)?;
    Ok(false)
}

fn merge(
    project: &Project,
    message: String,
    revisions: Vec<String>,
    rev_id: Option<String>,
) -> anyhow::Result<bool> {
    let targets = if revisions.is_empty() {
        vec!["heads".to_string()]
    } else {
        revisions
    };
    let mut parents = Vec::new();
    for target in &targets {
        parents.extend(project.graph.resolve_target(target, &[])?.heads);
    }
    parents.sort();
    parents.dedup();
    if parents.len() < 2 {
        bail!(
            "merge needs at least two revisions, got {}",
            parents.join(", ")
        );
    }
    let mut revision = new_revision(project, rev_id, &message, parents)?;
    revision.upgrade = "-- A merge point: nothing to run.\n".into();
    revision.downgrade = "-- A merge point: nothing to run.\n".into();
    revision.write()?;
    println!("  Generating {} ...  done", revision.path.display());
    Ok(true)
}

/// `sql`: print the SQL (`--sql`), for the PostgreSQL given with `--postgres-version`, if any.
/// `database create|drop|reset` on the configured database. Dropping (and so resetting) is
/// refused on a protected database (model.toml, or the mark `protect` leaves), and asks first
/// on a terminal; without one, `--yes` answers.
fn database(
    project: &Project,
    ctx: &Context,
    action: crate::args::DatabaseAction,
) -> anyhow::Result<bool> {
    use crate::args::DatabaseAction;
    let Some(url) = project.url(ctx)? else {
        bail!(
            "no database configured: set DATABASE_URL, database_url in {}, or pass --url",
            project.config_path.display()
        );
    };
    let shown = pg::redact(&url);
    let (yes, force) = match action {
        DatabaseAction::Create => {
            match pg::create_database_of(&url)? {
                true => info("database", format!("Created the database of {shown}")),
                false => info(
                    "database",
                    format!("The database of {shown} already exists"),
                ),
            }
            return Ok(true);
        }
        DatabaseAction::Drop { yes, force } | DatabaseAction::Reset { yes, force } => (yes, force),
    };
    let reset = matches!(action, DatabaseAction::Reset { .. });
    let verb = if reset { "reset" } else { "drop" };
    let marked = match pg::connect(&url) {
        Ok(mut client) => {
            model_core::migrate::protect::get(&mut client, &project.version_table(ctx))?
        }
        Err(_) => false,
    };
    if project.config.protected(ctx.env.as_deref()) || marked {
        bail!(
            "the database of {shown} is protected ({}): `database {verb}` never drops it",
            if marked {
                "marked by `protect`; `protect --remove` takes the mark away"
            } else {
                "protected = true in model.toml"
            }
        );
    }
    if !yes {
        use std::io::IsTerminal as _;
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            bail!("`database {verb}` drops the database of {shown} and everything in it: run it with --yes to confirm");
        }
        eprint!("Drop the database of {shown} and everything in it? [y/N] ");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            bail!("nothing dropped");
        }
    }
    match pg::drop_database_of(&url, force)? {
        true => info("database", format!("Dropped the database of {shown}")),
        false => info("database", format!("The database of {shown} did not exist")),
    }
    if reset {
        pg::create_database_of(&url)?;
        info("database", format!("Created the database of {shown}"));
        return migrate(
            project,
            ctx,
            "heads",
            None,
            (false, false),
            Direction::Upgrade,
        );
    }
    Ok(true)
}

/// `redo`: the one revision the database is at reverted and applied again. Refused at base
/// and when the database is at more than one head (name the one to redo with `downgrade` and
/// `upgrade`).
fn redo(project: &Project, ctx: &Context, allow_destructive: bool) -> anyhow::Result<bool> {
    let mut client = project.connect(ctx)?;
    let table = project.version_table(ctx);
    let current = read_current(&mut client, &table)?;
    let protected = project.config.protected(ctx.env.as_deref())
        || model_core::migrate::protect::get(&mut client, &table)?;
    drop(client);
    let head = match current.as_slice() {
        [] => bail!("nothing to redo: the database is at base"),
        [one] => one.clone(),
        many => bail!(
            "the database is at {} heads ({}): redo works on one; run `downgrade` and `upgrade` with the revisions to redo",
            many.len(),
            many.join(", ")
        ),
    };
    let flags = (false, allow_destructive);
    if let Err(error) = migrate(project, ctx, "-1", None, flags, Direction::Downgrade) {
        // Iterating on a script means editing it while it is applied: redo runs the
        // downgrade as the file now says, never on a protected database.
        let edited = matches!(
            error.downcast_ref::<model_core::migrate::MigrateError>(),
            Some(model_core::migrate::MigrateError::Edited { revision, .. }) if *revision == head
        );
        if !edited || protected {
            return Err(error);
        }
        warning(
            "redo",
            format!(
                "{head} was edited after it was applied: its downgrade runs as the file now says"
            ),
        );
        repair(project, ctx, &head, Repair::AcceptEdit)?;
        migrate(project, ctx, "-1", None, flags, Direction::Downgrade)?;
    }
    migrate(project, ctx, &head, None, flags, Direction::Upgrade)
}

fn migrate(
    project: &Project,
    ctx: &Context,
    target: &str,
    sql: Option<Option<String>>,
    (single, allow_destructive): (bool, bool),
    direction: Direction,
) -> anyhow::Result<bool> {
    if let Some(flag) = sql {
        let (from, to) = match target.split_once(':') {
            Some((from, to)) => (from.to_string(), to.to_string()),
            None if direction == Direction::Upgrade => ("base".to_string(), target.to_string()),
            None => bail!("downgrade --sql needs a range FROM:TO, such as head:base"),
        };
        let assumed = match flag {
            Some(text) => {
                let version = model_core::sql::PgVersion::parse(&text)
                    .ok_or_else(|| anyhow::anyhow!("--postgres-version {text:?} is not a PostgreSQL version: write 15, or 15.4"))?
                    .supported()?;
                Some((version, "--postgres-version"))
            }
            None => project
                .config
                .target_version()
                .map_err(|e| anyhow::anyhow!("model.toml: {e}"))?
                .map(|v| (v, "postgres_version in model.toml")),
        };
        print!(
            "{}",
            offline_sql(
                &project.graph,
                &project.config.version_table(),
                &from,
                &to,
                direction,
                assumed
            )?
        );
        return Ok(true);
    }
    let mode = if single {
        TransactionMode::PerRun
    } else {
        TransactionMode::PerRevision
    };
    let mut client = project.connect(ctx)?;
    let protected = project.config.protected(ctx.env.as_deref());
    let mut migrator = project
        .migrator(&mut client, project.connect(ctx)?, ctx)
        .protected(protected)
        .allow_destructive(allow_destructive);
    // A downgrade that destroys data, run by hand on a terminal: asked first.
    use std::io::IsTerminal as _;
    if direction == Direction::Downgrade
        && !allow_destructive
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
    {
        migrator = migrator.confirm_destructive(|_| {
            eprint!("This downgrade destroys the data listed above. Run it? [y/N] ");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).is_ok()
                && matches!(line.trim(), "y" | "Y" | "yes" | "Yes")
        });
    }
    let done = migrator.migrate(target, direction, mode)?;
    if done.is_empty() {
        info("migrate", "Nothing to do: the database is already there.");
    }
    Ok(true)
}

/// Opens the script of `rev` in `$VISUAL` or `$EDITOR`, run by the shell as git runs it (so
/// `EDITOR="code --wait"` works).
fn edit(project: &Project, rev: &str) -> anyhow::Result<bool> {
    let target = project.graph.resolve_target(rev, &[])?;
    let [id] = target.heads.as_slice() else {
        bail!("{rev} names {} revisions; name one", target.heads.len());
    };
    let path = &project.graph.get(id).context("revision")?.path;
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .context("set $EDITOR (or $VISUAL) to the editor to open the script with")?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("model-cli-edit")
        .arg(path)
        .status()
        .with_context(|| format!("running the editor `{editor}`"))?;
    if !status.success() {
        bail!("the editor `{editor}` exited with {status}");
    }
    // What was written must still be a revision the graph can read.
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Revision::parse(path, &text).context("the edited script does not parse")?;
    Ok(true)
}

fn current(project: &Project, ctx: &Context, verbose: bool) -> anyhow::Result<bool> {
    let mut client = project.connect(ctx)?;
    let table = project.config.version_table();
    let current = read_current(&mut client, &table)?;
    let partial = read_partial(&mut client, &table)?;
    // Partial runs first: they are what a user looking at `current` after a failure needs.
    for run in &partial {
        println!(
            "{} ({})",
            run.revision,
            run.describe(project.graph.get(&run.revision))
        );
    }
    if model_core::migrate::protect::get(&mut client, &table)? {
        info(
            "migrate",
            "The database is protected: runs refuse what they cannot show to keep every row, unless given --allow-destructive.",
        );
    }
    // What an interrupted or failed concurrent build left, and builds still running.
    for unfinished in model_core::migrate::read_unfinished_indexes(&mut client)? {
        warning("migrate", unfinished);
    }
    verify(&mut client, &project.graph, &table)?;
    if current.is_empty() && partial.is_empty() {
        info(
            "migrate",
            "The database is at base: no revision is applied.",
        );
    }
    for id in &current {
        match project.graph.get(id) {
            Some(revision) if verbose => {
                print!("{}", history::verbose(&project.graph, revision, &[]))
            }
            Some(revision) => println!(
                "{}{}",
                revision.id,
                history::markers(&project.graph, revision, &[])
            ),
            None => println!("{id} (not in the versions directory)"),
        }
    }
    Ok(true)
}

fn history(
    project: &Project,
    ctx: &Context,
    range: Option<&str>,
    verbose: bool,
    indicate_current: bool,
) -> anyhow::Result<bool> {
    let graph = &project.graph;
    let needs_current = indicate_current || range.is_some_and(|r| r.contains("current"));
    let mut partial = Vec::new();
    let current = if needs_current {
        let mut client = project.connect(ctx)?;
        let table = project.config.version_table();
        partial = read_partial(&mut client, &table)?;
        read_current(&mut client, &table)?
    } else {
        Vec::new()
    };
    let resolve = |text: &str, default: &str| -> anyhow::Result<Vec<String>> {
        let text = if text.is_empty() { default } else { text };
        if text == "current" {
            return Ok(current.clone());
        }
        Ok(graph.resolve_target(text, &current)?.heads)
    };
    let (from, to) = match range {
        Some(range) => {
            let (from, to) = range
                .split_once(':')
                .context("a range is FROM:TO, such as base:head")?;
            (resolve(from, "base")?, resolve(to, "heads")?)
        }
        None => (
            Vec::new(),
            graph.heads().iter().map(|r| r.id.clone()).collect(),
        ),
    };
    let upper = graph.ancestors(to.iter().map(String::as_str));
    let below: BTreeSet<&str> = graph.ancestors(from.iter().map(String::as_str));
    // FROM itself is included, as in Alembic.
    let set: BTreeSet<&str> = upper
        .into_iter()
        .filter(|id| !below.contains(id) || from.iter().any(|f| f == id))
        .collect();
    let shown = if indicate_current { &current[..] } else { &[] };
    for revision in history::newest_first(graph, &set) {
        print_revision(project, revision, verbose, shown);
        if let Some(run) = partial.iter().find(|p| p.revision == revision.id) {
            println!("    ({})", run.describe(Some(revision)));
        }
    }
    Ok(true)
}

fn print_revision(project: &Project, revision: &Revision, verbose: bool, current: &[String]) {
    if verbose {
        println!("{}", history::verbose(&project.graph, revision, current));
    } else {
        println!("{}", history::line(&project.graph, revision, current));
    }
}

/// Warns of each object the engine does not model (left out of the comparison); with
/// `strict`, refuses to go on while there is one.
fn report_unmodelled(
    component: &str,
    place: &str,
    objects: &[Unmodelled],
    strict: bool,
) -> anyhow::Result<()> {
    for object in objects {
        warning(
            component,
            format!("{place} has {object}, which is not modelled: left out of the comparison"),
        );
    }
    if strict && !objects.is_empty() {
        bail!(
            "--strict: {place} holds {} object(s) the engine does not model (listed above); the comparison would not see them",
            objects.len()
        );
    }
    Ok(())
}

/// Which schemas `diff` compares.
struct Scope {
    /// Only these (all user schemas of both databases when empty).
    schemas: Vec<String>,
    /// Never these.
    exclude_schemas: Vec<String>,
    /// Owners not compared.
    ignore_owners: bool,
    /// Prove the plan on a copy first.
    verify: bool,
    /// Print the online form.
    online: bool,
}

/// Prints the upgrade from `from` to `to`; returns whether they were the same.
fn diff_databases(
    from: &str,
    to: &str,
    scope: Scope,
    with_downgrade: bool,
    strict: bool,
) -> anyhow::Result<bool> {
    let mut from_client = pg::connect(from).context("--from")?;
    // --verify makes its copy on --from's server, where its roles and extensions are.
    let from_server = if scope.verify {
        Some(Server::external(from).context("--from")?)
    } else {
        None
    };
    // Its scratch database is created while both databases are read.
    if let Some(server) = &from_server {
        server.prepare_database();
    }
    let mut to_client = pg::connect(to).context("--to")?;
    let mut schemas = scope.schemas;
    if schemas.is_empty() {
        schemas = introspect::user_schemas(&mut from_client).context("--from")?;
        schemas.extend(introspect::user_schemas(&mut to_client).context("--to")?);
        schemas.sort();
        schemas.dedup();
    }
    schemas.retain(|s| !scope.exclude_schemas.contains(s));
    let options = introspect::Options { schemas };
    // Both read at once, each over two connections in one snapshot (one when a second
    // cannot be opened).
    let helper = |url: &str| pg::connect(url).ok().into_iter().collect::<Vec<_>>();
    let (mut from_helpers, mut to_helpers) = (helper(from), helper(to));
    let (from_read, to_read) = std::thread::scope(|scope| {
        let to_read = scope.spawn(|| {
            introspect::introspect_shared(&mut to_client, &mut to_helpers, &options)
                .map(|read| read.schema)
        });
        let from_read =
            introspect::introspect_shared(&mut from_client, &mut from_helpers, &options);
        (from_read, to_read.join())
    });
    drop((from_helpers, to_helpers));
    let from_read = from_read.context("--from")?;
    // The script runs on --from's server: it is planned for that one, and what --to holds
    // that it cannot have is refused.
    let version = from_read.version;
    let mut from = from_read.schema;
    let mut to = to_read
        .map_err(|_| anyhow::anyhow!("reading --to panicked"))?
        .context("--to")?;
    let unsupported = to.unsupported(version);
    if !unsupported.is_empty() {
        for line in &unsupported {
            warning("diff", model_core::sql::display(&line.to_string()));
        }
        bail!(
            "--to holds {} object(s) that --from's server (PostgreSQL {version}) cannot have (listed above); no script printed",
            unsupported.len()
        );
    }
    if scope.ignore_owners {
        from.owners.clear();
        to.owners.clear();
    }
    report_unmodelled("diff", "--from", &from.unmodelled, false)?;
    report_unmodelled("diff", "--to", &to.unmodelled, false)?;
    if strict && !(from.unmodelled.is_empty() && to.unmodelled.is_empty()) {
        bail!(
            "--strict: the databases hold {} object(s) the engine does not model (listed above); the diff would not see them",
            from.unmodelled.len() + to.unmodelled.len()
        );
    }
    // Indexes and constraints that differ only by name are renamed, not rebuilt.
    let (plan, _) = diff::diff_with_renames_for(&from, &to, &[], version);
    model_core::autogenerate::check_casts(&mut from_client, &plan).context("--from")?;
    if plan.is_empty() {
        eprintln!("No changes: the schemas are the same.");
        return Ok(true);
    }
    for candidate in diff::rename_candidates(&from, &to, &[]) {
        let (old, new) = candidate.rename.names();
        warning(
            "diff",
            format!(
                "{} {old} is dropped while {new} is added: if it was renamed, this script loses its data; write the rename instead",
                candidate.rename.kind()
            ),
        );
    }
    for line in plan.upgrade.iter().flat_map(Op::describe_all) {
        eprintln!("Detected {}", model_core::sql::display(&line));
    }
    report_hazards(
        "diff",
        &render::hazards(&plan.upgrade, scope.online.then_some(version)),
        Some(&mut from_client),
    );
    refuse_blocking("diff", scope.online, &plan.upgrade)?;
    let body = if scope.online {
        render::online_revision_body(&plan.upgrade, &plan.downgrade, version)
    } else {
        render::RevisionBody {
            upgrade: render::script(&plan.upgrade),
            downgrade: render::script(&plan.downgrade),
            transactional: true,
        }
    };
    if scope.verify {
        if let Some(server) = &from_server {
            model_core::autogenerate::verify_sql_on(
                server,
                &body.upgrade,
                &body.downgrade,
                &from,
                &to,
            )
            .context("--verify: the plan is not printed")?;
        }
        eprintln!(
            "Proven on a schema-only copy of --from: the upgrade gives --to, the downgrade --from."
        );
    }
    let retries = model_core::migrate::LockRetries::default();
    print!(
        "{}",
        render::psql_script(&body.upgrade, body.transactional, &retries)
    );
    if with_downgrade {
        print!(
            "\n-- downgrade\n\n{}",
            render::psql_script(&body.downgrade, body.transactional, &retries)
        );
    }
    Ok(false)
}

fn create(schema: &Schema) -> anyhow::Result<()> {
    let server = Server::shared().context("no PostgreSQL to create the schema in")?;
    let database = server.create_database()?;
    let mut client = database.connect()?;
    let sql = render::create_schema(schema);
    let mut transaction = client.transaction()?;
    transaction
        .batch_execute(&sql)
        .context("PostgreSQL refused the CREATE script")?;
    transaction.commit()?;
    println!(
        "-- What PostgreSQL reports for database {} --\n",
        database.name()
    );
    print!("{}", catalog::report(&mut client)?);
    Ok(())
}

/// How a user runs this same binary again: `cargo run -p CRATE --` under cargo (which names
/// the package), else the program's file name. Never the bare `model-cli`, which cannot run
/// commands that need the models, such as `check`.
fn invocation(package: Option<String>, argv0: Option<String>) -> String {
    match package.filter(|p| !p.is_empty()) {
        Some(package) => format!("cargo run -p {package} --"),
        None => argv0
            .and_then(|a| {
                Path::new(&a)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "model-cli".into()),
    }
}

/// The seed's walk-through in one process, on a throwaway database (or a fresh database on
/// DATABASE_URL's server): each step printed as the command a user would type.
fn demo(project: &Project, ctx: &Context, models: &ModelSet) -> anyhow::Result<bool> {
    let database = Server::shared()
        .context("the demo needs PostgreSQL")?
        .create_database()?;
    let ctx = ctx.on(database.url(), None);
    println!(
        "Using a throwaway database, {}; nothing else is touched.\n",
        database.name()
    );
    let program = invocation(
        std::env::var("CARGO_PKG_NAME").ok(),
        std::env::args().next(),
    );
    let step = |title: &str| println!("\n$ {program} {title}");
    step("history");
    history(project, &ctx, None, false, false)?;
    step("upgrade head");
    migrate(
        project,
        &ctx,
        "head",
        None,
        (false, true),
        Direction::Upgrade,
    )?;
    step("current");
    current(project, &ctx, false)?;
    step("history --indicate-current");
    history(project, &ctx, None, false, true)?;
    step("check");
    let same = check(project, &ctx, models, false, false)?;
    step("downgrade base");
    migrate(
        project,
        &ctx,
        "base",
        None,
        (false, true),
        Direction::Downgrade,
    )?;
    step("current");
    current(project, &ctx, false)?;
    println!("(nothing: the database is at base)");
    step("upgrade head");
    migrate(
        project,
        &ctx,
        "head",
        None,
        (false, true),
        Direction::Upgrade,
    )?;
    step("check");
    let same_again = check(project, &ctx, models, false, false)?;
    Ok(same && same_again)
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_steps_name_the_binary_that_has_the_models() {
        assert_eq!(
            super::invocation(Some("shop".into()), Some("/x/target/debug/shop".into())),
            "cargo run -p shop --"
        );
        assert_eq!(
            super::invocation(None, Some("/usr/local/bin/shop-migrations".into())),
            "shop-migrations"
        );
    }
}
