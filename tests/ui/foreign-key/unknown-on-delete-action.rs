use model_core::Model;

#[derive(Model)]
struct Order {
    #[model(primary_key)]
    order_id: i32,
    #[model(foreign_key = "customers.customer_id", on_delete = "destroy")]
    customer_id: i32,
}

fn main() {}
