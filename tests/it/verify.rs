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

/// The library drafts a revision ready to write (`Comparison::draft`): proven on a copy,
/// timeouts at the top, hazards and destruction listed; refused when it drops what nothing
/// asked for or, online, would still block a table in use; nothing to write when nothing
/// changes.
#[test]
fn a_draft_is_proven_refused_or_empty_from_the_library() {
    use model_core::autogenerate::{Comparison, DraftError, DraftOptions, Guard};
    use model_core::diff::HazardKind;
    use model_core::pg::Server;
    use std::collections::BTreeSet;

    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let live_sql = "CREATE TABLE orders (id bigint PRIMARY KEY, total integer, note text);";
    let live = schema_of(&mut client, live_sql, &["public"]).unwrap();
    // total widened (a rewrite), note dropped (destructive).
    let desired = schema_of(
        &mut client,
        "CREATE TABLE orders (id bigint PRIMARY KEY, total bigint);",
        &["public"],
    )
    .unwrap();
    let version = crate::support::server_version();
    let comparison = Comparison::new(live.clone(), desired, vec![], version);
    let draft = comparison
        .draft(&DraftOptions {
            prove_on: Some(Server::shared().unwrap()),
            ..DraftOptions::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(draft.proven);
    let body = draft.body.as_ref().expect("a body");
    assert!(body.upgrade.starts_with("-- Timeouts."), "{}", body.upgrade);
    assert!(
        body.upgrade.contains("DROP COLUMN note"),
        "{}",
        body.upgrade
    );
    assert_eq!(
        draft.destruction.upgrade.len(),
        1,
        "{:?}",
        draft.destruction
    );
    // Back down, total narrows from bigint to integer.
    assert!(
        draft.destruction.downgrade.len() == 1 && draft.destruction.downgrade[0].contains("total"),
        "{:?}",
        draft.destruction
    );
    assert!(
        draft.hazards.iter().any(|h| h.kind == HazardKind::Rewrite),
        "{:?}",
        draft.hazards
    );
    assert!(
        draft.detected().iter().any(|l| l.contains("note")),
        "{:?}",
        draft.detected()
    );

    // Online, the rewrite is refused, naming the change.
    match comparison.draft(&DraftOptions {
        online: true,
        ..DraftOptions::default()
    }) {
        Err(DraftError::Blocking(lines)) => {
            assert!(lines.iter().any(|l| l.contains("total")), "{lines:?}")
        }
        other => panic!("{other:?}"),
    }

    // Models with no tables, against a table holding rows: refused by the guard.
    let empty = Comparison::new(live.clone(), Default::default(), vec![], version);
    let occupied: BTreeSet<_> = live.tables.iter().map(|t| t.name.clone()).collect();
    let created = BTreeSet::new();
    let guard = Guard {
        created: &created,
        occupied: &occupied,
    };
    match empty.draft(&DraftOptions {
        guard: Some(guard),
        ..DraftOptions::default()
    }) {
        Err(DraftError::UnaskedDrops(unasked)) => assert_eq!(unasked.every_table, Some(1)),
        other => panic!("{other:?}"),
    }

    // Nothing changes: nothing to write.
    let same = Comparison::new(live.clone(), live, vec![], version);
    let draft = same.draft(&DraftOptions::default()).unwrap();
    assert!(draft.is_empty() && draft.body.is_none());
}
