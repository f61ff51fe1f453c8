"""The Spark job of scripts/spark-check, and its checks (see there).

Arguments: NEWSTAG_BINARY MODELS_DIR SEEDS_DIR WORK_DIR TIMING_DOCS."""
import copy
import json
import os
import subprocess
import sys
import time

from pyspark import SparkFiles
from pyspark.sql import SparkSession

binary, models, seeds, work, timing_docs = sys.argv[1:6]
seed_texts = [open(os.path.join(seeds, s), encoding="utf-8").read() for s in sorted(os.listdir(seeds))]


def corpus(path, n, bad=True):
    """n articles (the seeds over and over), and with `bad` four bad lines."""
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"doc-{i:05d}", "text": seed_texts[i % len(seed_texts)]}) + "\n")
            if bad and i == n // 2:
                f.write('{"id": "bad-no-text"}\n')
                f.write('{"id": "bad-number", "text": 42}\n')
                f.write('{"id": "bad-empty", "text": ""}\n')
                f.write("this line is not JSON\n")


def local_run(path, jobs):
    with open(path, "rb") as f:
        out = subprocess.run(
            [binary, "tag", "-", "--format", "jsonl", "--quiet", "--errors-ok", "--jobs", str(jobs), "--models", models],
            stdin=f, capture_output=True, check=True,
        )
    return out.stdout.decode("utf-8").splitlines()


# --- The recipe (README, "Running under Spark or Hadoop") -----------------
spark = (SparkSession.builder.master("local[2]").appName("newstag")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .getOrCreate())
sc = spark.sparkContext
sc.setLogLevel("ERROR")
sc.addFile(binary)                   # cluster: spark-submit --files target/release/newstag
sc.addFile(models, recursive=True)   # cluster: --archives models.tar.gz#models
newstag = SparkFiles.get("newstag")
os.chmod(newstag, 0o755)


def tag(path, partitions):
    """Pipes the JSONL lines at `path` through newstag; returns the records RDD."""
    lines = sc.textFile(path, minPartitions=partitions)
    return lines.pipe(
        f"{newstag} tag - --format jsonl --quiet --errors-ok --jobs 1",
        env={"NEWSTAG_MODELS": SparkFiles.get("models")},
        checkCode=True,
    )
# ---------------------------------------------------------------------------


def normalised(record):
    """A record without what differs by where it ran: `source` (the line of
    the task's own stdin), the line number in an error message, and model file
    paths (their sizes and sha256 stay)."""
    r = copy.deepcopy(record)
    r.pop("source", None)
    if "error" in r:
        r["error"] = dict(r["error"], message=r["error"]["message"].split(": ", 1)[-1])
        if r["id"].startswith("-:"):
            r["id"] = "-:(line)"  # a line that is not JSON has no id of its own
    for component in (r.get("engine") or {}).values():
        if isinstance(component, dict):
            for f in component.get("files", []):
                f.pop("path", None)
    return r


def first_difference(a, b, path="record"):
    """Where two JSON values first differ, for the failure message."""
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(a.keys() | b.keys()):
            if k not in a or k not in b:
                return f"{path}.{k}: only on one side"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
    elif isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
    elif a != b:
        return f"{path}: {a!r} != {b!r}"
    return None


def without_nulls(v):
    """A Row read back by spark.read.json as plain JSON: fields absent from a
    record come back as null, and are dropped again here."""
    if isinstance(v, dict):
        return {k: without_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [without_nulls(x) for x in v]
    return v


# Correctness on a small corpus, in 3 partitions.
small = os.path.join(work, "small.jsonl")
corpus(small, 40)
inputs = [l for l in open(small, encoding="utf-8")]
tagged = tag(small, 3).cache()
lines = tagged.collect()
records = [json.loads(l) for l in lines]
local = [json.loads(l) for l in local_run(small, 2)]
assert len(records) == len(inputs) == len(local), f"{len(records)} records for {len(inputs)} input lines"
ids = [r["id"] for r in records if not r["id"].startswith("-:")]
assert len(ids) == len(set(ids)) == len(inputs) - 1, "every id once"
spark_by_id = {normalised(r)["id"]: normalised(r) for r in records}
local_by_id = {normalised(r)["id"]: normalised(r) for r in local}
assert spark_by_id.keys() == local_by_id.keys()
for k in local_by_id:
    assert spark_by_id[k] == local_by_id[k], f"the Spark record differs from the local one: {first_difference(spark_by_id[k], local_by_id[k])}"
errors = sorted((r["id"], r["error"]["kind"]) for r in spark_by_id.values() if "error" in r)
assert errors == [("-:(line)", "invalid_json"), ("bad-empty", "empty"), ("bad-no-text", "missing_field"), ("bad-number", "missing_field")], errors
frame = spark.read.json(tagged)
rows = [without_nulls(r.asDict(recursive=True)) for r in frame.collect()]
assert len(rows) == len(records)
by_id = {r["id"]: r for r in rows}
for r in records:
    assert by_id[r["id"]] == r, f"spark.read.json gives another record: {first_difference(by_id[r['id']], r)}"
assert frame.filter("error IS NOT NULL").count() == 4
print(f"spark-check: {len(records)} records from {len(inputs)} lines in 3 partitions; "
      f"ids once; identical to a local run; {len(errors)} error records kept; spark.read.json reads them back")

sys.stdout.flush()
if os.environ.get("SPARK_CHECK_NO_TIMING"):
    sys.exit(0)

# Throughput: Spark local[2] (2 partitions, --jobs 1 each) against a plain
# local run with --jobs 2, on the same corpus, without bad lines.
n = int(timing_docs)
big = os.path.join(work, "big.jsonl")
corpus(big, n, bad=False)
tokens = None
t0 = time.perf_counter()
local_lines = local_run(big, 2)
local_s = time.perf_counter() - t0
t0 = time.perf_counter()
spark_count = tag(big, 2).count()
spark_s = time.perf_counter() - t0
assert spark_count == len(local_lines) == n
mb = os.path.getsize(big) / 1e6
print(f"spark-check: {n} documents ({mb:.1f} MB): local --jobs 2 {local_s:.1f} s ({n / local_s:.0f} docs/s), "
      f"Spark local[2] {spark_s:.1f} s ({n / spark_s:.0f} docs/s)")
spark.stop()
