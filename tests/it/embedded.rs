//! Migrations embedded in the program (`embed_migrations!`): the seed example's scripts,
//! applied at startup through the same runner, lock and version table as `model-cli`, which
//! then agrees on what is applied.

use std::path::Path;
use std::process::ExitCode;

use model_core::migrate::EmbeddedMigrations;

use crate::support::fresh_database;
use crate::workflow::run;

static MIGRATIONS: EmbeddedMigrations =
    model_core::embed_migrations!("../examples/ecommerce/migrations");

const IDS: [&str; 3] = ["a0cf7f5d705d", "960969e75871", "6e58a26e5c70"];

#[test]
fn embedded_migrations_agree_with_the_command_line() {
    assert_eq!(MIGRATIONS.scripts().len(), 3);
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    assert_eq!(
        MIGRATIONS.current(&mut client).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(MIGRATIONS.pending(&mut client).unwrap(), IDS);

    // Two applications starting at once: each revision is applied once.
    let url = db.url().to_string();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || MIGRATIONS.upgrade_url(&url, "head"))
        })
        .collect();
    let mut applied: Vec<String> = runs
        .into_iter()
        .flat_map(|r| r.join().unwrap().unwrap_or_else(|e| panic!("{e}")))
        .collect();
    applied.sort();
    let mut all = IDS.map(String::from).to_vec();
    all.sort();
    assert_eq!(applied, all);
    assert_eq!(MIGRATIONS.current(&mut client).unwrap(), ["6e58a26e5c70"]);
    assert!(MIGRATIONS.pending(&mut client).unwrap().is_empty());

    // The command line sees the same state: its checksums match (upgrade verifies them), there
    // is nothing to apply, and the database is at its models.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ecommerce");
    let cli = |args: &[&str]| {
        let mut all = vec!["--url", url.as_str()];
        all.extend_from_slice(args);
        run(&dir, &all, ecommerce::models())
    };
    assert_eq!(cli(&["upgrade", "head"]), ExitCode::SUCCESS);
    assert_eq!(cli(&["check"]), ExitCode::SUCCESS);
    // And what the command line undoes, the program sees undone.
    assert_eq!(cli(&["downgrade", "960969e75871"]), ExitCode::SUCCESS);
    assert_eq!(MIGRATIONS.current(&mut client).unwrap(), ["960969e75871"]);
    assert_eq!(MIGRATIONS.pending(&mut client).unwrap(), ["6e58a26e5c70"]);
    let lock = db.connect().unwrap();
    assert_eq!(
        MIGRATIONS.downgrade(&mut client, lock, "base").unwrap(),
        ["960969e75871", "a0cf7f5d705d"]
    );
    assert_eq!(MIGRATIONS.pending(&mut client).unwrap(), IDS);
}

/// The async face (feature `tokio`) on a multi-threaded tokio runtime, each application in a
/// task of its own (so its future is `Send`), connecting by URL: two applications starting at
/// once apply each revision once.
#[test]
fn two_concurrent_async_upgrades_apply_each_revision_once() {
    let db = fresh_database();
    let url = db.url().to_string();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (a, b) = runtime.block_on(async {
        let (a, b) = (url.clone(), url.clone());
        let first = tokio::spawn(async move { startup::migrate(&a).await });
        let second = tokio::spawn(async move { startup::migrate(&b).await });
        (first.await.unwrap(), second.await.unwrap())
    });
    let mut applied: Vec<String> = a
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .chain(b.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    applied.sort();
    let mut all = IDS.map(String::from).to_vec();
    all.sort();
    assert_eq!(applied, all);
    assert_eq!(
        startup::MIGRATIONS
            .current(&mut db.connect().unwrap())
            .unwrap(),
        ["6e58a26e5c70"]
    );
    let undone = runtime
        .block_on(startup::MIGRATIONS.downgrade_url_async(&url, "base"))
        .unwrap();
    assert_eq!(undone.len(), 3);
}
