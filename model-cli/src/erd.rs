//! `model-cli erd`: the tables, their columns (type, key, nullability) and the relationships
//! their foreign keys make, as Mermaid, Graphviz DOT, or SVG laid out and drawn here (no
//! Graphviz needed).
//!
//! A foreign key is a many-to-one relationship from its table to the referenced one (one-to-one
//! when its columns are unique); an association table (only the columns of exactly two foreign
//! keys) is a many-to-many relationship between the two tables it links, drawn as such.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use model_core::schema::{Schema, TableName};

/// What the diagram shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Only key columns (primary and foreign).
    pub keys_only: bool,
}

/// One column as drawn.
struct Attribute {
    name: String,
    ty: String,
    primary: bool,
    foreign: bool,
    nullable: bool,
}

/// One table as drawn.
struct Entity {
    name: TableName,
    attributes: Vec<Attribute>,
    /// An association table: only the columns of its two foreign keys.
    association: bool,
}

/// How many of each side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cardinality {
    /// Many rows of `from` to one of `to`.
    ManyToOne,
    /// At most one row of `from` for one of `to` (the key's columns are unique).
    OneToOne,
}

/// One foreign key as drawn: from the referencing table to the referenced one.
struct Relationship {
    from: TableName,
    to: TableName,
    columns: Vec<String>,
    referenced: Vec<String>,
    cardinality: Cardinality,
    /// Some referencing column may be NULL: a row of `from` may have no `to`.
    optional: bool,
}

/// The diagram of a schema.
pub struct Erd {
    entities: Vec<Entity>,
    relationships: Vec<Relationship>,
    /// More than one schema: names are qualified.
    qualified: bool,
}

impl Erd {
    pub fn new(schema: &Schema, options: Options) -> Erd {
        let schemas: BTreeSet<&str> = schema
            .tables
            .iter()
            .map(|t| t.name.schema.as_str())
            .collect();
        let mut entities = Vec::new();
        let mut relationships = Vec::new();
        for table in &schema.tables {
            let primary: BTreeSet<&str> = table
                .primary_key
                .iter()
                .flat_map(|k| k.columns.iter().map(String::as_str))
                .collect();
            let foreign: BTreeSet<&str> = table
                .foreign_keys
                .iter()
                .flat_map(|k| k.columns.iter().map(String::as_str))
                .collect();
            let attributes = table
                .columns
                .iter()
                .filter(|c| {
                    !options.keys_only
                        || primary.contains(c.name.as_str())
                        || foreign.contains(c.name.as_str())
                })
                .map(|c| Attribute {
                    name: c.name.clone(),
                    ty: c.ty.to_string(),
                    primary: primary.contains(c.name.as_str()),
                    foreign: foreign.contains(c.name.as_str()),
                    nullable: c.nullable,
                })
                .collect();
            entities.push(Entity {
                name: table.name.clone(),
                attributes,
                association: table.is_association(),
            });
            for key in &table.foreign_keys {
                let unique = |columns: &[String]| {
                    let set: BTreeSet<&String> = columns.iter().collect();
                    set == key.columns.iter().collect()
                };
                let one = table
                    .primary_key
                    .as_ref()
                    .is_some_and(|k| unique(&k.columns))
                    || table.uniques.iter().any(|u| unique(&u.columns));
                let optional = key
                    .columns
                    .iter()
                    .any(|name| table.columns.iter().any(|c| c.name == *name && c.nullable));
                relationships.push(Relationship {
                    from: table.name.clone(),
                    to: key.references.clone(),
                    columns: key.columns.clone(),
                    referenced: key.referenced_columns.clone(),
                    cardinality: if one {
                        Cardinality::OneToOne
                    } else {
                        Cardinality::ManyToOne
                    },
                    optional,
                });
            }
        }
        Erd {
            entities,
            relationships,
            qualified: schemas.len() > 1,
        }
    }

    /// How the diagram names a table.
    fn name(&self, table: &TableName) -> String {
        if self.qualified {
            format!("{}.{}", table.schema, table.name)
        } else {
            table.name.clone()
        }
    }

