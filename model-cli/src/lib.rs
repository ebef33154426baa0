//! The command line. A project hands its gathered models to [`run`] from a small binary:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     model_cli::run(model_core::ModelSet::registered())
//! }
//! ```

mod catalog;

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use model_core::pg::Server;
use model_core::schema::Schema;
use model_core::{diff, introspect, render, ModelSet, ModelSetError, RelationshipKind};

/// Commands for a project's models.
#[derive(Debug, Parser)]
#[command(about = "Schema tools for #[derive(Model)] structs", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the tables, columns, constraints and relationships the models declare.
    Describe,
    /// Print the SQL that creates the models' schema in an empty database.
    Sql,
    /// Create the schema in a fresh database and print what PostgreSQL made of it.
    ///
    /// The database is made on the server DATABASE_URL names, or on a throwaway server started
    /// for this command when DATABASE_URL is not set; it is dropped afterwards.
    Create,
    /// Print the SQL that turns database FROM into database TO (needs no models).
    ///
    /// Exit status: 0 when the schemas are the same, 2 when they differ, 1 on error.
    Diff {
        /// Connection URL of the database to migrate (postgres://… or key=value).
        #[arg(long, value_name = "URL")]
        from: String,
        /// Connection URL of the database whose schema is the target.
        #[arg(long, value_name = "URL")]
        to: String,
        /// Schemas to compare (repeat for several).
        #[arg(long = "schema", value_name = "NAME", default_value = "public")]
        schemas: Vec<String>,
        /// Also print the downgrade (TO back to FROM).
        #[arg(long)]
        with_downgrade: bool,
    },
}

/// Exit status when `diff` or `check` find a difference.
pub const EXIT_DIFFERENT: u8 = 2;

/// Parses the process arguments and runs the command. With no command: describe, print the
/// SQL, and create it.
pub fn run(models: Result<ModelSet, ModelSetError>) -> ExitCode {
    run_with(Cli::parse(), models)
}

/// Runs an already parsed command line.
pub fn run_with(cli: Cli, models: Result<ModelSet, ModelSetError>) -> ExitCode {
    // Commands that need no models run even when the models do not gather.
    if let Some(Command::Diff {
        from,
        to,
        schemas,
        with_downgrade,
    }) = &cli.command
    {
        return match diff_databases(from, to, schemas, *with_downgrade) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(EXIT_DIFFERENT),
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let result = models
        .map_err(anyhow::Error::from)
        .and_then(|models| match cli.command {
            Some(Command::Describe) => {
                print!("{}", describe(&models));
                Ok(())
            }
            Some(Command::Sql) => {
                print!("{}", render::create_schema(models.schema()));
                Ok(())
            }
            Some(Command::Create) => create(models.schema()),
            Some(Command::Diff { .. }) => unreachable!("handled above"),
            None => {
                println!("-- The models --\n\n{}", describe(&models));
                println!(
                    "-- The SQL that creates them --\n\n{}",
                    render::create_schema(models.schema())
                );
                create(models.schema())
            }
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A readable summary of the models: tables with their columns and constraints, then the
/// relationships with the path each takes through the schema.
pub fn describe(models: &ModelSet) -> String {
    let mut out = String::new();
    for table in &models.schema().tables {
        out.push_str(&format!("table {}\n", table.name));
        for column in &table.columns {
            let mut line = format!("  {} {}", column.name, column.ty);
            if !column.nullable {
                line.push_str(" not null");
            }
            if let Some(default) = &column.default {
                line.push_str(&format!(" default {default}"));
            }
            if let Some(identity) = &column.identity {
                line.push_str(&format!(
                    " {}",
                    render::identity_clause(identity).to_lowercase()
                ));
            }
            out.push_str(&line);
            out.push('\n');
        }
        if let Some(pk) = &table.primary_key {
            out.push_str(&format!(
                "  primary key {} ({})\n",
                pk.name,
                pk.columns.join(", ")
            ));
        }
        for fk in &table.foreign_keys {
            out.push_str(&format!(
                "  foreign key {} ({}) -> {} ({}) on delete {}\n",
                fk.name,
                fk.columns.join(", "),
                fk.references,
                fk.referenced_columns.join(", "),
                fk.on_delete.sql().to_lowercase()
            ));
        }
        for unique in &table.uniques {
            out.push_str(&format!(
                "  unique {} ({})\n",
                unique.name,
                unique.columns.join(", ")
            ));
        }
        for check in &table.checks {
            out.push_str(&format!("  check {} ({})\n", check.name, check.expression));
        }
        for index in &table.indexes {
            let keys: Vec<String> = index.keys.iter().map(render::index_key).collect();
            out.push_str(&format!("  index {} ({})\n", index.name, keys.join(", ")));
        }
    }
    if !models.relationships().is_empty() {
        out.push_str("\nrelationships (ORM only: they create nothing in the database)\n");
    }
    for rel in models.relationships() {
        let path = match &rel.kind {
            RelationshipKind::ManyToOne { foreign_key } => format!("many-to-one via {foreign_key}"),
            RelationshipKind::OneToMany { foreign_key } => format!("one-to-many via {foreign_key}"),
            RelationshipKind::ManyToMany { secondary } => {
                format!("many-to-many through {secondary}")
            }
        };
        let back = rel
            .back_populates
            .map(|b| format!(", back_populates {}.{b}", rel.target))
            .unwrap_or_default();
        let cascade = rel.cascade.names().join(", ");
        out.push_str(&format!(
            "  {}.{} -> {}: {path}{back}; cascade {cascade}\n",
            rel.model, rel.field, rel.target
        ));
    }
    out
}

/// Prints the upgrade from `from` to `to`; returns whether they were the same.
fn diff_databases(
    from: &str,
    to: &str,
    schemas: &[String],
    with_downgrade: bool,
) -> anyhow::Result<bool> {
    let options = introspect::Options {
        schemas: schemas.to_vec(),
    };
    let read = |url: &str, side: &str| -> anyhow::Result<Schema> {
        let mut client = model_core::pg::connect(url).with_context(|| format!("--{side}"))?;
        Ok(introspect::introspect(&mut client, &options).with_context(|| format!("--{side}"))?)
    };
    let (from, to) = (read(from, "from")?, read(to, "to")?);
    let plan = diff::diff(&from, &to);
    if plan.is_empty() {
        eprintln!("No changes: the schemas are the same.");
        return Ok(true);
    }
    for op in &plan.upgrade {
        eprintln!("Detected {}", op.describe());
    }
    print!("{}", render::script(&plan.upgrade));
    if with_downgrade {
        print!("\n-- downgrade\n\n{}", render::script(&plan.downgrade));
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
