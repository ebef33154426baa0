use model_core::Model;

#[derive(Model)]
#[model(partition_by = "taken_on")]
struct Reading {
    taken_on: i64,
}

fn main() {}
