use model_core::Model;

// The postgres crate cannot read a `numeric` into an `f64`: refused at compile time.
#[derive(Model)]
pub struct Product {
    #[model(primary_key)]
    pub product_id: i32,
    #[model(sql_type = "numeric(10,2)")]
    pub price: f64,
}

fn main() {}
