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
        ) || path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|p| p == ".ci")
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

/// The rooms of one crate, bottom first, as `docs/ARCHITECTURE.md` lists them in its `rooms`
/// block: a room may import the rooms of the layers below its own, never its own layer's
/// other rooms or those above.
struct Crate {
    src: String,
    layers: Vec<Vec<String>>,
    /// Other crates re-exported at the root under a name (`pub use model_revision as
    /// revision`): importing them imports nothing of this crate.
    external: Vec<String>,
}

/// The `rooms` block of `docs/ARCHITECTURE.md`: `[path/to/src]` starts a crate; each line after
/// it is a layer, the lowest first, or `extern NAME…` (other crates re-exported at the root);
/// `#` starts a comment.
fn rooms(architecture: &str) -> Vec<Crate> {
    let block = architecture
        .split("```rooms\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/ARCHITECTURE.md has a ```rooms block");
    let mut crates: Vec<Crate> = Vec::new();
    for line in block.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(src) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            crates.push(Crate {
                src: src.to_string(),
                layers: Vec::new(),
                external: Vec::new(),
            });
        } else if let Some(names) = line.strip_prefix("extern ") {
            let krate = crates.last_mut().expect("extern after a [crate] line");
            krate
                .external
                .extend(names.split_whitespace().map(str::to_string));
        } else {
            let names = line.split_whitespace().map(str::to_string).collect();
            crates
                .last_mut()
                .expect("a layer after a [crate] line")
                .layers
                .push(names);
        }
    }
    crates
}

/// The rooms a file's code names: `crate::room` (and each `room` of `use crate::{a, b::c}`). A
/// name that is not a room is an item of the crate root, `lib`. `$crate::` (a macro's own path)
/// is not an import.
fn imports(code: &str, room_names: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let room_of = |name: &str| {
        if room_names.iter().any(|r| r == name) {
            name.to_string()
        } else {
            "lib".to_string()
        }
    };
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        let after = &rest[at + "crate::".len()..];
        rest = after;
        if matches!(before, Some(c) if c == '$' || c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            // Up to the brace that closes the group (nested groups included).
            let mut open = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    open += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    open == 0
                })
                .map_or(group.len(), |(i, _)| i);
            let inner = &group[..end];
            // The first segment of each path in the group (nested groups: their first names).
            let mut depth = 0;
            let mut start = true;
            let mut word = String::new();
            for c in inner.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if c.is_alphanumeric() || c == '_' => {
                        if start {
                            word.push(c)
                        }
                    }
                    _ => {
                        if start && !word.is_empty() {
                            found.push(room_of(&word));
                            word.clear();
                            start = false;
                        }
                    }
                }
            }
            if start && !word.is_empty() {
                found.push(room_of(&word));
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(room_of(&name));
            }
        }
    }
    found
}

#[test]
fn rooms_import_only_the_layers_below_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let architecture = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap();
    let crates = rooms(&architecture);
    assert!(crates.len() >= 2, "the rooms of model-core and model-cli");
    let mut broken = Vec::new();
    for krate in &crates {
        let src = root.join(&krate.src);
        let layer_of = |room: &str| {
            krate
                .layers
                .iter()
                .position(|l| l.iter().any(|r| r == room))
        };
        let room_names: Vec<String> = krate.layers.iter().flatten().cloned().collect();
        let known: Vec<String> = room_names.iter().chain(&krate.external).cloned().collect();
        let mut rust = Vec::new();
        files(&src, &mut rust);
        let mut seen = std::collections::BTreeSet::new();
        for file in rust
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        {
            let rel = file.strip_prefix(&src).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let room = first.trim_end_matches(".rs").to_string();
            if room == "main" {
                continue; // a binary's root: its `crate` is the binary.
            }
            seen.insert(room.clone());
            let Some(layer) = layer_of(&room) else {
                broken.push(format!(
                    "{}: room `{room}` is in no layer of the rooms block",
                    file.display()
                ));
                continue;
            };
            let code = blanked(&std::fs::read_to_string(file).unwrap());
            for target in imports(&code, &known) {
                if target == room || krate.external.contains(&target) {
                    continue;
                }
                match layer_of(&target) {
                    Some(t) if t < layer => {}
                    _ => broken.push(format!(
                        "{}: room `{room}` imports `{target}`, which is not below it",
                        rel.display()
                    )),
                }
            }
        }
        for room in &room_names {
            assert!(
                seen.contains(room) || room == "main",
                "{}: the rooms block lists `{room}`, which is not a file or folder of it",
                krate.src
            );
        }
    }
    broken.sort();
    broken.dedup();
    assert!(
        broken.is_empty(),
        "imports against docs/ARCHITECTURE.md's rooms:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_import_reader_sees_what_it_should() {
    let rooms = ["sql".to_string(), "diff".to_string()];
    let code = blanked(
        "use crate::sql::x; // crate::diff\nlet s = \"crate::diff\"; $crate::diff::y; use crate::{diff::{a, b}, Item};",
    );
    assert_eq!(imports(&code, &rooms), ["sql", "diff", "lib"]);
    // Strings (raw ones too) and char literals are blanked to spaces, one per character.
    assert_eq!(
        blanked("let x = r#\"crate::diff\"#; let c = '\\''; crate::sql"),
        format!(
            "let x = {}; let c = {}; crate::sql",
            " ".repeat(16),
            " ".repeat(4)
        )
    );
}

