//! Connection strings: parsing what the user gives (a `postgres://` URL or libpq's
//! `key=value` form), taking out what the Rust driver does not know (the TLS keys), pointing
//! it at another database, and showing it without its password.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use postgres::Config;

use super::tls::{SslMode, TlsSettings};
use super::PgError;

/// Keys whose values are secrets: never shown.
const SECRET_KEYS: &[&str] = &["password", "sslpassword"];
/// Keys handled here, not by the driver.
const TLS_KEYS: &[&str] = &["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// A server address from which connection strings for any database can be made.
pub(super) struct Target {
    /// The string as given, naming the maintenance database.
    original: String,
    form: Form,
    /// What the driver is given: the string without the TLS keys.
    driver: String,
    /// The TLS keys.
    pub(super) tls: TlsSettings,
}

enum Form {
    /// `postgres://user@host:port` and the `?query` after the path.
    Url { authority: String, query: String },
    /// `host=… port=…` without `dbname`.
    KeyValue(String),
}

/// One `key=value` of a connection string: the key, its decoded value, and its text as given.
struct Param {
    key: String,
    value: String,
    raw: String,
}

impl Target {
    /// Parses a `postgres://` URL or a `key=value` connection string, refusing what the driver
    /// would refuse; libpq's environment (`PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`,
    /// `PGSSLKEY`) fills in TLS keys the string does not give.
    pub(super) fn parse(text: &str) -> Result<Target, PgError> {
        let text = text.trim();
        let bad = |message: String| PgError::BadUrl {
            url: redact(text),
            message,
        };
        type Rebuild = Box<dyn Fn(&[&Param]) -> String>;
        let (form, params, rebuild): (Form, Vec<Param>, Rebuild) = match text.split_once("://") {
            Some((scheme, rest)) if scheme == "postgres" || scheme == "postgresql" => {
                let end = rest.find(['/', '?']).unwrap_or(rest.len());
                check_authority(&rest[..end]).map_err(bad)?;
                let (before, query) = match rest.find('?') {
                    Some(q) if q >= end => (&rest[..q], &rest[q + 1..]),
                    _ => (rest, ""),
                };
                let params = query_params(query).map_err(bad)?;
                let base = format!("{scheme}://{before}");
                let query_text = if query.is_empty() {
                    String::new()
                } else {
                    format!("?{query}")
                };
                (
                    Form::Url {
                        authority: format!("{scheme}://{}", &rest[..end]),
                        query: query_text,
                    },
                    params,
                    Box::new(move |kept: &[&Param]| {
                        if kept.is_empty() {
                            base.clone()
                        } else {
                            let pairs: Vec<&str> = kept.iter().map(|p| p.raw.as_str()).collect();
                            format!("{base}?{}", pairs.join("&"))
                        }
                    }),
                )
            }
            Some((scheme, _)) => {
                return Err(bad(format!(
                    "unsupported scheme `{scheme}`; use postgres:// or postgresql://"
                )))
            }
            None => {
                let params = conninfo_params(text).map_err(bad)?;
                (
                    Form::KeyValue(text.to_string()),
                    params,
                    Box::new(|kept: &[&Param]| {
                        kept.iter()
                            .map(|p| p.raw.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    }),
                )
            }
        };
        let get = |key: &str| {
            params
                .iter()
                .rev()
                .find(|p| p.key == key)
                .map(|p| p.value.clone())
        };
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mode_text = get("sslmode").or_else(|| env("PGSSLMODE"));
        let mode = match mode_text.as_deref() {
            None => SslMode::default(),
            Some(text) => SslMode::parse(text).ok_or_else(|| {
                bad(format!(
                    "sslmode `{text}` is not one of disable, allow, prefer, require, verify-ca, verify-full"
                ))
            })?,
        };
        let tls = TlsSettings {
            mode,
            root_cert: get("sslrootcert").or_else(|| env("PGSSLROOTCERT")),
            client_cert: get("sslcert")
                .or_else(|| env("PGSSLCERT"))
                .map(PathBuf::from),
            client_key: get("sslkey").or_else(|| env("PGSSLKEY")).map(PathBuf::from),
        };
        check_params(&params).map_err(bad)?;
        let kept: Vec<&Param> = params
            .iter()
            .filter(|p| !TLS_KEYS.contains(&p.key.as_str()))
            .collect();
        let driver = rebuild(&kept);
        Config::from_str(&driver).map_err(|e| bad(e.to_string()))?;
        if let (Form::Url { .. }, Some(invalid)) = (&form, invalid_percent(text)) {
            return Err(bad(format!("`{invalid}` is not a valid percent-encoding")));
        }
        Ok(Target {
            original: text.to_string(),
            form,
            driver,
            tls,
        })
    }

    /// A Unix-socket server (the throwaway cluster).
    pub(super) fn socket(dir: &Path, port: u16, user: &str) -> Target {
        let base = format!(
            "host={} port={port} user={user}",
            conninfo_value(&dir.display().to_string())
        );
        let original = format!("{base} dbname=postgres");
        Target {
            driver: original.clone(),
            original,
            form: Form::KeyValue(base),
            tls: TlsSettings {
                mode: SslMode::Disable,
                ..TlsSettings::default()
            },
        }
    }

    /// Driver settings for the maintenance database.
    pub(super) fn config(&self) -> Result<tokio_postgres::Config, PgError> {
        tokio_postgres::Config::from_str(&self.driver).map_err(|e| PgError::BadUrl {
            url: redact(&self.original),
            message: e.to_string(),
        })
    }

    /// The connection string for database `dbname`.
    pub(super) fn with_dbname(&self, dbname: &str) -> String {
        match &self.form {
            Form::Url { authority, query } => format!("{authority}/{dbname}{query}"),
            // A later keyword overrides an earlier one, in libpq and in the Rust driver alike.
            Form::KeyValue(base) => format!("{base} dbname={}", conninfo_value(dbname)),
        }
    }

    /// The string as given, without its password.
    pub(super) fn shown(&self) -> String {
        redact(&self.original)
    }
}

/// Keys of a connection string that the driver or this module take.
const KNOWN_KEYS: &[&str] = &[
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslnegotiation",
    "host",
    "hostaddr",
    "port",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
    "replication",
];

/// A port as libpq takes it: 1 to 65535.
fn check_port(port: &str, place: &str) -> Result<(), String> {
    match port.parse::<u16>() {
        Ok(n) if n > 0 => Ok(()),
        _ => Err(format!(
            "port `{}` {place} is not a port number (1 to 65535)",
            crate::sql::display(port)
        )),
    }
}

/// The part of a URL between `://` and the path: `user:password@host:port`, hosts separated
/// by commas, an IPv6 address in brackets. Says which part is wrong.
fn check_authority(authority: &str) -> Result<(), String> {
    let hosts = match authority.rfind('@') {
        Some(at) => {
            if authority[..at].contains('@') {
                return Err("the URL has more than one `@`: an `@` in the user name or password must be percent-encoded as %40".into());
            }
            &authority[at + 1..]
        }
        None => authority,
    };
    for host in hosts.split(',') {
        let port = if let Some(rest) = host.strip_prefix('[') {
            match rest.split_once(']') {
                Some((_, after)) => after.strip_prefix(':'),
                None => {
                    return Err(format!(
                        "`{}` opens an IPv6 address with `[` but never closes it",
                        crate::sql::display(host)
                    ))
                }
            }
        } else {
            host.rsplit_once(':').map(|(_, port)| port)
        };
        if let Some(port) = port.filter(|p| !p.is_empty()) {
            check_port(
                port,
                &format!("in the URL's host `{}`", crate::sql::display(host)),
            )?;
        }
    }
    Ok(())
}

/// The keys of a connection string: known ones, in lower case, with ports that are ports.
fn check_params(params: &[Param]) -> Result<(), String> {
    for p in params {
        if p.key == "port" {
            for port in p.value.split(',').filter(|p| !p.is_empty()) {
                check_port(port.trim(), "given with port=")?;
            }
        }
        let lower = p.key.to_ascii_lowercase();
        if !KNOWN_KEYS.contains(&p.key.as_str()) && KNOWN_KEYS.contains(&lower.as_str()) {
            return Err(format!(
                "`{}` is not a key: keys are lower case (`{lower}`)",
                crate::sql::display(&p.key)
            ));
        }
    }
    Ok(())
}

/// The pairs of a URL's query string, percent-decoded.
fn query_params(query: &str) -> Result<Vec<Param>, String> {
    let mut out = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{}` in the query has no `=`", redact_pair(pair)))?;
        out.push(Param {
            key: percent_decode(key),
            value: percent_decode(value),
            raw: pair.to_string(),
        });
    }
    Ok(out)
}

/// libpq's `key = value` pairs: values are bare (backslash escapes) or single-quoted
/// (backslash escapes `'` and `\`).
fn conninfo_params(text: &str) -> Result<Vec<Param>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_space = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_space(&mut i);
        if i >= chars.len() {
            return Ok(out);
        }
        let start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        skip_space(&mut i);
        if i >= chars.len() || chars[i] != '=' {
            return Err(format!("`{key}` has no `=` after it"));
        }
        i += 1;
        skip_space(&mut i);
        let mut value = String::new();
        if chars.get(i) == Some(&'\'') {
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(format!("the value of `{key}` has no closing quote"));
                    }
                    Some('\\') if i + 1 < chars.len() => {
                        value.push(chars[i + 1]);
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(c) => {
                        value.push(*c);
                        i += 1;
                    }
                }
            }
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                value.push(chars[i]);
                i += 1;
            }
        }
        out.push(Param {
            key,
            value,
            raw: chars[start..i].iter().collect(),
        });
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first `%` not followed by two hex digits, if any.
fn invalid_percent(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| {
        (bytes[i] == b'%'
            && !(i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit()))
        .then(|| String::from_utf8_lossy(&bytes[i..(i + 3).min(bytes.len())]).into_owned())
    })
}

