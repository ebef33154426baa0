use model_core::Model;

#[derive(Model)]
struct Customer {
    #[model(primary_key)]
    customer_id: i32,
    #[model(relationship(back_populates = custmer))]
    orders: Vec<Order>,
}

#[derive(Model)]
struct Order {
    #[model(primary_key)]
    order_id: i32,
    #[model(foreign_key = "customer.customer_id")]
    customer_id: i32,
    #[model(relationship(back_populates = orders))]
    customer: Option<Box<Customer>>,
}

fn main() {}
