//! No secret in any output: every form a password can take in a connection string, through
//! every command that can fail on it; and a server that never answers is given up on.

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{binary, Project};

const SECRET: &str = "Sup3rS3cret";

/// Connection strings to a port where nothing listens, each hiding `SECRET` differently.
fn forms() -> Vec<String> {
    vec![
        format!("postgres://me:{SECRET}@127.0.0.1:1/app"),
        format!("postgres://me:{SECRET}@x@127.0.0.1:1/app"),
        format!("postgresql://me@127.0.0.1:1/app?password={SECRET}&sslmode=disable"),
        format!("host=127.0.0.1 port=1 user=me password={SECRET} dbname=app"),
        format!("host=127.0.0.1 port=1 user=me password='{SECRET} x' dbname=app"),
        // Malformed ones too.
        format!("host=127.0.0.1 port=1 password='{SECRET}"),
        format!("postgres://me:{SECRET}@127.0.0.1:notaport/app"),
    ]
}

fn run(project: &Project, args: &[&str], env: Option<&str>) -> (i32, String) {
    let mut command = Command::new(binary());
    command
        .args(["--config", &project.config])
        .args(args)
        .env_remove("DATABASE_URL");
    if let Some(url) = env {
        command.env("DATABASE_URL", url);
    }
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let output = super::finish_within(child, Duration::from_secs(120), args);
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn passwords_never_reach_the_output() {
    let project = Project::new("secrets");
    project.revision("dada00000001", "one", &[], "SELECT 1;", "SELECT 1;");
    let commands: &[&[&str]] = &[
        &["upgrade", "head"],
        &["downgrade", "base"],
        &["current"],
        &["history", "--indicate-current"],
        &["stamp", "head"],
        &["repair", "dada00000001", "--applied"],
    ];
    let mut checked = 0;
    for url in forms() {
        for command in commands {
            // As --url, and as DATABASE_URL.
            let mut with_url = vec!["--url", url.as_str()];
            with_url.extend_from_slice(command);
            for (args, env) in [(with_url.as_slice(), None), (*command, Some(url.as_str()))] {
                let (code, output) = run(&project, args, env);
                assert_eq!(code, 1, "{args:?} {env:?}: {output}");
                assert!(
                    !output.contains(SECRET),
                    "{args:?} with DATABASE_URL {env:?} shows the password:\n{output}"
                );
                assert!(!output.contains("db error: db error"), "{output}");
                checked += 1;
            }
        }
        for args in [
            vec!["diff", "--from", url.as_str(), "--to", url.as_str()],
            vec!["diff", "--from", "host=/nonexistent", "--to", url.as_str()],
        ] {
            let (code, output) = run(&project, &args, None);
            assert_eq!(code, 1, "{args:?}: {output}");
            assert!(!output.contains(SECRET), "{args:?}:\n{output}");
            checked += 1;
        }
    }
    assert_eq!(checked, forms().len() * (commands.len() * 2 + 2));
}

#[test]
fn a_broken_model_toml_does_not_quote_its_database_url() {
    let project = Project::new("secrets-toml");
    let path = std::path::Path::new(&project.config);
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(
        path,
        format!("{text}\ndatabase_url = \"postgres://me:{SECRET}@db/app\" oops\n"),
    )
    .unwrap();
    let (code, output) = run(&project, &["current"], None);
    assert_eq!(code, 1, "{output}");
    assert!(!output.contains(SECRET), "{output}");
    assert!(output.contains("model.toml: line"), "{output}");
}

#[test]
fn a_server_that_never_answers_is_given_up_on() {
    // Accepts the TCP connection, then says nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut sockets = Vec::new();
        for stream in listener.incoming().take(3) {
            sockets.push(stream);
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let project = Project::new("silent-server");
    let url = format!("host=127.0.0.1 port={port} user=me dbname=app connect_timeout=2");
    let started = Instant::now();
    let (code, output) = run(&project, &["--url", &url, "current"], None);
    let took = started.elapsed();
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("no answer within 2s"), "{output}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // Without connect_timeout, PGCONNECT_TIMEOUT (and otherwise a default) applies.
    let url = format!("postgres://me@127.0.0.1:{port}/app");
    let started = Instant::now();
    let output = Command::new(binary())
        .args(["--config", &project.config, "--url", &url, "current"])
        .env("PGCONNECT_TIMEOUT", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no answer within 1s"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(held);
}

#[test]
fn a_refused_connection_says_why_once() {
    let db = model_core::pg::TempDatabase::new().unwrap();
    let project = Project::new("refused-once");
    let url = db.url().replace(db.name(), "no_such_database");
    let (code, output) = run(&project, &["--url", &url, "current"], None);
    assert_eq!(code, 1, "{output}");
    assert_eq!(
        output
            .matches("database \"no_such_database\" does not exist")
            .count(),
        1,
        "{output}"
    );
    assert!(!output.contains("db error"), "{output}");
}
