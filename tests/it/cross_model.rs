//! The checks made when models are gathered, which no single derive can make. Each case
//! gathers a small set of models with one mistake and asserts the message names both sides.

use model_core::{models, ModelSetError};

fn error_of(result: Result<model_core::ModelSet, ModelSetError>) -> String {
    match result {
        Ok(_) => panic!("the models were accepted"),
        Err(error) => {
            assert_eq!(
                error.errors.len(),
                1,
                "expected exactly one problem: {error}"
            );
            error.to_string()
        }
    }
}

mod unknown_table {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key)]
        pub id: i32,
        #[model(foreign_key = "customer.id")]
        pub customer_id: i32,
    }
}

#[test]
fn foreign_key_to_an_unknown_table() {
    let message = error_of(models![unknown_table::Order]);
    assert!(
        message
            .contains("`Order.customer_id` references table `customer`, which no model declares"),
        "{message}"
    );
}

mod unknown_column {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key)]
        pub customer_id: i32,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key)]
        pub id: i32,
        #[model(foreign_key = "customers.id")]
        pub customer_id: i32,
    }
}

#[test]
fn foreign_key_to_an_unknown_column() {
    let message = error_of(models![unknown_column::Customer, unknown_column::Order]);
    assert!(
        message.contains("`Order.customer_id` references `customers.id`, but `Customer` (table `customers`) has no column `id`"),
        "{message}"
    );
}

mod type_mismatch {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key, identity)]
        pub customer_id: i64,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key)]
        pub id: i32,
        #[model(foreign_key = "customers.customer_id")]
        pub customer_id: i32,
    }
}

#[test]
fn foreign_key_type_differs_from_the_referenced_column() {
    let message = error_of(models![type_mismatch::Customer, type_mismatch::Order]);
    assert!(
        message.contains("`Order.customer_id` is `integer` but the column it references, `Customer.customer_id` (`customers.customer_id`), is `bigint`"),
        "{message}"
    );
}

mod not_unique {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key)]
        pub customer_id: i32,
        pub email: String,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key)]
        pub id: i32,
        #[model(foreign_key = "customers.email")]
        pub email: String,
    }
}

#[test]
fn foreign_key_to_columns_without_a_unique_key() {
    let message = error_of(models![not_unique::Customer, not_unique::Order]);
    assert!(
        message.contains("`Order` has foreign key `orders_email_fkey` to `customers` (email), but those columns are not the primary key or a unique constraint of `Customer`"),
        "{message}"
    );
}

mod same_table {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "things")]
    pub struct Thing {
        #[model(primary_key)]
        pub id: i32,
    }

    #[derive(Model)]
    #[model(table = "things")]
    pub struct OtherThing {
        #[model(primary_key)]
        pub id: i32,
    }
}

#[test]
fn two_models_with_the_same_table() {
    let message = error_of(models![same_table::Thing, same_table::OtherThing]);
    assert!(
        message.contains("models `Thing` and `OtherThing` both declare table `things`"),
        "{message}"
    );
}

mod not_mutual {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key)]
        pub customer_id: i32,
        #[model(relationship(back_populates = customer))]
        pub orders: Vec<Order>,
        #[model(relationship)]
        pub recent_orders: Vec<Order>,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key)]
        pub id: i32,
        #[model(foreign_key = "customers.customer_id")]
        pub customer_id: i32,
        #[model(relationship(back_populates = recent_orders))]
        pub customer: Option<Box<Customer>>,
    }
}

#[test]
fn back_populates_pair_that_does_not_point_back() {
    let error = models![not_mutual::Customer, not_mutual::Order]
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(
        message.contains("relationship `Customer.orders` has `back_populates = customer`, but `Order.customer` does not point back: it has `back_populates = recent_orders`; give it `back_populates = orders`"),
        "{message}"
    );
    assert!(
        message.contains("relationship `Order.customer` has `back_populates = recent_orders`, but `Customer.recent_orders` does not point back: it has no `back_populates`"),
        "{message}"
    );
    assert_eq!(error.errors.len(), 2, "{message}");
}

mod unknown_secondary {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "products")]
    pub struct Product {
        #[model(primary_key)]
        pub product_id: i32,
        #[model(relationship(secondary = "product_tags", back_populates = products))]
        pub tags: Vec<Tag>,
    }

    #[derive(Model)]
    #[model(table = "tags")]
    pub struct Tag {
        #[model(primary_key)]
        pub tag_id: i32,
        #[model(relationship(secondary = "product_tags", back_populates = tags))]
        pub products: Vec<Product>,
    }
}

#[test]
fn secondary_table_that_no_model_declares() {
    let error = models![unknown_secondary::Product, unknown_secondary::Tag]
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(
        message.contains("relationship `Product.tags` has `secondary = product_tags`, but no model declares table `product_tags`"),
        "{message}"
    );
    assert!(
        message.contains("relationship `Tag.products` has `secondary = product_tags`"),
        "{message}"
    );
}

mod secondary_missing_fk {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "products")]
    pub struct Product {
        #[model(primary_key)]
        pub product_id: i32,
        #[model(relationship(secondary = ProductTag))]
        pub tags: Vec<Tag>,
    }

    #[derive(Model)]
    #[model(table = "tags")]
    pub struct Tag {
        #[model(primary_key)]
        pub tag_id: i32,
    }

    #[derive(Model)]
    #[model(table = "product_tags")]
    pub struct ProductTag {
        #[model(primary_key, foreign_key = "products.product_id")]
        pub product_id: i32,
        #[model(primary_key)]
        pub tag_id: i32,
    }
}