    fn is_association(&self, table: &TableName) -> bool {
        self.entities
            .iter()
            .any(|e| e.association && e.name == *table)
    }

    /// Mermaid `erDiagram`: an association table becomes a many-to-many relationship between
    /// the two tables it links, labelled with its name.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("erDiagram\n");
        // Mermaid names are identifiers: every other character becomes `_`, and the real name
        // is the entity's label. Names that become one identifier (`a b`, `a_b`, `a.b`) get
        // distinct ones (`a_b`, `a_b_2`, …).
        let mut ids: std::collections::BTreeMap<&TableName, String> = Default::default();
        let mut taken = std::collections::BTreeSet::new();
        for entity in &self.entities {
            ids.insert(
                &entity.name,
                unique_id(mermaid_id(&self.name(&entity.name)), &mut taken),
            );
        }
        let id = |t: &TableName| {
            ids.get(t)
                .cloned()
                .unwrap_or_else(|| mermaid_id(&self.name(t)))
        };
        for entity in self.entities.iter().filter(|e| !e.association) {
            let _ = writeln!(
                out,
                "    {}[\"{}\"] {{",
                id(&entity.name),
                mermaid_text(&self.name(&entity.name))
            );
            // A column whose name is an identifier keeps it; others get what is left.
            let mut attribute_ids: std::collections::BTreeSet<String> = entity
                .attributes
                .iter()
                .filter(|a| mermaid_id(&a.name) == a.name)
                .map(|a| a.name.clone())
                .collect();
            for a in &entity.attributes {
                let attribute = if mermaid_id(&a.name) == a.name {
                    a.name.clone()
                } else {
                    unique_id(mermaid_id(&a.name), &mut attribute_ids)
                };
                let mut keys = Vec::new();
                if a.primary {
                    keys.push("PK");
                }
                if a.foreign {
                    keys.push("FK");
                }
                let keys = if keys.is_empty() {
                    String::new()
                } else {
                    format!(" {}", keys.join(", "))
                };
                let null = if a.nullable { "NULL" } else { "NOT NULL" };
                // The column's own name in the comment when the identifier is not it.
                let note = if attribute == a.name {
                    null.to_string()
                } else {
                    format!("{}: {null}", mermaid_text(&a.name))
                };
                let _ = writeln!(
                    out,
                    "        {} {attribute}{keys} \"{note}\"",
                    mermaid_type(&a.ty),
                );
            }
            out.push_str("    }\n");
        }
        for r in &self.relationships {
            if self.is_association(&r.from) {
                continue;
            }
            // Left: the referenced table (exactly one, or at most one when optional); right:
            // the referencing one.
            let left = if r.optional { "|o" } else { "||" };
            let right = match r.cardinality {
                Cardinality::ManyToOne => "o{",
                Cardinality::OneToOne => "o|",
            };
            let _ = writeln!(
                out,
                "    {} {left}--{right} {} : \"{}\"",
                id(&r.to),
                id(&r.from),
                mermaid_text(&r.columns.join(", "))
            );
        }
        for entity in self.entities.iter().filter(|e| e.association) {
            let sides: Vec<&Relationship> = self
                .relationships
                .iter()
                .filter(|r| r.from == entity.name)
                .collect();
            if let [a, b] = sides.as_slice() {
                let _ = writeln!(
                    out,
                    "    {} }}o--o{{ {} : \"{}\"",
                    id(&a.to),
                    id(&b.to),
                    mermaid_text(&format!("through {}", self.name(&entity.name)))
                );
            }
        }
        out
    }

    /// Graphviz DOT: one record per table (title, then a field per column), an edge per foreign
    /// key labelled with its cardinality; an association table dashed, its edges `N:M`.
    /// Tables of several schemas are grouped by schema (clusters).
    pub fn dot(&self) -> String {
        let mut out = String::from(
            "digraph erd {\n    rankdir=LR;\n    node [shape=record, fontname=\"Helvetica\", fontsize=11];\n    edge [fontname=\"Helvetica\", fontsize=10];\n",
        );
        let node = |e: &Entity| {
            let mut fields = vec![dot_record_text(&self.title(e))];
            for (i, a) in e.attributes.iter().enumerate() {
                fields.push(format!("<c{i}> {}", dot_record_text(&row_text(a))));
            }
            let style = if e.association { ", style=dashed" } else { "" };
            format!(
                "    {} [label=\"{}\"{style}];\n",
                dot_id(&self.name(&e.name)),
                fields.join("|")
            )
        };
        let schemas: BTreeSet<&str> = self
            .entities
            .iter()
            .map(|e| e.name.schema.as_str())
            .collect();
        if schemas.len() > 1 {
            for (i, schema) in schemas.iter().enumerate() {
                let _ = writeln!(out, "    subgraph cluster_{i} {{");
                let _ = writeln!(out, "        label={};", dot_id(schema));
                for e in self.entities.iter().filter(|e| e.name.schema == *schema) {
                    out.push_str("    ");
                    out.push_str(&node(e));
                }
                out.push_str("    }\n");
            }
        } else {
            for e in &self.entities {
                out.push_str(&node(e));
            }
        }
        for r in &self.relationships {
            // From the first referencing column to the first referenced one, when both are
            // drawn.
            let port = |table: &TableName, column: Option<&String>| {
                self.entities
                    .iter()
                    .find(|e| e.name == *table)
                    .and_then(|e| e.attributes.iter().position(|a| Some(&a.name) == column))
                    .map(|i| format!(":c{i}"))
                    .unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "    {}{} -> {}{} [label=\"{}\"];",
                dot_id(&self.name(&r.from)),
                port(&r.from, r.columns.first()),
                dot_id(&self.name(&r.to)),
                port(&r.to, r.referenced.first()),
                dot_escape(&self.cardinality_label(r))
            );
        }
        out.push_str("}\n");
        out
    }

    /// A table's header line: its name, and whether it is an association table.
    fn title(&self, e: &Entity) -> String {
        if e.association {
            format!("{} (association)", self.name(&e.name))
        } else {
            self.name(&e.name)
        }
    }

    /// A table's box width: its longest line at `char_width` per character, with padding.
    fn box_width(&self, e: &Entity, char_width: f64) -> f64 {
        let longest = std::iter::once(self.title(e).chars().count())
            .chain(e.attributes.iter().map(|a| row_text(a).chars().count()))
            .max()
            .unwrap_or(0);
        longest as f64 * char_width + 16.0
    }

    /// The tables in columns: each table's rank (0 for one that references nothing, else one
    /// more than its parents'; an edge closing a cycle is left out), and the tables of each
    /// rank ordered by where their parents stand (then by name). Always at least one column.
    fn ranked_columns(&self) -> (Vec<usize>, Vec<Vec<usize>>) {
        let n = self.entities.len();
        let index = |t: &TableName| self.entities.iter().position(|e| e.name == *t);
        let parents: Vec<Vec<usize>> = self
            .entities
            .iter()
            .map(|e| {
                let mut p: Vec<usize> = self
                    .relationships
                    .iter()
                    .filter(|r| r.from == e.name && r.to != e.name)
                    .filter_map(|r| index(&r.to))
                    .collect();
                p.sort();
                p.dedup();
                p
            })
            .collect();
        // Rank: 0 for a table that references nothing, else one more than its parents'
        // (an edge closing a cycle is left out).
        fn rank_of(
            i: usize,
            parents: &[Vec<usize>],
            rank: &mut [Option<usize>],
            stack: &mut Vec<usize>,
        ) -> usize {
            if let Some(r) = rank[i] {
                return r;
            }
            stack.push(i);
            let mut r = 0;
            for &p in &parents[i] {
                if !stack.contains(&p) {
                    r = r.max(1 + rank_of(p, parents, rank, stack));
                }
            }
            stack.pop();
            rank[i] = Some(r);
            r
        }
        let mut rank = vec![None; n];
        for i in 0..n {
            rank_of(i, &parents, &mut rank, &mut Vec::new());
        }
        let rank: Vec<usize> = rank.into_iter().map(|r| r.unwrap_or(0)).collect();
        let top = rank.iter().copied().max().unwrap_or(0);
        // Each column ordered by where its tables' parents stand (then by name).
        let mut position = vec![0.0f64; n];
        let mut columns: Vec<Vec<usize>> = Vec::with_capacity(top + 1);
        for r in 0..=top {
            let mut members: Vec<usize> = (0..n).filter(|&i| rank[i] == r).collect();
            let key = |i: usize| {
                let placed: Vec<f64> = parents[i]
                    .iter()
                    .filter(|&&p| rank[p] < r)
                    .map(|&p| position[p])
                    .collect();
                if placed.is_empty() {
                    f64::MAX
                } else {
                    placed.iter().sum::<f64>() / placed.len() as f64
                }
            };
            members.sort_by(|&a, &b| {
                key(a)
                    .partial_cmp(&key(b))
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then_with(|| self.entities[a].name.cmp(&self.entities[b].name))
            });
            for (k, &i) in members.iter().enumerate() {
                position[i] = k as f64;
            }
            columns.push(members);
        }
        (rank, columns)
    }

    /// Where everything stands: tables in columns by how far they are from the tables they
    /// reference (referenced tables to the right), the gaps between columns wide enough for
    /// the labels of the edges that leave into them.
    fn layout(&self) -> Layout {
        let n = self.entities.len();
        let index = |t: &TableName| self.entities.iter().position(|e| e.name == *t);
        let (rank, columns) = self.ranked_columns();
        let top = columns.len() - 1;
        let w: Vec<f64> = self
            .entities
            .iter()
            .map(|e| self.box_width(e, CHAR))
            .collect();
        let h: Vec<f64> = self
            .entities
            .iter()
            .map(|e| (e.attributes.len() + 1) as f64 * ROW)
            .collect();
        let column_width = |r: usize| columns[r].iter().map(|&i| w[i]).fold(0.0, f64::max);
        // The gap right of each column holds the labels of the edges leaving its tables
        // rightwards (beside the table they leave), the gap left of it those of edges leaving
        // leftwards (a cycle); right of the last column, only the room its loops' labels take.
        let mut gap = vec![GAP_X; top + 2];
        gap[0] = 0.0;
        for rel in &self.relationships {
            let (Some(a), Some(b)) = (index(&rel.from), index(&rel.to)) else {
                continue;
            };
            let (ra, rb) = (rank[a], rank[b]);
            let label = self.cardinality_label(rel).chars().count() as f64 * LABEL_CHAR;
            let slack = column_width(ra) - w[a];
            let (at, needed) = if a == b {
                (ra, SELF_LOOP + LABEL_PAD + label + LABEL_PAD - slack)
            } else if rb < ra {
                (ra, LABEL_PAD + label + ARROW_ROOM - slack)
            } else {
                (ra + 1, LABEL_PAD + label + LABEL_PAD)
            };
            gap[at] = gap[at].max(needed);
        }
        let (mut x, mut y) = (vec![0.0; n], vec![0.0; n]);
        let mut left = MARGIN;
        let mut bottom: f64 = 0.0;
        let mut extent = vec![(0.0f64, 0.0f64); top + 1];
        // Columns from the left: the highest rank first, rank 0 last.
        for r in (0..=top).rev() {
            extent[r] = (left, column_width(r));
            let mut next = MARGIN;
            for &i in &columns[r] {
                (x[i], y[i]) = (left, next);
                next += h[i] + GAP_Y;
            }
            bottom = bottom.max(next);
            left += column_width(r) + if r == 0 { 0.0 } else { gap[r] };
        }
        Layout {
            size: (left + gap[0] + MARGIN, bottom - GAP_Y + MARGIN),
            x,
            y,
            w,
            h,
            rank,
            columns,
            extent,
        }
    }

    /// SVG drawn here, deterministically (see [`Self::layout`]): each table a box with a row
    /// per column; each foreign key a curve from its first column to the referenced one,
    /// through the gaps between the tables of the columns it crosses, labelled with its
    /// cardinality beside the table it leaves, where the label covers no table and no other
    /// label. One `<g class="table">` per table and one `<path class="relationship">` per
    /// foreign key.
    pub fn svg(&self) -> String {
        let at = self.layout();
        let index = |t: &TableName| self.entities.iter().position(|e| e.name == *t);
        let (total_width, total_height) = at.size;
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total_width:.0}\" height=\"{total_height:.0}\" viewBox=\"0 0 {total_width:.0} {total_height:.0}\" font-family=\"monospace\" font-size=\"12\">\n"
        );
        out.push_str("<style>.table rect{fill:#fff;stroke:#333}.table .head{fill:#dde7f3}.association rect{stroke-dasharray:5,3}.relationship{fill:none;stroke:#555}.label{font-size:10px;fill:#333}.label-bg{fill:#fff;fill-opacity:0.85}</style>\n");
        out.push_str("<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"8\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n");
        for (i, e) in self.entities.iter().enumerate() {
            let rows: Vec<String> = e.attributes.iter().map(row_text).collect();
            svg_table(
                &mut out,
                e.association,
                &self.name(&e.name),
                (at.x[i], at.y[i], at.w[i], at.h[i]),
                &self.title(e),
                &rows,
            );
        }
        let row_y = |i: usize, column: Option<&String>| {
            let k = self.entities[i]
                .attributes
                .iter()
                .position(|a| Some(&a.name) == column)
                .map_or(0, |k| k + 1);
            at.y[i] + ROW * k as f64 + ROW / 2.0
        };
        // Each label's background, and the label (x, baseline, text): drawn over the edges.
        let mut placed: Vec<Area> = Vec::new();
        let mut labels: Vec<(f64, f64, String)> = Vec::new();
        for r in &self.relationships {
            let (Some(a), Some(b)) = (index(&r.from), index(&r.to)) else {
                continue;
            };
            let (y1, y2) = (row_y(a, r.columns.first()), row_y(b, r.referenced.first()));
            let label = self.cardinality_label(r);
            let _ = writeln!(
                out,
                "<path class=\"relationship\" d=\"{}\" marker-end=\"url(#arrow)\"><title>{}</title></path>",
                at.edge(a, b, y1, y2),
                xml(&format!("{} -> {}: {label}", self.name(&r.from), self.name(&r.to)))
            );
            let w = label.chars().count() as f64 * LABEL_CHAR;
            let lx = if a == b {
                at.x[a] + at.w[a] + SELF_LOOP + LABEL_PAD
            } else if at.x[b] > at.x[a] {
                at.x[a] + at.w[a] + LABEL_PAD
            } else {
                at.x[a] - LABEL_PAD - w
            };
            let ly = at.label_line(lx, w, y1 - 4.0, &placed);
            placed.push(label_area(lx, ly, w));
            labels.push((lx, ly, label));
        }
        for ((bx, by, bw, bh), (lx, ly, label)) in placed.iter().zip(&labels) {
            let _ = writeln!(
                out,
                "<rect class=\"label-bg\" x=\"{bx:.1}\" y=\"{by:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\"/>\n<text class=\"label\" x=\"{lx:.1}\" y=\"{ly:.1}\">{}</text>",
                xml(label)
            );
        }
        out.push_str("</svg>\n");
        out
    }

    /// `N:1 (customer_id)`, `1:0..1 (…)`, `N:M (…)` for an association table's keys.
    fn cardinality_label(&self, r: &Relationship) -> String {
        let kind = if self.is_association(&r.from) {
            "N:M"
        } else {
            match (r.cardinality, r.optional) {
                (Cardinality::ManyToOne, false) => "N:1",
                (Cardinality::ManyToOne, true) => "N:0..1",
                (Cardinality::OneToOne, false) => "1:1",
                (Cardinality::OneToOne, true) => "1:0..1",
            }
        };
        format!("{kind} ({})", r.columns.join(", "))
    }
}

