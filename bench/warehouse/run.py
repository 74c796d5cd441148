#!/usr/bin/env python3
"""Warehouse load benchmark: `sluice warehouse load` of the 1M-row silver orders against each
engine's own bulk path for the same rows as CSV — psql's \\copy into PostgreSQL, the sqlite3
shell's .import into SQLite — in the same run, each into a typed table.

    python3 bench/warehouse/run.py SLUICE_BINARY WORK_DIR [--rows 1000000] [--rounds 3]
                                   [--sqlite-only]

Makes the silver orders data set once: tools/orders_gen.py writes the raw CSV (seed 42,
2% defects), `sluice jobs run bench/etl/orders_bench.yaml` turns it into silver Parquet
under WORK_DIR/home/lake/silver/orders/order_date=…/ (about 0.98 rows per raw row survive),
and `sluice parquet cat` exports those same rows as one headerless CSV (order_date taken
from the partition folder). That export is not timed.

Then, on one PostgreSQL server (the one in SLUICE_TEST_POSTGRES_URL, else a throwaway one
started through scripts/with-postgres), each round empties the typed table and times, from
outside, one `psql -c "\\copy … FROM 'orders.csv' (FORMAT csv)"`: plain client-side COPY
of the CSV, the number the issue asks sluice's binary-COPY load to reach ≥ 0.7× of in
rows/s. The table's types are the warehouse's (warehouse.h ColumnTypeSql on PostgreSQL).
Prints a Markdown table of the best round per contender and one JSON line per contender.

`sluice warehouse load --run RUN` reads the run's silver Parquet files (a process of its
own, timed from outside like the others) into a new table; its table carries the two
bookkeeping columns and indexes every load makes (docs/warehouse.md). Targets (issue 6):
≥ 0.7× psql's rows/s on PostgreSQL, ≥ 1× the sqlite3 shell's on SQLite. --sqlite-only runs
the SQLite contenders alone, without a PostgreSQL server (for iterating on the SQLite load).
"""

import argparse
import glob
import shutil
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The silver orders dataset's columns in PostgreSQL's types (as the warehouse declares them);
# order_date is the partition column.
ORDERS_COLUMNS = [
    ("order_id", "TEXT"), ("customer_id", "TEXT"), ("order_ts", "TIMESTAMP WITH TIME ZONE"),
    ("country", "TEXT"), ("sku", "TEXT"), ("quantity", "INTEGER"),
    ("unit_price", "NUMERIC(10,2)"), ("status", "TEXT"), ("email", "TEXT"), ("note", "TEXT"),
    ("order_date", "DATE"),
]


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return p.stdout


def psql(url, sql):
    return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-c", sql])


def make_silver(sluice, work, rows):
    """The silver Parquet files of the orders job on `rows` raw rows (made once)."""
    raw = os.path.join(work, f"orders-{rows}.csv")
    if not os.path.exists(raw):
        run([sys.executable, os.path.join(ROOT, "tools/orders_gen.py"), "--rows", str(rows),
             "--format", "csv", "--seed", "42", "--out", raw])
    home = os.path.join(work, f"home-{rows}")
    files = sorted(glob.glob(os.path.join(home, "lake/silver/orders/*/*.parquet")))
    if not files:
        run([sluice, "--home", home, "jobs", "run", os.path.join(ROOT, "bench/etl/orders_bench.yaml"),
             "--source", raw, "--no-load"])
        files = sorted(glob.glob(os.path.join(home, "lake/silver/orders/*/*.parquet")))
    if not files:
        sys.exit(f"no silver Parquet under {home}/lake/silver/orders")
    runs = json.loads(run([sluice, "--home", home, "jobs", "runs", "--job", "orders"]))["runs"]
    run_id = next(r["run_id"] for r in runs if r["status"] == "SUCCEEDED")
    return home, run_id, files


