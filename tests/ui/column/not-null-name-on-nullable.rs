use model_core::Model;

#[derive(Model)]
struct Account {
    #[model(primary_key)]
    id: i64,
    #[model(not_null_name = "accounts_email_required")]
    email: Option<String>,
}

fn main() {}
