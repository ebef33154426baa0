use model_core::Model;

#[derive(Model)]
struct Account {
    #[model(primary_key)]
    id: i64,
    #[model(sql_type = "public.\"Email")]
    email: String,
}

fn main() {}
