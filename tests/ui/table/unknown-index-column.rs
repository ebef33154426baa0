use model_core::Model;

#[derive(Model)]
#[model(index(customer_id, order_dte))]
struct Order {
    #[model(primary_key)]
    order_id: i32,
    customer_id: i32,
    order_date: String,
}

fn main() {}
