#!/usr/bin/env python3
"""Fleet and scale benchmarks: `python3 bench/fleet.py` from the repository root.

On a PostgreSQL cluster of its own (bench/run.py's), measures:

1. `upgrade` of the seed's three revisions on --dbs databases and on --tenants tenant schemas
   of one database, with `--jobs` 1, 4 and 16, against a shell loop calling the command line
   once per target (each target taken back to base, untimed, between runs);
2. `check --fleet` over the same targets (the seed example's binary, which has the models);
3. end-to-end `revision --autogenerate --no-verify` on one database of --sizes tables (the
   shared workload, its models compiled into a crate as bench/run.py does) and, for the
   tenants, `revision --autogenerate --fleet --no-verify` over --tenants schemas of 50
   tables, each against the floor: this project's catalog queries run by psql (for the
   tenants, over every tenant schema at once, as the fleet reads them), with peak memory.

Writes (or replaces) the "Fleets and scale" section of BENCHMARKS.md. Benchmarks measure;
nothing here fails on a time.

Models of more than --models-per-crate tables (5,000) are split over several crates, as a
large codebase splits them: one crate of 30,000 generated models needs more memory in rustc
than this machine has. At --engine-sizes (none by default), `diff` of the database with
itself is measured as well: two introspections and a diff, against twice the floor.

Options: --dbs 200 --tenants 1000 --jobs 1 4 16 --sizes 10000 30000 --models-per-crate 5000
         --engine-sizes --reps 3 --skip-fleet --skip-scale --out BENCHMARKS.md
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as base  # noqa: E402  (the same cluster, measuring and classifying helpers)

ROOT = base.ROOT
SEED = os.path.join(ROOT, "examples", "ecommerce", "migrations")
SECTION = "## Fleets and scale"


def binaries():
    base.sh(["cargo", "build", "--release", "-q", "-p", "model-cli", "-p", "ecommerce", "-p", "model-bench"], cwd=ROOT)
    release = os.path.join(ROOT, "target", "release")
    return os.path.join(release, "model-cli"), os.path.join(release, "ecommerce")


def median(values):
    return statistics.median(values) if values else float("nan")


def project(work, name, fleet_toml=""):
    path = os.path.join(work, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(os.path.join(path, "migrations"))
    for f in os.listdir(SEED):
        shutil.copy(os.path.join(SEED, f), os.path.join(path, "migrations", f))
    with open(os.path.join(path, "model.toml"), "w") as f:
        f.write('script_location = "migrations"\nschemas = ["public"]\n' + fleet_toml)
    return path


def timed(args, cwd=None, env=None, ok=(0,)):
    elapsed, rss, out, err = base.run_measured(args, cwd=cwd, env=env, ok=ok)
    return elapsed, rss


def fleet_bench(cluster, cli, app, a):
    work = tempfile.mkdtemp(prefix="model-fleet-bench-")
    rows = []
    # Databases.
    names = [f"fleet_{i:04d}" for i in range(a.dbs)]
    for n in names:
        cluster.psql("postgres", f"DROP DATABASE IF EXISTS {n}")
        cluster.psql("postgres", f"CREATE DATABASE {n}")
    targets = os.path.join(work, "targets.txt")
    with open(targets, "w") as f:
        f.write("\n".join(cluster.conninfo(n) for n in names) + "\n")
    dbs = project(work, "dbs")
    # Tenants: empty schemas in one database; the revisions create their tables.
    cluster.psql("postgres", "DROP DATABASE IF EXISTS fleet_tenants")
    cluster.psql("postgres", "CREATE DATABASE fleet_tenants")
    cluster.psql("fleet_tenants", "".join(f"CREATE SCHEMA tenant_{i:04d};" for i in range(a.tenants)))
    url = cluster.conninfo("fleet_tenants")
    tenants = project(work, "tenants", f"\n[fleets.tenants]\nurls = ['{url}']\ntenants = \"tenant_*\"\n"
                                       f"\n[fleets.one]\nurls = ['{url}']\ntenants = \"${{TENANT}}\"\n")

    def fleet_args(kind):
        return ["--targets", targets] if kind == "dbs" else ["--fleet", "tenants"]

    def reset(kind, proj):
        base.sh([cli, "--config", os.path.join(proj, "model.toml"), *fleet_args(kind), "--jobs", "8",
                 "-q", "downgrade", "base"])

    for kind, proj, count in [("dbs", dbs, a.dbs), ("tenants", tenants, a.tenants)]:
        config = os.path.join(proj, "model.toml")
        for jobs in a.jobs:
            times = []
            for _ in range(a.reps):
                reset(kind, proj)
                t, rss = timed([cli, "--config", config, *fleet_args(kind), "--jobs", str(jobs), "-q",
                                "upgrade", "head"])
                times.append(t)
            rows.append((kind, count, f"upgrade --jobs {jobs}", times, rss))
        # The shell loop: the command line once per target.
        times = []
        for _ in range(a.reps):
            reset(kind, proj)
            start = time.perf_counter()
            if kind == "dbs":
                for n in names:
                    base.sh([cli, "--config", config, "--url", cluster.conninfo(n), "-q", "upgrade", "head"])
            else:
                for i in range(a.tenants):
                    base.sh([cli, "--config", config, "--fleet", "one", "-q", "upgrade", "head"],
                            env=dict(os.environ, TENANT=f"tenant_{i:04d}"))
            times.append(time.perf_counter() - start)
        rows.append((kind, count, "shell loop, one call per target", times, None))
        # check: at head and equal to the models (the seed example's binary has them).
        for jobs in a.jobs:
            times = []
            for _ in range(a.reps):
                t, rss = timed([app, "--config", config, *fleet_args(kind), "--jobs", str(jobs), "-q",
                                "check"])
                times.append(t)
            rows.append((kind, count, f"check --jobs {jobs}", times, rss))
    shutil.rmtree(work, ignore_errors=True)
    return rows


def floor_file(cluster, db, n, schemas):
    """This project's catalog queries for the cluster's server, as model-bench prints them (the
    text introspection sends), `$1` the given schemas, in a file for psql."""
    num = cluster.psql(db, "SHOW server_version_num").strip()
    model_bench = os.path.join(base.ROOT, "target", "release", "model-bench")
    text = base.sh([model_bench, "--floor-sql", num, *schemas]).stdout
    path = os.path.join(tempfile.gettempdir(), f"model-fleet-floor-{n}.sql")
    with open(path, "w") as f:
        f.write(text)
    return path


def floor(cluster, db, path, reps):
    run = ["psql", "-X", "-q", "-h", cluster.dir, "-U", "postgres", "-d", db, "-f", path, "-o", os.devnull]
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        base.sh(run)
        times.append(time.perf_counter() - start)
    return times


def models_crate(work, n, parts=1):
    """The models of the n-table workload compiled into model-cli; over `parts` crates when
    more than one (a crate of 30,000 models needs more memory in rustc than this machine has)."""
    crate = os.path.join(work, f"rust_{n}")
    base.sh([sys.executable, os.path.join(base.BENCH, "gen_rust_models.py"), str(n), "--out", crate,
             "--parts", str(parts)])
    env = dict(os.environ, CARGO_TARGET_DIR=base.TARGET)
    start = time.perf_counter()
    base.sh(["cargo", "build", "--release", "-q"], cwd=crate, env=env)
    build = time.perf_counter() - start
    name = f"bench-models-{n}" + (f"-in-{parts}" if parts > 1 else "")
    return crate, os.path.join(base.TARGET, "release", name), build


def scale_bench(cluster, a):
    work = tempfile.mkdtemp(prefix="model-scale-bench-")
    gen_dir = os.path.join(work, "gen")
    rows = []
    for n in a.sizes:
        try:
            rows.append(scale_one(cluster, a, work, gen_dir, n))
        except Exception as e:  # a size that cannot be measured here is said, not hidden
            rows.append({"what": f"{n:,} tables", "error": str(e).splitlines()[0][:200]})
    for n in a.engine_sizes:
        try:
            rows.append(scale_engine(cluster, a, gen_dir, n))
        except Exception as e:
            rows.append({"what": f"{n:,} tables (diff, no models)", "error": str(e).splitlines()[0][:200]})
    if a.tenants:
        try:
            rows.append(scale_tenants(cluster, a, work, gen_dir))
        except Exception as e:
            rows.append({"what": f"{a.tenants:,} tenant schemas × 50 tables (fleet)",
                         "error": str(e).splitlines()[0][:200]})
    shutil.rmtree(work, ignore_errors=True)
    return rows


def autogenerate_runs(cluster, a, crate, binary, target_args):
    """`revision --autogenerate --no-verify` a.reps times from an empty versions directory, then
    once more with statements counted: (times, peak memory, changes found, statements)."""
    migrations = os.path.join(crate, "migrations")
    command = [binary, *target_args, "revision", "--autogenerate", "-m", "bench", "--no-verify"]

    def once():
        shutil.rmtree(migrations, ignore_errors=True)
        os.makedirs(migrations)
        return base.run_measured(command, cwd=crate)

    times, rss, found = [], [], None
    for _ in range(a.reps):
        t, m, _, err = once()
        times.append(t)
        rss.append(m)
        found = base.classify_ours(err)
    return times, max(rss), found, cluster.count_statements(once)


def scale_one(cluster, a, work, gen_dir, n):
    base.sh([sys.executable, base.SHARED_GEN, str(n), "--out", gen_dir])
    db = f"scale_{n}"
    start = time.perf_counter()
    cluster.create(db, f"{gen_dir}/schema_{n}.sql")
    load = time.perf_counter() - start
    parts = -(-n // a.models_per_crate)
    crate, binary, build = models_crate(work, n, parts)
    times, rss, found, statements = autogenerate_runs(cluster, a, crate, binary,
                                                      ["--url", cluster.conninfo(db)])
    floor_times = floor(cluster, db, floor_file(cluster, db, n, ["public"]), a.reps)
    cluster.psql("postgres", f"DROP DATABASE {db}")
    what = f"{n:,} tables" + (f" (models in {parts} crates)" if parts > 1 else "")
    return {"what": what, "times": times, "rss": rss, "floor": floor_times,
            "statements": statements, "correct": found == base.EXPECTED_KINDS,
            "load": load, "build": build}


def scale_engine(cluster, a, gen_dir, n):
    """The engine alone, without models: `diff` of the database with itself (two introspections
    and a diff), against twice the floor."""
    base.sh([sys.executable, base.SHARED_GEN, str(n), "--out", gen_dir])
    db = f"engine_{n}"
    start = time.perf_counter()
    cluster.create(db, f"{gen_dir}/schema_{n}.sql")
    load = time.perf_counter() - start
    cli = os.path.join(ROOT, "target", "release", "model-cli")
    url = cluster.conninfo(db)
    times, rss = [], []
    for _ in range(a.reps):
        t, m = timed([cli, "diff", "--from", url, "--to", url, "--schema", "public"])
        times.append(t)
        rss.append(m)
    statements = cluster.count_statements(lambda: timed([cli, "diff", "--from", url, "--to", url,
                                                         "--schema", "public"]))
    floor_times = [2 * t for t in floor(cluster, db, floor_file(cluster, db, n, ["public"]), a.reps)]
    cluster.psql("postgres", f"DROP DATABASE {db}")
    return {"what": f"{n:,} tables: `diff` of the database with itself (two reads), against twice the floor",
            "times": times, "rss": max(rss), "floor": floor_times, "statements": statements,
            "correct": True, "load": load, "build": 0, "no_models": True}


def scale_tenants(cluster, a, work, gen_dir):
    # Tenants of 50 tables: the fleet reads every tenant schema in one introspection.
    base.sh([sys.executable, base.SHARED_GEN, "50", "--out", gen_dir])
    body = open(f"{gen_dir}/schema_50.sql").read()
    sql = os.path.join(work, "tenants.sql")
    with open(sql, "w") as f:
        for i in range(a.tenants):
            f.write(f"CREATE SCHEMA tenant_{i:04d};\nSET search_path = tenant_{i:04d};\n{body}\n")
    start = time.perf_counter()
    cluster.create("scale_tenants", sql)
    load = time.perf_counter() - start
    crate, binary, build = models_crate(work, 50)
    with open(os.path.join(crate, "model.toml"), "a") as f:
        f.write(f"\n[fleets.tenants]\nurls = ['{cluster.conninfo('scale_tenants')}']\ntenants = \"tenant_*\"\n")
    times, rss, found, statements = autogenerate_runs(cluster, a, crate, binary, ["--fleet", "tenants"])
    names = [f"tenant_{i:04d}" for i in range(a.tenants)]
    floor_times = floor(cluster, "scale_tenants", floor_file(cluster, "scale_tenants", "tenants", names), a.reps)
    return {"what": f"{a.tenants:,} tenant schemas × 50 tables (fleet)", "times": times,
            "rss": rss, "floor": floor_times, "statements": statements,
            "correct": found == base.EXPECTED_KINDS, "load": load, "build": build}


def report(a, cluster, fleet_rows, scale_rows):
    lines = [SECTION, "",
             f"`python3 bench/fleet.py --dbs {a.dbs} --tenants {a.tenants} --jobs {' '.join(map(str, a.jobs))} "
             f"--sizes {' '.join(map(str, a.sizes))} --models-per-crate {a.models_per_crate}"
             f"{' --engine-sizes ' + ' '.join(map(str, a.engine_sizes)) if a.engine_sizes else ''} "
             f"--reps {a.reps}`: PostgreSQL {cluster.version}, "
             f"{os.cpu_count()} CPUs ({platform.machine()}). Medians of {a.reps}; nothing fails on a time.", ""]
    if fleet_rows:
        lines += ["### Upgrading and checking many targets", "",
                  "The seed's three revisions, every target from base to head (taken back to base, untimed, "
                  "between runs); `check` with the seed's models, every target at head and equal to them.", "",
                  "| targets | run | median | min–max | per target | peak memory |", "|---|---|---|---|---|---|"]
        for kind, count, run, times, rss in fleet_rows:
            what = f"{count} databases" if kind == "dbs" else f"{count} tenant schemas of one database"
            lines.append(f"| {what} | {run} | {median(times):.2f} s | {min(times):.2f}–{max(times):.2f} s | "
                         f"{median(times) / count * 1000:.1f} ms | {'' if rss is None else f'{rss:.0f} MB'} |")
        lines.append("")
    if scale_rows:
        lines += ["### Autogenerate at scale, against the floor", "",
                  "End-to-end `revision --autogenerate --no-verify` (the models compiled into model-cli, in crates of at most "
                  f"{a.models_per_crate:,} models), against the "
                  "floor: this project's catalog queries run by psql from one file. For the tenants, the fleet "
                  "reads every tenant schema in one introspection, groups them by fingerprint, and writes one plan "
                  "against one of them.", "",
                  "| schema | autogenerate | floor | ratio | statements | peak memory | 6 changes found | load | models build |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in scale_rows:
            if "error" in r:
                lines.append(f"| {r['what']} | not measured: {r['error']} | | | | | | | |")
                continue
            lines.append(f"| {r['what']} | {median(r['times']):.2f} s | {median(r['floor']):.2f} s | "
                         f"{median(r['times']) / median(r['floor']):.2f}× | {r['statements']} | {r['rss']:.0f} MB | "
                         f"{'n/a' if r.get('no_models') else ('yes' if r['correct'] else 'NO')} | "
                         f"{r['load']:.0f} s | {'' if r.get('no_models') else format(r['build'], '.0f') + ' s'} |")
        lines.append("")
    section = "\n".join(lines)
    text = open(a.out).read() if os.path.exists(a.out) else ""
    if SECTION in text:
        before, after = text.split(SECTION, 1)
        rest = after.split("\n## ", 1)
        text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(a.out, "w") as f:
        f.write(text)
    print(section)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dbs", type=int, default=200)
    ap.add_argument("--tenants", type=int, default=1000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10000, 30000])
    ap.add_argument("--models-per-crate", type=int, default=5000)
    ap.add_argument("--engine-sizes", type=int, nargs="*", default=[],
                    help="sizes measured by diff of the database with itself, without a models crate")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--skip-fleet", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    a = ap.parse_args()
    cli, app = binaries()
    cluster = base.Cluster()
    try:
        fleet_rows = [] if a.skip_fleet else fleet_bench(cluster, cli, app, a)
        scale_rows = [] if a.skip_scale else scale_bench(cluster, a)
        report(a, cluster, fleet_rows, scale_rows)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
