use model_core::Model;

struct Money(u64);

#[derive(Model)]
struct Order {
    #[model(primary_key)]
    order_id: i32,
    total: Money,
}

fn main() {}
