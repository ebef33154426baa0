//! The revision graph: revisions linked by `Revises` (parents) and `Depends On`, with heads,
//! bases, branch points and merges, and the targets commands name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{ParseError, Revision};

/// Problems with the set of revisions or with a target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// A file could not be read.
    #[error("could not read {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    /// A file is malformed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Two files have the same id.
    #[error("revision id {id} is used by both {} and {}", first.display(), second.display())]
    DuplicateId {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
    /// A parent or dependency does not exist.
    #[error("revision {id} ({}) {relation} {missing}, which does not exist", path.display())]
    Missing {
        id: String,
        path: PathBuf,
        relation: &'static str,
        missing: String,
    },
    /// The links form a cycle.
    #[error("the revisions form a cycle: {0}")]
    Cycle(String),
    /// Two revisions carry the same branch label.
    #[error("branch label {label} is on both {first} and {second}")]
    DuplicateLabel {
        label: String,
        first: String,
        second: String,
    },
    /// No revision matches.
    #[error("no revision matches '{0}'")]
    Unknown(String),
    /// Several revisions match a prefix.
    #[error("'{prefix}' is ambiguous: it could be {candidates}")]
    Ambiguous { prefix: String, candidates: String },
    /// `head` when there are several heads.
    #[error("multiple heads are present ({0}); name one, or use 'heads' to upgrade them all")]
    MultipleHeads(String),
    /// A target that makes no sense here.
    #[error("{0}")]
    BadTarget(String),
}

/// Where a command should take the database: to exactly these heads (empty: base).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Revision ids; the database ends with these and their ancestors applied.
    pub heads: Vec<String>,
}

/// All revisions of a project.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    revisions: BTreeMap<String, Revision>,
    children: BTreeMap<String, Vec<String>>,
}

impl Graph {
    /// Reads every `*.sql` file in `dir` (a missing directory is an empty graph).
    pub fn load(dir: &Path) -> Result<Graph, GraphError> {
        let io = |e: std::io::Error| GraphError::Io {
            path: dir.to_path_buf(),
            message: e.to_string(),
        };
        let mut revisions = Vec::new();
        if dir.exists() {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                .collect();
            paths.sort();
            for path in paths {
                let text = std::fs::read_to_string(&path).map_err(|e| GraphError::Io {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                revisions.push(Revision::parse(&path, &text)?);
            }
        }
        Graph::new(revisions)
    }

    /// The graph of scripts given as `(path, text)` pairs (as [`Graph::load`] reads them
    /// from a directory; `embed_migrations!` embeds them in a program).
    pub fn from_sources<'s>(
        sources: impl IntoIterator<Item = (&'s str, &'s str)>,
    ) -> Result<Graph, GraphError> {
        let mut revisions = Vec::new();
        for (path, text) in sources {
            revisions.push(Revision::parse(Path::new(path), text)?);
        }
        Graph::new(revisions)
    }

    /// Links revisions into a graph, checking ids, parents, dependencies, labels and cycles.
    pub fn new(revisions: Vec<Revision>) -> Result<Graph, GraphError> {
        let mut by_id: BTreeMap<String, Revision> = BTreeMap::new();
        for revision in revisions {
            if let Some(first) = by_id.get(&revision.id) {
                return Err(GraphError::DuplicateId {
                    id: revision.id.clone(),
                    first: first.path.clone(),
                    second: revision.path.clone(),
                });
            }
            by_id.insert(revision.id.clone(), revision);
        }
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut labels: BTreeMap<&str, &str> = BTreeMap::new();
        for revision in by_id.values() {
            for (relation, ids) in [
                ("revises", &revision.revises),
                ("depends on", &revision.depends_on),
            ] {
                for id in ids {
                    if !by_id.contains_key(id) {
                        return Err(GraphError::Missing {
                            id: revision.id.clone(),
                            path: revision.path.clone(),
                            relation,
                            missing: id.clone(),
                        });
                    }
                }
            }
            for parent in &revision.revises {
                children
                    .entry(parent.clone())
                    .or_default()
                    .push(revision.id.clone());
            }
            for label in &revision.branch_labels {
                if let Some(first) = labels.insert(label, &revision.id) {
                    return Err(GraphError::DuplicateLabel {
                        label: label.clone(),
                        first: first.to_string(),
                        second: revision.id.clone(),
                    });
                }
            }
        }
        let graph = Graph {
            revisions: by_id,
            children,
        };
        graph.check_cycles()?;
        Ok(graph)
    }

    fn check_cycles(&self) -> Result<(), GraphError> {
        // 0 = unvisited, 1 = on the current path, 2 = done.
        let mut state: BTreeMap<&str, u8> = BTreeMap::new();
        fn visit<'a>(
            graph: &'a Graph,
            id: &'a str,
            state: &mut BTreeMap<&'a str, u8>,
            path: &mut Vec<&'a str>,
        ) -> Result<(), GraphError> {
            match state.get(id) {
                Some(2) => return Ok(()),
                Some(1) => {
                    let start = path.iter().position(|p| *p == id).unwrap_or(0);
                    let mut cycle: Vec<&str> = path[start..].to_vec();
                    cycle.push(id);
                    return Err(GraphError::Cycle(cycle.join(" -> ")));
                }
                _ => {}
            }
            state.insert(id, 1);
            path.push(id);
            for parent in graph.parents(id) {
                visit(graph, parent, state, path)?;
            }
            path.pop();
            state.insert(id, 2);
            Ok(())
        }
        for id in self.revisions.keys() {
            visit(self, id, &mut state, &mut Vec::new())?;
        }
        Ok(())
    }

