use model_core::Model;

#[derive(Model)]
struct Customer {
    #[model(primary_key, identity)]
    customer_id: String,
}

fn main() {}
