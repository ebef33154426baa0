//! The schema description: the one data type every part of the system produces or consumes.
//!
//! Names are stored as PostgreSQL stores them (unquoted, case preserved); types are stored in the
//! canonical spelling of PostgreSQL's `format_type()`, so that two descriptions compare equal
//! exactly when the database would not tell them apart.

mod features;
mod naming;
mod rename;
mod slice;
mod sql_type;

use std::fmt;

pub use naming::{default_constraint_name, make_object_name, name_addition, NAMEDATALEN};
pub use rename::Rename;
pub use slice::relation_names;
pub use sql_type::{SqlType, TypeName};

/// `schema.name`, each part quoted where needed.
pub fn qualified(name: &TableName) -> String {
    crate::sql::qualified(&name.schema, &name.name)
}

/// The schema used when a model does not name one.
pub const DEFAULT_SCHEMA: &str = "public";

/// A whole database schema description: every table the models (or a live database) declare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    /// Schemas (namespaces) as objects of their own, with their comments: read from a
    /// database, every managed schema that exists. A description built from models leaves
    /// this empty: its schemas are those its objects live in, created when missing and never
    /// dropped.
    pub schemas: Vec<Namespace>,
    /// Tables in declaration order (introspection sorts them by name).
    pub tables: Vec<Table>,
    /// Enum types.
    pub enums: Vec<EnumType>,
    /// Standalone sequences (not the ones behind identity columns).
    pub sequences: Vec<Sequence>,
    /// Extensions.
    pub extensions: Vec<Extension>,
    /// Functions and procedures.
    pub functions: Vec<Function>,
    /// Views and materialized views.
    pub views: Vec<View>,
    /// Triggers.
    pub triggers: Vec<Trigger>,
    /// Row-level security policies.
    pub policies: Vec<Policy>,
    /// Extended statistics objects (`CREATE STATISTICS`).
    pub statistics: Vec<Statistics>,
    /// Collations, composite types, domains and range types, kept as the statements that
    /// create and drop them (created before the tables that use them, dropped after).
    pub types: Vec<Other>,
    /// Rules, event triggers, publications and default privileges, kept as the statements
    /// that create and drop them.
    pub others: Vec<Other>,
    /// What a database holds that the engine does not model (read by introspection, never
    /// declared by models): the diff leaves these out, and commands name them.
    pub unmodelled: Vec<Unmodelled>,
    /// Who owns what, when read from a database (empty from models: ownership is then not
    /// compared).
    pub owners: Vec<Ownership>,
    /// Comments on the objects that carry none of their own (indexes, constraints, views,
    /// functions, types…), when read from a database: models declare none.
    pub comments: Vec<ObjectComment>,
}

/// A comment on an object other than a schema, table, table column or statistics object
/// (which carry their own): `COMMENT ON {kind} {identity} IS {text}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectComment {
    /// The kind as `COMMENT ON` names it (`INDEX`, `CONSTRAINT`, `COLUMN`, `FUNCTION`…).
    pub kind: String,
    /// The object as PostgreSQL identifies it, every name quoted as needed
    /// (`public.f(integer)`, `c on public.t`, `c ON DOMAIN public.d`, `public.v.a`).
    pub identity: String,
    /// The comment.
    pub text: String,
}

/// An object kept as the statements PostgreSQL's own deparsers give for it: compared by
/// kind, name and statement; a changed one is dropped and created again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Other {
    /// Which kind of object.
    pub kind: OtherKind,
    /// Which one, as PostgreSQL would spell it (`log_it on public.orders`).
    pub name: String,
    /// The statement(s) that create it.
    pub create: String,
    /// The statement that drops it.
    pub drop: String,
    /// What can change in place (a domain's, a composite type's, a foreign object's), read
    /// from catalog columns of its own; [`InPlace::Nothing`] for the other kinds, and for a
    /// type the models declare until it is read back from a copy.
    pub in_place: InPlace,
    /// Privileges on a type, relative to PostgreSQL's default (see [`Grant`]).
    pub grants: Vec<Grant>,
}

/// What of an [`Other`] changes in place, by kind. Names are quoted as PostgreSQL quotes
/// them; types and expressions are its deparsers'.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum InPlace {
    /// Nothing: any change drops and creates it again.
    #[default]
    Nothing,
    /// A domain: `ALTER DOMAIN` changes all but the base type.
    Domain(Domain),
    /// A composite type: `ALTER TYPE … ADD / DROP / ALTER ATTRIBUTE`.
    Composite(Composite),
    /// A foreign-data wrapper, server or foreign table: `ALTER … OPTIONS`, and a server's
    /// `VERSION`.
    Foreign(Foreign),
}

/// A domain's parts (see [`InPlace::Domain`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Domain {
    /// The base type, with its collation when it is not the base type's.
    pub base: String,
    /// The default expression.
    pub default: Option<String>,
    /// `NOT NULL`.
    pub not_null: bool,
    /// The CHECK constraints, by name.
    pub checks: Vec<DomainCheck>,
}

/// A domain's CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCheck {
    /// Its name, quoted where needed.
    pub name: String,
    /// `CHECK (…)`, with ` NOT VALID` when not validated.
    pub definition: String,
}

/// A composite type's attributes, in order (see [`InPlace::Composite`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Composite {
    /// The attributes.
    pub attributes: Vec<Attribute>,
}

/// A composite type's attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Its name, quoted where needed.
    pub name: String,
    /// Its type, with a collation when it is not the type's.
    pub ty: String,
}

/// A foreign object's parts (see [`InPlace::Foreign`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Foreign {
    /// What `ALTER` cannot change (the handler and validator, a server's wrapper and type, a
    /// foreign table's server and columns), compared whole: a change rebuilds it.
    pub fixed: Vec<String>,
    /// A server's version (a literal).
    pub version: Option<String>,
    /// The options, by name.
    pub options: Vec<OptionValue>,
}

/// A foreign object's option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionValue {
    /// The option's name, quoted where needed.
    pub name: String,
    /// Its value, as a literal.
    pub value: String,
}

