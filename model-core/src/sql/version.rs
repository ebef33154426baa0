//! Which PostgreSQL a plan is read from and written for: the one place where server versions
//! differ.
//!
//! A [`PgVersion`] is made once, from the server's `server_version_num` (or from
//! `postgres_version` in `model.toml` when there is no server), and handed to whatever reads
//! catalogs or writes SQL. Introspection asks it for the catalog spelling of its version
//! ([`PgVersion::catalog_sql`]); planning asks it whether a statement form exists
//! ([`PgVersion::supports`]); checks ask it to refuse a declared feature the server lacks
//! ([`PgVersion::require`]). Nothing else compares version numbers.

use std::fmt;

/// A PostgreSQL server version, as `server_version_num` spells it (`170010` is 17.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PgVersion {
    num: u32,
}

/// A statement form that only some versions have, which a plan may use or a model declare.
/// (What only the catalogs spell differently is in [`CATALOG`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    /// `UNIQUE NULLS NOT DISTINCT` (15).
    NullsNotDistinct,
    /// `ON DELETE SET NULL (columns)` / `SET DEFAULT (columns)` (15).
    ForeignKeySetColumns,
    /// `ALTER TABLE … ALTER COLUMN … SET EXPRESSION` for a generated column (17).
    SetExpression,
    /// The `MAINTAIN` privilege on tables (17).
    MaintainPrivilege,
    /// `ALTER COLUMN … SET STORAGE DEFAULT` (16).
    SetStorageDefault,
    /// NOT NULL as named constraints in `pg_constraint` (18).
    NotNullConstraints,
    /// `ADD CONSTRAINT … NOT NULL … NOT VALID` (18).
    NotNullNotValid,
    /// `GENERATED ALWAYS AS (…) VIRTUAL` columns (18).
    VirtualGenerated,
    /// `NOT ENFORCED` check and foreign-key constraints (18).
    NotEnforced,
    /// Temporal keys: `PRIMARY KEY`/`UNIQUE (…, c WITHOUT OVERLAPS)`, foreign keys with
    /// `PERIOD` (18).
    WithoutOverlaps,
}

impl Feature {
    /// Every feature, oldest first.
    pub const ALL: [Feature; 10] = [
        Feature::NullsNotDistinct,
        Feature::ForeignKeySetColumns,
        Feature::SetStorageDefault,
        Feature::SetExpression,
        Feature::MaintainPrivilege,
        Feature::NotNullConstraints,
        Feature::NotNullNotValid,
        Feature::VirtualGenerated,
        Feature::NotEnforced,
        Feature::WithoutOverlaps,
    ];

    /// The major version that introduced it.
    pub fn since(self) -> u32 {
        match self {
            Feature::NullsNotDistinct | Feature::ForeignKeySetColumns => 15,
            Feature::SetStorageDefault => 16,
            Feature::SetExpression | Feature::MaintainPrivilege => 17,
            Feature::NotNullConstraints
            | Feature::NotNullNotValid
            | Feature::VirtualGenerated
            | Feature::NotEnforced
            | Feature::WithoutOverlaps => 18,
        }
    }

    /// How PostgreSQL's documentation names it.
    pub fn name(self) -> &'static str {
        match self {
            Feature::NullsNotDistinct => "NULLS NOT DISTINCT",
            Feature::ForeignKeySetColumns => "ON DELETE SET NULL/SET DEFAULT with a column list",
            Feature::SetExpression => "ALTER COLUMN … SET EXPRESSION",
            Feature::SetStorageDefault => "ALTER COLUMN … SET STORAGE DEFAULT",
            Feature::MaintainPrivilege => "the MAINTAIN privilege",
            Feature::NotNullConstraints => "named NOT NULL constraints",
            Feature::NotNullNotValid => "NOT NULL … NOT VALID",
            Feature::VirtualGenerated => "virtual generated columns",
            Feature::NotEnforced => "NOT ENFORCED constraints",
            Feature::WithoutOverlaps => "temporal keys (WITHOUT OVERLAPS, PERIOD)",
        }
    }
}

