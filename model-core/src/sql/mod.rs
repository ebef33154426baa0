//! The bottom of the pipeline: every piece of text that reaches SQL, a script or a console
//! passes one function of this module for its context. It imports nothing of ours.
//!
//! - an identifier: [`quote_ident`] (and [`qualified`] for `schema.name`);
//! - a string literal: [`quote_literal`];
//! - the text of a `--` comment line: [`comment`], which can never end its own line;
//! - text shown on a terminal: [`display`], which can never move the cursor or change colours.
//!
//! It also says which PostgreSQL the SQL is for: [`PgVersion`], the one place where server
//! versions differ (catalog spellings, statement forms, declared features).

mod quote;
pub mod tokens;
pub mod version;

pub use quote::{quote_ident, quote_literal};
pub use version::{Feature, PgVersion};

/// `2s`, `1min`, `500ms`: a duration as PostgreSQL and `parse_duration` read it.
pub fn duration_text(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0 => "0".into(),
        ms if ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        ms if ms % 60_000 == 0 => format!("{}min", ms / 60_000),
        ms if ms % 1000 == 0 => format!("{}s", ms / 1000),
        ms => format!("{ms}ms"),
    }
}

/// `schema.name`, each part quoted where needed.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

pub use model_revision::printable::{comment, comment_lines, display, display_block};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_never_end_their_line() {
        let hostile = "scratch\nDELETE FROM customers;\r--\u{1b}[2J\u{85}x\\y";
        let text = comment(hostile);
        assert!(!text.contains(['\n', '\r', '\u{1b}', '\u{85}']), "{text}");
        assert_eq!(
            text,
            "scratch\\nDELETE FROM customers;\\r--\\u{1b}[2J\\u{85}x\\\\y"
        );
    }

    #[test]
    fn comment_lines_split_at_every_line_end() {
        assert_eq!(comment_lines("a\rb\r\nc\nd"), "-- a\n-- b\n-- c\n-- d\n");
        assert_eq!(comment_lines(""), "--\n");
        assert_eq!(comment_lines("x\n\ny"), "-- x\n--\n-- y\n");
    }

    #[test]
    fn qualified_names_quote_each_part() {
        assert_eq!(qualified("public", "Order"), "public.\"Order\"");
    }
}
