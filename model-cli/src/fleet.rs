//! Fleets on the command line: `upgrade`, `downgrade`, `current`, `check`, `diff` and
//! `revision --autogenerate` over many databases and tenant schemas (`--fleet NAME` from
//! model.toml, or `--targets FILE`). The work is `model_core::fleet`'s (targets, pool,
//! rollout, reads); this room draws the progress line, the tables and the errors.
//!
//! Policies: by default no new target starts after one fails (the ones running finish);
//! `--keep-going` runs them all; `--canary K` runs K targets first and the rest only if all K
//! succeeded. The result is one table (target, from → to, time, result) and one exit status.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{bail, Context as _};
use model_core::diff::diff_with_renames;
use model_core::fleet::{
    self, at, by_database, read_database, tenant_map, version_table, Outcome, Target, Watch,
};
use model_core::introspect::{self, Options};
use model_core::migrate::{read_current, Direction, Migrator, SchemaMap, TransactionMode};
use model_core::pg;
use model_core::render;
use model_core::schema::Schema;
use model_core::{ModelSet, ModelSetError};

use crate::args::Command;
use crate::console::info;
use crate::context::Context;
use crate::project::Project;

/// Whether a fleet was asked for.
pub fn requested(ctx: &Context) -> bool {
    ctx.fleet.is_given()
}

/// The fleet's targets and how to go over them.
fn resolve(project: &Project, ctx: &Context) -> anyhow::Result<(Vec<Target>, fleet::Policy)> {
    let targets = fleet::targets(&project.config, &project.config_path, &ctx.fleet, &|| {
        project
            .config
            .database_url(ctx.url.as_deref(), ctx.env.as_deref(), &project.config_path)
    })?;
    if targets.is_empty() {
        bail!("the fleet has no targets");
    }
    let fleet_jobs = ctx
        .fleet
        .fleet
        .as_ref()
        .and_then(|f| project.config.fleets.get(f))
        .and_then(|f| f.jobs);
    Ok((targets, ctx.policy(fleet_jobs)))
}

/// Runs `command` over the fleet. `Ok(false)` when a target differs (check, diff).
/// `revision --autogenerate` is not run here: [`representative`] picks the database it is
/// written against.
pub fn dispatch(
    ctx: &Context,
    command: Option<Command>,
    given: &Result<ModelSet, ModelSetError>,
) -> anyhow::Result<bool> {
    let models = || crate::commands::needed(given);
    let project = Project::load(ctx)?;
    let (targets, policy) = resolve(&project, ctx)?;
    let jobs = policy.jobs;
    match command {
        Some(Command::Upgrade {
            target,
            sql: false,
            postgres_version: _,
            single_transaction,
            allow_destructive,
        }) => migrate(
            &project,
            ctx,
            (&targets, policy),
            &target,
            (single_transaction, allow_destructive),
            Direction::Upgrade,
        ),
        Some(Command::Downgrade {
            target,
            sql: false,
            postgres_version: _,
            single_transaction,
            allow_destructive,
        }) => migrate(
            &project,
            ctx,
            (&targets, policy),
            &target,
            (single_transaction, allow_destructive),
            Direction::Downgrade,
        ),
        Some(Command::Current) => current(&project, &targets, jobs),
        Some(Command::Diff {
            from: None,
            to,
            schemas,
            exclude_schemas,
            with_downgrade,
            ignore_owners,
            ..
        }) => diff(
            &project,
            &targets,
            jobs,
            &to,
            (schemas, exclude_schemas, ignore_owners),
            with_downgrade,
        ),
        Some(Command::Check { format, .. }) => check(
            &project,
            &targets,
            jobs,
            models()?,
            format == crate::args::CheckFormat::Json,
        ),
        _ => bail!(
            "--fleet and --targets work with upgrade, downgrade, current, check, diff (with --to, without --from) and revision --autogenerate (upgrade --sql prints the same SQL for every target: run it without them)"
        ),
    }
}

