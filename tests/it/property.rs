//! Property test of the diff engine: for random pairs of schemas A and B (seeded, so any
//! failure can be replayed), applying `diff(A, B)` to A gives B, and the downgrade gives A
//! again, on a real PostgreSQL.
//!
//! `MODEL_PROPTEST_PAIRS=5000` runs more pairs (default 200, and 60 for the renames);
//! `MODEL_PROPTEST_SEED=123` replays one pair.

use model_core::diff::diff_for;
use model_core::kinds::{Change, KindChange, TableColumn};
use model_core::render::{self, quote_ident};
use model_core::schema::{
    CheckConstraint, Column, EnumType, ExclusionConstraint, Extension, FkAction, ForeignKey,
    Function, Grant, Identity, IdentityKind, Index, IndexExpr, IndexKey, OtherKind, Policy,
    PrimaryKey, Schema, Sequence, SqlType, Table, TableName, Trigger, UniqueConstraint, View,
};

use crate::support::{fresh_database, prove, schema_of, Rng};

const TABLES: &[&str] = &["t0", "t1", "t2", "Order Items", "user"];
const COLUMNS: &[&str] = &["a", "b", "c", "select", "Mixed Case", "it's"];
const LABELS: &[&str] = &["red", "green", "blue", "it's", "teal"];
const PLAIN_TYPES: &[&str] = &[
    "integer",
    "bigint",
    "smallint",
    "text",
    "character varying(20)",
    "numeric(10,2)",
    "boolean",
    "timestamp with time zone",
    "date",
    "jsonb",
    "uuid",
    "text[]",
];
const COMMENTS: &[&str] = &["plain", "it's quoted", "back\\slash", "ünïcode"];

fn public(name: &str) -> TableName {
    TableName::new("public", name)
}

/// Two of the tables live in a second schema, so schemas come and go with them.
fn table_name(name: &str) -> TableName {
    match name {
        "t2" | "user" => TableName::new("sales", name),
        _ => public(name),
    }
}

const SCHEMAS: &[&str] = &["public", "sales"];

fn is_integer(ty: &SqlType) -> bool {
    matches!(ty.as_str(), "integer" | "bigint" | "smallint")
}

fn is_text(ty: &SqlType) -> bool {
    matches!(ty.as_str(), "text" | "character varying(20)")
}

fn default_for(ty: &SqlType) -> Option<String> {
    Some(
        match ty.as_str() {
            "integer" | "bigint" | "smallint" => "7",
            "numeric(10,2)" => "1.50",
            "text" | "character varying(20)" => "'x'",
            "boolean" => "true",
            "timestamp with time zone" => "now()",
            "date" => "CURRENT_DATE",
            "jsonb" => "'{}'",
            "text[]" => "'{}'",
            _ => return None,
        }
        .to_string(),
    )
}

fn random_type(rng: &mut Rng, schema: &Schema) -> SqlType {
    if !schema.enums.is_empty() && rng.chance(15) {
        let e = rng.pick(&schema.enums);
        return SqlType::new(render::qualified(&e.name));
    }
    if schema.types.iter().any(|t| t.name == "public.d1") && rng.chance(6) {
        return SqlType::from_static("public.d1");
    }
    if schema.types.iter().any(|t| t.name == "public.r0") && rng.chance(4) {
        return SqlType::from_static("public.r0");
    }
    let ty: &&'static str = rng.pick(PLAIN_TYPES);
    SqlType::from_static(ty)
}

fn random_column(rng: &mut Rng, name: &str, schema: &Schema) -> Column {
    let ty = random_type(rng, schema);
    let mut column = Column::new(name, ty);
    column.nullable = rng.chance(60);
    if rng.chance(30) {
        column.default = default_for(&column.ty);
    }
    if is_text(&column.ty) && rng.chance(20) {
        column.collation = Some("\"C\"".into());
    }
    if rng.chance(20) {
        column.comment = Some(rng.pick(COMMENTS).to_string());
    }
    column
}

fn random_identity(rng: &mut Rng) -> Identity {
    Identity {
        kind: if rng.chance(50) {
            IdentityKind::Always
        } else {
            IdentityKind::ByDefault
        },
        start: rng.chance(30).then_some(10),
        increment: rng.chance(30).then_some(3),
        min_value: None,
        max_value: rng.chance(15).then_some(1_000_000),
        cache: rng.chance(15).then_some(20),
        cycle: rng.chance(15),
    }
}

fn random_index(rng: &mut Rng, table: &Table, n: usize) -> Option<Index> {
    let candidates: Vec<&Column> = table
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .collect();
    let column = *rng.pick(&candidates);
    let hash = rng.chance(10);
    let expr = if is_text(&column.ty) && rng.chance(30) {
        IndexExpr::Expression(format!("lower({})", quote_ident(&column.name)))
    } else {
        IndexExpr::Column(column.name.clone())
    };
    let key = IndexKey {
        expr,
        collation: None,
        opclass: None,
        descending: !hash && rng.chance(30),
        nulls_first: !hash && rng.chance(30),
    };
    Some(Index {
        name: format!("{}_ix{n}", table.name.name),
        keys: vec![key],
        include: Vec::new(),
        unique: !hash && rng.chance(20),
        nulls_not_distinct: false,
        method: if hash { "hash".into() } else { "btree".into() },
        predicate: rng
            .chance(30)
            .then(|| format!("({} IS NOT NULL)", quote_ident(&column.name))),
        invalid: false,
        on_only: false,
        attached_to: None,
        options: if !hash && rng.chance(15) {
            vec!["fillfactor=70".into()]
        } else {
            Vec::new()
        },
    })
}

fn random_table(rng: &mut Rng, name: &str, schema: &Schema) -> Table {
    let mut table = Table::new(table_name(name));
    let mut id = Column::new(
        "id",
        SqlType::from_static(if rng.chance(50) { "integer" } else { "bigint" }),
    );
    if rng.chance(50) {
        id.identity = Some(random_identity(rng));
    }
    table.columns.push(id);
    if rng.chance(85) {
        table.primary_key = Some(PrimaryKey {
            without_overlaps: false,
            name: format!("{name}_pkey"),
            columns: vec!["id".into()],
            // Foreign keys reference `id`, which a deferrable key cannot serve.
            timing: Default::default(),
        });
    }
    let mut names: Vec<&str> = COLUMNS.to_vec();
    for _ in 0..1 + rng.below(4) {
        let column = names.remove(rng.below(names.len()));
        table.columns.push(random_column(rng, column, schema));
    }
    if rng.chance(15) {
        let mut g = Column::new("g", SqlType::from_static("bigint"));
        g.nullable = true;
        g.generated = Some(format!("id * {}", 2 + rng.below(3)));
        table.columns.push(g);
    }
    for other in &schema.tables {
        if rng.chance(35) {
            add_foreign_key(rng, &mut table, other);
        }
    }
    if rng.chance(10) {
        let own = table.clone();
        add_foreign_key(rng, &mut table, &own);
    }
    decorate(rng, &mut table);
    if rng.chance(30) {
        table.comment = Some(rng.pick(COMMENTS).to_string());
    }
    if rng.chance(15) {
        table.options = vec!["fillfactor=80".into()];
    }
    if rng.chance(10) {
        table.replica_identity = model_core::schema::ReplicaIdentity::Full;
    }
    table
}

