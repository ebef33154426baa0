//! Every attribute and every mapped type at once, created in a real database and read back
//! with plain catalog queries.

use model_core::{models, Model};

use crate::support::{
    create, for_server, fresh_database, lines, server_major, COLUMNS, CONSTRAINTS, INDEXES,
};

/// An enum type, used by `Item`.
#[derive(model_core::Enum)]
#[model(name = "item_state")]
pub enum ItemState {
    Draft,
    #[model(rename = "on sale")]
    OnSale,
    Retired,
}

/// A table outside `public`, with a reserved-word name.
#[derive(Model)]
#[model(
    table = "user",
    schema = "inventory",
    comment = "People who own things"
)]
pub struct User {
    #[model(primary_key, identity(by_default, start = 100, increment = 10))]
    pub id: i64,
    #[model(name = "Display Name", comment = "shown in the UI; it's free text")]
    pub display_name: String,
    #[model(sql_type = "varchar(255)", unique)]
    pub email: String,
}

// Clippy reads `unique(a, b), unique(b, c)` as one attribute naming `b` twice; they are two keys.
#[allow(clippy::duplicated_attributes)]
#[derive(Model)]
#[model(
    table = "items",
    comment = "Everything the kitchen sink holds",
    unique(owner_id, code),
    unique(code, sku, name = "items_code_sku_uq"),
    unique(sku, nulls_not_distinct, name = "items_sku_nnd"),
    index(code, include(sku, price), name = "items_code_cover"),
    index(owner_id, created_at, unique),
    index(tags, method = "gin", name = "items_tags_gin"),
    index(created_at, where = "active", name = "items_active_recent"),
    check(name = "items_price_positive", expr = "price > 0"),
    check(name = "items_window", expr = "valid_from < valid_to")
)]
pub struct Item {
    #[model(primary_key, identity(always))]
    pub item_id: i32,
    #[model(primary_key, sql_type = "char(2)")]
    pub region: String,
    #[model(
        foreign_key = "inventory.user.id",
        on_delete = "set null",
        on_update = "cascade"
    )]
    pub owner_id: Option<i64>,
    #[model(
        foreign_key = "inventory.user.id",
        foreign_key_name = "items_creator_fk",
        on_delete = "restrict"
    )]
    pub creator_id: i64,
    #[model(sql_type = "varchar(32)", index)]
    pub code: String,
    #[model(sql_type = "varchar(64)")]
    pub sku: Option<String>,
    #[model(sql_type = "numeric(10,2)", check = "price < 1000000")]
    pub price: rust_decimal::Decimal,
    pub small: i16,
    pub count: i32,
    pub big: Option<i64>,
    pub ratio: f32,
    pub score: f64,
    #[model(default = "true")]
    pub active: bool,
    pub payload: Vec<u8>,
    #[model(sql_type = "text[]", default = "'{}'")]
    pub tags: Vec<String>,
    #[model(sql_type = "bit(8)")]
    pub flags: Option<String>,
    #[model(default = "'draft'", sql_type = "text")]
    pub status: String,
    #[model(default = "now()")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub valid_from: chrono::NaiveDate,
    pub valid_to: time::Date,
    pub local_time: Option<chrono::NaiveTime>,
    pub naive_stamp: Option<chrono::NaiveDateTime>,
    pub offset_stamp: Option<time::OffsetDateTime>,
    pub external_id: uuid::Uuid,
    pub doc: Option<serde_json::Value>,
    pub address: Option<std::net::IpAddr>,
    #[model(name = "select", nullable)]
    pub select_: i32,
    #[model(default = "'draft'")]
    pub state: ItemState,
    #[model(generated = "price * 2", sql_type = "numeric(12,2)")]
    pub double_price: Option<rust_decimal::Decimal>,
    #[model(collation = "C")]
    pub sort_key: String,
    pub previous_state: Option<ItemState>,
    #[model(skip)]
    pub cached_total: u128,
    #[model(relationship(foreign_key = owner_id))]
    pub owner: Option<Box<User>>,
}

