//! The command line's words: clap's definitions of the global options and the commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The name of the program that runs: the file name it was started as (a project's own
/// binary, `shop-migrate`), else `model-cli`.
pub(crate) fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|a| {
            std::path::Path::new(&a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "model-cli".into())
}

/// Schema migrations for #[derive(Model)] structs and PostgreSQL.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Clone, Args, Default)]
pub struct Global {
    /// The project file [default: model.toml in the project directory].
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// The database URL, overriding model.toml and DATABASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) url: Option<String>,
    /// A named database from model.toml's [environments].
    #[arg(long = "env", global = true, value_name = "NAME")]
    pub(crate) env: Option<String>,
    /// How long a run waits for another run's migration lock before giving up [default:
    /// model.toml's lock_wait_seconds, else 60].
    #[arg(long, global = true, value_name = "SECONDS")]
    pub(crate) lock_wait: Option<f64>,
    /// More output: the SQL of each statement as it runs (upgrade, downgrade); every header
    /// field (current, history, heads, branches).
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    /// Less output: warnings and errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Run upgrade, downgrade, current, check, diff --to or revision --autogenerate on every
    /// target of this fleet of model.toml ([fleets.NAME]: databases, and tenant schemas in
    /// them).
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) fleet: Option<String>,
    /// Run upgrade, downgrade, current, check, diff --to or revision --autogenerate on every
    /// database of FILE (one connection URL a line, # comments).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) targets: Option<PathBuf>,
    /// With a fleet: how many targets run at once [default: the fleet's jobs, else 4].
    #[arg(long, global = true, value_name = "N")]
    pub(crate) jobs: Option<usize>,
    /// With a fleet: run K targets first, and the others only if all K succeed.
    #[arg(long, global = true, value_name = "K")]
    pub(crate) canary: Option<usize>,
    /// With a fleet: go on after a target fails [default: start no new target after a
    /// failure].
    #[arg(long, global = true)]
    pub(crate) keep_going: bool,
}

/// `database create|drop|reset`.
#[derive(Debug, Subcommand)]
pub(crate) enum DatabaseAction {
    /// Create the database the URL names, if it does not exist.
    Create,
    /// Drop the database the URL names (refused on a protected database).
    Drop {
        /// Do not ask (needed without a terminal).
        #[arg(short, long)]
        yes: bool,
        /// End the sessions still connected to it first (PostgreSQL's `WITH (FORCE)`).
        #[arg(long)]
        force: bool,
    },
    /// Drop the database, create it again and apply every revision (refused on a protected
    /// database).
    Reset {
        /// Do not ask (needed without a terminal).
        #[arg(short, long)]
        yes: bool,
        /// End the sessions still connected to it first (PostgreSQL's `WITH (FORCE)`).
        #[arg(long)]
        force: bool,
    },
}

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub(crate) enum CheckFormat {
    /// Operations (one database) or a table (a fleet).
    #[default]
    Text,
    /// One JSON document: each target's heads, whether it is at head, and its differences
    /// from the models.
    Json,
}

