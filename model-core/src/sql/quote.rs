//! The one place identifiers and literals are spliced into SQL.

pub use model_revision::ident::quote_ident;

/// Quotes a string literal as `quote_literal()` does: quotes doubled, and the `E''` form with
/// doubled backslashes when the text has a backslash, so the result means the same whatever
/// `standard_conforming_strings` is.
pub fn quote_literal(text: &str) -> String {
    let body = text.replace('\'', "''");
    if text.contains('\\') {
        format!("E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal("a\\b"), "E'a\\\\b'");
    }
}
