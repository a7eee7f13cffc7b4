"""Helpers of scripts/spark-test.sh: make the Parquet inputs, and check the job's output
against `handoff eval` / `handoff diff` (run by the script, given here as files).

    python check.py prepare SAMPLES.jsonl WORKDIR
    python check.py verdicts OUTPUT.parquet EXPECTED.jsonl ERRORS [verdicts … | impact …]…
    python check.py impact OUTPUT_DIR DIFF.json:EXPECTED.jsonl ERRORS [verdicts … | impact …]…

Several checks run in one process (one JVM). Every check prints what it compared and exits 1
on the first difference.
"""

import json
import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql.types import ArrayType, DoubleType, StringType, StructField, StructType

MESSAGE = StructType([StructField("from", StringType()), StructField("text", StringType())])


def spark():
    s = SparkSession.builder.master("local[1]").appName("handoff check").getOrCreate()
    s.sparkContext.setLogLevel("ERROR")
    return s


def fail(message):
    print(f"check: FAILED: {message}")
    sys.exit(1)


def reduced(conv):
    """The part of a conversation the mapped Parquet carries, as the job should rebuild it."""
    out = {}
    if isinstance(conv.get("id"), str):
        out["id"] = conv["id"]
    if isinstance(conv.get("intent"), str):
        out["intent"] = conv["intent"]
    tier = (conv.get("customer") or {}).get("tier")
    if isinstance(tier, str):
        out["customer"] = {"tier": tier}
    confidence = (conv.get("ai") or {}).get("confidence")
    if isinstance(confidence, (int, float)) and not isinstance(confidence, bool):
        out["ai"] = {"confidence": float(confidence)}
    if isinstance(conv.get("messages"), list):
        out["messages"] = conv["messages"]
    return out


def prepare(samples, work):
    """conversations.parquet (a `conversation` JSON column, bad rows included), mapped.parquet
    (typed columns: ticket, intent, tier, confidence, transcript as JSON text) and mapped.jsonl
    (the conversations the mapped rows stand for, for `handoff eval`)."""
    s = spark()
    with open(samples) as f:
        lines = [line.strip() for line in f if line.strip()]
    rows = [(line,) for line in lines] + [("{not json",), ("[1, 2]",), (None,)]
    schema = StructType([StructField("conversation", StringType())])
    s.createDataFrame(rows, schema).repartition(2).write.mode("overwrite").parquet(
        os.path.join(work, "conversations.parquet")
    )
    mapped, expected = [], []
    for line in lines:
        r = reduced(json.loads(line))
        messages = r.get("messages")
        mapped.append(
            (
                r.get("id"),
                r.get("intent"),
                (r.get("customer") or {}).get("tier"),
                (r.get("ai") or {}).get("confidence"),
                None if messages is None else json.dumps(messages),
            )
        )
        expected.append(json.dumps(r, separators=(",", ":")))
    mschema = StructType(
        [
            StructField("ticket", StringType()),
            StructField("intent", StringType()),
            StructField("tier", StringType()),
            StructField("confidence", DoubleType()),
            StructField("transcript", StringType()),
        ]
    )
    s.createDataFrame(mapped, mschema).write.mode("overwrite").parquet(os.path.join(work, "mapped.parquet"))
    with open(os.path.join(work, "mapped.jsonl"), "w") as f:
        f.write("\n".join(expected) + "\n")
    print(f"prepare: {len(lines)} conversations (+3 bad rows) as Parquet; mapped.parquet")


def by_id(verdict_lines):
    out = {}
    for line in verdict_lines:
        v = json.loads(line)
        cid = v["conversation"]
        if cid in out:
            fail(f"two verdicts for {cid!r}: ids must be unique for this check")
        out[cid] = (v, line)
    return out


