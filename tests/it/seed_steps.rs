//! The seed's walk-through as diffs: step 1 (customers, orders, products), step 2 (adds the
//! `order_products` association object), step 3 (adds `tags` and the `product_tags`
//! association table). Each step's upgrade is snapshot, applied, and must leave the database
//! equal to that step's models; the downgrades lead back to an empty database.

use model_core::diff::diff;
use model_core::render::script;
use model_core::schema::Schema;

use crate::support::{apply, canonical, fresh_database, read};

/// The seed's first post: three tables, one relationship.
pub mod step1 {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key, identity(always))]
        pub customer_id: i32,
        pub first_name: String,
        pub last_name: String,
        pub email_address: String,
        #[model(relationship(back_populates = customer, cascade = "all, delete-orphan"))]
        pub orders: Vec<Order>,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key, identity(always))]
        pub order_id: i32,
        #[model(foreign_key = "customers.customer_id", on_delete = "cascade")]
        pub customer_id: i32,
        #[model(default = "now()")]
        pub order_date: chrono::DateTime<chrono::Utc>,
        #[model(relationship(back_populates = orders))]
        pub customer: Option<Box<Customer>>,
    }

    #[derive(Model)]
    #[model(table = "products")]
    pub struct Product {
        #[model(primary_key, identity(always))]
        pub product_id: i32,
        pub product_name: String,
        #[model(sql_type = "text")]
        pub description: Option<String>,
        pub price: f64,
    }
}

/// Step 2: `OrderProduct` joins orders and products.
pub mod step2 {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key, identity(always))]
        pub customer_id: i32,
        pub first_name: String,
        pub last_name: String,
        pub email_address: String,
        #[model(relationship(back_populates = customer, cascade = "all, delete-orphan"))]
        pub orders: Vec<Order>,
    }

    #[derive(Model)]
    #[model(table = "order_products")]
    pub struct OrderProduct {
        #[model(primary_key, foreign_key = "orders.order_id", on_delete = "cascade")]
        pub order_id: i32,
        #[model(
            primary_key,
            foreign_key = "products.product_id",
            on_delete = "cascade"
        )]
        pub product_id: i32,
        #[model(default = "1")]
        pub product_count: i32,
        #[model(relationship(back_populates = products))]
        pub order: Option<Box<Order>>,
        #[model(relationship(back_populates = orders))]
        pub product: Option<Box<Product>>,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key, identity(always))]
        pub order_id: i32,
        #[model(foreign_key = "customers.customer_id", on_delete = "cascade")]
        pub customer_id: i32,
        #[model(default = "now()")]
        pub order_date: chrono::DateTime<chrono::Utc>,
        #[model(relationship(back_populates = orders))]
        pub customer: Option<Box<Customer>>,
        #[model(relationship(back_populates = order, cascade = "all, delete-orphan"))]
        pub products: Vec<OrderProduct>,
    }

    #[derive(Model)]
    #[model(table = "products")]
    pub struct Product {
        #[model(primary_key, identity(always))]
        pub product_id: i32,
        pub product_name: String,
        #[model(sql_type = "text")]
        pub description: Option<String>,
        pub price: f64,
        #[model(relationship(back_populates = product, cascade = "all, delete-orphan"))]
        pub orders: Vec<OrderProduct>,
    }
}

fn steps() -> [Schema; 3] {
    use model_core::models;
    [
        models![step1::Customer, step1::Order, step1::Product]
            .unwrap()
            .into_schema(),
        models![
            step2::Customer,
            step2::OrderProduct,
            step2::Order,
            step2::Product
        ]
        .unwrap()
        .into_schema(),
        ecommerce::models().unwrap().into_schema(),
    ]
}

#[test]
fn walk_through_step_by_step() {
    let steps = steps();
    let canonical: Vec<Schema> = steps.iter().map(canonical).collect();
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let mut previous = Schema::default();
    let mut downgrades = Vec::new();
    for (i, target) in canonical.iter().enumerate() {
        let plan = diff(&previous, target);
        insta::assert_snapshot!(
            format!("seed_step_{}", i + 1),
            format!(
                "-- upgrade\n{}\n-- downgrade\n{}",
                script(&plan.upgrade),
                script(&plan.downgrade)
            )
        );
        apply(&mut client, &plan.upgrade);
        let live = read(&mut client, &["public"]);
        assert!(
            diff(&live, target).is_empty(),
            "step {} left a difference",
            i + 1
        );
        downgrades.push(plan.downgrade);
        previous = target.clone();
    }
    for downgrade in downgrades.iter().rev() {
        apply(&mut client, downgrade);
    }
    assert_eq!(
        read(&mut client, &["public"]),
        Schema::default(),
        "downgrade to base leaves nothing"
    );
}
