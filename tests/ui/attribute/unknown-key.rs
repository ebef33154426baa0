use model_core::Model;

#[derive(Model)]
struct Customer {
    #[model(primary_kye)]
    customer_id: i32,
}

fn main() {}
