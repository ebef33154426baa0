use model_core::Model;

#[derive(Model)]
struct Product {
    #[model(primary_key)]
    product_id: i32,
    #[model(name = "product_id")]
    legacy_id: i32,
}

fn main() {}
