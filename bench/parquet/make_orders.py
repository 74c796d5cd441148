#!/usr/bin/env python3
"""Writes the orders data set of the Parquet benchmark as CSV, deterministically.

    bench/parquet/make_orders.py OUT.csv [--rows N] [--seed S]

The columns are those of examples/orders/data/orders.csv (order_id, customer_id,
order_date, status, currency, amount, items), 1,000,000 rows by default, with realistic
distributions so that encodings and compression behave as on real orders:
  - order_id: int64, increasing from 1001 (gaps of 1-3, as with deleted orders);
  - customer_id: "C-01234", 50,000 distinct, skewed (a few customers order often);
  - order_date: timestamps with second precision over one year (2026), increasing with a
    little jitter (orders arrive roughly in order), written as 2026-11-27T08:15:02Z;
  - status: 5 values (paid 70%, shipped 15%, pending 8%, refunded 5%, cancelled 2%);
  - currency: 4 values (EUR 55%, USD 30%, GBP 10%, CHF 5%);
  - amount: decimal(12,2), log-normal around 60.00, negative for refunds;
  - items: 1-12, small numbers most often.
Both engines load this one file before timing, so they write the identical rows.
"""

import argparse
import datetime
import math
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    year_seconds = 365 * 24 * 3600
    statuses = ["paid", "shipped", "pending", "refunded", "cancelled"]
    status_weights = [70, 15, 8, 5, 2]
    currencies = ["EUR", "USD", "GBP", "CHF"]
    currency_weights = [55, 30, 10, 5]
    n = args.rows
    order_id = 1000
    with open(args.out, "w", encoding="ascii", newline="\n") as out:
        out.write("order_id,customer_id,order_date,status,currency,amount,items\n")
        status_draws = rng.choices(statuses, status_weights, k=n)
        currency_draws = rng.choices(currencies, currency_weights, k=n)
        lines = []
        for i in range(n):
            order_id += rng.choice((1, 1, 1, 1, 2, 3))
            # Skewed customer ids: a Pareto-ish draw folded into 50,000 customers.
            customer = int(rng.paretovariate(1.2) * 7919) % 50000
            # Increasing over the year, jittered by up to ten minutes.
            second = int(i * year_seconds / n) + rng.randint(-600, 600)
            second = min(max(second, 0), year_seconds - 1)
            ts = start + datetime.timedelta(seconds=second)
            status = status_draws[i]
            cents = max(50, int(math.exp(rng.gauss(math.log(6000), 0.9))))
            if status == "refunded":
                cents = -cents
            items = min(12, 1 + int(rng.expovariate(0.45)))
            lines.append(
                f"{order_id},C-{customer:05d},{ts.strftime('%Y-%m-%dT%H:%M:%SZ')},{status},"
                f"{currency_draws[i]},{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d},"
                f"{items}\n")
            if len(lines) == 65536:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)


if __name__ == "__main__":
    main()
