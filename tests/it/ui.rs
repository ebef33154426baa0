//! Every compile-time error of the derive, one file per problem under `tests/ui/<category>/`,
//! each with the exact rustc output it must produce (`TRYBUILD=overwrite` regenerates them).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*/*.rs");
}