/// The kinds kept as [`Other`]: a closed set, each named as the catalog query names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OtherKind {
    Collation,
    CompositeType,
    Domain,
    RangeType,
    Aggregate,
    Rule,
    EventTrigger,
    Publication,
    DefaultPrivileges,
    ForeignDataWrapper,
    ForeignServer,
    ForeignTable,
}

impl OtherKind {
    /// Every kind.
    pub const ALL: [OtherKind; 12] = [
        OtherKind::Collation,
        OtherKind::CompositeType,
        OtherKind::Domain,
        OtherKind::RangeType,
        OtherKind::Aggregate,
        OtherKind::Rule,
        OtherKind::EventTrigger,
        OtherKind::Publication,
        OtherKind::DefaultPrivileges,
        OtherKind::ForeignDataWrapper,
        OtherKind::ForeignServer,
        OtherKind::ForeignTable,
    ];

    /// The kind's name in words (`composite type`), as messages and the catalog queries say it.
    pub fn as_str(self) -> &'static str {
        match self {
            OtherKind::Collation => "collation",
            OtherKind::CompositeType => "composite type",
            OtherKind::Domain => "domain",
            OtherKind::RangeType => "range type",
            OtherKind::Aggregate => "aggregate",
            OtherKind::Rule => "rule",
            OtherKind::EventTrigger => "event trigger",
            OtherKind::Publication => "publication",
            OtherKind::DefaultPrivileges => "default privileges",
            OtherKind::ForeignDataWrapper => "foreign-data wrapper",
            OtherKind::ForeignServer => "foreign server",
            OtherKind::ForeignTable => "foreign table",
        }
    }

    /// The kind named `name` ([`Self::as_str`]'s words), if it is one.
    pub fn from_name(name: &str) -> Option<OtherKind> {
        OtherKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// A composite, domain or range type: a type columns may have, with privileges of its own.
    pub fn is_data_type(self) -> bool {
        matches!(
            self,
            OtherKind::CompositeType | OtherKind::Domain | OtherKind::RangeType
        )
    }

    /// A foreign-data wrapper, server or table: options (and a server's version) change in
    /// place.
    pub fn is_foreign(self) -> bool {
        matches!(
            self,
            OtherKind::ForeignDataWrapper | OtherKind::ForeignServer | OtherKind::ForeignTable
        )
    }
}

impl fmt::Display for OtherKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Other {
    /// A composite, domain or range type: a type columns may have, with privileges of its
    /// own (not a collation, a foreign-data object, a rule and the like).
    pub fn is_data_type(&self) -> bool {
        self.kind.is_data_type()
    }

    /// Equal but for privileges.
    pub fn same_but_privileges(&self, other: &Other) -> bool {
        self.kind == other.kind
            && self.name == other.name
            && self.create == other.create
            && self.drop == other.drop
            && self.in_place == other.in_place
    }

    /// A composite type's attributes (none for other kinds).
    pub fn attributes(&self) -> &[Attribute] {
        match &self.in_place {
            InPlace::Composite(c) => &c.attributes,
            _ => &[],
        }
    }
}

/// `"a.b"."c d"` → (`"a.b"`, `"c d"`): a qualified name as `format('%I.%I')` writes it, split
/// at the dot between its parts.
pub(crate) fn split_qualified(text: &str) -> (&str, &str) {
    let bytes = text.as_bytes();
    let mut quoted = false;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'.' if !quoted => return (&text[..i], &text[i + 1..]),
            _ => {}
        }
    }
    ("", text)
}

/// Who owns an object (read from a database; descriptions made from models say nothing, and
/// then no ownership is compared).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ownership {
    /// The object's kind.
    pub kind: OwnedKind,
    /// Its name as SQL writes it (`public."Orders"`, `public.f(integer)`).
    pub name: String,
    /// The owning role.
    pub owner: String,
}

/// The kinds of object whose owner is compared: a closed set, each spelt as `ALTER … OWNER TO`
/// and the catalog query spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OwnedKind {
    Table,
    View,
    MaterializedView,
    Sequence,
    ForeignTable,
    Function,
    Procedure,
    Aggregate,
    Domain,
    Type,
    Schema,
    EventTrigger,
    Publication,
}

impl OwnedKind {
    /// Every kind.
    pub const ALL: [OwnedKind; 13] = [
        OwnedKind::Table,
        OwnedKind::View,
        OwnedKind::MaterializedView,
        OwnedKind::Sequence,
        OwnedKind::ForeignTable,
        OwnedKind::Function,
        OwnedKind::Procedure,
        OwnedKind::Aggregate,
        OwnedKind::Domain,
        OwnedKind::Type,
        OwnedKind::Schema,
        OwnedKind::EventTrigger,
        OwnedKind::Publication,
    ];

    /// As `ALTER … OWNER TO` spells it (`MATERIALIZED VIEW`).
    pub fn sql(self) -> &'static str {
        match self {
            OwnedKind::Table => "TABLE",
            OwnedKind::View => "VIEW",
            OwnedKind::MaterializedView => "MATERIALIZED VIEW",
            OwnedKind::Sequence => "SEQUENCE",
            OwnedKind::ForeignTable => "FOREIGN TABLE",
            OwnedKind::Function => "FUNCTION",
            OwnedKind::Procedure => "PROCEDURE",
            OwnedKind::Aggregate => "AGGREGATE",
            OwnedKind::Domain => "DOMAIN",
            OwnedKind::Type => "TYPE",
            OwnedKind::Schema => "SCHEMA",
            OwnedKind::EventTrigger => "EVENT TRIGGER",
            OwnedKind::Publication => "PUBLICATION",
        }
    }

    /// The kind spelt `text` ([`Self::sql`]), if it is one.
    pub fn from_sql(text: &str) -> Option<OwnedKind> {
        OwnedKind::ALL.into_iter().find(|k| k.sql() == text)
    }
}

/// A schema (namespace) as an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// Its name.
    pub name: String,
    /// `COMMENT ON SCHEMA`.
    pub comment: Option<String>,
    /// Privileges (`USAGE`, `CREATE`) beyond the owner's.
    pub grants: Vec<Grant>,
}

