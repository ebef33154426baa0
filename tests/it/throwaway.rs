//! The throwaway server and per-test databases: fresh, isolated, and gone afterwards.

use model_core::pg::{Server, TempDatabase};

use crate::support::{fresh_database, lines};

#[test]
fn each_database_is_fresh_and_dropped_after_use() {
    let server = Server::shared().unwrap();
    let name = {
        let db = fresh_database();
        let mut client = db.connect().unwrap();
        client.batch_execute("CREATE TABLE t (x integer)").unwrap();
        let other = fresh_database();
        let mut other_client = other.connect().unwrap();
        // Another database does not see this one's tables.
        assert_eq!(
            lines(
                &mut other_client,
                "SELECT count(*) FROM pg_class WHERE relname = 't'"
            ),
            ["0"]
        );
        db.name().to_string()
        // `client` is still connected when `db` drops: the drop must end that session.
    };
    let mut admin = server.connect_admin().unwrap();
    let left = admin
        .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .unwrap();
    assert!(left.is_empty(), "database {name} was not dropped");
}

#[test]
fn database_is_dropped_when_the_test_panics() {
    let (sender, receiver) = std::sync::mpsc::channel();
    let outcome = std::thread::spawn(move || {
        let db = fresh_database();
        sender.send(db.name().to_string()).unwrap();
        let _client = db.connect().unwrap();
        panic!("a failing test");
    })
    .join();
    assert!(outcome.is_err(), "the thread panicked");
    let name = receiver.recv().unwrap();
    let mut admin = Server::shared().unwrap().connect_admin().unwrap();
    let left = admin
        .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .unwrap();
    assert!(left.is_empty(), "database {name} survived the panic");
}

#[test]
fn malformed_urls_are_clear_errors() {
    for url in [
        "postgres://user@host:99999999/db",
        "mysql://localhost/db",
        "host='unterminated",
    ] {
        let error = Server::external(url)
            .err()
            .unwrap_or_else(|| panic!("{url} was accepted"));
        assert!(
            error.to_string().starts_with("invalid database URL"),
            "{error}"
        );
    }
    let error = Server::external("postgres://me:secret@127.0.0.1:1/db?connect_timeout=2")
        .unwrap()
        .create_database()
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("could not connect to postgres://me:***@127.0.0.1:1/db"),
        "{error}"
    );
    assert!(error.to_string().contains("Connection refused"), "{error}");
    assert!(!error.to_string().contains("db error: db error"), "{error}");
    assert!(!format!("{error:?}").contains("secret"), "{error:?}");
    assert!(!error.to_string().contains("secret"), "{error}");
}

/// Run as a child process by `cluster_is_removed_when_the_process_exits`: starts a private
/// cluster, prints where it lives, and exits without any cleanup of its own.
#[test]
fn child_starts_a_cluster() {
    if std::env::var_os("MODEL_TEST_CHILD").is_none() {
        return;
    }
    let server = Server::throwaway().unwrap();
    let url = server.url_for("postgres");
    println!("CLUSTER {url}");
    std::process::exit(0);
}

#[test]
fn cluster_is_removed_when_the_process_exits() {
    if std::env::var_os("DATABASE_URL").is_some() {
        // With DATABASE_URL the harness never starts a cluster, but this test starts one in a
        // child regardless, so it still runs.
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "throwaway::child_starts_a_cluster",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MODEL_TEST_CHILD", "1")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("CLUSTER ").map(|(_, rest)| rest))
        .unwrap_or_else(|| {
            panic!(
                "the child did not start a cluster:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let dir = line
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix("host="))
        .unwrap()
        .to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::path::Path::new(&dir).exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "{dir} still exists 20 s after the process ended"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // And nothing listens there any more.
    assert!(postgres::Client::connect(line, postgres::NoTls).is_err());
}

#[test]
fn temp_database_url_works_for_other_clients() {
    let db = TempDatabase::new().unwrap();
    let mut client = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
    assert_eq!(
        lines(&mut client, "SELECT current_database()"),
        [db.name().to_string()]
    );
}

#[test]
fn missing_server_binaries_are_a_clear_error() {
    // Run in a child so the variable does not leak into the other tests' shared server.
    if std::env::var_os("MODEL_TEST_BINDIR_CHILD").is_some() {
        let error = Server::throwaway().expect_err("no server without binaries");
        println!("ERROR {error}");
        std::process::exit(0);
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "throwaway::missing_server_binaries_are_a_clear_error",
            "--nocapture",
        ])
        .env("MODEL_TEST_BINDIR_CHILD", "1")
        .env("MODEL_PG_BINDIR", "/nonexistent/bin")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("ERROR MODEL_PG_BINDIR is `/nonexistent/bin`, but that directory has no `initdb` and `postgres`"),
        "{stdout}"
    );
    let none = model_core::pg::PgError::NoServerBinaries.to_string();
    assert!(
        none.contains("apt-get install postgresql") && none.contains("DATABASE_URL"),
        "{none}"
    );
}
