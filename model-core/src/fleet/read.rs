//! Reading a fleet: each database once (its tenant schemas' heads and schemas together), the
//! tenants seen as the scripts' schema, and whether all targets are in one state.

use std::collections::HashMap;

use super::pool::{by_database, Watch};
use super::{at, FleetError, Outcome, Target};
use crate::config::Config;
use crate::introspect::{self, Options};
use crate::migrate::{read_current, SchemaMap, VersionTable};
use crate::schema::Schema;

/// The version table of `target`: the project's, in the tenant's schema for a tenant.
pub fn version_table(config: &Config, target: &Target) -> VersionTable {
    let mut table = config.version_table();
    if let Some(tenant) = &target.tenant {
        table.schema = tenant.clone();
    }
    table
}

/// The tenant's map from the scripts' schema, for a tenant target.
pub fn tenant_map(config: &Config, target: &Target) -> Option<SchemaMap> {
    target.tenant.as_ref().map(|tenant| SchemaMap {
        from: config.schemas[0].clone(),
        to: tenant.clone(),
    })
}

/// A target's schema as the scripts and models see it (a tenant's moved to the scripts'
/// schema), filtered as the project filters it.
pub fn template_view(config: &Config, target: &Target, schema: Schema) -> Schema {
    let schema = match tenant_map(config, target) {
        Some(map) => crate::autogenerate::as_template(schema, &map),
        None => schema,
    };
    config.filter(schema)
}

