use model_core::Model;

#[derive(Model)]
struct Customer {
    #[model(primary_key)]
    customer_id: i32,
    #[model(relationship, unique)]
    orders: Vec<Order>,
}

#[derive(Model)]
struct Order {
    #[model(primary_key)]
    order_id: i32,
}

fn main() {}