/// An object the engine does not model, by kind (`aggregate`, `rule`, `partitioned table`,
/// …) and name as PostgreSQL would spell it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unmodelled {
    /// What it is.
    pub kind: String,
    /// Which one.
    pub name: String,
}

impl fmt::Display for Unmodelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

impl Schema {
    /// The description read from several schemas (namespaces) at once, split into one per
    /// namespace of `namespaces`, in that order: each holds the objects that live in it.
    /// Objects of no namespace (extensions, event triggers, publications) are in every part.
    /// One introspection of a thousand tenant schemas, split, costs a constant number of
    /// catalog queries instead of a thousand times as many.
    pub fn split(&self, namespaces: &[String]) -> Vec<Schema> {
        use std::collections::HashMap;
        let index: HashMap<&str, usize> = namespaces
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let prefixes: Vec<String> = namespaces
            .iter()
            .map(|n| format!("{}.", crate::sql::quote_ident(n)))
            .collect();
        // Where a name printed as SQL lives: the first namespace it is qualified with.
        let of_text = |name: &str| -> Option<usize> {
            prefixes
                .iter()
                .position(|p| name.starts_with(p.as_str()) || name.contains(&format!(" {p}")))
        };
        let mut parts: Vec<Schema> = namespaces.iter().map(|_| Schema::default()).collect();
        fn each(parts: &mut [Schema], at: Option<usize>, mut put: impl FnMut(&mut Schema)) {
            match at {
                Some(i) => put(&mut parts[i]),
                None => parts.iter_mut().for_each(put),
            }
        }
        let at = |schema: &str| index.get(schema).copied();
        for n in &self.schemas {
            if let Some(i) = at(&n.name) {
                parts[i].schemas.push(n.clone());
            }
        }
        for t in &self.tables {
            if let Some(i) = at(&t.name.schema) {
                parts[i].tables.push(t.clone());
            }
        }
        for e in &self.enums {
            if let Some(i) = at(&e.name.schema) {
                parts[i].enums.push(e.clone());
            }
        }
        for q in &self.sequences {
            if let Some(i) = at(&q.name.schema) {
                parts[i].sequences.push(q.clone());
            }
        }
        for f in &self.functions {
            if let Some(i) = at(&f.name.schema) {
                parts[i].functions.push(f.clone());
            }
        }
        for v in &self.views {
            if let Some(i) = at(&v.name.schema) {
                parts[i].views.push(v.clone());
            }
        }
        for t in &self.triggers {
            if let Some(i) = at(&t.table.schema) {
                parts[i].triggers.push(t.clone());
            }
        }
        for p in &self.policies {
            if let Some(i) = at(&p.table.schema) {
                parts[i].policies.push(p.clone());
            }
        }
        for x in &self.statistics {
            if let Some(i) = at(&x.table.schema) {
                parts[i].statistics.push(x.clone());
            }
        }
        for x in &self.extensions {
            each(&mut parts, None, |s| s.extensions.push(x.clone()));
        }
        for o in &self.types {
            each(&mut parts, of_text(&o.name), |s| s.types.push(o.clone()));
        }
        for o in &self.others {
            each(&mut parts, of_text(&o.name), |s| s.others.push(o.clone()));
        }
        for u in &self.unmodelled {
            each(&mut parts, of_text(&u.name), |s| {
                s.unmodelled.push(u.clone())
            });
        }
        for o in &self.owners {
            let at = if o.kind == OwnedKind::Schema {
                namespaces
                    .iter()
                    .position(|n| crate::sql::quote_ident(n) == o.name)
            } else {
                of_text(&o.name)
            };
            each(&mut parts, at, |s| s.owners.push(o.clone()));
        }
        parts
    }

    /// The table with this qualified name, if any.
    pub fn table(&self, name: &TableName) -> Option<&Table> {
        self.tables.iter().find(|t| &t.name == name)
    }

    /// Every table by name: for looking many up ([`Schema::table`] reads the list each time).
    pub fn tables_by_name(&self) -> std::collections::HashMap<&TableName, &Table> {
        self.tables.iter().map(|t| (&t.name, t)).collect()
    }

    /// The enum type with this qualified name, if any.
    pub fn enum_type(&self, name: &TableName) -> Option<&EnumType> {
        self.enums.iter().find(|e| &e.name == name)
    }

    /// The schemas (namespaces) the objects live in, sorted and without duplicates.
    pub fn namespaces(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.tables.iter().map(|t| t.name.schema.as_str()).collect();
        out.extend(self.schemas.iter().map(|s| s.name.as_str()));
        out.extend(self.enums.iter().map(|e| e.name.schema.as_str()));
        out.extend(self.sequences.iter().map(|e| e.name.schema.as_str()));
        out.extend(self.functions.iter().map(|e| e.name.schema.as_str()));
        out.extend(self.views.iter().map(|e| e.name.schema.as_str()));
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A schema-qualified name of a table, type or sequence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableName {
    /// The namespace, `public` unless the model names another.
    pub schema: String,
    /// The table's own name.
    pub name: String,
}

impl TableName {
    /// A name in the given schema.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        TableName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// Parses `table` or `schema.table` as attribute values spell them: an unquoted part is
    /// taken exactly as written (no case folding), and a part in double quotes may hold dots
    /// (`"a.b"`, `sales."v.1"`; `""` inside is one `"`). An unquoted name is split at its
    /// first dot.
    pub fn parse(text: &str) -> TableName {
        let parts: Vec<String> = match model_revision::ident::quoted_parts(text, '.') {
            Some(parts) => parts.into_iter().map(|(_, value)| value).collect(),
            // An unclosed quote, or text after one: the name is the text as written.
            None => vec![text.to_string()],
        };
        match parts.as_slice() {
            [schema, rest @ ..] if !rest.is_empty() => TableName::new(schema, rest.join(".")),
            _ => TableName::new(DEFAULT_SCHEMA, parts.concat()),
        }
    }

    /// The spelling [`TableName::parse`] reads back as this name: `name` in `public`,
    /// `schema.name` elsewhere, each part in double quotes when it needs them
    /// ([`attribute_part`]).
    pub fn to_attribute(&self) -> String {
        let name = attribute_part(&self.name);
        if self.schema == DEFAULT_SCHEMA {
            name
        } else {
            format!("{}.{}", attribute_part(&self.schema), name)
        }
    }
}

pub use model_revision::ident::attribute_part;

impl fmt::Display for TableName {
    /// Human-readable form for messages: `customers`, or `sales.customers` outside `public`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.schema == DEFAULT_SCHEMA {
            f.write_str(&self.name)
        } else {
            write!(f, "{}.{}", self.schema, self.name)
        }
    }
}

