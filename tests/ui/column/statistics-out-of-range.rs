use model_core::Model;

#[derive(Model)]
struct Doc {
    #[model(primary_key, statistics = 20000)]
    id: i64,
}

fn main() {}
