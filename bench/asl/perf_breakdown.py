#!/usr/bin/env python3
"""Summarises a perf profile of sluice_asl_bench by interpreter function.

    perf record -e cpu-clock -F 1999 --call-graph dwarf,32768 -o P.data \\
        build/prof/bench/sluice_asl_bench DIR --only WORKLOAD --engine sluice-express --runs N
    perf script -i P.data -F ip,sym --inline | bench/asl/perf_breakdown.py [--binary BIN]

The binary needs debug info (-g) so that inlined frames (RunState, SetStateContext, ...)
appear in the call chains; Release alone inlines most of the interpreter into RunMachine.

Prints three Markdown tables over the samples taken inside RunExecution:
  - "where the time goes": each sample charged to the innermost frame that is one of the
    interpreter's steps (BUCKETS below, in the order they nest); the rows add up to 100%;
  - inclusive share of the same functions (a sample counts once per function);
  - the top leaf symbols (self time), which shows the allocator and Boost.JSON's share;
  - with --binary (the profiled executable): the source lines (addr2line) the samples of
    each step were charged to, for the steps above 2%.
"""

import collections
import re
import subprocess
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


def source_line(binary, address, step):
    out = subprocess.run(["addr2line", "-e", binary, "-i", "-C", "-f", "0x" + address],
                         capture_output=True, text=True, check=False).stdout.split("\n")
    # -i prints the innermost inlined location first; its outermost caller comes last.
    pairs = [(out[i], out[i + 1]) for i in range(0, len(out) - 1, 2)]
    if not pairs:
        return address
    # The location inside the step itself (not inside a library function it inlined).
    chosen = next((p for p in pairs if bucket_of(normalise(p[0])) == step), pairs[0])
    return re.sub(r"^.*/src/", "src/", chosen[1].split(" ")[0])


def main():
    binary = None
    if len(sys.argv) == 3 and sys.argv[1] == "--binary":
        binary = sys.argv[2]
    samples = []
    stack = []
    for line in sys.stdin:
        if line.strip():
            stack.append((line.strip().split(" ")[0], normalise(line)))
        elif stack:
            samples.append(stack)
            stack = []
    if stack:
        samples.append(stack)
    samples = [s for s in samples if any(f.endswith("RunExecution") for _, f in s)]
    n = len(samples)
    if n == 0:
        sys.exit("no samples inside RunExecution")
    exclusive = collections.Counter()
    inclusive = collections.Counter()
    leaves = collections.Counter()
    addresses = collections.defaultdict(collections.Counter)
    for s in samples:
        leaf = s[0][1]
        leaves[leaf.split("::")[-1] if "boost::json" not in leaf else leaf] += 1
        seen = set()
        charged = False
        for address, frame in s:  # leaf first
            b = bucket_of(frame)
            if b is None:
                continue
            if not charged:
                exclusive[b] += 1
                addresses[b][address] += 1
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
    if binary:
        print("\n| step | source line | share |")
        print("|---|---|---|")
        for b, c in exclusive.most_common():
            if c * 50 < n:
                break
            lines = collections.Counter()
            for address, k in addresses[b].items():
                lines[source_line(binary, address, b)] += k
            for line, k in lines.most_common(4):
                if k * 200 >= n:
                    print(f"| {b} | {line} | {100 * k / n:.1f}% |")


if __name__ == "__main__":
    main()
