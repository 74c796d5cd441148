#!/usr/bin/env python3
"""Checks tools/orders_gen.py: the CSV and JSONL it writes parse back (quoted commas and
newlines included), and the truth file's counts match what is in the data."""
import csv
import json
import os
import subprocess
import sys
import tempfile

GEN = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "orders_gen.py")


def run(fmt, d):
    out, truth = os.path.join(d, "o." + fmt), os.path.join(d, "t.json")
    subprocess.run([sys.executable, GEN, "--rows", "5000", "--format", fmt, "--defect-rate", "0.2",
                    "--out", out, "--truth", truth], check=True)
    return out, json.load(open(truth))


def main():
    with tempfile.TemporaryDirectory() as d:
        path, truth = run("csv", d)
        rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
        header, data = rows[0], rows[1:]
        assert len(data) == truth["rows"] == 5000, (len(data), truth)
        ragged = sum(1 for r in data if len(r) != len(header))
        assert ragged == truth["defects"]["ragged"], (ragged, truth)
        quoted = sum(1 for r in data if len(r) == 10 and "\n" in r[9] and "," in r[9])
        assert quoted == truth["defects"]["quoted"], (quoted, truth)
        missing = sum(1 for r in data if r and r[0] == "")
        assert missing == truth["defects"]["missing_id"], (missing, truth)
        # Same seed, same data: the output is deterministic.
        again, _ = run("csv", os.path.join(d))
        assert open(again, "rb").read() == open(path, "rb").read()

        path, truth = run("jsonl", d)
        lines = [json.loads(l) for l in open(path, encoding="utf-8")]
        assert len(lines) == 5000
        assert truth["defects"]["ragged"] == 0
        bad_qty = sum(1 for r in lines if r["quantity"] in ("abc", "-3", "1e9"))
        assert bad_qty == truth["defects"]["bad_quantity"], (bad_qty, truth)
    print("orders_gen: ok")


if __name__ == "__main__":
    main()