/// Unique, check, index and exclusion constraints on existing columns.
fn decorate(rng: &mut Rng, table: &mut Table) {
    let name = table.name.name.clone();
    let plain: Vec<Column> = table
        .columns
        .iter()
        .filter(|c| c.generated.is_none() && c.name != "id")
        .cloned()
        .collect();
    if !plain.is_empty() && rng.chance(30) {
        let column = rng.pick(&plain).name.clone();
        table.uniques.push(UniqueConstraint {
            without_overlaps: false,
            name: format!("{name}_{column}_key"),
            columns: vec![column],
            // (Drawn on every server, so a seed is the same pair everywhere.)
            nulls_not_distinct: rng.chance(30) && crate::support::server_major() >= 15,
            timing: model_core::schema::Deferral {
                deferrable: rng.chance(15),
                initially_deferred: rng.chance(50),
            },
        });
        if let Some(u) = table.uniques.last_mut() {
            u.timing.initially_deferred &= u.timing.deferrable;
        }
    }
    let integers: Vec<&Column> = plain.iter().filter(|c| is_integer(&c.ty)).collect();
    if !integers.is_empty() && rng.chance(30) {
        let column = rng.pick(&integers).name.clone();
        table.checks.push(CheckConstraint {
            not_enforced: false,
            name: format!("{name}_ck"),
            expression: format!("{} > 0", quote_ident(&column)),
            not_valid: rng.chance(20),
            no_inherit: rng.chance(10),
        });
    }
    for n in 0..rng.below(3) {
        if let Some(index) = random_index(rng, table, n) {
            table.indexes.push(index);
        }
    }
    if rng.chance(5) {
        table.exclusions.push(ExclusionConstraint {
            name: format!("{name}_ex"),
            definition: "EXCLUDE USING btree (id WITH =)".into(),
        });
    }
}

fn add_foreign_key(rng: &mut Rng, table: &mut Table, target: &Table) {
    let column_name = if target.name == table.name {
        "parent_id".to_string()
    } else {
        format!("{}_id", target.name.name)
    };
    if table.column(&column_name).is_some() {
        return;
    }
    let id_type = target
        .column("id")
        .map(|c| c.ty.clone())
        .unwrap_or(SqlType::from_static("integer"));
    let mut column = Column::new(column_name.clone(), id_type);
    column.nullable = rng.chance(50);
    let actions = [
        FkAction::NoAction,
        FkAction::Cascade,
        FkAction::Restrict,
        FkAction::SetNull,
    ];
    let mut on_delete = *rng.pick(&actions);
    if on_delete == FkAction::SetNull && !column.nullable {
        on_delete = FkAction::Cascade;
    }
    table.columns.push(column);
    let deferrable = rng.chance(20);
    table.foreign_keys.push(ForeignKey {
        not_enforced: false,
        period: false,
        on_delete_columns: Vec::new(),
        name: format!("{}_{column_name}_fkey", table.name.name),
        columns: vec![column_name],
        references: target.name.clone(),
        referenced_columns: vec!["id".into()],
        on_delete,
        on_update: if rng.chance(20) {
            FkAction::Cascade
        } else {
            FkAction::NoAction
        },
        match_full: rng.chance(10),
        deferrable,
        initially_deferred: deferrable && rng.chance(50),
        not_valid: rng.chance(15),
    });
}

fn random_enum(rng: &mut Rng, name: &str) -> EnumType {
    let mut labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
    let mut chosen = Vec::new();
    for _ in 0..1 + rng.below(4) {
        chosen.push(labels.remove(rng.below(labels.len())));
    }
    EnumType {
        name: public(name),
        labels: chosen,
        grants: type_grants(rng),
    }
}

fn random_sequence(rng: &mut Rng, name: &str) -> Sequence {
    let bigint = rng.chance(50);
    Sequence {
        name: public(name),
        data_type: SqlType::from_static(if bigint { "bigint" } else { "integer" }),
        start: 1 + rng.below(100) as i64,
        increment: 1 + rng.below(3) as i64,
        min_value: 1,
        max_value: if rng.chance(50) {
            1_000_000
        } else if bigint {
            i64::MAX
        } else {
            i32::MAX as i64
        },
        cache: if rng.chance(20) { 5 } else { 1 },
        cycle: rng.chance(20),
        owned_by: None,
        grants: if rng.chance(20) {
            vec![Grant {
                grantee: "public".into(),
                privileges: vec!["USAGE".into()],
            }]
        } else {
            Vec::new()
        },
    }
}

fn collation() -> model_core::schema::Other {
    kept_type(
        OtherKind::Collation,
        "public.c0",
        "CREATE COLLATION public.c0 (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
        "DROP COLLATION public.c0",
    )
}

/// `public.d1`, a domain over integer that columns may use: its default, NOT NULL and checks
/// vary, never its base type, so every change to it is made in place.
fn used_domain(rng: &mut Rng) -> model_core::schema::Other {
    let mut create = "CREATE DOMAIN public.d1 AS integer".to_string();
    if rng.chance(40) {
        create.push_str(&format!(" DEFAULT {}", rng.below(3)));
    }
    if rng.chance(30) {
        create.push_str(" NOT NULL");
    }
    if rng.chance(50) {
        create.push_str(&format!(
            " CONSTRAINT d1_low CHECK (VALUE > -{})",
            1 + rng.below(3)
        ));
    }
    if rng.chance(40) {
        create.push_str(" CONSTRAINT d1_high CHECK (VALUE < 1000)");
    }
    model_core::schema::Other {
        kind: OtherKind::Domain,
        name: "public.d1".into(),
        create,
        drop: "DROP DOMAIN public.d1".into(),
        in_place: Default::default(),
        grants: type_grants(rng),
    }
}

/// A type-like object kept as its statement, with no privileges changed.
fn kept_type(kind: OtherKind, name: &str, create: &str, drop: &str) -> model_core::schema::Other {
    model_core::schema::Other {
        kind,
        name: name.into(),
        create: create.into(),
        drop: drop.into(),
        in_place: Default::default(),
        grants: Vec::new(),
    }
}

/// What PostgreSQL 18 adds to tables: virtual generated columns, NOT ENFORCED checks, NOT
/// NULL constraints with names of their own; drawn only on 18, so that a seed gives the same
/// pair on every other server. Tables in a partition or inheritance family are left alone (their
/// columns and constraints must agree with their relatives').
fn postgres_18(rng: &mut Rng, schema: &mut Schema) {
    if crate::support::server_major() < 18 {
        return;
    }
    let parents: Vec<TableName> = schema
        .tables
        .iter()
        .flat_map(|t| t.inherits.clone())
        .collect();
    for table in &mut schema.tables {
        let family = table.partition_by.is_some()
            || table.partition_of.is_some()
            || !table.inherits.is_empty()
            || parents.contains(&table.name);
        if family {
            continue;
        }
        match rng.below(4) {
            0 => {
                if let Some(g) = table.columns.iter_mut().find(|c| c.generated.is_some()) {
                    g.virtual_generated = !g.virtual_generated;
                }
            }
            1 => {
                if let Some(check) = table.checks.first_mut() {
                    check.not_enforced = !check.not_enforced;
                    // (Never validated, so never NOT VALID either.)
                    check.not_valid &= !check.not_enforced;
                }
            }
            2 => {
                let t = table.name.name.clone();
                let candidates: Vec<usize> = (0..table.columns.len())
                    .filter(|&i| !table.columns[i].nullable && table.columns[i].generated.is_none())
                    .collect();
                if !candidates.is_empty() {
                    let column = &mut table.columns[*rng.pick(&candidates)];
                    column.not_null.name = match column.not_null.name {
                        Some(_) => None,
                        None => Some(format!("{t}_{}_nn", column.name)),
                    };
                }
            }
            _ => {}
        }
    }
}

