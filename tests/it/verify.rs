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
    assert!(draft.proof.is_some());
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

/// Six tables, four of them far from anything the plans below touch.
const MANY: &str = r#"
CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE, big text, other text);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id), note text);
CREATE TABLE far_1 (id int PRIMARY KEY, v text);
CREATE TABLE far_2 (id int PRIMARY KEY, far_1 int REFERENCES far_1 (id));
CREATE TABLE far_3 (id serial PRIMARY KEY, v text);
CREATE TABLE far_4 (id int PRIMARY KEY, code text REFERENCES parent (code));
CREATE INDEX far_3_v ON far_3 (v);
"#;

/// The proof builds only what the plan reaches: a column added to `child` builds `child`
/// and a stub of `parent` (what its foreign key needs), and compares the other tables in
/// memory.
#[test]
fn the_proof_builds_only_what_the_plan_reaches() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let before = schema_of(&mut client, MANY, &["public"]).unwrap();
    let after = schema_of(
        &mut client,
        &format!("{MANY} ALTER TABLE child ADD COLUMN extra text NOT NULL DEFAULT 'x';"),
        &["public"],
    )
    .unwrap();
    let plan = diff(&before, &after);
    let proof = verify(&plan, &before, &after).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((proof.tables_built, proof.tables), (2, 6), "{proof:?}");

    // Models that differ where the plan does nothing are not proven (the whole copy says
    // what differs).
    let mut elsewhere = after.clone();
    let far = elsewhere
        .tables
        .iter_mut()
        .find(|t| t.name.name == "far_1")
        .unwrap();
    far.columns.retain(|c| c.name != "v");
    let error = verify(&plan, &before, &elsewhere).unwrap_err().to_string();
    assert!(
        error.contains("still differs") && error.contains("far_1"),
        "{error}"
    );
}

/// A table the plan does not name still blocks it when PostgreSQL would: a column of the
/// type the plan drops, a foreign key on the column the plan retypes, an index whose name
/// the plan's constraint takes. The proof must refuse both, as
/// the whole database would.
#[test]
fn the_proof_keeps_what_blocks_the_plan_though_the_plan_does_not_name_it() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let before = schema_of(&mut client, MANY, &["public"]).unwrap();

    // far_1's column is of the type a target that lost track of it drops.
    let with_type =
        format!("CREATE TYPE mood AS ENUM ('ok'); {MANY} ALTER TABLE far_1 ADD COLUMN m mood;");
    let before_type = schema_of(&mut client, &with_type, &["public"]).unwrap();
    let mut no_type = before_type.clone();
    no_type.enums.clear();
    let plan = diff(&before_type, &no_type);
    let error = verify(&plan, &before_type, &no_type)
        .unwrap_err()
        .to_string();
    assert!(error.contains("depend"), "{error}");

    // child's foreign key references parent (id), which a plan that forgets the key
    // retypes (the diff itself drops and adds the key again around it).
    let mut retyped = before.clone();
    let parent = retyped
        .tables
        .iter_mut()
        .find(|t| t.name.name == "parent")
        .unwrap();
    parent.columns[0].ty = model_core::schema::SqlType::new("text");
    let error = model_core::autogenerate::verify_sql(
        "ALTER TABLE public.parent ALTER COLUMN id TYPE text;",
        "ALTER TABLE public.parent ALTER COLUMN id TYPE integer USING id::integer;",
        &before,
        &retyped,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("foreign key"), "{error}");

    // far_3 has an index named far_3_v: a unique constraint of child cannot take the name
    // (its statements name it unqualified, both ways).
    let mut taken = before.clone();
    let child = taken
        .tables
        .iter_mut()
        .find(|t| t.name.name == "child")
        .unwrap();
    child.uniques.push(model_core::schema::UniqueConstraint {
        name: "far_3_v".into(),
        columns: vec!["note".into()],
        nulls_not_distinct: false,
        without_overlaps: false,
        timing: Default::default(),
    });
    let plan = diff(&before, &taken);
    let error = verify(&plan, &before, &taken).unwrap_err().to_string();
    assert!(error.contains("already exists"), "{error}");
}
