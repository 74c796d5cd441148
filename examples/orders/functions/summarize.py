#!/usr/bin/env python3
"""A local Lambda function for the orders example: reads {"bucket", "key"} (the key as S3
event records carry it, URL-encoded) on stdin, reads the object with `sluice s3 cat`, and
prints a summary as JSON: rows, rows with an invalid amount, and the total amount."""
import csv
import io
import json
import os
import subprocess
import sys
import urllib.parse

event = json.load(sys.stdin)
key = urllib.parse.unquote_plus(event["key"])
sluice = os.environ.get("SLUICE_BIN", "sluice")
data = subprocess.run([sluice, "s3", "cat", f"s3://{event['bucket']}/{key}"],
                      check=True, capture_output=True).stdout.decode("utf-8")
rows = invalid = 0
amount = 0.0
for row in csv.DictReader(io.StringIO(data)):
    rows += 1
    try:
        amount += float(row["amount"])
    except (KeyError, ValueError):
        invalid += 1
print(json.dumps({"rows": rows, "invalid": invalid, "amount": round(amount, 2)}))