/// A declared feature the target server does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} uses {} (PostgreSQL {} and later), but the target is PostgreSQL {version}", feature.name(), feature.since())]
pub struct Unsupported {
    /// The object that uses it (`column public.t.c`).
    pub what: String,
    /// The feature.
    pub feature: Feature,
    /// The target.
    pub version: PgVersion,
}

/// A server too old for this tool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PostgreSQL {version} is not supported: this tool reads and plans for PostgreSQL {}–{} (its catalogs differ before {})", PgVersion::OLDEST.major(), PgVersion::NEWEST.major(), PgVersion::OLDEST.major())]
pub struct TooOld {
    /// The server's version.
    pub version: PgVersion,
}

impl PgVersion {
    /// The oldest major version supported.
    pub const OLDEST: PgVersion = PgVersion::major_only(14);
    /// The newest major version this release was tested on. A newer server is read as this
    /// one (its catalogs are a superset so far); `check` says so once.
    pub const NEWEST: PgVersion = PgVersion::major_only(18);
    /// Every supported major version, oldest first.
    pub const SUPPORTED: [u32; 5] = [14, 15, 16, 17, 18];

    /// From `server_version_num` (`170010`).
    pub const fn from_num(num: u32) -> PgVersion {
        PgVersion { num }
    }

    /// A major version with minor 0 (`17` is 17.0).
    pub const fn major_only(major: u32) -> PgVersion {
        PgVersion {
            num: major * 10_000,
        }
    }

    /// Parses `17`, `17.10` or `170010`.
    pub fn parse(text: &str) -> Option<PgVersion> {
        let text = text.trim();
        let (major, minor) = match text.split_once('.') {
            Some((major, minor)) => (major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?),
            None => {
                let n = text.parse::<u32>().ok()?;
                if n >= 10_000 {
                    return Some(PgVersion::from_num(n));
                }
                (n, 0)
            }
        };
        (minor < 10_000 && (10..1000).contains(&major))
            .then(|| PgVersion::from_num(major * 10_000 + minor))
    }

    /// `server_version_num`.
    pub fn num(self) -> u32 {
        self.num
    }

    /// The major version (`17`).
    pub fn major(self) -> u32 {
        self.num / 10_000
    }

    /// Refuses a server older than [`Self::OLDEST`].
    pub fn supported(self) -> Result<PgVersion, TooOld> {
        if self.major() < PgVersion::OLDEST.major() {
            Err(TooOld { version: self })
        } else {
            Ok(self)
        }
    }

    /// Whether this version has `feature`.
    pub fn supports(self, feature: Feature) -> bool {
        self.major() >= feature.since()
    }

    /// `Ok` when this version has `feature`, else an error naming `what` uses it.
    pub fn require(self, feature: Feature, what: impl Into<String>) -> Result<(), Unsupported> {
        if self.supports(feature) {
            Ok(())
        } else {
            Err(Unsupported {
                what: what.into(),
                feature,
                version: self,
            })
        }
    }

    /// `sql` with each `{name}` placeholder replaced by this version's spelling of that
    /// catalog detail ([`CATALOG`]). Every `.sql` file of introspection passes here.
    pub fn catalog_sql(self, sql: &str) -> String {
        let mut out = String::with_capacity(sql.len());
        let mut rest = sql;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = &after[..end];
            match CATALOG.iter().find(|fragment| fragment.name == name) {
                Some(fragment) => out.push_str(fragment.spelling(self)),
                // Not a placeholder (a brace in a string literal, `'{}'::text[]`).
                None => out.push_str(&rest[start..start + 1 + end + 1]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

impl fmt::Display for PgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let minor = self.num % 10_000;
        if minor == 0 {
            write!(f, "{}", self.major())
        } else {
            write!(f, "{}.{}", self.major(), minor)
        }
    }
}

const RELATION_GRANTS: &str = r#"ARRAY(SELECT CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END
                    || ':' || string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END,
                                         ',' ORDER BY a.privilege_type)
             FROM aclexplode(c.relacl) a
             WHERE a.grantee <> c.relowner
             GROUP BY a.grantee
             UNION ALL
             -- The owner's own privileges that were revoked, as `owner:-PRIV,-PRIV` (none when
             -- the owner holds all it holds by default).
             SELECT pg_get_userbyid(c.relowner)::text || ':'
                    || string_agg('-' || d.privilege_type, ',' ORDER BY d.privilege_type)
             FROM aclexplode(acldefault('r', c.relowner)) d
             WHERE c.relacl IS NOT NULL AND d.grantee = c.relowner
               AND NOT EXISTS (SELECT 1 FROM aclexplode(c.relacl) o
                               WHERE o.grantee = c.relowner AND o.privilege_type = d.privilege_type)
             HAVING count(*) > 0
             ORDER BY 1)"#;

