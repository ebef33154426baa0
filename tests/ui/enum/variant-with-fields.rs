#[derive(model_core::Enum)]
enum Mood {
    Sad,
    Other(String),
}

fn main() {}
