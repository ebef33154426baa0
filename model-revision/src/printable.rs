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
/// sequences, carriage returns, line feeds) and Unicode's line and paragraph separators are
/// written as visible escapes; everything else, non-ASCII included, is kept.
pub fn display(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}
