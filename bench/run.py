#!/usr/bin/env python3
"""The benchmark harness: `python3 bench/run.py` from the repository root.

On a PostgreSQL cluster of its own (initdb in a temporary directory, private socket), for the
shared workload (bench/gen_schema.py, a copy of the team's generator) at each N:

1. end-to-end `revision --autogenerate` of this project, of Alembic, and migra's diff of the
   database against a copy with the delta applied: same database, same target, alternating the
   tools; checks that each found exactly the 6 expected changes; peak memory; statements sent;
2. introspection alone (in process, from model-bench) against the floor: this project's own
   catalog queries run by psql;
3. diff + render in memory, up to 10x the tables (model-bench);
4. `upgrade head` of 500 small revisions against psql running the same SQL from one file;
5. `cargo build` of a crate with 200 and 1,000 generated models, against the same structs
   without the derive.

Writes BENCHMARKS.md. Alembic, SQLAlchemy and migra are installed from PyPI into virtualenvs
under bench/.venv-*. Benchmarks measure; nothing here fails on a time.

Options: --sizes 100 1000 3000, --reps 5, --skip-build (part 5), --out BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BENCH = os.path.join(ROOT, "bench")
SHARED_GEN = os.path.join(BENCH, "gen_schema.py")
TARGET = os.path.join(ROOT, "target", "bench")


def sh(args, **kw):
    return subprocess.run(args, check=True, text=True, capture_output=True, **kw)


def run_measured(args, cwd=None, env=None, ok=(0,)):
    """Like timed, with the child's own peak memory from wait4."""
    start = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        out_f = tempfile.TemporaryFile(mode="w+")
        err_f = tempfile.TemporaryFile(mode="w+")
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out_f, stderr=err_f, stdin=devnull)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(args[:3])} exited {proc.returncode}:\n{err[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024.0, out, err


class Cluster:
    """A private PostgreSQL cluster on a Unix socket, with statement logging on demand."""

    def __init__(self):
        bindir = sh(["pg_config", "--bindir"]).stdout.strip() if shutil.which("pg_config") else ""
        if not os.path.exists(os.path.join(bindir, "initdb")):
            candidates = sorted(d for d in os.listdir("/usr/lib/postgresql")) if os.path.isdir("/usr/lib/postgresql") else []
            bindir = f"/usr/lib/postgresql/{candidates[-1]}/bin" if candidates else os.path.dirname(shutil.which("initdb") or "")
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="model-bench-pg-")
        self.log = os.path.join(self.dir, "server.log")
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        sh(self.as_user + [f"{bindir}/initdb", "-D", f"{self.dir}/data", "-U", "postgres", "-A", "trust",
                           "--no-sync", "-E", "UTF8", "--locale=C"])
        opts = f"-k {self.dir} -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off " \
               f"-c max_locks_per_transaction=1024 " \
               f"-c logging_collector=off -c log_min_messages=warning"
        sh(self.as_user + [f"{bindir}/pg_ctl", "-D", f"{self.dir}/data", "-o", opts, "-l", self.log, "-w", "start"])
        self.version = self.psql("postgres", "SHOW server_version").strip()

    def psql(self, db, sql=None, file=None):
        args = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.dir, "-U", "postgres", "-d", db]
        args += ["-f", file] if file else ["-c", sql]
        return sh(args).stdout

    def conninfo(self, db):
        return f"host={self.dir} user=postgres dbname={db}"

    def sqlalchemy(self, db):
        return f"postgresql+psycopg2://postgres@/{db}?host={self.dir}"

    def create(self, db, *files):
        self.psql("postgres", f"DROP DATABASE IF EXISTS {db}")
        self.psql("postgres", f"CREATE DATABASE {db}")
        for f in files:
            self.psql(db, file=f)

    def count_statements(self, action):
        """Runs action() with every statement logged; returns how many were logged."""
        self.psql("postgres", "ALTER SYSTEM SET log_statement = 'all'")
        self.psql("postgres", "SELECT pg_reload_conf()")
        time.sleep(0.2)
        start = os.path.getsize(self.log)
        action()
        time.sleep(0.2)
        self.psql("postgres", "ALTER SYSTEM RESET log_statement")
        self.psql("postgres", "SELECT pg_reload_conf()")
        with open(self.log, errors="replace") as f:
            f.seek(start)
            text = f.read()
        return len(re.findall(r"LOG:  (statement|execute [^:]*):", text))

    def stop(self):
        subprocess.run(self.as_user + [f"{self.bindir}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def venv(name, packages):
    path = os.path.join(BENCH, f".venv-{name}")
    if not os.path.exists(os.path.join(path, "bin", "python")):
        sh([sys.executable, "-m", "venv", path])
    sh([os.path.join(path, "bin", "pip"), "install", "-q"] + packages)
    return path


def pip_version(venv_path, package):
    out = sh([os.path.join(venv_path, "bin", "pip"), "show", package]).stdout
    m = re.search(r"^Version: (.+)$", out, re.M)
    return m.group(1) if m else "?"


def spread(values, unit="s", scale=1.0):
    values = sorted(values)
    med = statistics.median(values)
    fmt = (lambda v: f"{v * scale:.3f}") if unit == "s" else (lambda v: f"{v * scale:.0f}")
    return med, f"{fmt(med)} ({fmt(values[0])}–{fmt(values[-1])})"


EXPECTED_KINDS = ["add_column", "add_column", "add_column", "create_index", "create_index", "drop_table"]


def classify_ours(stderr):
    kinds = []
    for line in stderr.splitlines():
        m = re.search(r"Detected (added column|removed table|added index|.*)", line)
        if not m:
            continue
        kinds.append({"added column": "add_column", "removed table": "drop_table",
                      "added index": "create_index"}.get(m.group(1).split(" '")[0], "other: " + m.group(1)))
    return sorted(kinds)


def classify_alembic(script, dropped):
    kinds = []
    body = script.split("def upgrade()")[1].split("def downgrade()")[0]
    for op in re.findall(r"op\.(\w+)\(([^\n]*)", body):
        name, args = op
        if name == "add_column":
            kinds.append("add_column")
        elif name == "create_index":
            kinds.append("create_index")
        elif name == "drop_table":
            kinds.append("drop_table")
        elif name == "drop_index" and dropped in args:
            continue  # part of dropping the table
        else:
            kinds.append(f"other: {name}")
    return sorted(kinds)


def classify_migra(sql, dropped):
    kinds = []
    for stmt in [s.strip() for s in sql.split(";") if s.strip()]:
        low = stmt.lower()
        if dropped in stmt and (low.startswith("alter table") or low.startswith("drop index")):
            continue  # constraints and indexes of the dropped table, dropped before it
        if low.startswith("drop table"):
            kinds.append("drop_table")
        elif " add column " in low:
            kinds.append("add_column")
        elif low.startswith("create index") or low.startswith("create unique index"):
            kinds.append("create_index")
        elif low.startswith("drop sequence") and dropped in stmt:
            continue
        else:
            kinds.append("other: " + stmt.splitlines()[0][:60])
    return sorted(kinds)


ALEMBIC_ENV = '''
import sys
from alembic import context
from sqlalchemy import create_engine
sys.path.insert(0, {gen_dir!r})
import models_{n} as models
def run():
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=models.Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
run()
'''


def autogenerate_bench(cluster, n, reps, gen_dir, work, alembic_venv, migra_venv, results):
    a, b = f"a_{n}", f"b_{n}"
    cluster.create(a, f"{gen_dir}/schema_{n}.sql")
    cluster.create(b, f"{gen_dir}/schema_{n}.sql", f"{gen_dir}/schema_{n}_delta.sql")
    dropped = open(f"{gen_dir}/expected_{n}.txt").read().split("drop_table ")[1].split()[0]

    # This project: the generated models crate's binary.
    crate = os.path.join(work, f"rust_{n}")
    sh([sys.executable, os.path.join(BENCH, "gen_rust_models.py"), str(n), "--out", crate])
    env = dict(os.environ, CARGO_TARGET_DIR=TARGET)
    sh(["cargo", "build", "--release", "-q"], cwd=crate, env=env)
    ours_bin = os.path.join(TARGET, "release", f"bench-models-{n}")
    migrations = os.path.join(crate, "migrations")

    def ours(*extra):
        shutil.rmtree(migrations, ignore_errors=True)
        os.makedirs(migrations)
        return run_measured([ours_bin, "--url", cluster.conninfo(a), "revision", "--autogenerate", "-m", "bench", *extra], cwd=crate)

    def ours_unproven():
        return ours("--no-verify")

    # Alembic.
    al = os.path.join(work, f"alembic_{n}")
    os.makedirs(os.path.join(al, "versions"), exist_ok=True)
    with open(os.path.join(al, "alembic.ini"), "w") as f:
        f.write(f"[alembic]\nscript_location = {al}\nsqlalchemy.url = {cluster.sqlalchemy(a)}\n")
    with open(os.path.join(al, "env.py"), "w") as f:
        f.write(ALEMBIC_ENV.format(gen_dir=gen_dir, n=n))
    shutil.copy(os.path.join(alembic_venv, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}",
                             "site-packages", "alembic", "templates", "generic", "script.py.mako"), al)

    def alembic():
        shutil.rmtree(os.path.join(al, "versions"))
        os.makedirs(os.path.join(al, "versions"))
        result = run_measured([os.path.join(alembic_venv, "bin", "alembic"), "-c", os.path.join(al, "alembic.ini"),
                               "revision", "--autogenerate", "-m", "bench"])
        # Alembic leaves its version table behind; the other tools must not see it.
        cluster.psql(a, "DROP TABLE IF EXISTS alembic_version")
        return result

    def migra():
        return run_measured([os.path.join(migra_venv, "bin", "migra"), "--unsafe", cluster.sqlalchemy(a), cluster.sqlalchemy(b)],
                            ok=(0, 2))

    # model-cli proves each plan on a schema-only copy before writing it (the default); the
    # other tools do not, so the comparison is made without the proof too.
    tools = {"model-cli": ours, "model-cli --no-verify": ours_unproven, "Alembic": alembic, "migra": migra}
    times = {k: [] for k in tools}
    rss = {k: [] for k in tools}
    found = {}
    for _ in range(reps):
        for name, fn in tools.items():
            t, m, out, err = fn()
            times[name].append(t)
            rss[name].append(m)
            if name.startswith("model-cli"):
                found[name] = classify_ours(err)
            elif name == "Alembic":
                script = open(next(os.path.join(al, "versions", f) for f in os.listdir(os.path.join(al, "versions")))).read()
                found[name] = classify_alembic(script, dropped)
            else:
                found[name] = classify_migra(out, dropped)
    statements = {name: cluster.count_statements(fn) for name, fn in tools.items()}
    for name in tools:
        results.append({
            "n": n, "tool": name, "times": times[name], "rss": rss[name], "statements": statements[name],
            "correct": found[name] == EXPECTED_KINDS, "found": found[name],
        })


def floor_sql(cluster, db):
    """This project's catalog queries as model-bench prints them for the cluster's server (the
    same text introspection sends, `$1` the managed schemas), in a file for psql."""
    num = cluster.psql(db, "SHOW server_version_num").strip()
    model_bench = os.path.join(ROOT, "target", "release", "model-bench")
    text = sh([model_bench, "--floor-sql", num, "public"]).stdout
    path = os.path.join(tempfile.gettempdir(), f"model-bench-floor-{db}.sql")
    with open(path, "w") as f:
        f.write(text)
    return path


def floor_bench(cluster, n, reps):
    """This project's catalog queries, run by psql from one file."""
    path = floor_sql(cluster, f"a_{n}")
    run = ["psql", "-X", "-q", "-h", cluster.dir, "-U", "postgres", "-d", f"a_{n}", "-f", path, "-o", os.devnull]
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        sh(run)
        times.append(time.perf_counter() - start)
    return times, cluster.count_statements(lambda: sh(run))


def upgrade_bench(cluster, reps, work):
    """500 small revisions: model-cli upgrade head against psql -f of the same SQL."""
    project = os.path.join(work, "upgrade500")
    versions = os.path.join(project, "migrations")
    shutil.rmtree(project, ignore_errors=True)
    os.makedirs(versions)
    with open(os.path.join(project, "model.toml"), "w") as f:
        f.write('script_location = "migrations"\n')
    previous = ""
    for i in range(500):
        rev = f"{i + 1:012x}"
        with open(os.path.join(versions, f"{rev}_r{i}.sql"), "w") as f:
            f.write(f"-- r{i}\n--\n-- Revision ID: {rev}\n-- Revises: {previous}\n-- Create Date: 2026-01-01 00:00:00\n\n"
                    f"-- migrate:upgrade\nCREATE TABLE r{i} (id integer PRIMARY KEY, note text);\n"
                    f"CREATE INDEX r{i}_note ON r{i} (note);\n\n-- migrate:downgrade\nDROP TABLE r{i};\n")
        previous = rev
    cli = os.path.join(ROOT, "target", "release", "model-cli")
    config = os.path.join(project, "model.toml")
    offline = sh([cli, "--config", config, "upgrade", "head", "--sql"]).stdout
    sql_file = os.path.join(project, "all.sql")
    with open(sql_file, "w") as f:
        f.write(offline)
    ours, psql = [], []
    for _ in range(reps):
        cluster.create("up_ours")
        t, _, _, _ = run_measured([cli, "--config", config, "--url", cluster.conninfo("up_ours"), "upgrade", "head"])
        ours.append(t)
        cluster.create("up_psql")
        start = time.perf_counter()
        sh(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", cluster.dir, "-U", "postgres", "-d", "up_psql", "-f", sql_file])
        psql.append(time.perf_counter() - start)
    statements = cluster.count_statements(
        lambda: (cluster.create("up_count"),
                 sh([cli, "--config", config, "--url", cluster.conninfo("up_count"), "upgrade", "head"])))
    return ours, psql, statements


def build_bench(m, work, reps):
    """cargo build (dev) of a crate with m models, with and without the derive."""
    out = {}
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(TARGET, "build"))
    for variant in ["derive", "plain"]:
        crate = os.path.join(work, f"build_{m}_{variant}")
        args = [sys.executable, os.path.join(BENCH, "gen_rust_models.py"), str(m + 1), "--out", crate]
        sh(args + (["--plain"] if variant == "plain" else []))
        sh(["cargo", "build", "-q", "--lib"], cwd=crate, env=env)  # dependencies, once
        times = []
        for _ in range(reps):
            os.utime(os.path.join(crate, "src", "lib.rs"))
            start = time.perf_counter()
            sh(["cargo", "build", "-q", "--lib"], cwd=crate, env=env)
            times.append(time.perf_counter() - start)
        out[variant] = times
    return out


def bench_binary_rows(cluster, sizes):
    """model-bench's in-process introspection and diff+render figures."""
    env = dict(os.environ, DATABASE_URL=cluster.conninfo("postgres"))
    rows = []
    for n in sizes:
        try:
            out = sh([os.path.join(ROOT, "target", "release", "model-bench"), str(n)], env=env).stdout
            rows += [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| N")]
        except subprocess.CalledProcessError as e:
            rows.append(f"| {n} | failed: {e.stderr.strip().splitlines()[-1] if e.stderr.strip() else e} | | | | |")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 3000])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    a = ap.parse_args()

    print("installing Alembic and migra into bench/.venv-*", flush=True)
    alembic_venv = venv("alembic", ["alembic==1.20.*", "sqlalchemy>=2,<3", "psycopg2-binary"])
    migra_venv = venv("migra", ["migra", "psycopg2-binary"])
    print("building model-cli and model-bench (release)", flush=True)
    sh(["cargo", "build", "--release", "-q", "-p", "model-cli", "-p", "model-bench"], cwd=ROOT)
    cluster = Cluster()
    work = tempfile.mkdtemp(prefix="model-bench-work-")
    results = []
    try:
        floors = {}
        floor_statements = 0
        for n in a.sizes:
            print(f"N={n}: generating, loading, autogenerate x{a.reps} per tool", flush=True)
            gen_dir = os.path.join(work, f"gen_{n}")
            sh([sys.executable, SHARED_GEN, str(n), "--out", gen_dir])
            autogenerate_bench(cluster, n, a.reps, gen_dir, work, alembic_venv, migra_venv, results)
            floors[n], floor_statements = floor_bench(cluster, n, a.reps)
        print("introspection and diff+render in process", flush=True)
        inproc = bench_binary_rows(cluster, a.sizes)
        print("upgrade head of 500 revisions", flush=True)
        up_ours, up_psql, up_statements = upgrade_bench(cluster, a.reps, work)
        builds = {}
        if not a.skip_build:
            for m in [200, 1000]:
                print(f"cargo build with {m} models", flush=True)
                builds[m] = build_bench(m, work, 3)
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)

    write_report(a, results, floors, floor_statements, inproc, up_ours, up_psql, up_statements, builds, cluster.version,
                 pip_version(alembic_venv, "alembic"), pip_version(alembic_venv, "sqlalchemy"), pip_version(migra_venv, "migra"))
    print(f"wrote {a.out}")


