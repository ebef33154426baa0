//! Parses the SQL types models write (`varchar(255)`, `timestamptz`, `numeric(10, 2)`,
//! `text[]`) into the canonical spelling of PostgreSQL's `format_type()`, at compile time.

use model_revision::ident::{quote_ident, quoted_parts};

/// The result: canonical spelling, or a message saying what is wrong.
pub fn canonical(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("the SQL type is empty".into());
    }
    // Array suffixes: `[]` or `[N]`, any number of them; PostgreSQL ignores the sizes.
    let mut base = trimmed;
    let mut array = false;
    while let Some(stripped) = base.strip_suffix(']') {
        let open = stripped
            .rfind('[')
            .ok_or_else(|| format!("unbalanced `]` in `{text}`"))?;
        let size = stripped[open + 1..].trim();
        if !size.is_empty() && size.parse::<u32>().is_err() {
            return Err(format!(
                "array bound `[{size}]` in `{text}` is not a number"
            ));
        }
        base = stripped[..open].trim_end();
        array = true;
    }
    if let Some(qualified) = user_type(base, text)? {
        return Ok(if array {
            format!("{qualified}[]")
        } else {
            qualified
        });
    }
    let lower = base.to_ascii_lowercase();
    if lower.contains('[') || lower.contains(']') {
        return Err(format!("unbalanced `[` in `{text}`"));
    }
    let (words, args, suffix) = split(&lower, text)?;
    let name = words.join(" ");
    let mut canonical = scalar(&name, &args, suffix.as_deref(), text)?;
    if array {
        canonical.push_str("[]");
    }
    Ok(canonical)
}

/// Names accepted, for the error message.
pub const KNOWN: &str = "smallint, integer, bigint, real, double precision, numeric(p, s), boolean, text, \
varchar(n), char(n), bytea, date, time, timetz, timestamp, timestamptz, interval, uuid, json, jsonb, \
inet, cidr, macaddr, macaddr8, money, xml, tsvector, tsquery, oid, bit(n), varbit(n), the range and \
multirange types (int4range, tstzrange, datemultirange, ...), the geometric types (point, box, ...), \
pg_lsn, each with `[]` for arrays; a type of your own (domain, composite, range, enum) is written \
`schema.name`";

/// `schema.name`: a type the project declares (a domain, composite, range or enum type), spelled
/// as `format_type()` does outside `pg_catalog` (each part as `quote_ident()` writes it). A part
/// in double quotes is taken as it is (`public."Kind"`, `"my.schema".t`); an unquoted one must
/// be an identifier and is folded to lower case, as PostgreSQL folds it.
fn user_type(base: &str, text: &str) -> Result<Option<String>, String> {
    if !base.contains(['.', '"']) {
        return Ok(None);
    }
    let parts = quoted_parts(base, '.')
        .ok_or_else(|| format!("unclosed or misplaced `\"` in the type `{}`", text.trim()))?;
    let [schema, name] = parts.as_slice() else {
        return Err(format!(
            "`{}` is not a `schema.name` type: a type of your own is written with its schema, a part holding a dot in double quotes",
            text.trim()
        ));
    };
    let part = |(raw, value): &(String, String)| -> Result<String, String> {
        if raw.trim_start().starts_with('"') {
            return Ok(value.clone());
        }
        let value = value.trim().to_ascii_lowercase();
        let mut chars = value.chars();
        let identifier = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
        if identifier {
            Ok(value)
        } else {
            Err(format!(
                "`{}` in the type `{}` is not an identifier: write it in double quotes",
                value,
                text.trim()
            ))
        }
    };
    let (schema, name) = (part(schema)?, part(name)?);
    if schema == "pg_catalog" {
        return canonical(&name).map(Some);
    }
    Ok(Some(format!(
        "{}.{}",
        quote_ident(&schema),
        quote_ident(&name)
    )))
}

/// A type's words, its numeric arguments, and what follows them.
type Parts = (Vec<String>, Vec<u32>, Option<String>);