fn random_schema(rng: &mut Rng) -> Schema {
    let mut schema = Schema::default();
    schema.types.push(used_domain(rng));
    // A range type columns may use, and a collation nothing uses (which comes and goes).
    schema.types.push(kept_type(
        OtherKind::RangeType,
        "public.r0",
        "CREATE TYPE public.r0 AS RANGE (subtype = integer)",
        "DROP TYPE public.r0",
    ));
    if rng.chance(40) {
        schema.types.push(collation());
    }
    for name in ["e0", "e1"] {
        if rng.chance(50) {
            schema.enums.push(random_enum(rng, name));
        }
    }
    for name in ["s0", "s1"] {
        if rng.chance(40) {
            schema.sequences.push(random_sequence(rng, name));
        }
    }
    for name in TABLES {
        if rng.chance(60) {
            let table = random_table(rng, name, &schema);
            schema.tables.push(table);
        }
    }
    random_objects(rng, &mut schema);
    if rng.chance(30) {
        partitioned(rng, &mut schema);
    }
    if rng.chance(30) {
        inheritance(rng, &mut schema);
    }
    // A sequence owned by a column (as a serial column's is), in the sequence's schema.
    if let Some(owner) = schema
        .tables
        .iter()
        .find(|t| t.name.schema == "public")
        .map(|t| t.name.clone())
    {
        if let Some(s) = schema.sequences.first_mut().filter(|_| rng.chance(40)) {
            s.owned_by = Some(model_core::schema::ColumnRef {
                table: owner,
                column: "id".into(),
            });
        }
    }
    // A domain and a composite type (kept as statements; no column uses them, so a change
    // is a drop and create PostgreSQL accepts).
    if rng.chance(30) {
        let check = rng.below(3);
        schema.types.push(model_core::schema::Other {
            kind: OtherKind::Domain,
            name: "public.d0".into(),
            create: format!("CREATE DOMAIN public.d0 AS integer CHECK (VALUE > {check})"),
            drop: "DROP DOMAIN public.d0".into(),
            in_place: Default::default(),
            grants: Vec::new(),
        });
    }
    if rng.chance(30) {
        let second = if rng.chance(50) { ", y text" } else { "" };
        schema.types.push(model_core::schema::Other {
            kind: OtherKind::CompositeType,
            name: "public.pair".into(),
            create: format!("CREATE TYPE public.pair AS (x integer{second})"),
            drop: "DROP TYPE public.pair".into(),
            in_place: Default::default(),
            grants: Vec::new(),
        });
    }
    postgres_18(rng, &mut schema);
    repair(&mut schema);
    schema
}

/// Functions, views, triggers, policies, row-level security, grants and an extension, on the
/// tables there are. Views and policies read only `id`, which every table keeps.
fn random_objects(rng: &mut Rng, schema: &mut Schema) {
    if rng.chance(20) {
        schema.extensions.push(Extension {
            name: "citext".into(),
            schema: "public".into(),
            version: String::new(),
            relocatable: true,
        });
    }
    if rng.chance(40) {
        schema.functions.push(sql_function(rng));
    }
    let tables: Vec<TableName> = schema.tables.iter().map(|t| t.name.clone()).collect();
    if tables.is_empty() {
        return;
    }
    if rng.chance(50) {
        schema.functions.push(trigger_function());
    }
    for (i, name) in ["v0", "v1"].iter().enumerate() {
        if rng.chance(40) {
            let source = if i == 1 && schema.views.iter().any(|v| v.name.name == "v0") {
                public("v0")
            } else {
                rng.pick(&tables).clone()
            };
            schema.views.push(random_view(rng, name, &source));
        }
    }
    for table in &tables {
        if rng.chance(25) && schema.functions.iter().any(|f| f.name.name == "touch") {
            schema.triggers.push(trigger_on(rng, table));
        }
        if rng.chance(20) {
            schema.policies.push(policy_on(rng, table));
        }
    }
    for table in &mut schema.tables {
        if rng.chance(20) {
            table.row_level_security = true;
            table.force_row_level_security = rng.chance(50);
        }
        if rng.chance(20) {
            table.grants.push(Grant {
                grantee: "public".into(),
                privileges: random_privileges(rng),
            });
        }
        // A column privilege on a column the table keeps (not `id`'s peers that may go).
        if rng.chance(15) {
            if let Some(id) = table.columns.iter_mut().find(|c| c.name == "id") {
                id.grants.push(Grant {
                    grantee: "public".into(),
                    privileges: vec!["SELECT".into()],
                });
            }
        }
    }
}

/// Privileges on a type or function, relative to PostgreSQL's default (`privilege` for
/// PUBLIC): none changed, PUBLIC's taken away, or also given WITH GRANT OPTION to no one else.
fn default_grants(rng: &mut Rng, privilege: &str) -> Vec<model_core::schema::Grant> {
    if rng.chance(70) {
        return Vec::new();
    }
    vec![model_core::schema::Grant {
        grantee: "public".into(),
        privileges: vec![format!("-{privilege}")],
    }]
}

fn type_grants(rng: &mut Rng) -> Vec<model_core::schema::Grant> {
    default_grants(rng, "USAGE")
}

fn sql_function(rng: &mut Rng) -> Function {
    let returns = if rng.chance(50) { "integer" } else { "bigint" };
    let body = format!("SELECT x + {}", 1 + rng.below(3));
    Function {
        name: public("f0"),
        arguments: "x integer".into(),
        types: "integer".into(),
        returns: String::new(),
        definition: format!("CREATE FUNCTION public.f0(x integer) RETURNS {returns} LANGUAGE sql IMMUTABLE AS $$ {body} $$"),
        procedure: false,
        grants: default_grants(rng, "EXECUTE"),
    }
}

fn trigger_function() -> Function {
    Function {
        name: public("touch"),
        arguments: String::new(),
        types: String::new(),
        returns: String::new(),
        definition: "CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$".into(),
        procedure: false,
        grants: Vec::new(),
    }
}

fn random_view(rng: &mut Rng, name: &str, source: &TableName) -> View {
    let filter = if rng.chance(50) {
        format!(" WHERE id > {}", rng.below(10))
    } else {
        String::new()
    };
    let columns = if rng.chance(30) {
        "id, id * 2 AS twice"
    } else {
        "id"
    };
    let materialized = rng.chance(25);
    View {
        name: public(name),
        definition: format!(
            "SELECT {columns} FROM {}{filter}",
            render::qualified(source)
        ),
        materialized,
        columns: Vec::new(),
        indexes: Vec::new(),
        depends_on: Vec::new(),
        options: if !materialized && rng.chance(20) {
            vec!["security_barrier=true".into()]
        } else {
            Vec::new()
        },
        populated: !materialized || rng.chance(80),
        grants: if rng.chance(30) {
            vec![model_core::schema::Grant {
                grantee: "public".into(),
                privileges: vec!["SELECT".into()],
            }]
        } else {
            Vec::new()
        },
        column_grants: Vec::new(),
    }
}

