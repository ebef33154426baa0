//! `history`, `heads`, `branches`, `current` and `show` output, in Alembic's format.

use std::collections::BTreeSet;

use model_core::revision::{Graph, Revision};
use model_core::sql::display;

/// Alembic's one-line form: `a0cf7f5d705d -> 960969e75871 (head), message`.
pub fn line(graph: &Graph, revision: &Revision, current: &[String]) -> String {
    let parents = if revision.revises.is_empty() {
        "<base>".to_string()
    } else {
        revision.revises.join(", ")
    };
    // What a revision file says is shown, never obeyed (no escape sequence, no line break).
    display(&format!(
        "{parents} -> {}{}, {}",
        revision.id,
        markers(graph, revision, current),
        first_line(&revision.message)
    ))
}

/// ` (head)`, ` (branchpoint)`, ` (mergepoint)`, ` (current)` as they apply.
pub fn markers(graph: &Graph, revision: &Revision, current: &[String]) -> String {
    let mut out = String::new();
    for label in &revision.branch_labels {
        out.push_str(&format!(" ({})", display(label)));
    }
    if graph.children_of(&revision.id).is_empty() {
        out.push_str(" (head)");
    }
    if graph.children_of(&revision.id).len() > 1 {
        out.push_str(" (branchpoint)");
    }
    if revision.revises.len() > 1 {
        out.push_str(" (mergepoint)");
    }
    if current.contains(&revision.id) {
        out.push_str(" (current)");
    }
    out
}

/// The verbose block: id, parents, path, then the message and header, indented.
pub fn verbose(graph: &Graph, revision: &Revision, current: &[String]) -> String {
    let mut out = format!(
        "Rev: {}{}\n",
        revision.id,
        markers(graph, revision, current)
    );
    match revision.revises.as_slice() {
        [] => out.push_str("Parent: <base>\n"),
        [one] => out.push_str(&format!("Parent: {one}\n")),
        many => out.push_str(&format!("Merges: {}\n", many.join(", "))),
    }
    let children = graph.children_of(&revision.id);
    if children.len() > 1 {
        out.push_str(&format!("Branches into: {}\n", children.join(", ")));
    }
    if !revision.branch_labels.is_empty() {
        out.push_str(&format!(
            "Branch names: {}\n",
            revision.branch_labels.join(", ")
        ));
    }
    if !revision.depends_on.is_empty() {
        out.push_str(&format!(
            "Also depends on: {}\n",
            revision.depends_on.join(", ")
        ));
    }
    out.push_str(&format!(
        "Path: {}\n\n",
        display(&revision.path.display().to_string())
    ));
    for l in revision.message.lines() {
        out.push_str(&format!("    {}\n", display(l)));
    }
    out.push_str(&format!(
        "\n    Revision ID: {}\n    Revises: {}\n    Create Date: {}\n",
        revision.id,
        revision.revises.join(", "),
        revision.create_date
    ));
    out
}

/// Revisions of `set`, newest first.
pub fn newest_first<'a>(graph: &'a Graph, set: &BTreeSet<&'a str>) -> Vec<&'a Revision> {
    let mut revisions = graph.ordered(set);
    revisions.reverse();
    revisions
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}
