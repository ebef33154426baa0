use model_core::Model;

#[derive(Model)]
#[model(renamed_from = "")]
struct Customer {
    #[model(primary_key)]
    customer_id: i32,
}

fn main() {}