fn trigger_on(rng: &mut Rng, table: &TableName) -> Trigger {
    let events = if rng.chance(50) {
        "INSERT"
    } else {
        "INSERT OR UPDATE"
    };
    Trigger {
        name: format!("{}_touch", table.name),
        table: table.clone(),
        definition: format!(
            "CREATE TRIGGER {} BEFORE {events} ON {} FOR EACH ROW EXECUTE FUNCTION public.touch()",
            quote_ident(&format!("{}_touch", table.name)),
            render::qualified(table)
        ),
        function: public("touch"),
        enabled: if rng.chance(20) {
            model_core::schema::TriggerEnabled::Disabled
        } else {
            Default::default()
        },
    }
}

fn policy_on(rng: &mut Rng, table: &TableName) -> Policy {
    Policy {
        name: format!("{}_policy", table.name),
        table: table.clone(),
        permissive: rng.chance(70),
        command: rng.pick(&["ALL", "SELECT", "UPDATE"]).to_string(),
        roles: vec!["public".into()],
        using: Some(format!("(id > {})", rng.below(5))),
        with_check: None,
    }
}

fn random_privileges(rng: &mut Rng) -> Vec<String> {
    let mut out: Vec<String> = ["SELECT", "INSERT", "UPDATE", "DELETE"]
        .iter()
        .filter(|_| rng.chance(50))
        .map(|p| p.to_string())
        .collect();
    if out.is_empty() {
        out.push("SELECT".into());
    }
    out.sort();
    out
}

/// Changes to the objects: a new function body or result type, views added, dropped or
/// rewritten, triggers and policies toggled, RLS and grants changed.
fn mutate_objects(rng: &mut Rng, schema: &mut Schema) {
    let tables: Vec<TableName> = schema.tables.iter().map(|t| t.name.clone()).collect();
    match rng.below(6) {
        0 => {
            schema.functions.retain(|f| f.name.name != "f0");
            if rng.chance(70) {
                schema.functions.push(sql_function(rng));
            }
        }
        1 if !tables.is_empty() => {
            if let Some(i) = (!schema.views.is_empty()).then(|| rng.below(schema.views.len())) {
                let name = schema.views[i].name.name.clone();
                if rng.chance(50) {
                    schema.views.remove(i);
                } else {
                    let source = rng.pick(&tables).clone();
                    schema.views[i] = random_view(rng, &name, &source);
                }
            } else {
                let source = rng.pick(&tables).clone();
                schema.views.push(random_view(rng, "v0", &source));
            }
        }
        2 if !tables.is_empty() => {
            let table = rng.pick(&tables).clone();
            if schema.triggers.iter().any(|t| t.table == table) {
                schema.triggers.retain(|t| t.table != table);
            } else {
                if !schema.functions.iter().any(|f| f.name.name == "touch") {
                    schema.functions.push(trigger_function());
                }
                schema.triggers.push(trigger_on(rng, &table));
            }
        }
        3 if !tables.is_empty() => {
            let table = rng.pick(&tables).clone();
            if schema.policies.iter().any(|p| p.table == table) {
                schema.policies.retain(|p| p.table != table);
            } else {
                schema.policies.push(policy_on(rng, &table));
            }
        }
        4 if !schema.tables.is_empty() => {
            let i = rng.below(schema.tables.len());
            let table = &mut schema.tables[i];
            if rng.chance(50) {
                table.row_level_security = !table.row_level_security;
                table.force_row_level_security = table.row_level_security && rng.chance(50);
            } else if table.grants.is_empty() {
                table.grants.push(Grant {
                    grantee: "public".into(),
                    privileges: random_privileges(rng),
                });
            } else {
                table.grants.clear();
            }
        }
        _ => {
            if schema.extensions.is_empty() {
                schema.extensions.push(Extension {
                    name: "citext".into(),
                    schema: "public".into(),
                    version: String::new(),
                    relocatable: true,
                });
            } else {
                schema.extensions.clear();
            }
        }
    }
}

/// Whether the table is the partitioned table `p0` or one of its partitions, whose shape the
/// generator fixes (PostgreSQL takes a partition's columns from its parent).
fn partitioned_family(table: &Table) -> bool {
    table.name.name == "p0" || table.name.name.starts_with("p0_")
}

/// `p0`, partitioned by range on `at`, with some of its partitions and maybe an index on the
/// parent (which its partitions then get too).
fn partitioned(rng: &mut Rng, schema: &mut Schema) {
    let column = |name: &str, ty: &'static str, nullable: bool| {
        let mut c = Column::new(name, SqlType::from_static(ty));
        c.nullable = nullable;
        c
    };
    let columns = vec![
        column("id", "integer", false),
        column("at", "date", false),
        column("note", "text", true),
    ];
    let mut parent = Table::new(public("p0"));
    parent.columns = columns.clone();
    parent.partition_by = Some("RANGE (at)".into());
    parent.primary_key = Some(PrimaryKey {
        without_overlaps: false,
        name: "p0_pkey".into(),
        columns: vec!["id".into(), "at".into()],
        timing: Default::default(),
    });
    if rng.chance(50) {
        parent.indexes.push(Index {
            name: "p0_note".into(),
            keys: vec![IndexKey::column("note")],
            include: Vec::new(),
            unique: false,
            nulls_not_distinct: false,
            method: "btree".into(),
            predicate: None,
            invalid: false,
            on_only: false,
            options: Vec::new(),
            attached_to: None,
        });
    }
    schema.tables.push(parent);
    let upper = if rng.chance(50) {
        "2025-01-01"
    } else {
        "2025-07-01"
    };
    let bounds = [
        (
            "p0_a",
            format!("FOR VALUES FROM ('2024-01-01') TO ('{upper}')"),
        ),
        (
            "p0_b",
            "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')".to_string(),
        ),
        ("p0_rest", "DEFAULT".to_string()),
    ];
    for (i, (name, bound)) in bounds.into_iter().enumerate() {
        if i == 0 || rng.chance(50) {
            let mut partition = Table::new(public(name));
            partition.columns = columns.clone();
            partition.partition_of = Some(model_core::schema::PartitionOf {
                parent: public("p0"),
                bound,
            });
            schema.tables.push(partition);
        }
    }
}

fn inheritance_family(table: &Table) -> bool {
    table.name.name == "base0" || table.name.name == "kid0"
}

/// `base0` and `kid0 INHERITS (base0)`: the parent's columns (some of them optional) and
/// maybe a check, which the child inherits; the child's own column. Whether `kid0` inherits
/// stays as it is across a pair (PostgreSQL cannot make a column inherited-only again).
fn inheritance(rng: &mut Rng, schema: &mut Schema) {
    let mut parent = Table::new(public("base0"));
    parent
        .columns
        .push(Column::new("id", SqlType::from_static("bigint")));
    if rng.chance(60) {
        let mut note = Column::new("note", SqlType::from_static("text"));
        note.nullable = true;
        note.default = rng.chance(50).then(|| "'none'::text".to_string());
        parent.columns.push(note);
    }
    if rng.chance(50) {
        parent.checks.push(model_core::schema::CheckConstraint {
            not_enforced: false,
            name: "base0_id_check".into(),
            expression: format!("(id > {})", rng.below(3)),
            not_valid: false,
            no_inherit: false,
        });
    }
    let mut kid = Table::new(public("kid0"));
    let mut extra = Column::new(
        "extra",
        SqlType::from_static(if rng.chance(50) { "integer" } else { "bigint" }),
    );
    extra.nullable = true;
    kid.columns.push(extra);
    kid.inherits = vec![public("base0")];
    if rng.chance(40) {
        kid.checks.push(model_core::schema::CheckConstraint {
            not_enforced: false,
            name: "kid0_extra_check".into(),
            expression: "(extra <> 0)".into(),
            not_valid: false,
            no_inherit: rng.chance(50),
        });
    }
    schema.tables.push(parent);
    schema.tables.push(kid);
}