def write_report(a, results, floors, floor_statements, inproc, up_ours, up_psql, up_statements, builds, pg, alembic, sqlalchemy, migra):
    rustc = sh(["rustc", "--version"]).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `python3 bench/run.py --sizes {' '.join(map(str, a.sizes))} --reps {a.reps}` on this project's",
        f"machine: {os.cpu_count()} cores ({cpu}), PostgreSQL {pg} (a private cluster, fsync off), {rustc},",
        f"Alembic {alembic} with SQLAlchemy {sqlalchemy}, migra {migra}. Medians with min–max; times are wall clock",
        "of the whole command (process start to exit). Workload: `bench/gen_schema.py N`; every tool",
        "compares the same database with the same target, which differs in 6 known ways. How to read these",
        "figures, the targets, and what was profiled and changed: [bench/README.md](bench/README.md).",
        "",
        "## End-to-end autogenerate",
        "",
        "`model-cli revision --autogenerate` (the generated models crate's binary, release build; by default it proves",
        "the plan on a schema-only copy of the database before writing it, `--no-verify` skips that), `alembic revision",
        "--autogenerate`, and `migra` (database against a copy with the delta applied), alternating. The floor is",
        "this project's catalog queries (one per object kind) run by `psql` from one file. Statements: every statement the server",
        "logged during one run. Correct: exactly the 6 expected changes, nothing else.",
        "",
        "| N | tool | time, s | × floor | peak RSS, MiB | statements | correct |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in a.sizes:
        floor_med, floor_text = spread(floors[n])
        lines.append(f"| {n} | floor (psql, the same catalog queries) | {floor_text} | 1.0 | | {floor_statements} | |")
        for r in [r for r in results if r["n"] == n]:
            med, text = spread(r["times"])
            _, mem = spread(r["rss"], unit="MiB")
            ok = "yes" if r["correct"] else f"no: {r['found']}"
            lines.append(f"| {n} | {r['tool']} | {text} | {med / floor_med:.1f} | {mem} | {r['statements']} | {ok} |")
    lines.append("")
    lines.append("Speed-up of model-cli over the others (median against median), with the proof on a copy")
    lines.append("(the default) and without it (`--no-verify`, what the other tools do):")
    lines.append("")
    for n in a.sizes:
        by = {r["tool"]: statistics.median(r["times"]) for r in results if r["n"] == n}
        for ours_name in ["model-cli", "model-cli --no-verify"]:
            lines.append(f"- N={n}, {ours_name}: {by['Alembic'] / by[ours_name]:.1f}× Alembic, {by['migra'] / by[ours_name]:.1f}× migra")
    lines += [
        "",
        "## Introspection and diff+render in process",
        "",
        "`cargo run --release -p model-bench -- N…`: introspection of the N-table database (median of 5), the",
        "catalog queries it sent, diff+render of the 6 changes, and diff+render of ten renamed copies of every",
        "table (10×N tables), in memory.",
        "",
        "| N | introspect median (min–max) | queries | diff+render N | changes found | diff+render 10×N |",
        "|---|---|---|---|---|---|",
    ] + inproc
    _, ours_text = spread(up_ours)
    _, psql_text = spread(up_psql)
    lines += [
        "",
        "## upgrade head of 500 revisions",
        "",
        "500 revisions of two statements each (`CREATE TABLE`, `CREATE INDEX`) into an empty database:",
        "`model-cli upgrade head` (lock, checksums, one transaction per revision, version table) against `psql -f`",
        "of the same SQL as `upgrade head --sql` prints it (the same statements and version-table updates).",
        "",
        "| runner | time, s | × psql |",
        "|---|---|---|",
        f"| model-cli upgrade head | {ours_text} | {statistics.median(up_ours) / statistics.median(up_psql):.2f} |",
        f"| psql -f (same SQL) | {psql_text} | 1.00 |",
        "",
        f"model-cli sent {up_statements} statements for the 500 revisions.",
    ]
    if builds:
        lines += [
            "",
            "## Build time of the derive",
            "",
            "`cargo build --lib` (dev profile) of a crate of generated models after touching it, dependencies already",
            "built; the same structs without the derive as the baseline (3 runs).",
            "",
            "| models | with derive, s | without, s | added per model, ms |",
            "|---|---|---|---|",
        ]
        for m, r in builds.items():
            d, dt = spread(r["derive"])
            p, pt = spread(r["plain"])
            lines.append(f"| {m} | {dt} | {pt} | {(d - p) / m * 1000:.2f} |")
    # Sections measured by other commands (from "## Online plans" on) are kept as they are.
    kept = ""
    if os.path.exists(a.out):
        with open(a.out) as f:
            text = f.read()
        if "\n## Online plans" in text:
            kept = "\n" + text[text.index("\n## Online plans") + 1:]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n" + kept)


if __name__ == "__main__":
    main()
