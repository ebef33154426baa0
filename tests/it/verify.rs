//! Plans proven before they are written (`model_core::autogenerate::verify`): applied to a
//! schema-only copy, the upgrade must give the target and the downgrade the start; a plan that
//! does not is refused with the objects that differ, or PostgreSQL's message.

use model_core::autogenerate::verify;
use model_core::diff::diff;

use crate::support::{fresh_database, schema_of};

const BEFORE: &str = r#"
CREATE TYPE status AS ENUM ('new', 'done');
CREATE TABLE orders (id bigint PRIMARY KEY, status status NOT NULL DEFAULT 'new', total numeric(10,2));
CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM orders';
CREATE VIEW open_orders AS SELECT id FROM orders WHERE status = 'new';
"#;

const AFTER: &str = r#"
CREATE TYPE status AS ENUM ('new', 'paid', 'done');
CREATE TABLE orders (id bigint PRIMARY KEY, status status NOT NULL DEFAULT 'paid', total numeric(12,2), note text);
CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM orders WHERE note IS NULL';
CREATE VIEW open_orders AS SELECT id, note FROM orders WHERE status <> 'done';
CREATE INDEX orders_paid ON orders (id) WHERE status = 'paid';
"#;

#[test]
fn a_plan_is_proven_and_a_wrong_one_refused_naming_what_differs() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let before = schema_of(&mut client, BEFORE, &["public"]).unwrap();
    let after = schema_of(&mut client, AFTER, &["public"]).unwrap();
    let plan = diff(&before, &after);
    verify(&plan, &before, &after).unwrap_or_else(|e| panic!("{e}"));

    // The same plan held against another target: the copy does not reach it.
    let other = schema_of(
        &mut client,
        &format!("{AFTER} CREATE TABLE audit (id int);"),
        &["public"],
    )
    .unwrap();
    let error = verify(&plan, &before, &other).unwrap_err().to_string();
    assert!(
        error.contains("not proven")
            && error.contains("after the upgrade")
            && error.contains("audit"),
        "{error}"
    );

    // A plan whose upgrade PostgreSQL refuses on the copy: named with its statement.
    let broken = diff(&after, &before);
    let error = verify(&broken, &before, &after).unwrap_err().to_string();
    assert!(error.contains("the upgrade failed at line"), "{error}");
}
