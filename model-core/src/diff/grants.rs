//! Privileges: one operation per role whose privileges on an object change.

use std::collections::BTreeSet;

use super::Op;
use crate::kinds::grant::Privileges;
use crate::schema::{Grant, GrantTarget};

/// `GRANT` / `REVOKE` operations that take `target` from one role's privileges in `from` to
/// those in `to`, one operation per role whose privileges change.
pub(super) fn grant_changes(target: &GrantTarget, from: &[Grant], to: &[Grant]) -> Vec<Op> {
    let grantees: BTreeSet<&String> = from.iter().chain(to).map(|g| &g.grantee).collect();
    let of = |grants: &[Grant], grantee: &String| {
        grants
            .iter()
            .find(|g| &g.grantee == grantee)
            .map(|g| g.privileges.clone())
            .unwrap_or_default()
    };
    grantees
        .into_iter()
        .filter_map(|grantee| {
            let (before, after) = (of(from, grantee), of(to, grantee));
            (before != after).then(|| Op::from(Privileges::change(target, grantee, before, after)))
        })
        .collect()
}

/// A column's grants without the privileges whose table-level grant changes between
/// `table_from` and `table_to`, either way: a table-level `REVOKE` also takes the privilege
/// off every column, in the upgrade for what the table loses and in the downgrade for what it
/// gains. Bracketing the table's change with the column's grants as they are here keeps both
/// directions right.
pub(super) fn without_revoked(
    column: &[Grant],
    table_from: &[Grant],
    table_to: &[Grant],
) -> Vec<Grant> {
    let plain = |p: &String| p.trim_end_matches('*').to_string();
    let held = |grants: &[Grant], grantee: &str| -> Vec<String> {
        grants
            .iter()
            .filter(|g| g.grantee == grantee)
            .flat_map(|g| {
                g.privileges
                    .iter()
                    .filter(|p| !p.starts_with('-'))
                    .map(plain)
            })
            .collect()
    };
    column
        .iter()
        .map(|g| {
            let (before, after) = (held(table_from, &g.grantee), held(table_to, &g.grantee));
            let revoked: Vec<&String> = before
                .iter()
                .filter(|p| !after.contains(p))
                .chain(after.iter().filter(|p| !before.contains(p)))
                .collect();
            Grant {
                grantee: g.grantee.clone(),
                privileges: g
                    .privileges
                    .iter()
                    .filter(|p| !revoked.contains(&&plain(p)))
                    .cloned()
                    .collect(),
            }
        })
        .filter(|g| !g.privileges.is_empty())
        .collect()
}
