use model_core::Model;

#[derive(Model)]
#[model(foreign_key(item_id, region, references = "items(item_id)"))]
struct Note {
    #[model(primary_key)]
    id: i32,
    item_id: i32,
    region: String,
}

fn main() {}
