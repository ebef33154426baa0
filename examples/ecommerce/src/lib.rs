//! The seed's e-commerce models at its final step: customers and their orders, products in
//! orders through the `order_products` association object (with its extra `product_count`
//! column), and tags on products through the plain `product_tags` association table.
//!
//! Each struct mirrors one SQLAlchemy class of the walk-through; the comments name the
//! SQLAlchemy spelling where the Rust one differs.

use model_core::Model;

/// `class Customer(Base)`.
#[derive(Debug, Model)]
#[model(table = "customers")]
pub struct Customer {
    /// `Column(Integer, Identity(always=True), primary_key=True)`
    #[model(primary_key, identity(always))]
    pub customer_id: i32,
    /// `Column(String, nullable=False)`: `String` is unbounded `character varying`.
    pub first_name: String,
    pub last_name: String,
    pub email_address: String,

    /// `relationship("Order", back_populates="customer", cascade="all, delete-orphan")`
    #[model(relationship(back_populates = customer, cascade = "all, delete-orphan"))]
    pub orders: Vec<Order>,
}

/// The models describe the schema and its migrations; they are not a query layer. Rows are
/// read with the application's own client (here the `postgres` crate; sqlx's `FromRow` or
/// Diesel work the same way), into the same struct. A relationship field is not loaded: it
/// is what the schema says, for checks, diagrams and code generation.
impl Customer {
    /// A customer from a row of `SELECT customer_id, first_name, last_name, email_address`.
    pub fn from_row(row: &postgres::Row) -> Result<Customer, postgres::Error> {
        Ok(Customer {
            customer_id: row.try_get("customer_id")?,
            first_name: row.try_get("first_name")?,
            last_name: row.try_get("last_name")?,
            email_address: row.try_get("email_address")?,
            orders: Vec::new(),
        })
    }
}

/// `class OrderProduct(Base)`: an association object, a model of its own with two foreign
/// keys that together form the primary key, plus data about the association.
#[derive(Debug, Model)]
#[model(table = "order_products")]
pub struct OrderProduct {
    #[model(primary_key, foreign_key = "orders.order_id", on_delete = "cascade")]
    pub order_id: i32,
    #[model(
        primary_key,
        foreign_key = "products.product_id",
        on_delete = "cascade"
    )]
    pub product_id: i32,
    /// `Column(Integer, server_default="1", nullable=False)`
    #[model(default = "1")]
    pub product_count: i32,

    #[model(relationship(back_populates = products))]
    pub order: Option<Box<Order>>,
    #[model(relationship(back_populates = orders))]
    pub product: Option<Box<Product>>,
}

/// `class Order(Base)`.
#[derive(Debug, Model)]
#[model(table = "orders")]
pub struct Order {
    #[model(primary_key, identity(always))]
    pub order_id: i32,
    #[model(foreign_key = "customers.customer_id", on_delete = "cascade")]
    pub customer_id: i32,
    /// `Column(DateTime(timezone=True), server_default=func.now(), nullable=False)`:
    /// `DateTime<Utc>` is `timestamp with time zone` (model-core's `chrono` feature).
    #[model(default = "now()")]
    pub order_date: chrono::DateTime<chrono::Utc>,

    #[model(relationship(back_populates = orders))]
    pub customer: Option<Box<Customer>>,
    #[model(relationship(back_populates = order, cascade = "all, delete-orphan"))]
    pub products: Vec<OrderProduct>,
}

/// `product_tags = Table("product_tags", Base.metadata, ...)`: a plain association table,
/// only foreign keys, used through `secondary`.
#[derive(Debug, Model)]
#[model(table = "product_tags")]
pub struct ProductTag {
    #[model(
        primary_key,
        foreign_key = "products.product_id",
        on_delete = "cascade"
    )]
    pub product_id: i32,
    #[model(primary_key, foreign_key = "tags.tag_id", on_delete = "cascade")]
    pub tag_id: i32,
}

/// `class Product(Base)`.
#[derive(Debug, Model)]
#[model(table = "products")]
pub struct Product {
    #[model(primary_key, identity(always))]
    pub product_id: i32,
    pub product_name: String,
    /// `Column(Text)`: nullable, unbounded text.
    #[model(sql_type = "text")]
    pub description: Option<String>,
    /// `Column(Float, nullable=False)`: SQLAlchemy's `Float` is `double precision`.
    pub price: f64,

    #[model(relationship(back_populates = product, cascade = "all, delete-orphan"))]
    pub orders: Vec<OrderProduct>,
    /// `relationship("Tag", secondary=product_tags, back_populates="products")`
    #[model(relationship(secondary = ProductTag, back_populates = products))]
    pub tags: Vec<Tag>,
}

/// `class Tag(Base)`.
#[derive(Debug, Model)]
#[model(table = "tags")]
pub struct Tag {
    #[model(primary_key, identity(always))]
    pub tag_id: i32,
    /// `Column(String, nullable=False, unique=True)`
    #[model(unique)]
    pub name: String,

    #[model(relationship(secondary = ProductTag, back_populates = tags))]
    pub products: Vec<Product>,
}

/// The seed's models gathered into one set, in the order the seed declares them.
pub fn models() -> Result<model_core::ModelSet, model_core::ModelSetError> {
    model_core::models![Customer, OrderProduct, Order, ProductTag, Product, Tag]
}
