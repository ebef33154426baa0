//! Splitting a script into statements, so each can be run (and reported) on its own, where
//! psql would split it. Knows PostgreSQL's quoting: '…' (and E'…' with backslashes), "…",
//! $tag$…$tag$, -- and /* */ comments (nested), and SQL-standard function bodies
//! (`CREATE FUNCTION … BEGIN ATOMIC … END`), whose inner `;` end nothing.

/// A script that ends inside something psql would send to the server unfinished (which the
/// server then refuses): a `/*` comment, a quoted string or identifier, a dollar-quoted
/// string, or a `BEGIN ATOMIC` body. Never split, so never run in part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what} is never closed (the script ends inside it)")]
pub struct SplitError {
    /// The 1-based line where it starts.
    pub line: usize,
    /// What it is: `a /* comment`, `a quoted string`, `a quoted identifier`, `a
    /// dollar-quoted string ($tag$)`, `a BEGIN ATOMIC body`.
    pub what: String,
}

/// The statements of `sql`, each with the 1-based line it starts on. Statements holding only
/// comments or white space are left out; the terminating `;` is not included. A script that
/// ends inside a comment, a quote or a `BEGIN ATOMIC` body is an error, never a shorter list.
pub fn split_statements(sql: &str) -> Result<Vec<(usize, String)>, SplitError> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut line = 1;
    let mut start_line = 1;
    let mut meaningful = false;
    // psql's rule for `BEGIN ATOMIC` bodies: in a statement that starts `CREATE [OR REPLACE]
    // FUNCTION|PROCEDURE`, `BEGIN` opens a block and `CASE` a nested one, `END` closes one,
    // and a `;` inside a block does not end the statement.
    let mut words: Vec<String> = Vec::new();
    let mut depth = 0usize;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            // PostgreSQL ends a `--` comment at a line feed or a carriage return.
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => i = past_block_comment(&chars, i, &mut line)?,
            '\'' | '"' => {
                if !meaningful {
                    start = i;
                    start_line = line;
                }
                meaningful = true;
                i = past_quoted(&chars, i, &mut line)?;
            }
            '$' if !word_char(i.checked_sub(1).and_then(|p| chars.get(p))) => {
                // $tag$ … $tag$, where tag is empty or an identifier.
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                if !meaningful {
                    start = i;
                    start_line = line;
                }
                meaningful = true;
                i = match chars.get(j) == Some(&'$')
                    && !chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())
                {
                    true => past_dollar_quoted(&chars, i, j, &mut line)?,
                    false => i + 1,
                };
            }
            ';' if depth > 0 => i += 1,
            ';' => {
                words.clear();
                if meaningful {
                    out.push((
                        start_line,
                        chars[start..i]
                            .iter()
                            .collect::<String>()
                            .trim()
                            .to_string(),
                    ));
                }
                i += 1;
                start = i;
                meaningful = false;
            }
            c if c.is_whitespace() => i += 1,
            c if c.is_alphabetic() || c == '_' => {
                if !meaningful {
                    start = i;
                    start_line = line;
                }
                meaningful = true;
                let from = i;
                while i < chars.len() && (word_char(Some(&chars[i])) || chars[i] == '$') {
                    i += 1;
                }
                let word: String = chars[from..i].iter().collect::<String>().to_lowercase();
                let routine = words.first().is_some_and(|w| w == "create")
                    && words
                        .iter()
                        .take(4)
                        .any(|w| w == "function" || w == "procedure");
                match word.as_str() {
                    "begin" if routine => depth += 1,
                    "case" if depth > 0 => depth += 1,
                    "end" if depth > 0 => depth -= 1,
                    _ => {}
                }
                if words.len() < 4 {
                    words.push(word);
                }
            }
            _ => {
                if !meaningful {
                    start = i;
                    start_line = line;
                }
                meaningful = true;
                i += 1;
            }
        }
        if !meaningful {
            start_line = line;
        }
    }
    if depth > 0 {
        return Err(unclosed(start_line, "a BEGIN ATOMIC body"));
    }
    if meaningful {
        out.push((
            start_line,
            chars[start..].iter().collect::<String>().trim().to_string(),
        ));
    }
    Ok(out)
}

/// Past the `/* … */` comment (nested ones too) that starts at `i`.
fn past_block_comment(chars: &[char], mut i: usize, line: &mut usize) -> Result<usize, SplitError> {
    let opened = *line;
    let mut depth = 0;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            if chars[i] == '\n' {
                *line += 1;
            }
            i += 1;
        }
    }
    Err(unclosed(opened, "a /* comment"))
}

/// Past the string (`'…'`, `E'…'` with backslash escapes) or quoted identifier (`"…"`) that
/// starts at `i`; a doubled quote is one quote inside.
fn past_quoted(chars: &[char], mut i: usize, line: &mut usize) -> Result<usize, SplitError> {
    let c = chars[i];
    let escapes = c == '\''
        && i > 0
        && matches!(chars[i - 1], 'E' | 'e')
        && !word_char(chars.get(i.wrapping_sub(2)));
    let opened = *line;
    i += 1;
    while i < chars.len() {
        if escapes && chars[i] == '\\' {
            if chars.get(i + 1) == Some(&'\n') {
                *line += 1;
            }
            i += 2;
            continue;
        }
        if chars[i] == '\n' {
            *line += 1;
        }
        if chars[i] == c {
            if chars.get(i + 1) == Some(&c) {
                i += 2;
                continue;
            }
            return Ok(i + 1);
        }
        i += 1;
    }
    let what = if c == '\'' {
        "a quoted string"
    } else {
        "a quoted identifier"
    };
    Err(unclosed(opened, what))
}

