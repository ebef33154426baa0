use model_core::Model;

#[derive(Model)]
struct Customer {
    #[model(primary_key)]
    customer_id: i32,
    #[model(renamed_from = "email")]
    email: String,
}

fn main() {}
