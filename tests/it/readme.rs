//! The README read as a new user reads it: the files of "In your own project" written into a
//! crate of their own beside a clone of this repository, built with no lockfile (so with
//! today's newest compatible dependencies) and without a single warning, and its commands run
//! in order against a database, which ends at the models.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::fresh_database;

/// The README's fenced blocks whose info string names a file (```` ```rust file=my-app/src/lib.rs ````).
pub fn files(markdown: &str) -> Vec<(String, String)> {
    blocks(markdown)
        .into_iter()
        .filter_map(|(info, body)| {
            let file = info
                .split_whitespace()
                .find_map(|w| w.strip_prefix("file="))?;
            Some((file.to_string(), body))
        })
        .collect()
}

/// Every fenced block: its info string and its text.
pub fn blocks(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in markdown.lines() {
        match open.as_mut() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    open = Some((info.trim().to_string(), String::new()));
                }
            }
            Some(_) if line.trim_end() == "```" => out.push(open.take().unwrap()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    assert!(open.is_none(), "an unterminated code block");
    out
}

/// The `cargo run -- ARGS` lines of the blocks marked `sh run`, as argument lists (comments
/// cut, double quotes grouping words).
fn commands(markdown: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (info, body) in blocks(markdown) {
        if info != "sh run" {
            continue;
        }
        for line in body.lines() {
            let line = line.split(" #").next().unwrap().trim();
            let rest = line
                .strip_prefix("cargo run -- ")
                .unwrap_or_else(|| panic!("a `sh run` line that is not `cargo run -- …`: {line}"));
            out.push(words(rest));
        }
    }
    out
}

fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// A directory removed when the test ends, also when it panics.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

#[test]
fn a_crate_written_from_the_readme_runs_the_loop() {
    let root = workspace();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let files = files(&readme);
    let names: Vec<&str> = files.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        names,
        [
            "my-app/Cargo.toml",
            "my-app/src/lib.rs",
            "my-app/src/main.rs"
        ],
        "the README's own-project files"
    );
    let commands = commands(&readme);
    assert!(
        commands.len() >= 4,
        "the README's own-project commands: {commands:?}"
    );

    // A clone beside the user's crate, as the README's path dependencies expect.
    let scratch =
        Scratch(std::env::temp_dir().join(format!("model-readme-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&scratch.0);
    std::fs::create_dir_all(&scratch.0).unwrap();
    std::os::unix::fs::symlink(&root, scratch.0.join("model-migrate")).unwrap();
    for (file, text) in &files {
        let path = scratch.0.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let app = scratch.0.join("my-app");
    assert!(!app.join("Cargo.lock").exists());

    // Built apart from the workspace's own artifacts (kept between runs, to build faster).
    let target = root.join("target/readme-crate");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(&cargo)
        .args(["build", "--color", "never"])
        .current_dir(&app)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&build.stderr);
    assert!(
        build.status.success(),
        "the README's crate does not build:\n{log}"
    );
    let warnings: Vec<&str> = log.lines().filter(|l| l.starts_with("warning")).collect();
    assert!(
        warnings.is_empty(),
        "the README's crate builds with warnings:\n{log}"
    );

    let db = fresh_database();
    let binary = target.join("debug/my-app");
    for args in &commands {
        let run = Command::new(&binary)
            .args(args)
            .current_dir(&app)
            .env("DATABASE_URL", db.url())
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "`cargo run -- {}` failed:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    // The database holds the README's tables, and the revision written is in migrations/.
    let mut client = db.connect().unwrap();
    let tables: Vec<String> = client
        .query(
            "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname NOT LIKE 'model\\_version%' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, ["authors", "posts"]);
    let scripts = std::fs::read_dir(app.join("migrations")).unwrap().count();
    assert_eq!(scripts, 1, "one revision written");
}
