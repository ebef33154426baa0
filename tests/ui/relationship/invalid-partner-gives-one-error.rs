use model_core::Model;

// A typo in one model: its error, and no `back_populates` error on the model that points at it.
#[derive(Model)]
pub struct Customer {
    #[model(primary_key, uniqe)]
    pub customer_id: i32,
    #[model(relationship(back_populates = customer))]
    pub orders: Vec<Order>,
}

#[derive(Model)]
pub struct Order {
    #[model(primary_key)]
    pub order_id: i32,
    #[model(foreign_key = "customer.customer_id")]
    pub customer_id: i32,
    #[model(relationship(back_populates = orders))]
    pub customer: Option<Box<Customer>>,
}

fn main() {}
