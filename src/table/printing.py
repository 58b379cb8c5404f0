"""Flink's tableau format: bordered, right-aligned result tables, printed as rows arrive.

Two ways to size the columns, as in Flink:

* by type (``widths="types"``): known before the first row, so a streaming result can print its
  header at once and each change as it arrives — INT is 11 wide, BIGINT 20, DECIMAL(p, s) p + 2,
  TIMESTAMP(3) 23, strings and everything else the maximum width (30 by default);
* by data (``widths="data"``): the widest value of each column, capped at the maximum width — the
  SQL client's batch results, which are complete before they are printed.

>>> from flowsql.common.types import INT, STRING
>>> p = TableauPrinter(["id", "name"], [INT(), STRING()], widths="data")
>>> print(p.render_all([None, None], [(1, "a"), (2, None)]), end="")
+----+--------+
| id |   name |
+----+--------+
|  1 |      a |
|  2 | <NULL> |
+----+--------+
2 rows in set

Values are the Python objects ``pyarrow.Array.to_pylist()`` produces; the column's flowsql
``DataType`` decides how they are spelt (a DECIMAL's scale, a TIMESTAMP's precision, ...). This
module imports nothing heavy, so that the SQL client starts fast.
"""

from __future__ import annotations

import datetime as _dt
import math
import struct
import unicodedata
from decimal import Decimal
from collections.abc import Callable, Iterable, Sequence
from typing import Any

NULL_TEXT = "<NULL>"
NESTED_NULL_TEXT = "NULL"
ROW_KIND_COLUMN = "op"
TRUNCATED_FLAG = "..."
DEFAULT_MAX_WIDTH = 30
_KIND_SHORT = ("+I", "-U", "+U", "-D")

# Footer styles.
RECEIVED = "received"  # SQL client, streaming: "Received a total of N rows"
IN_SET = "in_set"  # SQL client batch and TableResult.print(): "N rows in set" / "Empty set"
TERMINATED = "terminated"  # SQL client after Ctrl-C: "Query terminated, received a total of N rows"


# -- values ------------------------------------------------------------------------------

def format_value(value: Any, dtype: Any = None, *, zone: Any = None, nested: bool = False) -> str:
    """Spell one value as Flink prints it (``<NULL>``, ``TRUE``, ``5.00``, ``[1, 2]``, ``{k=1}``).

    ``dtype`` is a flowsql ``DataType`` (or None to go by the Python type); ``zone`` is the
    session time zone (a ``tzinfo``) used for TIMESTAMP_LTZ values; ``nested`` selects the spelling
    of NULL inside collections and rows (``NULL``, as Flink's cast to STRING writes it).
    """
    if value is None:
        return NESTED_NULL_TEXT if nested else NULL_TEXT
    name = getattr(dtype, "name", None) or _name_of_python_value(value)
    children = getattr(dtype, "children", ()) or ()
    precision = getattr(dtype, "precision", None)
    if name == "BOOLEAN":
        return "TRUE" if value else "FALSE"
    if name in ("TINYINT", "SMALLINT", "INT", "BIGINT"):
        return str(value)
    if name == "DECIMAL":
        scale = getattr(dtype, "scale", None)
        value = Decimal(value)
        return f"{value:.{scale}f}" if scale is not None else format(value, "f")
    if name == "FLOAT":
        return _java_float(float(value))
    if name == "DOUBLE":
        return _java_double(float(value))
    if name in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        if name == "TIMESTAMP_LTZ" or value.tzinfo is not None:
            value = _to_zone(value, zone)
        return _timestamp(value, 6 if precision is None else precision)
    if name == "DATE":
        return value.isoformat()
    if name == "TIME":
        return _time(value, 0 if precision is None else precision)
    if name == "INTERVAL_DAY_TIME":
        return _day_time_interval(value)
    if name == "INTERVAL_YEAR_MONTH":
        return _year_month_interval(int(value))
    if name in ("BINARY", "VARBINARY"):
        return "x'" + bytes(value).hex() + "'"
    if name == "MAP":
        key_type = children[0] if len(children) > 0 else None
        value_type = children[1] if len(children) > 1 else None
        pairs = value.items() if isinstance(value, dict) else value
        return "{" + ", ".join(
            f"{format_value(k, key_type, zone=zone, nested=True)}="
            f"{format_value(v, value_type, zone=zone, nested=True)}"
            for k, v in pairs
        ) + "}"
    if name == "ROW":
        fields = list(value.values()) if isinstance(value, dict) else list(value)
        types = list(children) + [None] * (len(fields) - len(children))
        inner = ", ".join(format_value(v, t, zone=zone, nested=True) for v, t in zip(fields, types))
        return "(" + inner + ")"
    if name in ("ARRAY", "MULTISET"):
        element = children[0] if children else None
        return "[" + ", ".join(format_value(v, element, zone=zone, nested=True) for v in value) + "]"
    return str(value)


