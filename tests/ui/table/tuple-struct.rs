use model_core::Model;

#[derive(Model)]
struct Customer(i32, String);

fn main() {}
