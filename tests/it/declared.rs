//! What the derive and `ModelSet` can declare beyond plain tables reaches the database as
//! written, and a database made by hand with the same objects matches the models with no
//! operation: a deferrable primary key, unnamed and `NOT VALID` checks, `NOT VALID` foreign
//! keys, index keys with expressions, order, collation and operator class, `NULLS NOT
//! DISTINCT`, storage parameters on tables and indexes, `UNLOGGED`, `REPLICA IDENTITY`,
//! exclusion constraints, partitioned tables and their partitions, domains, composite and
//! range types as column types, view options and column grants.

use model_core::autogenerate::compare;
use model_core::config::Config;
use model_core::{models, ModelSet};

use crate::support::{apply, fresh_database, lines};

mod everything {
    use model_core::Model;

    #[derive(Model)]
    #[model(
        table = "rooms",
        primary_key(id, deferrable, initially_deferred),
        storage = "fillfactor = 70, autovacuum_enabled = false",
        replica_identity = "full",
        check(expr = "floor > 0"),
        check(expr = "floor < 100 AND id > 0", not_valid),
        index(keys = "lower(label) DESC NULLS LAST, floor", where = "floor > 1"),
        index(keys = "label COLLATE \"C\" text_pattern_ops"),
        index(
            label,
            floor,
            unique,
            nulls_not_distinct,
            with = "fillfactor=60",
            name = "rooms_label_floor"
        )
    )]
    pub struct Room {
        pub id: i64,
        #[model(foreign_key = "buildings.id", not_valid)]
        pub building_id: i64,
        pub label: String,
        pub floor: i32,
        #[model(sql_type = "public.email_address")]
        pub contact: Option<String>,
        #[model(sql_type = "public.money_amount", unchecked_type)]
        pub rate: Option<String>,
    }

    #[derive(Model)]
    #[model(table = "buildings")]
    pub struct Building {
        #[model(primary_key)]
        pub id: i64,
    }

    #[derive(Model)]
    #[model(
        table = "bookings",
        exclude(
            name = "bookings_no_overlap",
            using = "gist",
            elements = "during WITH &&",
            where = "NOT cancelled"
        )
    )]
    pub struct Booking {
        #[model(primary_key)]
        pub id: i64,
        pub room_id: i64,
        #[model(sql_type = "tstzrange", unchecked_type)]
        pub during: String,
        #[model(sql_type = "public.floatrange", unchecked_type)]
        pub weight: Option<String>,
        #[model(
            check(name = "bookings_note_short", expr = "length(note) < 200"),
            not_valid
        )]
        pub note: Option<String>,
        pub cancelled: bool,
    }

    #[derive(Model)]
    #[model(table = "readings", partition_by = "range (taken_on)", unlogged)]
    pub struct Reading {
        pub taken_on: chrono::NaiveDate,
        pub value: f64,
    }
}

const ROLE: &str = "model_declared_reader";

fn models() -> ModelSet {
    models![
        everything::Building,
        everything::Room,
        everything::Booking,
        everything::Reading
    ]
    .unwrap()
    .with_type("CREATE DOMAIN email_address AS text CHECK (VALUE LIKE '%@%')")
    .unwrap()
    .with_type("CREATE TYPE money_amount AS (currency char(3), cents bigint)")
    .unwrap()
    .with_type("CREATE TYPE public.floatrange AS RANGE (subtype = float8)")
    .unwrap()
    .with_partition(
        "readings_2026",
        "readings",
        "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
    )
    .unwrap()
    .with_partition("readings_rest", "readings", "DEFAULT")
    .unwrap()
    .with_view(
        "upper_rooms",
        "SELECT id, label, floor FROM rooms WHERE floor > 10",
    )
    .with_view_options(
        "upper_rooms",
        &["security_barrier=true", "check_option=local"],
    )
    .unwrap()
    .with_column_grant("rooms", "label", ROLE, &["select", "update"])
    .unwrap()
}

/// The same objects as a person would write them in SQL.
const BY_HAND: &str = r#"
CREATE DOMAIN email_address AS text CHECK (VALUE LIKE '%@%');
CREATE TYPE money_amount AS (currency char(3), cents bigint);
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE TABLE buildings (id bigint PRIMARY KEY);
CREATE TABLE rooms (
    id bigint NOT NULL,
    building_id bigint NOT NULL,
    label varchar NOT NULL,
    floor integer NOT NULL CHECK (floor > 0),
    contact email_address,
    rate money_amount,
    CONSTRAINT rooms_pkey PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED
) WITH (fillfactor = 70, autovacuum_enabled = false);
ALTER TABLE rooms ADD CHECK (floor < 100 AND id > 0) NOT VALID;
ALTER TABLE rooms REPLICA IDENTITY FULL;
CREATE INDEX ON rooms (lower(label) DESC NULLS LAST, floor) WHERE floor > 1;
CREATE INDEX ON rooms (label COLLATE "C" text_pattern_ops);
CREATE UNIQUE INDEX rooms_label_floor ON rooms (label, floor) NULLS NOT DISTINCT WITH (fillfactor = 60);
CREATE TABLE bookings (
    id bigint PRIMARY KEY,
    room_id bigint NOT NULL,
    during tstzrange NOT NULL,
    weight floatrange,
    note varchar,
    cancelled boolean NOT NULL,
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&) WHERE (NOT cancelled)
);
ALTER TABLE rooms ADD FOREIGN KEY (building_id) REFERENCES buildings (id) NOT VALID;
ALTER TABLE bookings ADD CONSTRAINT bookings_note_short CHECK (length(note) < 200) NOT VALID;
CREATE TABLE readings (taken_on date NOT NULL, value double precision NOT NULL) PARTITION BY RANGE (taken_on);
CREATE UNLOGGED TABLE readings_2026 PARTITION OF readings FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE UNLOGGED TABLE readings_rest PARTITION OF readings DEFAULT;
CREATE VIEW upper_rooms WITH (security_barrier = true) AS
    SELECT id, label, floor FROM rooms WHERE floor > 10 WITH LOCAL CHECK OPTION;
