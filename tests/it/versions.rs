//! Every supported PostgreSQL, on the server the tests run on (`MODEL_PG_BINDIR` picks it;
//! `.ci/matrix` runs these on 14, 16, 17 and 18, the whole suite on 15): what a version adds is
//! declared on models and proven on a server that has it, refused by name on one that lacks
//! it, and planned with the best statement that version has.

use model_core::autogenerate::{compare, AutogenerateError};
use model_core::config::{Config, VersionSetting};
use model_core::diff::{diff_for, diff_with_renames_for, Op, Rename};
use model_core::kinds::{Change, KindChange, Setting};
use model_core::schema::TableName;
use model_core::sql::{Feature, PgVersion};
use model_core::{models, ModelSet};

use crate::support::{apply, fresh_database, lines, schema_of, server_major, server_version};

mod since_15 {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "authors", primary_key(tenant_id, id))]
    pub struct Author {
        pub tenant_id: i64,
        pub id: i64,
        #[model(unique)]
        pub handle: String,
    }

    /// A post keeps its tenant when its author goes: only `author_id` is set NULL.
    #[derive(Model)]
    #[model(
        table = "posts",
        foreign_key(
            tenant_id,
            author_id,
            references = "authors(tenant_id, id)",
            on_delete = "set null",
            on_delete_columns(author_id)
        ),
        unique(tenant_id, slug, nulls_not_distinct)
    )]
    pub struct Post {
        #[model(primary_key)]
        pub id: i64,
        pub tenant_id: i64,
        pub author_id: Option<i64>,
        pub slug: Option<String>,
    }
}

mod since_18 {
    use model_core::Model;

    /// A room's rates over time: no two periods of one room overlap.
    #[derive(Model)]
    #[model(table = "room_rates", primary_key(room_id, valid, without_overlaps))]
    pub struct RoomRate {
        pub room_id: i64,
        #[model(sql_type = "tstzrange", unchecked_type)]
        pub valid: String,
        pub cents: i32,
    }

    #[derive(Model)]
    #[model(
        table = "stays",
        foreign_key(room_id, during, references = "room_rates(room_id, valid)", period),
        unique(guest, during, without_overlaps),
        check(name = "stays_nights_sane", expr = "nights < 400", not_enforced)
    )]
    pub struct Stay {
        #[model(primary_key)]
        pub id: i64,
        pub room_id: i64,
        #[model(sql_type = "tstzrange", unchecked_type)]
        pub during: String,
        pub nights: i32,
        #[model(generated = "nights * 2", virtual)]
        pub half_days: Option<i32>,
        #[model(not_null_name = "stays_guest_required")]
        pub guest: String,
        #[model(foreign_key = "guests.id", not_enforced)]
        pub guest_id: Option<i64>,
    }

    #[derive(Model)]
    #[model(table = "guests")]
    pub struct Guest {
        #[model(primary_key)]
        pub id: i64,
    }
}

fn since_15() -> ModelSet {
    models![since_15::Author, since_15::Post].unwrap()
}

fn since_18() -> ModelSet {
    models![since_18::RoomRate, since_18::Stay, since_18::Guest]
        .unwrap()
        // Equality on a bigint in a GiST key (the temporal key's index) needs btree_gist.
        .with_extension("btree_gist")
}

/// The models reach the database and come back equal, and their downgrade empties it; or,
/// on a server without `features`, autogenerate refuses naming each use and the version.
fn declared_or_refused(models: &ModelSet, features: &[Feature]) {
    let version = server_version();
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let config = Config::default();
    let missing: Vec<Feature> = features
        .iter()
        .copied()
        .filter(|f| !version.supports(*f))
        .collect();
    if !missing.is_empty() {
        let error = compare(&mut client, models, &config).unwrap_err();
        let AutogenerateError::Unsupported(uses) = &error else {
            panic!("expected a refusal naming the features, got: {error}");
        };
        for feature in &missing {
            assert!(
                uses.iter().any(|u| u.feature == *feature),
                "{feature:?} not named in: {error}"
            );
        }
        assert!(uses.iter().all(|u| missing.contains(&u.feature)), "{error}");
        let text = error.to_string();
        assert!(
            text.contains(&format!("but the target is PostgreSQL {version}")),
            "{text}"
        );
        return;
    }
    let plan = compare(&mut client, models, &config).unwrap().plan();
    apply(&mut client, &plan.upgrade);
    let again = compare(&mut client, models, &config).unwrap().plan();
    assert!(
        again.is_empty(),
        "the models do not converge on PostgreSQL {version}; still:\n{}",
        model_core::render::script(&again.upgrade)
    );
    apply(&mut client, &plan.downgrade);
    let left = lines(
        &mut client,
        "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace",
    );
    assert!(left.is_empty(), "the downgrade left {left:?}");
}

