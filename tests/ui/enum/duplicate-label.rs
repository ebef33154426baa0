#[derive(model_core::Enum)]
#[model(name = "mood")]
enum Mood {
    Sad,
    #[model(rename = "sad")]
    Blue,
}

fn main() {}
