use model_core::Model;

#[derive(Model)]
struct Product {
    #[model(primary_key)]
    product_id: i32,
    #[model(sql_type = "numeric(10, x)")]
    price: f64,
}

fn main() {}
