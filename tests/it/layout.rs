//! The project stands alone: nothing it builds, tests or runs reads outside its own tree (a
//! user's clone has nothing beside it; the team's `../shared` is for reading by people).

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && name != ".git" && !name.starts_with(".venv") {
                files(&path, out);
            }
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("rs" | "py" | "sh" | "toml")
        ) || path.parent().is_some_and(|p| p.ends_with(".ci"))
        {
            out.push(path);
        }
    }
}

#[test]
fn nothing_reads_outside_the_clone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut all = Vec::new();
    files(&root, &mut all);
    assert!(all.len() > 50, "{} files", all.len());
    let outside = ["../shared", "..\", \"shared", "\"..\", \"..\", \"shared\""];
    let readers: Vec<String> = all
        .iter()
        .filter(|path| !path.ends_with("tests/it/layout.rs"))
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            outside.iter().any(|o| text.contains(o))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        readers.is_empty(),
        "these files name a path outside the project: {readers:?}"
    );
}
