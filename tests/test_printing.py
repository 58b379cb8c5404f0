"""Golden strings for Flink's tableau format (src/table/printing.py)."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from flowsql.common.changes import ChangeBatch
from flowsql.common.types import (
    ARRAY, BIGINT, BOOLEAN, BYTES, CHAR, DATE, DECIMAL, DOUBLE, FLOAT, INT, INTERVAL_DAY_TIME,
    INTERVAL_YEAR_MONTH, MAP, ROW, SMALLINT, STRING, TIME, TIMESTAMP, TIMESTAMP_LTZ, TINYINT,
)
from flowsql.table.printing import (
    IN_SET, RECEIVED, TERMINATED, TableauPrinter, footer_text, format_value, print_change_batches,
    type_width,
)


def golden(text: str) -> str:
    return text.lstrip("\n")


def test_streaming_group_aggregate_matches_flink_transcript():
    # Example A of the reference (observed with PyFlink, footer per the SQL client).
    printer = TableauPrinter(["w", "c"], [STRING(), BIGINT(False)], with_op=True)
    out = printer.render_all([0, 0, 1, 2], [("a", 1), ("b", 1), ("a", 1), ("a", 2)], footer=RECEIVED)
    assert out == golden("""
+----+--------------------------------+----------------------+
| op |                              w |                    c |
+----+--------------------------------+----------------------+
| +I |                              a |                    1 |
| +I |                              b |                    1 |
| -U |                              a |                    1 |
| +U |                              a |                    2 |
+----+--------------------------------+----------------------+
Received a total of 4 rows
""")


def test_batch_widths_fit_the_data():
    printer = TableauPrinter(["w", "c"], [STRING(), BIGINT()], widths="data")
    assert printer.render_all(None, [("a", 2), ("b", 1)]) == golden("""
+---+---+
| w | c |
+---+---+
| a | 2 |
| b | 1 |
+---+---+
2 rows in set
""")


def test_incremental_printing_header_rows_footer():
    printer = TableauPrinter(["id", "ok"], [INT(), BOOLEAN()], with_op=True)
    header = printer.format_header()
    assert header == golden("""
+----+-------------+--------+
| op |          id |     ok |
+----+-------------+--------+
""")
    assert printer.format_rows([3], [(None, False)]) == "| -D |      <NULL> |  FALSE |\n"
    assert printer.format_row(None, (-2147483648, True)) == "| +I | -2147483648 |   TRUE |\n"
    assert printer.format_footer(1, RECEIVED) == (
        "+----+-------------+--------+\nReceived a total of 1 row\n"
    )


@pytest.mark.parametrize("dtype, width", [
    (TINYINT(), 6), (SMALLINT(), 6), (INT(), 11), (BIGINT(), 20), (BOOLEAN(), 6), (DATE(), 10),
    (DECIMAL(10, 2), 12), (DECIMAL(38, 2), 40), (TIMESTAMP(3), 23), (TIMESTAMP(9), 29),
    (TIMESTAMP(0), 19), (TIMESTAMP(6), 26), (TIMESTAMP_LTZ(3), 23), (TIME(0), 8), (TIME(3), 12),
    (STRING(), 30), (CHAR(1), 30), (DOUBLE(), 30), (ARRAY(INT()), 30),
])
def test_type_inferred_widths(dtype, width):
    # Every column has room for <NULL> (6), as in Flink; BOOLEAN alone would need 5.
    printer = TableauPrinter(["x"], [dtype])
    assert printer.widths == [width]


def test_type_widths_before_null_and_header():
    assert type_width(BOOLEAN()) == 5
    assert type_width(TINYINT()) == 4
    assert type_width(STRING(), max_width=50) == 50
    printer = TableauPrinter(["a_very_long_column_name"], [INT()], with_op=True)
    assert printer.widths == [2, 23]


@pytest.mark.parametrize("value, dtype, text", [
    (None, INT(), "<NULL>"),
    (True, BOOLEAN(), "TRUE"),
    (False, BOOLEAN(), "FALSE"),
    (Decimal("5"), DECIMAL(10, 2), "5.00"),
    (Decimal("-0.5"), DECIMAL(10, 3), "-0.500"),
    (dt.datetime(2024, 1, 1, 10, 0, 1), TIMESTAMP(3), "2024-01-01 10:00:01.000"),
    (dt.datetime(2024, 1, 1, 10, 0, 1, 123456), TIMESTAMP(9), "2024-01-01 10:00:01.123456000"),
    (dt.datetime(2024, 1, 1, 10, 0, 1, 500000), TIMESTAMP(0), "2024-01-01 10:00:01"),
    (dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.timezone.utc), TIMESTAMP_LTZ(3), "2024-01-01 10:00:00.000"),
    (dt.date(2024, 2, 29), DATE(), "2024-02-29"),
    (dt.time(23, 59, 59), TIME(0), "23:59:59"),
    (dt.time(1, 2, 3, 450000), TIME(3), "01:02:03.450"),
    (dt.timedelta(days=1), INTERVAL_DAY_TIME(), "+1 00:00:00.000"),
    (dt.timedelta(hours=-2, milliseconds=-5), INTERVAL_DAY_TIME(), "-0 02:00:00.005"),
    (12, INTERVAL_YEAR_MONTH(), "+1-00"),
    (-14, INTERVAL_YEAR_MONTH(), "-1-02"),
    ([1, 2], ARRAY(INT()), "[1, 2]"),
    ([1, None], ARRAY(INT()), "[1, NULL]"),
    ([("k", 1)], MAP(STRING(), INT()), "{k=1}"),
    ({"k": 1, "j": None}, MAP(STRING(), INT()), "{k=1, j=NULL}"),
    ({"a": 1, "b": "x"}, ROW([("a", INT()), ("b", STRING())]), "(1, x)"),
    ({"a": [True]}, ROW([("a", ARRAY(BOOLEAN()))]), "([TRUE])"),
    (1e10, DOUBLE(), "1.0E10"),
    (12345678.0, DOUBLE(), "1.2345678E7"),
    (0.0001, DOUBLE(), "1.0E-4"),
    (100.0, DOUBLE(), "100.0"),
    (0.5, DOUBLE(), "0.5"),
    (float("nan"), DOUBLE(), "NaN"),
    (float("-inf"), DOUBLE(), "-Infinity"),
    (0.1, FLOAT(), "0.1"),
    (b"hi", BYTES(), "x'6869'"),
    ("text", STRING(), "text"),
])
def test_value_spelling(value, dtype, text):
    assert format_value(value, dtype) == text


def test_ltz_is_shown_in_the_session_time_zone():
    from zoneinfo import ZoneInfo

    value = dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.timezone.utc)
    assert format_value(value, TIMESTAMP_LTZ(3), zone=ZoneInfo("Asia/Shanghai")) == "2024-01-01 18:00:00.000"


def test_long_values_are_cut_with_an_ellipsis():
    long = "x" * 40
    streaming = TableauPrinter(["s"], [STRING()], with_op=True)
    assert streaming.format_row(0, (long,)) == "| +I | " + "x" * 27 + "... |\n"
    batch = TableauPrinter(["s"], [STRING()], widths="data", max_width=10)
    assert batch.render_all(None, [(long,), ("short",)]) == golden("""
