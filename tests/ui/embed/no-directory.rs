static MIGRATIONS: model_core::migrate::EmbeddedMigrations =
    model_core::embed_migrations!("no/such/directory");

fn main() {
    let _ = &MIGRATIONS;
}
