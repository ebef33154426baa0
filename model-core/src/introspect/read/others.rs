//! `others.sql`: rules, event triggers, publications and default privileges, as the
//! statements that create and drop them.

use super::{AclKind, Row};
use crate::introspect::IntrospectError;
use crate::schema::{
    Attribute, Composite, Domain, DomainCheck, Foreign, InPlace, OptionValue, Other, OtherKind,
    OwnedKind, Ownership,
};

pub(in crate::introspect) const SQL: &str = include_str!("../sql/others.sql");
/// Collations, composite types, domains and range types, read the same way.
pub(in crate::introspect) const TYPES: &str = include_str!("../sql/types.sql");

pub(in crate::introspect) fn other(row: &Row) -> Result<Other, IntrospectError> {
    let kind: String = row.get("kind")?;
    Ok(Other {
        kind: row.kind(&kind)?,
        name: row.get("name")?,
        create: row.get("create_sql")?,
        drop: row.get("drop_sql")?,
        in_place: InPlace::Nothing,
        grants: Vec::new(),
    })
}

/// A collation, composite type, domain, range type or foreign object, with what can change
/// in place.
pub(in crate::introspect) fn typed(row: &Row) -> Result<Other, IntrospectError> {
    let other = other(row)?;
    let in_place = match other.kind {
        OtherKind::Domain => InPlace::Domain(Domain {
            base: row.get("base")?,
            default: row.get("default_expr")?,
            not_null: row.get("not_null")?,
            checks: row
                .pairs("check_names", "check_defs")?
                .into_iter()
                .map(|(name, definition)| DomainCheck { name, definition })
                .collect(),
        }),
        OtherKind::CompositeType => InPlace::Composite(Composite {
            attributes: row
                .pairs("attribute_names", "attribute_types")?
                .into_iter()
                .map(|(name, ty)| Attribute { name, ty })
                .collect(),
        }),
        kind if kind.is_foreign() => InPlace::Foreign(Foreign {
            fixed: row.get("fixed")?,
            version: row.get("version")?,
            options: row
                .pairs("option_names", "option_values")?
                .into_iter()
                .map(|(name, value)| OptionValue { name, value })
                .collect(),
        }),
        _ => InPlace::Nothing,
    };
    Ok(Other {
        in_place,
        grants: row.acl_grants(AclKind::Type)?,
        ..other
    })
}

impl Row {
    /// Two array columns read as one list of pairs (names and what goes with each), or an
    /// error when their lengths differ.
    fn pairs(&self, names: &str, values: &str) -> Result<Vec<(String, String)>, IntrospectError> {
        let (names_read, values_read): (Vec<String>, Vec<String>) =
            (self.get(names)?, self.get(values)?);
        if names_read.len() != values_read.len() {
            return Err(IntrospectError::Column {
                what: self.what,
                column: values.to_string(),
                message: format!(
                    "{} values for {} names in {names}",
                    values_read.len(),
                    names_read.len()
                ),
            });
        }
        Ok(names_read.into_iter().zip(values_read).collect())
    }

    /// The kind a query names in its `kind` column, or an error naming it.
    fn kind(&self, name: &str) -> Result<OtherKind, IntrospectError> {
        OtherKind::from_name(name).ok_or_else(|| IntrospectError::Column {
            what: self.what,
            column: "kind".to_string(),
            message: format!("no kind of object is called {name:?}"),
        })
    }
}

/// Who owns each object, one row each.
pub(in crate::introspect) const OWNERS: &str = include_str!("../sql/owners.sql");

pub(in crate::introspect) fn ownership(row: &Row) -> Result<Ownership, IntrospectError> {
    let kind: String = row.get("kind")?;
    Ok(Ownership {
        kind: OwnedKind::from_sql(&kind).ok_or_else(|| IntrospectError::Column {
            what: "owners",
            column: "kind".to_string(),
            message: format!("no kind of owned object is called {kind:?}"),
        })?,
        name: row.get("name")?,
        owner: row.get("owner")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind the owners query can name is one `OwnedKind` reads, and back.
    #[test]
    fn every_kind_the_owners_query_names_is_an_owned_kind() {
        for kind in OwnedKind::ALL {
            assert_eq!(OwnedKind::from_sql(kind.sql()), Some(kind));
        }
        let code: String = OWNERS
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        let named: Vec<&str> = code
            .split('\'')
            .skip(1)
            .step_by(2)
            .filter(|s| s.len() > 1 && s.chars().all(|c| c.is_ascii_uppercase() || c == ' '))
            .collect();
        assert!(named.len() >= 11, "{named:?}");
        for name in named {
            assert!(OwnedKind::from_sql(name).is_some(), "{name}");
        }
    }
}
