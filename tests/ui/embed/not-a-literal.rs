static MIGRATIONS: model_core::migrate::EmbeddedMigrations =
    model_core::embed_migrations!(migrations);

fn main() {
    let _ = &MIGRATIONS;
}