#[test]
fn what_15_adds_is_declared_or_refused() {
    declared_or_refused(
        &since_15(),
        &[Feature::NullsNotDistinct, Feature::ForeignKeySetColumns],
    );
    if server_major() < 15 {
        return;
    }
    // The column list took effect: deleting an author keeps the post's tenant.
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let plan = compare(&mut client, &since_15(), &Config::default())
        .unwrap()
        .plan();
    apply(&mut client, &plan.upgrade);
    client
        .batch_execute(
            "INSERT INTO authors VALUES (1, 10, 'a');
             INSERT INTO posts VALUES (100, 1, 10, 'hello');
             DELETE FROM authors;",
        )
        .unwrap();
    assert_eq!(
        lines(&mut client, "SELECT tenant_id, author_id FROM posts"),
        ["1 | NULL"]
    );
}

/// The MAINTAIN privilege (VACUUM, ANALYZE, REINDEX, REFRESH, CLUSTER, LOCK TABLE).
#[test]
fn what_17_adds_is_declared_or_refused() {
    let role = "model_versions_maintainer";
    fresh_database()
        .connect()
        .unwrap()
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {role} NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .unwrap();
    let models = models![since_15::Author]
        .unwrap()
        .with_grant("authors", role, &["select", "maintain"])
        .unwrap();
    declared_or_refused(&models, &[Feature::MaintainPrivilege]);
}

#[test]
fn what_18_adds_is_declared_or_refused() {
    declared_or_refused(
        &since_18(),
        &[
            Feature::WithoutOverlaps,
            Feature::NotEnforced,
            Feature::VirtualGenerated,
            Feature::NotNullConstraints,
        ],
    );
    if server_major() < 18 {
        return;
    }
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let plan = compare(&mut client, &since_18(), &Config::default())
        .unwrap()
        .plan();
    apply(&mut client, &plan.upgrade);
    // As PostgreSQL 18 itself reports them.
    let facts = lines(
        &mut client,
        "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
          WHERE conrelid IN ('stays'::regclass, 'room_rates'::regclass)
            AND (contype <> 'n' OR conname = 'stays_guest_required')
          ORDER BY 1",
    );
    for expected in [
        "room_rates_pkey PRIMARY KEY (room_id, valid WITHOUT OVERLAPS)",
        "stays_guest_during_key UNIQUE (guest, during WITHOUT OVERLAPS)",
        "stays_guest_required NOT NULL guest",
        "stays_nights_sane CHECK ((nights < 400)) NOT ENFORCED",
        "stays_room_id_during_fkey FOREIGN KEY (room_id, PERIOD during) REFERENCES room_rates(room_id, PERIOD valid)",
        "stays_guest_id_fkey FOREIGN KEY (guest_id) REFERENCES guests(id) NOT ENFORCED",
    ] {
        assert!(
            facts.iter().any(|f| f == expected),
            "missing `{expected}` in:\n{}",
            facts.join("\n")
        );
    }
    assert_eq!(
        lines(
            &mut client,
            "SELECT attgenerated FROM pg_attribute WHERE attrelid = 'stays'::regclass AND attname = 'half_days'"
        ),
        ["v"]
    );
    // NOT ENFORCED is not checked: neither the nights nor the guest (there is none).
    client
        .batch_execute(
            "INSERT INTO room_rates VALUES (1, '[2026-01-01,2026-02-01)', 100);
             INSERT INTO stays (id, room_id, during, nights, guest, guest_id)
             VALUES (1, 1, '[2026-01-02,2026-01-05)', 999, 'ann', 5);",
        )
        .unwrap();
}

