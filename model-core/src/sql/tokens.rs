//! A small SQL lexer for rewriting names inside expressions that PostgreSQL printed
//! (`pg_get_expr`, `pg_get_viewdef`, `pg_get_triggerdef`): identifiers (bare or quoted) and
//! string literals are told apart from everything else, so that a rename touches exactly the
//! identifiers it names, never the inside of a string, a comment or a dollar-quoted body.

/// What a [`Site`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// A bare or double-quoted identifier (`status`, `"Order"`).
    Ident,
    /// A string literal (`'pending'`, `E'a\\b'`).
    Literal,
}

/// One identifier or literal of an expression, with what surrounds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Identifier or literal.
    pub kind: SiteKind,
    /// The identifier's name (unquoted, case kept as written inside quotes) or the literal's
    /// value.
    pub value: String,
    /// For `a.b`, on `b`: `a` (the identifier right before the dot).
    pub qualifier: Option<String>,
    /// Followed by a dot (`a` in `a.b`).
    pub qualifies: bool,
    /// Written in double quotes (`"Order"`): its case is kept, where a bare one folds to
    /// lower case.
    pub quoted: bool,
    /// Right after `::`, or a name qualified by a schema that is right after `::` (a type).
    pub cast: bool,
    /// Followed by `(` (a function call, or a type's modifier).
    pub call: bool,
    /// For a literal followed by `::type` or `::schema.type`: that type, qualified as written
    /// (`public.status`).
    pub cast_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Ident(String),
    Literal(String),
    Punct,
    Space,
}

struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

