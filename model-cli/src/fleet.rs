//! Fleets: `upgrade`, `downgrade`, `current` and `check` over many databases and tenant
//! schemas (`--fleet NAME` from model.toml, or `--targets FILE`), on a bounded pool of
//! threads, each target with its own connections, lock and transactions.
//!
//! Policies: by default no new target starts after one fails (the ones running finish);
//! `--keep-going` runs them all; `--canary K` runs K targets first and the rest only if all K
//! succeeded. The result is one table (target, from → to, time, result) and one exit status.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use model_core::config::{expand_variables, Tenants};
use model_core::diff::diff_with_renames;
use model_core::introspect::{self, Options};
use model_core::migrate::{
    read_current, Direction, Migrator, SchemaMap, TransactionMode, VersionTable,
};
use model_core::pg::{self, redact};
use model_core::render;
use model_core::schema::Schema;
use model_core::{ModelSet, ModelSetError};

use crate::args::{Command, Global};
use crate::console::info;
use crate::project::Project;

/// How many targets run at once when neither `--jobs` nor the fleet says.
const DEFAULT_JOBS: usize = 4;

/// One database, or one tenant schema of a database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    url: String,
    tenant: Option<String>,
    /// What tables and messages call it: the URL without its password, and the schema.
    name: String,
}

/// What happened to one target.
enum Outcome<T> {
    Done(T, Duration),
    Failed(String, Duration),
    /// Not started: an earlier failure stopped the run (or the canary failed).
    Skipped,
}

/// Whether a fleet was asked for.
pub fn requested(global: &Global) -> bool {
    global.fleet.is_some() || global.targets.is_some()
}

