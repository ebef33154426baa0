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
        #[model(sql_type = "smallint", identity(always, minvalue = 1, maxvalue = 32767, cache = 1))]
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
        #[model(primary_key, identity(by_default, start = 100, increment = 5, cache = 10, cycle))]
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
