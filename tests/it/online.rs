//! Online revisions: the upgrade of a table in use, written with concurrent index builds,
//! `NOT VALID` constraints validated in their own step and `SET NOT NULL` through a validated
//! check, applied by the runner while another session keeps writing; the schema reaches the
//! target, the writer is never held longer than the lock timeout, the downgrade returns.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use model_core::autogenerate::verify_sql;
use model_core::diff::{diff, diff_for, HazardKind, LockMode};
use model_core::migrate::{LockRetries, Migrator, TransactionMode, VersionTable};
use model_core::render::{online_revision_body, online_statements};
use model_core::revision::{Graph, Revision};

use crate::support::{
    fresh_database, generated_workload, load_statements, schema_of, server_version,
};

const BEFORE: &str = "
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer bigint, email text, note text);
CREATE INDEX orders_old ON orders (note);";

const AFTER: &str = "
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer bigint REFERENCES customers (id),
                     email text NOT NULL UNIQUE, note text CHECK (note <> ''));
CREATE INDEX orders_customer ON orders (customer);";

/// Each online pattern alone, then all of them in one revision.
#[test]
fn each_online_pattern_keeps_writers_going_and_reaches_the_target() {
    let orders = |columns: &str, index: &str| {
        format!(
            "CREATE TABLE customers (id bigint PRIMARY KEY);
             CREATE TABLE orders (id bigint PRIMARY KEY, {columns}); {index}"
        )
    };
    let plain = "customer bigint, email text, note text";
    // PostgreSQL 18 adds the NOT NULL itself NOT VALID and validates it; before, a validated
    // check stands in for the scan.
    let not_null: Vec<&str> = if crate::support::server_major() >= 18 {
        vec![
            "ADD CONSTRAINT orders_email_not_null NOT NULL email NOT VALID",
            "VALIDATE CONSTRAINT orders_email_not_null",
        ]
    } else {
        vec![
            "CHECK (email IS NOT NULL) NOT VALID",
            "VALIDATE CONSTRAINT orders_email_not_null_online",
            "ALTER COLUMN email SET NOT NULL",
        ]
    };
    let old_index = "CREATE INDEX orders_old ON orders (note);";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "index",
            orders(
                plain,
                &format!("{old_index} CREATE INDEX orders_customer ON orders (customer);"),
            ),
            vec!["CREATE INDEX CONCURRENTLY orders_customer ON public.orders"],
        ),
        (
            "type changed",
            orders("customer bigint, email varchar, note text", old_index),
            vec![
                "ALTER COLUMN email TYPE character varying",
                "ANALYZE public.orders (email)",
            ],
        ),
        (
            "dropped index",
            orders(plain, ""),
            vec!["DROP INDEX CONCURRENTLY IF EXISTS public.orders_old"],
        ),
        (
            "unique",
            orders("customer bigint, email text UNIQUE, note text", old_index),
            vec![
                "CREATE UNIQUE INDEX CONCURRENTLY orders_email_key ON public.orders",
                "ADD CONSTRAINT orders_email_key UNIQUE USING INDEX orders_email_key",
            ],
        ),
        (
            "foreign key",
            orders(
                "customer bigint REFERENCES customers (id), email text, note text",
                old_index,
            ),
            vec![
                "FOREIGN KEY (customer) REFERENCES public.customers (id) NOT VALID",
                "VALIDATE CONSTRAINT orders_customer_fkey",
            ],
        ),
        (
            "check",
            orders(
                "customer bigint, email text, note text CHECK (note <> '')",
                old_index,
            ),
            vec!["NOT VALID", "VALIDATE CONSTRAINT orders_note_check"],
        ),
        (
            "not null",
            orders("customer bigint, email text NOT NULL, note text", old_index),
            not_null.clone(),
        ),
        (
            "all of them",
            AFTER.to_string(),
            vec![
                "CREATE INDEX CONCURRENTLY orders_customer ON public.orders",
                "CREATE UNIQUE INDEX CONCURRENTLY orders_email_key ON public.orders",
                "VALIDATE CONSTRAINT orders_customer_fkey",
                "VALIDATE CONSTRAINT orders_note_check",
                not_null[1],
            ],
        ),
    ];
    for (i, (name, after, expected)) in cases.iter().enumerate() {
        prove_online(i, name, after, expected);
    }
}