/// Runs `command` over the fleet. `Ok(false)` when a target differs (check).
pub fn dispatch(
    dir: &Path,
    global: &Global,
    command: Option<Command>,
    given: &Result<ModelSet, ModelSetError>,
) -> anyhow::Result<bool> {
    let models = || crate::commands::needed(given);
    let project = Project::load(dir, global)?;
    let targets = targets(&project, global)?;
    if targets.is_empty() {
        bail!("the fleet has no targets");
    }
    let jobs = global
        .jobs
        .or_else(|| {
            global
                .fleet
                .as_ref()
                .and_then(|f| project.config.fleets.get(f))
                .and_then(|f| f.jobs)
        })
        .unwrap_or(DEFAULT_JOBS)
        .clamp(1, 256);
    match command {
        Some(Command::Upgrade {
            target,
            sql: false,
            postgres_version: _,
            single_transaction,
            allow_destructive,
        }) => migrate(
            &project,
            global,
            &targets,
            jobs,
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
            global,
            &targets,
            jobs,
            &target,
            (single_transaction, allow_destructive),
            Direction::Downgrade,
        ),
        Some(Command::Current) => current(&project, &targets, jobs),
        Some(
            command @ Command::Revision(crate::args::RevisionArgs {
                autogenerate: true,
                ..
            }),
        ) => {
            // One plan for the fleet: written against one target, once every target is shown
            // to be in the same state.
            let representative = one_schema(&project, &targets, jobs)?;
            let single = Global {
                fleet: None,
                targets: None,
                url: Some(representative.url.clone()),
                tenant: representative.tenant.clone(),
                ..global.clone()
            };
            info(
                "fleet",
                format!(
                    "Writing the revision against {}, in the same state as the other {} target(s)",
                    representative.name,
                    targets.len() - 1
                ),
            );
            crate::commands::dispatch(dir, &single, Some(command), given)
        }
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

/// `check --format json` on the project's one database: the fleet's report, of one target.
pub fn check_one(dir: &Path, global: &Global, models: &ModelSet) -> anyhow::Result<bool> {
    let project = Project::load(dir, global)?;
    let Some(url) = project.url(global)? else {
        bail!(
            "no database configured: set DATABASE_URL, database_url in {}, or pass --url",
            project.config_path.display()
        );
    };
    let target = Target {
        name: redact(&url),
        url,
        tenant: None,
    };
    check(&project, &[target], 1, models, true)
}

/// The targets of `--targets FILE` or `--fleet NAME`, tenant schemas expanded.
fn targets(project: &Project, global: &Global) -> anyhow::Result<Vec<Target>> {
    let mut urls: Vec<String> = Vec::new();
    let mut tenants: Option<Tenants> = None;
    if let Some(file) = &global.targets {
        urls.extend(url_file(file)?);
    }
    if let Some(name) = &global.fleet {
        let config = &project.config;
        let Some(fleet) = config.fleets.get(name) else {
            bail!(
                "no fleet `{name}` in {}; it has: {}",
                project.config_path.display(),
                if config.fleets.is_empty() {
                    "none".to_string()
                } else {
                    config.fleets.keys().cloned().collect::<Vec<_>>().join(", ")
                }
            );
        };
        for url in &fleet.urls {
            urls.push(expand_variables(url, &format!("fleet `{name}`"))?);
        }
        if let Some(file) = &fleet.file {
            urls.extend(url_file(&config.root.join(file))?);
        }
        if let Some(query) = &fleet.query {
            let on = match &fleet.query_url {
                Some(u) => expand_variables(u, &format!("fleet `{name}` query_url"))?,
                None => project.url(global)?.with_context(|| {
                    format!("fleet `{name}` has a query but no query_url, and no database is configured")
                })?,
            };
            let mut client = pg::connect(&on)?;
            let rows = client
                .simple_query(query)
                .with_context(|| format!("running fleet `{name}`'s query"))?;
            for row in rows {
                if let postgres::SimpleQueryMessage::Row(row) = row {
                    if let Some(url) = row.get(0) {
                        urls.push(url.to_string());
                    }
                }
            }
        }
        let what = format!("fleet `{name}` tenants");
        tenants = match &fleet.tenants {
            Some(Tenants::Pattern(p)) => Some(Tenants::Pattern(expand_variables(p, &what)?)),
            Some(Tenants::List(list)) => Some(Tenants::List(
                list.iter()
                    .map(|t| expand_variables(t, &what))
                    .collect::<Result<_, _>>()?,
            )),
            None => None,
        };
    }
    let mut seen = std::collections::BTreeSet::new();
    urls.retain(|u| seen.insert(u.clone()));
    let Some(tenants) = tenants else {
        return Ok(urls
            .into_iter()
            .map(|url| Target {
                name: redact(&url),
                url,
                tenant: None,
            })
            .collect());
    };
    // Each database's tenant schemas, read in one query per database.
    let mut out = Vec::new();
    for url in urls {
        let mut client = pg::connect(&url)?;
        let rows = client.query_typed(
            "SELECT nspname::text FROM pg_catalog.pg_namespace
             WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1",
            &[],
        )?;
        for row in rows {
            let schema: String = row.get(0);
            if tenants.includes(&schema) {
                out.push(Target {
                    name: format!("{} {}", redact(&url), model_core::sql::quote_ident(&schema)),
                    url: url.clone(),
                    tenant: Some(schema),
                });
            }
        }
    }
    Ok(out)
}

/// The URLs of a file, one a line; blank lines and `#` comments skipped, `${VAR}` expanded.
fn url_file(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the targets file {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.push(expand_variables(
            line,
            &format!("{} line {}", path.display(), n + 1),
        )?);
    }
    Ok(out)
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

    fn started(&self, target: &Target) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.2.push(target.name.clone());
        self.draw(&state);
    }

    fn finished(&self, target: &Target, ok: bool, elapsed: Duration) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if ok {
            state.0 += 1;
        } else {
            state.1 += 1;
        }
        state.2.retain(|n| n != &target.name);
        if !self.terminal {
            info(
                "fleet",
                format!(
                    "[{}/{}] {} {} ({:.1} s)",
                    state.0 + state.1,
                    self.total,
                    if ok { "ok    " } else { "FAILED" },
                    target.name,
                    elapsed.as_secs_f64()
                ),
            );
        }
        self.draw(&state);
    }

    fn draw(&self, state: &(usize, usize, Vec<String>)) {
        if !self.terminal {
            return;
        }
        let (done, failed, running) = state;
        let pending = self.total - done - failed - running.len();
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

    fn end(&self) {
        if self.terminal {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

/// Runs `work` on each target, `jobs` at a time, in order of the list. With `stop`, no target
/// starts after one failed.
fn pool<T: Send>(
    targets: &[Target],
    jobs: usize,
    stop: bool,
    progress: &Progress,
    work: &(dyn Fn(&Target) -> anyhow::Result<T> + Sync),
) -> Vec<Outcome<T>> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Outcome<T>>>> =
        Mutex::new((0..targets.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(targets.len()) {
            scope.spawn(|| loop {
                if stop && failed.load(Ordering::SeqCst) {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(target) = targets.get(i) else {
                    return;
                };
                progress.started(target);
                let started = Instant::now();
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(target)))
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("the run panicked")));
                let elapsed = started.elapsed();
                progress.finished(target, result.is_ok(), elapsed);
                let outcome = match result {
                    Ok(value) => Outcome::Done(value, elapsed),
                    Err(e) => {
                        failed.store(true, Ordering::SeqCst);
                        Outcome::Failed(redact(&format!("{e:#}")), elapsed)
                    }
                };
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Skipped))
        .collect()
}

/// The pool with the canary policy: `--canary K` runs the first K (stopping at a failure),
/// and the rest only when all K succeeded.
fn rollout<T: Send>(
    global: &Global,
    targets: &[Target],
    jobs: usize,
    progress: &Progress,
    work: &(dyn Fn(&Target) -> anyhow::Result<T> + Sync),
) -> Vec<Outcome<T>> {
    let stop = !global.keep_going;
    let canary = global.canary.unwrap_or(0).min(targets.len());
    if canary == 0 {
        return pool(targets, jobs, stop, progress, work);
    }
    let mut outcomes = pool(&targets[..canary], jobs, true, progress, work);
    if outcomes.iter().all(|o| matches!(o, Outcome::Done(..))) {
        info(
            "fleet",
            format!("The {canary} canary target(s) succeeded; the rest follow"),
        );
        outcomes.extend(pool(&targets[canary..], jobs, stop, progress, work));
    } else {
        info(
            "fleet",
            format!(
                "A canary target failed: the other {} are left as they are",
                targets.len() - canary
            ),
        );
        outcomes.extend(targets[canary..].iter().map(|_| Outcome::Skipped));
    }
    outcomes
}

/// The version table of `target`: the project's, in the tenant's schema for a tenant.
fn version_table(project: &Project, target: &Target) -> VersionTable {
    let mut table = project.config.version_table();
    if let Some(tenant) = &target.tenant {
        table.schema = tenant.clone();
    }
    table
}

fn at(heads: &[String]) -> String {
    if heads.is_empty() {
        "base".into()
    } else {
        heads.join(", ")
    }
}

/// `upgrade` or `downgrade` on every target.
fn migrate(
    project: &Project,
    global: &Global,
    targets: &[Target],
    jobs: usize,
    target: &str,
    (single_transaction, allow_destructive): (bool, bool),
    direction: Direction,
) -> anyhow::Result<bool> {
    let mode = if single_transaction {
        TransactionMode::PerRun
    } else {
        TransactionMode::PerRevision
    };
    let protected = project.config.protected(global.env.as_deref());
    let template = project.config.schemas[0].clone();
    let verb = direction.as_str();
    info(
        "fleet",
        format!(
            "{verb} {target} on {} target(s), {jobs} at a time{}",
            targets.len(),
            match (global.canary, global.keep_going) {
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
        let mut client = pg::connect(&t.url)?;
        let table = version_table(project, t);
        let before = read_current(&mut client, &table)?;
        let lines = Mutex::new(Vec::new());
        let mut migrator = Migrator::new(
            &mut client,
            pg::connect(&t.url)?,
            &project.graph,
            table.clone(),
            |line| lines.lock().unwrap_or_else(|e| e.into_inner()).push(line),
        )
        .lock_wait(project.lock_wait(global))
        .lock_retries(project.config.lock_settings().unwrap_or_default())
        .echo_statements(global.verbose)
        .protected(protected)
        .allow_destructive(allow_destructive);
        if let Some(tenant) = &t.tenant {
            migrator = migrator.tenant(SchemaMap {
                from: template.clone(),
                to: tenant.clone(),
            });
        }
        let result = migrator.migrate(target, direction, mode);
        drop(migrator);
        // -v: each target's log (the statements as they ran), after it, named.
        if global.verbose {
            for line in lines.into_inner().unwrap_or_else(|e| e.into_inner()) {
                info("migrate", format!("{}: {line}", t.name));
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
    let outcomes = rollout(global, targets, jobs, &progress, &work);
    progress.end();
    let stopped = stopped.into_inner().unwrap_or_else(|e| e.into_inner());
    let rows: Vec<Vec<String>> = targets
        .iter()
        .zip(&outcomes)
        .map(|(t, o)| match o {
            Outcome::Done((from, to), time) => vec![
                t.name.clone(),
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
                    t.name.clone(),
                    from,
                    to,
                    seconds(*time),
                    format!("FAILED: {}", e.lines().next().unwrap_or_default()),
                ]
            }
            Outcome::Skipped => vec![
                t.name.clone(),
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
            print_error(&t.name, e);
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
        let mut client = pg::connect(&d.url)?;
        let schemas: Vec<String> = members
            .iter()
            .map(|&i| version_table(project, &targets[i]).schema)
            .collect();
        let currents = read_currents(&mut client, &project.config.version_table, &schemas)?;
        Ok(schemas
            .iter()
            .map(|s| currents.get(s).cloned().unwrap_or_default())
            .collect())
    };
    let outcomes = by_database(targets, jobs, "current", &work);
    let rows: Vec<Vec<String>> = targets
        .iter()
        .zip(&outcomes)
        .map(|(t, o)| match o {
            Outcome::Done(current, _) => vec![
                t.name.clone(),
                at(current),
                if *current == heads {
                    "at head"
                } else {
                    "not at head"
                }
                .into(),
            ],
            Outcome::Failed(e, _) => vec![
                t.name.clone(),
                "?".into(),
                format!("FAILED: {}", e.lines().next().unwrap_or_default()),
            ],
            Outcome::Skipped => vec![t.name.clone(), String::new(), "skipped".into()],
        })
        .collect();
    print_table(&["TARGET", "CURRENT", "STATE"], &rows);
    report(targets, &outcomes)
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
        let mut client = pg::connect(&d.url)?;
        let read = read_database(project, targets, members, &mut client)?;
        let mut out = Vec::new();
        for (&i, (current, live)) in members.iter().zip(read) {
            let at_head = current == heads;
            let differences = if at_head {
                match model_core::autogenerate::compare_live(
                    &mut client,
                    models,
                    &project.config,
                    live,
                    tenant_map(project, &targets[i]).as_ref(),
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
                        out.push(Err(redact(&format!("{e:#}"))));
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
    let outcomes: Vec<Outcome<Drift>> = by_database(targets, jobs, "check", &work)
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
                    "target": t.name,
                    "schema": t.tenant,
                    "current": d.current,
                    "at_head": d.at_head,
                    "differs_from_models": d.differences.as_ref().map(|x| !x.is_empty()),
                    "differences": d.differences,
                    "error": null,
                }),
                Outcome::Failed(e, _) => serde_json::json!({
                    "target": t.name, "schema": t.tenant, "error": e,
                }),
                Outcome::Skipped => serde_json::json!({
                    "target": t.name, "schema": t.tenant, "error": "skipped",
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
                    t.name.clone(),
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
                    t.name.clone(),
                    "?".into(),
                    format!("FAILED: {}", e.lines().next().unwrap_or_default()),
                ],
                Outcome::Skipped => vec![t.name.clone(), String::new(), "skipped".into()],
            })
            .collect();
        print_table(&["TARGET", "CURRENT", "STATE"], &rows);
    }
    if failed {
        for (t, o) in targets.iter().zip(&outcomes) {
            if let Outcome::Failed(e, _) = o {
                print_error(&t.name, e);
            }
        }
        bail!("check failed on some targets");
    }
    Ok(!drifted)
}

/// The databases of `targets`, in order: each URL once, with the targets it holds.
fn databases(targets: &[Target]) -> Vec<(Target, Vec<usize>)> {
    let mut out: Vec<(Target, Vec<usize>)> = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        match out.iter_mut().find(|(d, _)| d.url == t.url) {
            Some((_, members)) => members.push(i),
            None => out.push((
                Target {
                    url: t.url.clone(),
                    tenant: None,
                    name: redact(&t.url),
                },
                vec![i],
            )),
        }
    }
    out
}

/// What [`by_database`] does on one database: given it and the indexes of its targets, one
/// value for each.
type DatabaseWork<'w, T> = dyn Fn(&Target, &[usize]) -> anyhow::Result<Vec<T>> + Sync + 'w;

/// `work` once per database of `targets` (given the indexes of the targets it holds, and
/// giving one value for each), on the pool with a progress line; the values spread over the
/// targets.
fn by_database<T: Send>(
    targets: &[Target],
    jobs: usize,
    verb: &'static str,
    work: &DatabaseWork<T>,
) -> Vec<Outcome<T>> {
    let units = databases(targets);
    let dbs: Vec<Target> = units.iter().map(|(d, _)| d.clone()).collect();
    let progress = Progress::new(verb, dbs.len());
    let per_database = pool(&dbs, jobs, false, &progress, &|d: &Target| {
        let members = units
            .iter()
            .find(|(u, _)| u.url == d.url)
            .map_or(&[][..], |(_, members)| members);
        work(d, members)
    });
    progress.end();
    per_target(targets, &units, per_database)
}

/// Per-database outcomes (one value per member target) spread over the targets.
fn per_target<T>(
    targets: &[Target],
    units: &[(Target, Vec<usize>)],
    per_database: Vec<Outcome<Vec<T>>>,
) -> Vec<Outcome<T>> {
    let mut slots: Vec<Option<Outcome<T>>> = targets.iter().map(|_| None).collect();
    for ((_, members), outcome) in units.iter().zip(per_database) {
        match outcome {
            Outcome::Done(values, time) => {
                for (&i, value) in members.iter().zip(values) {
                    slots[i] = Some(Outcome::Done(value, time));
                }
            }
            Outcome::Failed(e, time) => {
                for &i in members {
                    slots[i] = Some(Outcome::Failed(e.clone(), time));
                }
            }
            Outcome::Skipped => {}
        }
    }
    slots
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Skipped))
        .collect()
}

/// The heads of the version table `name` in each of `schemas` (empty where it does not
/// exist), in two queries whatever their number.
fn read_currents(
    client: &mut postgres::Client,
    name: &str,
    schemas: &[String],
) -> anyhow::Result<std::collections::HashMap<String, Vec<String>>> {
    use model_core::sql::{quote_ident, quote_literal};
    let existing: Vec<String> = client
        .query_typed(
            "SELECT n.nspname::text FROM pg_catalog.pg_namespace n
             WHERE n.nspname = ANY($1)
               AND pg_catalog.to_regclass(format('%I.%I', n.nspname, $2::text)) IS NOT NULL",
            &[
                (&schemas, postgres::types::Type::TEXT_ARRAY),
                (&name, postgres::types::Type::TEXT),
            ],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out: std::collections::HashMap<String, Vec<String>> =
        schemas.iter().map(|s| (s.clone(), Vec::new())).collect();
    if existing.is_empty() {
        return Ok(out);
    }
    let sql = existing
        .iter()
        .map(|s| {
            format!(
                "SELECT {}::text, version_num::text FROM {}.{}",
                quote_literal(s),
                quote_ident(s),
                quote_ident(name)
            )
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL ");
    for row in client.query_typed(&sql, &[])? {
        let (schema, version): (String, String) = (row.get(0), row.get(1));
        out.entry(schema).or_default().push(version);
    }
    for heads in out.values_mut() {
        heads.sort();
    }
    Ok(out)
}

/// Every target's heads and schema as read (a tenant's in its own schema; see
/// [`template_view`]): one connection and one catalog read per database.
fn read_all(
    project: &Project,
    targets: &[Target],
    jobs: usize,
) -> Vec<Outcome<(Vec<String>, Schema)>> {
    let work = |d: &Target, members: &[usize]| {
        read_database(project, targets, members, &mut pg::connect(&d.url)?)
    };
    by_database(targets, jobs, "reading", &work)
}

/// The heads and schema of each of `members`, targets of the one database `client` is
/// connected to: its tenant schemas read together and split.
fn read_database(
    project: &Project,
    targets: &[Target],
    members: &[usize],
    client: &mut postgres::Client,
) -> anyhow::Result<Vec<(Vec<String>, Schema)>> {
    let tenants: Vec<String> = members
        .iter()
        .filter_map(|&i| targets[i].tenant.clone())
        .collect();
    if tenants.is_empty() {
        let mut current = read_current(client, &project.config.version_table())?;
        current.sort();
        let options = Options {
            schemas: project.config.schemas.clone(),
        };
        let schema = introspect::introspect(client, &options)?;
        return Ok(vec![(current, schema)]);
    }
    let currents = read_currents(client, &project.config.version_table, &tenants)?;
    Ok(read_split(client, &tenants)?
        .into_iter()
        .zip(&tenants)
        .map(|(part, tenant)| (currents.get(tenant).cloned().unwrap_or_default(), part))
        .collect())
}

/// The schemas `tenants` of one database, read in one introspection and split, in order.
fn read_split(client: &mut postgres::Client, tenants: &[String]) -> anyhow::Result<Vec<Schema>> {
    let options = Options {
        schemas: tenants.to_vec(),
    };
    Ok(introspect::introspect(client, &options)?.split(tenants))
}

/// Each tenant target's schema as read (in its own schema): one catalog read per database
/// for all its tenant schemas.
fn read_tenants(targets: &[Target], jobs: usize) -> HashMap<Target, Result<Schema, String>> {
    let tenants: Vec<Target> = targets
        .iter()
        .filter(|t| t.tenant.is_some())
        .cloned()
        .collect();
    let work = |d: &Target, members: &[usize]| {
        let names: Vec<String> = members
            .iter()
            .filter_map(|&i| tenants[i].tenant.clone())
            .collect();
        read_split(&mut pg::connect(&d.url)?, &names)
    };
    let read = by_database(&tenants, jobs, "reading", &work);
    tenants
        .iter()
        .cloned()
        .zip(read)
        .map(|(t, outcome)| {
            let read = match outcome {
                Outcome::Done(schema, _) => Ok(schema),
                Outcome::Failed(e, _) => Err(e),
                Outcome::Skipped => Err("not read".to_string()),
            };
            (t, read)
        })
        .collect()
}

/// The tenant's map from the scripts' schema, for a tenant target.
fn tenant_map(project: &Project, target: &Target) -> Option<SchemaMap> {
    target.tenant.as_ref().map(|tenant| SchemaMap {
        from: project.config.schemas[0].clone(),
        to: tenant.clone(),
    })
}

/// A target's schema as the scripts and models see it (a tenant's moved to the scripts'
/// schema), filtered as the project filters it.
fn template_view(project: &Project, target: &Target, schema: Schema) -> Schema {
    let schema = match tenant_map(project, target) {
        Some(map) => model_core::autogenerate::as_template(schema, &map),
        None => schema,
    };
    project.config.filter(schema)
}

/// A short fingerprint of a schema: equal schemas, equal fingerprints.
fn fingerprint(schema: &Schema) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    format!("{schema:?}").hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// Reads every target, groups them by the fingerprint of their schema, and returns one of
/// them when all are at head and in the same state; otherwise names each target that is not
/// at head or differs from the rest, with its difference, and fails.
fn one_schema<'t>(
    project: &Project,
    targets: &'t [Target],
    jobs: usize,
) -> anyhow::Result<&'t Target> {
    let heads = graph_heads(project);
    let outcomes = read_all(project, targets, jobs);
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut schemas: Vec<Option<Schema>> = Vec::new();
    for (i, (t, o)) in targets.iter().zip(outcomes).enumerate() {
        match o {
            Outcome::Done((current, schema), _) => {
                let schema = template_view(project, t, schema);
                if current != heads {
                    problems.push(format!(
                        "{}: at {}, not at head ({})",
                        t.name,
                        at(&current),
                        at(&heads)
                    ));
                }
                let print = fingerprint(&schema);
                match groups.iter_mut().find(|(f, _)| *f == print) {
                    Some((_, members)) => members.push(i),
                    None => groups.push((print, vec![i])),
                }
                schemas.push(Some(schema));
            }
            Outcome::Failed(e, _) => {
                problems.push(format!(
                    "{}: {}",
                    t.name,
                    e.lines().next().unwrap_or_default()
                ));
                schemas.push(None);
            }
            Outcome::Skipped => schemas.push(None),
        }
    }
    // The largest group is the fleet's state; ties go to the group of the earliest target.
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.1[0].cmp(&b.1[0])));
    for (print, members) in &groups {
        info(
            "fleet",
            format!("{} target(s) share schema {print}", members.len()),
        );
    }
    if let Some((_, main)) = groups.first() {
        let reference = schemas[main[0]].as_ref().expect("read");
        for (_, members) in groups.iter().skip(1) {
            for &i in members {
                let schema = schemas[i].as_ref().expect("read");
                let (plan, _) = diff_with_renames(reference, schema, &[]);
                let differences: Vec<String> =
                    plan.upgrade.iter().map(|op| op.describe()).collect();
                problems.push(format!(
                    "{}: differs from the other {} target(s) ({} change{}): {}",
                    targets[i].name,
                    main.len(),
                    differences.len(),
                    if differences.len() == 1 { "" } else { "s" },
                    differences.join("; ")
                ));
            }
        }
    }
    if !problems.is_empty() {
        for problem in &problems {
            crate::console::warning("fleet", problem);
        }
        bail!(
            "{} target(s) are not in the fleet's state (listed above): no revision written. Bring them in line, or leave them out of the fleet, first.",
            problems.len()
        );
    }
    let first = groups
        .first()
        .map(|(_, m)| m[0])
        .context("no target could be read")?;
    Ok(&targets[first])
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
    let reference_schemas = if schemas.is_empty() && targets.iter().any(|t| t.tenant.is_none()) {
        introspect::user_schemas(&mut pg::connect(to).context("--to")?).context("--to")?
    } else {
        Vec::new()
    };
    // The reference, read once per set of schemas; tenants, once per database.
    let references: Mutex<std::collections::BTreeMap<Vec<String>, Schema>> = Mutex::default();
    let tenants_read = Mutex::new(read_tenants(targets, jobs));
    let progress = Progress::new("diff", targets.len());
    let keep = |mut wanted: Vec<String>| {
        wanted.retain(|s| !exclude_schemas.contains(s));
        wanted
    };
    let work = |t: &Target| -> anyhow::Result<String> {
        let (wanted, mut live) = match tenant_map(project, t) {
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
                let mut client = pg::connect(&t.url)?;
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
        if t.tenant.is_some() {
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
    let outcomes = pool(targets, jobs, false, &progress, &work);
    progress.end();
    let mut plans: Vec<(String, Vec<&str>)> = Vec::new();
    let mut same = 0;
    for (t, o) in targets.iter().zip(&outcomes) {
        if let Outcome::Done(text, _) = o {
            if text.is_empty() {
                same += 1;
            } else {
                match plans.iter_mut().find(|(p, _)| p == text) {
                    Some((_, names)) => names.push(&t.name),
                    None => plans.push((text.clone(), vec![&t.name])),
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
    for (t, o) in targets.iter().zip(&outcomes) {
        if let Outcome::Failed(e, _) = o {
            print_error(&t.name, e);
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
