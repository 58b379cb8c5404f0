"""A stand-in for ``flowsql.table.TableEnvironment`` with the API the SQL client uses.

It understands just enough to drive the client: DDL/SET succeed, a few canned queries return
rows (streaming with change kinds, or batch), ``SELECT ... FROM endless`` never ends until
cancelled, INSERTs become jobs, and a statement containing ``BOOM`` fails with a parse error at
the position of ``BOOM`` within the statement (as the engine reports positions).
"""

from __future__ import annotations

import itertools
import re
import threading
from enum import Enum

import numpy as np
import pyarrow as pa

from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config
from flowsql.common.errors import SqlParseError
from flowsql.common.types import BIGINT, DECIMAL, INT, STRING, TIMESTAMP


class ResultKind(Enum):
    SUCCESS = "SUCCESS"
    SUCCESS_WITH_CONTENT = "SUCCESS_WITH_CONTENT"


class Schema:
    def __init__(self, names, types):
        self.names, self.types = names, types

    def get_field_names(self):
        return self.names

    def get_field_data_types(self):
        return self.types


class Result:
    def __init__(self, kind, schema=None, batches=(), streaming=False, job_id=None, duration=0.0):
        self.kind, self.schema, self._batches = kind, schema, batches
        self.is_streaming, self.job_id = streaming, job_id
        self.cancelled = threading.Event()
        self.duration = duration
        self.finished = False

    def get_result_kind(self):
        return self.kind

    def get_table_schema(self):
        return self.schema

    def change_batches(self):
        for batch in self._batches:
            if self.cancelled.is_set():
                return
            if callable(batch):
                batch = batch()
            yield batch

    def cancel(self):
        self.cancelled.set()

    def wait(self):
        self.cancelled.wait(self.duration)
        self.finished = True


def batch(columns: dict, kinds=None) -> ChangeBatch:
    table = pa.table(columns)
    return ChangeBatch(table, None if kinds is None else np.array(kinds, dtype=np.int8))


def endless(cancelled: threading.Event):
    """One row every 50 ms until cancelled."""
    for i in itertools.count():
        def make(i=i):
            cancelled.wait(0.05)
            return batch({"id": pa.array([i], pa.int32())})
        yield make


class FakeEnv:
    def __init__(self, options: dict | None = None, *, job_duration: float = 0.0):
        self.config = Config(options or {})
        self.executed: list[str] = []
        self.jobs: list[Result] = []
        self.job_duration = job_duration
        self.tables = ["orders", "clicks"]

    def get_config(self):
        return self.config

    def list_tables(self):
        return list(self.tables)

    def list_views(self):
        return []

    def get_table_columns(self, name):
        return {"orders": ["order_id", "amount"], "clicks": ["user_name", "url"]}[name]

    def execute_sql(self, statement: str) -> Result:
        self.executed.append(statement)
        boom = statement.find("BOOM")
        if boom >= 0:
            line = statement.count("\n", 0, boom) + 1
            column = boom - (statement.rfind("\n", 0, boom) + 1) + 1
            raise SqlParseError("unexpected 'BOOM'", line=line, column=column, sql=statement,
                                hint="remove it")
        head = statement.split(None, 1)[0].upper()
        set_match = re.match(r"\s*SET\s+'([^']+)'\s*=\s*'([^']*)'", statement, re.IGNORECASE)
        if set_match:
            self.config.set(set_match.group(1), set_match.group(2))
        if head in ("CREATE", "SET", "RESET", "USE", "DROP", "ALTER"):
            return Result(ResultKind.SUCCESS)
        if head in ("INSERT", "EXECUTE"):
            job = Result(ResultKind.SUCCESS_WITH_CONTENT, job_id="0" * 31 + str(len(self.jobs) + 1),
                         duration=self.job_duration)
            self.jobs.append(job)
            return job
        if head == "EXPLAIN":
            return Result(ResultKind.SUCCESS_WITH_CONTENT, Schema(["result"], [STRING()]),
                          [batch({"result": ["== Plan ==\nScan(orders)"]})])
        streaming = not self.config.is_batch
        if "endless" in statement:
            result = Result(ResultKind.SUCCESS_WITH_CONTENT, Schema(["id"], [INT()]), streaming=True)
            result._batches = endless(result.cancelled)
            return result
        if "EMPTY" in statement.upper():
            return Result(ResultKind.SUCCESS_WITH_CONTENT, Schema(["id"], [INT()]), [], streaming)
        if "WORDS" in statement.upper():
            schema = Schema(["w", "c"], [STRING(), BIGINT()])
            if streaming:
                return Result(ResultKind.SUCCESS_WITH_CONTENT, schema, [
                    batch({"w": ["a", "b"], "c": pa.array([1, 1], pa.int64())}),
                    batch({"w": ["a", "a"], "c": pa.array([1, 2], pa.int64())}, kinds=[1, 2]),
                ], True)
            return Result(ResultKind.SUCCESS_WITH_CONTENT, schema,
                          [batch({"w": ["a", "b"], "c": pa.array([2, 1], pa.int64())})], False)
        schema = Schema(["id", "amount", "ts"], [INT(), DECIMAL(10, 2), TIMESTAMP(3)])
        import datetime as dt
        from decimal import Decimal
        return Result(ResultKind.SUCCESS_WITH_CONTENT, schema, [batch({
            "id": pa.array([1], pa.int32()),
            "amount": pa.array([Decimal("5")], pa.decimal128(10, 2)),
            "ts": pa.array([dt.datetime(2024, 1, 1, 10, 0, 1)], pa.timestamp("ms")),
        })], streaming)
