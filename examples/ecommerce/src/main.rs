//! `cargo run -p ecommerce [describe|sql|create]`: the seed's models through the CLI.

fn main() -> std::process::ExitCode {
    model_cli::run(ecommerce::models())
}