/// A few random changes to `schema`. A name that goes away is not used again in the same
/// round: a table dropped and created again under its name with other columns is, to any
/// diff, the same table altered, with type changes PostgreSQL may have no cast for.
fn mutate(rng: &mut Rng, schema: &mut Schema) {
    let original = schema.clone();
    // Partitions come, go, or change bound; the partitioned table gains or loses an index.
    if rng.chance(25) {
        let had = schema.tables.iter().any(|t| t.name.name == "p0");
        schema.tables.retain(|t| !partitioned_family(t));
        if !had || rng.chance(80) {
            partitioned(rng, schema);
        }
    }
    // A sequence is handed to a column (as a serial column's is), or let go.
    if rng.chance(12) {
        let owner = schema
            .tables
            .iter()
            .find(|t| t.name.schema == "public" && t.partition_of.is_none())
            .map(|t| t.name.clone());
        if let Some(s) = schema.sequences.first_mut() {
            s.owned_by = match (&s.owned_by, owner) {
                (None, Some(table)) => Some(model_core::schema::ColumnRef {
                    table,
                    column: "id".into(),
                }),
                _ => None,
            };
        }
    }
    // An enum's privileges change.
    if rng.chance(10) {
        if let Some(e) = schema.enums.first_mut() {
            e.grants = if e.grants.is_empty() {
                type_grants(rng)
            } else {
                Vec::new()
            };
        }
    }
    // The inheritance family goes, comes, or changes its columns and checks.
    if rng.chance(20) {
        let had = schema.tables.iter().any(|t| t.name.name == "base0");
        schema.tables.retain(|t| !inheritance_family(t));
        if !had || rng.chance(80) {
            inheritance(rng, schema);
        }
    }
    // The collation comes or goes.
    if rng.chance(15) {
        match schema.types.iter().position(|t| t.name == "public.c0") {
            Some(i) => {
                schema.types.remove(i);
            }
            None => schema.types.push(collation()),
        }
    }
    // The domain columns use changes in place.
    if rng.chance(20) {
        if let Some(i) = schema.types.iter().position(|t| t.name == "public.d1") {
            schema.types[i] = used_domain(rng);
        }
    }
    // Types kept as statements: one appears, goes, or changes.
    if rng.chance(15) {
        match schema.types.iter().position(|t| t.name == "public.d0") {
            Some(i) if rng.chance(50) => {
                schema.types.remove(i);
            }
            Some(i) => {
                schema.types[i].create = "CREATE DOMAIN public.d0 AS bigint".into();
            }
            None => schema.types.push(model_core::schema::Other {
                kind: OtherKind::Domain,
                name: "public.d0".into(),
                create: "CREATE DOMAIN public.d0 AS integer NOT NULL".into(),
                drop: "DROP DOMAIN public.d0".into(),
                in_place: Default::default(),
                grants: Vec::new(),
            }),
        }
    }
    for _ in 0..1 + rng.below(4) {
        let choice = rng.below(16);
        if choice >= 14 {
            mutate_objects(rng, schema);
            continue;
        }
        match choice {
            0 => {
                let free: Vec<&&str> = TABLES
                    .iter()
                    .filter(|t| {
                        schema
                            .tables
                            .iter()
                            .chain(&original.tables)
                            .all(|x| x.name.name != **t)
                    })
                    .collect();
                if !free.is_empty() {
                    let name = **rng.pick(&free);
                    let table = random_table(rng, name, schema);
                    schema.tables.push(table);
                }
            }
            1 if !schema.tables.is_empty() => {
                let i = rng.below(schema.tables.len());
                schema.tables.remove(i);
            }
            2 => match rng.below(4) {
                0 => {
                    let free: Vec<&&str> = LABELS.iter().collect();
                    let name = if schema.enum_type(&public("e0")).is_some() {
                        "e1"
                    } else {
                        "e0"
                    };
                    if schema.enum_type(&public(name)).is_none() {
                        let _ = free;
                        schema.enums.push(random_enum(rng, name));
                    }
                }
                1 if !schema.enums.is_empty() => {
                    let i = rng.below(schema.enums.len());
                    schema.enums.remove(i);
                }
                _ if !schema.enums.is_empty() => {
                    let i = rng.below(schema.enums.len());
                    let e = &mut schema.enums[i];
                    match rng.below(3) {
                        0 => {
                            let missing: Vec<&&str> = LABELS
                                .iter()
                                .filter(|l| !e.labels.iter().any(|x| x == **l))
                                .collect();
                            if !missing.is_empty() {
                                let label = rng.pick(&missing).to_string();
                                let at = rng.below(e.labels.len() + 1);
                                e.labels.insert(at, label);
                            }
                        }
                        1 if e.labels.len() > 1 => {
                            let at = rng.below(e.labels.len());
                            e.labels.remove(at);
                        }
                        _ => e.labels.reverse(),
                    }
                }
                _ => {}
            },
            3 => match rng.below(3) {
                0 => {
                    let name = if schema.sequences.iter().any(|s| s.name.name == "s0") {
                        "s1"
                    } else {
                        "s0"
                    };
                    if !schema.sequences.iter().any(|s| s.name.name == name) {
                        schema.sequences.push(random_sequence(rng, name));
                    }
                }
                1 if !schema.sequences.is_empty() => {
                    let i = rng.below(schema.sequences.len());
                    schema.sequences.remove(i);
                }
                _ if !schema.sequences.is_empty() => {
                    let i = rng.below(schema.sequences.len());
                    let s = &mut schema.sequences[i];
                    s.increment += 1;
                    s.cycle = !s.cycle;
                    s.cache = if s.cache == 1 { 10 } else { 1 };
                }
                _ => {}
            },
            _ if !schema.tables.is_empty() => {
                let i = rng.below(schema.tables.len());
                if partitioned_family(&schema.tables[i]) {
                    // Its shape is fixed; the partitions change below.
                    continue;
                }
                let snapshot = schema.clone();
                let before = original.table(&schema.tables[i].name).cloned();
                mutate_table(
                    rng,
                    &mut schema.tables[i],
                    &snapshot,
                    before.as_ref(),
                    choice,
                );
            }
            _ => {}
        }
    }
    postgres_18(rng, schema);
    repair(schema);
}

