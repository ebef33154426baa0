//! The runner on what the diff renders: SQL-standard function bodies (`BEGIN ATOMIC … END`)
//! are split where psql splits them and created after the tables they read, so `upgrade`
//! applies what `diff` prints.

use model_core::diff::diff;
use model_core::introspect::{self, Options};
use model_core::migrate::{Migrator, TransactionMode, VersionTable};
use model_core::render;
use model_core::revision::{Graph, Revision};

use crate::support::{fresh_database, lines};

#[test]
fn standard_sql_function_bodies_rendered_by_the_diff_apply_through_upgrade() {
    let source = fresh_database();
    source
        .connect()
        .unwrap()
        .batch_execute(
            "CREATE TABLE t (id integer);
             CREATE FUNCTION bump(a integer) RETURNS integer LANGUAGE sql
             BEGIN ATOMIC
               INSERT INTO t VALUES (a);
               SELECT CASE WHEN a > 0 THEN a + 1 ELSE 0 END;
             END;
             CREATE PROCEDURE note(a integer) LANGUAGE sql
             BEGIN ATOMIC
               INSERT INTO t VALUES (a);
               INSERT INTO t VALUES (a * 2);
             END;",
        )
        .unwrap();
    let options = Options {
        schemas: vec!["public".into()],
    };
    let target = introspect::introspect(&mut source.connect().unwrap(), &options).unwrap();
    // From nothing: PostgreSQL parses a standard body at creation, whatever
    // check_function_bodies says, so the functions must come after the table they use.
    let plan = diff(&model_core::schema::Schema::default(), &target);
    let upgrade = render::script(&plan.upgrade);
    assert!(upgrade.contains("BEGIN ATOMIC"), "{upgrade}");

    let db = fresh_database();
    let dir = std::env::temp_dir().join(format!("model-runner-atomic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let revision = Revision {
        id: "aaaa0000atom".into(),
        message: "functions".into(),
        create_date: "2026-01-01 00:00:00".into(),
        upgrade,
        downgrade: render::script(&plan.downgrade),
        path: dir.join("aaaa0000atom_functions.sql"),
        transactional: true,
        ..Default::default()
    };
    std::fs::write(&revision.path, revision.render()).unwrap();
    let graph = Graph::load(&dir).unwrap();
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
    assert_eq!(lines(&mut client, "SELECT bump(4)"), ["5"]);
    client.batch_execute("CALL note(7)").unwrap();
    assert_eq!(
        lines(
            &mut client,
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"
        ),
        ["4,7,14"]
    );
    assert!(
        log.iter().any(|l| l == "Will assume transactional DDL."),
        "{log:?}"
    );
    // And all the way down again.
    Migrator::new(
        &mut client,
        db.connect().unwrap(),
        &graph,
        VersionTable::default(),
        |_| {},
    )
    .downgrade("base", TransactionMode::PerRevision)
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        lines(
            &mut client,
            "SELECT count(*) FROM pg_proc WHERE proname IN ('bump', 'note')"
        ),
        ["0"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
