//! `cargo run -p ecommerce -- <command>`: the seed's project through model-cli, with this
//! crate's directory as the project directory (its model.toml and migrations/).
//!
//! With no command it runs the whole walk-through on a throwaway database.

fn main() -> std::process::ExitCode {
    model_cli::run_in(env!("CARGO_MANIFEST_DIR"), ecommerce::models())
}
