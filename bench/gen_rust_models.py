#!/usr/bin/env python3
"""Rust models for the shared benchmark workload (bench/gen_schema.py).

Usage: gen_rust_models.py N --out DIR [--plain] [--parts K]

Writes a Cargo crate in DIR describing the same target as gen_schema.py's models_N.py: every
table but the dropped one, with the 3 added columns and the 2 new indexes, and the two enum
types. Its binary is model-cli with these models (`DIR/model.toml` is its project file).
With --plain, the same structs without the derive or attributes (the build-time baseline).
With --parts K, the models are split over K library crates (a workspace), as a large codebase
splits them; the binary gathers the models of every crate.

The tables come from gen_schema.py itself (imported, not re-implemented), so both tools
diff the same database against the same target.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "gen_schema.py")

spec = importlib.util.spec_from_file_location("gen_schema", SHARED)
gen = importlib.util.module_from_spec(spec)
sys.modules["gen_schema"] = gen
spec.loader.exec_module(gen)

# SQL type -> (Rust type, sql_type attribute or None when the Rust type maps by itself)
TYPES = {
    "bigint": ("i64", None),
    "integer": ("i32", None),
    "boolean": ("bool", None),
    "text": ("String", "text"),
    "varchar(32)": ("String", "varchar(32)"),
    "varchar(200)": ("String", "varchar(200)"),
    "varchar(255)": ("String", "varchar(255)"),
    "numeric(10,2)": ("String", "numeric(10,2)"),
    "timestamptz": ("String", "timestamptz"),
    "jsonb": ("String", "jsonb"),
    "uuid": ("String", "uuid"),
    "date": ("String", "date"),
    "order_status": ("OrderStatus", None),
    "priority_level": ("PriorityLevel", None),
}


def rust_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def field(t, c, plain: bool) -> list[str]:
    rust, sql_type = TYPES[c.sql_type]
    if c.nullable and c.name != "id":
        rust = f"Option<{rust}>"
    attrs = []
    if c.name == "id":
        attrs += ["primary_key", "identity"]
    if sql_type:
        attrs.append(f"sql_type = {rust_str(sql_type)}")
        # The workload keeps these as strings; the derive checks Rust types against sql_type.
        if TYPES[c.sql_type][0] == "String" and not sql_type.startswith(("text", "varchar")):
            attrs.append("unchecked_type")
    if c.sql_default is not None:
        attrs.append(f"default = {rust_str(c.sql_default)}")
    if c.fk:
        attrs.append(f'foreign_key = "{c.fk}.id"')
        attrs.append(f'foreign_key_name = "fk_{t.name}_{c.name}"')
        attrs.append('on_delete = "cascade"')
    out = []
    if attrs and not plain:
        out.append(f"    #[model({', '.join(attrs)})]")
    out.append(f"    pub {c.name}: {rust},")
    return out


def table_attrs(t, new_indexes) -> str:
    parts = [f'table = "{t.name}"']
    for name, cols in t.uniques:
        parts.append(f"unique({', '.join(cols)}, name = \"{name}\")")
    for name, expr in t.checks:
        parts.append(f"check(name = \"{name}\", expr = {rust_str(expr)})")
    for name, cols, unique, where in t.indexes + [(n, c, False, None) for n, c in new_indexes]:
        extra = ", unique" if unique else ""
        if where:
            extra += f", where = {rust_str(where)}"
        parts.append(f"index({', '.join(cols)}{extra}, name = \"{name}\")")
    return "#[model(" + ",\n        ".join(parts) + ")]"


def enum_items(plain: bool) -> list[str]:
    lines = []
    for en, labels in gen.ENUMS.items():
        rust = "".join(p.capitalize() for p in en.split("_"))
        if not plain:
            lines.append("#[derive(Enum)]")
            lines.append(f'#[model(name = "{en}")]')
        lines.append(f"pub enum {rust} {{")
        lines += [f"    {label.capitalize()}," for label in labels]
        lines += ["}", ""]
    return lines


def model_items(tables, delta, added, new_idx, plain: bool) -> list[str]:
    lines = []
    for t in tables:
        if t.name == delta.dropped_table:
            continue
        if not plain:
            lines.append("#[derive(Model)]")
            lines.append(table_attrs(t, new_idx.get(t.name, [])))
        lines.append(f"pub struct {gen.class_name(t)} {{")
        for c in t.cols + added.get(t.name, []):
            lines += field(t, c, plain)
        lines += ["}", ""]
    return lines


def manifest(name: str, root: str, extra: str = "", workspace: str = "[workspace]") -> str:
    return f"""[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

{workspace}

[dependencies]
model-core = {{ path = "{root}/model-core" }}
{extra}"""


def write(n: int, out: str, plain: bool, parts: int = 1) -> None:
    tables = [gen.build_table(i) for i in range(1, n + 1)]
    delta = gen.build_delta(n)
    added: dict[str, list] = {}
    for tn, c in delta.added_cols:
        added.setdefault(tn, []).append(c)
    new_idx: dict[str, list] = {}
    for tn, iname, icols in delta.new_indexes:
        new_idx.setdefault(tn, []).append((iname, icols))

    os.makedirs(os.path.join(out, "src"), exist_ok=True)
    os.makedirs(os.path.join(out, "migrations"), exist_ok=True)
    root = os.path.abspath(os.path.join(HERE, ".."))
    name = f"bench-models-{n}{'-plain' if plain else ''}{f'-in-{parts}' if parts > 1 else ''}"
    crate = name.replace("-", "_")
    cli = f'model-cli = {{ path = "{root}/model-cli" }}\n'
    header = ["//! Generated by bench/gen_rust_models.py; do not edit.", "#![allow(dead_code, unused_imports)]", ""]
    uses = [] if plain else ["use model_core::{Enum, Model};", ""]
    with open(os.path.join(out, "model.toml"), "w") as f:
        f.write('script_location = "migrations"\nschemas = ["public"]\nversion_table = "model_version"\n')

    if parts <= 1:
        with open(os.path.join(out, "Cargo.toml"), "w") as f:
            f.write(manifest(name, root, cli))
        lines = header + uses + enum_items(plain) + model_items(tables, delta, added, new_idx, plain)
        if not plain:
            lines += [
                "/// Every model and enum of this crate.",
                "pub fn models() -> Result<model_core::ModelSet, model_core::ModelSetError> {",
                "    model_core::ModelSet::registered_in(module_path!())",
                "}",
            ]
    else:
        # The models over `parts` library crates, as a large codebase splits them (one crate
        # of 30,000 models needs more memory in rustc than this machine has); foreign keys
        # cross crates by table name, the enums live in the first crate. The binary gathers
        # every registered model of every crate it links.
        members = [f"part_{k}" for k in range(parts)]
        size = -(-len(tables) // parts)
        deps = ""
        for k, member in enumerate(members):
            dep_name = f"{name}-{member}".replace("-", "_")
            extra = "" if k == 0 else f'{crate}_part_0 = {{ path = "../part_0" }}\n'
            os.makedirs(os.path.join(out, member, "src"), exist_ok=True)
            with open(os.path.join(out, member, "Cargo.toml"), "w") as f:
                f.write(manifest(dep_name, root, extra, workspace=""))
            body = header + uses
            if k == 0:
                body += enum_items(plain)
            elif not plain:
                body += [f"use {crate}_part_0::{{OrderStatus, PriorityLevel}};", ""]
            body += model_items(tables[k * size:(k + 1) * size], delta, added, new_idx, plain)
            body += ["/// Referenced by the binary so that the linker keeps this crate's models.",
                     "pub fn linked() {}"]
            with open(os.path.join(out, member, "src", "lib.rs"), "w") as f:
                f.write("\n".join(body) + "\n")
            deps += f'{dep_name} = {{ path = "{member}" }}\n'
        with open(os.path.join(out, "Cargo.toml"), "w") as f:
            f.write(manifest(name, root, cli + deps,
                             workspace=f"[workspace]\nmembers = [{', '.join(repr(m) for m in members)}]"))
        lines = header
        if not plain:
            lines += [
                "/// Every model and enum of every part.",
                "pub fn models() -> Result<model_core::ModelSet, model_core::ModelSetError> {",
                *[f"    {name.replace('-', '_')}_{m}::linked();" for m in members],
                "    model_core::ModelSet::registered()",
                "}",
            ]
    with open(os.path.join(out, "src", "lib.rs"), "w") as f:
        f.write("\n".join(lines) + "\n")
    main = "fn main() {}\n" if plain else (
        "fn main() -> std::process::ExitCode {\n"
        f"    model_cli::run_in(env!(\"CARGO_MANIFEST_DIR\"), {crate}::models())\n"
        "}\n"
    )
    with open(os.path.join(out, "src", "main.rs"), "w") as f:
        f.write(main)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("--out", required=True)
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--parts", type=int, default=1, help="split the models over this many crates")
    a = ap.parse_args()
    write(a.n, a.out, a.plain, a.parts)


if __name__ == "__main__":
    main()
