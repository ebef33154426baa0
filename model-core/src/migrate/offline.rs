//! Offline mode: the SQL of a run, version-table statements included, without a connection.

use super::{plan_steps, MigrateError, VersionTable};
use crate::revision::Graph;

/// The script that takes a database from `from` to `to` (each `base`, `head`, `heads`, an id,
/// or `label@head`), for `psql -v ON_ERROR_STOP=1 -f`. One transaction per revision, as the
/// online runner does.
pub fn offline_sql(
    graph: &Graph,
    table: &VersionTable,
    from: &str,
    to: &str,
) -> Result<String, MigrateError> {
    let start = graph.resolve_target(from, &[])?;
    let applied = graph.ancestors(start.heads.iter().map(String::as_str));
    let target = graph.resolve_target(to, &start.heads)?;
    let wanted = graph.ancestors(target.heads.iter().map(String::as_str));
    let upgrade = wanted.is_superset(&applied);
    let (steps, direction) = if upgrade {
        (graph.upgrade_path(&applied, &target.heads), "upgrade")
    } else if applied.is_superset(&wanted) {
        (graph.downgrade_path(&applied, &target.heads), "downgrade")
    } else {
        return Err(MigrateError::BadTarget(format!(
            "{to} is neither ahead of nor behind {from}"
        )));
    };
    let mut out = format!(
        "-- {direction} {} -> {}, generated offline; run with psql -v ON_ERROR_STOP=1\n\n",
        crate::sql::comment(from),
        crate::sql::comment(to)
    );
    let direction_of = if upgrade {
        super::Direction::Upgrade
    } else {
        super::Direction::Downgrade
    };
    let destructions: Vec<_> = steps
        .iter()
        .flat_map(|r| super::destructive_statements(r, direction_of))
        .collect();
    if !destructions.is_empty() {
        out.push_str("-- WARNING: this script destroys data:\n");
        for d in &destructions {
            out.push_str(&format!("--   {}\n", crate::sql::comment(&d.to_string())));
        }
        out.push('\n');
    }
    out.push_str(&table.create_sql());
    let (plan, _) = plan_steps(graph, table, &steps, &applied, upgrade);
    for step in plan {
        out.push_str(&format!("\n-- {}\n", crate::sql::comment(&step.title)));
        let sql = step.sql.trim_end();
        if step.revision.transactional {
            out.push_str(&format!("BEGIN;\n{sql}\n{}\nCOMMIT;\n", step.bookkeeping));
        } else {
            out.push_str(&format!("{sql}\nBEGIN;\n{}\nCOMMIT;\n", step.bookkeeping));
        }
    }
    Ok(out)
}
