import io
from decimal import Decimal

import numpy as np
import pyarrow as pa
from flowsql.common import types as T
from flowsql.common.changes import ChangeBatch
from flowsql.connectors import find_factory
from flowsql.connectors.print import java_double


def test_print_lines_like_flink(make_context):
    columns = [("id", T.INT()), ("name", T.STRING()), ("ts", T.TIMESTAMP(3)), ("price", T.DECIMAL(10, 2)),
               ("x", T.DOUBLE()), ("tags", T.ARRAY(T.STRING()))]
    sink = find_factory("print", "t").create_sink(
        make_context(columns, {"connector": "print", "print-identifier": "P"}))
    sink.stream = io.StringIO()
    table = pa.table({
        "id": pa.array([1, None], pa.int32()), "name": ["a", None],
        "ts": pa.array([1704103200000, 1704103201500], pa.timestamp("ms")),
        "price": pa.array([Decimal(10), Decimal(5)], pa.decimal128(10, 2)),
        "x": [1.0, 1e10], "tags": [["a", "b"], None]})
    sink.write(ChangeBatch(table, np.array([0, 1], np.int8)))
    sink.finish()
    assert sink.stream.getvalue().splitlines() == [
        "P> +I[1, a, 2024-01-01T10:00, 10.00, 1.0, [a, b]]",
        "P> -U[null, null, 2024-01-01T10:00:01.500, 5.00, 1.0E10, null]",
    ]


def test_print_without_identifier_and_ltz(make_context):
    sink = find_factory("print", "t").create_sink(
        make_context([("t", T.TIMESTAMP_LTZ(3)), ("b", T.BOOLEAN())], {"connector": "print"}))
    sink.stream = io.StringIO()
    sink.write(ChangeBatch(pa.table({"t": pa.array([0], pa.timestamp("ms", tz="UTC")), "b": [True]})))
    assert sink.stream.getvalue() == "+I[1970-01-01T00:00:00Z, true]\n"


def test_java_double_spelling():
    assert [java_double(v) for v in (0.0, 0.5, 1e7, 1.5e-4, float("nan"))] == [
        "0.0", "0.5", "1.0E7", "1.5E-4", "NaN"]


def test_blackhole_counts_everything(make_context):
    sink = find_factory("blackhole", "t").create_sink(make_context([("a", T.INT())], {"connector": "blackhole"}))
    assert sink.accepted_changelog_mode().kinds and not sink.accepted_changelog_mode().is_insert_only
    sink.write(ChangeBatch(pa.table({"a": [1, 2, 3]}), np.array([0, 1, 2], np.int8)))
    assert sink.rows == 3