fn lex(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let offset = |i: usize| chars.get(i).map_or(text.len(), |&(o, _)| o);
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let start = i;
        let kind = if c.is_whitespace() {
            while at(i).is_some_and(char::is_whitespace) {
                i += 1;
            }
            Kind::Space
        } else if c == '-' && at(i + 1) == Some('-') {
            while at(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
            Kind::Space
        } else if c == '/' && at(i + 1) == Some('*') {
            i += 2;
            while i < chars.len() && !(at(i) == Some('*') && at(i + 1) == Some('/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
            Kind::Space
        } else if c == '"' {
            let mut name = String::new();
            i += 1;
            while let Some(c) = at(i) {
                i += 1;
                if c == '"' {
                    if at(i) == Some('"') {
                        name.push('"');
                        i += 1;
                    } else {
                        break;
                    }
                } else {
                    name.push(c);
                }
            }
            Kind::Ident(name)
        } else if c == '\''
            || ((c == 'E' || c == 'e') && at(i + 1) == Some('\'') && !prev_is_word(&chars, i))
        {
            let escapes = c != '\'';
            if escapes {
                i += 1;
            }
            i += 1;
            let mut value = String::new();
            while let Some(c) = at(i) {
                i += 1;
                if c == '\\' && escapes {
                    if let Some(next) = at(i) {
                        value.push(next);
                        i += 1;
                    }
                } else if c == '\'' {
                    if at(i) == Some('\'') {
                        value.push('\'');
                        i += 1;
                    } else {
                        break;
                    }
                } else {
                    value.push(c);
                }
            }
            Kind::Literal(value)
        } else if c == '$' && dollar_tag(&chars, i).is_some() {
            let tag = dollar_tag(&chars, i).unwrap_or_default();
            i += tag.chars().count();
            let rest = &text[offset(i)..];
            match rest.find(&tag) {
                Some(end) => {
                    let end_offset = offset(i) + end + tag.len();
                    while i < chars.len() && chars[i].0 < end_offset {
                        i += 1;
                    }
                }
                None => i = chars.len(),
            }
            Kind::Punct
        } else if word_start(c) {
            while at(i).is_some_and(word_char) {
                i += 1;
            }
            Kind::Ident(text[offset(start)..offset(i)].to_string())
        } else if c.is_ascii_digit() {
            while at(i).is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '_') {
                i += 1;
            }
            Kind::Punct
        } else if c == ':' && at(i + 1) == Some(':') {
            i += 2;
            Kind::Punct
        } else {
            i += 1;
            Kind::Punct
        };
        tokens.push(Token {
            kind,
            start: offset(start),
            end: offset(i),
        });
    }
    tokens
}

fn prev_is_word(chars: &[(usize, char)], i: usize) -> bool {
    i > 0 && word_char(chars[i - 1].1)
}

/// `$tag$` starting at `i`, if one does.
fn dollar_tag(chars: &[(usize, char)], i: usize) -> Option<String> {
    if i > 0 && word_char(chars[i - 1].1) {
        return None;
    }
    let mut tag = String::from("$");
    let mut j = i + 1;
    while let Some(&(_, c)) = chars.get(j) {
        if c == '$' {
            tag.push('$');
            return Some(tag);
        }
        if !(c.is_alphanumeric() || c == '_') || (j == i + 1 && c.is_ascii_digit()) {
            return None;
        }
        tag.push(c);
        j += 1;
    }
    None
}

/// The dollar-quoted strings of `text` (`$$ … $$`, `$body$ … $body$`), quotes included: the
/// bodies [`rewrite`] never looks into.
pub fn dollar_quoted(text: &str) -> Vec<&str> {
    lex(text)
        .into_iter()
        .filter(|t| t.kind == Kind::Punct && t.end - t.start >= 4)
        .map(|t| &text[t.start..t.end])
        .filter(|s| s.starts_with('$'))
        .collect()
}

/// `text` with the schema `from` renamed `to` where it qualifies a name (`from.t`,
/// `from.f(x)`, `x::from.ty`).
pub fn schema_renamed(text: &str, from: &str, to: &str) -> String {
    rewrite(text, |s| {
        (s.kind == SiteKind::Ident && s.value == from && s.qualifies)
            .then(|| super::quote_ident(to))
    })
}

/// `text` with every schema-qualified mention of `schema.from` (a relation, a type, a
/// function) renamed `to`, in the same schema.
pub fn qualified_renamed(text: &str, schema: &str, from: &str, to: &str) -> String {
    rewrite(text, |s| {
        (s.kind == SiteKind::Ident && s.value == from && s.qualifier.as_deref() == Some(schema))
            .then(|| super::quote_ident(to))
    })
}

/// [`schema_renamed`], and in the literals that are qualified names too (a
/// `'from.sequence'::regclass`).
pub fn schema_renamed_in_literals(text: &str, from: &str, to: &str) -> String {
    rewrite(text, |s| match s.kind {
        SiteKind::Ident if s.value == from && s.qualifies => Some(super::quote_ident(to)),
        SiteKind::Literal if s.cast_to.as_deref() == Some("regclass") => {
            let value = schema_renamed(&s.value, from, to);
            (value != s.value).then(|| super::quote_literal(&value))
        }
        _ => None,
    })
}

/// `text` with the column `from` renamed `to` where it stands alone (not qualified, not a
/// qualifier, not a type or a function): an expression over one table's columns.
pub fn column_renamed(text: &str, from: &str, to: &str) -> String {
    rewrite(text, |s| {
        (s.kind == SiteKind::Ident
            && s.value == from
            && s.qualifier.is_none()
            && !s.qualifies
            && !s.cast
            && !s.call)
            .then(|| super::quote_ident(to))
    })
}

/// `text` with each identifier or literal for which `replace` returns a text replaced by it
/// (the replacement is inserted as is: quote it for its context). Everything else, spacing and
/// comments included, is kept byte for byte.
pub fn rewrite(text: &str, mut replace: impl FnMut(&Site) -> Option<String>) -> String {
    let tokens = lex(text);
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| tokens[i].kind != Kind::Space)
        .collect();
    let src = |t: &Token| &text[t.start..t.end];
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (n, &i) in significant.iter().enumerate() {
        let token = &tokens[i];
        let (kind, value) = match &token.kind {
            Kind::Ident(name) => (SiteKind::Ident, name.clone()),
            Kind::Literal(value) => (SiteKind::Literal, value.clone()),
            _ => continue,
        };
        let back = |k: usize| n.checked_sub(k).map(|j| &tokens[significant[j]]);
        let ahead = |k: usize| significant.get(n + k).map(|&j| &tokens[j]);
        let is = |t: Option<&Token>, s: &str| t.is_some_and(|t| src(t) == s);
        let ident = |t: Option<&Token>| match t.map(|t| &t.kind) {
            Some(Kind::Ident(name)) => Some(name.clone()),
            _ => None,
        };
        let qualifier = if is(back(1), ".") {
            ident(back(2))
        } else {
            None
        };
        let cast = is(back(1), "::") || (qualifier.is_some() && is(back(3), "::"));
        let cast_to = if kind == SiteKind::Literal && is(ahead(1), "::") {
            ident(ahead(2)).map(|first| {
                if is(ahead(3), ".") {
                    match ident(ahead(4)) {
                        Some(second) => format!("{first}.{second}"),
                        None => first,
                    }
                } else {
                    first
                }
            })
        } else {
            None
        };
        let site = Site {
            quoted: kind == SiteKind::Ident && src(token).starts_with('"'),
            kind,
            value,
            qualifier,
            qualifies: is(ahead(1), "."),
            cast,
            call: is(ahead(1), "("),
            cast_to,
        };
        if let Some(replacement) = replace(&site) {
            out.push_str(&text[copied..token.start]);
            out.push_str(&replacement);
            copied = token.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// One significant token of a statement (not white space, not a comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'t> {
    /// Its text as written.
    pub text: &'t str,
    /// For an identifier or keyword: its name (a quoted one as written inside the quotes).
    pub ident: Option<String>,
    /// Written in double quotes.
    pub quoted: bool,
    /// A string literal (or a dollar-quoted body).
    pub literal: bool,
}

impl Word<'_> {
    /// Whether it is the keyword `keyword` (upper case; never a quoted identifier).
    pub fn is(&self, keyword: &str) -> bool {
        !self.quoted
            && self
                .ident
                .as_deref()
                .is_some_and(|i| i.eq_ignore_ascii_case(keyword))
    }
}

/// The significant tokens of `text`, in order: identifiers and keywords, literals, and
/// punctuation (one token per symbol run, each parenthesis alone).
pub fn words(text: &str) -> Vec<Word<'_>> {
    lex(text)
        .into_iter()
        .filter(|t| t.kind != Kind::Space)
        .map(|t| {
            let source = &text[t.start..t.end];
            match t.kind {
                Kind::Ident(name) => Word {
                    text: source,
                    quoted: source.starts_with('"'),
                    ident: Some(name),
                    literal: false,
                },
                Kind::Literal(_) => Word {
                    text: source,
                    ident: None,
                    quoted: false,
                    literal: true,
                },
                _ => Word {
                    text: source,
                    ident: None,
                    quoted: false,
                    literal: false,
                },
            }
        })
        .collect()
}