/// For `revision --autogenerate` over a fleet, one plan for all: the run on one target, once
/// every target is shown to be at head and in the same state.
pub fn representative(ctx: &Context) -> anyhow::Result<Context> {
    let project = Project::load(ctx)?;
    let (targets, policy) = resolve(&project, ctx)?;
    let heads = graph_heads(&project);
    let progress = Progress::new("reading", fleet::database_count(&targets));
    let read = fleet::read_all(&project.config, &targets, policy.jobs, &progress);
    progress.end();
    let found = fleet::consensus(&project.config, &heads, &targets, read);
    for (print, members) in &found.groups {
        info(
            "fleet",
            format!("{} target(s) share schema {print}", members.len()),
        );
    }
    if !found.problems.is_empty() {
        for (_, problem) in &found.problems {
            crate::console::warning("fleet", problem);
        }
        bail!(
            "{} target(s) are not in the fleet's state (listed above): no revision written. Bring them in line, or leave them out of the fleet, first.",
            found.targets_out_of_line()
        );
    }
    let chosen = &targets[found.representative().context("no target could be read")?];
    info(
        "fleet",
        format!(
            "Writing the revision against {}, in the same state as the other {} target(s)",
            chosen.name(),
            targets.len() - 1
        ),
    );
    Ok(ctx.on_target(chosen))
}

/// `check --format json` on the project's one database: the fleet's report, of one target.
pub fn check_one(ctx: &Context, models: &ModelSet) -> anyhow::Result<bool> {
    let project = Project::load(ctx)?;
    let Some(url) = project.url(ctx)? else {
        bail!(
            "no database configured: set DATABASE_URL, database_url in {}, or pass --url",
            project.config_path.display()
        );
    };
    check(&project, &[Target::database(&url)], 1, models, true)
}

/// Live progress on stderr: one status line redrawn on a terminal, a line per finished
/// target otherwise.
struct Progress {
    verb: &'static str,
    total: usize,
    terminal: bool,
    state: Mutex<(usize, usize, Vec<String>)>,
}

impl Progress {
    fn new(verb: &'static str, total: usize) -> Progress {
        Progress {
            verb,
            total,
            terminal: std::io::stderr().is_terminal() && !crate::console::quiet(),
            state: Mutex::new((0, 0, Vec::new())),
        }
    }

    fn end(&self) {
        if self.terminal {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }

    fn draw(&self, state: &(usize, usize, Vec<String>)) {
        if !self.terminal {
            return;
        }
        let (done, failed, running) = state;
        let pending = self.total.saturating_sub(done + failed + running.len());
        let mut line = format!(
            "{}: {done} done · {failed} failed · {} running · {pending} pending",
            self.verb,
            running.len()
        );
        if !running.is_empty() {
            line.push_str(&format!(
                " · {}",
                model_core::sql::display(&running.join(", "))
            ));
        }
        let width = 120;
        let line: String = line.chars().take(width).collect();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }
}

impl Watch for Progress {
    fn started(&self, target: &Target) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.2.push(target.name().to_string());
        self.draw(&state);
    }

    fn finished(&self, target: &Target, ok: bool, elapsed: Duration) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if ok {
            state.0 += 1;
        } else {
            state.1 += 1;
        }
        state.2.retain(|n| n != target.name());
        if !self.terminal {
            info(
                "fleet",
                format!(
                    "[{}/{}] {} {} ({:.1} s)",
                    state.0 + state.1,
                    self.total,
                    if ok { "ok    " } else { "FAILED" },
                    target.name(),
                    elapsed.as_secs_f64()
                ),
            );
        }
        self.draw(&state);
    }

    fn canary(&self, passed: bool, canary: usize, rest: usize) {
        if passed {
            info(
                "fleet",
                format!("The {canary} canary target(s) succeeded; the rest follow"),
            );
        } else {
            info(
                "fleet",
                format!("A canary target failed: the other {rest} are left as they are"),
            );
        }
    }
}