fn mutate_table(
    rng: &mut Rng,
    table: &mut Table,
    schema: &Schema,
    before: Option<&Table>,
    choice: usize,
) {
    let editable: Vec<usize> = (0..table.columns.len())
        .filter(|&i| table.columns[i].name != "id" && table.columns[i].generated.is_none())
        .collect();
    match choice {
        4 => {
            let free: Vec<&&str> = COLUMNS
                .iter()
                .filter(|c| {
                    table.column(c).is_none() && before.is_none_or(|b| b.column(c).is_none())
                })
                .collect();
            if !free.is_empty() {
                let name = **rng.pick(&free);
                table.columns.push(random_column(rng, name, schema));
            }
        }
        5 if !editable.is_empty() => {
            table.columns.remove(*rng.pick(&editable));
        }
        6 if !editable.is_empty() => {
            let column = &mut table.columns[*rng.pick(&editable)];
            let ty = random_type(rng, schema);
            if !castable(&column.ty, &ty) {
                return;
            }
            column.ty = ty;
            column.default = if rng.chance(30) {
                default_for(&column.ty)
            } else {
                None
            };
        }
        7 if !editable.is_empty() => {
            let column = &mut table.columns[*rng.pick(&editable)];
            match rng.below(4) {
                0 => column.nullable = !column.nullable,
                1 => {
                    column.default = if column.default.is_some() {
                        None
                    } else {
                        default_for(&column.ty)
                    }
                }
                2 => {
                    column.comment = if column.comment.is_some() {
                        None
                    } else {
                        Some(rng.pick(COMMENTS).to_string())
                    }
                }
                _ => {
                    column.collation = if column.collation.is_some() {
                        None
                    } else {
                        Some("\"C\"".into())
                    }
                }
            }
        }
        8 => {
            let id = &mut table.columns[0];
            id.identity = match &id.identity {
                Some(_) if rng.chance(50) => None,
                _ => Some(random_identity(rng)),
            };
        }
        9 => {
            table.primary_key = match table.primary_key {
                Some(_) => None,
                None => Some(PrimaryKey {
                    without_overlaps: false,
                    name: format!("{}_pkey", table.name.name),
                    columns: vec!["id".into()],
                    timing: Default::default(),
                }),
            };
        }
        10 => {
            table.uniques.clear();
            table.checks.clear();
            table.indexes.clear();
            table.exclusions.clear();
            decorate(rng, table);
        }
        11 => {
            if !table.foreign_keys.is_empty() && rng.chance(50) {
                let i = rng.below(table.foreign_keys.len());
                let fk = &mut table.foreign_keys[i];
                fk.on_delete = if fk.on_delete == FkAction::Cascade {
                    FkAction::Restrict
                } else {
                    FkAction::Cascade
                };
                fk.deferrable = !fk.deferrable;
                fk.initially_deferred = false;
            } else if !schema.tables.is_empty() {
                let target = rng.pick(&schema.tables).clone();
                if partitioned_family(&target) {
                    return;
                }
                add_foreign_key(rng, table, &target);
            }
        }
        12 if rng.chance(40) => {
            // Validity alone: VALIDATE CONSTRAINT one way, re-added NOT VALID the other.
            if let Some(check) = table.checks.first_mut() {
                check.not_valid = !check.not_valid;
            } else if let Some(fk) = table.foreign_keys.first_mut() {
                fk.not_valid = !fk.not_valid;
            }
        }
        12 => {
            table.comment = if table.comment.is_some() {
                None
            } else {
                Some(rng.pick(COMMENTS).to_string())
            }
        }
        _ => {
            if let Some(g) = table.columns.iter_mut().find(|c| c.generated.is_some()) {
                g.generated = Some(format!("id * {}", 5 + rng.below(3)));
            }
        }
    }
}

/// Whether PostgreSQL has a cast from `from` to `to` (a type change with no cast at all, such
/// as `date` to `boolean`, fails in any tool; the generator does not ask for one).
fn castable(from: &SqlType, to: &SqlType) -> bool {
    let stringy = |t: &SqlType| is_text(t) || t.as_str() == "text";
    let numeric = |t: &SqlType| is_integer(t) || t.as_str() == "numeric(10,2)";
    let pair = |a: &str, b: &str| {
        (from.as_str() == a && to.as_str() == b) || (from.as_str() == b && to.as_str() == a)
    };
    stringy(from)
        || stringy(to)
        || (numeric(from) && numeric(to))
        || pair("boolean", "integer")
        || pair("date", "timestamp with time zone")
}

/// Makes a description valid for PostgreSQL after random changes: drops what points at
/// something gone, and what no longer fits a changed type.
fn repair(schema: &mut Schema) {
    // A partition goes with its partitioned table.
    let names: Vec<TableName> = schema.tables.iter().map(|t| t.name.clone()).collect();
    schema.tables.retain(|t| {
        t.partition_of
            .as_ref()
            .is_none_or(|p| names.contains(&p.parent))
            && t.inherits.iter().all(|p| names.contains(p))
    });
    let relations: Vec<TableName> = schema.tables.iter().map(|t| t.name.clone()).collect();
    // A view reads a table or v0; it goes when what it reads goes, in declaration order.
    let mut kept: Vec<View> = Vec::new();
    for view in schema.views.drain(..) {
        let reads_ok = relations
            .iter()
            .chain(kept.iter().map(|v| &v.name))
            .any(|r| {
                view.definition
                    .contains(&format!("FROM {}", render::qualified(r)))
            });
        if reads_ok {
            kept.push(view);
        }
    }
    // A materialized view another one reads must hold rows (PostgreSQL refuses to read an
    // unpopulated one when creating the other).
    let read: Vec<String> = kept.iter().map(|v| v.definition.clone()).collect();
    for view in &mut kept {
        let from = format!("FROM {}", render::qualified(&view.name));
        if read.iter().any(|d| d.contains(&from)) {
            view.populated = true;
        }
    }
    schema.views = kept;
    for s in &mut schema.sequences {
        if s.owned_by
            .as_ref()
            .is_some_and(|o| !relations.contains(&o.table))
        {
            s.owned_by = None;
        }
    }
    schema.triggers.retain(|t| relations.contains(&t.table));
    schema.policies.retain(|p| relations.contains(&p.table));
    if schema.triggers.is_empty() && !schema.functions.iter().any(|f| f.name.name == "touch") {
        // nothing to keep
    } else if !schema.functions.iter().any(|f| f.name.name == "touch") {
        schema.functions.push(trigger_function());
    }
    let enum_names: Vec<String> = schema
        .enums
        .iter()
        .map(|e| render::qualified(&e.name))
        .collect();
    let keys: Vec<(TableName, SqlType)> = schema
        .tables
        .iter()
        .filter(|t| {
            t.primary_key
                .as_ref()
                .is_some_and(|pk| pk.columns == ["id"])
        })
        .filter_map(|t| t.column("id").map(|c| (t.name.clone(), c.ty.clone())))
        .collect();
    for table in &mut schema.tables {
        for column in &mut table.columns {
            let base = column.ty.as_str().trim_end_matches("[]").to_string();
            if base.starts_with("public.") && !enum_names.contains(&base) {
                column.ty = SqlType::from_static("text");
                column.default = None;
            }
            if !is_text(&column.ty) {
                column.collation = None;
            }
            if column.default.is_some() && column.default != default_for(&column.ty) {
                column.default = default_for(&column.ty);
            }
        }
        let columns = table.columns.clone();
        let find = |name: &str| columns.iter().find(|c| c.name == name);
        table.foreign_keys.retain(|fk| {
            let own = find(&fk.columns[0]);
            keys.iter()
                .any(|(t, ty)| t == &fk.references && own.is_some_and(|c| &c.ty == ty))
                && (fk.on_delete != FkAction::SetNull || own.is_some_and(|c| c.nullable))
        });
        table
            .uniques
            .retain(|u| u.columns.iter().all(|c| find(c).is_some()));
        table.checks.retain(|ck| {
            columns.iter().any(|c| {
                is_integer(&c.ty) && ck.expression == format!("{} > 0", quote_ident(&c.name))
            })
        });
        table.indexes.retain(|i| match &i.keys[0].expr {
            IndexExpr::Column(c) => find(c).is_some(),
            IndexExpr::Expression(e) => columns
                .iter()
                .any(|c| is_text(&c.ty) && *e == format!("lower({})", quote_ident(&c.name))),
        });
        table.indexes.retain(|i| match &i.predicate {
            Some(p) => columns
                .iter()
                .any(|c| *p == format!("({} IS NOT NULL)", quote_ident(&c.name))),
            None => true,
        });
    }
}

