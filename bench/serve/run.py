#!/usr/bin/env python3
"""`sluice serve` benchmark: the orders pipeline as users run it (issue 7).

    python3 bench/serve/run.py SLUICE_BINARY WORK_DIR [--events 200] [--big-mb 10]
        [--big-rounds 5] [--files 200] [--file-mb 1] [--executors 16]

Each scenario starts `sluice serve --project` on a fresh `sluice init` project (the orders
example: S3 event → the `pipeline` state machine: Glue job to silver.orders and
quarantine.orders → gold models → Redshift Data → SNS) in a fresh engine home, puts objects
into the `landing` bucket with `sluice s3 cp` from another process (a logged put: the S3
event is appended when the object is stored), waits until every execution has finished,
then reads the times from the catalog (not timed):

1. event → execution start: `--events` small exports (50 rows) put one after another; per
   execution, start_micros minus its event's eventTime. S3 event times have millisecond
   resolution (truncated), so each lag is overstated by up to 1 ms.
2. file landed → gold updated: `--big-rounds` exports of `--big-mb` MB put one at a time,
   each after the previous one finished; per file, the end of its execution's
   `arn:sluice:::models:build` task (gold rebuilt) minus its event time.
3. end to end: `--files` exports of `--file-mb` MB put at once (`s3 cp --recursive`), each
   covering one day (8 exports a day, as an hourly-ish export would); files/s = files ÷ (last
   execution's stop − first event), plus the per-file event → stop p50.

Every file has its own order ids (tools/orders_gen.py --first-id), 2% defects. Targets
(issue 7): event → start p50 under 5 ms; a 10 MB file → gold under 2 s.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "tools", "orders_gen.py")
ROWS_PER_MB = 11500  # orders_gen CSV: about 87 bytes per row


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return p.stdout


def generate(path, rows, seed, first_id):
    run([sys.executable, GEN, "--rows", str(rows), "--seed", str(seed), "--first-id", str(first_id),
         "--out", path])


def micros_of(event_time):
    t = dt.datetime.strptime(event_time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    return int(t.timestamp() * 1_000_000)


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]


class Serve:
    """`sluice serve` on a fresh project and home under `work/name`."""

    def __init__(self, sluice, work, name, executors):
        self.sluice = sluice
        self.dir = os.path.join(work, "serve-" + name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.home = os.path.join(self.dir, "home")
        project = os.path.join(self.dir, "project")
        run([sluice, "--home", self.home, "init", project])
        port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        self.proc = subprocess.Popen(
            [sluice, "--home", self.home, "serve", "--project", project, "--port", "0",
             "--port-file", port_file, "--executors", str(executors)],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
                break
            time.sleep(0.05)
        else:
            sys.exit(f"serve did not start; see {self.log.name}")

    def put(self, path, key, recursive=False):
        cmd = [self.sluice, "--home", self.home, "s3", "cp", path, f"s3://landing/{key}", "--quiet"]
        run(cmd + (["--recursive"] if recursive else []))

    def executions(self):
        db = sqlite3.connect(f"file:{self.home}/catalog.db?mode=ro", uri=True)
        try:
            return db.execute("SELECT arn, status, start_micros, stop_micros, input FROM executions").fetchall()
        finally:
            db.close()

    def wait(self, n, timeout=600):
        deadline = time.time() + timeout
        while time.time() < deadline:
            ex = self.executions()
            if len(ex) >= n and all(e[1] != "RUNNING" for e in ex):
                failed = [e for e in ex if e[1] != "SUCCEEDED"]
                if failed:
                    sys.exit(f"{len(failed)} executions did not succeed, e.g. {failed[0][:2]}")
                return ex
            time.sleep(0.05)
        sys.exit(f"timed out waiting for {n} executions; see {self.log.name}")

    def gold_updated_micros(self, arn):
        """When the execution's models:build task succeeded."""
        db = sqlite3.connect(f"file:{self.home}/catalog.db?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT type, timestamp_micros, details FROM execution_history "
                              "WHERE execution_arn = ? AND superseded = 0 ORDER BY id", (arn,)).fetchall()
        finally:
            db.close()
        for i, (kind, ts, details) in enumerate(rows):
            if kind == "TaskSucceeded" and "arn:sluice:::models:build" in (details or ""):
                return ts
        sys.exit(f"execution {arn} has no models:build TaskSucceeded")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)
        self.log.close()


