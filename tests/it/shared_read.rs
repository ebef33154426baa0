//! Introspection shared out among several connections in one exported snapshot
//! (`introspect_shared`) reads what one connection reads, with the same catalog queries.

use model_core::introspect::{catalog_queries, introspect_counted, introspect_shared, Options};

use crate::support::fresh_database;

const RICH: &str = r#"
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('ok', 'meh');
CREATE DOMAIN app.positive AS integer CHECK (VALUE > 0);
CREATE TYPE app.pair AS (a integer, b text);
CREATE SEQUENCE app.counter START 7;
CREATE TABLE app.owner (id serial PRIMARY KEY, name text UNIQUE, m app.mood DEFAULT 'ok');
CREATE TABLE app.thing (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id integer REFERENCES app.owner (id) ON DELETE CASCADE,
    qty app.positive,
    tag text COLLATE "C",
    CHECK (qty < 1000)
);
CREATE INDEX thing_tag ON app.thing (lower(tag)) WHERE qty > 1;
CREATE TABLE app.log (at date NOT NULL, v text) PARTITION BY RANGE (at);
CREATE TABLE app.log_2026 PARTITION OF app.log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER thing_touch BEFORE UPDATE ON app.thing FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE VIEW app.big AS SELECT id, qty FROM app.thing WHERE qty > 10;
CREATE MATERIALIZED VIEW app.counts AS SELECT owner_id, count(*) AS n FROM app.thing GROUP BY 1;
CREATE INDEX counts_owner ON app.counts (owner_id);
ALTER TABLE app.thing ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON app.thing USING (qty > 0);
CREATE STATISTICS app.thing_stats ON owner_id, qty FROM app.thing;
CREATE RULE no_delete AS ON DELETE TO app.owner DO INSTEAD NOTHING;
COMMENT ON INDEX app.thing_tag IS 'by tag';
COMMENT ON VIEW app.big IS 'big ones';
COMMENT ON TABLE app.owner IS 'who';
"#;

#[test]
fn shared_reading_reads_what_one_connection_reads() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    client.batch_execute(RICH).unwrap();
    let options = Options {
        schemas: vec!["app".into(), "public".into()],
    };
    let alone = introspect_counted(&mut client, &options).unwrap();
    let mut helpers: Vec<_> = (0..3).map(|_| db.connect().unwrap()).collect();
    let shared = introspect_shared(&mut client, &mut helpers, &options).unwrap();
    assert_eq!(shared.schema, alone.schema);
    assert!(!alone.schema.tables.is_empty() && !alone.schema.views.is_empty());
    // The list the connections share out is every query a reading sends (the server's
    // version aside): one missing would be sent late, by the first connection alone.
    assert_eq!(catalog_queries(alone.version).len() + 1, alone.queries);
    assert_eq!(shared.queries, alone.queries);
    // The helpers' transactions are over; the first connection is usable.
    for helper in &mut helpers {
        helper.batch_execute("SELECT 1").unwrap();
    }
    client.batch_execute("SELECT 1").unwrap();

    // A helper that cannot take the snapshot (connected to another database) is left out.
    let other = fresh_database();
    let mut strangers = vec![other.connect().unwrap(), db.connect().unwrap()];
    let mixed = introspect_shared(&mut client, &mut strangers, &options).unwrap();
    assert_eq!(mixed.schema, alone.schema);

    // No helper at all: one connection reads alone.
    let single = introspect_shared(&mut client, &mut [], &options).unwrap();
    assert_eq!(single.schema, alone.schema);
}

/// A role that is no superuser reads the database (the catalogs it may not read are left
/// alone: `pg_user_mapping`, read through its view); one that may not export its snapshot
/// (no right to call `pg_export_snapshot`) reads alone, in a transaction begun again.
#[test]
fn an_unprivileged_role_reads_and_reads_alone_when_it_cannot_export_its_snapshot() {
    let db = fresh_database();
    let mut admin = db.connect().unwrap();
    admin
        .batch_execute(&format!(
            "{RICH}
             DO $$ BEGIN CREATE ROLE model_shared_reader LOGIN; \
                EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             GRANT USAGE ON SCHEMA app TO model_shared_reader;
             CREATE FOREIGN DATA WRAPPER model_fdw;
             CREATE SERVER model_srv FOREIGN DATA WRAPPER model_fdw;
             CREATE USER MAPPING FOR PUBLIC SERVER model_srv OPTIONS (password 'secret');
             REVOKE EXECUTE ON FUNCTION pg_catalog.pg_export_snapshot() FROM PUBLIC;"
        ))
        .unwrap();
    let options = Options {
        schemas: vec!["app".into(), "public".into()],
    };
    let url = format!("{} user=model_shared_reader", db.url());
    let mut reader = model_core::pg::connect(&url).unwrap();
    let alone = introspect_counted(&mut reader, &options).unwrap();
    let mut helpers = vec![model_core::pg::connect(&url).unwrap()];
    let shared = introspect_shared(&mut reader, &mut helpers, &options).unwrap();
    assert_eq!(shared.schema, alone.schema);
    assert!(!alone.schema.tables.is_empty());
    assert!(
        alone
            .schema
            .unmodelled
            .iter()
            .any(|u| u.kind == "user mapping" && u.name == "public on model_srv"),
        "{:?}",
        alone.schema.unmodelled
    );
    reader.batch_execute("SELECT 1").unwrap();
}