fn pairs() -> Vec<u64> {
    if let Some(seed) = std::env::var("MODEL_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return vec![seed];
    }
    let count = std::env::var("MODEL_PROPTEST_PAIRS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    (0..count).collect()
}

/// The variant name of an operation (`AddColumn`), for the coverage check.
fn kind(op: &model_core::diff::Op) -> String {
    use model_core::kinds::{Commented, Constraint, Setting, TableOption};
    // `AddCheck`, `CreateIndex`, `SetConstraintValid`: as the operations were called before
    // indexes and constraints had rooms.
    if let model_core::diff::Op::Kind(KindChange::TableConstraint(change)) = op {
        let what = match &change.subject().constraint {
            Constraint::PrimaryKey(_) => "PrimaryKey",
            Constraint::ForeignKey(_) => "ForeignKey",
            Constraint::Unique(_) => "Unique",
            Constraint::Check(_) => "Check",
            Constraint::Exclusion(_) => "Exclusion",
        };
        return match change {
            Change::Create(_) => format!("Add{what}"),
            Change::Drop(_) => format!("Drop{what}"),
            Change::Alter { .. } => "SetConstraintValid".to_string(),
        };
    }
    if let model_core::diff::Op::Kind(KindChange::TableIndex(change)) = op {
        return format!("{}Index", change.verb());
    }
    if let model_core::diff::Op::Kind(KindChange::WholeTable(change)) = op {
        return format!("{}Table", change.verb());
    }
    if let model_core::diff::Op::Kind(KindChange::Namespace(change)) = op {
        return format!("{}Schema", change.verb());
    }
    if let model_core::diff::Op::Kind(KindChange::SequenceOwner(_)) = op {
        return "SetSequenceOwner".to_string();
    }
    if let model_core::diff::Op::Kind(KindChange::TableSetting(change)) = op {
        return match change.subject().setting {
            TableOption::RowLevelSecurity { .. } => "SetRowLevelSecurity",
            TableOption::Parameters { .. } => "SetOptions",
            TableOption::Unlogged(_) => "SetUnlogged",
            TableOption::ReplicaIdentity(_) => "SetReplicaIdentity",
            TableOption::PartitionOf(_) => "SetPartitionOf",
            TableOption::Inherits(_) => "SetInherits",
        }
        .to_string();
    }
    if let model_core::diff::Op::Kind(KindChange::TableColumn(change)) = op {
        return match change {
            Change::Drop(_) => "DropColumn",
            Change::Create(_) | Change::Alter { .. } => "AddColumn",
        }
        .to_string();
    }
    if let model_core::diff::Op::Kind(KindChange::ColumnSetting(Change::Alter { from, to })) = op {
        return match (&from.setting, &to.setting) {
            (_, Setting::Type(_)) => "AlterColumnType",
            (_, Setting::Nullable { .. }) => "SetNullable",
            (_, Setting::NotNull(_)) => "AlterNotNull",
            (_, Setting::Expression { .. }) => "SetGeneratedExpression",
            (_, Setting::Default(_)) => "SetDefault",
            (Setting::Identity(None), _) => "AddIdentity",
            (_, Setting::Identity(None)) => "DropIdentity",
            (_, Setting::Identity(_)) => "AlterIdentity",
            (_, Setting::Storage { .. }) => "SetColumnStorage",
            (_, Setting::Statistics(_)) => "SetColumnStatistics",
        }
        .to_string();
    }
    if let model_core::diff::Op::Kind(KindChange::Comment(change)) = op {
        // `SetTableComment`: which object's comment changed.
        return match change.subject().on {
            Commented::Schema(_) => "SetSchemaComment",
            Commented::Table(_) => "SetTableComment",
            Commented::Column(..) => "SetColumnComment",
            Commented::Object { .. } => "SetObjectComment",
        }
        .to_string();
    }
    if let model_core::diff::Op::Enum(change) = op {
        use model_core::kinds::EnumChange;
        return match change {
            EnumChange::Create(_) => "CreateEnum",
            EnumChange::Drop(_) => "DropEnum",
            EnumChange::AddValue { .. } => "AddEnumValue",
            EnumChange::Rebuild { .. } => "RebuildEnum",
        }
        .to_string();
    }
    if let model_core::diff::Op::Kind(change) = op {
        // `CreateSequence`, as the operation was called before kinds had rooms.
        let (kind, verb) = change.name();
        return format!("{verb}{kind}");
    }
    format!("{op:?}")
        .split([' ', '(', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A random schema A and a mutation of it, B, that PostgreSQL can reach from A.
fn random_pair(rng: &mut Rng) -> (Schema, Schema) {
    let a = random_schema(rng);
    let mut b = a.clone();
    mutate(rng, &mut b);
    // A type change PostgreSQL has no cast for fails in any tool; keep the old type there.
    for table in &mut b.tables {
        let Some(before) = a.table(&table.name) else {
            continue;
        };
        for column in &mut table.columns {
            if let Some(old) = before.column(&column.name) {
                if old.ty != column.ty && !castable(&old.ty, &column.ty) {
                    column.ty = old.ty.clone();
                    column.default = old.default.clone();
                    column.collation = old.collation.clone();
                }
            }
        }
    }
    repair(&mut b);
    (a, b)
}

fn run_pair(
    client: &mut postgres::Client,
    seed: u64,
    seen: &mut std::collections::BTreeSet<String>,
) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let (a, b) = random_pair(&mut rng);
    let (a_sql, b_sql) = (render::create_schema(&a), render::create_schema(&b));
    let a = schema_of(client, &a_sql, SCHEMAS).map_err(|e| format!("schema A is invalid: {e}"))?;
    let b = schema_of(client, &b_sql, SCHEMAS).map_err(|e| format!("schema B is invalid: {e}"))?;
    let plan = diff_for(&a, &b, crate::support::server_version());
    seen.extend(plan.upgrade.iter().chain(&plan.downgrade).map(kind));
    prove(client, &a_sql, &a, &b, &plan, SCHEMAS)
        .map_err(|e| format!("{e}\n-- schema A:\n{a_sql}\n-- schema B:\n{b_sql}"))
}

#[test]
fn applying_the_diff_reaches_the_target_and_the_downgrade_returns() {
    let seeds = pairs();
    let workers = 2;
    let (failures, seen): (Vec<String>, std::collections::BTreeSet<String>) =
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let mine: Vec<u64> = seeds.iter().copied().skip(w).step_by(workers).collect();
                    scope.spawn(move || {
                        let db = fresh_database();
                        let mut client = db.connect().unwrap();
                        let mut failures = Vec::new();
                        let mut seen = std::collections::BTreeSet::new();
                        for seed in mine {
                            if let Err(message) = run_pair(&mut client, seed, &mut seen) {
                                failures.push(format!(
                                    "seed {seed} (replay: MODEL_PROPTEST_SEED={seed}): {message}"
                                ));
                            }
                        }
                        (failures, seen)
                    })
                })
                .collect();
            let mut failures = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for handle in handles {
                let (f, s) = handle.join().unwrap();
                failures.extend(f);
                seen.extend(s);
            }
            (failures, seen)
        });
    eprintln!(
        "operation kinds exercised: {}",
        seen.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    if seeds.len() >= 200 {
        // Every kind of operation must have been proven at least once.
        let expected = [
            "CreateSchema",
            "DropSchema",
            "AddCheck",
            "AddColumn",
            "AddEnumValue",
            "AddExclusion",
            "AddForeignKey",
            "AddIdentity",
            "AddPrimaryKey",
            "AddUnique",
            "AlterColumnType",
            "AlterIdentity",
            "AlterSequence",
            "CreateEnum",
            "CreateIndex",
            "CreateSequence",
            "CreateTable",
            "DropCheck",
            "DropColumn",
            "DropEnum",
            "DropExclusion",
            "DropForeignKey",
            "DropIdentity",
            "DropIndex",
            "DropPrimaryKey",
            "DropSequence",
            "DropTable",
            "DropUnique",
            "RebuildEnum",
            "SetColumnComment",
            "SetConstraintValid",
            "SetSequenceOwner",
            "SetPartitionOf",
            "CreateOther",
            "DropOther",
            "SetDefault",
            "SetNullable",
            "SetTableComment",
        ];
        // What only newer servers plan.
        let major = crate::support::server_major();
        let newer = [(17, "SetGeneratedExpression"), (18, "AlterNotNull")];
        let missing: Vec<&str> = expected
            .iter()
            .copied()
            .chain(newer.iter().filter(|(v, _)| major >= *v).map(|(_, k)| *k))
            .filter(|k| !seen.contains(*k))
            .collect();
        assert!(
            missing.is_empty(),
            "the generator never produced: {missing:?}"
        );
    }
    for failure in &failures {
        eprintln!("{}", failure.lines().next().unwrap_or_default());
    }
    assert!(
        failures.is_empty(),
        "{} of {} pairs failed; first:\n{}",
        failures.len(),
        seeds.len(),
        failures.first().cloned().unwrap_or_default()
    );
}