    /// Whether there are no revisions.
    pub fn is_empty(&self) -> bool {
        self.revisions.is_empty()
    }

    /// Every revision, by id.
    pub fn revisions(&self) -> impl Iterator<Item = &Revision> {
        self.revisions.values()
    }

    /// A revision by full id.
    pub fn get(&self, id: &str) -> Option<&Revision> {
        self.revisions.get(id)
    }

    /// Parents and dependencies: what must be applied before `id`.
    fn parents<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a str> {
        self.revisions
            .get(id)
            .into_iter()
            .flat_map(|r| r.revises.iter().chain(&r.depends_on).map(String::as_str))
    }

    /// Revisions no other revision revises, sorted by id.
    pub fn heads(&self) -> Vec<&Revision> {
        self.revisions
            .values()
            .filter(|r| !self.children.contains_key(&r.id))
            .collect()
    }

    /// Revisions that revise nothing.
    pub fn bases(&self) -> Vec<&Revision> {
        self.revisions
            .values()
            .filter(|r| r.revises.is_empty())
            .collect()
    }

    /// Revisions revised by more than one revision, with those children.
    pub fn branch_points(&self) -> Vec<(&Revision, Vec<&Revision>)> {
        self.children
            .iter()
            .filter(|(_, c)| c.len() > 1)
            .filter_map(|(id, c)| {
                Some((
                    self.revisions.get(id)?,
                    c.iter().filter_map(|c| self.revisions.get(c)).collect(),
                ))
            })
            .collect()
    }