/// One table with its columns, keys, constraints and indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Qualified name.
    pub name: TableName,
    /// Columns in declaration order.
    pub columns: Vec<Column>,
    /// The primary key, if the table has one.
    pub primary_key: Option<PrimaryKey>,
    /// Foreign keys in declaration order.
    pub foreign_keys: Vec<ForeignKey>,
    /// Unique constraints (not unique indexes) in declaration order.
    pub uniques: Vec<UniqueConstraint>,
    /// Check constraints in declaration order.
    pub checks: Vec<CheckConstraint>,
    /// Exclusion constraints in declaration order.
    pub exclusions: Vec<ExclusionConstraint>,
    /// Indexes that do not back a constraint.
    pub indexes: Vec<Index>,
    /// `COMMENT ON TABLE`.
    pub comment: Option<String>,
    /// `ENABLE ROW LEVEL SECURITY`.
    pub row_level_security: bool,
    /// `FORCE ROW LEVEL SECURITY` (policies bind the owner too).
    pub force_row_level_security: bool,
    /// Privileges granted on the table to other roles, by grantee.
    pub grants: Vec<Grant>,
    /// Storage parameters (`WITH (fillfactor=70, …)`), as `name=value`, in the catalog's order
    /// (compared as a set).
    pub options: Vec<String>,
    /// `CREATE UNLOGGED TABLE`.
    pub unlogged: bool,
    /// `REPLICA IDENTITY`.
    pub replica_identity: ReplicaIdentity,
    /// `PARTITION BY …` (`RANGE (at)`, `LIST (region)`, `HASH (id)`): a partitioned table.
    pub partition_by: Option<String>,
    /// A partition: its parent and bound. Its columns, keys and indexes are listed as its
    /// own (as pg_dump shows them); what it inherits without a copy of its own (foreign keys,
    /// checks and triggers cloned from the parent) is not.
    pub partition_of: Option<PartitionOf>,
    /// `INHERITS (…)`: the parents, in order. Such a table lists only its own (local)
    /// columns, as pg_dump shows it; the inherited ones are its parents'.
    pub inherits: Vec<TableName>,
}

/// Where a partition belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOf {
    /// The partitioned table.
    pub parent: TableName,
    /// `FOR VALUES …` or `DEFAULT`, as `pg_get_expr(relpartbound)` prints it.
    pub bound: String,
}

/// What logical replication records of a row's old version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ReplicaIdentity {
    /// The primary key (PostgreSQL's default).
    #[default]
    Default,
    /// Every column.
    Full,
    /// Nothing.
    Nothing,
    /// The columns of this unique index.
    Index(String),
}

impl ReplicaIdentity {
    /// The clause after `REPLICA IDENTITY`.
    pub fn sql(&self) -> String {
        match self {
            ReplicaIdentity::Default => "DEFAULT".into(),
            ReplicaIdentity::Full => "FULL".into(),
            ReplicaIdentity::Nothing => "NOTHING".into(),
            ReplicaIdentity::Index(name) => {
                format!("USING INDEX {}", crate::sql::quote_ident(name))
            }
        }
    }
}

impl Table {
    /// An empty table with this name.
    pub fn new(name: TableName) -> Self {
        Table {
            name,
            columns: Vec::new(),
            primary_key: None,
            foreign_keys: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            exclusions: Vec::new(),
            indexes: Vec::new(),
            comment: None,
            row_level_security: false,
            force_row_level_security: false,
            grants: Vec::new(),
            options: Vec::new(),
            unlogged: false,
            replica_identity: ReplicaIdentity::Default,
            partition_by: None,
            partition_of: None,
            inherits: Vec::new(),
        }
    }

    /// The column with this name, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// An association table: exactly two foreign keys, to two other tables (not to itself nor
    /// twice to one), and no column outside them (a many-to-many; with more columns it is an
    /// association object).
    pub fn is_association(&self) -> bool {
        let [a, b] = self.foreign_keys.as_slice() else {
            return false;
        };
        if a.references == self.name || b.references == self.name || a.references == b.references {
            return false;
        }
        self.columns
            .iter()
            .all(|c| a.columns.contains(&c.name) || b.columns.contains(&c.name))
    }

    /// Whether `columns` (in any order) are exactly the primary key or one unique constraint:
    /// the condition PostgreSQL puts on the target of a foreign key.
    pub fn has_unique_key(&self, columns: &[String]) -> bool {
        let same = |other: &[String]| {
            let mut a = other.to_vec();
            let mut b = columns.to_vec();
            a.sort();
            b.sort();
            a == b
        };
        self.primary_key
            .as_ref()
            .is_some_and(|pk| same(&pk.columns))
            || self.uniques.iter().any(|u| same(&u.columns))
            || self.indexes.iter().any(|i| {
                i.unique && i.predicate.is_none() && i.key_columns().is_some_and(|c| same(&c))
            })
    }

