use model_core::Model;

#[derive(Model)]
#[model(primary_key(id, deferrable))]
struct Account {
    #[model(primary_key)]
    id: i64,
}

fn main() {}
