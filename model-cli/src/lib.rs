//! The command line: Alembic's command set over `model-core`.
//!
//! A project hands its gathered models to [`run`] (or [`run_in`]) from a small binary:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     model_cli::run(model_core::ModelSet::registered())
//! }
//! ```
//!
//! Commands that need no models (`upgrade`, `downgrade`, `history`, `diff`, …) work from the
//! `model-cli` binary alone.

mod args;
mod catalog;
mod codegen;
mod commands;
mod console;
mod context;
mod describe;
mod erd;
mod fleet;
mod history;
mod project;
mod renames;

use std::path::Path;
use std::process::ExitCode;

use model_core::{ModelSet, ModelSetError};

pub use args::{Cli, Global};
pub use describe::describe;

use args::{CheckFormat, Command};
use console::{drop_behind, quiet_on_closed_output};

/// Exit status when `check` or `diff` find a difference.
pub const EXIT_DIFFERENT: u8 = 2;

/// Runs the command line with the current directory as the project directory.
pub fn run(models: Result<ModelSet, ModelSetError>) -> ExitCode {
    run_in(Path::new("."), models)
}

/// Runs the command line for the project in `dir` (where model.toml is looked for).
pub fn run_in(dir: impl AsRef<Path>, models: Result<ModelSet, ModelSetError>) -> ExitCode {
    use clap::{CommandFactory as _, FromArgMatches as _};
    // `--version`, `--help` and errors name the program that runs (a project's own
    // `shop-migrate`), not `model-cli`.
    let matches = Cli::command()
        .name(args::program_name())
        .bin_name(args::program_name())
        .get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    run_with(dir.as_ref(), cli, models)
}

/// Runs an already parsed command line.
pub fn run_with(dir: &Path, cli: Cli, models: Result<ModelSet, ModelSetError>) -> ExitCode {
    quiet_on_closed_output();
    console::set_quiet(cli.global.quiet);
    let status = match dispatch(dir, &cli.global, cli.command, &models) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_DIFFERENT),
        Err(error) => {
            // Printable, and no line of it can pass for one of ours.
            eprintln!(
                "ERROR {}",
                model_core::sql::display_block(&format!("{error:#}"))
            );
            ExitCode::FAILURE
        }
    };
    drop_behind(models);
    status
}

/// One dispatcher: a fleet (`--fleet`, `--targets`) and `check --format json` (the fleet's
/// report, of one database) go to the fleet; every other command to `commands`, on the
/// database given, or (`revision --autogenerate` over a fleet) on the one the fleet chose.
fn dispatch(
    dir: &Path,
    global: &Global,
    command: Option<Command>,
    models: &Result<ModelSet, ModelSetError>,
) -> anyhow::Result<bool> {
    let ctx = context::Context::new(dir, global);
    if fleet::requested(&ctx) {
        if let Some(Command::Revision(args::RevisionArgs {
            autogenerate: true, ..
        })) = &command
        {
            return commands::dispatch(&fleet::representative(&ctx)?, command, models);
        }
        return fleet::dispatch(&ctx, command, models);
    }
    if let Some(Command::Check {
        format: CheckFormat::Json,
        ..
    }) = &command
    {
        return fleet::check_one(&ctx, commands::needed(models)?);
    }
    commands::dispatch(&ctx, command, models)
}