/// Renames declared through hints, inside random pairs: B is renamed by PostgreSQL itself
/// (`ALTER … RENAME` on B's script), the diff from A is given the hints, and the plan must
/// reach B both ways without dropping a renamed table or column.
fn run_rename_pair(client: &mut postgres::Client, seed: u64) -> Result<usize, String> {
    use model_core::diff::{diff_with_renames_for, Op, Rename};
    let mut rng = Rng::new(seed ^ 0x5eed_7e4a);
    let (a, b) = random_pair(&mut rng);
    let plain = |t: &Table, s: &Schema| {
        t.partition_of.is_none()
            && t.partition_by.is_none()
            && t.inherits.is_empty()
            && !s.tables.iter().any(|c| c.inherits.contains(&t.name))
    };
    let mut statements = Vec::new();
    let mut hints = Vec::new();
    for table in &b.tables {
        let Some(before) = a.table(&table.name) else {
            continue;
        };
        if !plain(table, &b) || !plain(before, &a) {
            continue;
        }
        let new_table = if rng.chance(30) {
            TableName::new(table.name.schema.clone(), format!("{}_r", table.name.name))
        } else {
            table.name.clone()
        };
        for column in &table.columns {
            if before.column(&column.name).is_some() && rng.chance(30) {
                let to = format!("{}_r", column.name);
                statements.push(format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    render::qualified(&table.name),
                    quote_ident(&column.name),
                    quote_ident(&to)
                ));
                hints.push(Rename::Column {
                    table: new_table.clone(),
                    from: column.name.clone(),
                    to,
                });
            }
        }
        if new_table != table.name {
            statements.push(format!(
                "ALTER TABLE {} RENAME TO {}",
                render::qualified(&table.name),
                quote_ident(&new_table.name)
            ));
            hints.push(Rename::Table {
                from: table.name.clone(),
                to: new_table,
            });
        }
    }
    for e in &b.enums {
        let Some(before) = a.enums.iter().find(|x| x.name == e.name) else {
            continue;
        };
        if let Some(label) = e.labels.iter().find(|l| before.labels.contains(l)) {
            if rng.chance(30) {
                let to = format!("{label}_r");
                statements.push(format!(
                    "ALTER TYPE {} RENAME VALUE {} TO {}",
                    render::qualified(&e.name),
                    render::quote_literal(label),
                    render::quote_literal(&to)
                ));
                hints.push(Rename::EnumLabel {
                    enum_type: e.name.clone(),
                    from: label.clone(),
                    to,
                });
            }
        }
    }
    if hints.is_empty() {
        return Ok(0);
    }
    let a_sql = render::create_schema(&a);
    let b_sql = format!("{}\n{};", render::create_schema(&b), statements.join(";\n"));
    let a = schema_of(client, &a_sql, SCHEMAS).map_err(|e| format!("schema A is invalid: {e}"))?;
    let b = schema_of(client, &b_sql, SCHEMAS).map_err(|e| format!("schema B is invalid: {e}"))?;
    let (plan, report) = diff_with_renames_for(&a, &b, &hints, crate::support::server_version());
    let context = |e: String| {
        format!("{e}\n-- hints: {hints:?}\n-- schema A:\n{a_sql}\n-- schema B:\n{b_sql}")
    };
    if let Some(missing) = hints.iter().find(|h| !report.applied.contains(h)) {
        return Err(context(format!(
            "hint not applied: {missing:?} ({report:?})"
        )));
    }
    for op in &plan.upgrade {
        let dropped = match op {
            Op::Kind(KindChange::WholeTable(Change::Drop(x))) => hints
                .iter()
                .any(|h| matches!(h, Rename::Table { from, .. } if *from == x.table.name)),
            // A generated column whose expression changes is dropped and added: it holds
            // nothing of its own.
            Op::Kind(KindChange::TableColumn(Change::Drop(TableColumn { table, column, .. })))
                if column.generated.is_none() =>
            {
                hints.iter().any(|h| {
                    matches!(h, Rename::Column { table: t, to, .. } if t == table && *to == column.name)
                })
            }
            _ => false,
        };
        if dropped {
            return Err(context(format!(
                "a renamed object is dropped: {}",
                op.describe()
            )));
        }
    }
    prove(client, &a_sql, &a, &b, &plan, SCHEMAS).map_err(context)?;
    Ok(hints.len())
}

#[test]
fn declared_renames_in_random_pairs_never_drop_and_reach_the_target() {
    let seeds: Vec<u64> = pairs()
        .into_iter()
        .take(
            std::env::var("MODEL_PROPTEST_PAIRS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(60),
        )
        .collect();
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let mut failures = Vec::new();
    let mut renamed = 0;
    for seed in seeds {
        match run_rename_pair(&mut client, seed) {
            Ok(n) => renamed += n,
            Err(message) => failures.push(format!(
                "seed {seed} (replay: MODEL_PROPTEST_SEED={seed}): {message}"
            )),
        }
    }
    eprintln!("renames proven: {renamed}");
    assert!(renamed > 0, "no pair renamed anything");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
