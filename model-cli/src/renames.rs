//! Rename candidates at autogenerate time: asked on a terminal, settled by a flag, and
//! otherwise refused, so that a drop and an add of what may be a rename is never written
//! without someone saying so.

use std::io::{BufRead, IsTerminal as _, Write};

use anyhow::bail;
use model_core::autogenerate::Comparison;
use model_core::diff::{best_renames, Candidate, Rename, RenameReport};

use crate::console::{info, warning};

/// What to do with rename candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// Ask on a terminal; refuse without one.
    Ask,
    /// `--assume-renamed`: the best match of each is a rename.
    AssumeRenamed,
    /// `--assume-dropped`: each is a drop and an add.
    AssumeDropped,
}

/// The comparison with the candidates settled: declared as renames where the user (or
/// `--assume-renamed`) says so. Without a terminal and without a flag, an error listing each
/// candidate with the declaration that would settle it.
pub fn settle(comparison: Comparison, answers: Answers) -> anyhow::Result<Comparison> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let stdin = std::io::stdin();
    settle_with(
        comparison,
        answers,
        interactive,
        &mut stdin.lock(),
        &mut std::io::stderr(),
    )
}

/// [`settle`] with the terminal given.
pub fn settle_with(
    mut comparison: Comparison,
    answers: Answers,
    interactive: bool,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
) -> anyhow::Result<Comparison> {
    // Answered "no": not asked again when a later answer brings new candidates.
    let mut refused: Vec<Rename> = Vec::new();
    loop {
        let candidates: Vec<Candidate> = comparison
            .rename_candidates()
            .into_iter()
            .filter(|c| !refused.contains(&c.rename))
            .collect();
        if candidates.is_empty() {
            return Ok(comparison);
        }
        let chosen = match answers {
            Answers::AssumeRenamed => best_renames(&candidates),
            Answers::AssumeDropped => {
                for candidate in &candidates {
                    let (from, to) = candidate.rename.names();
                    info(
                        "autogenerate",
                        format!(
                            "--assume-dropped: {} {from} is dropped (with its data) and {to} added",
                            candidate.rename.kind()
                        ),
                    );
                }
                return Ok(comparison);
            }
            Answers::Ask if interactive => ask(&candidates, input, output, &mut refused)?,
            Answers::Ask => bail!(refusal(&candidates)),
        };
        if chosen.is_empty() {
            return Ok(comparison);
        }
        for rename in &chosen {
            let (from, to) = rename.names();
            info(
                "autogenerate",
                format!("Treating {} {from} as renamed to {to}", rename.kind()),
            );
        }
        comparison = comparison.with_renames(chosen);
    }
}

/// One question per old object (the candidates for it listed when there are several).
fn ask(
    candidates: &[Candidate],
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    refused: &mut Vec<Rename>,
) -> anyhow::Result<Vec<Rename>> {
    let mut chosen: Vec<Rename> = Vec::new();
    let mut asked: Vec<(&'static str, String)> = Vec::new();
    for candidate in candidates {
        let kind = candidate.rename.kind();
        let old = candidate.rename.names().0;
        if asked.contains(&(kind, old.clone())) {
            continue;
        }
        asked.push((kind, old.clone()));
        let taken = |r: &Rename| {
            chosen
                .iter()
                .any(|c| c.kind() == r.kind() && c.names().1 == r.names().1)
        };
        let options: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.rename.kind() == kind && c.rename.names().0 == old && !taken(&c.rename))
            .collect();
        let show = |s: &str| model_core::sql::display(s);
        let answer = if let [only] = options.as_slice() {
            write!(
                output,
                "Was {kind} {} renamed to {}? [y/N] ",
                show(&old),
                show(&only.rename.names().1)
            )?;
            output.flush()?;
            let line = read_line(input)?;
            matches!(line.trim(), "y" | "Y" | "yes" | "Yes").then_some(0)
        } else {
            writeln!(output, "{kind} {} is gone; was it renamed to:", show(&old))?;
            for (i, option) in options.iter().enumerate() {
                writeln!(output, "  {}) {}", i + 1, show(&option.rename.names().1))?;
            }
            write!(output, "[1-{}, or N if it was dropped] ", options.len())?;
            output.flush()?;
            let line = read_line(input)?;
            line.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=options.len()).contains(n))
                .map(|n| n - 1)
        };
        match answer {
            Some(i) => chosen.push(options[i].rename.clone()),
            None => refused.extend(options.iter().map(|o| o.rename.clone())),
        }
    }
    Ok(chosen)
}

fn read_line(input: &mut dyn BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        bail!("no answer (end of input); nothing was written");
    }
    Ok(line)
}

/// The error without a terminal: each candidate, and how to settle it.
fn refusal(candidates: &[Candidate]) -> String {
    let mut text = String::from(
        "the models drop something and add something alike, which may be a rename; a drop would lose its data, so no revision was written:",
    );
    for candidate in candidates {
        let (from, to) = candidate.rename.names();
        text.push_str(&format!(
            "\n  - {} {from} -> {to} (likeness {}): if renamed, declare {}",
            candidate.rename.kind(),
            candidate.score,
            candidate.hint()
        ));
    }
    text.push_str("\nOr run again with --assume-renamed (each as a rename, best match first) or --assume-dropped (each dropped and added).");
    text
}

/// Warnings for hints that did not apply.
pub fn report_hints(component: &str, report: &RenameReport) {
    // Not a warning: other databases (production) may not have run the rename yet, and the
    // hint must stay until they have.
    for hint in &report.stale {
        info(
            component,
            format!("rename hint not needed for this database ({hint}): it already has the new name; remove the hint once every database has run the revision that renames it"),
        );
    }
    for (hint, why) in &report.ignored {
        warning(
            component,
            format!("rename hint not applied ({hint}): {why}"),
        );
    }
}