/// A value for a `key=value` connection string, quoted when it needs to be.
fn conninfo_value(value: &str) -> String {
    if !value.is_empty() && !value.contains([' ', '\'', '\\']) {
        return value.to_string();
    }
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Whether `key` (in any case: a mistyped `PASSWORD=` still holds a password) names a secret.
fn secret(key: &str) -> bool {
    SECRET_KEYS.contains(&key.trim().to_ascii_lowercase().as_str())
}

fn redact_pair(pair: &str) -> String {
    match pair.split_once('=') {
        Some((key, _)) if secret(&percent_decode(key)) => format!("{key}=***"),
        _ => pair.to_string(),
    }
}

/// The connection string without any password, for messages: the password of a URL's user
/// (even one holding an unencoded `@`), `password=` and `sslpassword=` in a URL's query or in
/// `key=value` form, quoted or not, and even in a string that does not parse.
pub fn redact(text: &str) -> String {
    if let Some((scheme, rest)) = text.split_once("://") {
        let (main, query) = match rest.split_once('?') {
            Some((m, q)) => (m, Some(q)),
            None => (rest, None),
        };
        // The user information ends at the last `@`: a password may hold unencoded `@`.
        let main = match main.rfind('@') {
            Some(at) => {
                let (userinfo, host) = main.split_at(at);
                match userinfo.split_once(':') {
                    Some((user, _)) => format!("{user}:***{host}"),
                    None => main.to_string(),
                }
            }
            None => main.to_string(),
        };
        let mut out = format!("{scheme}://{main}");
        if let Some(query) = query {
            let pairs: Vec<String> = query.split('&').map(redact_pair).collect();
            out.push('?');
            out.push_str(&pairs.join("&"));
        }
        return out;
    }
    match conninfo_params(text) {
        Ok(params) => params
            .iter()
            .map(|p| {
                if secret(&p.key) {
                    format!("{}=***", p.key)
                } else {
                    p.raw.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        // Unparsable: hide everything from the first secret key on.
        Err(_) => {
            let lower = text.to_ascii_lowercase();
            match SECRET_KEYS.iter().filter_map(|k| lower.find(k)).min() {
                Some(at) => format!("{}***", &text[..at]),
                None => text.to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_point_at_other_databases() {
        let t = Target::parse("postgres://u:p@db.example:5433/app?sslmode=disable").unwrap();
        assert_eq!(
            t.with_dbname("x"),
            "postgres://u:p@db.example:5433/x?sslmode=disable"
        );
        let t = Target::parse("postgresql://localhost").unwrap();
        assert_eq!(t.with_dbname("x"), "postgresql://localhost/x");
        let t = Target::parse("host=/tmp port=5432 user=me dbname=app").unwrap();
        assert_eq!(
            t.with_dbname("x"),
            "host=/tmp port=5432 user=me dbname=app dbname=x"
        );
        assert_eq!(
            t.with_dbname("x").parse::<Config>().unwrap().get_dbname(),
            Some("x")
        );
    }

    #[test]
    fn tls_keys_are_taken_out_for_the_driver() {
        let t = Target::parse(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(t.tls.mode, SslMode::VerifyFull);
        assert_eq!(t.tls.root_cert.as_deref(), Some("/tmp/ca.pem"));
        assert_eq!(t.driver, "postgres://u@h/db?application_name=x");
        let t =
            Target::parse("host=h sslmode = 'verify-ca' sslrootcert='/a b/ca.pem' user=u").unwrap();
        assert_eq!(t.tls.mode, SslMode::VerifyCa);
        assert_eq!(t.tls.root_cert.as_deref(), Some("/a b/ca.pem"));
        assert_eq!(t.driver, "host=h user=u");
        assert!(Target::parse("host=h sslmode=sometimes").is_err());
    }

    #[test]
    fn bad_urls_are_errors_not_panics() {
        for bad in [
            "postgres://u@host:notaport/db",
            "mysql://localhost/db",
            "host='unterminated",
            "host=x port=notanumber",
            "postgres://h/db?noequals",
            "postgres://h/db?application_name=%zz",
        ] {
            let error = Target::parse(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad} was accepted"));
            assert!(
                error.to_string().contains("invalid database URL"),
                "{error}"
            );
        }
    }

    #[test]
    fn bad_parts_are_named() {
        for (bad, says) in [
            (
                "postgres://u@localhost:99999/db",
                "port `99999` in the URL's host `localhost:99999`",
            ),
            ("postgres://u@localhost:abc/db", "port `abc`"),
            ("postgres://u@h1:5432,h2:0/db", "port `0`"),
            ("postgres://u@[::1/db", "never closes it"),
            ("postgres://u:p@ss@localhost/db", "more than one `@`"),
            (
                "postgres://u@h/db?PASSWORD=x",
                "keys are lower case (`password`)",
            ),
            ("host=h port=70000", "port `70000` given with port="),
            ("host=h Port=5432", "keys are lower case (`port`)"),
        ] {
            let error = Target::parse(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad} was accepted"))
                .to_string();
            assert!(error.contains(says), "{bad}: {error}");
            assert!(!error.contains("p@ss"), "{error}");
        }
        for good in [
            "postgres://u:p%40ss@localhost:5432/db",
            "postgres://u@[::1]:5432/db",
            "postgres://u@h1,h2:5433/db",
            "postgres://localhost",
            "host=h port=5432,5433",
        ] {
            assert!(Target::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn passwords_are_not_shown() {
        for (given, shown) in [
            ("postgres://me:secret@h/db", "postgres://me:***@h/db"),
            ("postgres://me:se@cr@et@h/db", "postgres://me:***@h/db"),
            (
                "postgres://me@h/db?sslmode=require&password=secret",
                "postgres://me@h/db?sslmode=require&password=***",
            ),
            (
                "host=h password=secret user=me",
                "host=h password=*** user=me",
            ),
            (
                "host=h password = 'se cret' user=me",
                "host=h password=*** user=me",
            ),
            ("host=h password='secret", "host=h ***"),
            (
                "postgres://me@h/db?PASSWORD=secret&Password=x",
                "postgres://me@h/db?PASSWORD=***&Password=***",
            ),
            ("host=h PASSWORD=secret", "host=h PASSWORD=***"),
            ("host=h PassWord='secret", "host=h ***"),
        ] {
            assert_eq!(redact(given), shown);
        }
    }
}