def _name_of_python_value(value: Any) -> str | None:
    """The type name to spell a value by when its column type is unknown."""
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, Decimal):
        return "DECIMAL"
    if isinstance(value, _dt.datetime):
        return "TIMESTAMP"
    if isinstance(value, _dt.date):
        return "DATE"
    if isinstance(value, _dt.time):
        return "TIME"
    if isinstance(value, _dt.timedelta):
        return "INTERVAL_DAY_TIME"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "VARBINARY"
    if isinstance(value, dict):
        return "ROW"
    if isinstance(value, (list, tuple)):
        return "ARRAY"
    return None


def _java_double(x: float) -> str:
    """Java's ``Double.toString``: plain between 10^-3 and 10^7, else ``1.5E10``."""
    return _java_number(x, repr(x))


def _java_float(x: float) -> str:
    """Java's ``Float.toString``: the shortest digits that read back as the same 32-bit float."""
    if math.isnan(x) or math.isinf(x):
        return _java_number(x, "")
    target = struct.pack("f", x)
    for digits in range(1, 10):
        text = f"{x:.{digits}g}"
        if struct.pack("f", float(text)) == target:
            return _java_number(float(text), text)
    return _java_number(x, repr(x))


def _java_number(x: float, shortest: str) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign, digits, exponent = Decimal(shortest).normalize().as_tuple()
    text = "".join(map(str, digits))
    point = len(text) + exponent  # position of the decimal point within ``text``
    prefix = "-" if sign else ""
    if 1e-3 <= abs(x) < 1e7:
        if point <= 0:
            return prefix + "0." + "0" * -point + text
        if point >= len(text):
            return prefix + text + "0" * (point - len(text)) + ".0"
        return prefix + text[:point] + "." + text[point:]
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{prefix}{mantissa}E{point - 1}"


def _fraction(nanos: int, precision: int) -> str:
    if precision <= 0:
        return ""
    return "." + f"{nanos:09d}"[:precision].ljust(precision, "0")


def _timestamp(value: Any, precision: int) -> str:
    nanos = value.microsecond * 1000 + int(getattr(value, "nanosecond", 0) or 0)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}{_fraction(nanos, precision)}"
    )


def _time(value: _dt.time, precision: int) -> str:
    fraction = _fraction(value.microsecond * 1000, precision)
    return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}{fraction}"


def _to_zone(value: Any, zone: Any) -> Any:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(zone or _dt.timezone.utc)


