#!/usr/bin/env python3
"""Summarises a perf profile of sluice_asl_bench by interpreter function.

    perf record -e cpu-clock -F 1999 --call-graph dwarf,32768 -o P.data \\
        build/prof/bench/sluice_asl_bench DIR --only WORKLOAD --engine sluice-express --runs N
    perf script -i P.data -F ip,sym --inline | bench/asl/perf_breakdown.py

The binary needs debug info (-g) so that inlined frames (RunState, SetStateContext, ...)
appear in the call chains; Release alone inlines most of the interpreter into RunMachine.

Prints three Markdown tables over the samples taken inside RunExecution:
  - "where the time goes": each sample charged to the innermost frame that is one of the
    interpreter's steps (BUCKETS below, in the order they nest); the rows add up to 100%;
  - inclusive share of the same functions (a sample counts once per function);
  - the top leaf symbols (self time), which shows the allocator and Boost.JSON's share.
"""

import collections
import re
import sys

# Interpreter steps, innermost first is decided by stack position, not by this order.
BUCKETS = [
    "SetStateContext", "FormatIso8601Millis", "CheckSize", "SerializedSize",
    "PayloadTemplate::Evaluate", "EvaluatePath", "EvaluateChoiceRule", "ApplyResultPath",
    "SelectPath", "EffectiveInput", "Finish", "RunPass", "RunChoice", "RunMap", "Runner",
    "RunState", "Dispatch", "StateMachine::Find", "RunMachine", "BaseContext", "NewUuid",
    "RunExecution",
]


def normalise(frame):
    name = frame.strip()
    name = re.sub(r"^[0-9a-f]+ ", "", name)
    name = name.replace(" (inlined)", "")
    name = re.sub(r"\[abi:[^\]]*\]", "", name)
    # Drop template arguments and parameter lists.
    depth, out = 0, []
    for ch in name:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    name = "".join(out)
    return name


def bucket_of(name):
    for b in BUCKETS:
        if "::" in b:
            if name.endswith(b):
                return b
        elif name == b or name.endswith("::" + b):
            return b
    if name.endswith("::Runner") or name == "Runner":
        return "Runner"
    return None


def main():
    samples = []
    stack = []
    for line in sys.stdin:
        if line.strip():
            stack.append(normalise(line))
        elif stack:
            samples.append(stack)
            stack = []
    if stack:
        samples.append(stack)
    samples = [s for s in samples if any(f.endswith("RunExecution") for f in s)]
    n = len(samples)
    if n == 0:
        sys.exit("no samples inside RunExecution")
    exclusive = collections.Counter()
    inclusive = collections.Counter()
    leaves = collections.Counter()
    for s in samples:
        leaves[s[0].split("::")[-1] if "boost::json" not in s[0] else s[0]] += 1
        seen = set()
        charged = False
        for frame in s:  # leaf first
            b = bucket_of(frame)
            if b is None:
                continue
            if not charged:
                exclusive[b] += 1
                charged = True
            seen.add(b)
        for b in seen:
            inclusive[b] += 1
    print(f"samples inside RunExecution: {n}\n")
    print("| interpreter step (innermost) | share |")
    print("|---|---|")
    for b, c in exclusive.most_common():
        print(f"| {b} | {100 * c / n:.1f}% |")
    print("\n| function (inclusive) | share |")
    print("|---|---|")
    for b, c in inclusive.most_common():
        print(f"| {b} | {100 * c / n:.1f}% |")
    print("\n| leaf symbol (self) | share |")
    print("|---|---|")
    for b, c in leaves.most_common(15):
        print(f"| {b} | {100 * c / n:.1f}% |")


if __name__ == "__main__":
    main()
