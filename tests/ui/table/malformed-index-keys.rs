use model_core::Model;

#[derive(Model)]
#[model(index(keys = "lower(email), created DESC"))]
struct Account {
    #[model(primary_key)]
    id: i64,
    email: String,
    created_at: i64,
}

fn main() {}
