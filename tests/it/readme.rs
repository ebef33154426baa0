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

/// GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces as
/// `-`.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings (outside code blocks).
fn anchors(markdown: &str) -> Vec<String> {
    let mut fence = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.starts_with("```") {
            fence = !fence;
        } else if !fence && line.starts_with('#') {
            out.push(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

/// The targets of a Markdown file's links and images (outside code blocks).
fn links(markdown: &str) -> Vec<String> {
    let mut fence = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            if let Some(end) = rest.find(')') {
                out.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    out
}

/// Every link of the README and the guide leads somewhere: a file of this repository, and a
/// heading of it when the link names one.
#[test]
fn every_link_of_the_readme_and_the_guide_resolves() {
    let root = workspace();
    let mut pages = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for link in links(&text) {
            if link.starts_with("http://") || link.starts_with("https://") {
                continue;
            }
            let (file, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            let shown = page.strip_prefix(&root).unwrap().display().to_string();
            if !target.exists() {
                broken.push(format!("{shown}: {link} (no such file)"));
                continue;
            }
            if !fragment.is_empty() {
                let heads = anchors(&std::fs::read_to_string(&target).unwrap_or_default());
                if !heads.iter().any(|h| h == fragment) {
                    broken.push(format!("{shown}: {link} (no such heading)"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(pages.len() >= 10, "the guide's pages: {pages:?}");
}

/// `text` as compared for an excerpt: each line without its `//` comment and its
/// indentation, empty lines left out.
fn code_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split("//").next().unwrap().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Every Rust example a reader meets is compiled: the README's are files of the crate built
/// above (`file=`) or excerpts of a crate of this workspace, checked line for line
/// (`excerpt=`); each page of the guide is a doc test of `tests/lib.rs`.
#[test]
fn every_rust_example_is_compiled_or_quoted_from_compiled_code() {
    let root = workspace();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for (info, body) in blocks(&readme) {
        if !info.starts_with("rust") {
            continue;
        }
        if info.split_whitespace().any(|w| w.starts_with("file=")) {
            continue;
        }
        let source = info
            .split_whitespace()
            .find_map(|w| w.strip_prefix("excerpt="))
            .unwrap_or_else(|| {
                panic!("a README Rust example neither built nor quoted (```{info}):\n{body}")
            });
        let quoted = code_lines(&body);
        let whole = code_lines(&std::fs::read_to_string(root.join(source)).unwrap());
        assert!(
            whole.windows(quoted.len()).any(|w| w == quoted.as_slice()),
            "the README's excerpt of {source} is not in it:\n{body}"
        );
    }
    let doc_tests = std::fs::read_to_string(root.join("tests/lib.rs")).unwrap();
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.ends_with(".md") && name != "ARCHITECTURE.md" {
            assert!(
                doc_tests.contains(&format!("include_str!(\"../docs/{name}\")")),
                "docs/{name} is not compiled as a doc test in tests/lib.rs"
            );
        }
    }
}
