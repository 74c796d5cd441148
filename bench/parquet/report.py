#!/usr/bin/env python3
"""Prints the Parquet benchmark's Markdown tables from one run of both engines.

    bench/parquet/report.py RUN_DIR

RUN_DIR holds sluice.jsonl (sluice_parquet_bench) and, when Node is installed, duckdb.jsonl
(bench/parquet/duckdb_peer.mjs). MB/s are of the data set's in-memory size (sluice's
data_bytes: Arrow layout, the same rows for both engines). Targets (issue "Parquet, written
and read by sluice itself"): file size at most 110% of DuckDB's with zstd; write and read
throughput at least DuckDB's, one thread each. The read target is judged against DuckDB's
materialising read (CTAS from read_parquet), the step comparable to sluice decoding every
column into RecordBatches; DuckDB's aggregate-only read and its decode estimate
(CTAS from Parquet minus CTAS from its own table) are printed beside it.
"""

import json
import os
import sys


def load(path):
    """The last line of `path`, its timings ("*_s") replaced by the least over all lines:
    scripts/bench runs the engines in alternating rounds, each appending a line, so that a
    burst of load on the machine during one engine's run does not decide the ratio."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        results = [json.loads(line) for line in f if line.strip()]
    if not results:
        return None
    merged = dict(results[-1])
    for key in merged:
        if key.endswith("_s"):
            merged[key] = min(r[key] for r in results if key in r)
    merged["rounds"] = len(results)
    return merged


def fmt_int(n):
    return f"{n:,.0f}"


def main():
    run = sys.argv[1]
    s = load(os.path.join(run, "sluice.jsonl"))
    d = load(os.path.join(run, "duckdb.jsonl"))
    if s is None:
        sys.exit("report.py: no sluice.jsonl in " + run)
    rows, mb = s["rows"], s["data_bytes"] / 1e6

    def speed(seconds):
        return f"{mb / seconds:,.0f}", fmt_int(rows / seconds)

    print(f"{fmt_int(rows)} rows, {mb:,.1f} MB in memory; best of {s['rounds']} rounds; "
          f"sluice: {s['row_groups']} row group(s)"
          + (f"; DuckDB {d['version']}: {d['row_groups']} row groups" if d else ""))
    print()
    print("| step | sluice s | sluice MB/s | sluice rows/s | DuckDB s | DuckDB MB/s "
          "| DuckDB rows/s | sluice ÷ DuckDB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")

    def row(label, s_secs, d_secs):
        sm, sr = speed(s_secs) if s_secs is not None else ("", "")
        dm, dr = speed(d_secs) if d_secs is not None else ("", "")
        ratio = f"{d_secs / s_secs:.2f}×" if s_secs and d_secs else ""
        print(f"| {label} | {s_secs if s_secs is None else f'{s_secs:.3f}'} | {sm} | {sr} | "
              f"{'' if d_secs is None else f'{d_secs:.3f}'} | {dm} | {dr} | {ratio} |"
              .replace("| None |", "|  |"))

    row("write zstd (file)", s["write_s"], d["write_s"] if d else None)
    row("write zstd (memory)", s["write_mem_s"], None)
    row("read all columns (materialised)", s["read_s"], d["read_s"] if d else None)
    if d:
        row("read: DuckDB aggregate over every column", s["read_s"], d["read_agg_s"])
        decode = d["read_s"] - d["copy_s"]
        if decode > 0:
            row("read: DuckDB decode estimate (CTAS − table copy)", s["read_s"], decode)
    row("read all columns (Scan, 65,536-row batches)", s["scan_s"], None)
    row("projection (customer_id, amount)", s["project_s"], d["project_s"] if d else None)
    row("March of order_date (pruned)", s["prune_s"], d["prune_s"] if d else None)
    if "read_other_s" in s:
        row("sluice reading DuckDB's file (all columns)", s["read_other_s"], None)
    print()
    print(f"Pruned read: sluice returns {fmt_int(s['prune_rows'])} rows (pages that may match; "
          f"callers filter)" + (f", DuckDB {fmt_int(d['prune_rows'])} (filtered exactly)."
                                if d else "."))
    print()
    if d is None:
        print("(DuckDB not installed: no comparison)")
        return
    size_ratio = s["file_bytes"] / d["file_bytes"]
    print("| file | bytes | ÷ DuckDB |")
    print("|---|---:|---:|")
    print(f"| sluice (defaults: zstd, 1 row group) | {fmt_int(s['file_bytes'])} | {size_ratio:.3f} |")
    print(f"| DuckDB (COMPRESSION zstd, defaults) | {fmt_int(d['file_bytes'])} | 1.000 |")
    print(f"| DuckDB (zstd, ROW_GROUP_SIZE 1048576) | {fmt_int(d['file_bytes_rg1m'])} | "
          f"{d['file_bytes_rg1m'] / d['file_bytes']:.3f} |")
    print()
    met = lambda ok: "**met**" if ok else "**not met**"
    print("Targets:")
    print(f"- size ≤ 110% of DuckDB's: {met(size_ratio <= 1.10)} ({size_ratio:.1%})")
    print(f"- write throughput ≥ DuckDB's: {met(s['write_s'] <= d['write_s'])} "
          f"({d['write_s'] / s['write_s']:.2f}×)")
    print(f"- read throughput ≥ DuckDB's (materialised): {met(s['read_s'] <= d['read_s'])} "
          f"({d['read_s'] / s['read_s']:.2f}×; against DuckDB's aggregate-only read "
          f"{d['read_agg_s'] / s['read_s']:.2f}×)")
    print()
    print("| column | sluice encodings | sluice bytes | DuckDB encodings | DuckDB bytes "
          "| sluice ÷ DuckDB | DuckDB 1M-row groups: encodings | bytes |")
    print("|---|---|---:|---|---:|---:|---|---:|")
    for sc, dc, dr in zip(s["columns"], d["columns"], d["columns_rg1m"]):
        print(f"| {sc['name']} | {sc['encodings'].replace(',', ', ')} | {fmt_int(sc['compressed'])} "
              f"| {dc['encodings']} | {fmt_int(dc['compressed'])} "
              f"| {sc['compressed'] / dc['compressed']:.2f} | {dr['encodings']} "
              f"| {fmt_int(dr['compressed'])} |")
    sc_total = sum(c["compressed"] for c in s["columns"])
    dc_total = sum(c["compressed"] for c in d["columns"])
    dr_total = sum(c["compressed"] for c in d["columns_rg1m"])
    print(f"| all column chunks | | {fmt_int(sc_total)} | | {fmt_int(dc_total)} "
          f"| {sc_total / dc_total:.2f} | | {fmt_int(dr_total)} |")


if __name__ == "__main__":
    main()