/// Applies the online revision from `BEFORE` (with rows) to `after` while a writer inserts,
/// and back.
fn prove_online(n: usize, name: &str, after: &str, expected: &[&str]) {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    client
        .batch_execute(&format!(
            "{BEFORE}
             INSERT INTO customers SELECT g FROM generate_series(1, 100) g;
             INSERT INTO orders SELECT g, 1 + g % 100, 'm' || g || '@x', 'n' FROM generate_series(1, 50000) g;
             ANALYZE"
        ))
        .unwrap();
    let from = schema_of(&mut client, "SELECT 1", &["public"]).unwrap();
    let to = schema_of(
        &mut client,
        &format!("DROP TABLE orders, customers; {after}"),
        &["public"],
    )
    .unwrap();
    let version = server_version();
    let plan = diff_for(&from, &to, version);
    let body = online_revision_body(&plan.upgrade, &plan.downgrade, version);
    assert!(!body.transactional);
    for expected in expected {
        assert!(
            body.upgrade.contains(expected),
            "{name}: no `{expected}` in\n{}",
            body.upgrade
        );
    }
    // The same plan as statements: none scans, rewrites or builds an index while blocking
    // writes; those that stand alone outside a transaction take SHARE UPDATE EXCLUSIVE at
    // most, but for the instant takeovers (a unique index becoming a constraint, NOT NULL
    // once checked), and each concurrent build or validation says it may fail.
    for statement in online_statements(&plan.upgrade, version) {
        let at = format!("{name}: {}", statement.sql);
        for hazard in &statement.hazards {
            assert!(
                !matches!(
                    hazard.kind,
                    HazardKind::Rewrite
                        | HazardKind::ScanExclusive
                        | HazardKind::ScanBlocksWrites
                        | HazardKind::BuildsIndex
                ),
                "{at}: {hazard}"
            );
        }
        if !statement.transactional {
            let instant =
                statement.sql.contains("USING INDEX") || statement.sql.contains("SET NOT NULL");
            assert!(
                instant
                    || statement
                        .locks
                        .iter()
                        .all(|l| l.mode <= LockMode::ShareUpdateExclusive),
                "{at}: {:?}",
                statement.locks
            );
        }
        if statement
            .sql
            .starts_with("CREATE UNIQUE INDEX CONCURRENTLY")
            || statement.sql.contains("VALIDATE CONSTRAINT")
        {
            assert!(
                statement
                    .hazards
                    .iter()
                    .any(|h| h.kind == HazardKind::MayFail),
                "{at}"
            );
        }
    }
    // Proven on a schema-only copy first, as autogenerate does.
    verify_sql(&body.upgrade, &body.downgrade, &from, &to).unwrap_or_else(|e| panic!("{e}"));

    let dir = std::env::temp_dir().join(format!("model-online-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let revision = Revision {
        id: "cccc0000onln".into(),
        message: "online".into(),
        create_date: "2026-01-01 00:00:00".into(),
        upgrade: body.upgrade.clone(),
        downgrade: body.downgrade.clone(),
        path: dir.join("cccc0000onln_online.sql"),
        transactional: false,
        ..Default::default()
    };
    std::fs::write(&revision.path, revision.render()).unwrap();
    let graph = Graph::load(&dir).unwrap();

    // A writer inserting rows that satisfy the new constraints, timing each insert.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writer = db.connect().unwrap();
    let writing = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut longest, mut n) = (Duration::ZERO, 0u64);
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let started = Instant::now();
                writer
                    .batch_execute(&format!(
                        "INSERT INTO orders VALUES ({id}, 7, 'w{id}@x', 'w')",
                        id = 1_000_000 + n
                    ))
                    .unwrap();
                longest = longest.max(started.elapsed());
            }
            (longest, n)
        })
    };
    let result = Migrator::new(
        &mut client,
        db.connect().unwrap(),
        &graph,
        VersionTable::default(),
        |_| {},
    )
    .upgrade("head", TransactionMode::PerRevision)
    .map(|_| ())
    .map_err(|e| e.to_string());
    stop.store(true, Ordering::Relaxed);
    let (longest, written) = writing.join().unwrap();
    result.unwrap_or_else(|e| panic!("{e}"));
    assert!(written > 0);
    // The default lock_timeout is 2 s: no step holds the writer longer.
    assert!(
        longest < Duration::from_secs(2),
        "a writer waited {longest:?}"
    );
    let now = without_version_tables(schema_of(&mut client, "SELECT 1", &["public"]).unwrap());
    let rest = diff(&now, &to);
    assert!(
        rest.is_empty(),
        "{}",
        model_core::render::script(&rest.upgrade)
    );

    Migrator::new(
        &mut client,
        db.connect().unwrap(),
        &graph,
        VersionTable::default(),
        |_| {},
    )
    .downgrade("base", TransactionMode::PerRevision)
    .unwrap_or_else(|e| panic!("{e}"));
    let back = without_version_tables(schema_of(&mut client, "SELECT 1", &["public"]).unwrap());
    let rest = diff(&back, &from);
    assert!(
        rest.is_empty(),
        "{}",
        model_core::render::script(&rest.upgrade)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn without_version_tables(mut schema: model_core::schema::Schema) -> model_core::schema::Schema {
    schema
        .tables
        .retain(|t| !t.name.name.starts_with("model_version"));
    schema
}

/// The online revision of the team's generated workload (`bench/gen_schema.py`,
/// 1,000 tables by default; `MODEL_ONLINE_TABLES` for another size): database A is the
/// schema, B the schema plus its delta (3 columns added, a table dropped, 2 indexes). The
/// revision from A to B in online form is proven on a copy, has its hazards written, is
/// accepted by squawk, and the runner applies it and takes it back.
#[test]
fn a_generated_workload_goes_online() {
    let n: usize = std::env::var("MODEL_ONLINE_TABLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let (schema_sql, delta_sql) = generated_workload(n);
    let (a_db, b_db) = (fresh_database(), fresh_database());
    let (mut a, mut b) = (a_db.connect().unwrap(), b_db.connect().unwrap());
    load_statements(&mut a, &schema_sql);
    load_statements(&mut b, &schema_sql);
    load_statements(&mut b, &delta_sql);
    let from = schema_of(&mut a, "SELECT 1", &["public"]).unwrap();
    let to = schema_of(&mut b, "SELECT 1", &["public"]).unwrap();
    let plan = diff_for(&from, &to, server_version());
    let body = online_revision_body(&plan.upgrade, &plan.downgrade, server_version());
    assert!(
        body.upgrade.contains("CREATE INDEX CONCURRENTLY") && body.upgrade.contains("-- HAZARD: "),
        "{}",
        body.upgrade
    );
    let settings = model_core::render::timeout_settings(&LockRetries::default());
    let (upgrade, downgrade) = (
        format!("{settings}\n{}", body.upgrade),
        format!("{settings}\n{}", body.downgrade),
    );
    verify_sql(&upgrade, &downgrade, &from, &to).unwrap_or_else(|e| panic!("{e}"));

    let dir = std::env::temp_dir().join(format!("model-online-gen-rev-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let revision = Revision {
        id: "gggg0000onln".into(),
        message: "online".into(),
        create_date: "2026-01-01 00:00:00".into(),
        upgrade: upgrade.clone(),
        downgrade: downgrade.clone(),
        path: dir.join("gggg0000onln_online.sql"),
        transactional: body.transactional,
        ..Default::default()
    };
    std::fs::write(&revision.path, revision.render()).unwrap();
    let graph = Graph::load(&dir).unwrap();
    let migrator = |client: &mut postgres::Client| {
        Migrator::new(
            client,
            a_db.connect().unwrap(),
            &graph,
            VersionTable::default(),
            |_| {},
        )
        .upgrade("head", TransactionMode::PerRevision)
        .map(|_| ())
        .unwrap_or_else(|e| panic!("{e}"))
    };
    migrator(&mut a);
    let now = without_version_tables(schema_of(&mut a, "SELECT 1", &["public"]).unwrap());
    assert!(diff(&now, &to).is_empty(), "the upgrade did not reach B");
    Migrator::new(
        &mut a,
        a_db.connect().unwrap(),
        &graph,
        VersionTable::default(),
        |_| {},
    )
    .downgrade("base", TransactionMode::PerRevision)
    .unwrap_or_else(|e| panic!("{e}"));
    let back = without_version_tables(schema_of(&mut a, "SELECT 1", &["public"]).unwrap());
    assert!(
        diff(&back, &from).is_empty(),
        "the downgrade did not return to A"
    );

    if let Some(refused) = crate::squawk::refusals(&dir, &[&upgrade, &downgrade]) {
        assert!(
            refused.is_empty(),
            "squawk: {refused:?}\n{upgrade}\n{downgrade}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