/// A generated column's new expression: `SET EXPRESSION` from 17 (the column keeps its
/// place), dropped and added before; either way proven on the server.
#[test]
fn a_generated_expression_changes_in_place_from_17() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let before = "CREATE TABLE t (a integer, b integer GENERATED ALWAYS AS (a * 2) STORED, c text)";
    let after = "CREATE TABLE t (a integer, b integer GENERATED ALWAYS AS (a * 3) STORED, c text)";
    let from = schema_of(&mut client, before, &["public"]).unwrap();
    let to = schema_of(&mut client, after, &["public"]).unwrap();
    let in_place = |version: PgVersion| {
        diff_for(&from, &to, version)
            .upgrade
            .iter()
            .filter_map(|op| match op {
                Op::Kind(KindChange::ColumnSetting(Change::Alter { to, .. })) => Some(&to.setting),
                _ => None,
            })
            .any(|setting| matches!(setting, Setting::Expression { .. }))
    };
    assert!(in_place(PgVersion::major_only(17)));
    assert!(in_place(PgVersion::major_only(18)));
    assert!(!in_place(PgVersion::major_only(16)));
    assert!(!in_place(PgVersion::major_only(14)));

    let plan = diff_for(&from, &to, server_version());
    client.batch_execute(before).unwrap();
    client
        .batch_execute("INSERT INTO t (a, c) VALUES (1, 'x'), (2, 'y')")
        .unwrap();
    apply(&mut client, &plan.upgrade);
    assert_eq!(
        lines(&mut client, "SELECT a, b, c FROM t ORDER BY a"),
        ["1 | 3 | x", "2 | 6 | y"]
    );
    let order = lines(
        &mut client,
        "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
          WHERE attrelid = 't'::regclass AND attnum > 0 AND NOT attisdropped",
    );
    let expected = if server_major() >= 17 {
        "a,b,c"
    } else {
        "a,c,b"
    };
    assert_eq!(order, [expected]);
    apply(&mut client, &plan.downgrade);
    assert_eq!(
        lines(&mut client, "SELECT a, b FROM t ORDER BY a"),
        ["1 | 2", "2 | 4"]
    );
}

/// PostgreSQL 18 keeps a NOT NULL constraint's name through a rename of its column; the plan
/// renames the constraint too, so the database matches one made from the models.
#[test]
fn a_renamed_column_keeps_a_matching_not_null_name() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let before = "CREATE TABLE t (id integer PRIMARY KEY, old_name text NOT NULL)";
    let after = "CREATE TABLE t (id integer PRIMARY KEY, new_name text NOT NULL)";
    let from = schema_of(&mut client, before, &["public"]).unwrap();
    let to = schema_of(&mut client, after, &["public"]).unwrap();
    let rename = Rename::Column {
        table: TableName::new("public", "t"),
        from: "old_name".into(),
        to: "new_name".into(),
    };
    let (plan, _) = diff_with_renames_for(&from, &to, &[rename], server_version());
    client.batch_execute(before).unwrap();
    apply(&mut client, &plan.upgrade);
    let names = "SELECT conname FROM pg_constraint WHERE conrelid = 't'::regclass AND contype = 'n' ORDER BY 1";
    if server_major() >= 18 {
        assert_eq!(
            lines(&mut client, names),
            ["t_id_not_null", "t_new_name_not_null"]
        );
    }
    let again = diff_for(
        &schema_of(&mut client, "SELECT 1", &["public"]).unwrap(),
        &to,
        server_version(),
    );
    assert!(again.is_empty(), "{:?}", again.upgrade);
    apply(&mut client, &plan.downgrade);
    if server_major() >= 18 {
        assert_eq!(
            lines(&mut client, names),
            ["t_id_not_null", "t_old_name_not_null"]
        );
    }
}

/// `postgres_version` older than the server: the plan is the older version's, and the models
/// may not use what it lacks.
#[test]
fn postgres_version_plans_for_the_oldest_database() {
    let mut config = Config {
        postgres_version: Some(VersionSetting::Number(14)),
        ..Config::default()
    };
    assert_eq!(config.target_version(), Ok(Some(PgVersion::major_only(14))));
    assert_eq!(
        config.plan_version(PgVersion::from_num(170_004)),
        PgVersion::major_only(14)
    );
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let error = compare(&mut client, &since_15(), &config).unwrap_err();
    assert!(
        error.to_string().contains(
            "uses NULLS NOT DISTINCT (PostgreSQL 15 and later), but the target is PostgreSQL 14"
        ),
        "{error}"
    );
    config.postgres_version = Some(VersionSetting::Text("13".into()));
    assert!(config
        .target_version()
        .unwrap_err()
        .contains("PostgreSQL 13 is not supported"));
    config.postgres_version = Some(VersionSetting::Text("fifteen".into()));
    assert!(config
        .target_version()
        .unwrap_err()
        .contains("is not a PostgreSQL version"));
}

