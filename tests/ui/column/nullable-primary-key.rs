use model_core::Model;

#[derive(Model)]
struct Customer {
    #[model(primary_key, nullable)]
    customer_id: i32,
}

fn main() {}
