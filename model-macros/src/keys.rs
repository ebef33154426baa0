//! `index(keys = "lower(email), created_at DESC NULLS LAST")`: the key list of an index as SQL
//! writes it, split into keys and their modifiers at compile time.

use crate::ast::IndexKeySpec;

/// The keys, or a message saying what is wrong. `is_column` tells a table's column from other
/// names.
pub fn parse(text: &str, is_column: impl Fn(&str) -> bool) -> Result<Vec<IndexKeySpec>, String> {
    let mut keys = Vec::new();
    for element in split_top(text, ',')? {
        let element = element.trim();
        if element.is_empty() {
            return Err(format!("`{text}` has an empty key"));
        }
        keys.push(key(element, &is_column)?);
    }
    Ok(keys)
}

fn key(element: &str, is_column: &impl Fn(&str) -> bool) -> Result<IndexKeySpec, String> {
    let mut words = split_top(element, ' ')?
        .into_iter()
        .filter(|w| !w.trim().is_empty())
        .map(|w| w.trim().to_string())
        .collect::<Vec<_>>();
    let upper = |w: &String| w.to_ascii_uppercase();
    let mut nulls: Option<bool> = None;
    if words.len() >= 3 && upper(&words[words.len() - 2]) == "NULLS" {
        nulls = match upper(&words[words.len() - 1]).as_str() {
            "FIRST" => Some(true),
            "LAST" => Some(false),
            other => {
                return Err(format!(
                    "`NULLS {other}` in `{element}`: write `NULLS FIRST` or `NULLS LAST`"
                ))
            }
        };
        words.truncate(words.len() - 2);
    }
    let mut descending = false;
    if words.len() >= 2 {
        match upper(words.last().expect("two words")).as_str() {
            "DESC" => {
                descending = true;
                words.pop();
            }
            "ASC" => {
                words.pop();
            }
            _ => {}
        }
    }
    let mut opclass = None;
    let mut collation = None;
    if words.len() >= 3 && upper(&words[words.len() - 2]) == "COLLATE" {
        collation = Some(collation_name(&words[words.len() - 1]));
        words.truncate(words.len() - 2);
    } else if words.len() >= 2 {
        let class = words.pop().expect("two words");
        opclass = Some(name(&class).trim_start_matches("pg_catalog.").to_string());
        if words.len() >= 3 && upper(&words[words.len() - 2]) == "COLLATE" {
            collation = Some(collation_name(&words[words.len() - 1]));
            words.truncate(words.len() - 2);
        }
    }
    if words.len() != 1 {
        return Err(format!(
            "cannot read the key `{element}`: a key is a column or an expression followed by \
             COLLATE, an operator class, ASC/DESC and NULLS FIRST/LAST; put an expression in \
             parentheses, as `(price * quantity)`"
        ));
    }
    let head = words.pop().expect("one word");
    let bare = name(&head);
    let column = !head.contains('(') && !head.contains('.') && is_column(&bare);
    let name_part = if column {
        bare.clone()
    } else if let Some(open) = head.find('(').filter(|&o| o > 0) {
        // PostgreSQL names an expression key after the function it calls.
        let function = name(&head[..open]);
        function.rsplit('.').next().unwrap_or("expr").to_string()
    } else {
        "expr".to_string()
    };
    if !column && !head.contains('(') {
        return Err(format!(
            "`{head}` is not a column of this model; write an expression in parentheses"
        ));
    }
    Ok(IndexKeySpec {
        text: if column { bare } else { head },
        column,
        name_part,
        collation,
        opclass,
        descending,
        nulls_first: nulls.unwrap_or(descending),
    })
}

/// An identifier as PostgreSQL reads it: folded to lower case unless double-quoted.
fn name(word: &str) -> String {
    word.split('.')
        .map(
            |part| match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => part.to_ascii_lowercase(),
            },
        )
        .collect::<Vec<_>>()
        .join(".")
}

/// `"C"` → `pg_catalog."C"`, the spelling introspection reads back.
fn collation_name(word: &str) -> String {
    crate::attr::canonical_collation(&name(word))
}

/// Splits at `separator` outside parentheses, brackets and quotes.
fn split_top(text: &str, separator: char) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        if let Some(q) = quote {
            current.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("unbalanced `{c}` in `{text}`"));
                }
            }
            _ => {}
        }
        let split = if separator == ' ' {
            c.is_whitespace()
        } else {
            c == separator
        };
        if split && depth == 0 {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    if depth != 0 || quote.is_some() {
        return Err(format!("unclosed parenthesis or quote in `{text}`"));
    }
    parts.push(current);
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn keys_and_modifiers() {
        let columns = |c: &str| matches!(c, "email" | "created_at" | "Name");
        let keys = parse(
            "lower(email), created_at DESC NULLS LAST, \"Name\" COLLATE \"C\" text_pattern_ops, (price * 2) ASC",
            |c| columns(c) || c == "price",
        )
        .unwrap();
        assert_eq!(keys.len(), 4);
        assert!(!keys[0].column && keys[0].text == "lower(email)" && keys[0].name_part == "lower");
        assert!(keys[1].column && keys[1].descending && !keys[1].nulls_first);
        assert_eq!(keys[2].text, "Name");
        assert_eq!(keys[2].collation.as_deref(), Some("pg_catalog.\"C\""));
        assert_eq!(keys[2].opclass.as_deref(), Some("text_pattern_ops"));
        assert!(!keys[3].column && keys[3].name_part == "expr" && !keys[3].descending);
        let desc = parse("created_at DESC", columns).unwrap();
        assert!(desc[0].nulls_first, "DESC puts nulls first unless told");
    }

    #[test]
    fn malformed_keys_are_refused() {
        let columns = |c: &str| c == "email";
        for bad in [
            "",
            "email,",
            "lower(email",
            "nope",
            "email NULLS SOMETIMES",
            "a + b",
        ] {
            assert!(parse(bad, columns).is_err(), "{bad} was accepted");
        }
    }
}
