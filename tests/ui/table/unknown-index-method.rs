use model_core::Model;

#[derive(Model)]
#[model(index(tags, method = "fulltext"))]
struct Product {
    #[model(primary_key)]
    product_id: i32,
    tags: String,
}

fn main() {}
