#![allow(dead_code)] // Models are metadata here; their fields are never read.

//! A project binary for the rename tests (issue 11), run as a user runs theirs, so that
//! prompts meet a real terminal: `MODEL_RENAME_STEP` picks the models.
//!
//! 1. `customers (id, full_name)` and `people (id, name)`.
//! 2. `full_name` renamed to `display_name`, declared with `renamed_from`.
//! 3. `full_name` gone and `display_name` added, and `people` gone and `persons` added, with
//!    no hint: rename candidates.

mod v1 {
    #[derive(model_core::Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key)]
        pub id: i32,
        pub full_name: Option<String>,
    }

    #[derive(model_core::Model)]
    #[model(table = "people")]
    pub struct Person {
        #[model(primary_key)]
        pub id: i32,
        pub name: Option<String>,
    }
}

mod v2 {
    #[derive(model_core::Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key)]
        pub id: i32,
        #[model(renamed_from = "full_name")]
        pub display_name: Option<String>,
    }

    #[derive(model_core::Model)]
    #[model(table = "people")]
    pub struct Person {
        #[model(primary_key)]
        pub id: i32,
        pub name: Option<String>,
    }
}

mod v3 {
    #[derive(model_core::Model)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key)]
        pub id: i32,
        pub display_name: Option<String>,
    }

    #[derive(model_core::Model)]
    #[model(table = "persons")]
    pub struct Person {
        #[model(primary_key)]
        pub id: i32,
        pub name: Option<String>,
    }
}

fn main() -> std::process::ExitCode {
    let models = match std::env::var("MODEL_RENAME_STEP").as_deref() {
        Ok("2") => model_core::models![v2::Customer, v2::Person],
        Ok("3") => model_core::models![v3::Customer, v3::Person],
        _ => model_core::models![v1::Customer, v1::Person],
    };
    model_cli::run(models)
}