    /// Names of every constraint and index of the table: they share one namespace in
    /// PostgreSQL (an index is a relation, and key constraints are backed by indexes).
    pub fn object_names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        out.extend(self.primary_key.iter().map(|k| k.name.as_str()));
        out.extend(self.foreign_keys.iter().map(|k| k.name.as_str()));
        out.extend(self.uniques.iter().map(|k| k.name.as_str()));
        out.extend(self.checks.iter().map(|k| k.name.as_str()));
        out.extend(self.exclusions.iter().map(|k| k.name.as_str()));
        out.extend(self.indexes.iter().map(|k| k.name.as_str()));
        out
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Type in `format_type()` spelling.
    pub ty: SqlType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Server default, as an SQL expression.
    pub default: Option<String>,
    /// `GENERATED … AS IDENTITY`, if the column is an identity column.
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expression) STORED`: the expression.
    pub generated: Option<String>,
    /// With `generated`: `VIRTUAL` (computed when read; PostgreSQL 18) instead of `STORED`.
    pub virtual_generated: bool,
    /// With `nullable == false`, the NOT NULL constraint's own attributes, which PostgreSQL
    /// 18 keeps (its name, `NOT VALID`, `NO INHERIT`); the defaults everywhere before.
    pub not_null: NotNull,
    /// `COLLATE`, when not the type's default collation.
    pub collation: Option<String>,
    /// `SET STORAGE` (`plain`, `external`, `extended` or `main`), when not the type's own
    /// storage.
    pub storage: Option<String>,
    /// `SET STATISTICS` (0 to 10000), when set; `None` is the server's
    /// `default_statistics_target`.
    pub statistics: Option<i32>,
    /// `COMMENT ON COLUMN`.
    pub comment: Option<String>,
    /// Privileges granted on this column alone (`GRANT SELECT (col) ON …`), by grantee.
    pub grants: Vec<Grant>,
}

/// The storage strategies `ALTER COLUMN … SET STORAGE` takes, as columns spell them.
pub const STORAGE_STRATEGIES: [&str; 4] = ["plain", "external", "extended", "main"];

impl Column {
    /// A NOT NULL column of type `ty` with nothing else set.
    pub fn new(name: impl Into<String>, ty: SqlType) -> Self {
        Column {
            name: name.into(),
            ty,
            nullable: false,
            default: None,
            identity: None,
            generated: None,
            virtual_generated: false,
            not_null: NotNull::default(),
            collation: None,
            storage: None,
            statistics: None,
            comment: None,
            grants: Vec::new(),
        }
    }
}

/// A column's NOT NULL constraint as PostgreSQL 18 keeps it in `pg_constraint`; on earlier
/// servers, and for the usual case on 18, every field is its default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotNull {
    /// Its name, when not the one PostgreSQL gives (`<table>_<column>_not_null`, see
    /// [`default_constraint_name`]); `None` is that default.
    pub name: Option<String>,
    /// Added `NOT VALID`: rows already there were never checked (PostgreSQL 18).
    pub not_valid: bool,
    /// `NO INHERIT`: not passed on to child tables.
    pub no_inherit: bool,
    /// Inherited from a parent (a partition's, or an `INHERITS` child's): its name is the
    /// parent's, which PostgreSQL will not rename, so names are not compared. Read from
    /// PostgreSQL 18; a property of how the table came to be, never compared itself.
    pub inherited: bool,
    /// Only inherited: the table has no NOT NULL of its own, so its `CREATE TABLE` leaves it
    /// to the parent (an `INHERITS` child; a partition's is always written out, as `ATTACH
    /// PARTITION` needs it). Read from PostgreSQL 18, never compared.
    pub inherited_only: bool,
}

impl NotNull {
    /// Whether any attribute differs from PostgreSQL's plain NOT NULL.
    pub fn is_plain(&self) -> bool {
        self.name.is_none() && !self.not_valid && !self.no_inherit
    }

    /// Whether `other` has other attributes a plan could change: `NOT VALID`, `NO INHERIT`,
    /// and the name, unless both are inherited from the same parent (PostgreSQL will not
    /// rename an inherited one; `same_parents` says whether the table keeps its parents, and
    /// when it changes them, the plan renames it between leaving one and joining the other).
    pub fn differs_from(&self, other: &NotNull, same_parents: bool) -> bool {
        let fixed = self.inherited && other.inherited && same_parents;
        let names = !fixed && self.name != other.name;
        names || self.not_valid != other.not_valid || self.no_inherit != other.no_inherit
    }

    /// The constraint's name on `table`'s `column` (its own or PostgreSQL's).
    pub fn name_on(&self, table: &TableName, column: &str) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| default_constraint_name(&table.name, &[column], "not_null"))
    }
}

/// An identity column's generation rule and sequence options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `ALWAYS` or `BY DEFAULT`.
    pub kind: IdentityKind,
    /// `START WITH`, when not the default.
    pub start: Option<i64>,
    /// `INCREMENT BY`, when not the default.
    pub increment: Option<i64>,
    /// `MINVALUE`, when not the default for the type and direction.
    pub min_value: Option<i64>,
    /// `MAXVALUE`, when not the default for the type and direction.
    pub max_value: Option<i64>,
    /// `CACHE`, when not 1.
    pub cache: Option<i64>,
    /// `CYCLE`.
    pub cycle: bool,
}

impl Identity {
    /// An identity with PostgreSQL's default sequence options.
    pub fn new(kind: IdentityKind) -> Identity {
        Identity {
            kind,
            start: None,
            increment: None,
            min_value: None,
            max_value: None,
            cache: None,
            cycle: false,
        }
    }

    /// The identity with every option that equals PostgreSQL's default for a column of type
    /// `ty` written as `None`, as introspection reads it: `start = 1, increment = 1` on a
    /// model and nothing at all describe the same column.
    pub fn normalized(&self, ty: &SqlType) -> Identity {
        let (start, increment, min, max, cache) = self.options(ty);
        let plain = Identity {
            increment: Some(increment),
            ..Identity::new(self.kind)
        };
        let (_, _, default_min, default_max, _) = plain.options(ty);
        let default_start = if increment > 0 { min } else { max };
        Identity {
            kind: self.kind,
            start: Some(start).filter(|s| *s != default_start),
            increment: Some(increment).filter(|i| *i != 1),
            min_value: Some(min).filter(|m| *m != default_min),
            max_value: Some(max).filter(|m| *m != default_max),
            cache: Some(cache).filter(|c| *c != 1),
            cycle: self.cycle,
        }
    }

