use model_core::Model;

#[derive(Model)]
#[model(check(name = "price_positive"))]
struct Product {
    #[model(primary_key)]
    product_id: i32,
    price: f64,
}

fn main() {}
