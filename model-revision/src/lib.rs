//! Revision scripts: plain SQL files a reviewer can read and a DBA can run, with a header that
//! links them into a graph.
//!
//! ```text
//! -- Created OrderProduct as an association table to track Order-Product association.
//! --
//! -- Revision ID: 960969e75871
//! -- Revises: a0cf7f5d705d
//! -- Create Date: 2026-01-26 17:30:18
//!
//! -- migrate:upgrade
//! CREATE TABLE public.order_products (...);
//!
//! -- migrate:downgrade
//! DROP TABLE public.order_products;
//! ```
//!
//! Optional header keys: `Branch Labels` and `Depends On` (comma-separated), and
//! `Transactional: no` for a script that must run outside a transaction (`CREATE INDEX
//! CONCURRENTLY`, using a just-added enum label).

mod graph;
pub mod printable;
mod split;

use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

pub use graph::{Graph, GraphError, Target};
pub use split::split_statements;

const UPGRADE_MARKER: &str = "-- migrate:upgrade";
const DOWNGRADE_MARKER: &str = "-- migrate:downgrade";

/// One revision script.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Revision {
    /// The id (12 hex digits unless chosen with `--rev-id`).
    pub id: String,
    /// The message given to `revision -m`.
    pub message: String,
    /// The revisions this one follows: none for a base, several for a merge.
    pub revises: Vec<String>,
    /// When it was generated (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub create_date: String,
    /// Names for the branch this revision starts or belongs to.
    pub branch_labels: Vec<String>,
    /// Revisions that must be applied first without being parents.
    pub depends_on: Vec<String>,
    /// Whether the script runs inside a transaction (the default).
    pub transactional: bool,
    /// `-- Lock Timeout: 10s`: this revision's first `lock_timeout`, instead of the project's
    /// (for a revision known to need a longer wait, or a shorter one).
    pub lock_timeout: Option<std::time::Duration>,
    /// The upgrade SQL.
    pub upgrade: String,
    /// The downgrade SQL.
    pub downgrade: String,
    /// The file it was read from or will be written to.
    pub path: PathBuf,
    /// The line of the file on which the upgrade SQL starts (1-based; 0 when not read from a
    /// file), so errors name lines of the file, not of the part.
    pub upgrade_line: usize,
    /// The same for the downgrade SQL.
    pub downgrade_line: usize,
}

