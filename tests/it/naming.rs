//! Names the models give to unnamed constraints and indexes must be the names PostgreSQL
//! itself chooses, or the first diff after a hand-made change would see phantom renames.

use model_core::schema::default_constraint_name;

use crate::support::{fresh_database, lines};

/// Creates tables with unnamed constraints and indexes and compares PostgreSQL's names with
/// ours, including names long enough to be cut to 63 bytes.
#[test]
fn generated_names_match_postgresql() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let long_table = "a_rather_long_table_name_that_goes_on_and_on_for_a_while"; // 56 bytes
    let long_a = "first_column_with_a_long_descriptive_name"; // 41 bytes
    let long_b = "second_column_with_a_long_descriptive_name";
    client
        .batch_execute(&format!(
            "CREATE TABLE parent (id integer PRIMARY KEY, code text, UNIQUE (id, code));
             CREATE TABLE {long_table} (
                 {long_a} integer PRIMARY KEY REFERENCES parent (id),
                 {long_b} integer UNIQUE CHECK ({long_b} > 0),
                 code text,
                 FOREIGN KEY ({long_b}, code) REFERENCES parent (id, code)
             );
             CREATE INDEX ON {long_table} ({long_a}, {long_b});
             CREATE TABLE \"Mixed Case\" (\"Id\" integer PRIMARY KEY, \"Other\" integer UNIQUE);
             CREATE INDEX ON \"Mixed Case\" (\"Other\");
             CREATE TABLE café (crème integer UNIQUE);"
        ))
        .unwrap();
    let mut actual = lines(
        &mut client,
        "SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace
         UNION ALL
         SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relnamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))",
    );
    actual.sort();
    let mut expected = vec![
        default_constraint_name("parent", &[] as &[&str], "pkey"),
        default_constraint_name("parent", &["id", "code"], "key"),
        default_constraint_name(long_table, &[] as &[&str], "pkey"),
        default_constraint_name(long_table, &[long_a], "fkey"),
        default_constraint_name(long_table, &[long_b], "key"),
        default_constraint_name(long_table, &[long_b], "check"),
        default_constraint_name(long_table, &[long_b, "code"], "fkey"),
        default_constraint_name(long_table, &[long_a, long_b], "idx"),
        default_constraint_name("Mixed Case", &[] as &[&str], "pkey"),
        default_constraint_name("Mixed Case", &["Other"], "key"),
        default_constraint_name("Mixed Case", &["Other"], "idx"),
        default_constraint_name("café", &["crème"], "key"),
    ];
    if crate::support::server_major() >= 18 {
        // PostgreSQL 18 names the NOT NULL of every key column too.
        expected.extend([
            default_constraint_name("parent", &["id"], "not_null"),
            default_constraint_name(long_table, &[long_a], "not_null"),
            default_constraint_name("Mixed Case", &["Id"], "not_null"),
        ]);
    }
    expected.sort();
    assert_eq!(actual, expected);
    // The long ones were really cut, so the rule was exercised.
    assert!(
        expected.iter().filter(|n| n.len() == 63).count() >= 4,
        "{expected:?}"
    );
}
