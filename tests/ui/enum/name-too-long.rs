use model_core::Enum;

#[derive(Enum)]
#[model(name = "a_name_of_sixty_four_bytes_which_postgresql_would_cut_to_sixty_3")]
enum Mood {
    Happy,
}

fn main() {}
