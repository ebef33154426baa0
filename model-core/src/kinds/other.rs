//! Objects kept as the statements PostgreSQL's own deparsers give for them ([`Other`]):
//! collations, composite types, domains and range types (the data types), aggregates, rules,
//! event triggers, publications, default privileges, foreign-data wrappers, servers and
//! foreign tables. A changed one is dropped and created again, except a domain whose base type
//! stays, a composite type whose kept attributes keep their order, and a foreign object's
//! options and version, which are altered in place.

use super::grant::granted;
use super::{Change, Hazard, HazardKind, Hint, Kind, Lock, Stage};
use crate::schema::{Other, OtherKind};

impl Kind for Other {
    fn statements(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Create(o) => {
                let mut out = vec![o.create.trim_end().trim_end_matches(';').to_string()];
                if o.is_data_type() {
                    out.extend(granted(&format!("TYPE {}", o.name), &o.grants));
                }
                out
            }
            Change::Drop(o) => vec![o.drop.clone()],
            Change::Alter { from, to } => alter_in_place(from, to),
        }
    }

    fn notes(change: &Change<Self>) -> Vec<String> {
        match change {
            Change::Drop(o) if o.kind == OtherKind::Collation || o.kind.is_data_type() => {
                vec![format!(
                    "fails while a column or another type uses {} {}: in place, only a domain's default, NOT NULL and checks, and a composite type's attributes, change",
                    o.kind, o.name
                )]
            }
            _ => Vec::new(),
        }
    }

    fn describe(change: &Change<Self>) -> String {
        match change {
            Change::Create(o) => format!("added {} '{}'", o.kind, o.name),
            Change::Drop(o) => format!("removed {} '{}'", o.kind, o.name),
            Change::Alter { to, .. } => format!("changed {} '{}' in place", to.kind, to.name),
        }
    }

    /// Data types before the tables that use them and dropped after; aggregates with the
    /// functions they call; the rest (rules, event triggers, publications…) depend on tables.
    fn stage(change: &Change<Self>, hint: Hint) -> Stage {
        match change {
            Change::Alter { .. } => Stage::Types,
            Change::Create(o) if o.kind == OtherKind::Aggregate => Stage::StandardFunctions,
            Change::Create(o) if is_type(o) => Stage::Types,
            Change::Create(_) => Stage::CreateDependents,
            Change::Drop(o) if is_type(o) && hint == Hint::Replaced => Stage::Types,
            Change::Drop(o) if is_type(o) => Stage::DropTypes,
            Change::Drop(_) => Stage::DropDependents,
        }
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }

    /// A new NOT NULL or check on a domain is checked against every column of the domain.
    fn hazards(change: &Change<Self>) -> Vec<Hazard> {
        match change {
            Change::Alter { to, .. } if to.kind == OtherKind::Domain => {
                vec![Hazard {
                    kind: HazardKind::MayFail,
                    relation: None,
                }]
            }
            _ => Vec::new(),
        }
    }

    fn destruction(change: &Change<Self>) -> Option<String> {
        match change {
            Change::Drop(o) if o.is_data_type() => Some(format!("drops {} {}", o.kind, o.name)),
            Change::Alter { from, to } => {
                let kept = to.named_parts("attribute");
                let gone: Vec<&str> = from
                    .named_parts("attribute")
                    .into_iter()
                    .map(|(name, _)| name)
                    .filter(|name| !kept.iter().any(|(k, _)| k == name))
                    .collect();
                (!gone.is_empty()).then(|| {
                    format!(
                        "drops attribute(s) {} of {} {} from every value of every column of that type",
                        gone.join(", "),
                        from.kind,
                        from.name
                    )
                })
            }
            _ => None,
        }
    }
}

/// Whether the object is something columns or other types may use (created before tables,
/// dropped after), as opposed to a rule, event trigger, publication, default privilege or
/// aggregate.
fn is_type(o: &Other) -> bool {
    !matches!(
        o.kind,
        OtherKind::Rule
            | OtherKind::EventTrigger
            | OtherKind::Publication
            | OtherKind::DefaultPrivileges
            | OtherKind::Aggregate
    )
}

