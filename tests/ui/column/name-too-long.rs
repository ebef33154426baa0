use model_core::Model;

#[derive(Model)]
struct Product {
    #[model(primary_key, name = "a_column_name_that_is_far_too_long_for_postgresql_to_keep_it_whole_at_all")]
    product_id: i32,
}

fn main() {}
