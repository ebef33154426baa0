use model_core::Model;

#[derive(Model)]
#[model(primary_key(during, without_overlaps))]
struct Booking {
    #[model(sql_type = "tstzrange", unchecked_type)]
    during: String,
}

fn main() {}
