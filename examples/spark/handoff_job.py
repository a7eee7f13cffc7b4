"""Verdicts and policy impact over a data lake of conversations, with Spark.

Every partition of conversations streams through one `handoff serve --stdio` process on the
executor (one JSON conversation a line in, one verdict a line out, in order), so the verdicts are
exactly those of `handoff eval`, computed by the same binary. The binary and the policy set are
shipped the way Spark ships files, never read from a path on the executors:

    tar -czf policies.tar.gz -C policies .
    spark-submit --master 'local[2]' \\
      --files target/release/handoff,policies.tar.gz \\
      examples/spark/handoff_job.py verdicts \\
      --input conversations.jsonl --output verdicts.parquet

    # impact of a policy change: both sets over every conversation, and the transitions table
    spark-submit --files target/release/handoff,base.tar.gz,policies.tar.gz \\
      examples/spark/handoff_job.py impact --base base.tar.gz \\
      --input conversations.parquet --json-column conversation --output impact/

`--binary` and `--policies`/`--base` name files as `SparkFiles` knows them (the base name of what
was given to `--files`); a policy set may also come as a directory through `--archives
policies.tar.gz#policies`. Input is JSONL (one conversation a line), or Parquet with either a
column holding the conversation JSON (`--json-column`) or columns mapped to fields
(`--map id=ticket_id --map customer.tier=tier --map messages=transcript:json`, `:json` when the
column holds JSON text). A row that cannot be read gets no verdict but an `error`: it is never
dropped, and never given a route (a caller would hand such a conversation to a person).

See docs/SCALING.md for the numbers and scripts/spark-test.sh for the test that runs this job.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading

from pyspark import SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, BooleanType, StringType, StructField, StructType

# The flat columns of a verdict, then the whole verdict as JSON.
VERDICT_FIELDS = [
    ("conversation", StringType()),
    ("route", StringType()),
    ("queue", StringType()),
    ("priority", StringType()),
    ("deciding_rules", ArrayType(StringType())),
    ("unknown", ArrayType(StringType())),
    ("digest", StringType()),
    ("error", StringType()),
    ("verdict", StringType()),
]
VERDICT_SCHEMA = StructType([StructField(n, t, True) for n, t in VERDICT_FIELDS])


def impact_schema():
    fields = [StructField("conversation", StringType(), True)]
    for side in ("before", "after"):
        fields += [StructField(f"{side}_{n}", t, True) for n, t in VERDICT_FIELDS if n != "conversation"]
    fields.append(StructField("changed", BooleanType(), True))
    return StructType(fields)


# ---------------------------------------------------------------------------------------------
# Executor side: the shipped files, the subprocess, the rows.

_READY = {}  # per Python worker: shipped name -> (working directory, -p argument) or binary path


def shipped(name):
    """The local path of a file shipped with --files/--archives (or sc.addFile)."""
    path = SparkFiles.get(os.path.basename(name))
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"{name!r} was not shipped: give it to spark-submit --files (or --archives)"
        )
    return path


def binary(name):
    """The shipped handoff binary, made executable (a copy when the shipped file cannot be)."""
    if name in _READY:
        return _READY[name]
    path = shipped(name)
    if not os.access(path, os.X_OK):
        try:
            os.chmod(path, 0o755)
        except OSError:
            copy = os.path.join(tempfile.mkdtemp(prefix="handoff-bin-", dir=SparkFiles.getRootDirectory()), "handoff")
            shutil.copy(path, copy)
            os.chmod(copy, 0o755)
            path = copy
    _READY[name] = path
    return path


def policy_dir(name):
    """(cwd, -p DIR) for a shipped policy set: a .tar.gz/.tgz/.tar archive or a directory.

    The set is given to handoff by a relative name (the archive's stem, or its single top-level
    directory), so that verdicts cite `policies/care.policy:23:3` as they do on a laptop."""
    if name in _READY:
        return _READY[name]
    path = shipped(name)
    if os.path.isdir(path):
        ready = (os.path.dirname(os.path.abspath(path)), os.path.basename(path))
    else:
        stem = os.path.basename(path)
        for ext in (".tar.gz", ".tgz", ".tar"):
            if stem.endswith(ext):
                stem = stem[: -len(ext)]
                break
        root = tempfile.mkdtemp(prefix="handoff-policies-", dir=SparkFiles.getRootDirectory())  # removed with the application
        target = os.path.join(root, stem)
        os.makedirs(target)
        with tarfile.open(path) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(target, filter="data")
            else:  # Python < 3.11.4: refuse what the data filter would refuse
                for m in tar.getmembers():
                    if m.name.startswith("/") or ".." in m.name.split("/") or m.issym() or m.islnk():
                        raise ValueError(f"{name}: unsafe member {m.name!r}")
                tar.extractall(target)
        entries = os.listdir(target)
        only = os.path.join(target, entries[0]) if len(entries) == 1 else None
        if only and os.path.isdir(only):
            ready = (target, entries[0])  # made with `tar -czf x.tar.gz policies`
        else:
            ready = (root, stem)  # made with `tar -czf x.tar.gz -C policies .`
    _READY[name] = ready
    return ready


def start(bin_name, policies_name, extra):
    """`handoff serve --stdio` on a shipped set; stderr to a file (read when it fails)."""
    cwd, pdir = policy_dir(policies_name)
    cmd = [binary(bin_name), "serve", "--stdio", "--no-watch", "-p", pdir, *extra]
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, bufsize=0)
    proc.errfile = err
    return proc


def stderr_of(proc):
    proc.errfile.seek(0)
    return proc.errfile.read().decode(errors="replace")


CHUNK = 256  # lines written at once


def feed(procs, lines, failures):
    """Writes the lines to every process, a chunk at a time: all of a chunk to the first, then
    to the next. Unbuffered, so that every line a reader waits for has been written or is being
    written: no deadlock however the processes' pipes fill."""
    try:
        chunk = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == CHUNK:
                write(procs, chunk)
                chunk = []
        write(procs, chunk)
    except BrokenPipeError:
        pass  # a process died; the reader sees its end of output and reports it
    except Exception as e:  # noqa: BLE001 - handed to the reader, which raises it
        failures.append(e)
    finally:
        for p in procs:
            try:
                p.stdin.close()
            except BrokenPipeError:
                pass


