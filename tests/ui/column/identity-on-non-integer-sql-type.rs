use model_core::Model;

#[derive(Model)]
struct Customer {
    #[model(primary_key, identity(always), sql_type = "numeric(10,0)")]
    customer_id: i64,
}

fn main() {}
