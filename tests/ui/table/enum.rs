use model_core::Model;

#[derive(Model)]
enum Status {
    Pending,
    Shipped,
}

fn main() {}
