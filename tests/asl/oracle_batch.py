#!/usr/bin/env python3
"""Second opinion: run every tests/asl/cases/* folder through the asl-oracle (moto's ASL interpreter).

    python3 tests/asl/oracle_batch.py [CASES_DIR] [--only SUBSTRING] [--oracle PATH/TO/asl_oracle.py]

Differences from `asl_oracle.py batch`: reads our file names (definition.asl.json, not definition.json),
runs with state machine name `case` and execution name `exec` (so context-object values match expected.json),
uses the mocks' test case `default`, and compares with our expected.json semantics (cause / cause_contains).
Mismatches on cases marked "oracle differs" in cases/INDEX.md are reported as KNOWN, not as failures.
JSONata / `$variable` support needs the npm package `jsonata` reachable by node: either the oracle's own
node/ folder (see its README) or NODE_PATH pointing at a node_modules that contains it.
Exit status 1 if any unexpected mismatch.
"""
import argparse
import json
import os
import re
import sys

from jsoncmp import json_equal

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def compare(exp, got):
    if got.get("status") != exp.get("status"):
        return f"status {got.get('status')} != {exp.get('status')} (got error={got.get('error')!r} cause={str(got.get('cause'))[:160]!r})"
    if exp["status"] == "VALIDATION_ERROR":
        return None
    if exp["status"] == "SUCCEEDED":
        if not json_equal(exp.get("output"), got.get("output")):
            return f"output {json.dumps(got.get('output'))[:300]} != {json.dumps(exp.get('output'))[:300]}"
        return None
    if exp.get("error") != got.get("error"):
        return f"error {got.get('error')!r} != {exp.get('error')!r} (cause={str(got.get('cause'))[:160]!r})"
    if "cause" in exp and exp["cause"] != got.get("cause"):
        return f"cause {got.get('cause')!r} != {exp['cause']!r}"
    if "cause_contains" in exp and exp["cause_contains"] not in (got.get("cause") or ""):
        return f"cause {got.get('cause')!r} does not contain {exp['cause_contains']!r}"
    return None


def known_divergences(cases_dir):
    known = set()
    index = os.path.join(cases_dir, "INDEX.md")
    if os.path.exists(index):
        for line in open(index, encoding="utf-8"):
            m = re.match(r"\|\s*([0-9]{3}-[^ |]+)\s*\|", line)
            if m and "oracle differs" in line:
                known.add(m.group(1))
    return known


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="?", default=os.path.join(HERE, "cases"))
    ap.add_argument("--only", default="")
    ap.add_argument("--oracle", default=os.environ.get("ASL_ORACLE", "/work/shared/tools/asl-oracle/asl_oracle.py"))
    ap.add_argument("--time-scale", type=float, default=0.01)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    sys.path.insert(0, os.path.dirname(os.path.abspath(args.oracle)))
    import asl_oracle  # noqa: E402

    known = known_divergences(args.cases)
    oracle = asl_oracle.Oracle(region="us-east-1", time_scale=args.time_scale)
    n = agree = known_n = bad = 0
    try:
        for name in sorted(os.listdir(args.cases)):
            d = os.path.join(args.cases, name)
            if not os.path.isdir(d) or args.only not in name:
                continue
            n += 1
            with open(os.path.join(d, "definition.asl.json"), encoding="utf-8") as f:
                text = f.read()
            inp_path = os.path.join(d, "input.json")
            inp = open(inp_path, encoding="utf-8").read() if os.path.exists(inp_path) else "{}"
            mocks = load(os.path.join(d, "mocks.json"))
            exp = load(os.path.join(d, "expected.json"))
            try:
                got = oracle.run(text, input_text=inp, mocks=mocks, mock_test_case="default" if mocks else None,
                                 sm_name="case", exec_name="exec", timeout=60.0)
            except Exception as ex:  # keep going
                got = {"status": "ORACLE_ERROR", "error": type(ex).__name__, "cause": str(ex)}
            why = compare(exp, got)
            if why is None:
                agree += 1
                if name in known:
                    print(f"AGREES (marked 'oracle differs') {name}")
                elif args.verbose:
                    print(f"ok    {name}")
            elif name in known:
                known_n += 1
                print(f"KNOWN {name}: {why}")
            else:
                bad += 1
                print(f"DIFF  {name}: {why}")
    finally:
        oracle.close()
    print(f"{n} cases: {agree} agree with the oracle, {known_n} known divergences, {bad} unexpected differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
