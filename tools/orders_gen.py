#!/usr/bin/env python3
"""A realistic orders data set with defects, at any size, as CSV or JSON lines.

    tools/orders_gen.py --rows 1000000 --format csv --seed 42 --defect-rate 0.02 \
        --out orders.csv --truth orders.truth.json

Columns (the ETL issue's orders data set): order_id, customer_id, order_ts, country, sku,
quantity, unit_price, status, email, note. Rows stream to the output, so memory stays flat
whatever --rows is. The output is deterministic for a given seed and options.

Defects, each at its share of --defect-rate (and counted exactly in --truth, so tests can
assert what a job must quarantine or drop):
  duplicate      an earlier order_id again, with a later order_ts (dedupe keeps the newest)
  bad_quantity   quantity "abc", "-3" or "1e9" (not an integer in 1..1000)
  bad_timestamp  order_ts "2026-13-45T25:61:00Z", "yesterday" or ""
  missing_id     empty order_id
  ragged         (CSV only) a row with one field missing
  quoted         a note with a comma, a double quote and a newline (valid, must survive)
Clean rows have: order_id increasing from 1, order_ts within --days days from --start,
quantity 1..20, unit_price with two decimals, status in paid/pending/refunded/cancelled.
The truth file also has the exact sum of quantity * unit_price over the rows a correct job
keeps (valid, deduplicated to the newest per order_id), and the orders and revenue per
"YYYY-MM-DD|country" of those rows with status paid or pending (the example's
gold.daily_revenue), for end-to-end checks. --first-id shifts the order ids.
"""

import argparse
import csv
import datetime as dt
import json
import random
import sys
from decimal import Decimal

COUNTRIES = ["DE", "FR", "NL", "ES", "IT", "PL", "SE", "US", "GB", "CH"]
STATUSES = ["paid", "paid", "paid", "pending", "refunded", "cancelled"]
DEFECTS = ["duplicate", "bad_quantity", "bad_timestamp", "missing_id", "ragged", "quoted"]
COLUMNS = ["order_id", "customer_id", "order_ts", "country", "sku", "quantity", "unit_price",
           "status", "email", "note"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--defect-rate", type=float, default=0.02)
    p.add_argument("--start", default="2026-11-01T00:00:00")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--first-id", type=int, default=1,
                   help="the first order_id (files with disjoint ids share no orders)")
    p.add_argument("--out", default="-")
    p.add_argument("--truth", help="write the defect counts and expected aggregates here (JSON)")
    a = p.parse_args()

    rng = random.Random(a.seed)
    start = dt.datetime.fromisoformat(a.start).replace(tzinfo=dt.timezone.utc)
    span = a.days * 86400
    out = sys.stdout if a.out == "-" else open(a.out, "w", newline="", encoding="utf-8")
    writer = csv.writer(out, lineterminator="\n") if a.format == "csv" else None
    if writer:
        writer.writerow(COLUMNS)

    counts = {d: 0 for d in DEFECTS}
    # The newest valid version of each order, for the expected aggregates: id -> (ts, amount)
    kept = {}
    emitted = 0
    next_id = 1
    recent = []  # recent valid rows, candidates for duplicates

    def emit(row, ragged=False):
        if writer:
            fields = [row[c] for c in COLUMNS]
            if ragged:
                fields = fields[:-1]
            writer.writerow(fields)
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")

    while emitted < a.rows:
        oid = next_id
        next_id += 1
        ts = start + dt.timedelta(seconds=(oid * span) // max(a.rows, 1) + rng.randrange(60))
        qty = rng.randint(1, 20)
        price = Decimal(rng.randrange(100, 50000)) / 100
        row = {
            "order_id": str(oid + a.first_id - 1),
            "customer_id": f"C-{rng.randrange(50000):05d}",
            "order_ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "country": rng.choice(COUNTRIES),
            "sku": f"SKU-{rng.randrange(5000):04d}",
            "quantity": str(qty),
            "unit_price": f"{price:.2f}",
            "status": rng.choice(STATUSES),
            "email": f"user{rng.randrange(100000)}@example.com",
            "note": "",
        }
        defect = None
        if rng.random() < a.defect_rate:
            choices = DEFECTS if writer else [d for d in DEFECTS if d != "ragged"]
            defect = rng.choice(choices)
        valid = True
        if defect == "duplicate" and recent:
            base = dict(rng.choice(recent))
            base_ts = dt.datetime.strptime(base["order_ts"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
            base["order_ts"] = (base_ts + dt.timedelta(seconds=1 + rng.randrange(3600))).strftime("%Y-%m-%dT%H:%M:%SZ")
            base["quantity"] = str(rng.randint(1, 20))
            base["note"] = "duplicate"  # a quoted note is counted once, on its first row
            row = base
            next_id -= 1  # the id was not used
        elif defect == "duplicate":
            defect = None
        elif defect == "bad_quantity":
            row["quantity"] = rng.choice(["abc", "-3", "1e9"])
            valid = False
        elif defect == "bad_timestamp":
            row["order_ts"] = rng.choice(["2026-13-45T25:61:00Z", "yesterday", ""])
            valid = False
        elif defect == "missing_id":
            row["order_id"] = ""
            valid = False
        elif defect == "ragged":
            valid = False
        elif defect == "quoted":
            row["note"] = 'gift, wrap "please"\nleave at door'
        if defect:
            counts[defect] += 1
        emit(row, ragged=defect == "ragged")
        emitted += 1
        if valid:
            amount = Decimal(row["quantity"]) * Decimal(row["unit_price"])
            key = row["order_id"]
            prev = kept.get(key)
            if prev is None or row["order_ts"] >= prev[0]:
                kept[key] = (row["order_ts"], amount, row["country"], row["status"])
            if defect != "duplicate":
                recent.append(row)
                if len(recent) > 1000:
                    recent.pop(0)

    if out is not sys.stdout:
        out.close()
    if a.truth:
        total = sum((v[1] for v in kept.values()), Decimal(0))
        # What gold.daily_revenue must hold: paid and pending orders per day and country.
        by_day = {}
        for ts, amount, country, status in kept.values():
            if status not in ("paid", "pending"):
                continue
            cell = by_day.setdefault(f"{ts[:10]}|{country}", [0, Decimal(0)])
            cell[0] += 1
            cell[1] += amount
        with open(a.truth, "w") as t:
            json.dump({
                "rows": emitted,
                "defects": counts,
                "distinct_valid_orders": len(kept),
                "expected_amount_total": f"{total:.2f}",
                "revenue_by_day_country": {k: {"orders": v[0], "revenue": f"{v[1]:.2f}"}
                                           for k, v in sorted(by_day.items())},
            }, t, indent=2)
            t.write("\n")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
