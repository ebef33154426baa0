//! Lock timeouts with retries, after GitLab's `with_lock_retries`: every statement of a run
//! waits at most `lock_timeout` for a lock, on every attempt, so a long transaction elsewhere
//! cannot queue the application behind a migration's `ACCESS EXCLUSIVE` request for longer
//! than that. On a lock timeout (SQLSTATE 55P03) the revision's transaction (or, outside a
//! transaction, the statement) is rolled back and tried again after a pause; the pauses grow
//! (1 s, 2 s, 4 s, … up to 30 s), never the waits. After the last attempt the run fails naming
//! the relations and the sessions that held them.

use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::Type;

use crate::pg::Connection;

use crate::sql::tokens::{rewrite, SiteKind};

/// How long statements wait for locks, and how often a run tries again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRetries {
    /// How long any statement waits for a lock, on every attempt: the longest another
    /// session queued behind the migration's lock request waits because of it.
    pub lock_timeout: Duration,
    /// `statement_timeout` for every statement (zero: none; `None`: PostgreSQL's setting
    /// stays).
    pub statement_timeout: Option<Duration>,
    /// Attempts in all (1: no retry).
    pub attempts: u32,
    /// The pause after the first timeout; each next pause doubles it, up to 30 s.
    pub pause: Duration,
    /// How long a concurrent index build or drop waits for the transactions older than it
    /// (its lock request queues no reader or writer, so it is not held to `lock_timeout`).
    pub concurrent_wait: Duration,
}

impl Default for LockRetries {
    /// 2 s for a lock, 5 attempts, pauses of 1, 2, 4 and 8 s between them: at most 25 s in
    /// all, during which other sessions are never queued behind the migration for more than
    /// 2 s at a time.
    /// No statement runs longer than an hour (a bound on a runaway, not on an index build of
    /// ordinary size).
    fn default() -> Self {
        LockRetries {
            lock_timeout: Duration::from_secs(2),
            statement_timeout: Some(Duration::from_secs(3600)),
            attempts: 5,
            pause: Duration::from_secs(1),
            concurrent_wait: Duration::from_secs(600),
        }
    }
}

/// What a script says of the timeouts: the lock and statement timeouts of `retries`.
impl From<&LockRetries> for crate::render::Timeouts {
    fn from(retries: &LockRetries) -> Self {
        crate::render::Timeouts {
            lock_timeout: retries.lock_timeout,
            statement_timeout: retries.statement_timeout,
        }
    }
}

impl LockRetries {
    /// These settings for `revision`: its own `-- Lock Timeout:` first, when it has one.
    pub fn of(&self, revision: &crate::revision::Revision) -> LockRetries {
        LockRetries {
            lock_timeout: revision.lock_timeout.unwrap_or(self.lock_timeout),
            ..self.clone()
        }
    }

    /// `lock_timeout` of attempt `n` (from 0): the same on every attempt, so the bound on
    /// what others wait holds on every attempt (only the pauses between attempts grow).
    pub fn timeout(&self, n: u32) -> Duration {
        let _ = n;
        self.lock_timeout
    }

    /// The pause after attempt `n` failed.
    pub fn pause_after(&self, n: u32) -> Duration {
        self.pause
            .saturating_mul(1 << n.min(20))
            .min(Duration::from_secs(30).max(self.pause))
    }

    /// The `SET [LOCAL]` statements of attempt `n`.
    pub(crate) fn settings(&self, n: u32, local: bool) -> String {
        let mut out = self.lock_setting(n, local);
        if let Some(limit) = self.statement_timeout {
            let scope = if local { "SET LOCAL" } else { "SET" };
            out.push_str(&format!(
                " {scope} statement_timeout = {};",
                limit.as_millis()
            ));
        }
        out
    }

    /// The `SET [LOCAL] lock_timeout` of attempt `n`.
    pub(crate) fn lock_setting(&self, n: u32, local: bool) -> String {
        let scope = if local { "SET LOCAL" } else { "SET" };
        format!(
            "{scope} lock_timeout = {};",
            self.timeout(n).as_millis().max(1)
        )
    }

