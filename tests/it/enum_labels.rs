//! An enum label used in the same model change that adds it: autogenerate spells the models'
//! expressions with the labels the models declare, and the revision adds the label before,
//! and outside the transaction of, the statements that use it.

use std::process::ExitCode;

use model_core::{models, ModelSet, ModelSetError};

use crate::support::{fresh_database, lines};
use crate::workflow::{project_dir, run, scripts};

mod before {
    use model_core::{Enum, Model};

    #[derive(Enum)]
    #[model(name = "order_status")]
    pub enum Status {
        Pending,
        Paid,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key)]
        pub id: i32,
        #[model(default = "'pending'")]
        pub status: Status,
    }
}

mod after {
    use model_core::{Enum, Model};

    #[derive(Enum)]
    #[model(name = "order_status")]
    pub enum Status {
        Pending,
        Paid,
        Refunded,
    }

    #[derive(Model)]
    #[model(
        table = "orders",
        index(status, where = "status <> 'refunded'", name = "orders_open"),
        check(
            name = "no_refund_without_reason",
            expr = "status <> 'refunded' OR reason IS NOT NULL"
        )
    )]
    pub struct Order {
        #[model(primary_key)]
        pub id: i32,
        #[model(default = "'refunded'")]
        pub status: Status,
        pub reason: Option<String>,
    }
}

fn before() -> Result<ModelSet, ModelSetError> {
    models![before::Order; before::Status]
}

fn after() -> Result<ModelSet, ModelSetError> {
    models![after::Order; after::Status]
}

#[test]
fn a_label_can_be_used_in_the_revision_that_adds_it() {
    let dir = project_dir("enum-label");
    let db = fresh_database();
    let url = db.url().to_string();
    let autogenerate = |message: &str, models| {
        run(
            &dir,
            &["--url", &url, "revision", "--autogenerate", "-m", message],
            models,
        )
    };
    assert_eq!(autogenerate("orders", before()), ExitCode::SUCCESS);
    assert_eq!(
        run(&dir, &["--url", &url, "upgrade", "head"], before()),
        ExitCode::SUCCESS
    );
    db.connect()
        .unwrap()
        .batch_execute("INSERT INTO orders (id) VALUES (1)")
        .unwrap();

    assert_eq!(autogenerate("refunds", after()), ExitCode::SUCCESS);
    let file = scripts(&dir)
        .into_iter()
        .find(|f| f.to_string_lossy().ends_with("_refunds.sql"))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let upgrade = text.split("-- migrate:downgrade").next().unwrap();
    let add = upgrade
        .find("ADD VALUE 'refunded'")
        .unwrap_or_else(|| panic!("{text}"));
    let begin = upgrade
        .find("\nBEGIN;")
        .expect("the rest runs in a transaction");
    assert!(add < begin, "{text}");
    assert!(text.contains("-- Transactional: no"), "{text}");

    assert_eq!(
        run(&dir, &["--url", &url, "upgrade", "head"], after()),
        ExitCode::SUCCESS,
        "{text}"
    );
    assert_eq!(
        run(&dir, &["--url", &url, "check"], after()),
        ExitCode::SUCCESS
    );
    assert_eq!(
        lines(
            &mut db.connect().unwrap(),
            "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'orders'::regclass"
        ),
        ["'refunded'::order_status"]
    );
    // And back: the label goes, the row stays.
    assert_eq!(
        run(&dir, &["--url", &url, "downgrade", "-1"], after()),
        ExitCode::SUCCESS
    );
    let mut client = db.connect().unwrap();
    assert_eq!(
        lines(
            &mut client,
            "SELECT string_agg(enumlabel::text, ',' ORDER BY enumsortorder) FROM pg_enum"
        ),
        ["pending,paid"]
    );
    assert_eq!(
        lines(
            &mut client,
            "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'orders'::regclass"
        ),
        ["'pending'::order_status"]
    );
    assert_eq!(lines(&mut client, "SELECT count(*) FROM orders"), ["1"]);
    // Up again, and the models match.
    assert_eq!(
        run(&dir, &["--url", &url, "upgrade", "head"], after()),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(&dir, &["--url", &url, "check"], after()),
        ExitCode::SUCCESS
    );
    let _ = std::fs::remove_dir_all(&dir);
}
