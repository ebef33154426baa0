//! Privileges: the `GRANT` and `REVOKE` statements that take one role's privileges on one
//! object from one list to another (`-PRIV`: a privilege the owner holds by default, revoked).
//! A new object's privileges are part of its creation; [`Privileges`] changes those of an
//! object that stays, one role at a time.

use super::{Change, Hazard, HazardKind, Hint, Kind, Lock, Stage};
use crate::schema::{qualified, GrantTarget};
use crate::sql::quote_ident;

/// One role's privileges on one object (or column), relative to PostgreSQL's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privileges {
    /// The object.
    pub target: GrantTarget,
    /// The role (`public` for everyone).
    pub grantee: String,
    /// What it holds (`SELECT`, `UPDATE*` with grant option, `-EXECUTE` revoked from a default).
    pub privileges: Vec<String>,
}

impl Privileges {
    /// The change of `grantee`'s privileges on `target` from `from` to `to`.
    pub fn change(
        target: &GrantTarget,
        grantee: &str,
        from: Vec<String>,
        to: Vec<String>,
    ) -> Change<Privileges> {
        let of = |privileges| Privileges {
            target: target.clone(),
            grantee: grantee.to_string(),
            privileges,
        };
        Change::Alter {
            from: of(from),
            to: of(to),
        }
    }

    /// What `GRANT … ON` names: the object (`TABLE "t"`) and the column, if any.
    fn object(&self) -> (String, Option<&str>) {
        match &self.target {
            GrantTarget::Table(table) => (format!("TABLE {}", qualified(table)), None),
            GrantTarget::Column(table, column) => {
                (format!("TABLE {}", qualified(table)), Some(column))
            }
            GrantTarget::Sequence(sequence) => (format!("SEQUENCE {}", qualified(sequence)), None),
            GrantTarget::Function {
                name,
                arguments,
                procedure,
            } => (
                format!(
                    "{} {}({arguments})",
                    if *procedure { "PROCEDURE" } else { "FUNCTION" },
                    qualified(name)
                ),
                None,
            ),
            GrantTarget::Schema(schema) => (format!("SCHEMA {}", quote_ident(schema)), None),
            GrantTarget::Type(name) => (format!("TYPE {name}"), None),
        }
    }
}

impl Kind for Privileges {
    fn statements(change: &Change<Self>) -> Vec<String> {
        let (from, to): (&[String], &[String]) = match change {
            Change::Create(p) => (&[], &p.privileges),
            Change::Drop(p) => (&p.privileges, &[]),
            Change::Alter { from, to } => (&from.privileges, &to.privileges),
        };
        let p = change.subject();
        let (object, column) = p.object();
        grants(&object, column, &p.grantee, from, to)
    }

    fn describe(change: &Change<Self>) -> String {
        let p = change.subject();
        format!("changed privileges of '{}' on '{}'", p.grantee, p.target)
    }

    fn stage(_change: &Change<Self>, _hint: Hint) -> Stage {
        Stage::Properties
    }

    fn locks(_change: &Change<Self>) -> Vec<Lock> {
        Vec::new()
    }

    fn hazards(change: &Change<Self>) -> Vec<Hazard> {
        let relation = match &change.subject().target {
            GrantTarget::Table(t) | GrantTarget::Column(t, _) | GrantTarget::Sequence(t) => {
                Some(t.clone())
            }
            _ => None,
        };
        vec![Hazard {
            kind: HazardKind::Privileges,
            relation,
        }]
    }
}

/// The `GRANT` / `REVOKE` statements that take a new `object` from PostgreSQL's default
/// privileges to `grants`.
pub(crate) fn granted(object: &str, grants: &[crate::schema::Grant]) -> Vec<String> {
    grants
        .iter()
        .flat_map(|g| self::grants(object, None, &g.grantee, &[], &g.privileges))
        .collect()
}

/// `REVOKE` and `GRANT` statements that take `grantee` from the privileges `from` to `to` on
/// `object` (`TABLE t`, `SEQUENCE s`), or on one column of it. A privilege ending in `*` is
/// held `WITH GRANT OPTION`.
pub(crate) fn grants(
    object: &str,
    column: Option<&str>,
    grantee: &str,
    from: &[String],
    to: &[String],
) -> Vec<String> {
    let role = if grantee == "public" {
        "PUBLIC".to_string()
    } else {
        quote_ident(grantee)
    };
    let on = match column {
        Some(column) => format!(" ({})", quote_ident(column)),
        None => String::new(),
    };
    // `-PRIV`: a privilege the owner holds by default and was revoked; gone, it is granted
    // back, and the other way round.
    let lacks = |list: &[String], p: &String| list.iter().any(|q| q == p);
    let regranted: Vec<String> = from
        .iter()
        .filter(|p| p.starts_with('-') && !lacks(to, p))
        .map(|p| p[1..].to_string())
        .collect();
    let unheld: Vec<String> = to
        .iter()
        .filter(|p| p.starts_with('-') && !lacks(from, p))
        .map(|p| p[1..].to_string())
        .collect();
    let (from, to): (Vec<String>, Vec<String>) = (
        from.iter()
            .filter(|p| !p.starts_with('-'))
            .cloned()
            .collect(),
        to.iter().filter(|p| !p.starts_with('-')).cloned().collect(),
    );
    let (from, to) = (from.as_slice(), to.as_slice());
    let plain = |p: &String| p.trim_end_matches('*').to_string();
    let holds = |list: &[String], p: &str| list.iter().any(|q| plain(q) == p);
    let grantable = |list: &[String], p: &str| list.iter().any(|q| q == &format!("{p}*"));
    let join = |list: &[String]| {
        list.iter()
            .map(|p| format!("{p}{on}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (mut revoke, mut revoke_option, mut grant, mut grant_option) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in from.iter().map(plain) {
        if !holds(to, &p) {
            revoke.push(p);
        } else if grantable(from, &p) && !grantable(to, &p) {
            revoke_option.push(p);
        }
    }
    for p in to.iter().map(plain) {
        let option = grantable(to, &p);
        if !holds(from, &p) {
            if option {
                grant_option.push(p);
            } else {
                grant.push(p);
            }
        } else if option && !grantable(from, &p) {
            grant_option.push(p);
        }
    }
    revoke.extend(unheld);
    grant.extend(regranted);
    let mut out = Vec::new();
    if !revoke.is_empty() {
        out.push(format!("REVOKE {} ON {object} FROM {role}", join(&revoke)));
    }
    if !revoke_option.is_empty() {
        out.push(format!(
            "REVOKE GRANT OPTION FOR {} ON {object} FROM {role}",
            join(&revoke_option)
        ));
    }
    if !grant.is_empty() {
        out.push(format!("GRANT {} ON {object} TO {role}", join(&grant)));
    }
    if !grant_option.is_empty() {
        out.push(format!(
            "GRANT {} ON {object} TO {role} WITH GRANT OPTION",
            join(&grant_option)
        ));
    }
    out
}
