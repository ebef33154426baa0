use model_core::Model;

#[derive(Model)]
#[model(foreign_key(during, references = "rooms(valid)", period))]
struct Booking {
    #[model(primary_key)]
    id: i64,
    #[model(sql_type = "tstzrange", unchecked_type)]
    during: String,
}

fn main() {}