    /// Every option with the defaults filled in, for a column of type `ty`:
    /// `(start, increment, min, max, cache)`.
    pub fn options(&self, ty: &SqlType) -> (i64, i64, i64, i64, i64) {
        let (type_min, type_max) = match ty.as_str() {
            "smallint" => (i16::MIN as i64, i16::MAX as i64),
            "integer" => (i32::MIN as i64, i32::MAX as i64),
            _ => (i64::MIN, i64::MAX),
        };
        let increment = self.increment.unwrap_or(1);
        let ascending = increment > 0;
        let min = self
            .min_value
            .unwrap_or(if ascending { 1 } else { type_min });
        let max = self
            .max_value
            .unwrap_or(if ascending { type_max } else { -1 });
        let start = self.start.unwrap_or(if ascending { min } else { max });
        (start, increment, min, max, self.cache.unwrap_or(1))
    }
}

/// When an identity column takes its value from the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    /// `GENERATED ALWAYS`: explicit values are refused unless `OVERRIDING SYSTEM VALUE`.
    Always,
    /// `GENERATED BY DEFAULT`: explicit values win.
    ByDefault,
}

/// A primary key constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    /// Constraint name (`<table>_pkey` unless given).
    pub name: String,
    /// Key columns in key order.
    pub columns: Vec<String>,
    /// `WITHOUT OVERLAPS` on the last column (a temporal key; PostgreSQL 18).
    pub without_overlaps: bool,
    /// `DEFERRABLE` (and `INITIALLY DEFERRED`).
    pub timing: Deferral,
}

/// When a primary key, unique or foreign key constraint is checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deferral {
    /// `DEFERRABLE`.
    pub deferrable: bool,
    /// `INITIALLY DEFERRED` (only with `deferrable`).
    pub initially_deferred: bool,
}

impl Deferral {
    /// ` DEFERRABLE`, ` DEFERRABLE INITIALLY DEFERRED` or nothing.
    pub fn sql(self) -> &'static str {
        match (self.deferrable, self.initially_deferred) {
            (false, _) => "",
            (true, false) => " DEFERRABLE",
            (true, true) => " DEFERRABLE INITIALLY DEFERRED",
        }
    }
}

/// A foreign key constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// Constraint name (`<table>_<columns>_fkey` unless given).
    pub name: String,
    /// Referencing columns of this table.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references: TableName,
    /// The referenced columns, in the same order as `columns`.
    pub referenced_columns: Vec<String>,
    /// `ON DELETE` action.
    pub on_delete: FkAction,
    /// `ON UPDATE` action.
    pub on_update: FkAction,
    /// `MATCH FULL` / `MATCH SIMPLE` (`MATCH PARTIAL` is not implemented by PostgreSQL).
    pub match_full: bool,
    /// `DEFERRABLE`.
    pub deferrable: bool,
    /// `INITIALLY DEFERRED` (only with `deferrable`).
    pub initially_deferred: bool,
    /// Added `NOT VALID`: existing rows were never checked.
    pub not_valid: bool,
    /// `NOT ENFORCED`: declared, never checked (PostgreSQL 18).
    pub not_enforced: bool,
    /// `PERIOD` on the last column pair (a temporal foreign key; PostgreSQL 18).
    pub period: bool,
    /// `ON DELETE SET NULL (columns)` / `SET DEFAULT (columns)`: only these of `columns`
    /// (PostgreSQL 15); empty for all of them.
    pub on_delete_columns: Vec<String>,
}

/// A referential action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FkAction {
    /// `NO ACTION` (PostgreSQL's default).
    #[default]
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

impl FkAction {
    /// The SQL spelling.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueConstraint {
    /// Constraint name (`<table>_<columns>_key` unless given).
    pub name: String,
    /// Columns in constraint order.
    pub columns: Vec<String>,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15 and later).
    pub nulls_not_distinct: bool,
    /// `WITHOUT OVERLAPS` on the last column (a temporal key; PostgreSQL 18).
    pub without_overlaps: bool,
    /// `DEFERRABLE` (and `INITIALLY DEFERRED`).
    pub timing: Deferral,
}

/// An exclusion constraint, kept as PostgreSQL prints it (`EXCLUDE USING gist (...)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExclusionConstraint {
    /// Constraint name.
    pub name: String,
    /// The definition after the name, from `pg_get_constraintdef()`.
    pub definition: String,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConstraint {
    /// Constraint name.
    pub name: String,
    /// The boolean SQL expression.
    pub expression: String,
    /// Added `NOT VALID`: existing rows were never checked.
    pub not_valid: bool,
    /// `NO INHERIT`: not passed on to child tables.
    pub no_inherit: bool,
    /// `NOT ENFORCED`: declared, never checked (PostgreSQL 18).
    pub not_enforced: bool,
}

/// An index that does not back a constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Index name (`<table>_<columns>_idx` unless given).
    pub name: String,
    /// Key elements in key order.
    pub keys: Vec<IndexKey>,
    /// `INCLUDE (...)` columns.
    pub include: Vec<String>,
    /// `CREATE UNIQUE INDEX`.
    pub unique: bool,
    /// `NULLS NOT DISTINCT` on a unique index (PostgreSQL 15 and later).
    pub nulls_not_distinct: bool,
    /// Access method (`btree`, `hash`, `gin`, `gist`, `brin`, `spgist`).
    pub method: String,
    /// Partial-index predicate (`WHERE …`).
    pub predicate: Option<String>,
    /// Read from a database where the index is not valid or not ready (a concurrent build
    /// failed or was cancelled): it exists but is not used and may not enforce uniqueness.
    /// Never set by models, so the diff rebuilds such an index.
    pub invalid: bool,
    /// A partitioned table's index created `ON ONLY` it and not yet attached to an index of
    /// every partition (PostgreSQL keeps it invalid until then). Never set by models.
    pub on_only: bool,
    /// Storage parameters (`WITH (fillfactor=70)`), as `name=value` (compared as a set).
    pub options: Vec<String>,
    /// On a partition: the parent's index this one is attached to (it goes when that one
    /// goes).
    pub attached_to: Option<String>,
}