/// Whether `text` has an identifier or literal for which `matches` holds.
pub fn any_site(text: &str, mut matches: impl FnMut(&Site) -> bool) -> bool {
    let mut found = false;
    rewrite(text, |site| {
        found |= matches(site);
        None
    });
    found
}

/// Every schema-qualified name `text` refers to: the qualified identifiers outside its
/// literals, comments and dollar-quoted bodies ([`Idents::qualified`]), and the relations its
/// `'schema.name'::regclass` literals name (the sequence behind a default).
pub fn mentions(text: &str) -> Vec<(String, String)> {
    if !text.contains('.') {
        // No qualified name, in a literal or out of it.
        return Vec::new();
    }
    let mut names = Idents::of(text).qualified();
    if text.contains("regclass") {
        rewrite(text, |site| {
            if site.kind == SiteKind::Literal && site.cast_to.as_deref() == Some("regclass") {
                names.extend(Idents::of(&site.value).qualified());
            }
            None
        });
    }
    names
}

/// A statement's identifiers and keywords only, outside comments and literals, as PostgreSQL
/// reads them: for recognising a statement's form (`CREATE TABLE … name`) by its words, a
/// qualified name's parts adjacent. ([`words`] keeps punctuation and literals too.)
pub struct Idents(Vec<Ident>);

struct Ident {
    /// As PostgreSQL folds it: lower case unless quoted.
    folded: String,
    /// Upper-cased, for comparing with keywords.
    keyword: String,
    /// Followed by a dot (`a` in `a.b`).
    qualifies: bool,
}

impl Idents {
    /// The words of `statement`.
    pub fn of(statement: &str) -> Idents {
        let mut words = Vec::new();
        rewrite(statement, |site| {
            if site.kind == SiteKind::Ident {
                words.push(Ident {
                    folded: if site.quoted {
                        site.value.clone()
                    } else {
                        site.value.to_lowercase()
                    },
                    keyword: site.value.to_uppercase(),
                    qualifies: site.qualifies,
                });
            }
            None
        });
        Idents(words)
    }

    /// How many words.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Word `i` as PostgreSQL folds it (`""` past the end).
    pub fn word(&self, i: usize) -> &str {
        self.0.get(i).map_or("", |w| w.folded.as_str())
    }

    /// Whether word `i` is followed by a dot (`a` in `a.b`).
    pub fn qualifies(&self, i: usize) -> bool {
        self.0.get(i).is_some_and(|w| w.qualifies)
    }

    /// Word `i` upper-cased (`""` past the end).
    pub fn keyword(&self, i: usize) -> &str {
        self.0.get(i).map_or("", |w| w.keyword.as_str())
    }

    /// The first `i` from which `keywords` follow one another.
    pub fn find(&self, keywords: &[&str]) -> Option<usize> {
        (0..self.0.len()).find(|&i| {
            keywords
                .iter()
                .enumerate()
                .all(|(k, word)| self.keyword(i + k) == *word)
        })
    }

    /// Every schema-qualified name among the words (`a.b`, as (`a`, `b`)): what a statement
    /// refers to outside its literals, comments and dollar-quoted bodies.
    /// A chain of three (`public.t.c`, a column) gives its schema and table as well.
    pub fn qualified(&self) -> Vec<(String, String)> {
        let w = &self.0;
        let mut out = Vec::new();
        for i in 1..w.len() {
            let starts_three = i >= 2 && w[i - 1].qualifies && !(i >= 3 && w[i - 3].qualifies);
            if w[i - 1].qualifies && !w[i].qualifies {
                if starts_three && w[i - 2].qualifies {
                    out.push((w[i - 2].folded.clone(), w[i - 1].folded.clone()));
                }
                out.push((w[i - 1].folded.clone(), w[i].folded.clone()));
            }
        }
        out
    }