/// `text` with comments, strings and char literals blanked (newlines kept), so neither a doc
/// comment nor a message naming `crate::x` counts as an import, braces and `fn` inside them
/// count for nothing, and line numbers stay those of the file.
fn blanked(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<char> = chars.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in out.iter_mut().take(to.min(chars.len())).skip(from) {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let start = i;
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"' | '#'))
            && !(i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                i += 1;
                continue;
            }
            j += 1;
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while j < chars.len() && !chars[j..].starts_with(&closing) {
                j += 1;
            }
            i = j + closing.len();
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A char literal ('x', '\n', '\'', '\u{7f}'); a lifetime ('a) is code.
            i += if next == Some('\\') { 3 } else { 2 };
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else {
            i += 1;
            continue;
        }
        blank(&mut out, start, i);
    }
    out.into_iter().collect()
}

/// Every function of the library sources (tests aside) with its length in lines, from its
/// `fn` line to its closing brace.
fn function_lengths() -> Vec<(String, String, usize)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for krate in [
        "model-core/src",
        "model-cli/src",
        "model-revision/src",
        "model-macros/src",
    ] {
        let mut paths = Vec::new();
        files(&root.join(krate), &mut paths);
        paths.sort();
        for path in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        {
            let text = std::fs::read_to_string(path).unwrap();
            let code = blanked(&text);
            let lines: Vec<&str> = code.lines().collect();
            let end = lines
                .iter()
                .position(|l| l.trim_start().starts_with("#[cfg(test)]"))
                .unwrap_or(lines.len());
            let file = path
                .strip_prefix(&root)
                .unwrap_or(path)
                .display()
                .to_string();
            let mut n = 0;
            while n < end {
                let words: Vec<&str> = lines[n]
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .collect();
                let Some(at) = words.iter().position(|w| *w == "fn") else {
                    n += 1;
                    continue;
                };
                let leading = words[..at].iter().all(|w| {
                    matches!(
                        *w,
                        "pub"
                            | "crate"
                            | "super"
                            | "self"
                            | "in"
                            | "async"
                            | "const"
                            | "unsafe"
                            | "extern"
                    )
                });
                let Some(name) = words.get(at + 1).filter(|_| leading) else {
                    n += 1;
                    continue;
                };
                // The body: from the first `{` (or none, for a `;`) to its match.
                let mut depth = 0usize;
                let mut opened = false;
                let mut m = n;
                'body: while m < lines.len() {
                    for c in lines[m].chars() {
                        match c {
                            ';' if !opened && depth == 0 => break 'body,
                            '{' => {
                                opened = true;
                                depth += 1;
                            }
                            '}' if opened => {
                                depth -= 1;
                                if depth == 0 {
                                    break 'body;
                                }
                            }
                            _ => {}
                        }
                    }
                    m += 1;
                }
                if opened {
                    out.push((file.clone(), name.to_string(), m - n + 1));
                    // Functions inside this one are counted within it.
                    n = m + 1;
                } else {
                    n += 1;
                }
            }
        }
    }
    out
}

#[test]
fn no_library_function_is_longer_than_150_lines() {
    let lengths = function_lengths();
    assert!(
        lengths.len() > 500,
        "the function reader found only {} functions",
        lengths.len()
    );
    let long: Vec<String> = lengths
        .iter()
        .filter(|(_, _, n)| *n > 150)
        .map(|(file, name, n)| format!("{file} {name} ({n} lines)"))
        .collect();
    assert!(
        long.is_empty(),
        "longer than 150 lines: {long:?}; split it by what its parts do"
    );
}

#[test]
fn the_function_reader_measures_what_it_should() {
    let text = "fn a() {\n    let s = \"}\"; // }\n    let c = '}';\n    let q = '\\'';\n}\n/* fn b() { */\npub(crate) async fn c<'x>(x: &'x str) -> &'x str {\n    x\n}\nfn d();\n";
    let code = blanked(text);
    assert_eq!(code.lines().count(), text.lines().count());
    assert!(!code.contains("fn b"));
    assert!(code.contains("fn c<'x>"));
    // Only the two bodies' closing braces are code.
    assert_eq!(code.matches('}').count(), 2, "{code}");
}