/// A malformed revision file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), if *line > 0 { format!(":{line}") } else { String::new() })]
pub struct ParseError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line (0 when the problem is the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl Revision {
    /// Reads a revision script.
    pub fn parse(path: &Path, text: &str) -> Result<Revision, ParseError> {
        let error = |line: usize, message: String| ParseError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let lines: Vec<&str> = text.lines().collect();
        // A lone carriage return ends a `--` comment for PostgreSQL but not a line for us:
        // in the header it would hide a statement from this parser that psql would run.
        if let Some(i) = lines
            .iter()
            .take_while(|l| l.trim_end() != UPGRADE_MARKER)
            .position(|l| l.trim_end_matches('\r').contains('\r'))
        {
            return Err(error(
                i + 1,
                "a carriage return inside a header line: PostgreSQL would end the comment there"
                    .into(),
            ));
        }
        let upgrade_at = lines.iter().position(|l| l.trim_end() == UPGRADE_MARKER);
        let downgrade_at = lines.iter().position(|l| l.trim_end() == DOWNGRADE_MARKER);
        let (Some(up), Some(down)) = (upgrade_at, downgrade_at) else {
            let missing = if upgrade_at.is_none() {
                UPGRADE_MARKER
            } else {
                DOWNGRADE_MARKER
            };
            return Err(error(
                0,
                format!("no `{missing}` line: a revision needs an upgrade and a downgrade part"),
            ));
        };
        if down < up {
            return Err(error(
                down + 1,
                format!("`{DOWNGRADE_MARKER}` comes before `{UPGRADE_MARKER}`"),
            ));
        }
        for (i, line) in lines.iter().enumerate() {
            let marker = line.trim_end() == UPGRADE_MARKER || line.trim_end() == DOWNGRADE_MARKER;
            if marker && i != up && i != down {
                return Err(error(i + 1, format!("`{}` appears twice", line.trim_end())));
            }
        }
        let mut revision = Revision {
            id: String::new(),
            message: String::new(),
            revises: Vec::new(),
            create_date: String::new(),
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
            transactional: true,
            lock_timeout: None,
            upgrade: body(&lines[up + 1..down]),
            downgrade: body(&lines[down + 1..]),
            path: path.to_path_buf(),
            upgrade_line: first_line_of(&lines, up + 1),
            downgrade_line: first_line_of(&lines, down + 1),
        };
        let mut message = Vec::new();
        let mut seen_id = false;
        let mut seen_revises = false;
        for (i, line) in lines[..up].iter().enumerate() {
            let line = line.trim_end();
            if line.is_empty() {
                continue;
            }
            let Some(comment) = line.strip_prefix("--") else {
                return Err(error(
                    i + 1,
                    format!("only `--` comment lines may come before `{UPGRADE_MARKER}`"),
                ));
            };
            let comment = comment.trim();
            let key_value = comment
                .split_once(':')
                .filter(|(k, _)| HEADER_KEYS.contains(&k.trim()));
            match key_value {
                Some((key, value)) => {
                    let value = value.trim();
                    match key.trim() {
                        "Revision ID" => {
                            if value.is_empty()
                                || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                            {
                                return Err(error(
                                    i + 1,
                                    format!("revision id `{value}` must be letters, digits or `_`"),
                                ));
                            }
                            revision.id = value.to_string();
                            seen_id = true;
                        }
                        "Revises" => {
                            revision.revises = list(value);
                            seen_revises = true;
                        }
                        "Create Date" => revision.create_date = value.to_string(),
                        "Branch Labels" => revision.branch_labels = list(value),
                        "Depends On" => revision.depends_on = list(value),
                        "Lock Timeout" => {
                            revision.lock_timeout = match parse_duration(value) {
                                Some(d) if !d.is_zero() => Some(d),
                                _ => {
                                    return Err(error(
                                        i + 1,
                                        format!("`Lock Timeout` is a duration above 0 (\"500ms\", \"10s\", \"1min\"), not `{value}`"),
                                    ))
                                }
                            }
                        }
                        _ => {
                            revision.transactional = match value {
                                "yes" | "true" => true,
                                "no" | "false" => false,
                                other => {
                                    return Err(error(
                                        i + 1,
                                        format!("`Transactional` is `yes` or `no`, not `{other}`"),
                                    ))
                                }
                            }
                        }
                    }
                }
                None if !seen_id && !seen_revises && !comment.is_empty() => {
                    message.push(comment.to_string());
                }
                None => {}
            }
        }
        if !seen_id {
            return Err(error(0, "no `-- Revision ID: …` line in the header".into()));
        }
        if !seen_revises {
            return Err(error(
                0,
                "no `-- Revises: …` line in the header (leave it empty for a first revision)"
                    .into(),
            ));
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if !(stem == revision.id || stem.starts_with(&format!("{}_", revision.id))) {
            return Err(error(
                0,
                format!(
                    "the file name does not start with its revision id `{}`",
                    revision.id
                ),
            ));
        }
        revision.message = message.join("\n");
        Ok(revision)
    }

    /// The script's text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Every header line goes through `comment`, so no message, label or id can end its
        // comment line and start a statement.
        use crate::printable::comment;
        if !self.message.is_empty() {
            out.push_str(&crate::printable::comment_lines(&self.message));
        }
        let _ = writeln!(out, "--");
        let _ = writeln!(out, "-- Revision ID: {}", comment(&self.id));
        let _ = writeln!(out, "-- Revises: {}", comment(&self.revises.join(", ")));
        let _ = writeln!(out, "-- Create Date: {}", comment(&self.create_date));
        if !self.branch_labels.is_empty() {
            let _ = writeln!(
                out,
                "-- Branch Labels: {}",
                comment(&self.branch_labels.join(", "))
            );
        }
        if !self.depends_on.is_empty() {
            let _ = writeln!(
                out,
                "-- Depends On: {}",
                comment(&self.depends_on.join(", "))
            );
        }
        if !self.transactional {
            let _ = writeln!(out, "-- Transactional: no");
        }
        if let Some(timeout) = self.lock_timeout {
            let _ = writeln!(out, "-- Lock Timeout: {}ms", timeout.as_millis());
        }
        let _ = writeln!(out, "\n{UPGRADE_MARKER}\n{}", self.upgrade.trim_end());
        let _ = writeln!(out, "\n{DOWNGRADE_MARKER}\n{}", self.downgrade.trim_end());
        out
    }

    /// SHA-256 of the upgrade and downgrade SQL, to notice a script edited after it was applied.
    pub fn checksum(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.upgrade.trim().as_bytes());
        hasher.update([0]);
        hasher.update(self.downgrade.trim().as_bytes());
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// `<id>_<slug>.sql`.
    pub fn file_name(&self) -> String {
        format!("{}_{}.sql", self.id, slug(&self.message))
    }
}

const HEADER_KEYS: &[&str] = &[
    "Revision ID",
    "Revises",
    "Create Date",
    "Branch Labels",
    "Depends On",
    "Transactional",
    "Lock Timeout",
];

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The 1-based file line of the first line `body` keeps of the lines from index `from`.
fn first_line_of(lines: &[&str], from: usize) -> usize {
    let skipped = lines[from.min(lines.len())..]
        .iter()
        .take_while(|l| l.is_empty())
        .count();
    from + skipped + 1
}

fn body(lines: &[&str]) -> String {
    let text = lines.join("\n");
    let trimmed = text.trim_matches('\n');
    if trimmed.trim().is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

/// Alembic's file-name slug: the message's words, lower-cased and joined with `_`; past 40
/// characters, cut at the last `_` before 40 and ended with `_`.
pub fn slug(message: &str) -> String {
    let words: Vec<String> = message
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let slug = words.join("_");
    if slug.chars().count() <= 40 {
        return slug;
    }
    let cut: String = slug.chars().take(40).collect();
    match cut.rsplit_once('_') {
        Some((head, _)) => format!("{head}_"),
        None => format!("{cut}_"),
    }
}

/// A new random revision id: 12 hex digits.
pub fn new_id() -> String {
    // RandomState is seeded from the operating system's randomness.
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}

/// The current time in UTC as `YYYY-MM-DD HH:MM:SS`.
pub fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// `"500ms"`, `"2s"`, `"1min"`, or a number of milliseconds (as PostgreSQL reads
/// `lock_timeout`).
pub fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let ms = match unit.trim() {
        "" | "ms" => number,
        "s" => number.checked_mul(1000)?,
        "min" => number.checked_mul(60_000)?,
        "h" => number.checked_mul(3_600_000)?,
        _ => return None,
    };
    Some(std::time::Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_alembic() {
        assert_eq!(
            slug(
                "Created OrderProduct as an association table to track Order-Product association."
            ),
            "created_orderproduct_as_an_association_"
        );
        assert_eq!(
            slug("Created a table for tags, and created a table called product_tags as an association table between products and tags."),
            "created_a_table_for_tags_and_created_a_"
        );
        assert_eq!(slug("Initial"), "initial");
    }

    #[test]
    fn ids_are_twelve_hex_digits_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 12);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn dates_are_civil() {
        let now = now_utc();
        assert_eq!(now.len(), 19);
        assert!(now.starts_with("20"), "{now}");
    }

    #[test]
    fn scripts_round_trip() {
        let revision = Revision {
            id: "960969e75871".into(),
            message: "Add things".into(),
            revises: vec!["a0cf7f5d705d".into()],
            create_date: "2026-01-26 17:30:18".into(),
            branch_labels: vec!["shop".into()],
            depends_on: vec![],
            transactional: false,
            lock_timeout: Some(std::time::Duration::from_secs(10)),
            upgrade: "CREATE TABLE t ();\n".into(),
            downgrade: "DROP TABLE t;\n".into(),
            path: PathBuf::from("960969e75871_add_things.sql"),
            ..Default::default()
        };
        let parsed = Revision::parse(&revision.path, &revision.render()).unwrap();
        // Lines of the file: message, `--`, six header lines, a blank, the marker.
        assert_eq!((parsed.upgrade_line, parsed.downgrade_line), (11, 14));
        let parsed = Revision {
            upgrade_line: 0,
            downgrade_line: 0,
            ..parsed
        };
        assert_eq!(parsed, revision);
    }

    #[test]
    fn malformed_scripts_say_where() {
        let path = Path::new("abc_x.sql");
        let no_marker =
            Revision::parse(path, "-- Revision ID: abc\n-- Revises:\nSELECT 1;").unwrap_err();
        assert!(
            no_marker
                .to_string()
                .contains("no `-- migrate:upgrade` line"),
            "{no_marker}"
        );
        let slow = Revision::parse(path, "-- Revision ID: abc\n-- Revises:\n-- Lock Timeout: soon\n-- migrate:upgrade\n-- migrate:downgrade\n").unwrap_err();
        assert_eq!(slow.line, 3);
        assert!(
            slow.to_string().contains("`Lock Timeout` is a duration"),
            "{slow}"
        );
        let bad = Revision::parse(path, "-- Revision ID: abc\n-- Revises:\n-- Transactional: maybe\n-- migrate:upgrade\n-- migrate:downgrade\n").unwrap_err();
        assert_eq!(bad.line, 3);
        assert_eq!(
            bad.to_string(),
            "abc_x.sql:3: `Transactional` is `yes` or `no`, not `maybe`"
        );
        let stray = Revision::parse(path, "SELECT 1;\n-- Revision ID: abc\n-- Revises:\n-- migrate:upgrade\n-- migrate:downgrade\n").unwrap_err();
        assert_eq!(stray.line, 1);
        let wrong_name = Revision::parse(
            Path::new("zzz_x.sql"),
            "-- Revision ID: abc\n-- Revises:\n-- migrate:upgrade\n-- migrate:downgrade\n",
        )
        .unwrap_err();
        assert!(
            wrong_name
                .to_string()
                .contains("does not start with its revision id `abc`"),
            "{wrong_name}"
        );
    }
}