/// `upgrade` or `downgrade` on every target.
fn migrate(
    project: &Project,
    ctx: &Context,
    (targets, policy): (&[Target], fleet::Policy),
    target: &str,
    (single_transaction, allow_destructive): (bool, bool),
    direction: Direction,
) -> anyhow::Result<bool> {
    let mode = if single_transaction {
        TransactionMode::PerRun
    } else {
        TransactionMode::PerRevision
    };
    let protected = project.config.protected(ctx.env.as_deref());
    let jobs = policy.jobs;
    let template = project.config.schemas[0].clone();
    let verb = direction.as_str();
    info(
        "fleet",
        format!(
            "{verb} {target} on {} target(s), {jobs} at a time{}",
            targets.len(),
            match (policy.canary, policy.keep_going) {
                (Some(k), _) => format!(", {k} canary target(s) first"),
                (None, true) => ", going on after failures".to_string(),
                (None, false) => ", stopping at the first failure".to_string(),
            }
        ),
    );
    let progress = Progress::new(verb, targets.len());
    // Where each failed target started and stopped (a run of several revisions may fail
    // after some of them were applied), for its row of the table.
    let stopped: Mutex<HashMap<Target, (String, String)>> = Mutex::new(HashMap::new());
    let work = |t: &Target| -> anyhow::Result<(String, String)> {
        let mut client = pg::connect(t.url())?;
        let table = version_table(&project.config, t);
        let before = read_current(&mut client, &table)?;
        let lines = Mutex::new(Vec::new());
        let mut migrator = Migrator::new(
            &mut client,
            pg::connect(t.url())?,
            &project.graph,
            table.clone(),
            |line| lines.lock().unwrap_or_else(|e| e.into_inner()).push(line),
        )
        .lock_wait(project.lock_wait(ctx))
        .lock_retries(project.config.lock_settings().unwrap_or_default())
        .echo_statements(ctx.verbose)
        .protected(protected)
        .allow_destructive(allow_destructive);
        if let Some(tenant) = t.tenant_schema() {
            migrator = migrator.tenant(SchemaMap {
                from: template.clone(),
                to: tenant.to_string(),
            });
        }
        let result = migrator.migrate(target, direction, mode);
        drop(migrator);
        // -v: each target's log (the statements as they ran), after it, named.
        if ctx.verbose {
            for line in lines.into_inner().unwrap_or_else(|e| e.into_inner()) {
                info("migrate", format!("{}: {line}", t.name()));
            }
        }
        if let Err(error) = result {
            // The runner rolled back what failed; the connection may be gone with it.
            if let Ok(after) = read_current(&mut client, &table) {
                stopped
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(t.clone(), (at(&before), at(&after)));
            }
            return Err(error.into());
        }
        let after = read_current(&mut client, &table)?;
        Ok((at(&before), at(&after)))
    };
    let outcomes = fleet::rollout(policy, targets, &progress, &work);
    progress.end();
    let stopped = stopped.into_inner().unwrap_or_else(|e| e.into_inner());
    let rows: Vec<Vec<String>> = targets
        .iter()
        .zip(&outcomes)
        .map(|(t, o)| match o {
            Outcome::Done((from, to), time) => vec![
                t.name().to_string(),
                from.clone(),
                to.clone(),
                seconds(*time),
                if from == to {
                    "ok (nothing to do)"
                } else {
                    "ok"
                }
                .to_string(),
            ],
            Outcome::Failed(e, time) => {
                let (from, to) = stopped
                    .get(t)
                    .cloned()
                    .unwrap_or_else(|| ("?".into(), "?".into()));
                vec![
                    t.name().to_string(),
                    from,
                    to,
                    seconds(*time),
                    format!("FAILED: {}", e.lines().next().unwrap_or_default()),
                ]
            }
            Outcome::Skipped => vec![
                t.name().to_string(),
                String::new(),
                String::new(),
                String::new(),
                "skipped".into(),
            ],
        })
        .collect();
    print_table(&["TARGET", "FROM", "TO", "TIME", "RESULT"], &rows);
    report(targets, &outcomes)
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The summary line and each failure in full, on stderr; whether every target succeeded.
fn report<T>(targets: &[Target], outcomes: &[Outcome<T>]) -> anyhow::Result<bool> {
    let ok = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Done(..)))
        .count();
    let failed = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Failed(..)))
        .count();
    let skipped = outcomes.len() - ok - failed;
    for (t, o) in targets.iter().zip(outcomes) {
        if let Outcome::Failed(e, _) = o {
            print_error(t.name(), e);
        }
    }
    println!(
        "{} target(s): {ok} ok, {failed} failed, {skipped} skipped",
        targets.len()
    );
    if failed + skipped > 0 {
        bail!("{failed} target(s) failed and {skipped} were skipped");
    }
    Ok(true)
}

