use model_core::Model;

struct Order {
    order_id: i32,
}

#[derive(Model)]
struct Customer {
    #[model(primary_key)]
    customer_id: i32,
    #[model(relationship(back_populates = customer))]
    orders: Vec<Order>,
}

fn main() {}
