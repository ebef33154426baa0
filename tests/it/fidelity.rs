//! Models that match the database exactly give no operation, whatever spelling they use for
//! what PostgreSQL treats as the same thing; a change converges (applied once, the next
//! comparison is empty). Through `model_core::autogenerate::compare`, the pipeline the CLI's
//! `revision --autogenerate` and `check` use.

use model_core::autogenerate::compare;
use model_core::config::Config;
use model_core::{models, ModelSet};

use crate::support::{apply, fresh_database};

mod spelled_out {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "items")]
    pub struct Item {
        #[model(primary_key, identity(by_default, start = 1, increment = 1))]
        pub id: i64,
        #[model(sql_type = "numeric(10,2)", default = "5")]
        pub price: rust_decimal::Decimal,
        #[model(default = "5.2")]
        pub weight: f64,
        #[model(default = "5.0")]
        pub ratio: f64,
        #[model(
            sql_type = "smallint",
            identity(always, minvalue = 1, maxvalue = 32767, cache = 1)
        )]
        pub code: i16,
    }
}

mod shortest {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "items")]
    pub struct Item {
        #[model(primary_key, identity)]
        pub id: i64,
        #[model(sql_type = "numeric(10,2)", default = "'5'::numeric")]
        pub price: rust_decimal::Decimal,
        #[model(default = "'5.2'::double precision")]
        pub weight: f64,
        #[model(default = "5")]
        pub ratio: f64,
        #[model(sql_type = "smallint", identity(always))]
        pub code: i16,
    }
}

mod stepped {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "items")]
    pub struct Item {
        #[model(
            primary_key,
            identity(by_default, start = 100, increment = 5, cache = 10, cycle)
        )]
        pub id: i64,
        #[model(sql_type = "numeric(10,2)", default = "5")]
        pub price: rust_decimal::Decimal,
        #[model(default = "5.2")]
        pub weight: f64,
        #[model(default = "5")]
        pub ratio: f64,
        #[model(sql_type = "smallint", identity(always, maxvalue = 1000))]
        pub code: i16,
    }
}

mod retyped {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "events")]
    pub struct Event {
        #[model(primary_key)]
        pub id: i64,
        pub happened: bool,
    }
}

/// A column whose type changes to one PostgreSQL has no cast to is refused with its name,
/// instead of a script that fails when it runs.
#[test]
fn a_type_change_without_a_cast_is_refused_naming_the_column() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    client
        .batch_execute("CREATE TABLE events (id bigint PRIMARY KEY, happened date NOT NULL)")
        .unwrap();
    let error = compare(&mut client, &models![retyped::Event].unwrap(), &config())
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("events.happened") && error.contains("date") && error.contains("boolean"),
        "{error}"
    );
}

mod converted {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "events")]
    pub struct Event {
        #[model(primary_key)]
        pub id: i64,
        #[model(
            using = "happened > date '2000-01-01'",
            downgrade_using = "CASE WHEN happened THEN date '2024-01-01' ELSE date '1999-01-01' END"
        )]
        pub happened: bool,
    }
}

/// The same change with the conversion given on the field, both ways: the plan uses it, and
/// the rows convert up and back.
#[test]
fn a_type_change_without_a_cast_converts_by_the_fields_expression() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    client
        .batch_execute(
            "CREATE TABLE events (id bigint PRIMARY KEY, happened date NOT NULL);
             INSERT INTO events VALUES (1, '2024-05-01'), (2, '1990-01-01');",
        )
        .unwrap();
    let plan = compare(&mut client, &models![converted::Event].unwrap(), &config())
        .unwrap()
        .plan();
    let upgrade = model_core::render::script(&plan.upgrade);
    assert!(
        upgrade.contains("TYPE boolean USING happened > date '2000-01-01'"),
        "{upgrade}"
    );
    apply(&mut client, &plan.upgrade);
    let rows = |client: &mut postgres::Client| -> Vec<String> {
        client
            .query("SELECT happened::text FROM events ORDER BY id", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(rows(&mut client), ["true", "false"]);
    apply(&mut client, &plan.downgrade);
    assert_eq!(rows(&mut client), ["2024-01-01", "1999-01-01"]);
}

mod deferred {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "parents")]
    pub struct Parent {
        #[model(primary_key)]
        pub id: i64,
        #[model(unique, initially_deferred)]
        pub code: String,
    }

    #[derive(Model)]
    #[model(table = "children", unique(parent_id, rank, deferrable))]
    pub struct Child {
        #[model(primary_key)]
        pub id: i64,
        #[model(foreign_key = "parents.id", deferrable)]
        pub parent_id: i64,
        pub rank: i32,
    }
}

