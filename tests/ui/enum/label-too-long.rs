use model_core::Enum;

#[derive(Enum)]
enum Mood {
    #[model(rename = "a label of sixty-four bytes, one more than PostgreSQL keeps, ok!")]
    Happy,
}

fn main() {}
