use model_core::Model;

#[derive(Model)]
#[model(tabel = "customers")]
struct Customer {
    #[model(primary_key, nullable)]
    customer_id: i32,
    #[model(sql_type = "varchar(")]
    name: String,
    #[model(foreign_key = "orders.order_id", on_delete = "explode")]
    order_id: i32,
}

fn main() {}
