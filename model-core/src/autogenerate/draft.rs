//! The second half of autogenerate: from a settled comparison to a revision body that is
//! ready to write — refused when it drops what nothing asked for or (online) still blocks a
//! table in use, proven on a copy when asked, with its hazards and what it destroys. The
//! command line only asks the questions before and prints and writes after.

use std::collections::BTreeSet;

use super::{unasked_drops, AutogenerateError, Comparison, Proof, UnaskedDrops};
use crate::diff::{Hazard, Op, Plan, RenameReport};
use crate::migrate::LockRetries;
use crate::pg::Server;
use crate::render::{self, RevisionBody};
use crate::schema::TableName;
use crate::sql::PgVersion;

/// How to draft a revision.
#[derive(Debug, Clone, Default)]
pub struct DraftOptions<'a> {
    /// Write it online: concurrent index builds, constraints added `NOT VALID` and validated
    /// apart, and a refusal for what would still hold `ACCESS EXCLUSIVE` through a rewrite
    /// or scan of a table in use.
    pub online: bool,
    /// The timeouts written at the top of each part (as the runner applies them).
    pub timeouts: LockRetries,
    /// Refuse drops nobody asked for (see [`unasked_drops`]); `None` allows them
    /// (`--drop-undeclared`).
    pub guard: Option<Guard<'a>>,
    /// Prove the body on a schema-only copy made on this server before handing it back.
    pub prove_on: Option<&'a Server>,
}

/// What the drop guard needs to know: the tables the project's revisions created, and which
/// of the tables the plan drops hold rows.
#[derive(Debug, Clone, Copy)]
pub struct Guard<'a> {
    /// From [`crate::migrate::created_tables`].
    pub created: &'a BTreeSet<TableName>,
    /// From [`super::occupied`].
    pub occupied: &'a BTreeSet<TableName>,
}

/// A revision ready to write.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The operations, both ways.
    pub plan: Plan,
    /// What became of each rename hint.
    pub renames: RenameReport,
    /// The PostgreSQL it is planned for (`Planned For` in the header).
    pub version: PgVersion,
    /// Whether it is written online.
    pub online: bool,
    /// The upgrade and downgrade as written, timeouts at the top; `None` when nothing
    /// changes.
    pub body: Option<RevisionBody>,
    /// What the proof on a copy built, when it was proven.
    pub proof: Option<Proof>,
    /// The hazards of the upgrade's statements as written, gravest first, each once.
    pub hazards: Vec<Hazard>,
    /// What each part destroys, a line per statement.
    pub destruction: Destruction,
}

/// The statements of a revision that destroy data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Destruction {
    /// The upgrade's.
    pub upgrade: Vec<String>,
    /// The downgrade's.
    pub downgrade: Vec<String>,
}

impl Draft {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
    }

    /// What the upgrade does, a line per change (`Detected …` on the command line).
    pub fn detected(&self) -> Vec<String> {
        self.plan
            .upgrade
            .iter()
            .flat_map(Op::describe_all)
            .collect()
    }
}

/// Why no revision was drafted.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// It drops tables nothing asked for.
    #[error("the plan drops tables that nothing asked for")]
    UnaskedDrops(UnaskedDrops),
    /// Online, these changes would still hold `ACCESS EXCLUSIVE` through a rewrite or scan.
    #[error("{} change(s) would still hold ACCESS EXCLUSIVE through a rewrite or scan of a table in use", .0.len())]
    Blocking(Vec<String>),
    /// The copy refused it or did not come out as the models.
    #[error(transparent)]
    NotProven(AutogenerateError),
}

impl Comparison {
    /// The revision that brings the database to the models, and back (see [`DraftOptions`]).
    pub fn draft(&self, options: &DraftOptions) -> Result<Draft, DraftError> {
        let (plan, renames) = self.plan_and_report();
        if let Some(guard) = options.guard {
            let unasked = unasked_drops(&plan, self.live(), guard.created, guard.occupied);
            if !unasked.is_empty() {
                return Err(DraftError::UnaskedDrops(unasked));
            }
        }
        let mut draft = Draft {
            version: self.version(),
            online: options.online,
            body: None,
            proof: None,
            hazards: Vec::new(),
            destruction: Destruction::default(),
            plan,
            renames,
        };
        if draft.plan.is_empty() {
            return Ok(draft);
        }
        let (upgrade, downgrade) = (&draft.plan.upgrade, &draft.plan.downgrade);
        if options.online {
            let blocking = render::still_blocking(upgrade);
            if !blocking.is_empty() {
                return Err(DraftError::Blocking(blocking));
            }
        }
        let mut body = match options.online {
            true => render::online_revision_body(upgrade, downgrade, draft.version),
            false => render::revision_body(upgrade, downgrade),
        };
        if let Some(server) = options.prove_on {
            let proof = super::verify_sql_on(
                server,
                &body.upgrade,
                &body.downgrade,
                self.live(),
                self.desired(),
            )
            .map_err(DraftError::NotProven)?;
            draft.proof = Some(proof);
        }
        let settings = render::timeout_settings(&options.timeouts);
        body.upgrade = format!("{settings}\n{}", body.upgrade);
        body.downgrade = format!("{settings}\n{}", body.downgrade);
        draft.hazards = render::hazards(upgrade, options.online.then_some(draft.version));
        let lost = |ops: &[Op]| ops.iter().filter_map(Op::destruction).collect();
        draft.destruction = Destruction {
            upgrade: lost(upgrade),
            downgrade: lost(downgrade),
        };
        draft.body = Some(body);
        Ok(draft)
    }
}