/// A short fingerprint of a schema: equal schemas, equal fingerprints.
pub fn fingerprint(schema: &Schema) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    format!("{schema:?}").hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The heads of the version table `name` in each of `schemas` (empty where it does not
/// exist), sorted, in two queries whatever their number.
pub fn read_currents(
    client: &mut postgres::Client,
    name: &str,
    schemas: &[String],
) -> Result<HashMap<String, Vec<String>>, FleetError> {
    use crate::sql::{quote_ident, quote_literal};
    let failed = |source| FleetError::Query {
        what: "reading the version tables".into(),
        source,
    };
    let existing: Vec<String> = client
        .query_typed(
            "SELECT n.nspname::text FROM pg_catalog.pg_namespace n
             WHERE n.nspname = ANY($1)
               AND pg_catalog.to_regclass(format('%I.%I', n.nspname, $2::text)) IS NOT NULL",
            &[
                (&schemas, postgres::types::Type::TEXT_ARRAY),
                (&name, postgres::types::Type::TEXT),
            ],
        )
        .map_err(failed)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out: HashMap<String, Vec<String>> =
        schemas.iter().map(|s| (s.clone(), Vec::new())).collect();
    if existing.is_empty() {
        return Ok(out);
    }
    let sql = existing
        .iter()
        .map(|s| {
            format!(
                "SELECT {}::text, version_num::text FROM {}.{}",
                quote_literal(s),
                quote_ident(s),
                quote_ident(name)
            )
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL ");
    for row in client.query_typed(&sql, &[]).map_err(failed)? {
        let (schema, version): (String, String) = (row.get(0), row.get(1));
        out.entry(schema).or_default().push(version);
    }
    for heads in out.values_mut() {
        heads.sort();
    }
    Ok(out)
}

/// The heads and schema of each of `members`, targets of the one database `client` is
/// connected to: its tenant schemas read together, in one catalog read, and split.
pub fn read_database(
    config: &Config,
    targets: &[Target],
    members: &[usize],
    client: &mut postgres::Client,
) -> Result<Vec<(Vec<String>, Schema)>, FleetError> {
    let tenants: Vec<String> = members
        .iter()
        .filter_map(|&i| targets[i].tenant.clone())
        .collect();
    if tenants.is_empty() {
        let mut current = read_current(client, &config.version_table())?;
        current.sort();
        let options = Options {
            schemas: config.schemas.clone(),
        };
        let schema = introspect::introspect(client, &options)?;
        return Ok(vec![(current, schema)]);
    }
    let currents = read_currents(client, &config.version_table, &tenants)?;
    Ok(read_split(client, &tenants)?
        .into_iter()
        .zip(&tenants)
        .map(|(part, tenant)| (currents.get(tenant).cloned().unwrap_or_default(), part))
        .collect())
}

/// The schemas `tenants` of one database, read in one introspection and split, in order.
fn read_split(
    client: &mut postgres::Client,
    tenants: &[String],
) -> Result<Vec<Schema>, FleetError> {
    let options = Options {
        schemas: tenants.to_vec(),
    };
    Ok(introspect::introspect(client, &options)?.split(tenants))
}

/// Every target's heads and schema as read (a tenant's in its own schema; see
/// [`template_view`]): one connection and one catalog read per database.
pub fn read_all(
    config: &Config,
    targets: &[Target],
    jobs: usize,
    watch: &dyn Watch,
) -> Vec<Outcome<(Vec<String>, Schema)>> {
    let work = |d: &Target, members: &[usize]| {
        read_database(config, targets, members, &mut crate::pg::connect(&d.url)?)
    };
    by_database(targets, jobs, watch, &work)
}

/// Each tenant target's schema as read (in its own schema): one catalog read per database
/// for all its tenant schemas.
pub fn read_tenants(
    targets: &[Target],
    jobs: usize,
    watch: &dyn Watch,
) -> HashMap<Target, Result<Schema, String>> {
    let tenants: Vec<Target> = targets
        .iter()
        .filter(|t| t.tenant.is_some())
        .cloned()
        .collect();
    let work = |d: &Target, members: &[usize]| {
        let names: Vec<String> = members
            .iter()
            .filter_map(|&i| tenants[i].tenant.clone())
            .collect();
        read_split(&mut crate::pg::connect(&d.url)?, &names)
    };
    let read = by_database(&tenants, jobs, watch, &work);
    tenants
        .iter()
        .cloned()
        .zip(read)
        .map(|(t, outcome)| {
            let read = match outcome {
                Outcome::Done(schema, _) => Ok(schema),
                Outcome::Failed(e, _) => Err(e),
                Outcome::Skipped => Err("not read".to_string()),
            };
            (t, read)
        })
        .collect()
}

/// Whether a fleet is in one state: its targets grouped by the fingerprint of their schema
/// (as the scripts see it), the largest group first (ties: the group of the earliest target).
#[derive(Debug, Default)]
pub struct Consensus {
    /// Each distinct schema's fingerprint and the indexes of the targets that have it.
    pub groups: Vec<(String, Vec<usize>)>,
    /// Each target not at head, unread, or unlike the largest group (its index), with why:
    /// a target may have two (not at head, and unlike the others).
    pub problems: Vec<(usize, String)>,
}

impl Consensus {
    /// How many targets are not in the fleet's state (each counted once, whatever its
    /// problems).
    pub fn targets_out_of_line(&self) -> usize {
        let mut targets: Vec<usize> = self.problems.iter().map(|(i, _)| *i).collect();
        targets.sort();
        targets.dedup();
        targets.len()
    }

    /// A target of the fleet's state, when every target is in it (no problems).
    pub fn representative(&self) -> Option<usize> {
        match self.problems.is_empty() {
            true => self.groups.first().map(|(_, members)| members[0]),
            false => None,
        }
    }
}

/// The fleet's state from what [`read_all`] read: which targets share a schema, and which are
/// not at `heads` or differ from the others (with their differences).
pub fn consensus(
    config: &Config,
    heads: &[String],
    targets: &[Target],
    outcomes: Vec<Outcome<(Vec<String>, Schema)>>,
) -> Consensus {
    let mut found = Consensus::default();
    let mut schemas: Vec<Option<Schema>> = Vec::new();
    for (i, (t, o)) in targets.iter().zip(outcomes).enumerate() {
        match o {
            Outcome::Done((current, schema), _) => {
                let schema = template_view(config, t, schema);
                if current != heads {
                    found.problems.push((
                        i,
                        format!(
                            "{}: at {}, not at head ({})",
                            t.name,
                            at(&current),
                            at(heads)
                        ),
                    ));
                }
                let print = fingerprint(&schema);
                match found.groups.iter_mut().find(|(f, _)| *f == print) {
                    Some((_, members)) => members.push(i),
                    None => found.groups.push((print, vec![i])),
                }
                schemas.push(Some(schema));
            }
            Outcome::Failed(e, _) => {
                found.problems.push((
                    i,
                    format!("{}: {}", t.name, e.lines().next().unwrap_or_default()),
                ));
                schemas.push(None);
            }
            Outcome::Skipped => schemas.push(None),
        }
    }
    found
        .groups
        .sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.1[0].cmp(&b.1[0])));
    if let Some((_, main)) = found.groups.first() {
        let Some(reference) = schemas[main[0]].as_ref() else {
            return found;
        };
        for (_, members) in found.groups.iter().skip(1) {
            for &i in members {
                let Some(schema) = schemas[i].as_ref() else {
                    continue;
                };
                let (plan, _) = crate::diff::diff_with_renames(reference, schema, &[]);
                let differences: Vec<String> =
                    plan.upgrade.iter().map(|op| op.describe()).collect();
                found.problems.push((
                    i,
                    format!(
                        "{}: differs from the other {} target(s) ({} change{}): {}",
                        targets[i].name,
                        main.len(),
                        differences.len(),
                        if differences.len() == 1 { "" } else { "s" },
                        differences.join("; ")
                    ),
                ));
            }
        }
    }
    found
}