def write(procs, chunk):
    if chunk:
        data = ("\n".join(chunk) + "\n").encode("utf-8")
        for p in procs:
            p.stdin.write(data)


def conversation_line(row, json_column, mapping):
    """(line, error, id): one input row as one line of conversation JSON, or why not."""
    try:
        if mapping:
            value = {}
            for field, (column, as_json) in mapping.items():
                v = row[column]
                if v is None:
                    continue  # an absent value: the engine reads it as unknown
                if hasattr(v, "asDict"):
                    v = v.asDict(recursive=True)
                elif isinstance(v, list):
                    v = [x.asDict(recursive=True) if hasattr(x, "asDict") else x for x in v]
                if as_json:
                    v = json.loads(v)
                put(value, field, v)
        else:
            text = row[json_column]
            if text is None:
                return None, "no conversation (null)", None
            value = json.loads(text)
            if not isinstance(value, dict):
                return None, f"a conversation must be a JSON object, not {type(value).__name__}", None
    except (ValueError, TypeError, KeyError) as e:
        return None, f"malformed conversation: {e}", None
    cid = value.get("id")
    # One line per conversation, whatever the layout of the text it came from.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")), None, cid if isinstance(cid, str) else None


def put(conv, field, value):
    parts = field.split(".")
    for p in parts[:-1]:
        conv = conv.setdefault(p, {})
    conv[parts[-1]] = value


def flat(line, cid):
    """The flat columns of one output line of `serve --stdio`: a verdict, or an error."""
    value = json.loads(line)
    if "route" not in value:
        return unreadable(value.get("error", line), cid)
    return (
        value.get("conversation"),
        value.get("route"),
        value.get("queue"),
        value.get("priority"),
        [d.get("rule") for d in value.get("decided_by", [])],
        list(value.get("unknown", [])),
        (value.get("policy") or {}).get("digest"),
        None,
        line,
    )


def unreadable(error, cid):
    """A row without a verdict: never dropped, never given a route."""
    return (cid, None, None, None, None, None, None, error, None)


def read_line(proc):
    line = proc.stdout.readline()
    if not line:
        code = proc.wait()
        raise RuntimeError(f"handoff stopped early (exit {code}): {stderr_of(proc)}")
    return line.decode("utf-8").rstrip("\n")


def evaluate_partition(rows, conf):
    """For each input row, in order, its verdict under each set (one set, or base then new).

    One `serve --stdio` process per set for the whole partition; a feeding thread writes the
    rows while this generator reads the answers, one line per line sent."""
    sets = [conf["base"], conf["policies"]] if conf["base"] else [conf["policies"]]
    procs = [start(conf["binary"], s, conf["handoff_args"]) for s in sets]
    pending = collections.deque()  # per row, in order: (error or None, id)
    done = threading.Event()
    failures = []

    def lines():
        for row in rows:
            line, error, cid = conversation_line(row, conf["json_column"], conf["mapping"])
            pending.append((error, cid))
            if error is None:
                yield line
        done.set()

    writer = threading.Thread(target=feed, args=(procs, lines(), failures), daemon=True)
    writer.start()
    try:
        while pending or not (done.is_set() or failures or not writer.is_alive()):
            if not pending:
                done.wait(0.001)
                continue
            error, cid = pending.popleft()
            if error is not None:
                yield [unreadable(error, cid)] * len(sets)
            else:
                yield [flat(read_line(p), cid) for p in procs]
    finally:
        writer.join()
        for p in procs:
            rest = p.stdout.read()
            code = p.wait()
            if code != 0 or rest.strip():
                raise RuntimeError(f"handoff exited {code} ({len(rest)} bytes unread): {stderr_of(p)}")
    if failures:
        raise failures[0]


def as_verdicts(pairs):
    for out in pairs:
        yield out[0]


