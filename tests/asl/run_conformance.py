#!/usr/bin/env python3
"""ASL conformance runner for sluice.

    python3 tests/asl/run_conformance.py [SLUICE_BINARY] [CASE_FILTER]

SLUICE_BINARY defaults to build/release/sluice (relative to the repository root); CASE_FILTER is a
substring of case folder names. For every folder in tests/asl/cases/ it runs

    SLUICE states run definition.asl.json [--input input.json]
          [--mocks mocks.json --test-case default --state-machine-name case]

parses stdout as JSON and compares it with expected.json:
  status; output (JSON equality: 1 == 1.0, true != 1, key order ignored); error;
  cause (exact) or cause_contains (substring) when expected.json has them.
VALIDATION_ERROR cases compare status and error only.
Prints one line per failing case and a summary "N passed, M failed"; exits 1 if any case fails.
Python 3 standard library only.
"""
import json
import os
import subprocess
import sys

from jsoncmp import json_equal

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CASES = os.path.join(HERE, "cases")
TIMEOUT_S = float(os.environ.get("ASL_CASE_TIMEOUT", "120"))


def short(v, n=400):
    s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= n else s[:n] + "..."


def compare(exp, got):
    """Returns None when equal, else a human-readable diff."""
    if not isinstance(got, dict):
        return f"stdout is not a JSON object: {short(got)}"
    diffs = []
    if got.get("status") != exp.get("status"):
        diffs.append(f"status: expected {exp.get('status')!r}, got {got.get('status')!r}")
        for k in ("error", "cause", "output"):
            if k in got:
                diffs.append(f"got {k}: {short(got[k])}")
        return "; ".join(diffs)
    status = exp.get("status")
    if status == "SUCCEEDED":
        if "output" not in got:
            return "output missing"
        if not json_equal(exp.get("output"), got.get("output")):
            return f"output: expected {short(exp.get('output'))}, got {short(got.get('output'))}"
        return None
    if exp.get("error") != got.get("error"):
        diffs.append(f"error: expected {exp.get('error')!r}, got {got.get('error')!r}")
    if status != "VALIDATION_ERROR":
        if "cause" in exp and exp["cause"] != got.get("cause"):
            diffs.append(f"cause: expected {exp['cause']!r}, got {got.get('cause')!r}")
        if "cause_contains" in exp and exp["cause_contains"] not in (got.get("cause") or ""):
            diffs.append(f"cause: expected to contain {exp['cause_contains']!r}, got {got.get('cause')!r}")
    if diffs and "cause" in got and not any(d.startswith("cause") for d in diffs):
        diffs.append(f"got cause: {got.get('cause')!r}")
    return "; ".join(diffs) or None


def run_case(sluice, case_dir):
    # Virtual time: Wait states and retry intervals advance the execution's clock without
    # sleeping, so outcomes are those of real waits.
    cmd = [sluice, "states", "run", os.path.join(case_dir, "definition.asl.json"),
           "--state-machine-name", "case", "--execution-name", "exec", "--wait-time-scale", "0"]
    inp = os.path.join(case_dir, "input.json")
    if os.path.exists(inp):
        cmd += ["--input", inp]
    mocks = os.path.join(case_dir, "mocks.json")
    if os.path.exists(mocks):
        cmd += ["--mocks", mocks, "--test-case", "default"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT_S:.0f}s"
    except OSError as ex:
        return None, f"cannot run {sluice}: {ex}"
    out = p.stdout.strip()
    try:
        return json.loads(out), None
    except ValueError:
        # tolerate log lines before the result: take the last line that parses as a JSON object
        for line in reversed(out.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                try:
                    return json.loads(line), None
                except ValueError:
                    pass
        err = p.stderr.strip().splitlines()[-3:]
        return None, f"exit {p.returncode}, stdout not JSON: {out[:300]!r}; stderr: {' | '.join(err)[:300]!r}"


def main(argv):
    sluice = argv[1] if len(argv) > 1 else os.path.join(REPO, "build", "release", "sluice")
    filt = argv[2] if len(argv) > 2 else ""
    if not os.path.exists(sluice):
        print(f"sluice binary not found: {sluice}", file=sys.stderr)
        return 2
    passed = failed = 0
    for name in sorted(os.listdir(CASES)):
        case_dir = os.path.join(CASES, name)
        if not os.path.isdir(case_dir) or filt not in name:
            continue
        with open(os.path.join(case_dir, "expected.json"), encoding="utf-8") as f:
            exp = json.load(f)
        got, problem = run_case(sluice, case_dir)
        diff = problem or compare(exp, got)
        if diff:
            failed += 1
            print(f"FAIL {name}: {diff}")
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
