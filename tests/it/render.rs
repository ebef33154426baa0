//! `CREATE` rendering on shapes the seed does not have: reference cycles and quoting.

use model_core::Model;

use crate::support::{create, fresh_database, lines, CONSTRAINTS};

/// Departments have a manager; employees belong to a department: a reference cycle.
#[derive(Model)]
#[model(table = "departments")]
pub struct Department {
    #[model(primary_key)]
    pub id: i32,
    #[model(foreign_key = "employees.id", on_delete = "set null")]
    pub manager_id: Option<i32>,
}

#[derive(Model)]
#[model(table = "employees")]
pub struct Employee {
    #[model(primary_key)]
    pub id: i32,
    #[model(foreign_key = "departments.id")]
    pub department_id: i32,
}

#[test]
fn reference_cycles_are_created_with_a_deferred_foreign_key() {
    let set = model_core::models![Department, Employee].unwrap();
    let sql = model_core::render::create_schema(set.schema());
    insta::assert_snapshot!("cycle_create_sql", sql);
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    create(&mut client, set.schema());
    assert_eq!(
        lines(&mut client, CONSTRAINTS),
        [
            "departments | departments_manager_id_fkey | FOREIGN KEY (manager_id) REFERENCES employees(id) ON DELETE SET NULL",
            "departments | departments_pkey | PRIMARY KEY (id)",
            "employees | employees_department_id_fkey | FOREIGN KEY (department_id) REFERENCES departments(id)",
            "employees | employees_pkey | PRIMARY KEY (id)",
        ]
    );
}

/// Names that need quoting: reserved words, upper case, spaces, quotes, non-ASCII.
#[derive(Model)]
#[model(table = "Order Lines", comment = "it's \\ quoted")]
pub struct Awkward {
    #[model(primary_key, name = "group")]
    pub group: i32,
    #[model(name = "Quantity \"each\"", check = "\"Quantity \"\"each\"\"\" > 0")]
    pub quantity: i32,
    #[model(name = "prix_unitaire_€", index)]
    pub price: f64,
}

#[test]
fn awkward_names_survive_the_round_trip_to_the_catalog() {
    let set = model_core::models![Awkward].unwrap();
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    create(&mut client, set.schema());
    let columns = lines(
        &mut client,
        "SELECT attname FROM pg_attribute WHERE attrelid = 'public.\"Order Lines\"'::regclass AND attnum > 0 ORDER BY attnum",
    );
    assert_eq!(columns, ["group", "Quantity \"each\"", "prix_unitaire_€"]);
    let comment = lines(
        &mut client,
        "SELECT obj_description('public.\"Order Lines\"'::regclass, 'pg_class')",
    );
    assert_eq!(comment, ["it's \\ quoted"]);
    let names = lines(
        &mut client,
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'i' ORDER BY 1",
    );
    let table = &set.schema().tables[0];
    let mut expected: Vec<String> = vec![
        table.primary_key.as_ref().unwrap().name.clone(),
        table.indexes[0].name.clone(),
    ];
    expected.sort();
    assert_eq!(names, expected);
}

/// A type of the user's own that holds a `numeric`, as the `Holds` check asks.
pub struct Money(pub i64);
impl model_core::Holds<model_core::sql_types::numeric> for Money {}

/// Explicit SQL types whose Rust types the derive checks: matching ones, arrays, a user's own
/// type that says it holds `numeric`, and a field that opts out with `unchecked_type`.
#[derive(Model)]
#[model(table = "priced")]
pub struct Priced {
    #[model(primary_key, sql_type = "bigint")]
    pub id: i64,
    #[model(sql_type = "numeric(12,2)")]
    pub total: Money,
    #[model(sql_type = "varchar(20)[]")]
    pub codes: Vec<String>,
    #[model(sql_type = "numeric(10,2)", unchecked_type)]
    pub legacy_price: Option<String>,
    #[model(sql_type = "timestamptz")]
    pub seen_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[test]
fn explicit_sql_types_are_kept_when_the_rust_types_hold_them() {
    let set = model_core::models![Priced].unwrap();
    let types: Vec<String> = set.schema().tables[0]
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.ty))
        .collect();
    assert_eq!(
        types,
        [
            "id bigint",
            "total numeric(12,2)",
            "codes character varying(20)[]",
            "legacy_price numeric(10,2)",
            "seen_at timestamp with time zone",
        ]
    );
}
