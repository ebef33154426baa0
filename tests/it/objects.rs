//! Extensions, functions, views, materialized views, triggers, policies, row-level security
//! and grants declared next to the models, through the whole workflow: autogenerate, upgrade,
//! check, change, downgrade.

use std::process::ExitCode;

use model_core::schema::Policy;
use model_core::ModelSet;

use crate::support::fresh_database;
use crate::workflow::{project_dir, run, scripts};

const ORDER_TOTAL: &str =
    "CREATE FUNCTION order_total(wanted integer) RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT coalesce(sum(product_count), 0) FROM order_products WHERE order_id = wanted $$";

const TOUCH: &str = "CREATE FUNCTION touch_order() RETURNS trigger LANGUAGE plpgsql
AS $$ BEGIN NEW.order_date := now(); RETURN NEW; END $$";

fn shop(view_query: &str) -> Result<ModelSet, model_core::ModelSetError> {
    let set = ecommerce::models()?
        .with_extension_in("citext", "public", Some("1.6"))
        .with_sequence(model_core::schema::Sequence { start: 1000, ..model_core::schema::Sequence::new("invoice_numbers") })
        .with_function(ORDER_TOTAL)?
        .with_function(TOUCH)?
        .with_function("CREATE PROCEDURE untag(wanted integer) LANGUAGE sql AS $$ DELETE FROM product_tags WHERE tag_id = wanted $$")?
        .with_view("customer_order_counts", view_query)
        .with_materialized_view("tag_counts", "SELECT tag_id, count(*) AS products FROM product_tags GROUP BY tag_id")
        .with_view_index("tag_counts", "tag_counts_tag_id", &["tag_id"], true)?
        .with_trigger("CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch_order()")?
        .with_row_level_security("customers", false)?
        .with_policy(Policy { using: Some("true".into()), ..Policy::new("customers_visible", "customers") })?
        .with_grant("tags", "public", &["SELECT"])?;
    Ok(set)
}

const COUNTS: &str = "SELECT c.customer_id, count(o.order_id) AS orders FROM customers c LEFT JOIN orders o ON o.customer_id = c.customer_id GROUP BY c.customer_id";