+------------+
|          s |
+------------+
| xxxxxxx... |
|      short |
+------------+
2 rows in set
""")


def test_wide_characters_take_two_columns():
    printer = TableauPrinter(["名前"], [STRING()], widths="data")
    assert printer.render_all(None, [("東京",), ("a",)]) == golden("""
+------+
| 名前 |
+------+
| 東京 |
|    a |
+------+
2 rows in set
""")


def test_empty_results_and_footers():
    assert TableauPrinter(["id"], [INT()], widths="data").render_all(None, []) == "Empty set\n"
    streaming = TableauPrinter(["id"], [INT()], with_op=True)
    assert streaming.render_all(None, [], footer=RECEIVED) == golden("""
+----+-------------+
| op |          id |
+----+-------------+
Received a total of 0 row
""")
    assert footer_text(1, IN_SET) == "1 row in set"
    assert footer_text(3, IN_SET, seconds=1.519) == "3 rows in set (1.52 seconds)"
    assert footer_text(7, TERMINATED) == "Query terminated, received a total of 7 rows"


def test_print_change_batches_streams_and_collects():
    batches = [
        ChangeBatch(pa.table({"id": pa.array([1, 2], pa.int32())})),
        ChangeBatch(pa.table({"id": pa.array([], pa.int32())})),
        ChangeBatch(pa.table({"id": pa.array([2], pa.int32())}), kinds=np.array([3], "int8")),
    ]
    written: list[str] = []
    count = print_change_batches(
        ["id"], [INT()], iter(batches), written.append, with_op=True, footer=RECEIVED
    )
    assert count == 3
    assert written[0].startswith("+----+")  # the header goes out before any row
    assert "".join(written).endswith(
        "| -D |           2 |\n+----+-------------+\nReceived a total of 3 rows\n"
    )
    # PyFlink's TableResult.print(): nothing but "Empty set" for no rows, type widths otherwise.
    out: list[str] = []
    print_change_batches(["id"], [INT()], iter([]), out.append, with_op=True, footer=IN_SET)
    assert out == ["Empty set\n"]
    out.clear()
    print_change_batches(["id"], [INT()], iter(batches[:1]), out.append, with_op=False, widths="data")
    assert "".join(out) == "+----+\n| id |\n+----+\n|  1 |\n|  2 |\n+----+\n2 rows in set\n"


def test_data_widths_need_the_data_first():
    with pytest.raises(RuntimeError):
        TableauPrinter(["id"], [INT()], widths="data").format_header()
