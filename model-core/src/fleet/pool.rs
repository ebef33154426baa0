//! Work over many targets: a bounded pool of threads, the rollout policies, and work done
//! once per database for all the targets it holds.

use std::fmt::Display;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Outcome, Target};
use crate::pg::redact;

/// How a run goes over its targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How many targets run at once (at least 1).
    pub jobs: usize,
    /// Go on after a target fails (otherwise no new target starts after a failure; the ones
    /// running finish).
    pub keep_going: bool,
    /// Run this many targets first, and the others only if all of them succeed.
    pub canary: Option<usize>,
}

/// What a run tells as it goes (the command line draws a progress line from it).
pub trait Watch: Sync {
    /// `target` started.
    fn started(&self, _target: &Target) {}
    /// `target` finished, well or not, after `elapsed`.
    fn finished(&self, _target: &Target, _ok: bool, _elapsed: Duration) {}
    /// The `canary` first targets all succeeded (`passed`), so the `rest` follow, or not.
    fn canary(&self, _passed: bool, _canary: usize, _rest: usize) {}
}

/// Watching nothing.
impl Watch for () {}

/// Runs `work` on each target, `jobs` at a time, in order of the list. With `stop`, no target
/// starts after one failed. A panic in `work` is that target's failure.
pub fn pool<T: Send, E: Display>(
    targets: &[Target],
    jobs: usize,
    stop: bool,
    watch: &dyn Watch,
    work: &(dyn Fn(&Target) -> Result<T, E> + Sync),
) -> Vec<Outcome<T>> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Outcome<T>>>> =
        Mutex::new((0..targets.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(targets.len()) {
            scope.spawn(|| loop {
                if stop && failed.load(Ordering::SeqCst) {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(target) = targets.get(i) else {
                    return;
                };
                watch.started(target);
                let started = Instant::now();
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(target)));
                let elapsed = started.elapsed();
                let outcome = match result {
                    Ok(Ok(value)) => Outcome::Done(value, elapsed),
                    Ok(Err(e)) => Outcome::Failed(redact(&format!("{e:#}")), elapsed),
                    Err(_) => Outcome::Failed("the run panicked".into(), elapsed),
                };
                if !outcome.is_done() {
                    failed.store(true, Ordering::SeqCst);
                }
                watch.finished(target, outcome.is_done(), elapsed);
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

/// The pool with `policy`: a canary runs its first targets (stopping at a failure), and the
/// rest only when all of them succeeded.
pub fn rollout<T: Send, E: Display>(
    policy: Policy,
    targets: &[Target],
    watch: &dyn Watch,
    work: &(dyn Fn(&Target) -> Result<T, E> + Sync),
) -> Vec<Outcome<T>> {
    let stop = !policy.keep_going;
    let canary = policy.canary.unwrap_or(0).min(targets.len());
    if canary == 0 {
        return pool(targets, policy.jobs, stop, watch, work);
    }
    let mut outcomes = pool(&targets[..canary], policy.jobs, true, watch, work);
    let passed = outcomes.iter().all(Outcome::is_done);
    watch.canary(passed, canary, targets.len() - canary);
    if passed {
        outcomes.extend(pool(&targets[canary..], policy.jobs, stop, watch, work));
    } else {
        outcomes.extend(targets[canary..].iter().map(|_| Outcome::Skipped));
    }
    outcomes
}

/// The databases of `targets`, in order: each URL once, with the targets it holds.
fn databases(targets: &[Target]) -> Vec<(Target, Vec<usize>)> {
    let mut out: Vec<(Target, Vec<usize>)> = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        match out.iter_mut().find(|(d, _)| d.url == t.url) {
            Some((_, members)) => members.push(i),
            None => out.push((Target::database(&t.url), vec![i])),
        }
    }
    out
}

/// What [`by_database`] does on one database: given it and the indexes of its targets, one
/// value for each of them.
pub type DatabaseWork<'w, T, E> = dyn Fn(&Target, &[usize]) -> Result<Vec<T>, E> + Sync + 'w;

/// How many databases `targets` are in (what [`by_database`] reports progress over).
pub fn database_count(targets: &[Target]) -> usize {
    databases(targets).len()
}

/// `work` once per database of `targets` (given the database and the indexes of the targets
/// it holds, and giving one value for each of them), on the pool; the values spread over the
/// targets. A database's failure is each of its targets'.
pub fn by_database<T: Send, E: Display>(
    targets: &[Target],
    jobs: usize,
    watch: &dyn Watch,
    work: &DatabaseWork<T, E>,
) -> Vec<Outcome<T>> {
    let units = databases(targets);
    let dbs: Vec<Target> = units.iter().map(|(d, _)| d.clone()).collect();
    let per_database = pool(&dbs, jobs, false, watch, &|d: &Target| {
        let members = units
            .iter()
            .find(|(u, _)| u.url == d.url)
            .map_or(&[][..], |(_, members)| members);
        work(d, members)
    });
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