#[test]
fn declared_objects_through_the_workflow() {
    let dir = project_dir("objects");
    let db = fresh_database();
    let url = db.url().to_string();
    assert_eq!(
        run(
            &dir,
            &["--url", &url, "revision", "--autogenerate", "-m", "shop"],
            shop(COUNTS)
        ),
        ExitCode::SUCCESS
    );
    let script = std::fs::read_to_string(&scripts(&dir)[0]).unwrap();
    for expected in [
        "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public VERSION",
        "CREATE SEQUENCE public.invoice_numbers AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1000",
        "CREATE OR REPLACE FUNCTION public.order_total(wanted integer)",
        "CREATE OR REPLACE PROCEDURE public.untag(IN wanted integer)",
        "CREATE VIEW public.customer_order_counts AS",
        "CREATE MATERIALIZED VIEW public.tag_counts AS",
        "CREATE UNIQUE INDEX tag_counts_tag_id ON public.tag_counts (tag_id)",
        "CREATE TRIGGER orders_touch BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION public.touch_order()",
        "ALTER TABLE public.customers ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY customers_visible ON public.customers AS PERMISSIVE FOR ALL TO PUBLIC USING (true)",
        "GRANT SELECT ON TABLE public.tags TO PUBLIC",
    ] {
        assert!(script.contains(expected), "missing `{expected}` in\n{script}");
    }
    assert_eq!(
        run(&dir, &["--url", &url, "upgrade", "head"], shop(COUNTS)),
        ExitCode::SUCCESS
    );
    // Applied, the database matches the declarations: nothing left to do.
    assert_eq!(
        run(&dir, &["--url", &url, "check"], shop(COUNTS)),
        ExitCode::SUCCESS
    );
    let mut client = db.connect().unwrap();
    // An object the engine does not model: named as a warning, and --strict refuses.
    client
        .batch_execute("CREATE TEXT SEARCH CONFIGURATION my_english (COPY = english)")
        .unwrap();
    assert_eq!(
        run(&dir, &["--url", &url, "check"], shop(COUNTS)),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(&dir, &["--url", &url, "check", "--strict"], shop(COUNTS)),
        ExitCode::FAILURE
    );
    client
        .batch_execute("DROP TEXT SEARCH CONFIGURATION my_english")
        .unwrap();
    // A publication the models know nothing of is left alone: no change to make.
    client
        .batch_execute("CREATE PUBLICATION everything FOR ALL TABLES")
        .unwrap();
    assert_eq!(
        run(&dir, &["--url", &url, "check"], shop(COUNTS)),
        ExitCode::SUCCESS
    );
    client.batch_execute("DROP PUBLICATION everything").unwrap();
    // Comments on declared objects and privileges on views, which models cannot declare: the
    // database's stay.
    client
        .batch_execute(
            "GRANT SELECT ON customer_order_counts TO PUBLIC;
             GRANT SELECT (tag_id) ON tag_counts TO PUBLIC;
             COMMENT ON VIEW customer_order_counts IS 'by hand';
             COMMENT ON FUNCTION order_total(integer) IS 'by hand';
             COMMENT ON INDEX tag_counts_tag_id IS 'by hand';
             COMMENT ON TRIGGER orders_touch ON orders IS 'by hand'",
        )
        .unwrap();
    assert_eq!(
        run(&dir, &["--url", &url, "check"], shop(COUNTS)),
        ExitCode::SUCCESS
    );
    client
        .batch_execute(
            "INSERT INTO customers (first_name, last_name, email_address) VALUES ('a', 'b', 'c')",
        )
        .unwrap();
    let counts = client
        .query("SELECT orders FROM customer_order_counts", &[])
        .unwrap();
    assert_eq!(counts.len(), 1);

    // Only the query changes, with the same columns: replaced in place.
    let changed = format!("{COUNTS} HAVING count(o.order_id) >= 0");
    assert_eq!(
        run(&dir, &["--url", &url, "check"], shop(&changed)),
        ExitCode::from(2)
    );
    assert_eq!(
        run(
            &dir,
            &["--url", &url, "revision", "--autogenerate", "-m", "view"],
            shop(&changed)
        ),
        ExitCode::SUCCESS
    );
    // Ids are random, so find the new script by its message.
    let second = scripts(&dir)
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .find(|text| text.starts_with("-- view\n"))
        .expect("the second revision");
    assert!(
        second.contains("CREATE OR REPLACE VIEW public.customer_order_counts AS"),
        "{second}"
    );
    assert!(!second.contains("COMMENT ON"), "{second}");
    assert_eq!(
        run(&dir, &["--url", &url, "upgrade", "head"], shop(&changed)),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(&dir, &["--url", &url, "check"], shop(&changed)),
        ExitCode::SUCCESS
    );
    let kept: Option<String> = client
        .query_one(
            "SELECT obj_description('customer_order_counts'::regclass, 'pg_class')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(kept.as_deref(), Some("by hand"));

    // And all the way down and up again.
    assert_eq!(
        run(&dir, &["--url", &url, "downgrade", "base"], shop(&changed)),
        ExitCode::SUCCESS
    );
    let left: i64 = client
        .query_one("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v', 'm') AND relname NOT LIKE 'model_version%'", &[])
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    assert_eq!(
        run(&dir, &["--url", &url, "upgrade", "head"], shop(&changed)),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(&dir, &["--url", &url, "check"], shop(&changed)),
        ExitCode::SUCCESS
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_declaration_names_the_object_and_postgresql_message() {
    let set = ecommerce::models()
        .unwrap()
        .with_function("CREATE FUNCTION broken() RETURNS integer LANGUAGE sql AS $$ SELEC 1 $$")
        .unwrap();
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let error = model_core::introspect::canonicalize(&mut client, set.schema())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("function 'broken()'") && error.contains("syntax error"),
        "{error}"
    );
    let unknown = ecommerce::models().unwrap().with_trigger(
        "CREATE TRIGGER t BEFORE UPDATE ON nowhere FOR EACH ROW EXECUTE FUNCTION f()",
    );
    let message = unknown.expect_err("refused").to_string();
    assert!(
        message.contains("trigger `t`: table `nowhere` is not one of the gathered models"),
        "{message}"
    );
}

fn with_statistics(target: Option<i32>) -> Result<ModelSet, model_core::ModelSetError> {
    use model_core::schema::Statistics;
    ecommerce::models()?
        .with_statistics(Statistics {
            kinds: vec!["Dependencies".into(), "mcv".into()],
            target,
            comment: Some("customers order on some days".into()),
            ..Statistics::new("orders_customer_day", "orders", "customer_id, order_date")
        })?
        .with_statistics(Statistics::new(
            "orders_month",
            "orders",
            "(date_trunc('month', order_date AT TIME ZONE 'UTC'))",
        ))
}

/// A statistics object declared with the models is created, reads back as declared (the
/// expression as PostgreSQL spells it), has its target altered in place, and goes with a
/// downgrade.
#[test]
fn declared_statistics_through_the_workflow() {
    let dir = project_dir("statistics");
    let db = fresh_database();
    let url = db.url().to_string();
    let autogenerate = |m: &str, target| {
        run(
            &dir,
            &["--url", &url, "revision", "--autogenerate", "-m", m],
            with_statistics(target),
        )
    };
    assert_eq!(autogenerate("orders", None), ExitCode::SUCCESS);
    let script = std::fs::read_to_string(&scripts(&dir)[0]).unwrap();
    for expected in [
        "CREATE STATISTICS public.orders_customer_day (dependencies, mcv) ON customer_id, order_date FROM public.orders;",
        "COMMENT ON STATISTICS public.orders_customer_day IS 'customers order on some days';",
        "CREATE STATISTICS public.orders_month ON date_trunc('month'::text, (order_date AT TIME ZONE 'UTC'::text)) FROM public.orders;",
        "DROP STATISTICS public.orders_month;",
    ] {
        assert!(script.contains(expected), "missing `{expected}` in\n{script}");
    }
    let upgrade = |target| {
        run(
            &dir,
            &["--url", &url, "upgrade", "head"],
            with_statistics(target),
        )
    };
    let check = |target| run(&dir, &["--url", &url, "check"], with_statistics(target));
    assert_eq!(upgrade(None), ExitCode::SUCCESS);
    assert_eq!(check(None), ExitCode::SUCCESS);
    let mut client = db.connect().unwrap();
    let targets = |client: &mut postgres::Client| -> Vec<(String, Option<i32>)> {
        client
            .query(
                "SELECT stxname::text, NULLIF(stxstattarget::int, -1) FROM pg_statistic_ext ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    assert_eq!(
        targets(&mut client),
        [
            ("orders_customer_day".into(), None),
            ("orders_month".into(), None)
        ]
    );

    // A new target is altered in place, not recreated.
    assert_eq!(check(Some(800)), ExitCode::from(2));
    assert_eq!(autogenerate("target", Some(800)), ExitCode::SUCCESS);
    let second = scripts(&dir)
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .find(|text| text.starts_with("-- target\n"))
        .expect("the second revision");
    assert!(
        second.contains("ALTER STATISTICS public.orders_customer_day SET STATISTICS 800;")
            && second.contains("ALTER STATISTICS public.orders_customer_day SET STATISTICS -1;")
            && !second.contains("DROP STATISTICS"),
        "{second}"
    );
    assert_eq!(upgrade(Some(800)), ExitCode::SUCCESS);
    assert_eq!(check(Some(800)), ExitCode::SUCCESS);
    assert_eq!(
        targets(&mut client),
        [
            ("orders_customer_day".into(), Some(800)),
            ("orders_month".into(), None)
        ]
    );
    assert_eq!(
        run(
            &dir,
            &["--url", &url, "downgrade", "-1"],
            with_statistics(Some(800))
        ),
        ExitCode::SUCCESS
    );
    assert_eq!(
        targets(&mut client),
        [
            ("orders_customer_day".into(), None),
            ("orders_month".into(), None)
        ]
    );
    assert_eq!(
        run(
            &dir,
            &["--url", &url, "downgrade", "base"],
            with_statistics(None)
        ),
        ExitCode::SUCCESS
    );
    assert!(targets(&mut client).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_statistics_declaration_on_no_model_or_twice_is_refused() {
    use model_core::schema::Statistics;
    let unknown = ecommerce::models()
        .unwrap()
        .with_statistics(Statistics::new("s", "invoices", "a, b"))
        .unwrap_err()
        .to_string();
    assert!(
        unknown.contains("statistics") && unknown.contains("invoices"),
        "{unknown}"
    );
    let twice = ecommerce::models()
        .unwrap()
        .with_statistics(Statistics::new("s", "orders", "order_id, customer_id"))
        .unwrap()
        .with_statistics(Statistics::new(
            "public.s",
            "orders",
            "customer_id, order_date",
        ))
        .unwrap_err()
        .to_string();
    assert!(twice.contains("declared twice"), "{twice}");
}