def check_verdicts(output, expected_file, errors):
    rows = spark().read.parquet(output).collect()
    with open(expected_file) as f:
        expected = by_id([line for line in f if line.strip()])
    bad = [r for r in rows if r["error"] is not None]
    good = [r for r in rows if r["error"] is None]
    if len(bad) != int(errors):
        fail(f"{len(bad)} error rows, expected {errors}: {[r['error'] for r in bad]}")
    for r in bad:
        if r["route"] is not None or r["verdict"] is not None:
            fail(f"an unreadable row was given a route: {r}")
    if len(good) != len(expected):
        fail(f"{len(good)} verdicts, `handoff eval` gave {len(expected)}")
    for r in good:
        if r["conversation"] not in expected:
            fail(f"verdict for {r['conversation']!r}, which `handoff eval` did not give")
        v, line = expected[r["conversation"]]
        if r["verdict"] != line.rstrip("\n"):
            fail(f"{r['conversation']}: the verdict JSON differs from `handoff eval`'s")
        flat = {
            "route": v["route"],
            "queue": v["queue"],
            "priority": v["priority"],
            "deciding_rules": [d["rule"] for d in v["decided_by"]],
            "unknown": v["unknown"],
            "digest": v["policy"]["digest"],
        }
        for k, want in flat.items():
            if r[k] != want:
                fail(f"{r['conversation']}: column {k} is {r[k]!r}, the verdict says {want!r}")
    print(f"check: {len(good)} verdicts equal to `handoff eval`'s, byte for byte, flat columns agree; {len(bad)} unreadable rows kept with an error and no route")


def check_impact(output, files, errors):
    """The impact against `handoff diff`, and every verdict before against `handoff eval`."""
    diff_file, expected_file = files.split(":")
    s = spark()
    rows = s.read.parquet(os.path.join(output, "conversations")).collect()
    table = s.read.parquet(os.path.join(output, "transitions")).collect()
    with open(diff_file) as f:
        diff = json.load(f)
    with open(expected_file) as f:
        expected = by_id([line for line in f if line.strip()])
    for r in rows:
        if r["before_error"] is None:
            v, line = expected[r["conversation"]]
            if r["before_verdict"] != line.rstrip("\n") or r["before_route"] != v["route"]:
                fail(f"{r['conversation']}: the verdict before differs from `handoff eval`'s")
            if r["after_digest"] == r["before_digest"]:
                fail(f"{r['conversation']}: both verdicts under one set")
        elif r["before_route"] is not None or r["after_route"] is not None:
            fail(f"an unreadable row was given a route: {r}")
    bad = [r for r in rows if r["before_error"] is not None]
    if len(bad) != int(errors):
        fail(f"{len(bad)} error rows, expected {errors}")
    compared = [r for r in rows if r["before_error"] is None]
    if len(compared) != diff["total"]:
        fail(f"{len(compared)} compared, `handoff diff` compared {diff['total']}")
    changed = sorted(r["conversation"] for r in compared if r["changed"])
    want = sorted(c["conversation"] for c in diff["changed"])
    if changed != want:
        fail(f"changed {changed}, `handoff diff` says {want}")
    after = {c["conversation"]: c["after"] for c in diff["changed"]}
    for r in compared:
        if r["conversation"] in after and r["after_verdict"] != json.dumps(after[r["conversation"]], separators=(",", ":"), ensure_ascii=False):
            if json.loads(r["after_verdict"]) != after[r["conversation"]]:
                fail(f"{r['conversation']}: the verdict after differs from `handoff diff`'s")
    transitions = {
        f"{t['before_route']}->{t['after_route']}": t["conversations"]
        for t in table
        if t["before_route"] and t["after_route"] and t["before_route"] != t["after_route"]
    }
    if transitions != diff["transitions"]:
        fail(f"transitions {transitions}, `handoff diff` says {diff['transitions']}")
    total = sum(t["conversations"] for t in table if t["before_route"])
    if total != diff["total"]:
        fail(f"the transitions table counts {total}, `handoff diff` {diff['total']}")
    print(f"check: impact of {diff['total']} conversations equal to `handoff diff`: {len(changed)} changed, transitions {transitions}; every verdict before equal to `handoff eval`'s; {len(bad)} unreadable rows kept")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["prepare"]:
        prepare(*args[1:])
    while args[:1] != ["prepare"] and args:
        cmd, output, expected, errors, *args = args
        {"verdicts": check_verdicts, "impact": check_impact}[cmd](output, expected, errors)
