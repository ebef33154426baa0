//! The targets of a fleet: `--targets FILE` and `[fleets.NAME]` (URLs, a file, a query),
//! each URL once, tenant schemas expanded.

use std::path::{Path, PathBuf};

use super::{FleetError, Target};
use crate::config::{expand_variables, Config, ConfigError, Tenants};

/// Where the targets come from: a file of URLs, a fleet of model.toml, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// A file of URLs, one a line (`--targets`).
    pub file: Option<PathBuf>,
    /// A fleet of model.toml (`--fleet`).
    pub fleet: Option<String>,
}

impl Source {
    /// Whether any target source was given.
    pub fn is_given(&self) -> bool {
        self.file.is_some() || self.fleet.is_some()
    }
}

/// The targets of `source`, in order, each URL once, tenant schemas expanded (one query per
/// database). `database_url` gives the project's database, where a fleet's query runs when
/// it names no `query_url`.
pub fn targets(
    config: &Config,
    config_path: &Path,
    source: &Source,
    database_url: &dyn Fn() -> Result<Option<String>, ConfigError>,
) -> Result<Vec<Target>, FleetError> {
    let mut urls: Vec<String> = Vec::new();
    let mut tenants: Option<Tenants> = None;
    if let Some(file) = &source.file {
        urls.extend(url_file(file)?);
    }
    if let Some(name) = &source.fleet {
        let Some(fleet) = config.fleets.get(name) else {
            return Err(FleetError::UnknownFleet {
                name: name.clone(),
                path: config_path.display().to_string(),
                known: if config.fleets.is_empty() {
                    "none".to_string()
                } else {
                    config.fleets.keys().cloned().collect::<Vec<_>>().join(", ")
                },
            });
        };
        for url in &fleet.urls {
            urls.push(expand_variables(url, &format!("fleet `{name}`"))?);
        }
        if let Some(file) = &fleet.file {
            urls.extend(url_file(&config.root.join(file))?);
        }
        if let Some(query) = &fleet.query {
            let on = match &fleet.query_url {
                Some(u) => expand_variables(u, &format!("fleet `{name}` query_url"))?,
                None => database_url()?.ok_or_else(|| FleetError::NoQueryUrl(name.clone()))?,
            };
            urls.extend(query_urls(&on, query, name)?);
        }
        let what = format!("fleet `{name}` tenants");
        tenants = match &fleet.tenants {
            Some(Tenants::Pattern(p)) => Some(Tenants::Pattern(expand_variables(p, &what)?)),
            Some(Tenants::List(list)) => Some(Tenants::List(
                list.iter()
                    .map(|t| expand_variables(t, &what))
                    .collect::<Result<_, _>>()?,
            )),
            None => None,
        };
    }
    let mut seen = std::collections::BTreeSet::new();
    urls.retain(|u| seen.insert(u.clone()));
    let Some(tenants) = tenants else {
        return Ok(urls.iter().map(|url| Target::database(url)).collect());
    };
    let mut out = Vec::new();
    for url in urls {
        for schema in schemas_of(&url)? {
            if tenants.includes(&schema) {
                out.push(Target::tenant(&url, &schema));
            }
        }
    }
    Ok(out)
}

/// The URLs a fleet's `query` returns (first column) on the database `on`.
fn query_urls(on: &str, query: &str, fleet: &str) -> Result<Vec<String>, FleetError> {
    let mut client = crate::pg::connect(on)?;
    let rows = client
        .simple_query(query)
        .map_err(|source| FleetError::Query {
            what: format!("running fleet `{fleet}`'s query"),
            source,
        })?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row {
            postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
            _ => None,
        })
        .collect())
}

/// The user schemas of the database `url` names, in one query.
fn schemas_of(url: &str) -> Result<Vec<String>, FleetError> {
    let mut client = crate::pg::connect(url)?;
    let rows = client
        .query_typed(
            "SELECT nspname::text FROM pg_catalog.pg_namespace
             WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1",
            &[],
        )
        .map_err(|source| FleetError::Query {
            what: "listing the tenant schemas".into(),
            source,
        })?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// The URLs of a file, one a line; blank lines and `#` comments skipped, `${VAR}` expanded.
fn url_file(path: &Path) -> Result<Vec<String>, FleetError> {
    let text = std::fs::read_to_string(path).map_err(|e| FleetError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.push(expand_variables(
            line,
            &format!("{} line {}", path.display(), n + 1),
        )?);
    }
    Ok(out)
}
