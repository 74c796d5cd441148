#!/usr/bin/env python3
"""ETL benchmark: `sluice jobs run` against DuckDB's COPY … TO … (FORMAT parquet) on the same file.

    python3 bench/etl/run.py SLUICE_BINARY WORK_DIR [--rows 1000000] [--rounds 3]

Generates the orders data set once (tools/orders_gen.py, CSV and JSON lines, 2% defects),
then alternates rounds of each engine with 1 and 2 threads (each measurement is a separate
process, peak RSS from wait4) and prints a table of the best round per configuration:
seconds, MB/s of input, rows/s of input and peak RSS. sluice's seconds are its whole process,
timed from outside; DuckDB's are its COPY statement as the peer times it, because loading
Node and the DuckDB module (~0.25 s, shown as "process s") is not DuckDB's work. The sluice job is
bench/etl/orders_bench.yaml: the example orders job (types, rules, dedupe on order_id,
partitions by day, zstd Parquet) without bookmarks, so every round processes the file.
DuckDB (bench/etl/duckdb_peer.mjs) does less: casts and partitioned zstd Parquet only.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def timed(cmd, **kw):
    """Runs cmd; returns (seconds, peak RSS in MiB of the child, stdout)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.monotonic() - t0
    out = p.stdout.read().decode()
    err = p.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return seconds, usage.ru_maxrss / 1024.0, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sluice")
    ap.add_argument("work")
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    inputs = {}
    for fmt in ("csv", "jsonl"):
        path = os.path.join(a.work, f"orders-{a.rows}.{fmt}")
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(ROOT, "tools/orders_gen.py"), "--rows", str(a.rows),
                            "--format", fmt, "--seed", "42", "--out", path], check=True)
        inputs[fmt] = path
    have_node = subprocess.run([os.path.join(ROOT, "scripts/bootstrap-node")]).returncode == 0
    jobs = {"csv": os.path.join(ROOT, "bench/etl/orders_bench.yaml"),
            "jsonl": os.path.join(ROOT, "bench/etl/orders_jsonl_bench.yaml")}
    best = {}
    for _ in range(a.rounds):
        for fmt, path in inputs.items():
            for threads in (1, 2):
                home = os.path.join(a.work, "home")
                shutil.rmtree(home, ignore_errors=True)
                # --no-load: the peer writes Parquet only; the job's warehouse target (loaded
                # by `jobs run` since the warehouse landed) is measured by bench/warehouse.
                s, rss, out = timed([a.sluice, "--home", home, "jobs", "run", jobs[fmt], "--source", path,
                                     "--threads", str(threads), "--no-load"])
                report = json.loads(out)
                key = ("sluice", fmt, threads)
                if key not in best or s < best[key][0]:
                    best[key] = (s, rss, report["rows"]["read"], report["rows"]["written"], s)
                if have_node:
                    outdir = os.path.join(a.work, "duck")
                    process_s, rss, out = timed(["node", os.path.join(ROOT, "bench/etl/duckdb_peer.mjs"),
                                                 path, outdir, "--threads", str(threads)])
                    line = json.loads(out.strip().splitlines()[-1])
                    s = line["seconds"]  # the COPY statement
                    key = ("duckdb", fmt, threads)
                    if key not in best or s < best[key][0]:
                        best[key] = (s, rss, a.rows, line["rows"], process_s)
    print(f"| engine | input | threads | seconds | process s | MB/s | rows/s | peak RSS MiB | rows out |")
    print(f"|---|---|---|---|---|---|---|---|---|")
    for (engine, fmt, threads), (s, rss, rows_in, rows_out, process_s) in sorted(
            best.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        mb = os.path.getsize(inputs[fmt]) / 1e6
        print(f"| {engine} | {fmt} | {threads} | {s:.2f} | {process_s:.2f} | {mb / s:.0f} | "
              f"{rows_in / s:,.0f} | {rss:.0f} | {rows_out:,} |")
    for fmt in inputs:
        for threads in (1, 2):
            if ("duckdb", fmt, threads) in best:
                r = best[("duckdb", fmt, threads)][0] / best[("sluice", fmt, threads)][0]
                print(f"{fmt}, {threads} thread(s): sluice/DuckDB throughput = {r:.2f}x")
        s1, s2 = best[("sluice", fmt, 1)][0], best[("sluice", fmt, 2)][0]
        print(f"{fmt}: sluice 2 threads / 1 thread = {s1 / s2:.2f}x")


if __name__ == "__main__":
    main()