/// x, y, width, height.
type Area = (f64, f64, f64, f64);

fn apart(a: &Area, b: &Area) -> bool {
    a.0 >= b.0 + b.2 || b.0 >= a.0 + a.2 || a.1 >= b.1 + b.3 || b.1 >= a.1 + a.3
}

/// What a label at `x`, baseline `y`, `w` wide covers (with a little margin).
fn label_area(x: f64, y: f64, w: f64) -> Area {
    (x - 2.0, y - 10.0, w + 4.0, 13.0)
}

/// Where the tables of an SVG stand (see [`Erd::layout`]).
struct Layout {
    /// The picture's width and height.
    size: (f64, f64),
    /// Each table's box.
    x: Vec<f64>,
    y: Vec<f64>,
    w: Vec<f64>,
    h: Vec<f64>,
    /// Each table's column (0: the rightmost).
    rank: Vec<usize>,
    /// The tables of each column, top first.
    columns: Vec<Vec<usize>>,
    /// Each column's left edge and width.
    extent: Vec<(f64, f64)>,
}

impl Layout {
    /// The curve of an edge from table `a`'s row at `y1` to table `b`'s row at `y2`.
    fn edge(&self, a: usize, b: usize, y1: f64, y2: f64) -> String {
        let (x, y) = (&self.x, &self.y);
        if a == b {
            // A table referencing itself: a loop on its right side.
            let x1 = x[a] + self.w[a];
            return format!(
                "M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x1:.1},{y2:.1}",
                x1 + SELF_LOOP,
                x1 + SELF_LOOP
            );
        }
        if x[b] <= x[a] {
            // The referenced table stands left (a cycle): from the left side to its right.
            let (x1, x2) = (x[a], x[b] + self.w[b]);
            let d = ((x1 - x2).abs() / 2.0).max(40.0);
            return format!(
                "M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}",
                x1 - d,
                x2 + d
            );
        }
        let (x1, x2) = (x[a] + self.w[a], x[b]);
        // Through the gaps of the columns in between, never across their tables: straight
        // along each gap, curves between.
        let mut along: Vec<(f64, f64, f64)> = Vec::new(); // (from x, to x, y)
        for r in (self.rank[b] + 1..self.rank[a]).rev() {
            let (left, w) = self.extent[r];
            let at = y1 + (y2 - y1) * ((left + w / 2.0 - x1) / (x2 - x1));
            let mut gaps: Vec<f64> = Vec::new();
            let mut above = MARGIN / 2.0;
            for &i in &self.columns[r] {
                gaps.push((above + y[i]) / 2.0);
                above = y[i] + self.h[i];
            }
            gaps.push(above + GAP_Y / 2.0);
            let gap = gaps
                .into_iter()
                .min_by(|p, q| {
                    (p - at)
                        .abs()
                        .partial_cmp(&(q - at).abs())
                        .unwrap_or(std::cmp::Ordering::Equal)
                })
                .unwrap_or(at);
            along.push((left - 12.0, left + w + 12.0, gap));
        }
        let curve = |d: &mut String, (ax, ay): (f64, f64), (bx, by): (f64, f64)| {
            let m = (bx - ax) / 2.0;
            let _ = write!(
                d,
                " C{:.1},{ay:.1} {:.1},{by:.1} {bx:.1},{by:.1}",
                ax + m,
                bx - m
            );
        };
        let mut d = format!("M{x1:.1},{y1:.1}");
        let mut at = (x1, y1);
        for (from, to, gap) in along {
            curve(&mut d, at, (from, gap));
            let _ = write!(d, " L{to:.1},{gap:.1}");
            at = (to, gap);
        }
        curve(&mut d, at, (x2, y2));
        d
    }

