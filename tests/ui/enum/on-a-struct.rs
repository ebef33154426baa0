#[derive(model_core::Enum)]
struct Mood {
    level: i32,
}

fn main() {}
