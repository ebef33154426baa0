//! Identifiers: quoting them as PostgreSQL's `quote_ident()` does, and reading the dotted,
//! optionally double-quoted names that attribute values and builder arguments spell
//! (`"a.b".id`, `sales."v.1"`). Shared by model-core and the derive, which must agree.

/// Keywords that PostgreSQL's `quote_ident()` quotes: every keyword that is not
/// `UNRESERVED_KEYWORD` in `kwlist.h`, across the supported server versions.
pub const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Quotes an identifier when PostgreSQL would not read it back unchanged bare: upper case,
/// spaces, quotes, non-ASCII, a leading digit, or a keyword.
pub fn quote_ident(name: &str) -> String {
    let mut chars = name.chars();
    let plain = match chars.next() {
        Some(c) if c.is_ascii_lowercase() || c == '_' => {
            chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        }
        _ => false,
    };
    if plain && QUOTED_KEYWORDS.binary_search(&name).is_err() {
        return name.to_string();
    }
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` split at each `separator` outside double quotes: each part as written and its
/// value (inside quotes, `""` is one `"`; a part starts quoted when only spaces come before
/// its quote). `None` when a quote is not closed or anything but spaces follows a closing
/// quote before the next separator.
pub fn quoted_parts(text: &str, separator: char) -> Option<Vec<(String, String)>> {
    let mut parts = Vec::new();
    let (mut raw, mut value) = (String::new(), String::new());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == separator {
            parts.push((std::mem::take(&mut raw), std::mem::take(&mut value)));
        } else if c == '"' && raw.trim().is_empty() {
            value.clear();
            raw.push(c);
            loop {
                let c = chars.next()?;
                raw.push(c);
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        raw.push(chars.next()?);
                        value.push('"');
                    } else {
                        break;
                    }
                } else {
                    value.push(c);
                }
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                raw.push(chars.next()?);
            }
            if chars.peek().is_some_and(|c| *c != separator) {
                return None;
            }
        } else {
            raw.push(c);
            value.push(c);
        }
    }
    parts.push((raw, value));
    Some(parts)
}

/// One part of a name as attribute values spell it (a table's, schema's or column's): as it
/// is, or in double quotes when it holds a dot, a comma or a parenthesis, starts with a
/// quote, is empty, or starts or ends with a space — so that [`quoted_parts`] reads it back.
pub fn attribute_part(part: &str) -> String {
    let needs_quotes = part.is_empty()
        || part.starts_with('"')
        || part.trim() != part
        || part.contains(['.', ',', '(', ')']);
    if needs_quotes {
        format!("\"{}\"", part.replace('"', "\"\""))
    } else {
        part.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_list_is_sorted_for_binary_search() {
        assert!(QUOTED_KEYWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn identifiers() {
        assert_eq!(quote_ident("customers"), "customers");
        assert_eq!(quote_ident("_x1"), "_x1");
        assert_eq!(quote_ident("order"), "\"order\"");
        assert_eq!(quote_ident("Order"), "\"Order\"");
        assert_eq!(quote_ident("my table"), "\"my table\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("1abc"), "\"1abc\"");
        assert_eq!(quote_ident("café"), "\"café\"");
        assert_eq!(quote_ident(""), "\"\"");
    }

    #[test]
    fn quoted_parts_hold_separators() {
        let values = |text: &str, sep: char| {
            quoted_parts(text, sep).map(|p| p.into_iter().map(|(_, v)| v).collect::<Vec<_>>())
        };
        assert_eq!(
            values(r#""a.b"."q""q".c"#, '.').unwrap(),
            ["a.b", "q\"q", "c"]
        );
        assert_eq!(values(r#"x, "y,z" , w"#, ',').unwrap(), ["x", "y,z", " w"]);
        assert_eq!(values(r#""a"b.c"#, '.'), None);
        assert_eq!(values(r#""open"#, '.'), None);
        for part in ["plain", "a.b", "\"q", " pad", "", "f(x)", "x,y", "in\"side"] {
            let spelled = format!("s.{}", attribute_part(part));
            assert_eq!(values(&spelled, '.').unwrap(), ["s", part], "{spelled}");
        }
    }
}