/// `ERROR target: message`, each line of the message shown safely (a name from a database
/// never moves the cursor or forges a line).
fn print_error(target: &str, message: &str) {
    let mut lines = message.lines();
    eprintln!(
        "ERROR {}: {}",
        model_core::sql::display(target),
        model_core::sql::display(lines.next().unwrap_or_default())
    );
    for line in lines {
        eprintln!("    {}", model_core::sql::display(line));
    }
}

/// A plain table: columns padded to their widest cell.
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(
            row.iter()
                .map(|s| model_core::sql::display(s))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect(),
        );
    }
}

/// `current` on every target: its heads, and whether they are the graph's.
fn current(project: &Project, targets: &[Target], jobs: usize) -> anyhow::Result<bool> {
    let heads = graph_heads(project);
    // One connection and two queries per database, however many tenant schemas it holds.
    let work = |d: &Target, members: &[usize]| -> anyhow::Result<Vec<Vec<String>>> {
        let mut client = pg::connect(d.url())?;
        let schemas: Vec<String> = members
            .iter()
            .map(|&i| version_table(&project.config, &targets[i]).schema)
            .collect();
        let currents = fleet::read_currents(&mut client, &project.config.version_table, &schemas)?;
        Ok(schemas
            .iter()
            .map(|s| currents.get(s).cloned().unwrap_or_default())
            .collect())
    };
    let outcomes = per_database(targets, jobs, "current", &work);
    let rows: Vec<Vec<String>> = targets
        .iter()
        .zip(&outcomes)
        .map(|(t, o)| match o {
            Outcome::Done(current, _) => vec![
                t.name().to_string(),
                at(current),
                if *current == heads {
                    "at head"
                } else {
                    "not at head"
                }
                .into(),
            ],
            Outcome::Failed(e, _) => vec![
                t.name().to_string(),
                "?".into(),
                format!("FAILED: {}", e.lines().next().unwrap_or_default()),
            ],
            Outcome::Skipped => vec![t.name().to_string(), String::new(), "skipped".into()],
        })
        .collect();
    print_table(&["TARGET", "CURRENT", "STATE"], &rows);
    report(targets, &outcomes)
}

/// `work` once per database of `targets` (see `fleet::by_database`), with a progress line.
fn per_database<T: Send>(
    targets: &[Target],
    jobs: usize,
    verb: &'static str,
    work: &fleet::DatabaseWork<T, anyhow::Error>,
) -> Vec<Outcome<T>> {
    let progress = Progress::new(verb, fleet::database_count(targets));
    let outcomes = by_database(targets, jobs, &progress, work);
    progress.end();
    outcomes
}

fn graph_heads(project: &Project) -> Vec<String> {
    let mut heads: Vec<String> = project.graph.heads().iter().map(|r| r.id.clone()).collect();
    heads.sort();
    heads
}

/// What `check` found on one target.
struct Drift {
    current: Vec<String>,
    at_head: bool,
    /// The operations that would bring it to the models (empty: none), when at head.
    differences: Option<Vec<String>>,
}