/// `deferrable` and `initially_deferred` on a field reach its foreign key and unique
/// constraint in the database, and the models then match it.
#[test]
fn field_level_deferrable_constraints_reach_the_database() {
    let models = || models![deferred::Parent, deferred::Child].unwrap();
    converges(ModelSet::new([]).unwrap(), models(), true);
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let plan = compare(&mut client, &models(), &config()).unwrap().plan();
    apply(&mut client, &plan.upgrade);
    let rows: Vec<String> = client
        .query(
            "SELECT conname || ' ' || condeferrable || ' ' || condeferred FROM pg_constraint \
             WHERE contype IN ('f', 'u') AND connamespace = 'public'::regnamespace ORDER BY conname",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        rows,
        [
            "children_parent_id_fkey true false",
            "children_parent_id_rank_key true false",
            "parents_code_key true true"
        ]
    );
}

fn config() -> Config {
    Config::default()
}

/// Creates the database from `first`, then requires that comparing it with `second` gives
/// `changes` operations, and that once they are applied the comparison is empty.
fn converges(first: ModelSet, second: ModelSet, changes: bool) {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let start = compare(&mut client, &first, &config()).unwrap().plan();
    apply(&mut client, &start.upgrade);
    let plan = compare(&mut client, &second, &config()).unwrap().plan();
    assert_eq!(
        !plan.is_empty(),
        changes,
        "unexpected plan:\n{}",
        model_core::render::script(&plan.upgrade)
    );
    apply(&mut client, &plan.upgrade);
    let again = compare(&mut client, &second, &config()).unwrap().plan();
    assert!(
        again.is_empty(),
        "the change does not converge; still:\n{}",
        model_core::render::script(&again.upgrade)
    );
}

#[test]
fn defaults_spelled_out_and_shortest_spelling_compare_equal() {
    converges(
        models![spelled_out::Item].unwrap(),
        models![shortest::Item].unwrap(),
        false,
    );
    converges(
        models![shortest::Item].unwrap(),
        models![spelled_out::Item].unwrap(),
        false,
    );
}

#[test]
fn identity_options_change_and_change_back_converge() {
    converges(
        models![spelled_out::Item].unwrap(),
        models![stepped::Item].unwrap(),
        true,
    );
    converges(
        models![stepped::Item].unwrap(),
        models![spelled_out::Item].unwrap(),
        true,
    );
}

/// Every kind of object the engine does not model is named, never silently ignored, and a
/// user mapping's options (which may hold a password) are not.
#[test]
fn objects_the_engine_does_not_model_are_named() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    client
        .batch_execute(
            r#"
CREATE SCHEMA "Odd ""Schema""";
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE base (id int);
CREATE TABLE child (extra text) INHERITS (base);
CREATE TABLE log (id int);
CREATE RULE log_it AS ON INSERT TO base DO ALSO INSERT INTO log VALUES (NEW.id);
CREATE AGGREGATE my_sum(int) (SFUNC = int4pl, STYPE = int);
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (x int, y int);
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE COLLATION "Odd ""Schema""".ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE two (a int, b int);
CREATE STATISTICS base_stats (ndistinct) ON a, b FROM two;
CREATE FUNCTION pair_eq(pair, pair) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';
CREATE OPERATOR === (LEFTARG = pair, RIGHTARG = pair, FUNCTION = pair_eq);
CREATE TEXT SEARCH CONFIGURATION my_english (COPY = english);
CREATE TABLE secret (a int, b int);
GRANT SELECT (a) ON secret TO PUBLIC;
CREATE SEQUENCE counter;
GRANT USAGE ON SEQUENCE counter TO PUBLIC;
REVOKE EXECUTE ON FUNCTION pair_eq(pair, pair) FROM PUBLIC;
CREATE PUBLICATION everything FOR TABLE log;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC;
CREATE CAST (pair AS text) WITH INOUT;
CREATE FOREIGN DATA WRAPPER dummy;
CREATE SERVER elsewhere FOREIGN DATA WRAPPER dummy;
CREATE USER MAPPING FOR PUBLIC SERVER elsewhere OPTIONS (password 'hunter2-secret');
CREATE FOREIGN TABLE remote (a int) SERVER elsewhere;
"#,
        )
        .unwrap();
    let options = model_core::introspect::Options {
        schemas: vec!["public".into(), "Odd \"Schema\"".into()],
    };
    let schema = model_core::introspect::introspect(&mut client, &options).unwrap();
    let named: Vec<String> = schema.unmodelled.iter().map(|u| u.to_string()).collect();
    let expected = [
        "cast (public.pair AS text)",
        "operator public.===(public.pair, public.pair)",
        "text search configuration public.my_english",
        "user mapping public on elsewhere",
    ];
    assert_eq!(named.len(), expected.len(), "{named:#?}");
    for want in expected {
        assert!(
            named.iter().any(|n| n.starts_with(want)),
            "{want:?} is not named; named: {named:#?}"
        );
    }
    assert!(
        !named.iter().any(|n| n.contains("hunter2")),
        "a user mapping's options were shown: {named:#?}"
    );
    // Statistics objects are modelled now: read with their kinds, not named as unmodelled.
    let stats: Vec<(String, Vec<String>, String)> = schema
        .statistics
        .iter()
        .map(|s| (s.name.to_string(), s.kinds.clone(), s.on.clone()))
        .collect();
    assert_eq!(
        stats,
        [(
            "base_stats".to_string(),
            vec!["ndistinct".to_string()],
            "a, b".to_string()
        )]
    );
    // Privileges on functions are modelled now: PUBLIC lost its default EXECUTE.
    let pair_eq = schema
        .functions
        .iter()
        .find(|f| f.name.name == "pair_eq")
        .expect("pair_eq is read");
    assert_eq!(
        pair_eq.grants,
        [model_core::schema::Grant {
            grantee: "public".into(),
            privileges: vec!["-EXECUTE".into()]
        }]
    );
    // Rules, publications and default privileges are modelled now.
    let others: Vec<String> = schema
        .others
        .iter()
        .map(|o| format!("{} {}", o.kind, o.name))
        .collect();
    let types: Vec<String> = schema
        .types
        .iter()
        .map(|o| format!("{} {}", o.kind, o.name))
        .collect();
    for want in [
        "collation \"Odd \"\"Schema\"\"\".ci",
        "composite type public.pair",
        "domain public.posint",
        "range type public.floatrange",
        "foreign-data wrapper dummy",
        "foreign server elsewhere",
        "foreign table public.remote",
    ] {
        assert!(
            types.iter().any(|t| t == want),
            "{want:?} is not read; read: {types:#?}"
        );
    }
    for want in [
        "aggregate public.my_sum(integer)",
        "rule log_it on public.base",
        "publication everything",
        "default privileges for role",
    ] {
        assert!(
            others.iter().any(|o| o.starts_with(want)),
            "{want:?} is not read; read: {others:#?}"
        );
    }
    // Partitions are modelled: read with their parent and bound. A range type's constructors
    // are not read as functions of the user's.
    let partition = schema
        .table(&model_core::schema::TableName::new("public", "m_2024"))
        .and_then(|t| t.partition_of.clone())
        .expect("the partition is read with its parent");
    assert_eq!(partition.parent.name, "m");
    assert!(
        schema.functions.iter().all(|f| f.name.name != "floatrange"),
        "{:?}",
        schema.functions
    );
}

