//! The `model-cli` binary, run as a user runs it, against a real PostgreSQL.

use std::process::Command;

use model_core::pg::TempDatabase;

fn model_cli(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_model-cli"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn diff_between_two_databases() {
    let from = TempDatabase::new().unwrap();
    let to = TempDatabase::new().unwrap();
    from.connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (id integer PRIMARY KEY, old text)")
        .unwrap();
    to.connect()
        .unwrap()
        .batch_execute("CREATE TABLE t (id bigint PRIMARY KEY, new text NOT NULL DEFAULT ''); CREATE INDEX t_new ON t (new)")
        .unwrap();

    let (code, stdout, stderr) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("Detected added column 't.new'"), "{stderr}");
    assert!(
        stdout.contains("ALTER TABLE public.t DROP COLUMN old;"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CREATE INDEX t_new ON public.t (new);"),
        "{stdout}"
    );

    // Applying the printed SQL makes the databases equal: the same command then exits 0.
    from.connect().unwrap().batch_execute(&stdout).unwrap();
    let (code, stdout, stderr) = model_cli(&["diff", "--from", from.url(), "--to", to.url()]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert!(stderr.contains("No changes"), "{stderr}");
}

#[test]
fn diff_errors_exit_1_with_a_message() {
    let (code, _, stderr) = model_cli(&[
        "diff",
        "--from",
        "postgres://u@host:notaport/db",
        "--to",
        "x",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--from") && stderr.contains("invalid database URL"),
        "{stderr}"
    );
    let (code, _, stderr) = model_cli(&["diff", "--from"]);
    assert_eq!(code, 2, "clap's usage errors exit 2: {stderr}");
}