/// Splits `timestamp (3) with time zone` into (["timestamp"], [3], Some("with time zone")).
fn split(base: &str, text: &str) -> Result<Parts, String> {
    let (head, args, tail) = match base.find('(') {
        Some(open) => {
            let close = base[open..]
                .find(')')
                .map(|c| open + c)
                .ok_or_else(|| format!("unclosed `(` in `{text}`"))?;
            let inner = &base[open + 1..close];
            let args = inner
                .split(',')
                .map(|a| {
                    a.trim().parse::<u32>().map_err(|_| {
                        format!(
                            "type modifier `{}` in `{text}` is not a whole number",
                            a.trim()
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            (&base[..open], args, &base[close + 1..])
        }
        None => (base, Vec::new(), ""),
    };
    if tail.contains('(') || tail.contains(')') || head.contains(')') {
        return Err(format!("unexpected parenthesis in `{text}`"));
    }
    let words: Vec<String> = head.split_whitespace().map(str::to_string).collect();
    if words.is_empty() {
        return Err(format!("`{text}` names no type"));
    }
    let tail = tail.split_whitespace().collect::<Vec<_>>().join(" ");
    // `time with time zone` has no parenthesis: the zone words follow the name directly.
    let (words, suffix) = match words.iter().position(|w| w == "with" || w == "without") {
        Some(at) if tail.is_empty() => (words[..at].to_vec(), Some(words[at..].join(" "))),
        Some(_) => return Err(format!("unexpected words in `{text}`")),
        None => (words, (!tail.is_empty()).then_some(tail)),
    };
    Ok((words, args, suffix))
}

fn scalar(name: &str, args: &[u32], suffix: Option<&str>, text: &str) -> Result<String, String> {
    let no_args = |canonical: &str| {
        if args.is_empty() {
            Ok(canonical.to_string())
        } else {
            Err(format!(
                "`{name}` takes no type modifier, but `{text}` gives one"
            ))
        }
    };
    let one_optional = |canonical: &str, max: u32, min: u32| match args {
        [] => Ok(canonical.to_string()),
        [n] if (min..=max).contains(n) => Ok(format!("{canonical}({n})")),
        [n] => Err(format!(
            "`{name}` takes a modifier from {min} to {max}, not {n}"
        )),
        _ => Err(format!(
            "`{name}` takes at most one modifier, but `{text}` gives {}",
            args.len()
        )),
    };
    if suffix.is_some() && !matches!(name, "time" | "timestamp") {
        return Err(format!(
            "`{}` only follows `time` or `timestamp`",
            suffix.unwrap_or_default()
        ));
    }
    let zone = match suffix {
        None | Some("without time zone") => false,
        Some("with time zone") => true,
        Some(other) => {
            return Err(format!(
                "expected `with time zone` or `without time zone`, found `{other}`"
            ))
        }
    };
    match name {
        "smallint" | "int2" => no_args("smallint"),
        "integer" | "int" | "int4" => no_args("integer"),
        "bigint" | "int8" => no_args("bigint"),
        "real" | "float4" => no_args("real"),
        "double precision" | "float8" => no_args("double precision"),
        "float" => match args {
            [] => Ok("double precision".into()),
            [1..=24] => Ok("real".into()),
            [25..=53] => Ok("double precision".into()),
            _ => Err(format!("`float(p)` takes a precision from 1 to 53, but `{text}` gives {args:?}")),
        },
        "numeric" | "decimal" => match args {
            [] => Ok("numeric".into()),
            [p] if (1..=1000).contains(p) => Ok(format!("numeric({p},0)")),
            [p, s] if (1..=1000).contains(p) && s <= p => Ok(format!("numeric({p},{s})")),
            _ => Err(format!("`numeric(precision, scale)` needs 1 <= precision <= 1000 and scale <= precision, but `{text}` gives {args:?}")),
        },
        "boolean" | "bool" => no_args("boolean"),
        "text" => no_args("text"),
        "varchar" | "character varying" | "char varying" => one_optional("character varying", 10_485_760, 1),
        "char" | "character" | "bpchar" => match args {
            [] => Ok("character(1)".into()),
            _ => one_optional("character", 10_485_760, 1),
        },
        "bytea" => no_args("bytea"),
        "date" => no_args("date"),
        "time" => with_precision("time", args, zone, text),
        "timetz" => with_precision("time", args, true, text),
        "timestamp" => with_precision("timestamp", args, zone, text),
        "timestamptz" => with_precision("timestamp", args, true, text),
        "interval" => one_optional("interval", 6, 0),
        "uuid" => no_args("uuid"),
        "json" => no_args("json"),
        "jsonb" => no_args("jsonb"),
        "inet" => no_args("inet"),
        "cidr" => no_args("cidr"),
        "macaddr" => no_args("macaddr"),
        "macaddr8" => no_args("macaddr8"),
        "money" => no_args("money"),
        "xml" => no_args("xml"),
        "tsvector" => no_args("tsvector"),
        "tsquery" => no_args("tsquery"),
        "oid" => no_args("oid"),
        "int4range" | "int8range" | "numrange" | "tsrange" | "tstzrange" | "daterange"
        | "int4multirange" | "int8multirange" | "nummultirange" | "tsmultirange"
        | "tstzmultirange" | "datemultirange" | "point" | "line" | "lseg" | "box" | "path"
        | "polygon" | "circle" | "pg_lsn" | "pg_snapshot" | "txid_snapshot" | "regclass"
        | "regtype" | "regproc" => no_args(name),
        "bit" => match args {
            [] => Ok("bit(1)".into()),
            _ => one_optional("bit", 83_886_080, 1),
        },
        "varbit" | "bit varying" => one_optional("bit varying", 83_886_080, 1),
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2" => Err(format!(
            "`{name}` is not a real type (it is shorthand for an integer with a sequence default); \
             use an integer type with `identity` instead"
        )),
        _ => Err(format!("unknown SQL type `{name}`")),
    }
}

fn with_precision(name: &str, args: &[u32], zone: bool, text: &str) -> Result<String, String> {
    let precision = match args {
        [] => String::new(),
        [p @ 0..=6] => format!("({p})"),
        _ => {
            return Err(format!(
                "`{name}` takes a precision from 0 to 6, but `{text}` gives {args:?}"
            ))
        }
    };
    let zone = if zone {
        "with time zone"
    } else {
        "without time zone"
    };
    Ok(format!("{name}{precision} {zone}"))
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn spellings_become_format_type_spellings() {
        let cases = [
            ("int", "integer"),
            ("INT4", "integer"),
            ("varchar(255)", "character varying(255)"),
            ("Character Varying", "character varying"),
            ("numeric(10, 2)", "numeric(10,2)"),
            ("decimal(5)", "numeric(5,0)"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp(3) with time zone", "timestamp(3) with time zone"),
            ("timestamp", "timestamp without time zone"),
            ("timetz", "time with time zone"),
            ("time(2)", "time(2) without time zone"),
            ("float", "double precision"),
            ("float(10)", "real"),
            ("text[]", "text[]"),
            ("integer[3][3]", "integer[]"),
            ("char", "character(1)"),
            ("bit varying(8)", "bit varying(8)"),
            ("tstzrange", "tstzrange"),
            ("DateMultiRange[]", "datemultirange[]"),
            ("public.email_address", "public.email_address"),
            ("Sales.Money[]", "sales.money[]"),
            ("pg_catalog.int4", "integer"),
            ("public.\"Email\"", "public.\"Email\""),
            ("\"my.schema\".\"we\nird\"[]", "\"my.schema\".\"we\nird\"[]"),
            ("public.user", "public.\"user\""),
            ("public.\"plain\"", "public.plain"),
        ];
        for (input, expected) in cases {
            assert_eq!(canonical(input).as_deref(), Ok(expected), "{input}");
        }
    }

    #[test]
    fn malformed_types_are_refused() {
        for bad in [
            "",
            "varchar(",
            "varchar(x)",
            "numeric(2, 5)",
            "foo",
            "text[",
            "integer(3)",
            "serial",
            "text with time zone",
            "timestamp(9)",
            "public.",
            "a.b.c",
            "public.\"Email",
            "public.\"Email\"x",
            "\"Email\"",
            "public.e mail",
        ] {
            assert!(canonical(bad).is_err(), "{bad} was accepted");
        }
    }
}
