use model_core::Model;

#[derive(Model)]
struct Order {
    #[model(primary_key)]
    id: i64,
    #[model(virtual)]
    total_cents: i64,
}

fn main() {}