    /// The schema-qualified object a `CREATE` or `DROP` of a table, view, function,
    /// procedure, aggregate, type, domain, sequence or collation names: `(true, schema, name)`
    /// for a creation, `false` for a drop; `None` for any other statement.
    pub fn defines(&self) -> Option<(bool, String, String)> {
        let creates = match self.keyword(0) {
            "CREATE" => true,
            "DROP" => false,
            _ => return None,
        };
        let mut i = 1;
        while matches!(
            self.keyword(i),
            "OR" | "REPLACE" | "UNLOGGED" | "MATERIALIZED" | "RECURSIVE" | "FOREIGN"
        ) {
            i += 1;
        }
        if !matches!(
            self.keyword(i),
            "TABLE"
                | "VIEW"
                | "FUNCTION"
                | "PROCEDURE"
                | "AGGREGATE"
                | "TYPE"
                | "DOMAIN"
                | "SEQUENCE"
                | "COLLATION"
        ) {
            return None;
        }
        i += 1;
        while matches!(self.keyword(i), "IF" | "NOT" | "EXISTS") {
            i += 1;
        }
        let first = self.0.get(i)?;
        first.qualifies.then_some(())?;
        let (schema, name, _) = self.name_at(i, "")?;
        Some((creates, schema, name))
    }

    /// The name that starts at word `i`, as (schema, name, the index after it): `a.b`, or `b`
    /// in `schema`.
    pub fn name_at(&self, i: usize, schema: &str) -> Option<(String, String, usize)> {
        let first = self.0.get(i)?;
        if first.qualifies {
            let second = self.0.get(i + 1)?;
            Some((first.folded.clone(), second.folded.clone(), i + 2))
        } else {
            Some((schema.to_string(), first.folded.clone(), i + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_identifiers_only() {
        assert_eq!(
            column_renamed("((a > 0) AND (b <> 'a'::text))", "a", "Big A"),
            "((\"Big A\" > 0) AND (b <> 'a'::text))"
        );
        assert_eq!(
            column_renamed("lower(lower) = 'x' -- lower\n", "lower", "l"),
            "lower(l) = 'x' -- lower\n"
        );
        assert_eq!(
            column_renamed("\"we\"\"ird\" IS NOT NULL", "we\"ird", "ok"),
            "ok IS NOT NULL"
        );
        assert_eq!(column_renamed("t.a + a", "a", "b"), "t.a + b");
        assert_eq!(column_renamed("$x$ a $x$ || a", "a", "b"), "$x$ a $x$ || b");
        assert_eq!(column_renamed("E'a\\'a' || a", "a", "b"), "E'a\\'a' || b");
    }

    #[test]
    fn statements_name_what_they_define_and_mention() {
        let create = Idents::of(
            "CREATE OR REPLACE FUNCTION \"My\".f(c public.code)\n RETURNS SETOF Public.T AS $f$ SELECT x.y FROM a.b $f$",
        );
        assert_eq!(
            create.defines(),
            Some((true, "My".to_string(), "f".to_string()))
        );
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            create.qualified(),
            pairs(&[("My", "f"), ("public", "code"), ("public", "t")])
        );
        let drop = Idents::of("DROP MATERIALIZED VIEW IF EXISTS public.\"V\"");
        assert_eq!(drop.defines(), Some((false, "public".into(), "V".into())));
        assert_eq!(Idents::of("CREATE INDEX i ON public.t (a)").defines(), None);
        assert_eq!(Idents::of("CREATE TABLE t (a int)").defines(), None);
        assert_eq!(
            Idents::of("SELECT 'public.t', a.b.c -- x.y").qualified(),
            pairs(&[("a", "b"), ("b", "c")])
        );
    }

    #[test]
    fn literals_know_their_cast() {
        let mut seen = Vec::new();
        rewrite("('a'::public.status <> 'b'::status)", |s| {
            if s.kind == SiteKind::Literal {
                seen.push((s.value.clone(), s.cast_to.clone()));
            }
            None
        });
        assert_eq!(
            seen,
            vec![
                ("a".to_string(), Some("public.status".to_string())),
                ("b".to_string(), Some("status".to_string()))
            ]
        );
        let mut casts = Vec::new();
        rewrite("x::public.status", |s| {
            if s.cast {
                casts.push(s.value.clone());
            }
            None
        });
        assert_eq!(casts, vec!["public", "status"]);
    }
}
