use model_core::Model;

#[derive(Model)]
struct Account {
    #[model(primary_key)]
    id: i64,
    #[model(not_enforced)]
    email: String,
}

fn main() {}
