use model_core::Model;

#[derive(Model)]
struct Product {
    #[model(primary_key)]
    product_id: i32,
    #[model(relationship(backref = products))]
    tags: Vec<Tag>,
}

#[derive(Model)]
struct Tag {
    #[model(primary_key)]
    tag_id: i32,
}

fn main() {}
