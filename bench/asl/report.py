#!/usr/bin/env python3
"""Prints the ASL benchmark's Markdown table from the engines' JSON lines.

    bench/asl/report.py RUN_DIR

RUN_DIR holds sluice.jsonl (sluice_asl_bench), peer.jsonl (bench/asl/peer.mjs; may be
missing when Node is not installed) and outputs/ (each engine's final output per workload).
Checks that every engine produced the same output for a workload (exit status 1 if not),
then prints one row per workload and engine with the ratio to the peer's transitions/s, and
the targets of the issue: express >= 20x the peer, p50 start -> SUCCEEDED < 50 us in
process, durable >= 50,000 transitions/s.
"""

import glob
import json
import os
import sys

PEER = "aws-local-stepfunctions"
WORKLOADS = ["pass_chain_1000", "inline_map_10000", "one_state"]


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    run = sys.argv[1]
    rows = read_lines(os.path.join(run, "sluice.jsonl")) + read_lines(os.path.join(run, "peer.jsonl"))
    ok = True
    for w in WORKLOADS:
        files = sorted(glob.glob(os.path.join(run, "outputs", f"{w}.*.json")))
        docs = []
        for f in files:
            with open(f) as fh:
                docs.append(json.load(fh))
        if any(d != docs[0] for d in docs):
            ok = False
            print(f"OUTPUT MISMATCH for {w}: {', '.join(os.path.basename(f) for f in files)}")
    by = {(r["workload"], r["engine"]): r for r in rows}
    print("| workload | engine | runs | transitions | seconds | transitions/s | p50 µs | p99 µs | vs peer |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for w in WORKLOADS:
        peer = by.get((w, PEER))
        for r in [r for r in rows if r["workload"] == w]:
            ratio = ""
            if peer and r["engine"] != PEER:
                ratio = f"{r['transitions_per_s'] / peer['transitions_per_s']:.1f}×"
            p50 = f"{r['p50_us']:.2f}" if "p50_us" in r else ""
            p99 = f"{r['p99_us']:.2f}" if "p99_us" in r else ""
            print(f"| {w} | {r['engine']} | {r['runs']} | {r['transitions']:,} | {r['seconds']:.3f} | "
                  f"{r['transitions_per_s']:,} | {p50} | {p99} | {ratio} |")
    print()
    for w in WORKLOADS:
        s, p = by.get((w, "sluice-express")), by.get((w, PEER))
        if s and p:
            ratio = s["transitions_per_s"] / p["transitions_per_s"]
            print(f"- express ≥ 20× peer, {w}: {ratio:.1f}× — {'met' if ratio >= 20 else 'NOT met'}")
    one = by.get(("one_state", "sluice-express"))
    if one:
        print(f"- p50 start → SUCCEEDED < 50 µs (one-state express, in process): "
              f"{one['p50_us']:.2f} µs — {'met' if one['p50_us'] < 50 else 'NOT met'}")
    for w in WORKLOADS:
        d = by.get((w, "sluice-durable"))
        if d:
            rate = d["transitions_per_s"]
            print(f"- durable (history persisted in the SQLite catalog) ≥ 50,000 transitions/s, {w}: "
                  f"{rate:,} — {'met' if rate >= 50000 else 'NOT met'}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
