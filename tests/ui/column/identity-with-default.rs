use model_core::Model;

#[derive(Model)]
struct Product {
    #[model(primary_key, identity, default = "1")]
    product_id: i32,
}

fn main() {}
