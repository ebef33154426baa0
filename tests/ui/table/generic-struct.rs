use model_core::Model;

#[derive(Model)]
struct Wrapper<T> {
    #[model(primary_key)]
    id: i32,
    value: T,
}

fn main() {}