/// `erd --format`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum ErdFormat {
    Mermaid,
    Dot,
    Svg,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create model.toml and the versions directory.
    Init {
        /// Where [default: the project directory].
        directory: Option<PathBuf>,
    },
    /// Create a revision script, empty or (--autogenerate) from the models' difference with
    /// the database.
    Revision(RevisionArgs),
    /// Apply revisions up to TARGET.
    Upgrade {
        /// head, heads, a revision id or prefix, label@head, +N; with --sql, FROM:TO.
        #[arg(default_value = "head")]
        target: String,
        /// Print the SQL instead of running it (no database needed).
        #[arg(long)]
        sql: bool,
        /// With --sql: the PostgreSQL the script is for (14 to 18), said in its header;
        /// default: `postgres_version` in model.toml.
        #[arg(long, value_name = "VERSION", requires = "sql")]
        postgres_version: Option<String>,
        /// Run all revisions in one transaction instead of one each.
        #[arg(long)]
        single_transaction: bool,
        /// Run statements that destroy data on a protected database (`protected = true`).
        #[arg(long)]
        allow_destructive: bool,
    },
    /// Revert revisions down to TARGET.
    Downgrade {
        /// base, a revision id or prefix, -N; with --sql, FROM:TO.
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// Print the SQL instead of running it (no database needed).
        #[arg(long)]
        sql: bool,
        /// With --sql: the PostgreSQL the script is for (14 to 18), said in its header;
        /// default: `postgres_version` in model.toml.
        #[arg(long, value_name = "VERSION", requires = "sql")]
        postgres_version: Option<String>,
        /// Run all revisions in one transaction instead of one each.
        #[arg(long)]
        single_transaction: bool,
        /// Run statements that destroy data on a protected database (`protected = true`);
        /// on a terminal, also skips the question asked before a destructive downgrade.
        #[arg(long)]
        allow_destructive: bool,
    },
    /// Create, drop or reset the database the project is configured for (sqlx's `database`).
    Database {
        #[command(subcommand)]
        action: DatabaseAction,
    },
    /// Show the revisions the database is at.
    Current,
    /// Revert the revision the database is at and apply it again (for iterating on one
    /// revision's script; Diesel's `migration redo`).
    Redo {
        /// Run statements that destroy data on a protected database (`protected = true`);
        /// on a terminal, also skips the question asked before a destructive downgrade.
        #[arg(long)]
        allow_destructive: bool,
    },
    /// List revisions, newest first.
    History {
        /// FROM:TO, each base, head(s), current or a revision.
        #[arg(short = 'r', long = "rev-range", value_name = "RANGE")]
        range: Option<String>,
        /// Mark the revisions the database is at.
        #[arg(short = 'i', long)]
        indicate_current: bool,
    },
    /// Show the heads.
    Heads,
    /// Show branch points.
    Branches,
    /// Show one revision.
    Show {
        /// A revision id or prefix, head, or base.
        rev: String,
    },
    /// Open a revision script in $VISUAL or $EDITOR.
    Edit {
        /// A revision id or prefix, head, or label@head.
        #[arg(default_value = "head")]
        rev: String,
    },
    /// Print a shell completion script: `model-cli completions bash > /etc/bash_completion.d/model-cli`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Mark the database protected (what `protected = true` in model.toml does on the first
    /// run): every later run refuses what it cannot show to keep every row, unless given
    /// --allow-destructive, however it reaches the database.
    Protect {
        /// Take the mark away: the database is protected only where model.toml says so.
        #[arg(long)]
        remove: bool,
    },
    /// Record a revision as current without running anything.
    Stamp {
        /// The revision (or head, heads, base).
        rev: String,
        /// Clear the version table first.
        #[arg(long)]
        purge: bool,
    },
    /// Settle a revision that a failed or killed run left partially applied (it ran outside a
    /// transaction), or accept a script edited after it was applied.
    #[command(group(clap::ArgGroup::new("action").required(true)))]
    Repair {
        /// The revision (an id or prefix).
        rev: String,
        /// The part was finished by hand: record the revision as upgraded (or downgraded).
        #[arg(long, group = "action")]
        applied: bool,
        /// The part was undone by hand: forget the partial run.
        #[arg(long, group = "action")]
        undone: bool,
        /// The first N statements took effect: the next run resumes after them.
        #[arg(long, group = "action", value_name = "N")]
        statements_done: Option<usize>,
        /// The applied script was edited and the database matches the edit: record the new
        /// checksum, nothing else.
        #[arg(long, group = "action")]
        accept_edit: bool,
    },
    /// Create a revision that merges several heads.
    Merge {
        #[arg(short, long)]
        message: String,
        /// The revisions to merge [default: all heads].
        revisions: Vec<String>,
        #[arg(long, value_name = "ID")]
        rev_id: Option<String>,
    },
    /// Exit 2 and list the operations if the models differ from the database; 0 otherwise.
    Check {
        /// Fail (exit 1) when the database holds objects the engine does not model.
        #[arg(long)]
        strict: bool,
        /// Fail (exit 1) when a change would still rewrite or scan a table in use under
        /// ACCESS EXCLUSIVE in an online revision (also `online = true` in model.toml).
        #[arg(long)]
        online: bool,
        /// text, or json (for CI: every target's heads and differences).
        #[arg(long, value_enum, default_value = "text")]
        format: CheckFormat,
    },
    /// Print the SQL that turns database FROM into database TO (needs no models). With
    /// --fleet or --targets instead of --from: each target against TO, each distinct plan
    /// printed once with the targets it is for.
    ///
    /// Exit status: 0 when the schemas are the same, 2 when they differ, 1 on error.
    Diff {
        /// Connection URL of the database to migrate (postgres://… or key=value).
        #[arg(long, value_name = "URL")]
        from: Option<String>,
        /// Connection URL of the database whose schema is the target.
        #[arg(long, value_name = "URL")]
        to: String,
        /// Schemas to compare (repeat for several) [default: every schema of either database
        /// but PostgreSQL's own and extensions'].
        #[arg(long = "schema", value_name = "NAME")]
        schemas: Vec<String>,
        /// Schemas to leave out (repeat for several).
        #[arg(long = "exclude-schema", value_name = "NAME")]
        exclude_schemas: Vec<String>,
        /// Also print the downgrade (TO back to FROM).
        #[arg(long)]
        with_downgrade: bool,
        /// Refuse (exit 1) when either database holds objects the engine does not model.
        #[arg(long)]
        strict: bool,
        /// Leave object owners out (databases whose objects different roles own).
        #[arg(long)]
        ignore_owners: bool,
        /// Prove the plan first on a schema-only copy of --from: the upgrade must give --to's
        /// schema and the downgrade --from's; print nothing otherwise.
        #[arg(long)]
        verify: bool,
        /// Print the online form of the upgrade (see `revision --online`); run it statement
        /// by statement, as psql does, not in one transaction.
        #[arg(long)]
        online: bool,
    },
    /// Write Rust models for a database's tables (--url, or the project's database).
    Codegen {
        /// The schemas to read (repeat for several) [default: model.toml's schemas, else
        /// public].
        #[arg(long = "schema", value_name = "NAME")]
        schemas: Vec<String>,
        /// Write to this file instead of stdout.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Draw the tables and their relationships (from the models, or a database).
    Erd {
        /// mermaid, dot (Graphviz) or svg (drawn here, no Graphviz needed).
        #[arg(long, value_enum, default_value = "mermaid")]
        format: ErdFormat,
        /// Draw this database's tables instead of the models'.
        #[arg(long, value_name = "URL")]
        from_db: Option<String>,
        /// With --from-db: the schemas to draw (repeat for several) [default: every user
        /// schema].
        #[arg(long = "schema", value_name = "NAME")]
        schemas: Vec<String>,
        /// Only key columns (primary and foreign): for large schemas.
        #[arg(long)]
        keys_only: bool,
        /// Write to this file instead of stdout.
        #[arg(short, long, value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// Print the tables, columns, constraints and relationships the models declare.
    Describe,
    /// Print the SQL that creates the models' schema in an empty database.
    Sql,
    /// Create the models' schema in a fresh database and print what PostgreSQL made of it.
    Create,
    /// The walk-through on a throwaway database: upgrade head, current, history, downgrade
    /// base, upgrade head again, check.
    Demo,
}

/// `revision`'s options.
#[derive(Debug, Clone, Args)]
pub struct RevisionArgs {
    /// The message; also names the file.
    #[arg(short, long)]
    pub message: String,
    /// Compare the models with the database and write the operations.
    #[arg(long)]
    pub autogenerate: bool,
    /// Use this id instead of a random one.
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
    /// The revision to build on (default: the single head).
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// A label for the branch this revision starts.
    #[arg(long, value_name = "LABEL")]
    pub branch_label: Vec<String>,
    /// Revisions that must be applied before this one without being its parent.
    #[arg(long, value_name = "REV")]
    pub depends_on: Vec<String>,
    /// Allow --head to name a revision that is not a head (starting a branch).
    #[arg(long)]
    pub splice: bool,
    /// With --autogenerate: refuse when the database holds objects the engine does not
    /// model (they are always named as warnings).
    #[arg(long)]
    pub strict: bool,
    /// With --autogenerate: write the plan without first proving it on a schema-only
    /// copy of the database (the upgrade must give the models, the downgrade the start).
    #[arg(long)]
    pub no_verify: bool,
    /// With --autogenerate: write the online form (indexes built CONCURRENTLY, keys and
    /// checks added NOT VALID then validated, NOT NULL through a validated check), in
    /// steps that each commit (also `online = true` in model.toml).
    #[arg(long)]
    pub online: bool,
    /// With --autogenerate: take every rename candidate (something dropped while something
    /// alike is added) as a rename, the best match for each, without asking.
    #[arg(long, conflicts_with = "assume_dropped")]
    pub assume_renamed: bool,
    /// With --autogenerate: take every rename candidate as a drop and an add, without
    /// asking (the dropped data is lost).
    #[arg(long)]
    pub assume_dropped: bool,
    /// With --autogenerate: write an empty revision when the models and the database
    /// agree (otherwise nothing is written).
    #[arg(long)]
    pub allow_empty: bool,
    /// With --autogenerate: write a plan that drops every table of the database, or a
    /// table holding rows that no revision of the project created (refused otherwise:
    /// the models may be missing them).
    #[arg(long)]
    pub drop_undeclared: bool,
}