/// `check` on every target: which are not at head, which differ from the models. A table,
/// or JSON (`--format json`) for CI; exit 2 when any target drifted, 1 when any failed.
fn check(
    project: &Project,
    targets: &[Target],
    jobs: usize,
    models: &ModelSet,
    json: bool,
) -> anyhow::Result<bool> {
    let heads = graph_heads(project);
    // One connection and one catalog read per database (tenant schemas read together), then
    // each target at head compared with the models on that connection.
    let work = |d: &Target, members: &[usize]| -> anyhow::Result<Vec<Result<Drift, String>>> {
        let mut client = pg::connect(d.url())?;
        let read = read_database(&project.config, targets, members, &mut client)?;
        let mut out = Vec::new();
        for (&i, (current, live)) in members.iter().zip(read) {
            let at_head = current == heads;
            let differences = if at_head {
                match model_core::autogenerate::compare_live(
                    &mut client,
                    models,
                    &project.config,
                    live,
                    tenant_map(&project.config, &targets[i]).as_ref(),
                ) {
                    Ok(comparison) => Some(
                        comparison
                            .plan()
                            .upgrade
                            .iter()
                            .map(|op| op.describe())
                            .collect(),
                    ),
                    Err(e) => {
                        out.push(Err(pg::redact(&format!("{e:#}"))));
                        continue;
                    }
                }
            } else {
                None
            };
            out.push(Ok(Drift {
                current,
                at_head,
                differences,
            }));
        }
        Ok(out)
    };
    // A target compared or not: a failure of its own is a failed target.
    let outcomes: Vec<Outcome<Drift>> = per_database(targets, jobs, "check", &work)
        .into_iter()
        .map(|o| match o {
            Outcome::Done(Ok(drift), time) => Outcome::Done(drift, time),
            Outcome::Done(Err(e), time) => Outcome::Failed(e, time),
            Outcome::Failed(e, time) => Outcome::Failed(e, time),
            Outcome::Skipped => Outcome::Skipped,
        })
        .collect();
    let drifted = outcomes.iter().any(|o| {
        matches!(o, Outcome::Done(d, _) if !d.at_head || d.differences.as_ref().is_some_and(|x| !x.is_empty()))
    });
    let failed = outcomes.iter().any(|o| !matches!(o, Outcome::Done(..)));
    if json {
        let list: Vec<serde_json::Value> = targets
            .iter()
            .zip(&outcomes)
            .map(|(t, o)| match o {
                Outcome::Done(d, _) => serde_json::json!({
                    "target": t.name(),
                    "schema": t.tenant_schema(),
                    "current": d.current,
                    "at_head": d.at_head,
                    "differs_from_models": d.differences.as_ref().map(|x| !x.is_empty()),
                    "differences": d.differences,
                    "error": null,
                }),
                Outcome::Failed(e, _) => serde_json::json!({
                    "target": t.name(), "schema": t.tenant_schema(), "error": e,
                }),
                Outcome::Skipped => serde_json::json!({
                    "target": t.name(), "schema": t.tenant_schema(), "error": "skipped",
                }),
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "heads": heads,
                "targets": list,
            }))?
        );
    } else {
        let rows: Vec<Vec<String>> = targets
            .iter()
            .zip(&outcomes)
            .map(|(t, o)| match o {
                Outcome::Done(d, _) => vec![
                    t.name().to_string(),
                    at(&d.current),
                    match &d.differences {
                        None => "not at head".into(),
                        Some(x) if x.is_empty() => "ok".into(),
                        Some(x) => format!(
                            "differs from the models ({} change{}): {}{}",
                            x.len(),
                            if x.len() == 1 { "" } else { "s" },
                            x.iter().take(3).cloned().collect::<Vec<_>>().join("; "),
                            if x.len() > 3 { "; …" } else { "" }
                        ),
                    },
                ],
                Outcome::Failed(e, _) => vec![
                    t.name().to_string(),
                    "?".into(),
                    format!("FAILED: {}", e.lines().next().unwrap_or_default()),
                ],
                Outcome::Skipped => vec![t.name().to_string(), String::new(), "skipped".into()],
            })
            .collect();
        print_table(&["TARGET", "CURRENT", "STATE"], &rows);
    }
    if failed {
        for (t, o) in targets.iter().zip(&outcomes) {
            if let Outcome::Failed(e, _) = o {
                print_error(t.name(), e);
            }
        }
        bail!("check failed on some targets");
    }
    Ok(!drifted)
}

