//! The names PostgreSQL itself gives to constraints and indexes created without a name.
//!
//! Models that leave a name out get exactly the name PostgreSQL would have chosen, so that a
//! database created by hand (or by another tool) and the models agree, and a later diff sees no
//! phantom renames. The rules follow `makeObjectName` and `ChooseForeignKeyConstraintNameAddition`
//! / `ChooseIndexNameAddition` in PostgreSQL's `indexcmds.c` and `tablecmds.c`.

/// PostgreSQL's `NAMEDATALEN`: identifiers hold at most `NAMEDATALEN - 1` bytes.
pub const NAMEDATALEN: usize = 64;

/// Joins column names with `_` the way PostgreSQL builds the middle part of a generated name:
/// it stops adding names once the text reaches `NAMEDATALEN` bytes.
pub fn name_addition<S: AsRef<str>>(columns: &[S]) -> String {
    let mut out = String::new();
    for column in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(clip(column.as_ref(), NAMEDATALEN - 1));
        if out.len() >= NAMEDATALEN {
            break;
        }
    }
    out
}

/// `name1_name2_label`, shortened to fit in `NAMEDATALEN - 1` bytes by cutting the longer of
/// `name1` and `name2` first, never inside a UTF-8 character.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: Option<&str>) -> String {
    let mut overhead = 0;
    let mut name1_len = name1.len();
    let mut name2_len = 0;
    if let Some(name2) = name2 {
        name2_len = name2.len();
        overhead += 1;
    }
    if let Some(label) = label {
        overhead += label.len() + 1;
    }
    let available = (NAMEDATALEN - 1).saturating_sub(overhead);
    while name1_len + name2_len > available {
        if name1_len > name2_len {
            name1_len -= 1;
        } else {
            name2_len -= 1;
        }
    }
    let mut out = clip(name1, name1_len).to_string();
    if let Some(name2) = name2 {
        out.push('_');
        out.push_str(clip(name2, name2_len));
    }
    if let Some(label) = label {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// The name PostgreSQL gives a constraint or index of `table` over `columns` with `label`
/// (`pkey`, `fkey`, `key`, `check`, `idx`). A primary key takes no column part.
pub fn default_constraint_name<S: AsRef<str>>(table: &str, columns: &[S], label: &str) -> String {
    if label == "pkey" || columns.is_empty() {
        return make_object_name(table, None, Some(label));
    }
    make_object_name(table, Some(&name_addition(columns)), Some(label))
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_joined() {
        assert_eq!(
            default_constraint_name("customers", &[] as &[&str], "pkey"),
            "customers_pkey"
        );
        assert_eq!(
            default_constraint_name("orders", &["customer_id"], "fkey"),
            "orders_customer_id_fkey"
        );
        assert_eq!(
            default_constraint_name("tags", &["name"], "key"),
            "tags_name_key"
        );
        assert_eq!(
            default_constraint_name("t", &["a", "b"], "idx"),
            "t_a_b_idx"
        );
    }

    #[test]
    fn long_names_cut_the_longer_part_first() {
        let table = "a".repeat(40);
        let column = "b".repeat(40);
        let name = default_constraint_name(&table, &[column.as_str()], "fkey");
        assert_eq!(name.len(), 63);
        // 63 - len("_fkey") - 1 = 57 characters shared between the two parts, 29 + 28.
        assert_eq!(name, format!("{}_{}_fkey", "a".repeat(29), "b".repeat(28)));
    }

    #[test]
    fn cutting_never_splits_a_character() {
        let table = "é".repeat(40); // 80 bytes
        let name = default_constraint_name(&table, &[] as &[&str], "pkey");
        assert!(name.len() <= 63);
        assert!(name.ends_with("_pkey"));
        assert!(name.trim_end_matches("_pkey").chars().all(|c| c == 'é'));
    }
}
