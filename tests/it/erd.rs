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

/// A rectangle: x, y, width, height.
type Area = (f64, f64, f64, f64);

fn overlap(a: Area, b: Area) -> bool {
    a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
}

/// What a reader sees of an SVG drawn here: each table's box with the texts in it, and each
/// relationship label's extent (10 px monospace: 6 px a character, as the renderer draws it).
/// A table's name, box and texts.
type Drawn = (String, Area, Vec<String>);

fn svg_geometry(svg: &str) -> (Vec<Drawn>, Vec<(String, Area)>) {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let number = |n: &roxmltree::Node, a: &str| -> f64 { n.attribute(a).unwrap().parse().unwrap() };
    let mut boxes = Vec::new();
    for g in doc.descendants().filter(|n| {
        n.has_tag_name("g") && n.attribute("class").is_some_and(|c| c.starts_with("table"))
    }) {
        let rect = g.children().find(|n| n.has_tag_name("rect")).unwrap();
        let area = (
            number(&rect, "x"),
            number(&rect, "y"),
            number(&rect, "width"),
            number(&rect, "height"),
        );
        let texts = g
            .children()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::to_string))
            .collect();
        boxes.push((g.attribute("data-table").unwrap().to_string(), area, texts));
    }
    let mut labels = Vec::new();
    for t in doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("class") == Some("label"))
    {
        let text = t.text().unwrap_or_default().to_string();
        let width = text.chars().count() as f64 * 6.0;
        let (x, y) = (number(&t, "x"), number(&t, "y"));
        let left = match t.attribute("text-anchor") {
            Some("middle") => x - width / 2.0,
            Some("end") => x - width,
            _ => x,
        };
        labels.push((text, (left, y - 10.0, width, 12.0)));
    }
    (boxes, labels)
}

/// The picture reads cleanly: every text fits its box (12 px monospace, 7.2 px a character,
/// 8 px padding), no label lies over a table or over another label, and the runner's own
/// tables are left out. For the seed, and for a generated schema of 30 tables.
#[test]
fn svg_labels_lie_over_nothing_and_texts_fit_their_boxes() {
    let db = fresh_database();
    let (sql, _) = crate::support::generated_workload(30);
    let mut client = db.connect().unwrap();
    crate::support::load_statements(&mut client, &sql);
    client
        .batch_execute(
            "CREATE TABLE model_version (version_num varchar(32) PRIMARY KEY);
             CREATE TABLE model_version_applied (version_num varchar(32) PRIMARY KEY);
             CREATE TABLE model_version_partial (revision varchar(64) PRIMARY KEY);",
        )
        .unwrap();
    let thirty = erd(&["--format", "svg", "--from-db", db.url()]);
    for (what, svg) in [
        ("the seed", erd(&["--format", "svg"])),
        ("30 tables", thirty),
    ] {
        let (boxes, labels) = svg_geometry(&svg);
        assert!(
            boxes
                .iter()
                .all(|(name, _, _)| !name.starts_with("model_version")),
            "{what}: the runner's tables are drawn"
        );
        for (name, area, texts) in &boxes {
            for text in texts {
                let needed = text.chars().count() as f64 * 7.2 + 16.0;
                assert!(
                    needed <= area.2 + 0.5,
                    "{what}: {text:?} overflows the box of {name} ({} < {needed})",
                    area.2
                );
            }
        }
        for (i, (text, area)) in labels.iter().enumerate() {
            for (name, table, _) in &boxes {
                assert!(
                    !overlap(*area, *table),
                    "{what}: label {text:?} lies over table {name}"
                );
            }
            for (other, second) in &labels[i + 1..] {
                assert!(
                    !overlap(*area, *second),
                    "{what}: labels {text:?} and {other:?} overlap"
                );
            }
        }
    }
}