/// `diff --to URL` over the fleet: each target against the reference `to`, each distinct plan
/// printed once with the targets it is for. Exit 2 when any target differs.
fn diff(
    project: &Project,
    targets: &[Target],
    jobs: usize,
    to: &str,
    (schemas, exclude_schemas, ignore_owners): (Vec<String>, Vec<String>, bool),
    with_downgrade: bool,
) -> anyhow::Result<bool> {
    let template = project.config.schemas[0].clone();
    // The reference's own schemas, read once (for database targets without --schema).
    let reference_schemas =
        if schemas.is_empty() && targets.iter().any(|t| t.tenant_schema().is_none()) {
            introspect::user_schemas(&mut pg::connect(to).context("--to")?).context("--to")?
        } else {
            Vec::new()
        };
    // The reference, read once per set of schemas; tenants, once per database.
    let references: Mutex<std::collections::BTreeMap<Vec<String>, Schema>> = Mutex::default();
    let tenants_read = {
        let progress = Progress::new("reading", fleet::database_count(targets));
        let read = fleet::read_tenants(targets, jobs, &progress);
        progress.end();
        Mutex::new(read)
    };
    let progress = Progress::new("diff", targets.len());
    let keep = |mut wanted: Vec<String>| {
        wanted.retain(|s| !exclude_schemas.contains(s));
        wanted
    };
    let work = |t: &Target| -> anyhow::Result<String> {
        let (wanted, mut live) = match tenant_map(&project.config, t) {
            // Read with its database's other tenants, and seen as the scripts' schema.
            Some(map) => {
                let read = tenants_read
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(t)
                    .unwrap_or_else(|| Err("not read".to_string()));
                let live = read.map_err(|e| anyhow::anyhow!(e))?;
                (
                    keep(vec![template.clone()]),
                    model_core::autogenerate::as_template(live, &map),
                )
            }
            None => {
                let mut client = pg::connect(t.url())?;
                let wanted = keep(if schemas.is_empty() {
                    let mut all = introspect::user_schemas(&mut client)?;
                    all.extend(reference_schemas.iter().cloned());
                    all.sort();
                    all.dedup();
                    all
                } else {
                    schemas.clone()
                });
                let options = Options {
                    schemas: wanted.clone(),
                };
                (wanted, introspect::introspect(&mut client, &options)?)
            }
        };
        let reference = {
            let known = references
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&wanted)
                .cloned();
            match known {
                Some(schema) => schema,
                None => {
                    let schema = introspect::introspect(
                        &mut pg::connect(to).context("--to")?,
                        &Options {
                            schemas: wanted.clone(),
                        },
                    )
                    .context("--to")?;
                    references
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(wanted.clone(), schema.clone());
                    schema
                }
            }
        };
        let mut reference = reference;
        if t.tenant_schema().is_some() {
            // A tenant's schema itself is its own (see as_template): only what is in it counts.
            model_core::autogenerate::without_schema_object(&mut reference, &template);
        }
        if ignore_owners {
            live.owners.clear();
            reference.owners.clear();
        }
        let (plan, _) = diff_with_renames(&live, &reference, &[]);
        if plan.is_empty() {
            return Ok(String::new());
        }
        let mut text = render::script(&plan.upgrade);
        if with_downgrade {
            text.push_str(&format!(
                "\n-- downgrade\n\n{}",
                render::script(&plan.downgrade)
            ));
        }
        Ok(text)
    };
    let outcomes = fleet::pool(targets, jobs, false, &progress, &work);
    progress.end();
    print_plans(targets, &outcomes)
}

/// Each distinct plan once, with the targets it is for; the failures; a summary line.
/// Whether every target is the same as the reference.
fn print_plans(targets: &[Target], outcomes: &[Outcome<String>]) -> anyhow::Result<bool> {
    let mut plans: Vec<(String, Vec<&str>)> = Vec::new();
    let mut same = 0;
    for (t, o) in targets.iter().zip(outcomes) {
        if let Outcome::Done(text, _) = o {
            if text.is_empty() {
                same += 1;
            } else {
                match plans.iter_mut().find(|(p, _)| p == text) {
                    Some((_, names)) => names.push(t.name()),
                    None => plans.push((text.clone(), vec![t.name()])),
                }
            }
        }
    }
    for (text, names) in &plans {
        println!("-- For {} target(s):", names.len());
        for name in names {
            println!("--   {}", model_core::sql::display(name));
        }
        println!("{text}");
    }
    let failed = outcomes
        .iter()
        .filter(|o| !matches!(o, Outcome::Done(..)))
        .count();
    for (t, o) in targets.iter().zip(outcomes) {
        if let Outcome::Failed(e, _) = o {
            print_error(t.name(), e);
        }
    }
    eprintln!(
        "{} target(s): {same} the same as --to, {} differ ({} distinct plan{}), {failed} failed",
        targets.len(),
        targets.len() - same - failed,
        plans.len(),
        if plans.len() == 1 { "" } else { "s" }
    );
    if failed > 0 {
        bail!("{failed} target(s) could not be compared");
    }
    Ok(plans.is_empty())
}