impl Index {
    /// The key column names, if every key is a plain column.
    pub fn key_columns(&self) -> Option<Vec<String>> {
        self.keys
            .iter()
            .map(|k| match &k.expr {
                IndexExpr::Column(name) => Some(name.clone()),
                IndexExpr::Expression(_) => None,
            })
            .collect()
    }
}

/// One key element of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexKey {
    /// A column or an expression.
    pub expr: IndexExpr,
    /// `COLLATE`, when not the column's (or the expression type's) own.
    pub collation: Option<String>,
    /// Operator class, when not the type's default for the method.
    pub opclass: Option<String>,
    /// `DESC`.
    pub descending: bool,
    /// `NULLS FIRST`; PostgreSQL's default is NULLS LAST for ASC and NULLS FIRST for DESC.
    pub nulls_first: bool,
}

impl IndexKey {
    /// An ascending key on a column with the default operator class.
    pub fn column(name: impl Into<String>) -> Self {
        IndexKey {
            expr: IndexExpr::Column(name.into()),
            collation: None,
            opclass: None,
            descending: false,
            nulls_first: false,
        }
    }
}

/// What an index key indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexExpr {
    /// A column, by name.
    Column(String),
    /// An expression, as `pg_get_indexdef()` prints it.
    Expression(String),
}

/// An enum type with its labels in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType {
    /// Qualified type name.
    pub name: TableName,
    /// Labels in sort order.
    pub labels: Vec<String>,
    /// Privileges, relative to PostgreSQL's default (`USAGE` for `PUBLIC`).
    pub grants: Vec<Grant>,
}

