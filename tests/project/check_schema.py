#!/usr/bin/env python3
"""Checks docs/sluice.schema.json: it is a valid JSON Schema (draft 2020-12); the complete
example in docs/project.md and examples/orders/sluice.yaml validate against it; and documents
with mistakes the engine rejects (unknown fields, bad enum values, wildcards in filters) do
not. Exits 77 (skipped) when python3 lacks jsonschema or PyYAML.

Usage: check_schema.py SOURCE_DIR"""
import copy
import json
import os
import re
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:  # not installed here: say so rather than pass silently
    print(f"SKIPPED: {e}; install python3-jsonschema and python3-yaml to run this check")
    sys.exit(77)

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
with open(os.path.join(root, "docs", "sluice.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

with open(os.path.join(root, "docs", "project.md")) as f:
    doc = f.read()
match = re.search(r"<!-- example: sluice.yaml.*?-->\n```yaml\n(.*?)```", doc, re.S)
if not match:
    sys.exit("docs/project.md: no ```yaml block after '<!-- example: sluice.yaml' found")
examples = {"docs/project.md example": yaml.safe_load(match.group(1))}
with open(os.path.join(root, "examples", "orders", "sluice.yaml")) as f:
    examples["examples/orders/sluice.yaml"] = yaml.safe_load(f)

failed = False
for name, document in examples.items():
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    for e in errors:
        print(f"{name}: {'/'.join(map(str, e.path))}: {e.message}")
        failed = True

# Each mistake must be caught, or the schema is too loose to help an editor.
base = examples["docs/project.md example"]
mistakes = {
    "unknown top-level field": lambda d: d.update(triggerz=[]),
    "trigger without state_machine": lambda d: d["triggers"][0].pop("state_machine"),
    "wildcard suffix": lambda d: d["triggers"][0]["filter"].update(suffix="*.csv"),
    "unsupported event": lambda d: d["triggers"][0].update(events=["s3:ObjectCreated:Upload"]),
    "bad bucket name": lambda d: d["buckets"].append("Bad_Bucket"),
    "bad comparison": lambda d: d["alarms"][0].update(comparison="Bigger"),
    "bad period": lambda d: d["alarms"][0].update(period=45),
    "webhook without URL scheme": lambda d: d["topics"]["alerts"].append({"webhook": "hooks.example.com"}),
    "lifecycle rule without action": lambda d: d["lifecycle"]["landing"]["Rules"].append(
        {"ID": "x", "Status": "Enabled"}),
    "lifecycle status": lambda d: d["lifecycle"]["landing"]["Rules"][0].update(Status="On"),
}
for what, mutate in mistakes.items():
    document = copy.deepcopy(base)
    mutate(document)
    if validator.is_valid(document):
        print(f"the schema accepts a document with a mistake: {what}")
        failed = True

if failed:
    sys.exit(1)
print(f"ok: schema valid; {len(examples)} examples validate; {len(mistakes)} mistakes rejected")
