//! Text for comments and terminals: [`comment`] can never end its own `--` line, [`display`]
//! can never move the cursor or change colours.

/// Text that is safe after `-- ` on one line of SQL: PostgreSQL ends a `--` comment at a line
/// feed or a carriage return, so a name holding either could otherwise start a statement of
/// its own. Every control character (those two included) is written as a visible escape
/// (`\n`, `\r`, `\t`, `\u{1b}`), and a backslash as `\\`, so the comment still says exactly
/// what the text was.
pub fn comment(text: &str) -> String {
    display(text)
}

/// One `-- ` line per line of `text` (split at `\n`, `\r\n` and a lone `\r`), each made safe
/// with [`comment`]; an empty text gives one `--` line.
pub fn comment_lines(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::new();
    for line in normalised.split('\n') {
        if line.is_empty() {
            out.push_str("--\n");
        } else {
            out.push_str("-- ");
            out.push_str(&comment(line));
            out.push('\n');
        }
    }
    out
}

/// Text that is safe to print on a terminal or in a log line: control characters (escape
/// sequences, carriage returns, line feeds, NUL), Unicode's line and paragraph separators, and
/// the bidirectional overrides and isolates that reorder what a reader sees (U+202E, "Trojan
/// Source") are written as visible escapes; everything else, non-ASCII included, is kept.
pub fn display(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || invisible(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Text of several lines made safe as [`display`] makes one line, each line apart: a line
/// feed stays one, and a line that does not begin with a space is indented by two, so that no
/// line of it can pass for a line of the program's own (`INFO  [model.migrate] …`).
pub fn display_block(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.starts_with(' ') && !line.is_empty() {
                out.push_str("  ");
            }
        }
        out.push_str(&display(line));
    }
    out
}

/// Characters that change how the text around them looks without showing themselves: line
/// and paragraph separators, bidirectional marks, embeddings, overrides and isolates, and the
/// byte order mark.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{2028}'
            | '\u{2029}'
            | '\u{061c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_invisible_or_moving_reaches_a_terminal() {
        assert_eq!(
            display("a\u{202e}b\0c\u{1b}[2J"),
            "a\\u{202e}b\\u{0}c\\u{1b}[2J"
        );
        assert_eq!(display("x\ny\rz"), "x\\ny\\rz");
        assert_eq!(display("naïve 日本"), "naïve 日本");
        assert_eq!(
            display_block("failed:\nINFO  [model.migrate] done\n  - item\u{202e}"),
            "failed:\n  INFO  [model.migrate] done\n  - item\\u{202e}"
        );
    }
}