/// A standalone sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    /// Qualified name.
    pub name: TableName,
    /// `smallint`, `integer` or `bigint`.
    pub data_type: SqlType,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY`.
    pub increment: i64,
    /// `MINVALUE`.
    pub min_value: i64,
    /// `MAXVALUE`.
    pub max_value: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    pub cycle: bool,
    /// `OWNED BY table.column`: the sequence goes when the column (or its table) goes, as a
    /// `serial` column's does.
    pub owned_by: Option<ColumnRef>,
    /// Privileges granted on the sequence to other roles, by grantee.
    pub grants: Vec<Grant>,
}

/// A column of a table, by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ColumnRef {
    /// The table.
    pub table: TableName,
    /// The column.
    pub column: String,
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.table, self.column)
    }
}

/// An extension (`CREATE EXTENSION`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The extension's name.
    pub name: String,
    /// The schema its objects live in.
    pub schema: String,
    /// The installed version.
    pub version: String,
    /// Whether `ALTER EXTENSION … SET SCHEMA` can move it (`relocatable` in its control
    /// file); one that cannot is dropped and created in the new schema.
    pub relocatable: bool,
}

/// A function or procedure, kept as `pg_get_functiondef()` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Qualified name.
    pub name: TableName,
    /// Its arguments as `DROP FUNCTION` takes them (`who text, n integer`): names and types.
    pub arguments: String,
    /// The types of its input arguments alone (`text, integer`): what PostgreSQL tells it
    /// from its overloads by, so a function whose arguments are renamed is the same one.
    pub types: String,
    /// What it returns (`pg_get_function_result()`); empty for a procedure.
    pub returns: String,
    /// The whole `CREATE OR REPLACE FUNCTION …` (or `PROCEDURE`) statement.
    pub definition: String,
    /// A procedure rather than a function.
    pub procedure: bool,
    /// Privileges, relative to PostgreSQL's default (`EXECUTE` for `PUBLIC`).
    pub grants: Vec<Grant>,
}

impl Function {
    /// Equal but for privileges (which change by `GRANT` / `REVOKE`, not by replacing it).
    pub fn same_but_privileges(&self, other: &Function) -> bool {
        self.name == other.name
            && self.arguments == other.arguments
            && self.returns == other.returns
            && self.definition == other.definition
            && self.procedure == other.procedure
    }

    /// Whether the body is SQL-standard (`BEGIN ATOMIC … END` or `RETURN …`, as
    /// `pg_get_functiondef` prints it), which PostgreSQL parses when the function is created.
    pub fn standard_body(&self) -> bool {
        self.definition.lines().any(|line| {
            let line = line.trim_start();
            line.starts_with("BEGIN ATOMIC") || line.starts_with("RETURN ")
        })
    }

    /// `schema.name(arguments)`, as `DROP FUNCTION` takes it.
    pub fn signature(&self) -> String {
        format!("{}({})", qualified(&self.name), self.arguments)
    }
}

/// A view or materialized view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// Qualified name.
    pub name: TableName,
    /// The query, as `pg_get_viewdef()` prints it.
    pub definition: String,
    /// `CREATE MATERIALIZED VIEW`.
    pub materialized: bool,
    /// Output columns with their types, in order: `CREATE OR REPLACE VIEW` must keep them.
    pub columns: Vec<(String, SqlType)>,
    /// Indexes of a materialized view.
    pub indexes: Vec<Index>,
    /// Tables and views the query reads.
    pub depends_on: Vec<TableName>,
    /// Options (`security_barrier=true`, `check_option=local`, a materialized view's storage
    /// parameters), as `name=value` (compared as a set).
    pub options: Vec<String>,
    /// A materialized view holds its query's rows (false: created `WITH NO DATA`, never
    /// refreshed). Always true for a plain view.
    pub populated: bool,
    /// Privileges on it, as a table's (see [`Grant`]).
    pub grants: Vec<Grant>,
    /// Privileges on its columns, by column (only columns that have some).
    pub column_grants: Vec<(String, Vec<Grant>)>,
}

impl View {
    /// Equal but for privileges (which change by `GRANT` / `REVOKE`, not by replacing it).
    pub fn same_but_privileges(&self, other: &View) -> bool {
        View {
            grants: other.grants.clone(),
            column_grants: other.column_grants.clone(),
            ..self.clone()
        } == *other
    }
}

/// A trigger, kept as `pg_get_triggerdef()` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// Trigger name (unique per table).
    pub name: String,
    /// The table.
    pub table: TableName,
    /// The whole `CREATE TRIGGER …` statement.
    pub definition: String,
    /// The function it calls.
    pub function: TableName,
    /// When it fires (`ALTER TABLE … ENABLE/DISABLE TRIGGER`).
    pub enabled: TriggerEnabled,
}

/// When a trigger fires, as `session_replication_role` decides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TriggerEnabled {
    /// Enabled (outside replication replicas): PostgreSQL's default.
    #[default]
    Origin,
    /// Disabled.
    Disabled,
    /// Only on replicas (`ENABLE REPLICA`).
    Replica,
    /// Always (`ENABLE ALWAYS`).
    Always,
}

impl TriggerEnabled {
    /// The words of `ALTER TABLE … <words> TRIGGER`.
    pub fn sql(self) -> &'static str {
        match self {
            TriggerEnabled::Origin => "ENABLE",
            TriggerEnabled::Disabled => "DISABLE",
            TriggerEnabled::Replica => "ENABLE REPLICA",
            TriggerEnabled::Always => "ENABLE ALWAYS",
        }
    }
}

/// A row-level security policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Policy name (unique per table).
    pub name: String,
    /// The table.
    pub table: TableName,
    /// `PERMISSIVE` (true) or `RESTRICTIVE`.
    pub permissive: bool,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    /// Roles it applies to (`public` for everyone), sorted.
    pub roles: Vec<String>,
    /// `USING (…)`.
    pub using: Option<String>,
    /// `WITH CHECK (…)`.
    pub with_check: Option<String>,
}

/// An extended statistics object (`CREATE STATISTICS`): what the planner should learn about
/// columns (or expressions) of one table taken together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statistics {
    /// Its name, in its schema.
    pub name: TableName,
    /// The table it describes.
    pub table: TableName,
    /// The kinds asked for (`ndistinct`, `dependencies`, `mcv`), in that order; empty for
    /// every kind (PostgreSQL's default, and how a database reads when it has them all).
    pub kinds: Vec<String>,
    /// The columns and expressions, as PostgreSQL prints them (`a, b`, `(lower(email))`).
    pub on: String,
    /// `ALTER STATISTICS … SET STATISTICS n`; `None` for the default target.
    pub target: Option<i32>,
    /// `COMMENT ON STATISTICS`.
    pub comment: Option<String>,
}

impl Statistics {
    /// Statistics `name` on `on` (columns or parenthesised expressions) of `table`, of every
    /// kind, at the default target.
    pub fn new(name: &str, table: &str, on: &str) -> Statistics {
        let table = TableName::parse(table);
        // A bare name lives in the table's schema, as `CREATE STATISTICS` puts it.
        let qualified = model_revision::ident::quoted_parts(name, '.').is_some_and(|p| p.len() > 1);
        let name = match qualified {
            true => TableName::parse(name),
            false => TableName::new(table.schema.clone(), TableName::parse(name).name),
        };
        Statistics {
            name,
            table,
            kinds: Vec::new(),
            on: on.to_string(),
            target: None,
            comment: None,
        }
    }
}

/// The privileges one role holds on a table, a column or a sequence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    /// The role (`public` for everyone).
    pub grantee: String,
    /// Privileges, upper case and sorted (`DELETE`, `INSERT`, `SELECT`, …); one the role may
    /// grant on (`WITH GRANT OPTION`) ends with `*`, as in PostgreSQL's own notation. For the
    /// object's owner, whose privileges are implicit, the ones it was stripped of, each after
    /// a `-` (`-DELETE`); no entry means it holds them all.
    pub privileges: Vec<String>,
}

/// What a grant is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantTarget {
    /// `ON TABLE`.
    Table(TableName),
    /// `(column) ON TABLE`.
    Column(TableName, String),
    /// `ON SEQUENCE`.
    Sequence(TableName),
    /// `ON FUNCTION name(arguments)` or `ON PROCEDURE …`.
    Function {
        name: TableName,
        arguments: String,
        procedure: bool,
    },
    /// `ON SCHEMA`.
    Schema(String),
    /// `ON TYPE`, by its qualified name as written in SQL (`public."Mood"`).
    Type(String),
}

impl fmt::Display for GrantTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantTarget::Table(t) => write!(f, "{t}"),
            GrantTarget::Column(t, c) => write!(f, "{t}.{c}"),
            GrantTarget::Sequence(s) => write!(f, "sequence {s}"),
            GrantTarget::Function {
                name, arguments, ..
            } => write!(f, "function {name}({arguments})"),
            GrantTarget::Schema(s) => write!(f, "schema {s}"),
            GrantTarget::Type(t) => write!(f, "type {t}"),
        }
    }
}

#[cfg(test)]
mod name_tests {
    use super::TableName;

    #[test]
    fn quoted_parts_may_hold_dots_and_quotes() {
        let cases = [
            ("orders", ("public", "orders")),
            ("sales.orders", ("sales", "orders")),
            ("Sales.Orders", ("Sales", "Orders")),
            ("a.b.c", ("a", "b.c")),
            ("\"a.b\"", ("public", "a.b")),
            ("s.\"v.1\"", ("s", "v.1")),
            ("\"my.schema\".\"x\"\"y\"", ("my.schema", "x\"y")),
            ("we\"ird", ("public", "we\"ird")),
            ("\"unclosed", ("public", "\"unclosed")),
        ];
        for (text, (schema, name)) in cases {
            assert_eq!(
                TableName::parse(text),
                TableName::new(schema, name),
                "{text}"
            );
        }
    }

    #[test]
    fn the_attribute_spelling_parses_back() {
        for (schema, name) in [
            ("public", "orders"),
            ("public", "a.b"),
            ("s", "v.1"),
            ("a.b", "c"),
            ("public", "\"q"),
            ("public", "x\"."),
            ("sales", "Orders"),
            ("public", ""),
            ("public", " padded "),
        ] {
            let table = TableName::new(schema, name);
            assert_eq!(
                TableName::parse(&table.to_attribute()),
                table,
                "{schema}.{name}"
            );
        }
    }
}
