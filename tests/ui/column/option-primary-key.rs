use model_core::Model;

#[derive(Model)]
struct Customer {
    #[model(primary_key)]
    customer_id: Option<i32>,
}

fn main() {}
