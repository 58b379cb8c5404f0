"""The fault-tolerance tests' job: CSV files and a datagen source, a window aggregation and a join,
written to a filesystem sink with checkpoints, run as real ``flowsql -f`` processes."""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
USERS = 4000
FILES, ROWS_PER_FILE = 20, 2000

JOB = """
SET 'execution.checkpointing.interval' = '${interval}';
SET 'state.checkpoints.dir' = 'file://${ckpt}';
SET 'state.checkpoints.num-retained' = '2';
SET 'flowsql.exec.batch.max-rows' = '1000';
SET 'table.dml-sync' = 'true';
CREATE TEMPORARY FUNCTION fail_once AS 'tests.fault_tolerance.udf_fail_once.fail_once' LANGUAGE PYTHON;
CREATE TABLE orders (user_id INT, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'filesystem', 'path' = '${input}', 'format' = 'csv');
CREATE TABLE users (id INT, tier INT) WITH ('connector' = 'datagen', 'number-of-rows' = '%(users)d', 'seed' = '7',
  'rows-per-second' = '${rps}', 'fields.id.kind' = 'sequence', 'fields.id.start' = '0',
  'fields.id.end' = '%(last)d', 'fields.tier.min' = '0', 'fields.tier.max' = '3');
CREATE TABLE totals (user_id INT, window_start TIMESTAMP(3), total INT, cnt BIGINT, tier INT)
  WITH ('connector' = 'filesystem', 'path' = '${output}', 'format' = 'csv');
INSERT INTO totals
SELECT w.user_id, w.window_start, w.total, w.cnt, u.tier
FROM (SELECT user_id, window_start, SUM(amount) AS total, COUNT(*) AS cnt
      FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY user_id, window_start, window_end) AS w
JOIN (SELECT fail_once(id) AS id, tier FROM users) AS u ON w.user_id = u.id;
""".replace("%(users)d", str(USERS)).replace("%(last)d", str(USERS - 1))


def write_inputs(root: Path) -> Path:
    """A directory of CSV files of orders, in event-time order across files."""
    directory = root / "orders"
    directory.mkdir()
    rng = random.Random(1)
    start = 1_700_000_000_000
    n = 0
    for f in range(FILES):
        with open(directory / f"orders-{f:03d}.csv", "w", newline="") as handle:
            out = csv.writer(handle)
            for _ in range(ROWS_PER_FILE):
                ms = start + n * 50
                n += 1
                stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}"
                out.writerow([rng.randrange(USERS), rng.randint(1, 100), stamp])
    return directory


def write_job(root: Path) -> Path:
    path = root / "job.sql"
    path.write_text(JOB)
    return path


def flowsql(job: Path, root: Path, output: str, *, rps: int, interval: str = "300 ms",
            recover_from: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    """Start ``flowsql -f job.sql`` as its own process (stdout and stderr to files under root)."""
    args = [sys.executable, "-m", "flowsql.sql_client.cli", "-f", str(job),
            "-D", f"input={root / 'orders'}", "-D", f"output={root / output}", "-D", f"ckpt={root / 'ckpt'}",
            "-D", f"rps={rps}", "-D", f"interval={interval}"]
    if recover_from is not None:
        args += ["-s", str(recover_from)]
    environment = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    log = open(root / f"{output}.log", "ab")  # noqa: SIM115 - closed by the OS with the process
    return subprocess.Popen(args, cwd=root, stdout=log, stderr=subprocess.STDOUT, env=environment)


def committed_rows(directory: Path) -> list[tuple]:
    """Every row of the sink's committed (visible) files, sorted."""
    rows = []
    for path in sorted(directory.rglob("part-*")):
        with open(path, newline="") as handle:
            rows.extend(tuple(r) for r in csv.reader(handle))
    return sorted(rows)


def has_checkpoint(root: Path) -> bool:
    return any((root / "ckpt").glob("*/chk-*/_metadata"))
