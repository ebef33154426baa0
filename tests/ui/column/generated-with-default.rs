use model_core::Model;

#[derive(Model)]
struct Product {
    #[model(primary_key)]
    product_id: i32,
    price: f64,
    #[model(generated = "price * 2", default = "0")]
    double_price: f64,
}

fn main() {}