GRANT SELECT (label), UPDATE (label) ON rooms TO model_declared_reader;
"#;

fn role() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    client
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .unwrap();
}

#[test]
fn everything_declared_reaches_the_database_and_a_hand_made_one_matches() {
    role();
    let config = Config::default();

    // From nothing: the upgrade creates what the models say, and then nothing is left to do.
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    if crate::support::server_major() < 15 {
        // PostgreSQL 14 has no NULLS NOT DISTINCT: refused by name, before anything is sent.
        let error = compare(&mut client, &models(), &config).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "index rooms_label_floor of rooms uses NULLS NOT DISTINCT (PostgreSQL 15 and later), but the target is PostgreSQL 14"
            ),
            "{error}"
        );
        return;
    }
    let plan = compare(&mut client, &models(), &config).unwrap().plan();
    apply(&mut client, &plan.upgrade);
    let again = compare(&mut client, &models(), &config).unwrap().plan();
    assert!(
        again.is_empty(),
        "the models do not converge; still:\n{}",
        model_core::render::script(&again.upgrade)
    );
    let facts = |client: &mut postgres::Client| {
        lines(
            client,
            "SELECT conname || ' ' || contype::text || ' deferrable=' || condeferrable || ' deferred=' || condeferred || ' valid=' || convalidated
               FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0 AND conrelid::regclass::text IN ('rooms', 'bookings')
             UNION ALL
             SELECT c.relname || ' ' || c.relpersistence::text || ' ' || c.relkind::text || ' ' || c.relreplident::text || ' ' || coalesce(array_to_string(c.reloptions, ','), '')
               FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v')
             UNION ALL
             SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'rooms'::regclass
             UNION ALL
             SELECT 'grant ' || array_to_string(attacl, ',') FROM pg_attribute WHERE attrelid = 'rooms'::regclass AND attacl IS NOT NULL
             ORDER BY 1",
        )
    };
    let made = facts(&mut client);
    for expected in [
        "rooms_pkey p deferrable=true deferred=true valid=true",
        "rooms_floor_check c deferrable=false deferred=false valid=true",
        "rooms_check c deferrable=false deferred=false valid=false",
        "rooms_building_id_fkey f deferrable=false deferred=false valid=false",
        "bookings_note_short c deferrable=false deferred=false valid=false",
        "bookings_no_overlap x deferrable=false deferred=false valid=true",
        "rooms p r f autovacuum_enabled=false,fillfactor=70",
        "readings p p d ",
        "readings_2026 u r d ",
        "upper_rooms p v n check_option=local,security_barrier=true",
        "CREATE INDEX rooms_lower_floor_idx ON public.rooms USING btree (lower((label)::text) DESC NULLS LAST, floor) WHERE (floor > 1)",
        "CREATE INDEX rooms_label_idx ON public.rooms USING btree (label COLLATE \"C\" text_pattern_ops)",
        "CREATE UNIQUE INDEX rooms_label_floor ON public.rooms USING btree (label, floor) NULLS NOT DISTINCT WITH (fillfactor='60')",
        "grant model_declared_reader=rw/postgres",
    ] {
        assert!(
            made.iter().any(|line| line == expected || (expected.starts_with("grant") && line.starts_with("grant model_declared_reader=rw/"))),
            "missing `{expected}` in:\n{}",
            made.join("\n")
        );
    }

    // The downgrade takes it all away again.
    apply(&mut client, &plan.downgrade);
    let left = lines(
        &mut client,
        "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace
         UNION ALL SELECT typname::text FROM pg_type WHERE typnamespace = 'public'::regnamespace",
    );
    assert!(left.is_empty(), "the downgrade left {left:?}");

    // A database written by hand with the same objects: no operation at all.
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    client.batch_execute(BY_HAND).unwrap();
    let plan = compare(&mut client, &models(), &config).unwrap().plan();
    assert!(
        plan.is_empty(),
        "phantom changes against the hand-made database:\n{}",
        model_core::render::script(&plan.upgrade)
    );
    assert_eq!(facts(&mut client).len(), made.len());
}

mod undeclared {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "people")]
    pub struct Person {
        #[model(primary_key)]
        pub id: i64,
        #[model(sql_type = "public.postal_code")]
        pub postal_code: String,
    }
}

/// A column of a type nobody declared is refused before any plan, naming the column.
#[test]
fn a_column_of_an_undeclared_type_is_refused_naming_it() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let error = compare(
        &mut client,
        &models![undeclared::Person].unwrap(),
        &Config::default(),
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("people.postal_code") && error.contains("public.postal_code"),
        "{error}"
    );
    // Made by hand in the database, it is found there.
    client
        .batch_execute("CREATE DOMAIN postal_code AS text")
        .unwrap();
    let plan = compare(
        &mut client,
        &models![undeclared::Person].unwrap(),
        &Config::default(),
    )
    .unwrap()
    .plan();
    apply(&mut client, &plan.upgrade);
}
