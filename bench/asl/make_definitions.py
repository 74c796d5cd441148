#!/usr/bin/env python3
"""Writes the ASL benchmark's workloads (definition + input) into a folder.

    bench/asl/make_definitions.py OUT_DIR

Both engines read the same files (bench/asl/asl_bench.cc and bench/asl/peer.mjs), so they
run identical definitions on identical inputs. The files are generated at bench time
(scripts/bench writes them under build/) to keep the repository small:

  pass_chain_1000.{asl,input}.json   1,000 chained Pass states, each with Parameters (two
                                     `.$` fields and a literal) and ResultPath `$.last`.
  inline_map_10000.{asl,input}.json  one inline Map over 10,000 items ({"n": i}); the
                                     processor is Pass (Parameters) -> Choice -> Pass
                                     (High | Low); the results go to ResultPath `$.classes`.
  one_state.{asl,input}.json         a one-state Pass machine (start -> SUCCEEDED).

Transitions are counted as states entered, Map iterations' states included:
pass_chain_1000 = 1,000 per execution; inline_map_10000 = 1 (the Map) + 3 x 10,000;
one_state = 1.
"""

import json
import os
import sys

CHAIN_LENGTH = 1000
MAP_ITEMS = 10000


def pass_chain():
    states = {}
    for i in range(CHAIN_LENGTH):
        state = {
            "Type": "Pass",
            "Parameters": {
                "index": i,
                "order_id.$": "$.order.id",
                "previous.$": "$.last.index",
            },
            "ResultPath": "$.last",
        }
        if i + 1 < CHAIN_LENGTH:
            state["Next"] = f"Step{i + 1}"
        else:
            state["End"] = True
        states[f"Step{i}"] = state
    definition = {
        "Comment": f"{CHAIN_LENGTH} chained Pass states with Parameters and ResultPath",
        "StartAt": "Step0",
        "States": states,
    }
    payload = {
        "order": {"id": "o-12345", "amount": 42.5, "currency": "EUR",
                  "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}]},
        "last": {"index": -1},
    }
    return definition, payload


def inline_map():
    definition = {
        "Comment": f"An inline Map over {MAP_ITEMS} items: Pass -> Choice -> Pass",
        "StartAt": "Classify",
        "States": {
            "Classify": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ResultPath": "$.classes",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Prepare",
                    "States": {
                        "Prepare": {
                            "Type": "Pass",
                            "Parameters": {"value.$": "$.n", "unit": "ms"},
                            "Next": "Threshold",
                        },
                        "Threshold": {
                            "Type": "Choice",
                            "Choices": [{
                                "Variable": "$.value",
                                "NumericGreaterThanEquals": MAP_ITEMS // 2,
                                "Next": "High",
                            }],
                            "Default": "Low",
                        },
                        "High": {"Type": "Pass", "Result": "high", "End": True},
                        "Low": {"Type": "Pass", "Result": "low", "End": True},
                    },
                },
                "End": True,
            }
        },
    }
    # Items are objects: the peer cannot select a falsy scalar item with `$` (item 0 fails
    # with "Path expression '$' does not point to a value").
    payload = {"items": [{"n": i} for i in range(MAP_ITEMS)]}
    return definition, payload


def one_state():
    definition = {
        "Comment": "One Pass state: start -> SUCCEEDED",
        "StartAt": "Only",
        "States": {"Only": {"Type": "Pass", "End": True}},
    }
    return definition, {"hello": "world"}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_definitions.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, make in (("pass_chain_1000", pass_chain), ("inline_map_10000", inline_map),
                       ("one_state", one_state)):
        definition, payload = make()
        for suffix, doc in (("asl", definition), ("input", payload)):
            with open(os.path.join(out, f"{name}.{suffix}.json"), "w") as f:
                json.dump(doc, f, separators=(",", ":"))
                f.write("\n")


if __name__ == "__main__":
    main()
