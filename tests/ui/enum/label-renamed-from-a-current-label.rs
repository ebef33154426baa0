#[derive(model_core::Enum)]
enum Status {
    Draft,
    #[model(renamed_from = "draft")]
    Pending,
}

fn main() {}