def export_csv(sluice, files, path):
    """The rows of the silver files as one headerless CSV (NULL as an empty unquoted field,
    empty strings quoted, as PostgreSQL's CSV format reads them); returns the row count."""
    if os.path.exists(path):
        with open(path + ".rows") as f:
            return int(f.read())
    names = [name for name, _ in ORDERS_COLUMNS]
    count = 0
    with open(path + ".tmp", "w", newline="") as out:
        for file in files:
            partition = os.path.basename(os.path.dirname(file))  # order_date=YYYY-MM-DD
            day = partition.split("=", 1)[1]
            p = subprocess.Popen([sluice, "parquet", "cat", file], stdout=subprocess.PIPE, text=True)
            for line in p.stdout:
                row = json.loads(line)
                row["order_date"] = day
                out.write(",".join(csv_field(row.get(name)) for name in names) + "\n")
                count += 1
            if p.wait() != 0:
                sys.exit(f"sluice parquet cat {file} failed")
    os.rename(path + ".tmp", path)
    with open(path + ".rows", "w") as f:
        f.write(str(count))
    return count


def csv_field(value):
    """A value as PostgreSQL's CSV format reads it: NULL is an empty unquoted field, so an
    empty string is quoted (Python's csv module writes both as nothing)."""
    if value is None:
        return ""
    text = str(value)
    if text == "" or any(c in text for c in ',"\n\r\\') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def psql_copy_csv(url, table, csv_path):
    """The baseline: psql's client-side COPY of the CSV."""
    psql(url, f"\\copy {table} FROM '{csv_path}' (FORMAT csv)")


def sluice_load(sluice, home, run_id, url):
    """sluice's load of the run's silver Parquet files into a new table."""
    run([sluice, "--home", home, "warehouse", "load", "--run", run_id, "--job",
         os.path.join(ROOT, "bench/etl/orders_bench.yaml"), "--warehouse", url])


def sqlite_import(db, csv_path, wal=False):
    """The sqlite3 shell's .import into a typed table (the warehouse's declared types): on
    the shell's defaults (rollback journal, 4 KiB pages), or with the warehouse's settings
    (64 KiB pages, WAL, synchronous=FULL: readers never wait for a load, which costs a second
    write of every page when the WAL is checkpointed)."""
    columns = ", ".join(f'"{name}" {SQLITE_TYPES[name]}' for name, _ in ORDERS_COLUMNS)
    pragmas = ("PRAGMA page_size=65536;\nPRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\n"
               if wal else "")
    script = f"{pragmas}CREATE TABLE orders ({columns});\n.import --csv '{csv_path}' orders\n"
    p = subprocess.run(["sqlite3", db], input=script, text=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"sqlite3 .import failed: {p.stderr}")


# The SQLite warehouse's declared types for the same columns.
SQLITE_TYPES = {"order_id": "TEXT", "customer_id": "TEXT", "order_ts": "TIMESTAMP",
                "country": "TEXT", "sku": "TEXT", "quantity": "INTEGER",
                "unit_price": "DECIMAL(10,2)", "status": "TEXT", "email": "TEXT", "note": "TEXT",
                "order_date": "DATE"}


