#!/usr/bin/env python3
"""Peak memory of one big ETL run: `sluice jobs run` on a multi-GB orders CSV under a memory budget.

    python3 bench/etl/big_memory.py SLUICE_BINARY WORK_DIR [--copies 58] [--budget 256]
        [--threads 2] [--job bench/etl/orders_bench.yaml] [--keep]

The input is the seed-42 1M-row orders CSV (tools/orders_gen.py, 87 MB: 2% defects, duplicates
included) repeated --copies times with each copy's order ids shifted past the previous copy's
(58 copies: 5.06 GB, 57M distinct order ids), because generating 5 GB with orders_gen.py takes
hours. Prints seconds, peak RSS (wait4) and the run report's rows and dedupe mode; the big
file and the run's home are deleted afterwards unless --keep.
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ID_STRIDE = 10_000_000  # above the largest order id of one copy


def build_input(base, out, copies):
    record = re.compile(rb"^(\d+)(,C-)")
    with open(base, "rb") as f:
        header = f.readline()
        lines = []
        for line in f:
            m = record.match(line)
            # Continuation lines of quoted newlines and rows without an id stay as they are.
            lines.append((int(m.group(1)), line[m.end(1):]) if m else (None, line))
    with open(out, "wb") as f:
        f.write(header)
        for c in range(copies):
            shift = c * ID_STRIDE
            f.write(b"".join(b"%d%s" % (i + shift, rest) if i is not None else rest for i, rest in lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sluice")
    ap.add_argument("work")
    ap.add_argument("--copies", type=int, default=58)
    ap.add_argument("--budget", type=int, default=256, help="--memory-budget in MiB")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--job", default=os.path.join(ROOT, "bench/etl/orders_bench.yaml"))
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    base = os.path.join(a.work, "orders-1000000.csv")
    if not os.path.exists(base):
        subprocess.run([sys.executable, os.path.join(ROOT, "tools/orders_gen.py"), "--rows", "1000000",
                        "--seed", "42", "--out", base], check=True)
    big = os.path.join(a.work, f"orders-x{a.copies}.csv")
    if not os.path.exists(big):
        build_input(base, big, a.copies)
    home = os.path.join(a.work, "home")
    shutil.rmtree(home, ignore_errors=True)
    cmd = [a.sluice, "--home", home, "jobs", "run", a.job, "--source", big, "--no-load",
           "--threads", str(a.threads), "--memory-budget", str(a.budget)]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    seconds = time.monotonic() - t0
    # The largest child reaped so far: the run (orders_gen.py, if it ran, is far smaller).
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err.decode()}")
    report = json.loads(out)
    print(f"input: {os.path.getsize(big) / 1e9:.2f} GB, budget {a.budget} MiB, threads {a.threads}")
    print(f"seconds: {seconds:.1f}")
    print(f"peak RSS: {peak_mib:.0f} MiB")
    print(f"rows: {json.dumps(report['rows'])}")
    print(f"dedupe: {json.dumps(report.get('dedupe'))}")
    print(f"timings_ms: {json.dumps(report.get('timings_ms'))}")
    if not a.keep:
        shutil.rmtree(home, ignore_errors=True)
        os.remove(big)


if __name__ == "__main__":
    main()