#[test]
fn secondary_table_without_a_foreign_key_to_one_side() {
    let message = error_of(models![
        secondary_missing_fk::Product,
        secondary_missing_fk::Tag,
        secondary_missing_fk::ProductTag
    ]);
    assert!(
        message.contains("relationship `Product.tags` goes through `product_tags`, but `product_tags` has no foreign key to `tags`"),
        "{message}"
    );
}

mod no_path {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key)]
        pub customer_id: i32,
        #[model(relationship)]
        pub orders: Vec<Order>,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key)]
        pub order_id: i32,
        pub customer_id: i32,
    }
}

#[test]
fn relationship_with_no_foreign_key_path() {
    let message = error_of(models![no_path::Customer, no_path::Order]);
    assert!(
        message.contains("relationship `Customer.orders` to `Order`: there is no foreign key between `customers` and `orders`"),
        "{message}"
    );
}

mod ambiguous {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "accounts")]
    pub struct Account {
        #[model(primary_key)]
        pub id: i32,
    }

    #[derive(Model)]
    #[model(table = "transfers")]
    pub struct Transfer {
        #[model(primary_key)]
        pub id: i32,
        #[model(foreign_key = "accounts.id")]
        pub from_id: i32,
        #[model(foreign_key = "accounts.id")]
        pub to_id: i32,
        #[model(relationship)]
        pub from: Option<Box<Account>>,
        #[model(relationship(foreign_key = to_id))]
        pub to: Option<Box<Account>>,
    }
}

#[test]
fn relationship_with_two_possible_foreign_keys_needs_one_chosen() {
    let message = error_of(models![ambiguous::Account, ambiguous::Transfer]);
    assert!(
        message.contains("relationship `Transfer.from` to `Account` could use any of the foreign keys `transfers_from_id_fkey`, `transfers_to_id_fkey`; choose one with `relationship(foreign_key = <column>)`"),
        "{message}"
    );
}

mod orphan {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key)]
        pub customer_id: i32,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key)]
        pub order_id: i32,
        #[model(foreign_key = "customers.customer_id")]
        pub customer_id: i32,
        #[model(relationship(cascade = "all, delete-orphan"))]
        pub customer: Option<Box<Customer>>,
    }
}

#[test]
fn delete_orphan_on_the_many_side_of_many_to_one() {
    let message = error_of(models![orphan::Customer, orphan::Order]);
    assert!(
        message.contains("relationship `Order.customer` is many-to-one (to `Customer`), and `delete-orphan` cascade is only allowed on the one side"),
        "{message}"
    );
}

mod vec_on_many_to_one {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key)]
        pub customer_id: i32,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key)]
        pub order_id: i32,
        #[model(foreign_key = "customers.customer_id")]
        pub customer_id: i32,
        #[model(relationship)]
        pub customer: Vec<Customer>,
    }
}

#[test]
fn many_to_one_field_holding_a_vec() {
    let message = error_of(models![
        vec_on_many_to_one::Customer,
        vec_on_many_to_one::Order
    ]);
    assert!(
        message.contains("relationship `Order.customer` is many-to-one, so the field must hold one object (`Option<Box<Customer>>` or `Box<Customer>`), not a `Vec`"),
        "{message}"
    );
}

mod clashing_names {
    use model_core::Model;

    #[derive(Model)]
    #[model(table = "customers", index(email, name = "orders"))]
    pub struct Customer {
        #[model(primary_key)]
        pub customer_id: i32,
        pub email: String,
    }

    #[derive(Model)]
    #[model(table = "orders")]
    pub struct Order {
        #[model(primary_key)]
        pub order_id: i32,
    }
}

#[test]
fn index_named_like_a_table() {
    let message = error_of(models![clashing_names::Customer, clashing_names::Order]);
    assert!(
        message.contains("an index of `customers` and table `orders` are both named `orders`; tables, indexes, primary keys and unique constraints share one namespace per schema"),
        "{message}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let error = models![
        unknown_table::Order,
        same_table::Thing,
        same_table::OtherThing,
        orphan::Order
    ]
    .err()
    .expect("refused");
    // The unknown customer table, the duplicated `things` and `orders` tables, and the
    // relationship whose target `customers` is not gathered.
    assert!(error.errors.len() >= 3, "{error}");
    assert!(error
        .to_string()
        .starts_with(&format!("{} problems in the models:", error.errors.len())));
}

mod undeclared_enum {
    use model_core::Model;

    #[derive(model_core::Enum)]
    pub enum Mood {
        Sad,
        Happy,
    }

    #[derive(Model)]
    #[model(table = "people")]
    pub struct Person {
        #[model(primary_key)]
        pub id: i32,
        pub mood: Mood,
    }
}

#[test]
fn enum_type_not_gathered() {
    let message = error_of(models![undeclared_enum::Person]);
    assert!(
        message.contains("`Person.mood` has type `public.mood`, which no gathered enum declares"),
        "{message}"
    );
    let set = models![undeclared_enum::Person; undeclared_enum::Mood].unwrap();
    assert_eq!(set.schema().enums[0].labels, ["sad", "happy"]);
}
