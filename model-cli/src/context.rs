//! What one run of the command line was asked for, built once from clap's global options:
//! the project, the database (and in it, the tenant schema a fleet chose), how long to wait
//! for the migration lock, how much to say, and the fleet to run over. Every command takes
//! this, never the options themselves.

use std::path::{Path, PathBuf};

use model_core::fleet::{Policy, Source, Target, DEFAULT_JOBS};

use crate::args::Global;

/// One run's settings (see the module).
#[derive(Debug, Clone)]
pub struct Context {
    /// The project directory (model.toml is looked for there).
    pub dir: PathBuf,
    /// `--config`: model.toml elsewhere.
    pub config: Option<PathBuf>,
    /// `--url`: the database, over model.toml and DATABASE_URL.
    pub url: Option<String>,
    /// `--env`: a named database of model.toml.
    pub env: Option<String>,
    /// The tenant schema of the database the command works on, read as the scripts' schema
    /// (set when a fleet of tenants writes its revision against one of them).
    pub tenant: Option<String>,
    /// `--lock-wait` in seconds.
    pub lock_wait: Option<f64>,
    /// `-v`.
    pub verbose: bool,
    /// `--fleet`, `--targets`.
    pub fleet: Source,
    /// `--jobs` (else the fleet's, else [`DEFAULT_JOBS`]).
    pub jobs: Option<usize>,
    /// `--canary`.
    pub canary: Option<usize>,
    /// `--keep-going`.
    pub keep_going: bool,
}

impl Context {
    /// The run's settings from the global options, for the project in `dir`.
    pub fn new(dir: &Path, global: &Global) -> Context {
        Context {
            dir: dir.to_path_buf(),
            config: global.config.clone(),
            url: global.url.clone(),
            env: global.env.clone(),
            tenant: None,
            lock_wait: global.lock_wait,
            verbose: global.verbose,
            fleet: Source {
                file: global.targets.clone(),
                fleet: global.fleet.clone(),
            },
            jobs: global.jobs,
            canary: global.canary,
            keep_going: global.keep_going,
        }
    }

    /// The same run on one database (`url`), not a fleet: the demo's throwaway database, or
    /// the target a fleet chose (a tenant's schema of it, for a tenant).
    pub fn on(&self, url: &str, tenant: Option<&str>) -> Context {
        Context {
            url: Some(url.to_string()),
            env: None,
            tenant: tenant.map(str::to_string),
            fleet: Source::default(),
            ..self.clone()
        }
    }

    /// [`Self::on`] the fleet's `target`.
    pub fn on_target(&self, target: &Target) -> Context {
        self.on(target.url(), target.tenant_schema())
    }

    /// How a fleet run goes: `--jobs` (else `fleet_jobs`, the fleet's setting, else 4),
    /// `--canary`, `--keep-going`.
    pub fn policy(&self, fleet_jobs: Option<usize>) -> Policy {
        Policy {
            jobs: self
                .jobs
                .or(fleet_jobs)
                .unwrap_or(DEFAULT_JOBS)
                .clamp(1, 256),
            keep_going: self.keep_going,
            canary: self.canary,
        }
    }
}