    /// What the runner runs for a script's statement: a script's own `SET lock_timeout`
    /// becomes this revision's lock timeout from there on (`self` is updated), set within the
    /// transaction when there is one; a
    /// `SET statement_timeout` is kept within the transaction. Any other statement runs as
    /// written.
    pub(crate) fn script_statement<'s>(
        &mut self,
        statement: &'s str,
        attempt: u32,
        local: bool,
    ) -> std::borrow::Cow<'s, str> {
        use std::borrow::Cow;
        match timeout_setting(statement) {
            Some(TimeoutSetting::Lock(timeout)) if !timeout.is_zero() => {
                self.lock_timeout = timeout;
                Cow::Owned(self.lock_setting(attempt, local))
            }
            Some(TimeoutSetting::Statement(limit)) if local => {
                self.statement_timeout = Some(limit);
                Cow::Owned(format!(
                    "SET LOCAL statement_timeout = {}",
                    limit.as_millis()
                ))
            }
            Some(TimeoutSetting::Statement(limit)) => {
                self.statement_timeout = Some(limit);
                Cow::Borrowed(statement)
            }
            _ => Cow::Borrowed(statement),
        }
    }
}

/// A script's `SET [SESSION | LOCAL] lock_timeout | statement_timeout { = | TO } value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeoutSetting {
    Lock(Duration),
    Statement(Duration),
}

/// The setting `statement` makes, when it is one of the two timeouts with a value read as
/// PostgreSQL reads it (`'2s'`, `2000`, `'1min'`); `None` for anything else (`DEFAULT`
/// included: that runs as written).
pub(crate) fn timeout_setting(statement: &str) -> Option<TimeoutSetting> {
    let text = strip_leading_comments(statement);
    let mut words = text.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("set") {
        return None;
    }
    let mut name = words.next()?;
    if name.eq_ignore_ascii_case("session") || name.eq_ignore_ascii_case("local") {
        name = words.next()?;
    }
    let rest: Vec<&str> = words.collect();
    let rest = rest.join(" ");
    // `name = value`, `name TO value`, `name=value`.
    let (name, value) = match name.split_once('=') {
        Some((n, v)) => (n, format!("{v} {rest}")),
        None => {
            let rest = rest.trim_start();
            let value = if let Some(v) = rest.strip_prefix('=') {
                v
            } else if rest.len() > 2 && rest[..2].eq_ignore_ascii_case("to") {
                &rest[2..]
            } else {
                return None;
            };
            (name, value.to_string())
        }
    };
    let value = value.trim().trim_end_matches(';').trim();
    let value = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(value);
    let duration = parse_duration(value)?;
    match name.to_ascii_lowercase().as_str() {
        "lock_timeout" => Some(TimeoutSetting::Lock(duration)),
        "statement_timeout" => Some(TimeoutSetting::Statement(duration)),
        _ => None,
    }
}

fn strip_leading_comments(mut text: &str) -> &str {
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix("--") {
            text = rest.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(rest) = text.strip_prefix("/*") {
            text = rest.split_once("*/").map_or("", |(_, r)| r);
        } else {
            return text;
        }
    }
}

/// Whether `error` is a lock timeout.
pub(crate) fn is_lock_timeout(error: &postgres::Error) -> bool {
    error.code() == Some(&SqlState::LOCK_NOT_AVAILABLE)
}

pub use crate::sql::duration_text;
pub use model_revision::parse_duration;

