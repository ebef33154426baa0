//! `DATABASE_URL=postgres://… cargo run -p startup`: upgrades the database, then would serve.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("set DATABASE_URL to the database to bring up to date");
        return ExitCode::FAILURE;
    };
    match startup::migrate(&url).await {
        Ok(applied) if applied.is_empty() => println!("database up to date"),
        Ok(applied) => println!("applied {}", applied.join(", ")),
        Err(e) => {
            eprintln!("migrations failed: {e}");
            return ExitCode::FAILURE;
        }
    }
    // … the application would start serving here.
    ExitCode::SUCCESS
}