    /// The revisions directly revising `id`.
    pub fn children_of(&self, id: &str) -> Vec<&str> {
        self.children
            .get(id)
            .map(|c| c.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Full id from an id or a unique prefix.
    pub fn resolve_id(&self, text: &str) -> Result<&str, GraphError> {
        if let Some((id, _)) = self.revisions.get_key_value(text) {
            return Ok(id);
        }
        let matches: Vec<&String> = self
            .revisions
            .keys()
            .filter(|id| id.starts_with(text))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(GraphError::Unknown(text.to_string())),
            many => Err(GraphError::Ambiguous {
                prefix: text.to_string(),
                candidates: many
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// `ids` and everything that must be applied before them.
    pub fn ancestors<'a>(&'a self, ids: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<&str> = ids.into_iter().collect();
        while let Some(id) = stack.pop() {
            let Some((key, _)) = self.revisions.get_key_value(id) else {
                continue;
            };
            if out.insert(key.as_str()) {
                stack.extend(self.parents(id));
            }
        }
        out
    }

    /// `set` in an order where every revision comes after what it revises and depends on;
    /// ties broken by id, so the order is deterministic.
    pub fn ordered<'a>(&'a self, set: &BTreeSet<&'a str>) -> Vec<&'a Revision> {
        let mut done: BTreeSet<&str> = BTreeSet::new();
        let mut out = Vec::new();
        while out.len() < set.len() {
            let before = out.len();
            for id in set {
                if !done.contains(id)
                    && self
                        .parents(id)
                        .all(|p| done.contains(p) || !set.contains(p))
                {
                    done.insert(id);
                    out.push(&self.revisions[*id]);
                }
            }
            if out.len() == before {
                break;
            }
        }
        out
    }

    /// What an upgrade runs: the revisions `heads` need that `applied` lacks, parents first.
    pub fn upgrade_path<'a>(
        &'a self,
        applied: &BTreeSet<&'a str>,
        heads: &'a [String],
    ) -> Vec<&'a Revision> {
        let wanted = self.ancestors(heads.iter().map(String::as_str));
        self.ordered(&wanted.difference(applied).copied().collect())
    }

    /// What a downgrade undoes: the applied revisions that are not `heads` or their
    /// ancestors, children first.
    pub fn downgrade_path<'a>(
        &'a self,
        applied: &BTreeSet<&'a str>,
        heads: &'a [String],
    ) -> Vec<&'a Revision> {
        let keep = self.ancestors(heads.iter().map(String::as_str));
        let mut steps = self.ordered(&applied.difference(&keep).copied().collect());
        steps.reverse();
        steps
    }

    /// Heads of an applied set: members no other member revises.
    pub fn heads_of<'a>(&'a self, applied: &BTreeSet<&'a str>) -> Vec<&'a str> {
        applied
            .iter()
            .copied()
            .filter(|id| !self.children_of(id).iter().any(|c| applied.contains(c)))
            .collect()
    }

