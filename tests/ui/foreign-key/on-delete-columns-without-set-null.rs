use model_core::Model;

#[derive(Model)]
#[model(foreign_key(tenant_id, author_id, references = "users(tenant_id, id)", on_delete = "cascade", on_delete_columns(author_id)))]
struct Post {
    #[model(primary_key)]
    id: i64,
    tenant_id: i64,
    author_id: Option<i64>,
}

fn main() {}