/// The names in `sql` that may be relations (every identifier that is not a function, a
/// qualifier or a type), quoted, each once: for `to_regclass`.
pub(crate) fn relations_named(sql: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    rewrite(sql, |site| {
        if site.kind == SiteKind::Ident && !site.call && !site.qualifies && !site.cast {
            let name = match &site.qualifier {
                Some(schema) => crate::sql::qualified(schema, &site.value),
                None => crate::sql::quote_ident(&site.value),
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        None
    });
    names
}

/// The sessions holding locks on the relations `sql` names, one line each:
/// `orders: pid 4242 (alice, psql, idle in transaction for 12 s): LOCK orders`.
pub(crate) async fn blockers<C: Connection>(client: &mut C, sql: &str) -> Vec<String> {
    let names = relations_named(sql);
    let query = "SELECT l.relation::regclass::text || ': pid ' || a.pid || ' (' || coalesce(a.usename::text, '?')
                        || coalesce(', ' || nullif(a.application_name, ''), '') || ', ' || coalesce(a.state, '?')
                        || coalesce(' for ' || date_trunc('second', now() - coalesce(a.xact_start, a.query_start))::text, '')
                        || '): ' || left(regexp_replace(a.query, '\\s+', ' ', 'g'), 120)
                 FROM pg_locks l
                 JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE l.granted AND l.pid <> pg_backend_pid()
                   AND l.relation IN (SELECT to_regclass(n) FROM unnest($1::text[]) n WHERE to_regclass(n) IS NOT NULL)
                 ORDER BY 1";
    match client
        .query_typed(query, &[(&names, Type::TEXT_ARRAY)])
        .await
    {
        Ok(rows) => rows.iter().map(|r| r.get(0)).collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_postgres_reads_them() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1min"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("250"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("2 weeks"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn every_attempt_waits_the_same_and_the_pauses_grow() {
        let r = LockRetries::default();
        assert_eq!(r.timeout(0), Duration::from_secs(2));
        assert_eq!(r.timeout(1), Duration::from_secs(2));
        assert_eq!(r.timeout(9), Duration::from_secs(2));
        assert_eq!(r.pause_after(0), Duration::from_secs(1));
        assert_eq!(r.pause_after(1), Duration::from_secs(2));
        assert_eq!(r.pause_after(10), Duration::from_secs(30));
        assert_eq!(
            r.settings(0, true),
            "SET LOCAL lock_timeout = 2000; SET LOCAL statement_timeout = 3600000;"
        );
    }

    #[test]
    fn a_script_sets_its_timeouts_the_runner_way() {
        use TimeoutSetting::*;
        let read = timeout_setting;
        assert_eq!(
            read("SET lock_timeout = '5s'"),
            Some(Lock(Duration::from_secs(5)))
        );
        assert_eq!(
            read("-- limits\nset LOCAL lock_timeout TO 300;"),
            Some(Lock(Duration::from_millis(300)))
        );
        assert_eq!(
            read("SET SESSION statement_timeout='1min'"),
            Some(Statement(Duration::from_secs(60)))
        );
        assert_eq!(
            read("SET statement_timeout = 0"),
            Some(Statement(Duration::ZERO))
        );
        assert_eq!(read("SET lock_timeout = DEFAULT"), None);
        assert_eq!(read("SET search_path = '5s'"), None);
        assert_eq!(read("SELECT 'SET lock_timeout = 1s'"), None);

        let mut r = LockRetries::default();
        // A script's lock_timeout is every attempt's from there on.
        assert_eq!(
            r.script_statement("SET lock_timeout = '5s'", 1, true),
            "SET LOCAL lock_timeout = 5000;"
        );
        assert_eq!(r.timeout(0), Duration::from_secs(5));
        assert_eq!(
            r.script_statement("SET statement_timeout = '1min'", 0, true),
            "SET LOCAL statement_timeout = 60000"
        );
        assert_eq!(
            r.script_statement("SET statement_timeout = '1min'", 0, false),
            "SET statement_timeout = '1min'"
        );
        assert_eq!(r.script_statement("SELECT 1", 3, true), "SELECT 1");
        for d in [
            Duration::from_millis(1500),
            Duration::from_secs(2),
            Duration::from_secs(120),
            Duration::from_secs(7200),
        ] {
            assert_eq!(parse_duration(&duration_text(d)), Some(d));
        }
    }
}
