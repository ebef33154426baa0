use model_core::Model;

#[derive(Model)]
struct Product {
    #[model(primary_key, sql_type = "serial")]
    product_id: i32,
}

fn main() {}
