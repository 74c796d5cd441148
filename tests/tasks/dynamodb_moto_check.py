#!/usr/bin/env python3
"""Cross-checks sluice's DynamoDB expressions against moto's in-process DynamoDB.

Every case puts the same item, then runs one UpdateItem (UpdateExpression,
ConditionExpression, ExpressionAttributeNames/Values, ReturnValues ALL_NEW) through
`sluice states run` (the arn:aws:states:::dynamodb:updateItem Task) and through boto3 on
moto, and compares the outcome: the new item, or the error name. Messages are not
compared (moto words some of them differently from DynamoDB). Exit 77 (skipped) when
boto3/moto are missing.

usage: dynamodb_moto_check.py SLUICE_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

ITEM = {
    "n": {"N": "5"}, "str": {"S": "hello"},
    "l": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]},
    "s": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]},
    "m": {"M": {"k": {"S": "v"}, "x": {"M": {}}}}, "flag": {"BOOL": True}, "nothing": {"NULL": True},
}

V = lambda **kw: kw  # noqa: E731
CASES = [
    V(u="SET a = :v", c="attribute_not_exists(a)", vals={":v": {"S": "x"}}),
    V(u="SET a = :v", c="attribute_exists(a)", vals={":v": {"S": "x"}}),
    V(u="SET n = n + :one", vals={":one": {"N": "1"}}),
    V(u="SET n = n - :big", vals={":big": {"N": "10.25"}}),
    V(u="SET z = if_not_exists(z, :zero) + :one", vals={":zero": {"N": "0"}, ":one": {"N": "1"}}),
    V(u="SET l = list_append(l, :more)", vals={":more": {"L": [{"S": "x"}]}}),
    V(u="SET l = list_append(:more, l)", vals={":more": {"L": [{"S": "x"}]}}),
    V(u="REMOVE l[0], l[2], str"),
    V(u="ADD s :ss, n :one", vals={":ss": {"SS": ["b", "c"]}, ":one": {"N": "1"}}),
    V(u="DELETE s :ss", vals={":ss": {"SS": ["a"]}}),
    V(u="DELETE ns :ns", vals={":ns": {"NS": ["1", "2"]}}),
    V(u="SET m.k = :v, m.x.y = :v", vals={":v": {"S": "new"}}),
    V(u="SET m.q.r = :v", vals={":v": {"S": "new"}}),
    V(u="SET l[10] = :v", vals={":v": {"S": "end"}}),
    V(u="SET l[1] = :v", vals={":v": {"S": "mid"}}),
    V(u="SET a = :v", c="size(l) > :two AND begins_with(str, :p)",
      vals={":v": {"S": "x"}, ":two": {"N": "2"}, ":p": {"S": "he"}}),
    V(u="SET a = :v", c="contains(s, :m) OR NOT attribute_exists(x)", vals={":v": {"S": "x"}, ":m": {"S": "zz"}}),
    V(u="SET a = :v", c="contains(s, :m) AND attribute_exists(x)", vals={":v": {"S": "x"}, ":m": {"S": "a"}}),
    V(u="SET a = :v", c="n BETWEEN :lo AND :hi", vals={":v": {"S": "x"}, ":lo": {"N": "5"}, ":hi": {"N": "6"}}),
    V(u="SET a = :v", c="str IN (:a, :b)", vals={":v": {"S": "x"}, ":a": {"S": "hi"}, ":b": {"S": "hello"}}),
    V(u="SET a = :v", c="attribute_type(n, :t)", vals={":v": {"S": "x"}, ":t": {"S": "N"}}),
    V(u="SET a = :v", c="attribute_type(n, :t)", vals={":v": {"S": "x"}, ":t": {"S": "S"}}),
    V(u="SET a = :v", c="n <> :s", vals={":v": {"S": "x"}, ":s": {"S": "5"}}),
    V(u="SET a = :v", c="n = :n5", vals={":v": {"S": "x"}, ":n5": {"N": "5.0"}}),
    V(u="SET a = :v", c="m.k = :k AND l[1] = :two", vals={":v": {"S": "x"}, ":k": {"S": "v"}, ":two": {"N": "2"}}),
    V(u="SET a = :v", c="(n < :n AND str > :s) OR flag = :f",
      vals={":v": {"S": "x"}, ":n": {"N": "1"}, ":s": {"S": "a"}, ":f": {"BOOL": False}}),
    V(u="SET #st = :v", names={"#st": "status"}, vals={":v": {"S": "paid"}}),
    V(u="SET n = str + :one", vals={":one": {"N": "1"}}),
    V(u="SET status = :v", vals={":v": {"S": "paid"}}),
    V(u="SET a = :v", vals={":v": {"S": "x"}, ":unused": {"S": "y"}}),
    V(u="ADD str :one", vals={":one": {"N": "1"}}),
    V(u="SET pk = :v", vals={":v": {"S": "x"}}),
    V(u="SET #nope = :v", vals={":v": {"S": "x"}}),
    V(u="SET a = :v, a.b = :v", vals={":v": {"S": "x"}}),
    V(u="SET a = :v", c="attribute_exists(", vals={":v": {"S": "x"}}),
    V(u="SET a = absent"),
]


def request(i, case):
    req = {"TableName": "Items", "Key": {"pk": {"S": f"k{i}"}}, "UpdateExpression": case["u"],
           "ReturnValues": "ALL_NEW"}
    if "c" in case:
        req["ConditionExpression"] = case["c"]
    if case.get("names"):
        req["ExpressionAttributeNames"] = case["names"]
    if case.get("vals"):
        req["ExpressionAttributeValues"] = case["vals"]
    return req


def normalize(item):
    """Sets compare regardless of order."""
    if isinstance(item, dict):
        return {k: (sorted(v) if k in ("SS", "NS", "BS") else normalize(v)) for k, v in item.items()}
    if isinstance(item, list):
        return [normalize(v) for v in item]
    return item


def moto_outcomes():
    out = []
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        db.create_table(TableName="Items", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
        for i, case in enumerate(CASES):
            db.put_item(TableName="Items", Item={"pk": {"S": f"k{i}"}, **ITEM})
            try:
                r = db.update_item(**request(i, case))
                out.append({"Attributes": normalize(r.get("Attributes", {}))})
            except ClientError as e:
                out.append({"Error": "DynamoDB." + e.response["Error"]["Code"]})
            except Exception as e:  # moto's own bug: no reference outcome for this case
                out.append(None)
                print(f"case {i}: moto raised {type(e).__name__}: {e}; not compared")
    return out


def sluice_outcomes(binary):
    states = {}
    for i, case in enumerate(CASES):
        nxt = f"Update{i}"
        states[f"Put{i}"] = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                             "Parameters": {"TableName": "Items", "Item": {"pk": {"S": f"k{i}"}, **ITEM}},
                             "ResultPath": None, "Next": nxt}
        after = f"Put{i + 1}" if i + 1 < len(CASES) else None
        update = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
                  "Parameters": request(i, case), "ResultSelector": {"Attributes.$": "$.Attributes"},
                  "ResultPath": f"$.c{i}",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": f"$.c{i}",
                             "Next": after or "Done"}]}
        update["Next"] = after or "Done"
        states[nxt] = update
    states["Done"] = {"Type": "Succeed"}
    definition = {"StartAt": "Put0", "States": states}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "check.asl.json")
        with open(path, "w") as f:
            json.dump(definition, f)
        env = dict(os.environ, SLUICE_HOME=os.path.join(tmp, "home"))
        subprocess.run([binary, "dynamodb", "create-table", "Items", "--key", "pk:S"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        r = subprocess.run([binary, "states", "run", path, "--max-payload-bytes", "0"], env=env,
                           capture_output=True, text=True)
        result = json.loads(r.stdout)
        if result.get("status") != "SUCCEEDED":
            sys.exit(f"sluice states run failed: {r.stdout} {r.stderr}")
        output = result["output"]
    out = []
    for i in range(len(CASES)):
        o = output[f"c{i}"]
        out.append({"Error": o["Error"]} if "Error" in o else {"Attributes": normalize(o["Attributes"])})
    return out


def main():
    expected = moto_outcomes()
    actual = sluice_outcomes(sys.argv[1])
    failures = 0
    for i, (case, m, s) in enumerate(zip(CASES, expected, actual)):
        if m is not None and m != s:
            failures += 1
            print(f"case {i}: {json.dumps(case)}\n  moto:   {json.dumps(m, sort_keys=True)}\n"
                  f"  sluice: {json.dumps(s, sort_keys=True)}")
    compared = sum(1 for m in expected if m is not None)
    print(f"{compared - failures}/{compared} compared cases agree with moto")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
