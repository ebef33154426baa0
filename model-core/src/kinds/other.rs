//! Objects kept as the statements PostgreSQL's own deparsers give for them ([`Other`]):
//! collations, composite types, domains and range types (the data types), aggregates, rules,
//! event triggers, publications, default privileges, foreign-data wrappers, servers and
//! foreign tables. A changed one is dropped and created again, except a domain whose base type
//! stays, a composite type whose kept attributes keep their order, and a foreign object's
//! options and version, which are altered in place.

use super::grant::granted;
use super::{Change, Hazard, HazardKind, Hint, Kind, Lock, Stage};
use crate::schema::{Composite, Domain, Foreign, InPlace, Other, OtherKind};

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
                let gone: Vec<&str> = from
                    .attributes()
                    .iter()
                    .map(|a| a.name.as_str())
                    .filter(|name| !to.attributes().iter().any(|k| k.name == *name))
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

/// `ALTER DOMAIN` / `ALTER TYPE … ATTRIBUTE` / `ALTER … OPTIONS` statements that take `from`
/// to `to` (a domain with the same base type, a composite type whose kept attributes keep
/// their order, a foreign object whose fixed parts stay).
fn alter_in_place(from: &Other, to: &Other) -> Vec<String> {
    match (&from.in_place, &to.in_place) {
        (InPlace::Foreign(had), InPlace::Foreign(wants)) => alter_foreign(to, had, wants),
        (InPlace::Composite(had), InPlace::Composite(wants)) => {
            alter_composite(&to.name, had, wants)
        }
        (InPlace::Domain(had), InPlace::Domain(wants)) => alter_domain(&to.name, had, wants),
        _ => Vec::new(),
    }
}

/// `ALTER SERVER … VERSION … OPTIONS (ADD / SET / DROP …)` and the like.
fn alter_foreign(to: &Other, had: &Foreign, wants: &Foreign) -> Vec<String> {
    let mut changes: Vec<String> = had
        .options
        .iter()
        .filter(|h| !wants.options.iter().any(|w| w.name == h.name))
        .map(|h| format!("DROP {}", h.name))
        .collect();
    for option in &wants.options {
        match had.options.iter().find(|h| h.name == option.name) {
            Some(old) if old.value == option.value => {}
            Some(_) => changes.push(format!("SET {} {}", option.name, option.value)),
            None => changes.push(format!("ADD {} {}", option.name, option.value)),
        }
    }
    let mut clause = String::new();
    if let (Some(version), true) = (&wants.version, had.version != wants.version) {
        clause.push_str(&format!(" VERSION {version}"));
    }
    if !changes.is_empty() {
        clause.push_str(&format!(" OPTIONS ({})", changes.join(", ")));
    }
    if clause.is_empty() {
        return Vec::new();
    }
    let what = match to.kind {
        OtherKind::ForeignServer => "SERVER",
        OtherKind::ForeignTable => "FOREIGN TABLE",
        _ => "FOREIGN DATA WRAPPER",
    };
    vec![format!("ALTER {what} {}{clause}", to.name)]
}

/// `ALTER TYPE … DROP / ALTER / ADD ATTRIBUTE`.
fn alter_composite(name: &str, had: &Composite, wants: &Composite) -> Vec<String> {
    let mut out = Vec::new();
    for attribute in &had.attributes {
        if !wants.attributes.iter().any(|w| w.name == attribute.name) {
            out.push(format!(
                "ALTER TYPE {name} DROP ATTRIBUTE {}",
                attribute.name
            ));
        }
    }
    for attribute in &wants.attributes {
        let (a, ty) = (&attribute.name, &attribute.ty);
        match had.attributes.iter().find(|h| h.name == *a) {
            Some(old) if old.ty == *ty => {}
            Some(_) => out.push(format!("ALTER TYPE {name} ALTER ATTRIBUTE {a} TYPE {ty}")),
            None => out.push(format!("ALTER TYPE {name} ADD ATTRIBUTE {a} {ty}")),
        }
    }
    out
}

/// `ALTER DOMAIN …` for its checks, default and NOT NULL (a check made valid is validated,
/// not added again).
fn alter_domain(name: &str, had: &Domain, wants: &Domain) -> Vec<String> {
    let mut out = Vec::new();
    let validated = |old: &str, new: &str| old.strip_suffix(" NOT VALID") == Some(new);
    for check in &had.checks {
        match wants.checks.iter().find(|w| w.name == check.name) {
            Some(new)
                if new.definition == check.definition
                    || validated(&check.definition, &new.definition) => {}
            _ => out.push(format!(
                "ALTER DOMAIN {name} DROP CONSTRAINT {}",
                check.name
            )),
        }
    }
    if had.default != wants.default {
        out.push(match &wants.default {
            Some(default) => format!("ALTER DOMAIN {name} SET DEFAULT {default}"),
            None => format!("ALTER DOMAIN {name} DROP DEFAULT"),
        });
    }
    match (had.not_null, wants.not_null) {
        (false, true) => out.push(format!("ALTER DOMAIN {name} SET NOT NULL")),
        (true, false) => out.push(format!("ALTER DOMAIN {name} DROP NOT NULL")),
        _ => {}
    }
    for check in &wants.checks {
        let (c, definition) = (&check.name, &check.definition);
        match had.checks.iter().find(|h| h.name == *c) {
            Some(old) if old.definition == *definition => {}
            Some(old) if validated(&old.definition, definition) => {
                out.push(format!("ALTER DOMAIN {name} VALIDATE CONSTRAINT {c}"))
            }
            _ => out.push(format!(
                "ALTER DOMAIN {name} ADD CONSTRAINT {c} {definition}"
            )),
        }
    }
    out
}
