use model_core::Model;

#[derive(Model)]
struct Account {
    #[model(primary_key)]
    id: i64,
    #[model(not_valid)]
    email: String,
}

fn main() {}
