use model_core::Model;

#[derive(Model)]
#[model(storage = "fillfactor 70")]
struct Account {
    #[model(primary_key)]
    id: i64,
}

fn main() {}