/// A catalog detail spelled differently by version: `{name}` in a `.sql` file becomes the
/// spelling of the newest entry of `spellings` whose major version is at most the server's.
pub struct CatalogFragment {
    /// The placeholder's name.
    pub name: &'static str,
    /// (first major version, spelling), oldest first; the first is for every supported one.
    pub spellings: &'static [(u32, &'static str)],
}

impl CatalogFragment {
    fn spelling(&self, version: PgVersion) -> &'static str {
        self.spellings
            .iter()
            .rev()
            .find(|(since, _)| version.major() >= *since)
            .or(self.spellings.first())
            .map_or("", |(_, spelling)| spelling)
    }
}

/// Every catalog detail that differs between the supported versions.
pub const CATALOG: &[CatalogFragment] = &[
    // Not a version's spelling but one expression several queries share: a relation's
    // (table's, view's) privileges for other roles, one `role:PRIV,PRIV*` entry each (`*`:
    // WITH GRANT OPTION; the owner's are implicit, so only those it lost are listed, as
    // `owner:-PRIV`). Over `c`, the relation's pg_class row.
    CatalogFragment {
        name: "relation_grants",
        spellings: &[(14, RELATION_GRANTS)],
    },
    CatalogFragment {
        name: "nulls_not_distinct",
        spellings: &[(14, "NULL::boolean"), (15, "i.indnullsnotdistinct")],
    },
    // An ICU (or, from 17, builtin) collation's locale: in `collcollate` before 15, then
    // `colliculocale`, renamed `colllocale` in 17.
    CatalogFragment {
        name: "colllocale",
        spellings: &[
            (14, "c.collcollate"),
            (15, "c.colliculocale"),
            (17, "c.colllocale"),
        ],
    },
    CatalogFragment {
        name: "collicurules",
        spellings: &[(14, "NULL::text"), (16, "c.collicurules")],
    },
    CatalogFragment {
        name: "confdelsetcols",
        spellings: &[(14, "NULL::int2[]"), (15, "k.confdelsetcols::int2[]")],
    },
    CatalogFragment {
        name: "conenforced",
        spellings: &[(14, "true"), (18, "k.conenforced")],
    },
    CatalogFragment {
        name: "conperiod",
        spellings: &[(14, "false"), (18, "k.conperiod")],
    },
    CatalogFragment {
        name: "pubgencols",
        spellings: &[(14, "'n'::text"), (18, "p.pubgencols::text")],
    },
    // Publications of schemas, and tables' column lists and row filters, from 15.
    CatalogFragment {
        name: "publication_namespaces",
        spellings: &[
            (
                14,
                "(SELECT NULL::oid AS pnpubid, NULL::oid AS pnnspid WHERE false)",
            ),
            (15, "pg_publication_namespace"),
        ],
    },
    CatalogFragment {
        name: "prattrs",
        spellings: &[(14, "NULL::int2[]"), (15, "pr.prattrs::int2[]")],
    },
    CatalogFragment {
        name: "prqual",
        spellings: &[
            (14, "NULL::text"),
            (15, "pg_get_expr(pr.prqual, pr.prrelid)"),
        ],
    },
    // NOT NULL constraints, kept in pg_constraint from 18 (named, possibly NOT VALID or
    // NO INHERIT); none before.
    CatalogFragment {
        name: "not_null_constraints",
        spellings: &[
            (
                14,
                "(SELECT NULL::oid AS conrelid, NULL::int2 AS attnum, NULL::text AS conname, \
                 false AS not_valid, false AS no_inherit, false AS inherited, \
                 false AS inherited_only WHERE false)",
            ),
            (
                18,
                "(SELECT k.conrelid, k.conkey[1] AS attnum, k.conname::text AS conname, \
                 NOT k.convalidated AS not_valid, k.connoinherit AS no_inherit, \
                 k.coninhcount > 0 AS inherited, NOT k.conislocal AS inherited_only \
                 FROM pg_constraint k WHERE k.contype = 'n')",
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_in_every_spelling() {
        assert_eq!(PgVersion::parse("17"), Some(PgVersion::from_num(170_000)));
        assert_eq!(
            PgVersion::parse("17.10"),
            Some(PgVersion::from_num(170_010))
        );
        assert_eq!(
            PgVersion::parse("140023"),
            Some(PgVersion::from_num(140_023))
        );
        assert_eq!(PgVersion::parse("x"), None);
        assert_eq!(PgVersion::parse("17.x"), None);
        assert_eq!(PgVersion::from_num(170_010).to_string(), "17.10");
        assert_eq!(PgVersion::major_only(18).to_string(), "18");
    }

    #[test]
    fn old_servers_are_refused_naming_the_range() {
        let error = PgVersion::from_num(130_023).supported().unwrap_err();
        assert_eq!(
            error.to_string(),
            "PostgreSQL 13.23 is not supported: this tool reads and plans for PostgreSQL 14–18 (its catalogs differ before 14)"
        );
        assert!(PgVersion::from_num(140_000).supported().is_ok());
    }

    #[test]
    fn placeholders_take_each_versions_spelling() {
        let sql = "SELECT {colllocale}, '{}'::text[], {unknown} FROM x";
        assert_eq!(
            PgVersion::major_only(14).catalog_sql(sql),
            "SELECT c.collcollate, '{}'::text[], {unknown} FROM x"
        );
        assert_eq!(
            PgVersion::from_num(160_004).catalog_sql(sql),
            "SELECT c.colliculocale, '{}'::text[], {unknown} FROM x"
        );
        assert_eq!(
            PgVersion::major_only(17).catalog_sql(sql),
            "SELECT c.colllocale, '{}'::text[], {unknown} FROM x"
        );
    }

    #[test]
    fn features_are_refused_naming_the_version() {
        let v14 = PgVersion::from_num(140_023);
        assert!(v14.require(Feature::NullsNotDistinct, "x").is_err());
        assert_eq!(
            v14.require(Feature::NullsNotDistinct, "unique constraint t_a_key")
                .unwrap_err()
                .to_string(),
            "unique constraint t_a_key uses NULLS NOT DISTINCT (PostgreSQL 15 and later), but the target is PostgreSQL 14.23"
        );
        assert!(PgVersion::major_only(18).supports(Feature::VirtualGenerated));
        for feature in Feature::ALL {
            assert!(PgVersion::SUPPORTED.contains(&feature.since()));
        }
    }

    #[test]
    fn every_fragment_covers_every_supported_version_in_order() {
        for fragment in CATALOG {
            let since: Vec<u32> = fragment.spellings.iter().map(|(v, _)| *v).collect();
            assert_eq!(
                since.first(),
                Some(&PgVersion::OLDEST.major()),
                "{}",
                fragment.name
            );
            assert!(since.windows(2).all(|w| w[0] < w[1]), "{}", fragment.name);
            assert!(
                since.iter().all(|v| PgVersion::SUPPORTED.contains(v)),
                "{}",
                fragment.name
            );
        }
    }
}