    /// The baseline of a label `w` wide at `x`: `wanted`, or the nearest line above or below
    /// it where the label covers no table and none of the labels `placed`.
    fn label_line(&self, x: f64, w: f64, wanted: f64, placed: &[Area]) -> f64 {
        let free = |line: f64| {
            let area = label_area(x, line, w);
            placed.iter().all(|o| apart(&area, o))
                && (0..self.x.len())
                    .all(|i| apart(&area, &(self.x[i], self.y[i], self.w[i], self.h[i])))
        };
        let mut line = wanted;
        for k in 1..=12u32 {
            if free(line) {
                break;
            }
            let step = 13.0 * k.div_ceil(2) as f64;
            line = if k % 2 == 1 {
                wanted - step
            } else {
                wanted + step
            };
        }
        line
    }
}

fn mermaid_id(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// `base`, or `base_2`, `base_3`, … when taken; the result is taken.
fn unique_id(base: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut id = base.clone();
    let mut n = 2;
    while !taken.insert(id.clone()) {
        id = format!("{base}_{n}");
        n += 1;
    }
    id
}

fn mermaid_type(ty: &str) -> String {
    ty.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_()[],".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Text inside Mermaid's double quotes: no quote, no line break.
fn mermaid_text(text: &str) -> String {
    model_core::sql::display(text).replace('"', "'")
}

/// A DOT identifier: always quoted.
fn dot_id(name: &str) -> String {
    format!("\"{}\"", dot_escape(name))
}

/// Text inside DOT's double quotes.
fn dot_escape(text: &str) -> String {
    model_core::sql::display(text)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}

/// Text of an SVG element or attribute, control characters made visible.
fn xml(text: &str) -> String {
    model_core::sql::display(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Text of a record field: also `{}|<>` and spaces at the ends escaped.
fn dot_record_text(text: &str) -> String {
    let mut out = String::new();
    for c in model_core::sql::display(text).chars() {
        if "{}|<>\"\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The height of one line of a table's box in the SVG drawing.
const ROW: f64 = 20.0;
/// A table row's character width (12 px monospace).
const CHAR: f64 = 7.2;
/// The narrowest gap between two columns of tables, and between two tables of a column.
const GAP_X: f64 = 110.0;
const GAP_Y: f64 = 28.0;
/// Around the picture.
const MARGIN: f64 = 20.0;
/// A label's character width (10 px monospace).
const LABEL_CHAR: f64 = 6.0;
/// Space between a label and what it is beside.
const LABEL_PAD: f64 = 6.0;
/// Room for the arrowhead after a label, before the next column.
const ARROW_ROOM: f64 = 30.0;
/// How far a table's loop to itself reaches right.
const SELF_LOOP: f64 = 40.0;

/// A column's line in a table's box: name, type and its marks (PK, FK, NOT NULL).
fn row_text(a: &Attribute) -> String {
    let mut marks = Vec::new();
    if a.primary {
        marks.push("PK");
    }
    if a.foreign {
        marks.push("FK");
    }
    if !a.nullable {
        marks.push("NOT NULL");
    }
    format!("{} {} {}", a.name, a.ty, marks.join(" "))
        .trim_end()
        .to_string()
}

/// One table's box: a `<g class="table">` with its frame, its header and a row per column.
fn svg_table(
    out: &mut String,
    association: bool,
    name: &str,
    (x, y, w, h): (f64, f64, f64, f64),
    title: &str,
    rows: &[String],
) {
    let class = if association {
        "table association"
    } else {
        "table"
    };
    let _ = writeln!(out, "<g class=\"{class}\" data-table=\"{}\">", xml(name));
    let _ = writeln!(
        out,
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\"/>"
    );
    let _ = writeln!(
        out,
        "<rect class=\"head\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{ROW:.1}\"/>"
    );
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
        x + 8.0,
        y + 14.0,
        xml(title)
    );
    for (k, row) in rows.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x + 8.0,
            y + ROW * (k + 1) as f64 + 14.0,
            xml(row)
        );
    }
    out.push_str("</g>\n");
}
