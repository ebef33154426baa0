//! Models → `CREATE` → introspection → diff against the models is empty, and introspection
//! costs the same number of queries whatever the number of tables.

use model_core::diff::diff;
use model_core::introspect::{introspect_counted, Options};
use model_core::schema::{Schema, Table};

use crate::support::{canonical, create, for_server, fresh_database, read};

/// Tables sorted by name and their constraints and indexes by name, so that a description in
/// declaration order compares with one read from the catalogs.
fn sorted(schema: &Schema) -> Schema {
    let mut schema = schema.clone();
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    for table in &mut schema.tables {
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        table.checks.sort_by(|a, b| a.name.cmp(&b.name));
        table.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema
}

/// The same, with every expression blanked: what must agree before PostgreSQL canonicalises
/// expressions (names, types, nullability, identity, keys, actions, index shapes, comments).
fn structure(schema: &Schema) -> Schema {
    let mut schema = sorted(schema);
    let blank = |t: &mut Table| {
        for c in &mut t.columns {
            c.default = c.default.as_ref().map(|_| String::new());
            c.generated = c.generated.as_ref().map(|_| String::new());
        }
        for c in &mut t.checks {
            c.expression.clear();
        }
        for i in &mut t.indexes {
            i.predicate = i.predicate.as_ref().map(|_| String::new());
        }
    };
    schema.tables.iter_mut().for_each(blank);
    schema
}

#[test]
fn seed_models_round_trip_exactly() {
    let models = ecommerce::models().unwrap();
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    create(&mut client, models.schema());
    let live = read(&mut client, &["public"]);
    // The seed has no expression PostgreSQL would respell: the models are already canonical.
    assert_eq!(sorted(models.schema()), live);
    assert!(diff(&live, &canonical(models.schema())).is_empty());
}

#[test]
fn kitchen_sink_round_trips() {
    let models = for_server(crate::kitchen_sink::kitchen_sink().schema());
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    create(&mut client, &models);
    let live = read(&mut client, &["inventory", "public"]);
    assert_eq!(structure(&models), structure(&live));
    let plan = diff(&live, &canonical(&models));
    assert!(
        plan.is_empty(),
        "{}",
        model_core::render::script(&plan.upgrade)
    );
    // Expressions come back the way PostgreSQL prints them.
    let items = live.tables.iter().find(|t| t.name.name == "items").unwrap();
    let status = items.column("status").unwrap();
    assert_eq!(status.default.as_deref(), Some("'draft'::text"));
    let check = items
        .checks
        .iter()
        .find(|c| c.name == "items_price_positive")
        .unwrap();
    assert_eq!(check.expression, "(price > (0)::numeric)");
}

#[test]
fn introspection_query_count_does_not_grow_with_tables() {
    let mut counts = Vec::new();
    for tables in [3, 80] {
        let db = fresh_database();
        let mut client = db.connect().unwrap();
        let mut sql =
            String::from("CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE SEQUENCE counter;");
        for i in 0..tables {
            sql.push_str(&format!(
                "CREATE TABLE t{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent bigint REFERENCES t{i} (id),
                    name text UNIQUE CHECK (name <> ''), feeling mood DEFAULT 'ok', n integer DEFAULT nextval('counter'));
                 CREATE INDEX t{i}_lower ON t{i} (lower(name) DESC NULLS LAST) WHERE n > 0;
                 COMMENT ON TABLE t{i} IS 'table {i}';"
            ));
        }
        client.batch_execute(&sql).unwrap();
        let result = introspect_counted(&mut client, &Options::default()).unwrap();
        assert_eq!(result.schema.tables.len(), tables);
        assert!(result
            .schema
            .tables
            .iter()
            .all(|t| t.indexes.len() == 1 && t.checks.len() == 1 && t.foreign_keys.len() == 1));
        counts.push(result.queries);
    }
    assert_eq!(counts[0], counts[1], "queries for 3 and for 80 tables");
    assert_eq!(
        counts[0], 19,
        "version, tables, columns, constraints, views, indexes, enums, sequences, extensions, functions, triggers, schemas, owners, types, others, unmodelled objects, policies, statistics objects, comments on objects"
    );
}

#[test]
fn awkward_names_round_trip() {
    let models = model_core::models![crate::render::Awkward].unwrap();
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    create(&mut client, models.schema());
    let live = read(&mut client, &["public"]);
    assert_eq!(structure(models.schema()), structure(&live));
    assert!(diff(&live, &canonical(models.schema())).is_empty());
}

#[test]
fn expressions_canonicalise_in_place_as_in_a_scratch_database() {
    // The fast path (temporary tables on the database being compared, expressions only)
    // agrees with creating everything in an empty database.
    for (models, schemas) in [
        (ecommerce::models().unwrap(), vec!["public"]),
        (
            crate::kitchen_sink::kitchen_sink(),
            vec!["inventory", "public"],
        ),
    ] {
        let models = for_server(models.schema());
        let db = fresh_database();
        let mut client = db.connect().unwrap();
        let live = read(&mut client, &schemas);
        let fast =
            model_core::introspect::canonicalize_expressions(&mut client, models.clone(), &live)
                .unwrap();
        let slow = canonical(&models);
        assert!(
            diff(&slow, &fast).is_empty(),
            "{}",
            model_core::render::script(&diff(&slow, &fast).upgrade)
        );
        // Nothing was left behind.
        assert!(read(&mut client, &schemas).tables.is_empty());
    }
}

#[test]
fn a_bad_expression_names_its_place_and_postgresql_message() {
    let mut schema = ecommerce::models().unwrap().into_schema();
    let orders = schema
        .tables
        .iter_mut()
        .find(|t| t.name.name == "orders")
        .unwrap();
    orders
        .columns
        .iter_mut()
        .find(|c| c.name == "order_date")
        .unwrap()
        .default = Some("now(".into());
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let error = model_core::introspect::canonicalize_expressions(
        &mut client,
        schema.clone(),
        &Schema::default(),
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("default of orders.order_date: `now(`: syntax error"),
        "{message}"
    );
}