    /// The single head, or an error listing them.
    pub fn single_head(&self) -> Result<Option<&Revision>, GraphError> {
        let heads = self.heads();
        match heads.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            many => Err(GraphError::MultipleHeads(
                many.iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
        }
    }

    /// Resolves what `upgrade`, `downgrade` and `stamp` accept: `head`, `heads`, `base`, an id
    /// or unique prefix, `label@head`, `+N` and `-N` (relative to `current`).
    pub fn resolve_target(&self, text: &str, current: &[String]) -> Result<Target, GraphError> {
        let ids = |v: Vec<&Revision>| v.into_iter().map(|r| r.id.clone()).collect();
        match text {
            "base" => return Ok(Target { heads: Vec::new() }),
            "heads" => {
                return Ok(Target {
                    heads: ids(self.heads()),
                })
            }
            "head" => {
                return Ok(Target {
                    heads: self
                        .single_head()?
                        .map(|r| vec![r.id.clone()])
                        .unwrap_or_default(),
                })
            }
            _ => {}
        }
        if let Some(label) = text.strip_suffix("@head") {
            let start = self
                .revisions
                .values()
                .find(|r| r.branch_labels.iter().any(|l| l == label))
                .ok_or_else(|| GraphError::Unknown(format!("{label}@head")))?;
            let heads: Vec<String> = self
                .heads()
                .into_iter()
                .filter(|h| self.ancestors([h.id.as_str()]).contains(start.id.as_str()))
                .map(|h| h.id.clone())
                .collect();
            return match heads.len() {
                1 => Ok(Target { heads }),
                _ => Err(GraphError::MultipleHeads(heads.join(", "))),
            };
        }
        if let Some(steps) = text.strip_prefix('+').and_then(|n| n.parse::<usize>().ok()) {
            let mut at: Option<String> = match current {
                [] => None,
                [one] => Some(one.clone()),
                _ => {
                    return Err(GraphError::BadTarget(format!(
                        "'{text}' needs a single current revision, not {}",
                        current.join(", ")
                    )))
                }
            };
            for _ in 0..steps {
                let next: Vec<String> = match &at {
                    None => self.bases().iter().map(|r| r.id.clone()).collect(),
                    Some(id) => self.children_of(id).iter().map(|s| s.to_string()).collect(),
                };
                at = Some(match next.as_slice() {
                    [one] => one.clone(),
                    [] => {
                        return Err(GraphError::BadTarget(format!(
                            "'{text}' goes past the head"
                        )))
                    }
                    many => {
                        return Err(GraphError::BadTarget(format!(
                            "'{text}' is ambiguous at a branch point: {}",
                            many.join(", ")
                        )))
                    }
                });
            }
            return Ok(Target {
                heads: at.into_iter().collect(),
            });
        }
        if let Some(steps) = text.strip_prefix('-').and_then(|n| n.parse::<usize>().ok()) {
            let mut at: Vec<String> = current.to_vec();
            for _ in 0..steps {
                at = match at.as_slice() {
                    [] => return Err(GraphError::BadTarget(format!("'{text}' goes past base"))),
                    [one] => self.revisions[one].revises.clone(),
                    many => {
                        return Err(GraphError::BadTarget(format!(
                            "'{text}' needs a single current revision, not {}",
                            many.join(", ")
                        )))
                    }
                };
            }
            return Ok(Target { heads: at });
        }
        Ok(Target {
            heads: vec![self.resolve_id(text)?.to_string()],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(id: &str, revises: &[&str]) -> Revision {
        Revision {
            id: id.into(),
            message: format!("rev {id}"),
            revises: revises.iter().map(|s| s.to_string()).collect(),
            create_date: String::new(),
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
            transactional: true,
            upgrade: String::new(),
            downgrade: String::new(),
            path: PathBuf::from(format!("{id}_x.sql")),
            ..Default::default()
        }
    }

    #[test]
    fn heads_branches_and_merges() {
        let graph = Graph::new(vec![
            rev("a1", &[]),
            rev("b1", &["a1"]),
            rev("c1", &["a1"]),
            rev("d1", &["b1", "c1"]),
        ])
        .unwrap();
        assert_eq!(
            graph
                .heads()
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>(),
            ["d1"]
        );
        assert_eq!(graph.branch_points().len(), 1);
        let order: Vec<&str> = graph
            .ordered(&graph.ancestors(["d1"]))
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(order, ["a1", "b1", "c1", "d1"]);
        assert_eq!(graph.resolve_target("+1", &[]).unwrap().heads, ["a1"]);
        assert!(matches!(
            graph.resolve_target("+2", &[]),
            Err(GraphError::BadTarget(_))
        ));
        assert_eq!(
            graph.resolve_target("-1", &["b1".into()]).unwrap().heads,
            ["a1"]
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let missing = Graph::new(vec![rev("a1", &["zz"])]).unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("revision a1 (a1_x.sql) revises zz, which does not exist"),
            "{missing}"
        );
        let cycle = Graph::new(vec![rev("a1", &["b1"]), rev("b1", &["a1"])]).unwrap_err();
        assert!(matches!(cycle, GraphError::Cycle(_)), "{cycle}");
        let duplicate = Graph::new(vec![rev("a1", &[]), rev("a1", &[])]).unwrap_err();
        assert!(
            duplicate
                .to_string()
                .starts_with("revision id a1 is used by both"),
            "{duplicate}"
        );
        let graph =
            Graph::new(vec![rev("a1", &[]), rev("a2", &["a1"]), rev("b1", &["a1"])]).unwrap();
        assert!(graph
            .resolve_target("head", &[])
            .unwrap_err()
            .to_string()
            .contains("multiple heads are present (a2, b1)"));
        assert!(graph
            .resolve_id("a")
            .unwrap_err()
            .to_string()
            .contains("'a' is ambiguous: it could be a1, a2"));
        assert_eq!(graph.resolve_id("b").unwrap(), "b1");
        assert_eq!(
            graph.resolve_id("zz").unwrap_err(),
            GraphError::Unknown("zz".into())
        );
    }
}
