//! `model-cli` with no models of its own: the commands that need models run with an empty set.
//! A project passes its models by calling `model_cli::run` from its own small binary.

fn main() -> std::process::ExitCode {
    model_cli::run(model_core::ModelSet::registered())
}