def _day_time_interval(value: Any) -> str:
    """``+1 02:03:04.005``: Flink's spelling of an INTERVAL DAY TO SECOND(3)."""
    millis = value if isinstance(value, int) else round(value / _dt.timedelta(milliseconds=1))
    sign = "-" if millis < 0 else "+"
    millis = abs(millis)
    days, millis = divmod(millis, 86_400_000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    seconds, millis = divmod(millis, 1000)
    return f"{sign}{days} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _year_month_interval(months: int) -> str:
    sign = "-" if months < 0 else "+"
    years, months = divmod(abs(months), 12)
    return f"{sign}{years}-{months:02d}"


# -- widths ------------------------------------------------------------------------------

def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide and full-width characters count twice."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def type_width(dtype: Any, max_width: int = DEFAULT_MAX_WIDTH) -> int:
    """The width Flink reserves for a type before seeing any data (before the header and NULL)."""
    name = getattr(dtype, "name", None)
    precision = getattr(dtype, "precision", None)
    fixed = {"TINYINT": 4, "SMALLINT": 6, "INT": 11, "BIGINT": 20, "BOOLEAN": 5, "DATE": 10}
    if name in fixed:
        return fixed[name]
    if name == "DECIMAL":
        return (precision or 10) + 2  # a sign and a decimal point
    if name == "TIME":
        p = precision or 0
        return 8 if p == 0 else p + 9
    if name in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        p = 6 if precision is None else precision
        return 19 if p == 0 else 23 if p <= 3 else 26 if p <= 6 else 29
    return max_width


def fit_cell(text: str, width: int) -> str:
    """Right-align ``text`` in ``width`` columns, or cut it to ``width`` ending in ``...``."""
    shown = display_width(text)
    if shown <= width:
        return " " * (width - shown) + text
    target = width - len(TRUNCATED_FLAG)
    if text.isascii():
        return text[: max(target, 0)] + TRUNCATED_FLAG
    used, cut = 0, 0
    for cut, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if used > target:
            break
    head = text[:cut]
    return " " * max(target - display_width(head), 0) + head + TRUNCATED_FLAG


# -- the printer -------------------------------------------------------------------------

class TableauPrinter:
    """Formats a result in Flink's tableau form, a part at a time (header, row lines, footer).

    ``with_op`` adds the ``op`` column (``+I``/``-U``/``+U``/``-D``) of a streaming result.
    ``widths="types"`` sizes columns from ``types`` at once; ``widths="data"`` needs ``fit()``
    (or ``render_all``) to see all rows first. Every ``format_*`` method returns text whose lines
    each end in a newline, ready to write.
    """

    def __init__(
        self,
        names: Sequence[str],
        types: Sequence[Any],
        *,
        with_op: bool = False,
        widths: str = "types",
        max_width: int = DEFAULT_MAX_WIDTH,
        zone: Any = None,
    ) -> None:
        if widths not in ("types", "data"):
            raise ValueError(f"widths must be 'types' or 'data', found {widths!r}")
        self.names = list(names)
        self.types = list(types) + [None] * (len(names) - len(types))
        self.with_op = with_op
        self.max_width = max_width
        self.zone = zone
        self.widths: list[int] | None = None
        if widths == "types":
            self.widths = self._widths_by_type()

    def _widths_by_type(self) -> list[int]:
        widths = [
            max(len(name), type_width(t, self.max_width), len(NULL_TEXT))
            for name, t in zip(self.names, self.types)
        ]
        return [len(ROW_KIND_COLUMN)] + widths if self.with_op else widths

    @property
    def header_cells(self) -> list[str]:
        return [ROW_KIND_COLUMN] + self.names if self.with_op else list(self.names)

    def cells(self, kind: int | None, row: Sequence[Any]) -> list[str]:
        """One row as the strings to print (``kind`` is a RowKind value, None meaning +I)."""
        texts = [format_value(v, t, zone=self.zone) for v, t in zip(row, self.types)]
        return [_KIND_SHORT[int(kind or 0)]] + texts if self.with_op else texts

    def fit(self, kinds: Sequence[int | None], rows: Sequence[Sequence[Any]]) -> list[list[str]]:
        """Size the columns to the data (capped at the maximum width); returns the rows' cells."""
        all_cells = [self.cells(k, r) for k, r in zip(kinds, rows)]
        widths = [len(h) for h in self.header_cells]
        for cells in all_cells:
            for i, text in enumerate(cells):
                widths[i] = max(widths[i], display_width(text))
        self.widths = [min(w, self.max_width) for w in widths]
        return all_cells

    def _require_widths(self) -> list[int]:
        if self.widths is None:
            raise RuntimeError("column widths are inferred from the data: call fit() or render_all() first")
        return self.widths

    def format_border(self) -> str:
        return "+" + "+".join("-" * (w + 2) for w in self._require_widths()) + "+\n"

    def format_line(self, cells: Sequence[str]) -> str:
        widths = self._require_widths()
        return "|" + "|".join(f" {fit_cell(c, w)} " for c, w in zip(cells, widths)) + "|\n"

    def format_header(self) -> str:
        border = self.format_border()
        return border + self.format_line(self.header_cells) + border

    def format_row(self, kind: int | None, row: Sequence[Any]) -> str:
        return self.format_line(self.cells(kind, row))

    def format_rows(self, kinds: Iterable[int | None] | None, rows: Sequence[Sequence[Any]]) -> str:
        if kinds is None:
            kinds = [None] * len(rows)
        return "".join(self.format_row(k, r) for k, r in zip(kinds, rows))

    def format_footer(self, count: int, style: str = IN_SET, seconds: float | None = None) -> str:
        """The closing border (when rows were printed) and the summary line."""
        border = self.format_border() if count > 0 and self.widths is not None else ""
        return border + footer_text(count, style, seconds) + "\n"

    def render_all(
        self, kinds: Sequence[int | None] | None, rows: Sequence[Sequence[Any]], footer: str = IN_SET,
        seconds: float | None = None,
    ) -> str:
        """A whole result at once. With the ``in_set`` footer an empty result is just ``Empty set``."""
        if kinds is None:
            kinds = [None] * len(rows)
        if not rows and footer == IN_SET:
            return footer_text(0, IN_SET, seconds) + "\n"
        if self.widths is None:
            all_cells = self.fit(kinds, rows)
            body = "".join(self.format_line(c) for c in all_cells)
        else:
            body = self.format_rows(kinds, rows)
        return self.format_header() + body + self.format_footer(len(rows), footer, seconds)


def footer_text(count: int, style: str = IN_SET, seconds: float | None = None) -> str:
    """``Received a total of 4 rows``, ``2 rows in set``, ``Empty set``, ... (Flink's wording)."""
    term = "rows" if count > 1 else "row"
    if style == RECEIVED:
        text = f"Received a total of {count} {term}"
    elif style == TERMINATED:
        text = f"Query terminated, received a total of {count} {term}"
    elif style == IN_SET:
        text = "Empty set" if count == 0 else f"{count} {term} in set"
    else:
        raise ValueError(f"unknown footer style {style!r}")
    return text if seconds is None else f"{text} ({seconds:.2f} seconds)"


# -- change batches ----------------------------------------------------------------------

def batch_rows(batch: Any) -> tuple[list[int], list[tuple]]:
    """A ``ChangeBatch`` (or anything with ``.table`` and ``.kind_array()``) as kinds and Python rows."""
    table = batch.table
    columns = [column.to_pylist() for column in table.columns]
    kinds = [int(k) for k in batch.kind_array()]
    return kinds, list(zip(*columns)) if columns else [() for _ in kinds]


def print_change_batches(
    names: Sequence[str],
    types: Sequence[Any],
    batches: Iterable[Any],
    write: Callable[[str], Any],
    *,
    with_op: bool,
    widths: str = "types",
    footer: str = IN_SET,
    max_width: int = DEFAULT_MAX_WIDTH,
    zone: Any = None,
    flush: Callable[[], Any] | None = None,
    seconds: Callable[[], float] | None = None,
) -> int:
    """Print a result as its change batches arrive; returns the number of rows printed.

    With type widths each batch is written as soon as it arrives. The ``received`` footer writes
    the header at once (the SQL client shows it before the first row); the ``in_set`` footer
    writes it with the first row, so that an empty result is only ``Empty set`` (as
    ``TableResult.print()`` does). With data widths everything is collected first.
    """
    printer = TableauPrinter(names, types, with_op=with_op, widths=widths, max_width=max_width, zone=zone)
    flush = flush or (lambda: None)
    if widths == "data":
        kinds: list[int] = []
        rows: list[tuple] = []
        for batch in batches:
            k, r = batch_rows(batch)
            kinds += k
            rows += r
        write(printer.render_all(kinds, rows, footer, seconds() if seconds else None))
        flush()
        return len(rows)
    count = 0
    header_written = False
    if footer == RECEIVED:
        write(printer.format_header())
        flush()
        header_written = True
    for batch in batches:
        if not batch.num_rows:
            continue
        k, r = batch_rows(batch)
        text = printer.format_rows(k, r)
        if not header_written:
            text = printer.format_header() + text
            header_written = True
        write(text)
        flush()
        count += len(r)
    if count == 0 and footer == IN_SET:
        write(footer_text(0, IN_SET, seconds() if seconds else None) + "\n")
    else:
        write(printer.format_footer(count, footer, seconds() if seconds else None))
    flush()
    return count