/// Past the dollar-quoted string whose opening tag runs from `i` to `j` (both `$`).
fn past_dollar_quoted(
    chars: &[char],
    i: usize,
    j: usize,
    line: &mut usize,
) -> Result<usize, SplitError> {
    let tag: Vec<char> = chars[i..=j].to_vec();
    let opened = *line;
    let mut k = j + 1;
    while k < chars.len() {
        if chars[k..].starts_with(&tag) {
            return Ok(k + tag.len());
        }
        if chars[k] == '\n' {
            *line += 1;
        }
        k += 1;
    }
    let tag: String = tag.into_iter().collect();
    Err(unclosed(opened, &format!("a dollar-quoted string ({tag})")))
}

fn unclosed(line: usize, what: &str) -> SplitError {
    SplitError {
        line,
        what: what.to_string(),
    }
}

fn word_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

#[cfg(test)]
mod tests {
    use super::split_statements;

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let sql = "-- a comment; not a statement\nCREATE TABLE t (a text DEFAULT ';');\n\n\
                   INSERT INTO t VALUES (E'it\\'s;'), ('x'';y');\n\
                   /* block ; /* nested ; */ */ SELECT \"odd;name\" FROM t;\n\
                   CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n\
                   SELECT $1 FROM t";
        let statements = split_statements(sql).unwrap();
        let lines: Vec<usize> = statements.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 4, 5, 6, 7]);
        assert_eq!(statements[0].1, "CREATE TABLE t (a text DEFAULT ';')");
        assert_eq!(
            statements[1].1,
            "INSERT INTO t VALUES (E'it\\'s;'), ('x'';y')"
        );
        assert!(statements[2].1.ends_with("SELECT \"odd;name\" FROM t"));
        assert_eq!(
            statements[3].1,
            "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql"
        );
        assert_eq!(statements[4].1, "SELECT $1 FROM t");
    }

    #[test]
    fn a_carriage_return_ends_a_line_comment_as_in_postgresql() {
        let statements = split_statements("-- note\rDELETE FROM t;\nSELECT 1;").unwrap();
        let texts: Vec<&str> = statements.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(texts, ["DELETE FROM t", "SELECT 1"]);
    }

    #[test]
    fn standard_sql_function_bodies_are_one_statement() {
        let sql = "CREATE OR REPLACE FUNCTION public.f(a integer) RETURNS integer\n\
                   LANGUAGE sql\nBEGIN ATOMIC\n SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n \
                   SELECT a;\nEND;\nCREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n\
                   BEGIN;\nSELECT 1;\nEND;";
        let statements: Vec<String> = split_statements(sql)
            .unwrap()
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(statements.len(), 5, "{statements:#?}");
        assert!(
            statements[0].ends_with("SELECT a;\nEND"),
            "{}",
            statements[0]
        );
        assert_eq!(
            statements[1],
            "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END"
        );
        assert_eq!(&statements[2..], ["BEGIN", "SELECT 1", "END"]);
    }

    #[test]
    fn comment_only_scripts_have_no_statements() {
        assert!(split_statements("-- nothing to do\n\n/* really */\n")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn what_is_never_closed_is_an_error_naming_its_line() {
        let error = |sql: &str| split_statements(sql).unwrap_err().to_string();
        assert_eq!(
            error("CREATE TABLE a ();\n/* note\nINSERT INTO a VALUES (1);\nCREATE TABLE b ();"),
            "line 2: a /* comment is never closed (the script ends inside it)"
        );
        assert_eq!(
            error("SELECT 1;\n/* outer /* inner */ still open"),
            "line 2: a /* comment is never closed (the script ends inside it)"
        );
        assert_eq!(
            error("SELECT 1;\nSELECT 'abc;\nSELECT 2;"),
            "line 2: a quoted string is never closed (the script ends inside it)"
        );
        assert_eq!(
            error("SELECT E'it\\'s;"),
            "line 1: a quoted string is never closed (the script ends inside it)"
        );
        assert_eq!(
            error("SELECT 1 AS \"x;\n"),
            "line 1: a quoted identifier is never closed (the script ends inside it)"
        );
        assert_eq!(
            error("\n\nSELECT $body$ x;"),
            "line 3: a dollar-quoted string ($body$) is never closed (the script ends inside it)"
        );
        assert_eq!(
            error("SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;"),
            "line 2: a BEGIN ATOMIC body is never closed (the script ends inside it)"
        );
        // A last statement without `;` is a statement, as psql runs it.
        assert_eq!(split_statements("SELECT 1;\nSELECT 2").unwrap().len(), 2);
    }
}
