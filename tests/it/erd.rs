//! `model-cli erd`: the seed's models in each format (Mermaid and DOT snapshots; the DOT
//! accepted by Graphviz; the SVG, drawn without Graphviz, well-formed with one box per table
//! and one edge per relationship, and the README's copy up to date), and a database with
//! hostile names and two schemas.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::support::fresh_database;
use crate::workflow::run;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ecommerce")
}

/// `erd ARGS` with the seed's models, written to a file and read back.
fn erd(args: &[&str]) -> String {
    let out = std::env::temp_dir().join(format!(
        "model-erd-{}-{}",
        std::process::id(),
        args.join("_").replace(['/', ':', ' '], "_")
    ));
    let mut all = vec!["erd", "-o", out.to_str().unwrap()];
    all.extend_from_slice(args);
    assert_eq!(
        run(&example(), &all, ecommerce::models()),
        ExitCode::SUCCESS
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    text
}

/// Graphviz's `dot` accepts `text` (when Graphviz is installed; `.ci/run` installs it).
fn graphviz_accepts(text: &str) {
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("Graphviz's dot not found: DOT output not checked with it");
        return;
    };
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "dot refused it: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The SVG parses as XML; returns the tables it draws (`data-table` of each table group),
/// its texts, and its number of relationship curves.
fn svg_parts(svg: &str) -> (Vec<String>, Vec<String>, usize) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"));
    let class = |n: &roxmltree::Node, c: &str| {
        n.attribute("class")
            .is_some_and(|v| v.split(' ').any(|x| x == c))
    };
    let tables = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && class(n, "table"))
        .filter_map(|n| n.attribute("data-table").map(str::to_string))
        .collect();
    let texts = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    let edges = doc
        .descendants()
        .filter(|n| n.has_tag_name("path") && class(n, "relationship"))
        .count();
    (tables, texts, edges)
}

#[test]
fn the_seeds_erd_in_each_format() {
    let mermaid = erd(&["--format", "mermaid"]);
    insta::assert_snapshot!("seed_erd_mermaid", mermaid);
    assert!(mermaid.contains("products }o--o{ tags : \"through product_tags\""));

    let dot = erd(&["--format", "dot"]);
    insta::assert_snapshot!("seed_erd_dot", dot);
    graphviz_accepts(&dot);

    let svg = erd(&["--format", "svg"]);
    assert_eq!(
        svg,
        erd(&["--format", "svg"]),
        "the drawing is deterministic"
    );
    let (mut tables, texts, edges) = svg_parts(&svg);
    tables.sort();
    assert_eq!(
        tables,
        [
            "customers",
            "order_products",
            "orders",
            "product_tags",
            "products",
            "tags"
        ]
    );
    assert!(
        texts.iter().any(|t| t == "product_tags (association)"),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t == "customer_id integer PK NOT NULL"),
        "{texts:?}"
    );
    assert_eq!(edges, 5, "one curve per foreign key");
    // The README shows this drawing: `cargo run -p ecommerce -- erd --format svg -o docs/erd.svg`.
    let checked_in = std::fs::read_to_string(example().join("../../docs/erd.svg")).unwrap();
    assert!(
        checked_in == svg,
        "docs/erd.svg is out of date: cargo run -p ecommerce -- erd --format svg -o docs/erd.svg"
    );

    // Keys only: the columns that are neither primary nor foreign keys go.
    let keys = erd(&["--format", "mermaid", "--keys-only"]);
    assert!(
        !keys.contains("first_name") && keys.contains("customer_id PK"),
        "{keys}"
    );
}

