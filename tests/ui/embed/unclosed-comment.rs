// Paths are relative to the Cargo.toml of the crate being built: trybuild builds these files
// in target/tests/trybuild/model-tests, four levels below the workspace.
static MIGRATIONS: model_core::migrate::EmbeddedMigrations =
    model_core::embed_migrations!("../../../../tests/ui/embed/fixtures/unclosed-comment");

fn main() {
    let _ = &MIGRATIONS;
}
