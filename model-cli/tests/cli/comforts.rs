//! What an Alembic user expects of the command line: `-v` echoes the SQL as it runs, `-q`
//! keeps only warnings and errors, `current` at base says so, `revision --autogenerate`
//! with nothing to do writes nothing unless `--allow-empty`, `edit` opens `$EDITOR`, and
//! `completions` prints a shell's completion script.

use std::process::Command;

use model_core::pg::TempDatabase;

use super::{binary, Project};

/// The binary with `env` set (and `EDITOR`/`VISUAL` only as given).
fn run_with_env(project: &Project, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(binary());
    command
        .args(["--config", &project.config])
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("EDITOR")
        .env_remove("VISUAL");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn verbose_quiet_and_current_at_base() {
    let project = Project::new("comforts-output");
    let db = TempDatabase::new().unwrap();
    project.revision(
        "cfcf00000001",
        "two tables",
        &[],
        "CREATE TABLE t (id integer);\nCREATE TABLE u (\n    id integer\n);",
        "DROP TABLE u;\nDROP TABLE t;",
    );
    let (code, stdout, stderr) = project.run(Some(&db), &["current"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("at base: no revision is applied"),
        "{stderr}"
    );

    let (code, _, stderr) = project.run(Some(&db), &["-v", "upgrade", "head"]);
    assert_eq!(code, 0, "{stderr}");
    let file = std::fs::read_to_string(project.file("cfcf00000001")).unwrap();
    let line = file.lines().position(|l| l == "CREATE TABLE u (").unwrap() + 1;
    assert!(
        stderr.contains(&format!(
            "INFO  [model.migrate] line {line}: CREATE TABLE u ("
        )) && stderr.contains("INFO  [model.migrate]         id integer"),
        "{stderr}"
    );
    // `-v` after the subcommand works too; `current -v` shows the whole header.
    let (code, stdout, _) = project.run(Some(&db), &["current", "-v"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Rev: cfcf00000001 (head)"), "{stdout}");

    let (code, _, stderr) = project.run(Some(&db), &["-q", "downgrade", "base"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("INFO"), "{stderr}");
    let (code, _, stderr) = project.run(Some(&db), &["-q", "upgrade", "nowhere"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("ERROR"), "{stderr}");
    let (code, _, stderr) = project.run(Some(&db), &["-q", "-v", "current"]);
    assert_eq!(code, 2, "clap refuses both: {stderr}");
}

#[test]
fn edit_opens_the_editor_and_checks_what_it_wrote() {
    let project = Project::new("comforts-edit");
    let path = project.revision("cfcf00000003", "to edit", &[], "SELECT 1;", "SELECT 2;");
    let (code, _, stderr) = run_with_env(&project, &[], &["edit", "cfcf"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("$EDITOR"), "{stderr}");
    // The editor runs through the shell, with the file as its last argument.
    let (code, _, stderr) = run_with_env(
        &project,
        &[("EDITOR", "sed -i s/SELECT.1/SELECT_42/")],
        &["edit", "head"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("SELECT_42;"));
    // VISUAL wins over EDITOR; an edit that breaks the script is said at once.
    let (code, _, stderr) = run_with_env(
        &project,
        &[
            ("VISUAL", "sed -i s/migrate:downgrade/gone/"),
            ("EDITOR", "true"),
        ],
        &["edit", "cfcf00000003"],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("does not parse"), "{stderr}");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("-- gone", "-- migrate:downgrade")).unwrap();
    let (code, _, stderr) =
        run_with_env(&project, &[("EDITOR", "false")], &["edit", "cfcf00000003"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("exited with"), "{stderr}");
}

#[test]
fn completions_for_each_shell() {
    let project = Project::new("comforts-completions");
    let (code, bash, stderr) = run_with_env(&project, &[], &["completions", "bash"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        bash.contains("model-cli") && bash.contains("upgrade") && bash.contains("--autogenerate")
    );
    let script = project.dir.join("completions.bash");
    std::fs::write(&script, &bash).unwrap();
    let checked = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    for shell in ["zsh", "fish"] {
        let (code, text, stderr) = run_with_env(&project, &[], &["completions", shell]);
        assert_eq!(code, 0, "{stderr}");
        assert!(text.contains("downgrade"), "{shell}: {text}");
    }
    let (code, _, stderr) = run_with_env(&project, &[], &["completions", "tcsh"]);
    assert_eq!(code, 2, "{stderr}");
}