/// A composite foreign key to `items` (whose key is `item_id, region`), with every option.
#[derive(Model)]
#[model(
    table = "item_notes",
    foreign_key(
        item_id,
        region,
        references = "items(item_id, region)",
        name = "item_notes_item_fk",
        on_delete = "cascade",
        match_full,
        deferrable,
        initially_deferred
    )
)]
pub struct ItemNote {
    #[model(primary_key, identity)]
    pub id: i64,
    pub item_id: i32,
    #[model(sql_type = "char(2)")]
    pub region: String,
    #[model(sql_type = "text")]
    pub body: String,
}

/// A self-referencing tree and a composite foreign key's target.
#[derive(Model)]
#[model(table = "categories")]
pub struct Category {
    #[model(primary_key, identity)]
    pub id: i32,
    #[model(foreign_key = "categories.id", on_delete = "cascade")]
    pub parent_id: Option<i32>,
    #[model(foreign_key = "inventory.user.id", on_delete = "set default")]
    pub curator_id: Option<i64>,
    #[model(relationship(back_populates = children))]
    pub parent: Option<Box<Category>>,
    #[model(relationship(back_populates = parent, cascade = "all, delete-orphan"))]
    pub children: Vec<Category>,
}

pub fn kitchen_sink() -> model_core::ModelSet {
    models![User, Item, ItemNote, Category; ItemState].unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn kitchen_sink_create_sql_snapshot() {
    insta::assert_snapshot!(
        "kitchen_sink_create_sql",
        model_core::render::create_schema(kitchen_sink().schema())
    );
}

#[test]
fn kitchen_sink_creates_in_postgresql() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    create(&mut client, &for_server(kitchen_sink().schema()));
    let columns = lines(&mut client, COLUMNS);
    let constraints = lines(&mut client, CONSTRAINTS);
    let indexes = lines(&mut client, INDEXES);
    insta::assert_snapshot!(
        "kitchen_sink_catalog",
        format!(
            "{}\n\n{}\n\n{}",
            columns.join("\n"),
            constraints.join("\n"),
            indexes.join("\n")
        )
    );

    // The facts each attribute promises, checked one by one.
    for expected in [
        "user | id | bigint | t |  | d",
        "user | Display Name | character varying | t |  | ",
        "user | email | character varying(255) | t |  | ",
        "items | item_id | integer | t |  | a",
        "items | region | character(2) | t |  | ",
        "items | owner_id | bigint | f |  | ",
        "items | price | numeric(10,2) | t |  | ",
        "items | small | smallint | t |  | ",
        "items | ratio | real | t |  | ",
        "items | active | boolean | t | true | ",
        "items | payload | bytea | t |  | ",
        "items | tags | text[] | t | '{}'::text[] | ",
        "items | flags | bit(8) | f |  | ",
        "items | status | text | t | 'draft'::text | ",
        "items | created_at | timestamp with time zone | t | now() | ",
        "items | valid_from | date | t |  | ",
        "items | valid_to | date | t |  | ",
        "items | local_time | time without time zone | f |  | ",
        "items | naive_stamp | timestamp without time zone | f |  | ",
        "items | offset_stamp | timestamp with time zone | f |  | ",
        "items | external_id | uuid | t |  | ",
        "items | doc | jsonb | f |  | ",
        "items | address | inet | f |  | ",
        "items | select | integer | f |  | ",
        "items | state | item_state | t | 'draft'::item_state | ",
        "items | previous_state | item_state | f |  | ",
        "items | double_price | numeric(12,2) | f | (price * (2)::numeric) | ",
        "categories | parent_id | integer | f |  | ",
    ] {
        assert!(
            columns.iter().any(|c| c == expected),
            "missing column line `{expected}` in\n{}",
            columns.join("\n")
        );
    }
    assert!(
        !columns.iter().any(|c| c.contains("cached_total")),
        "a skipped field became a column"
    );
    for expected in [
        "items | items_pkey | PRIMARY KEY (item_id, region)",
        "items | items_owner_id_fkey | FOREIGN KEY (owner_id) REFERENCES inventory.\"user\"(id) ON UPDATE CASCADE ON DELETE SET NULL",
        "items | items_creator_fk | FOREIGN KEY (creator_id) REFERENCES inventory.\"user\"(id) ON DELETE RESTRICT",
        "items | items_owner_id_code_key | UNIQUE (owner_id, code)",
        "items | items_code_sku_uq | UNIQUE (code, sku)",
        "items | items_price_positive | CHECK ((price > (0)::numeric))",
        "items | items_price_check | CHECK ((price < (1000000)::numeric))",
        "categories | categories_parent_id_fkey | FOREIGN KEY (parent_id) REFERENCES categories(id) ON DELETE CASCADE",
        "categories | categories_curator_id_fkey | FOREIGN KEY (curator_id) REFERENCES inventory.\"user\"(id) ON DELETE SET DEFAULT",
        "user | user_email_key | UNIQUE (email)",
        if server_major() >= 15 {
            "items | items_sku_nnd | UNIQUE NULLS NOT DISTINCT (sku)"
        } else {
            "items | items_sku_nnd | UNIQUE (sku)"
        },
        "item_notes | item_notes_item_fk | FOREIGN KEY (item_id, region) REFERENCES items(item_id, region) MATCH FULL ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED",
    ] {
        assert!(constraints.iter().any(|c| c == expected), "missing constraint `{expected}` in\n{}", constraints.join("\n"));
    }
    for expected in [
        "items | CREATE UNIQUE INDEX items_owner_id_created_at_idx ON public.items USING btree (owner_id, created_at)",
        "items | CREATE INDEX items_tags_gin ON public.items USING gin (tags)",
        "items | CREATE INDEX items_active_recent ON public.items USING btree (created_at) WHERE active",
        "items | CREATE INDEX items_code_idx ON public.items USING btree (code)",
        "items | CREATE INDEX items_code_cover ON public.items USING btree (code) INCLUDE (sku, price)",
    ] {
        assert!(indexes.iter().any(|c| c == expected), "missing index `{expected}` in\n{}", indexes.join("\n"));
    }
    let collation = lines(
        &mut client,
        "SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation WHERE a.attrelid = 'public.items'::regclass AND a.attname = 'sort_key'",
    );
    assert_eq!(collation, ["C"]);
    let comments = lines(
        &mut client,
        "SELECT obj_description('inventory.\"user\"'::regclass, 'pg_class'), col_description('inventory.\"user\"'::regclass, 2)",
    );
    assert_eq!(
        comments,
        ["People who own things | shown in the UI; it's free text"]
    );
    // The identity options took effect: BY DEFAULT starting at 100, stepping by 10.
    client.batch_execute("INSERT INTO inventory.\"user\" (\"Display Name\", email) VALUES ('a', 'a@x'), ('b', 'b@x')").unwrap();
    assert_eq!(
        lines(&mut client, "SELECT id FROM inventory.\"user\" ORDER BY id"),
        ["100", "110"]
    );
}

#[test]
fn kitchen_sink_relationships_resolve() {
    let set = kitchen_sink();
    let described: Vec<String> = set
        .relationships()
        .iter()
        .map(|r| format!("{}.{} {:?}", r.model, r.field, r.kind))
        .collect();
    assert_eq!(
        described,
        [
            "Item.owner ManyToOne { foreign_key: \"items_owner_id_fkey\" }",
            "Category.parent ManyToOne { foreign_key: \"categories_parent_id_fkey\" }",
            "Category.children OneToMany { foreign_key: \"categories_parent_id_fkey\" }",
        ]
    );
}
