use model_core::Model;

#[derive(Model)]
pub struct Product {
    #[model(primary_key)]
    pub product_id: i32,
    #[model(sql_type = "text[]")]
    pub tags: Vec<i32>,
}

fn main() {}