def event_micros(execution_input):
    record = json.loads(execution_input)["Records"][0]
    return micros_of(record["eventTime"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sluice")
    ap.add_argument("work")
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--event-gap-ms", type=int, default=0, help="pause between the event puts")
    ap.add_argument("--big-mb", type=int, default=10)
    ap.add_argument("--big-rounds", type=int, default=5)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--file-mb", type=float, default=1)
    ap.add_argument("--executors", type=int, default=16)
    a = ap.parse_args()
    sluice = os.path.abspath(a.sluice)
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    results = {}

    # 1. event → execution start
    small = os.path.join(work, "small")
    shutil.rmtree(small, ignore_errors=True)
    os.makedirs(small)
    for i in range(a.events):
        generate(f"{small}/e{i:04d}.csv", 50, 1000 + i, 1 + 1000 * i)
    s = Serve(sluice, work, "events", a.executors)
    for i in range(a.events):
        s.put(f"{small}/e{i:04d}.csv", f"raw/e{i:04d}.csv")
        time.sleep(a.event_gap_ms / 1000)
    ex = s.wait(a.events)
    s.stop()
    lags = [(start - event_micros(inp)) / 1000 for _, _, start, _, inp in ex]
    results["event_to_start_ms"] = {"p50": percentile(lags, 50), "p99": percentile(lags, 99),
                                    "max": max(lags), "n": len(lags)}

    # 2. a big file → gold
    big_rows = int(a.big_mb * ROWS_PER_MB)
    big = os.path.join(work, "big")
    shutil.rmtree(big, ignore_errors=True)
    os.makedirs(big)
    for r in range(a.big_rounds):
        generate(f"{big}/b{r}.csv", big_rows, 2000 + r, 1 + 10_000_000 * r)
    size_mb = os.path.getsize(f"{big}/b0.csv") / 1e6
    s = Serve(sluice, work, "big", a.executors)
    to_gold = []
    for r in range(a.big_rounds):
        s.put(f"{big}/b{r}.csv", f"raw/b{r}.csv")
        ex = s.wait(r + 1)
        arn, _, _, _, inp = next(e for e in ex if f"raw/b{r}.csv" in e[4])
        to_gold.append((s.gold_updated_micros(arn) - event_micros(inp)) / 1e6)
    s.stop()
    results["file_to_gold_s"] = {"mb": round(size_mb, 1), "rows": big_rows, "p50": statistics.median(to_gold),
                                 "all": [round(x, 3) for x in to_gold]}

    # 3. many files at once
    many = os.path.join(work, "many")
    shutil.rmtree(many, ignore_errors=True)
    os.makedirs(many)
    rows = int(a.file_mb * ROWS_PER_MB)
    for i in range(a.files):
        # Exports as a shop writes them: each covers one day (8 a day), with its own orders.
        day = dt.date(2026, 11, 1) + dt.timedelta(days=i // 8)
        run([sys.executable, GEN, "--rows", str(rows), "--seed", str(3000 + i), "--first-id",
             str(1 + rows * i), "--days", "1", "--start", f"{day.isoformat()}T00:00:00",
             "--out", f"{many}/m{i:04d}.csv"])
    many_bytes = sum(os.path.getsize(f"{many}/{n}") for n in os.listdir(many))
    s = Serve(sluice, work, "many", a.executors)
    s.put(many, "raw/", recursive=True)
    ex = s.wait(a.files, timeout=1800)
    s.stop()
    first = min(event_micros(e[4]) for e in ex)
    last = max(e[3] for e in ex)
    seconds = (last - first) / 1e6
    per_file = [(e[3] - event_micros(e[4])) / 1e6 for e in ex]
    results["many_files"] = {"files": a.files, "mb": round(many_bytes / 1e6, 1), "seconds": round(seconds, 2),
                             "files_per_s": round(a.files / seconds, 2),
                             "mb_per_s": round(many_bytes / 1e6 / seconds, 1),
                             "event_to_stop_p50_s": round(statistics.median(per_file), 3)}

    e = results["event_to_start_ms"]
    g = results["file_to_gold_s"]
    m = results["many_files"]
    print("| measurement | result | target |")
    print("|---|---:|---|")
    print(f"| event → execution start, p50 ({e['n']} events) | {e['p50']:.2f} ms | < 5 ms — "
          f"{'met' if e['p50'] < 5 else 'not met'} |")
    print(f"| event → execution start, p99 | {e['p99']:.2f} ms (max {e['max']:.2f}) | |")
    print(f"| {g['mb']} MB file ({g['rows']} rows) landed → gold updated, p50 of {len(g['all'])} | "
          f"{g['p50']:.2f} s | < 2 s — {'met' if g['p50'] < 2 else 'not met'} |")
    print(f"| {m['files']} files of {a.file_mb:g} MB ({m['mb']} MB) end to end | {m['files_per_s']} files/s, "
          f"{m['mb_per_s']} MB/s ({m['seconds']} s; per file event → done p50 {m['event_to_stop_p50_s']} s) | |")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
