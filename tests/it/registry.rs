//! Automatic registration: every `#[derive(Model)]` in the program is collected, and a module
//! filter picks one project's models out of a binary that links several.

use model_core::ModelSet;

#[test]
fn registered_models_of_a_module() {
    let set = ModelSet::registered_in("ecommerce").unwrap();
    let names: Vec<&str> = set
        .schema()
        .tables
        .iter()
        .map(|t| t.name.name.as_str())
        .collect();
    // Sorted by table name, whatever order the linker put them in.
    assert_eq!(
        names,
        [
            "customers",
            "order_products",
            "orders",
            "product_tags",
            "products",
            "tags"
        ]
    );
    // The same description as the explicit list, up to order.
    let explicit = ecommerce::models().unwrap();
    let mut tables = explicit.schema().tables.clone();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(set.schema().tables, tables);
}

#[test]
fn module_filter_matches_whole_path_segments() {
    // `ecommerce` must not pick up a module named `ecommerce_extra` or similar.
    let set = ModelSet::registered_in("ecomm").unwrap();
    assert!(set.schema().tables.is_empty());
    let set = ModelSet::registered_in("model_tests_does_not_exist").unwrap();
    assert!(set.models().is_empty());
}

#[test]
fn registering_everything_reports_the_deliberately_broken_test_models() {
    // This test binary also links the cross-model cases, whose mistakes must surface.
    let error = ModelSet::registered().expect_err("the broken test models are registered too");
    assert!(
        error.to_string().contains("both declare table `things`"),
        "{error}"
    );
}
