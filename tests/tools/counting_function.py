#!/usr/bin/env python3
"""A local Lambda function for durable-execution crash tests: it counts its invocations.

    counting_function.py --log FILE [--sleep S] [--fail-first N | --fail-below-retry N] [--token-file F]

Reads the payload (JSON) on stdin. Every invocation appends one line `start <pid> <payload>`
to FILE before doing anything else and `end <pid>` when it is done, so a test knows how many
times the function actually ran and whether one is running now (the function's process
group outlives a SIGKILLed runner: an orphan still writes its `end`).

    --sleep S        sleep S seconds (fractions allowed) before answering
    --fail-first N   the first N invocations (counted over FILE, so across processes and
                     crashes) fail with {"errorType":"Flaky","errorMessage":"attempt K"}
    --fail-below-retry N
                     fail (as above) while the payload's "retry" field (pass
                     $$.State.RetryCount) is below N: failures that depend on the attempt only,
                     so a re-run attempt behaves as the first run of it did
    --token-file F   write the payload's "token" field to F (atomically) and answer at once:
                     for `.waitForTaskToken` states

The result is {"input": <payload>} (the same however often the function ran, so crashed and
uninterrupted executions can be compared), or {"submitted": true} with --token-file.
Python 3 standard library only.
"""
import argparse
import json
import os
import sys
import time


def append_line(path, line):
    # One write(2) on an O_APPEND descriptor: lines from concurrent processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def count_starts(path):
    with open(path) as f:
        return sum(1 for line in f if line.startswith("start "))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--fail-below-retry", type=int, default=0)
    parser.add_argument("--token-file")
    args = parser.parse_args()

    payload = json.load(sys.stdin)
    pid = os.getpid()
    append_line(args.log, "start %d %s" % (pid, json.dumps(payload, sort_keys=True, separators=(",", ":"))))
    attempt = count_starts(args.log)
    if args.sleep > 0:
        time.sleep(args.sleep)
    if args.token_file:
        tmp = args.token_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(payload["token"])
        os.rename(tmp, args.token_file)
        append_line(args.log, "end %d" % pid)
        print(json.dumps({"submitted": True}))
        return 0
    retry = payload.get("retry", 0) if isinstance(payload, dict) else 0
    if attempt <= args.fail_first or retry < args.fail_below_retry:
        append_line(args.log, "end %d" % pid)
        print(json.dumps({"errorType": "Flaky", "errorMessage": "attempt %d" % attempt}))
        return 1
    append_line(args.log, "end %d" % pid)
    print(json.dumps({"input": payload}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