mod tuned {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "docs")]
    pub struct Doc {
        #[model(primary_key, statistics = 500)]
        pub id: i64,
        #[model(sql_type = "text", storage = "external", statistics = 0)]
        pub body: String,
        #[model(storage = "MAIN")]
        pub data: Vec<u8>,
    }
}

mod untuned {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "docs")]
    pub struct Doc {
        #[model(primary_key)]
        pub id: i64,
        #[model(sql_type = "text")]
        pub body: String,
        pub data: Vec<u8>,
    }
}

/// `SET STORAGE` and `SET STATISTICS` are compared (they were not: "No changes"), set and
/// reset both ways on every supported server (`SET STORAGE DEFAULT` from 16, the type's own
/// strategy looked up before), declared on fields, and proven: each plan applied, read back,
/// undone.
#[test]
fn column_storage_and_statistics_targets_are_compared_and_converge() {
    converges(
        models![untuned::Doc].unwrap(),
        models![tuned::Doc].unwrap(),
        true,
    );
    converges(
        models![tuned::Doc].unwrap(),
        models![untuned::Doc].unwrap(),
        true,
    );
    // A new table with them: created with them.
    converges(
        ModelSet::new([]).unwrap(),
        models![tuned::Doc].unwrap(),
        true,
    );

    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let plain = "CREATE TABLE t (a text, b integer, c jsonb);";
    let tuned = "CREATE TABLE t (a text, b integer, c jsonb);
                 ALTER TABLE t ALTER COLUMN a SET STORAGE EXTERNAL, ALTER COLUMN a SET STATISTICS 800,
                     ALTER COLUMN b SET STATISTICS 0, ALTER COLUMN c SET STORAGE MAIN;";
    let retuned = "CREATE TABLE t (a text, b integer, c jsonb);
                 ALTER TABLE t ALTER COLUMN a SET STORAGE MAIN, ALTER COLUMN b SET STATISTICS 10;";
    for (before, after) in [(plain, tuned), (tuned, plain), (tuned, retuned)] {
        let case = crate::support::check_case(&mut client, before, after, &["public"]);
        assert!(
            !case.plan.is_empty(),
            "no change found from\n{before}\nto\n{after}"
        );
    }
    let case = crate::support::check_case(&mut client, plain, tuned, &["public"]);
    let column = |name: &str| case.after.tables[0].column(name).unwrap().clone();
    assert_eq!(column("a").storage.as_deref(), Some("external"));
    assert_eq!(column("a").statistics, Some(800));
    assert_eq!(column("b").statistics, Some(0));
    assert_eq!(column("c").storage.as_deref(), Some("main"));
    assert_eq!(column("b").storage, None);
}