/// The server is one this tool supports, and, in a matrix run, the one asked for (so a run
/// that meant 17 cannot pass on the system's 15 by mistake).
#[test]
fn the_server_is_supported_and_the_one_asked_for() {
    let version = server_version();
    assert!(PgVersion::SUPPORTED.contains(&version.major()), "{version}");
    if let Ok(expected) = std::env::var("MODEL_PG_EXPECT_MAJOR") {
        assert_eq!(version.major().to_string(), expected.trim());
    }
}

/// A revision autogenerated for a newer PostgreSQL than the server says so before it runs.
#[test]
fn a_revision_planned_for_a_newer_server_is_named_before_it_runs() {
    use model_core::migrate::{Migrator, TransactionMode, VersionTable};
    use model_core::revision::{Graph, Revision};
    let db = fresh_database();
    let dir = std::env::temp_dir().join(format!("model-versions-planned-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let newer = server_major() + 1;
    let revision = Revision {
        id: "aaaa0000plan".into(),
        message: "from the future".into(),
        create_date: "2026-01-01 00:00:00".into(),
        planned_for: Some(newer),
        upgrade: "CREATE TABLE t (a integer);\n".into(),
        downgrade: "DROP TABLE t;\n".into(),
        path: dir.join("aaaa0000plan_from_the_future.sql"),
        transactional: true,
        ..Default::default()
    };
    std::fs::write(&revision.path, revision.render()).unwrap();
    let graph = Graph::load(&dir).unwrap();
    assert_eq!(graph.get("aaaa0000plan").unwrap().planned_for, Some(newer));
    let mut client = db.connect().unwrap();
    let mut log = Vec::new();
    Migrator::new(
        &mut client,
        db.connect().unwrap(),
        &graph,
        VersionTable::default(),
        |l| log.push(l),
    )
    .upgrade("head", TransactionMode::PerRevision)
    .unwrap_or_else(|e| panic!("{e}"));
    let warning = format!(
        "WARNING: revision aaaa0000plan was planned for PostgreSQL {newer}; this server is {}: a statement form only {newer} has fails.",
        server_version()
    );
    let at = log.iter().position(|l| *l == warning);
    let running = log.iter().position(|l| l.starts_with("Running upgrade"));
    assert!(at.is_some() && at < running, "{log:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The throwaway server of PostgreSQL 13 (`.ci/postgres` installs it under target/pg/13):
/// refused by name and range before any catalog query can fail. Runs in a child process,
/// which starts that server.
#[test]
fn a_server_older_than_14_is_refused_by_name() {
    if std::env::var_os("MODEL_TEST_OLD_SERVER_CHILD").is_some() {
        return;
    }
    let bindir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pg/13/bin");
    if !bindir.join("postgres").exists() {
        let note = format!(
            "versions: PostgreSQL 13 is not installed under {} (.ci/postgres installs it), so the refusal of old servers was not tried on one\n",
            bindir.display()
        );
        assert!(std::env::var_os("CI").is_none(), "{note}");
        // Not captured: a skipped check is never silent.
        use std::io::Write as _;
        let _ = std::io::stderr().write_all(note.as_bytes());
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "versions::child_reads_an_old_server",
            "--nocapture",
        ])
        .env("MODEL_TEST_OLD_SERVER_CHILD", "1")
        .env("MODEL_PG_BINDIR", &bindir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("REFUSED: PostgreSQL 13.23 is not supported: this tool reads and plans for PostgreSQL 14–18 (its catalogs differ before 14)"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The child of [`a_server_older_than_14_is_refused_by_name`]; nothing on its own.
#[test]
fn child_reads_an_old_server() {
    if std::env::var_os("MODEL_TEST_OLD_SERVER_CHILD").is_none() {
        return;
    }
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let options = model_core::introspect::Options::default();
    let read = model_core::introspect::introspect(&mut client, &options).unwrap_err();
    let compared = compare(&mut client, &since_15(), &Config::default()).unwrap_err();
    assert_eq!(read.to_string(), compared.to_string());
    println!("REFUSED: {read}");
}

/// `.ci/matrix` runs every supported version but 15 (the main one, on which the whole
/// workspace runs): no supported version goes untested.
#[test]
fn the_matrix_covers_every_supported_version() {
    let script = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/matrix"),
    )
    .unwrap();
    let line = script
        .lines()
        .find_map(|l| l.strip_prefix("versions=("))
        .and_then(|l| l.strip_suffix(')'))
        .expect("versions=(…) in .ci/matrix");
    let mut covered: Vec<u32> = line
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    covered.push(15);
    covered.sort();
    assert_eq!(covered, PgVersion::SUPPORTED);
}