def timed(fn):
    t0 = time.monotonic()
    fn()
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sluice")
    ap.add_argument("work")
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sqlite-only", action="store_true",
                    help="skip the PostgreSQL contenders (no server needed)")
    a = ap.parse_args()
    if not a.sqlite_only and not os.environ.get("SLUICE_TEST_POSTGRES_URL"):
        os.execv(os.path.join(ROOT, "scripts/with-postgres"),
                 [os.path.join(ROOT, "scripts/with-postgres"), sys.executable] + sys.argv)
    sluice = os.path.abspath(a.sluice)
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)

    home, run_id, files = make_silver(sluice, work, a.rows)
    csv_path = os.path.join(work, f"silver-orders-{a.rows}.csv")
    rows = export_csv(sluice, files, csv_path)

    admin = os.environ.get("SLUICE_TEST_POSTGRES_URL", "")
    database = "sluice_bench_warehouse"
    url = admin.rsplit("/", 1)[0] + "/" + database
    columns = ", ".join(f'"{name}" {type_sql}' for name, type_sql in ORDERS_COLUMNS)
    sqlite_dir = os.path.join(work, "sqlite")

    def fresh_database():
        psql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        psql(admin, f"CREATE DATABASE {database}")
        psql(url, "CREATE SCHEMA IF NOT EXISTS silver")

    def fresh_sqlite():
        shutil.rmtree(sqlite_dir, ignore_errors=True)
        os.makedirs(sqlite_dir)

    def count_pg():
        return int(psql(url, "SELECT count(*) FROM silver.orders"))

    def count_sqlite(db, table):
        return int(run(["sqlite3", db, f"SELECT count(*) FROM {table}"]))

    # name → (engine, prepare, load, count)
    contenders = {
        "PostgreSQL: psql \\copy CSV": (
            "postgresql", lambda: (fresh_database(), psql(url, f"CREATE TABLE silver.orders ({columns})")),
            lambda: psql_copy_csv(url, "silver.orders", csv_path), count_pg),
        "PostgreSQL: sluice warehouse load": (
            "postgresql", fresh_database, lambda: sluice_load(sluice, home, run_id, url), count_pg),
        "SQLite: sqlite3 .import CSV": (
            "sqlite", fresh_sqlite, lambda: sqlite_import(os.path.join(sqlite_dir, "import.db"), csv_path),
            lambda: count_sqlite(os.path.join(sqlite_dir, "import.db"), "orders")),
        "SQLite: sqlite3 .import CSV, warehouse settings": (
            "sqlite", fresh_sqlite,
            lambda: sqlite_import(os.path.join(sqlite_dir, "import.db"), csv_path, wal=True),
            lambda: count_sqlite(os.path.join(sqlite_dir, "import.db"), "orders")),
        "SQLite: sluice warehouse load": (
            "sqlite", fresh_sqlite, lambda: sluice_load(sluice, home, run_id, "sqlite://" + sqlite_dir),
            lambda: count_sqlite(os.path.join(sqlite_dir, "silver.db"), "orders")),
    }
    if a.sqlite_only:
        contenders = {k: v for k, v in contenders.items() if v[0] == "sqlite"}
    best = {}
    try:
        for _ in range(a.rounds):
            for name, (engine, prepare, load, count) in contenders.items():
                prepare()
                if engine == "postgresql":
                    psql(url, "CHECKPOINT")
                run(["sync"])
                seconds = timed(load)
                loaded = count()
                if loaded != rows:
                    sys.exit(f"{name} loaded {loaded} rows, expected {rows}")
                best[name] = min(best.get(name, seconds), seconds)
    finally:
        if not a.sqlite_only:
            psql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(sqlite_dir, ignore_errors=True)

    mb = os.path.getsize(csv_path) / 1e6
    print(f"{rows:,} silver orders rows ({mb:.0f} MB as CSV), best of {a.rounds} rounds")
    print("| load | seconds | rows/s |")
    print("|---|---|---|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.2f} | {rows / seconds:,.0f} |")
    lite = best["SQLite: sqlite3 .import CSV"] / best["SQLite: sluice warehouse load"]
    lite_wal = (best["SQLite: sqlite3 .import CSV, warehouse settings"]
                / best["SQLite: sluice warehouse load"])
    if not a.sqlite_only:
        pg = best["PostgreSQL: psql \\copy CSV"] / best["PostgreSQL: sluice warehouse load"]
        print(f"sluice / psql \\copy rows/s: {pg:.2f}x (target >= 0.7x)")
    print(f"sluice / sqlite3 .import: {lite:.2f}x, same settings as the warehouse {lite_wal:.2f}x (target >= 1x)")
    for name, seconds in best.items():
        print(json.dumps({"load": name, "rows": rows, "seconds": round(seconds, 3),
                          "rows_per_s": round(rows / seconds)}))


if __name__ == "__main__":
    main()
