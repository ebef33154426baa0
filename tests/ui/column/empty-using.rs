use model_core::Model;

#[derive(Model)]
struct Event {
    #[model(primary_key)]
    id: i64,
    #[model(using = "  ")]
    happened: bool,
}

fn main() {}
