use model_core::Model;

#[derive(Model)]
struct Doc {
    #[model(primary_key)]
    id: i64,
    #[model(sql_type = "text", storage = "compressed")]
    body: String,
}

fn main() {}
