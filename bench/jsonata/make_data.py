#!/usr/bin/env python3
"""Writes the JSONata benchmark's input (bench/jsonata): 10,000 orders and one order with
50 items, deterministic, so sluice and the npm jsonata package read the same document.

Usage: make_data.py OUT.json
"""
import json
import random
import sys


def main():
    rng = random.Random(8)
    statuses = ["new", "paid", "shipped", "delivered", "cancelled"]
    orders = []
    for i in range(10_000):
        orders.append({
            "id": f"o{i:05d}",
            "customer": {"id": rng.randrange(1, 2_000), "country": rng.choice(["DE", "FR", "US", "JP"])},
            "status": rng.choice(statuses),
            "total": round(rng.uniform(1, 1_000), 2),
            "lines": rng.randrange(1, 8),
        })
    items = [{"sku": f"sku-{k}", "name": f"item {k}", "qty": rng.randrange(1, 5),
              "price": round(rng.uniform(1, 200), 2)} for k in range(50)]
    order = {"id": "o-big", "total": 1234567.891, "items": items}
    with open(sys.argv[1], "w") as f:
        json.dump({"orders": orders, "order": order}, f)


if __name__ == "__main__":
    main()
