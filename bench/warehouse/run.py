#!/usr/bin/env python3
"""Warehouse load benchmark, PostgreSQL side: the baseline a sluice load is measured against.

    python3 bench/warehouse/run.py SLUICE_BINARY WORK_DIR [--rows 1000000] [--rounds 3]

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

Extending: add a function to CONTENDERS that loads the same rows into the given (empty)
table and returns nothing; it is timed like the baseline. The sluice load, once `sluice
warehouse load` exists, belongs there (time the Parquet → table load, compare rows/s).
"""

import argparse
import glob
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
             "--source", raw])
        files = sorted(glob.glob(os.path.join(home, "lake/silver/orders/*/*.parquet")))
    if not files:
        sys.exit(f"no silver Parquet under {home}/lake/silver/orders")
    return files


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


# name → function(url, table, csv_path): loads the rows into the empty `table`.
CONTENDERS = {
    "psql \\copy CSV": psql_copy_csv,
}


def main():
    if not os.environ.get("SLUICE_TEST_POSTGRES_URL"):
        os.execv(os.path.join(ROOT, "scripts/with-postgres"),
                 [os.path.join(ROOT, "scripts/with-postgres"), sys.executable] + sys.argv)
    ap = argparse.ArgumentParser()
    ap.add_argument("sluice")
    ap.add_argument("work")
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    sluice = os.path.abspath(a.sluice)
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)

    files = make_silver(sluice, work, a.rows)
    csv_path = os.path.join(work, f"silver-orders-{a.rows}.csv")
    rows = export_csv(sluice, files, csv_path)

    admin = os.environ["SLUICE_TEST_POSTGRES_URL"]
    database = "sluice_bench_warehouse"
    psql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    psql(admin, f"CREATE DATABASE {database}")
    url = admin.rsplit("/", 1)[0] + "/" + database
    columns = ", ".join(f'"{name}" {type_sql}' for name, type_sql in ORDERS_COLUMNS)
    psql(url, f"CREATE SCHEMA silver; CREATE TABLE silver.orders ({columns})")

    best = {}
    try:
        for _ in range(a.rounds):
            for name, load in CONTENDERS.items():
                psql(url, "TRUNCATE silver.orders; CHECKPOINT")
                t0 = time.monotonic()
                load(url, "silver.orders", csv_path)
                seconds = time.monotonic() - t0
                loaded = int(psql(url, "SELECT count(*) FROM silver.orders"))
                if loaded != rows:
                    sys.exit(f"{name} loaded {loaded} rows, expected {rows}")
                best[name] = min(best.get(name, seconds), seconds)
    finally:
        psql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")

    mb = os.path.getsize(csv_path) / 1e6
    print(f"{rows:,} silver orders rows ({mb:.0f} MB as CSV), best of {a.rounds} rounds")
    print("| load | seconds | rows/s | CSV MB/s |")
    print("|---|---|---|---|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.2f} | {rows / seconds:,.0f} | {mb / seconds:.0f} |")
    for name, seconds in best.items():
        print(json.dumps({"load": name, "rows": rows, "seconds": round(seconds, 3),
                          "rows_per_s": round(rows / seconds)}))


if __name__ == "__main__":
    main()
