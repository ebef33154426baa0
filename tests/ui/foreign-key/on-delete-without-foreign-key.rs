use model_core::Model;

#[derive(Model)]
struct Order {
    #[model(primary_key)]
    order_id: i32,
    #[model(on_delete = "cascade")]
    customer_id: i32,
}

fn main() {}
