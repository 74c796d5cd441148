#!/usr/bin/env python3
"""Prints the JSONata benchmark table (bench/jsonata): evaluations per second of sluice and
the npm jsonata package per workload (best of the rounds in the .jsonl files), and their
ratio, after checking that both engines computed the same result for every workload.

Usage: report.py RUN_DIR   (RUN_DIR holds sluice.jsonl, optionally peer.jsonl, outputs/)
"""
import json
import os
import sys


def load(path):
    """Each engine's best round per workload (rounds alternate between the engines, so a
    burst of load from elsewhere on the machine does not decide a ratio)."""
    rows = {}
    if os.path.exists(path):
        for line in open(path):
            if line.strip():
                row = json.loads(line)
                best = rows.get(row["workload"])
                if best is None or row["evals_per_s"] > best["evals_per_s"]:
                    rows[row["workload"]] = row
    return rows


def main():
    run = sys.argv[1]
    ours = load(os.path.join(run, "sluice.jsonl"))
    peer = load(os.path.join(run, "peer.jsonl"))
    outputs = os.path.join(run, "outputs")
    print("| workload | sluice evals/s | jsonata-js 2.0.6 evals/s | ratio | ratio per CPU second |")
    print("|---|---:|---:|---:|---:|")
    failed = False
    for name, row in ours.items():
        p = peer.get(name)
        ratio = ""
        peer_rate = ""
        cpu_ratio = ""
        if p:
            a = json.load(open(os.path.join(outputs, f"{name}.sluice.json")))
            b = json.load(open(os.path.join(outputs, f"{name}.jsonata-js.json")))
            if a != b:
                print(f"MISMATCH in {name}: the engines' results differ", file=sys.stderr)
                failed = True
            peer_rate = f"{p['evals_per_s']:,.0f}"
            ratio = f"{row['evals_per_s'] / p['evals_per_s']:.1f}x"
            cpu_ratio = f"{row['evals_per_cpu_s'] / p['evals_per_cpu_s']:.1f}x"
        print(f"| {name} | {row['evals_per_s']:,.0f} | {peer_rate} | {ratio} | {cpu_ratio} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
