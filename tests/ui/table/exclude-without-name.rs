use model_core::Model;

#[derive(Model)]
#[model(exclude(using = "gist", elements = "during WITH &&"))]
struct Booking {
    #[model(primary_key)]
    id: i64,
    #[model(sql_type = "tstzrange", unchecked_type)]
    during: String,
}

fn main() {}