def as_impact(pairs):
    """before_* and after_* columns; changed as `handoff diff` says: route, queue or deciding
    rules differ (None for a row that could not be read)."""
    for before, after in pairs:
        row = [after[0] or before[0], *before[1:], *after[1:]]
        if before[7] is not None or after[7] is not None:
            row.append(None)
        else:
            row.append(before[1] != after[1] or before[2] != after[2] or before[4] != after[4])
        yield tuple(row)


# ---------------------------------------------------------------------------------------------
# Driver side.


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["verdicts", "impact"])
    ap.add_argument("--input", required=True, help="JSONL file(s) or Parquet path")
    ap.add_argument("--input-format", choices=["jsonl", "parquet"], help="default: from the name")
    ap.add_argument("--json-column", help="Parquet: the column holding the conversation JSON")
    ap.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN[:json]",
                    help="Parquet: build the conversation from columns (repeat)")
    ap.add_argument("--output", required=True, help="Parquet output directory")
    ap.add_argument("--binary", default="handoff", help="the shipped binary's name (--files)")
    ap.add_argument("--policies", default="policies.tar.gz", help="the shipped policy set")
    ap.add_argument("--base", help="impact: the shipped policy set before the change")
    ap.add_argument("--partitions", type=int, help="repartition the input first")
    ap.add_argument("--handoff-arg", action="append", default=[],
                    help="extra argument for `handoff serve --stdio`, e.g. --handoff-arg=--max-messages=5000")
    ap.add_argument("--summary", help="also write the counts as JSON to this local file")
    args = ap.parse_args(argv)
    if args.mode == "impact" and not args.base:
        ap.error("impact needs --base")
    if args.json_column and args.map:
        ap.error("give --json-column or --map, not both")
    return args


def read_input(spark, args):
    fmt = args.input_format or ("parquet" if args.input.rstrip("/").endswith(".parquet") else "jsonl")
    mapping = {}
    for m in args.map:
        field, _, column = m.partition("=")
        as_json = column.endswith(":json")
        mapping[field] = (column[: -len(":json")] if as_json else column, as_json)
    if fmt == "jsonl":
        # Lines as text, never schema-inferred: the engine reads each conversation as written.
        df = spark.read.text(args.input).where(F.length(F.trim("value")) > 0)
        return df, "value", {}
    df = spark.read.parquet(args.input)
    if mapping:
        return df.select(*sorted({c for c, _ in mapping.values()})), None, mapping
    column = args.json_column or "conversation"
    return df.select(column), column, {}


def main(argv):
    args = parse_args(argv)
    spark = SparkSession.builder.appName(f"handoff {args.mode}").getOrCreate()
    df, json_column, mapping = read_input(spark, args)
    if args.partitions:
        df = df.repartition(args.partitions)
    conf = {
        "binary": args.binary,
        "policies": args.policies,
        "base": args.base,
        "json_column": json_column,
        "mapping": mapping,
        "handoff_args": args.handoff_arg,
    }
    sc = spark.sparkContext
    given = {part for key in ("spark.files", "spark.archives")
             for f in sc.getConf().get(key, "").split(",") if f
             for part in os.path.basename(f).split("#")}  # `x.tar.gz#alias`: both names
    for name in (args.binary, args.policies, args.base):
        if name and os.path.basename(name) not in given and os.path.exists(name):
            sc.addFile(os.path.abspath(name))  # a local path not given to --files: ship it
    pairs = df.rdd.mapPartitions(lambda rows: evaluate_partition(rows, conf))
    if args.mode == "verdicts":
        out = spark.createDataFrame(pairs.mapPartitions(as_verdicts), VERDICT_SCHEMA)
        out.write.mode("overwrite").parquet(args.output)
        written = spark.read.parquet(args.output)
        counts = {r["route"] or "error": r["count"] for r in written.groupBy("route").count().collect()}
        summary = {"total": sum(counts.values()), "routes": counts}
    else:
        out = spark.createDataFrame(pairs.mapPartitions(as_impact), impact_schema())
        out.write.mode("overwrite").parquet(os.path.join(args.output, "conversations"))
        written = spark.read.parquet(os.path.join(args.output, "conversations"))
        table = (
            written.groupBy("before_route", "after_route")
            .agg(F.count(F.lit(1)).alias("conversations"), F.sum(F.col("changed").cast("int")).alias("changed"))
            .orderBy("before_route", "after_route")
        )
        table.coalesce(1).write.mode("overwrite").parquet(os.path.join(args.output, "transitions"))
        rows = table.collect()
        total = sum(r["conversations"] for r in rows if r["before_route"])
        changed = sum(r["changed"] or 0 for r in rows if r["before_route"])
        transitions = {
            f"{r['before_route']}->{r['after_route']}": r["conversations"]
            for r in rows
            if r["before_route"] != r["after_route"] and r["before_route"] and r["after_route"]
        }
        errors = sum(r["conversations"] for r in rows if not r["before_route"])
        summary = {"total": total, "unchanged": total - changed, "transitions": transitions, "errors": errors}
    print(json.dumps(summary, sort_keys=True))
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, sort_keys=True)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