#[test]
fn an_erd_of_a_database_with_hostile_names_and_two_schemas() {
    let db = fresh_database();
    db.connect()
        .unwrap()
        .batch_execute(
            r#"CREATE SCHEMA "Sales";
               CREATE TABLE "Sales"."we""ird <t>&{x}|" (id integer PRIMARY KEY, "na
me" text);
               CREATE TABLE public.lines (id integer PRIMARY KEY,
                   parent integer NOT NULL REFERENCES "Sales"."we""ird <t>&{x}|",
                   solo integer UNIQUE REFERENCES "Sales"."we""ird <t>&{x}|");"#,
        )
        .unwrap();
    let out = std::env::temp_dir().join(format!("model-erd-hostile-{}", std::process::id()));
    let draw = |format: &str| {
        let args = [
            "erd",
            "--from-db",
            db.url(),
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
        ];
        assert_eq!(
            run(&example(), &args, ecommerce::models()),
            ExitCode::SUCCESS
        );
        std::fs::read_to_string(&out).unwrap()
    };
    let mermaid = draw("mermaid");
    // Identifiers are made of letters, digits and `_`; the real name is the label.
    assert!(
        mermaid.contains("Sales_we_ird__t___x__[\"Sales.we'ird <t>&{x}|\"]"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("||--o{ public_lines : \"parent\""),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("|o--o| public_lines : \"solo\""),
        "{mermaid}"
    );
    assert!(!mermaid.contains("na\nme"), "{mermaid}");
    let dot = draw("dot");
    assert!(dot.contains("subgraph cluster_"), "{dot}");
    assert!(
        dot.contains("N:1 (parent)") && dot.contains("1:0..1 (solo)"),
        "{dot}"
    );
    graphviz_accepts(&dot);
    let (tables, texts, edges) = svg_parts(&draw("svg"));
    assert!(
        tables.contains(&"Sales.we\"ird <t>&{x}|".to_string()),
        "{tables:?}"
    );
    assert!(texts.iter().any(|t| t == "na\\nme text"), "{texts:?}");
    assert_eq!(edges, 2);
    let _ = std::fs::remove_file(&out);
}

/// Names that make one Mermaid identifier (`a b`, `a_b`, `a-b`, `a.b`; columns `x y` and
/// `x_y`) stay apart: each table its own entity, each foreign key drawn to its own table, each
/// column its own attribute with its real name beside it.
#[test]
fn mermaid_ids_never_merge_two_tables() {
    let db = fresh_database();
    db.connect()
        .unwrap()
        .batch_execute(
            r#"CREATE TABLE "a b" (id integer PRIMARY KEY, "x y" integer, x_y integer);
               CREATE TABLE a_b (id integer PRIMARY KEY);
               CREATE TABLE "a-b" (id integer PRIMARY KEY, to_space integer REFERENCES "a b");
               CREATE TABLE "a.b" (id integer PRIMARY KEY, to_under integer REFERENCES a_b,
                   to_dash integer REFERENCES "a-b");"#,
        )
        .unwrap();
    let out = std::env::temp_dir().join(format!("model-erd-ids-{}", std::process::id()));
    let args = [
        "erd",
        "--from-db",
        db.url(),
        "--format",
        "mermaid",
        "-o",
        out.to_str().unwrap(),
    ];
    assert_eq!(
        run(&example(), &args, ecommerce::models()),
        ExitCode::SUCCESS
    );
    let mermaid = std::fs::read_to_string(&out).unwrap();
    // Entity lines: `    ID["label"] {`.
    let entities: std::collections::BTreeMap<String, String> = mermaid
        .lines()
        .filter_map(|l| l.trim().strip_suffix(" {"))
        .filter_map(|l| l.split_once("[\""))
        .map(|(id, label)| (label.trim_end_matches("\"]").to_string(), id.to_string()))
        .collect();
    assert_eq!(entities.len(), 4, "{mermaid}");
    let ids: std::collections::BTreeSet<&String> = entities.values().collect();
    assert_eq!(ids.len(), 4, "two tables share an identifier:\n{mermaid}");
    for (to, from, column) in [
        ("a b", "a-b", "to_space"),
        ("a_b", "a.b", "to_under"),
        ("a-b", "a.b", "to_dash"),
    ] {
        let entity = |name: &str| {
            entities
                .get(name)
                .unwrap_or_else(|| panic!("no entity {name:?} in\n{mermaid}"))
                .clone()
        };
        let line = format!("    {} ||--o{{ {} : \"{column}\"", entity(to), entity(from));
        assert!(
            mermaid.contains(&line.replace("||--o{", "|o--o{")) || mermaid.contains(&line),
            "no {line:?} in\n{mermaid}"
        );
    }
    assert!(
        mermaid.contains("integer x_y \"NULL\"") && mermaid.contains("integer x_y_2 \"x y: NULL\""),
        "{mermaid}"
    );
    let _ = std::fs::remove_file(&out);
}