/// `ALTER DOMAIN` / `ALTER TYPE … ATTRIBUTE` statements that take `from` to `to` (a domain with
/// the same base type, or a composite type whose kept attributes keep their order).
fn alter_in_place(from: &Other, to: &Other) -> Vec<String> {
    let name = &to.name;
    let mut out = Vec::new();
    if to.kind.is_foreign() {
        let (had, wanted) = (from.named_parts("option"), to.named_parts("option"));
        let mut changes: Vec<String> = had
            .iter()
            .filter(|(n, _)| !wanted.iter().any(|(w, _)| w == n))
            .map(|(n, _)| format!("DROP {n}"))
            .collect();
        for (option, value) in &wanted {
            match had.iter().find(|(h, _)| h == option) {
                Some((_, old)) if old == value => {}
                Some(_) => changes.push(format!("SET {option} {value}")),
                None => changes.push(format!("ADD {option} {value}")),
            }
        }
        let mut clause = String::new();
        if let (Some(version), true) = (
            to.part("version"),
            from.part("version") != to.part("version"),
        ) {
            clause.push_str(&format!(" VERSION {version}"));
        }
        if !changes.is_empty() {
            clause.push_str(&format!(" OPTIONS ({})", changes.join(", ")));
        }
        if !clause.is_empty() {
            let what = match to.kind {
                OtherKind::ForeignServer => "SERVER",
                OtherKind::ForeignTable => "FOREIGN TABLE",
                _ => "FOREIGN DATA WRAPPER",
            };
            out.push(format!("ALTER {what} {name}{clause}"));
        }
        return out;
    }
    if to.kind == OtherKind::CompositeType {
        let (had, wanted) = (from.named_parts("attribute"), to.named_parts("attribute"));
        for (attribute, _) in &had {
            if !wanted.iter().any(|(w, _)| w == attribute) {
                out.push(format!("ALTER TYPE {name} DROP ATTRIBUTE {attribute}"));
            }
        }
        for (attribute, ty) in &wanted {
            match had.iter().find(|(h, _)| h == attribute) {
                Some((_, old)) if old == ty => {}
                Some(_) => out.push(format!(
                    "ALTER TYPE {name} ALTER ATTRIBUTE {attribute} TYPE {ty}"
                )),
                None => out.push(format!("ALTER TYPE {name} ADD ATTRIBUTE {attribute} {ty}")),
            }
        }
        return out;
    }
    let (had, wanted) = (from.named_parts("check"), to.named_parts("check"));
    let validated = |old: &str, new: &str| old.strip_suffix(" NOT VALID") == Some(new);
    for (check, definition) in &had {
        match wanted.iter().find(|(w, _)| w == check) {
            Some((_, new)) if new == definition || validated(definition, new) => {}
            _ => out.push(format!("ALTER DOMAIN {name} DROP CONSTRAINT {check}")),
        }
    }
    if from.part("default") != to.part("default") {
        out.push(match to.part("default") {
            Some(default) => format!("ALTER DOMAIN {name} SET DEFAULT {default}"),
            None => format!("ALTER DOMAIN {name} DROP DEFAULT"),
        });
    }
    match (from.part("notnull").is_some(), to.part("notnull").is_some()) {
        (false, true) => out.push(format!("ALTER DOMAIN {name} SET NOT NULL")),
        (true, false) => out.push(format!("ALTER DOMAIN {name} DROP NOT NULL")),
        _ => {}
    }
    for (check, definition) in &wanted {
        match had.iter().find(|(h, _)| h == check) {
            Some((_, old)) if old == definition => {}
            Some((_, old)) if validated(old, definition) => {
                out.push(format!("ALTER DOMAIN {name} VALIDATE CONSTRAINT {check}"))
            }
            _ => out.push(format!(
                "ALTER DOMAIN {name} ADD CONSTRAINT {check} {definition}"
            )),
        }
    }
    out
}
