"""Date and time functions of Flink SQL, translated to DuckDB.

Calling conventions for SQL's special syntax (the binder produces these calls):
  - ``EXTRACT(unit FROM t)``            → ``EXTRACT('UNIT', t)``
  - ``FLOOR(t TO unit)``/``CEIL(t TO unit)`` → ``FLOOR(t, 'UNIT')``/``CEIL(t, 'UNIT')`` (the math
    module's FLOOR/CEIL dispatch here when given two arguments or a temporal one)
  - ``TIMESTAMPADD(unit, n, t)``        → ``TIMESTAMPADD('UNIT', n, t)``
  - ``TIMESTAMPDIFF(unit, t1, t2)``     → ``TIMESTAMPDIFF('UNIT', t1, t2)``
Units are upper-case string literals. TIMESTAMP_LTZ values are shown and split into fields in the
session time zone, which DuckDB's connection holds (UTC unless configured).
Java date patterns (``yyyy-MM-dd HH:mm:ss.SSS``) are converted to strftime/strptime formats.
"""

from __future__ import annotations

import re

from flowsql.common.errors import ValidationError
from flowsql.common.types import BIGINT, DATE, INT, STRING, TIME, TIMESTAMP, TIMESTAMP_LTZ, DataType
from flowsql.planner.functions._types import (
    any_nullable,
    as_varchar,
    expect,
    is_integerish,
    is_null_type,
    is_numericish,
    is_stringish,
    literal,
    literal_string,
    sql_string,
)
from flowsql.planner.functions.registry import scalar

_STRING = "a string"


def _is_datetime(t: DataType) -> bool:
    return t.name in ("DATE", "TIMESTAMP", "TIMESTAMP_LTZ") or is_null_type(t)


def _local(sql: str, t: DataType) -> str:
    """The wall-clock value (TIMESTAMP or DATE or TIME) of a temporal argument."""
    if t.name == "TIMESTAMP_LTZ":
        return f"CAST({sql} AS TIMESTAMP)"
    if t.name == "NULL":
        return f"CAST({sql} AS TIMESTAMP)"
    return sql


# -- Java date patterns ------------------------------------------------------------------------

_PATTERN_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|.", re.DOTALL)
_FORMAT_CODES = {
    "yyyy": "%Y", "yyy": "%Y", "y": "%Y", "yy": "%y", "MM": "%m", "M": "%-m", "MMM": "%b", "MMMM": "%B",
    "dd": "%d", "d": "%-d", "HH": "%H", "H": "%-H", "hh": "%I", "h": "%-I", "mm": "%M", "m": "%-M",
    "ss": "%S", "s": "%-S", "a": "%p", "E": "%a", "EE": "%a", "EEE": "%a", "EEEE": "%A", "D": "%-j",
    "DD": "%j", "DDD": "%j", "u": "%u", "Z": "%z", "XX": "%z", "XXX": "%z", "z": "%Z", "w": "%V", "ww": "%V",
}
_FRACTION_CODES = {3: "%g", 6: "%f", 9: "%n"}


def java_pattern_pieces(pattern: str) -> list[tuple[str, object]]:
    """Split a Java pattern into ('fmt', strftime text) and ('frac', digits) pieces."""
    pieces: list[tuple[str, object]] = []

    def text(s: str) -> None:
        if pieces and pieces[-1][0] == "fmt":
            pieces[-1] = ("fmt", pieces[-1][1] + s)
        else:
            pieces.append(("fmt", s))

    for m in _PATTERN_TOKEN.finditer(pattern):
        tok = m.group(0)
        if tok.startswith("'"):
            text("'" if tok == "''" else tok[1:-1].replace("''", "'").replace("%", "%%"))
        elif m.group(1) == "S":
            if len(tok) in _FRACTION_CODES:
                text(_FRACTION_CODES[len(tok)])
            else:
                pieces.append(("frac", len(tok)))
        elif m.group(1):
            code = _FORMAT_CODES.get(tok) or (_FORMAT_CODES.get(tok[:4]) if tok[0] in "yME" else None)
            if code is None:
                raise ValidationError(f"the date pattern letter(s) '{tok}' in '{pattern}' are not supported",
                                      hint="use y, M, d, H, h, m, s, S, a, E, D, u, Z")
            text(code)
        else:
            text("%%" if tok == "%" else tok)
    return pieces


def format_sql(ts: str, pattern: str) -> str:
    """DuckDB SQL formatting the TIMESTAMP ``ts`` with a Java pattern."""
    parts = []
    for kind, value in java_pattern_pieces(pattern):
        if kind == "fmt":
            parts.append(f"strftime({ts}, {sql_string(value)})")
        else:
            parts.append(f"left(strftime({ts}, '%n'), {value})")
    if not parts:
        return "''"
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def parse_sql(s: str, pattern: str | None) -> str:
    """DuckDB SQL parsing the string ``s`` to a TIMESTAMP with a Java pattern (NULL if it fails)."""
    if pattern is None:
        return f"TRY_CAST({s} AS TIMESTAMP)"
    pieces = java_pattern_pieces(pattern)
    if any(kind == "frac" for kind, _ in pieces):
        raise ValidationError(f"parsing with the pattern '{pattern}' is not supported",
                              hint="fractions of a second parse with SSS, SSSSSS or SSSSSSSSS")
    fmt = "".join(str(v) for _, v in pieces)
    return f"try_strptime({s}, {sql_string(fmt)})"


def _pattern(fn: str, exprs, index: int, default: str) -> str:
    if len(exprs) <= index:
        return default
    return literal_string(fn, exprs, index, "a date format pattern")


# -- current time ------------------------------------------------------------------------------

def _now(name: str, make, sql: str, description: str) -> None:
    scalar(name, infer=lambda t, e: make(), min_args=0, max_args=0, deterministic=False, category="temporal",
           signature=name, description=description)(lambda a, t, r, e: sql)


_now("CURRENT_DATE", lambda: DATE(False), "CAST(CAST(now() AS TIMESTAMP) AS DATE)",
     "Today's date in the session time zone.")
_now("CURRENT_TIME", lambda: TIME(0, False), "CAST(date_trunc('second', CAST(now() AS TIMESTAMP)) AS TIME)",
     "The time of day in the session time zone.")
_now("LOCALTIME", lambda: TIME(0, False), "CAST(date_trunc('second', CAST(now() AS TIMESTAMP)) AS TIME)",
     "The time of day in the session time zone.")
_now("CURRENT_TIMESTAMP", lambda: TIMESTAMP_LTZ(3, False), "date_trunc('millisecond', now())",
     "The current instant, as TIMESTAMP_LTZ(3).")
_now("PROCTIME", lambda: TIMESTAMP_LTZ(3, False).as_time_attribute("proctime"),
     "coalesce(make_timestamptz(getvariable('flowsql_proctime_ms') * 1000), date_trunc('millisecond', now()))",
     "Processing time, a *PROCTIME* attribute; a running job reads it from its clock (see Calc).")
_now("NOW", lambda: TIMESTAMP_LTZ(3, False), "date_trunc('millisecond', now())",
     "The current instant, as TIMESTAMP_LTZ(3).")
_now("CURRENT_ROW_TIMESTAMP", lambda: TIMESTAMP_LTZ(3, False), "date_trunc('millisecond', get_current_timestamp())",
     "The current instant, evaluated for each row.")
_now("LOCALTIMESTAMP", lambda: TIMESTAMP(3, False),
     "CAST(date_trunc('millisecond', CAST(now() AS TIMESTAMP)) AS TIMESTAMP_MS)",
     "The current wall-clock time in the session time zone, as TIMESTAMP(3).")


# The watermark variable a running Calc sets before each batch (see flowsql.exec.operators.calc);
# unset (batch mode, or before the first watermark) it is NULL, as Flink's CURRENT_WATERMARK is.
WATERMARK_VARIABLE = "flowsql_watermark_ms"


def _current_watermark_infer(types, exprs) -> DataType:
    t = types[0]
    if t.time_attribute != "rowtime":
        raise ValidationError(
            f"CURRENT_WATERMARK takes a rowtime attribute, found {t.sql(True)}",
            hint="pass the column that the table's WATERMARK FOR clause declares, e.g. CURRENT_WATERMARK(ts)")
    return t.without_time_attribute().with_nullable(True)


@scalar("CURRENT_WATERMARK", infer=_current_watermark_infer, min_args=1, max_args=1, deterministic=False,
        category="temporal", signature="CURRENT_WATERMARK(rowtime)",
        description="The operator's current watermark for the rowtime attribute; NULL before the first.")
def _current_watermark(a, t, r, e):
    micros = f"getvariable('{WATERMARK_VARIABLE}') * 1000"
    value = f"make_timestamptz({micros})" if r.name == "TIMESTAMP_LTZ" else f"make_timestamp({micros})"
    return f"CAST({value} AS {r.to_duckdb()})"


# -- fields ------------------------------------------------------------------------------------

_EXTRACT = {
    "YEAR": "year({0})", "QUARTER": "quarter({0})", "MONTH": "month({0})", "WEEK": "week({0})",
    "DAY": "day({0})", "HOUR": "hour({0})", "MINUTE": "minute({0})", "SECOND": "second({0})",
    "MILLISECOND": "(millisecond({0}) % 1000)", "MICROSECOND": "(microsecond({0}) % 1000000)",
    "NANOSECOND": "(nanosecond({0}) % 1000000000)",
    "DOW": "(dayofweek({0}) + 1)", "ISODOW": "isodow({0})", "DOY": "dayofyear({0})",
    "EPOCH": "epoch({0})", "DECADE": "decade({0})", "CENTURY": "century({0})",
    "MILLENNIUM": "millennium({0})", "ISOYEAR": "isoyear({0})",
}


def _extract_sql(unit: str, sql: str, t: DataType) -> str:
    value = _local(sql, t)
    if t.name == "TIME" and unit not in ("HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND", "NANOSECOND"):
        raise ValidationError(f"cannot EXTRACT {unit} from a TIME value")
    if unit == "EPOCH" and t.name == "TIMESTAMP_LTZ":
        value = sql
    return f"CAST(floor({_EXTRACT[unit].format(value)}) AS BIGINT)"


def _extract_infer(types, exprs) -> DataType:
    unit = literal_string("EXTRACT", exprs, 0, "the unit").upper()
    if unit not in _EXTRACT:
        raise ValidationError(f"EXTRACT does not know the unit {unit}", hint="use one of " + ", ".join(_EXTRACT))
    expect("EXTRACT", types, 1, lambda x: x.is_temporal or is_null_type(x), "a date, time or timestamp")
    return BIGINT(types[1].nullable)


@scalar("EXTRACT", infer=_extract_infer, min_args=2, max_args=2, category="temporal",
        signature="EXTRACT(unit FROM timepoint)",
        description="A field of the date/time: YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, "
                    "MILLISECOND, MICROSECOND, DOW (1 = Sunday), DOY, EPOCH, ...")
def _extract(a, t, r, e):
    return _extract_sql(str(e[0].value).upper(), a[1], t[1])


def _field(name: str, unit: str, description: str) -> None:
    def infer(types, exprs):
        expect(name, types, 0, lambda x: x.is_temporal or is_null_type(x), "a date or timestamp")
        return BIGINT(types[0].nullable)

    scalar(name, infer=infer, min_args=1, max_args=1, category="temporal", signature=f"{name}(date)",
           description=description)(lambda a, t, r, e: _extract_sql(unit, a[0], t[0]))


_field("YEAR", "YEAR", "The year.")
_field("QUARTER", "QUARTER", "The quarter of the year (1 to 4).")
_field("MONTH", "MONTH", "The month of the year (1 to 12).")
_field("WEEK", "WEEK", "The ISO week of the year (1 to 53).")
_field("DAYOFYEAR", "DOY", "The day of the year (1 to 366).")
_field("DAYOFMONTH", "DAY", "The day of the month (1 to 31).")
_field("DAYOFWEEK", "DOW", "The day of the week (1 = Sunday to 7 = Saturday).")
_field("HOUR", "HOUR", "The hour of the day (0 to 23).")
_field("MINUTE", "MINUTE", "The minute of the hour (0 to 59).")
_field("SECOND", "SECOND", "The second of the minute (0 to 59).")


# -- FLOOR / CEIL to a unit (called from math's FLOOR and CEIL) -------------------------------------

_TRUNC_UNITS = ("MILLENNIUM", "CENTURY", "DECADE", "YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR",
                "MINUTE", "SECOND", "MILLISECOND")
_UNIT_INTERVAL = {
    "MILLENNIUM": "INTERVAL 1000 YEAR", "CENTURY": "INTERVAL 100 YEAR", "DECADE": "INTERVAL 10 YEAR",
    "YEAR": "INTERVAL 1 YEAR", "QUARTER": "INTERVAL 3 MONTH", "MONTH": "INTERVAL 1 MONTH",
    "WEEK": "INTERVAL 7 DAY", "DAY": "INTERVAL 1 DAY", "HOUR": "INTERVAL 1 HOUR",
    "MINUTE": "INTERVAL 1 MINUTE", "SECOND": "INTERVAL 1 SECOND", "MILLISECOND": "INTERVAL 1 MILLISECOND",
}


def floor_ceil_time_infer(fn: str, types, exprs) -> DataType:
    expect(fn, types, 0, lambda x: x.is_temporal or is_null_type(x), "a date, time or timestamp")
    unit = literal_string(fn, exprs, 1, "the unit").upper()
    if unit not in _TRUNC_UNITS:
        raise ValidationError(f"{fn} ... TO does not know the unit {unit}",
                              hint="use one of " + ", ".join(_TRUNC_UNITS))
    t = types[0]
    return (TIMESTAMP(3) if t.name == "NULL" else t.without_time_attribute()).with_nullable(t.nullable)


def _floor_expr(sql: str, t: DataType, unit: str) -> str:
    if t.name == "TIME":
        sql = f"(DATE '1970-01-01' + {sql})"
    if unit == "WEEK":  # Flink's weeks start on Sunday; DuckDB's on Monday
        return f"(date_trunc('week', {sql} + INTERVAL 1 DAY) - INTERVAL 1 DAY)"
    return f"date_trunc('{unit.lower()}', {sql})"


def _back(sql: str, r: DataType) -> str:
    return f"CAST({sql} AS {r.to_duckdb()})"


def floor_time_sql(a, t, r, e) -> str:
    unit = str(e[1].value).upper()
    return _back(_floor_expr(a[0], t[0], unit), r)


def ceil_time_sql(a, t, r, e) -> str:
    unit = str(e[1].value).upper()
    base = f"(DATE '1970-01-01' + {a[0]})" if t[0].name == "TIME" else a[0]
    down = _floor_expr(a[0], t[0], unit)
    return _back(f"CASE WHEN {down} = {base} THEN {down} ELSE {down} + {_UNIT_INTERVAL[unit]} END", r)


# -- formatting and parsing ------------------------------------------------------------------------

def _date_format_infer(types, exprs) -> DataType:
    expect("DATE_FORMAT", types, 0, lambda x: _is_datetime(x) or x.is_string, "a timestamp or a string")
    expect("DATE_FORMAT", types, 1, is_stringish, _STRING)
    _pattern("DATE_FORMAT", exprs, 1, "")
    return STRING(True)


@scalar("DATE_FORMAT", infer=_date_format_infer, min_args=2, max_args=2, category="temporal",
        signature="DATE_FORMAT(timestamp | string, format)",
        description="The timestamp (or a 'yyyy-MM-dd HH:mm:ss' string) formatted with a Java date pattern.")
def _date_format(a, t, r, e):
    ts = parse_sql(a[0], None) if t[0].is_string else _local(a[0], t[0])
    return format_sql(ts, e[1].value)


def _string_and_pattern(fn: str, types, exprs) -> None:
    expect(fn, types, 0, is_stringish, _STRING)
    expect(fn, types, 1, is_stringish, _STRING)
    if len(types) > 1:
        _pattern(fn, exprs, 1, "")


def _to_date_infer(types, exprs) -> DataType:
    _string_and_pattern("TO_DATE", types, exprs)
    return DATE(True)


@scalar("TO_DATE", infer=_to_date_infer, min_args=1, max_args=2, category="temporal",
        signature="TO_DATE(string [, format])",
        description="The date the string spells (format default 'yyyy-MM-dd'); NULL if it does not parse.")
def _to_date(a, t, r, e):
    if len(a) == 1:
        return f"TRY_CAST({as_varchar(a[0], t[0])} AS DATE)"
    return f"CAST({parse_sql(as_varchar(a[0], t[0]), e[1].value)} AS DATE)"


def _to_ms(sql: str) -> str:
    return f"CAST(date_trunc('millisecond', {sql}) AS TIMESTAMP_MS)"


def _to_timestamp_infer(types, exprs) -> DataType:
    _string_and_pattern("TO_TIMESTAMP", types, exprs)
    return TIMESTAMP(3, True)


@scalar("TO_TIMESTAMP", infer=_to_timestamp_infer, min_args=1, max_args=2, category="temporal",
        signature="TO_TIMESTAMP(string [, format])",
        description="The TIMESTAMP(3) the string spells (format default 'yyyy-MM-dd HH:mm:ss'); NULL if "
                    "it does not parse.")
def _to_timestamp(a, t, r, e):
    pattern = e[1].value if len(a) > 1 else None
    return _to_ms(parse_sql(as_varchar(a[0], t[0]), pattern))


def _to_timestamp_ltz_infer(types, exprs) -> DataType:
    if types[0].is_string:
        _string_and_pattern("TO_TIMESTAMP_LTZ", types, exprs)
        expect("TO_TIMESTAMP_LTZ", types, 2, is_stringish, _STRING)
        return TIMESTAMP_LTZ(3, True)
    expect("TO_TIMESTAMP_LTZ", types, 0, is_numericish, "a number or a string")
    expect("TO_TIMESTAMP_LTZ", types, 1, is_integerish, "the precision (0 or 3) as an integer")
    if len(types) > 2:
        raise ValidationError("TO_TIMESTAMP_LTZ of a number takes the number and a precision only")
    if len(exprs) > 1:
        is_lit, p = literal(exprs, 1)
        if not is_lit or not isinstance(p, int) or not 0 <= p <= 9:
            raise ValidationError("TO_TIMESTAMP_LTZ expects the precision as an integer literal from 0 to 9",
                                  hint="0 for epoch seconds, 3 for epoch milliseconds")
    return TIMESTAMP_LTZ(3, any_nullable(types))


@scalar("TO_TIMESTAMP_LTZ", infer=_to_timestamp_ltz_infer, min_args=1, max_args=3, category="temporal",
        signature="TO_TIMESTAMP_LTZ(numeric [, precision]) | TO_TIMESTAMP_LTZ(string [, format [, zone]])",
        description="An instant from epoch seconds (precision 0) or milliseconds (3, the default), or "
                    "from a string read in the session (or given) time zone.")
def _to_timestamp_ltz(a, t, r, e):
    if t[0].is_string:
        pattern = e[1].value if len(a) > 1 else None
        local = parse_sql(a[0], pattern)
        zone = as_varchar(a[2], t[2]) if len(a) > 2 else None
        instant = f"timezone({zone}, {local})" if zone else f"CAST({local} AS TIMESTAMPTZ)"
        return f"date_trunc('millisecond', {instant})"
    p = e[1].value if len(a) > 1 else 3
    x = a[0]
    if t[0].is_integer or t[0].name == "NULL":
        micros = f"CAST({x} AS BIGINT) * {10 ** (6 - p)}" if p <= 6 else f"CAST({x} AS BIGINT) // {10 ** (p - 6)}"
    else:
        micros = f"CAST(trunc(CAST({x} AS DOUBLE) * {10.0 ** (6 - p)}) AS BIGINT)"
    return f"date_trunc('millisecond', CAST(make_timestamp({micros}) AS TIMESTAMPTZ))"


_LONG_MIN = "-9223372036854775808"


def _unix_timestamp_infer(types, exprs) -> DataType:
    if not types:
        return BIGINT(False)
    _string_and_pattern("UNIX_TIMESTAMP", types, exprs)
    return BIGINT(any_nullable(types))


@scalar("UNIX_TIMESTAMP", infer=_unix_timestamp_infer, min_args=0, max_args=2, deterministic=False,
        category="temporal", signature="UNIX_TIMESTAMP([string [, format]])",
        description="Epoch seconds of now, or of the string (format default 'yyyy-MM-dd HH:mm:ss') in the "
                    "session time zone; Long.MIN_VALUE when it does not parse, as in Flink.")
def _unix_timestamp(a, t, r, e):
    if not a:
        return "CAST(epoch(now()) AS BIGINT)"
    pattern = e[1].value if len(a) > 1 else None
    parsed = parse_sql(as_varchar(a[0], t[0]), pattern)
    seconds = f"CAST(trunc(epoch_ms(CAST({parsed} AS TIMESTAMPTZ)) / 1000) AS BIGINT)"
    return f"CASE WHEN {a[0]} IS NULL THEN NULL ELSE coalesce({seconds}, {_LONG_MIN}) END"


def _from_unixtime_infer(types, exprs) -> DataType:
    expect("FROM_UNIXTIME", types, 0, is_integerish, "epoch seconds as an integer")
    expect("FROM_UNIXTIME", types, 1, is_stringish, _STRING)
    if len(types) > 1:
        _pattern("FROM_UNIXTIME", exprs, 1, "")
    return STRING(any_nullable(types))


@scalar("FROM_UNIXTIME", infer=_from_unixtime_infer, min_args=1, max_args=2, category="temporal",
        signature="FROM_UNIXTIME(seconds [, format])",
        description="Epoch seconds formatted in the session time zone (format default 'yyyy-MM-dd HH:mm:ss').")
def _from_unixtime(a, t, r, e):
    pattern = e[1].value if len(a) > 1 else "yyyy-MM-dd HH:mm:ss"
    ts = f"make_timestamp(CAST({a[0]} AS BIGINT) * 1000000)"
    return format_sql(ts, pattern)


# -- arithmetic ------------------------------------------------------------------------------------

_ADD = {
    "YEAR": "to_months(12 * {0})", "QUARTER": "to_months(3 * {0})", "MONTH": "to_months({0})",
    "WEEK": "to_days(7 * {0})", "DAY": "to_days({0})", "HOUR": "to_hours({0})", "MINUTE": "to_minutes({0})",
    "SECOND": "to_seconds({0})", "MILLISECOND": "to_milliseconds({0})", "MICROSECOND": "to_microseconds({0})",
}
_DIFF_MICROS = {
    "WEEK": 604_800_000_000, "DAY": 86_400_000_000, "HOUR": 3_600_000_000, "MINUTE": 60_000_000,
    "SECOND": 1_000_000, "MILLISECOND": 1_000, "MICROSECOND": 1,
}
_MONTHS = {"YEAR": 12, "QUARTER": 3, "MONTH": 1}


def _unit(fn: str, exprs, allowed) -> str:
    unit = literal_string(fn, exprs, 0, "the unit").upper()
    if unit == "SQL_TSI_" + unit[8:] and unit.startswith("SQL_TSI_"):
        unit = unit[8:]
    if unit not in allowed:
        raise ValidationError(f"{fn} does not know the unit {unit}", hint="use one of " + ", ".join(allowed))
    return unit


def _timestampadd_infer(types, exprs) -> DataType:
    unit = _unit("TIMESTAMPADD", exprs, _ADD)
    expect("TIMESTAMPADD", types, 1, is_integerish, "an integer count")
    expect("TIMESTAMPADD", types, 2, lambda x: x.is_temporal or is_null_type(x), "a date, time or timestamp")
    t = types[2]
    nullable = types[1].nullable or t.nullable
    if t.name == "DATE" and unit not in ("YEAR", "QUARTER", "MONTH", "WEEK", "DAY"):
        return TIMESTAMP(3, nullable)
    if t.name == "NULL":
        return TIMESTAMP(3, True)
    return t.without_time_attribute().with_nullable(nullable)


@scalar("TIMESTAMPADD", infer=_timestampadd_infer, min_args=3, max_args=3, category="temporal",
        signature="TIMESTAMPADD(unit, count, timepoint)",
        description="The timepoint moved by count units (YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND).")
def _timestampadd(a, t, r, e):
    unit = _unit("TIMESTAMPADD", e, _ADD)
    interval = _ADD[unit].format(f"CAST({a[1]} AS BIGINT)")
    base = f"(DATE '1970-01-01' + {a[2]})" if t[2].name == "TIME" else a[2]
    return f"CAST({base} + {interval} AS {r.to_duckdb()})"


def _months_between(t1: str, t2: str) -> str:
    """Whole months from t1 to t2, truncated toward zero like Calcite's subtractMonths."""
    def one_way(lo: str, hi: str) -> str:
        m0 = f"((year({hi}) - year({lo})) * 12 + month({hi}) - month({lo}))"
        return f"({m0} - CASE WHEN {lo} + to_months({m0}) > {hi} THEN 1 ELSE 0 END)"

    return f"CASE WHEN {t2} >= {t1} THEN {one_way(t1, t2)} ELSE -{one_way(t2, t1)} END"


def _timestampdiff_infer(types, exprs) -> DataType:
    _unit("TIMESTAMPDIFF", exprs, tuple(_DIFF_MICROS) + tuple(_MONTHS))
    for i in (1, 2):
        expect("TIMESTAMPDIFF", types, i, _is_datetime, "a date or timestamp")
    return INT(types[1].nullable or types[2].nullable)


@scalar("TIMESTAMPDIFF", infer=_timestampdiff_infer, min_args=3, max_args=3, category="temporal",
        signature="TIMESTAMPDIFF(unit, timepoint1, timepoint2)",
        description="Whole units (SECOND ... YEAR) from timepoint1 to timepoint2, truncated toward zero.")
def _timestampdiff(a, t, r, e):
    unit = _unit("TIMESTAMPDIFF", e, tuple(_DIFF_MICROS) + tuple(_MONTHS))
    t1, t2 = (_local(a[i], t[i]) for i in (1, 2))
    t1, t2 = (f"CAST({x} AS TIMESTAMP)" for x in (t1, t2))
    if unit in _MONTHS:
        months = _months_between(t1, t2)
        return f"CAST(trunc(({months}) / {_MONTHS[unit]}) AS INTEGER)"
    micros = f"(epoch_us({t2}) - epoch_us({t1}))"
    return f"CAST(trunc({micros} / {_DIFF_MICROS[unit]}) AS INTEGER)"


def _convert_tz_infer(types, exprs) -> DataType:
    for i in range(3):
        expect("CONVERT_TZ", types, i, is_stringish, _STRING)
    return STRING(True)


@scalar("CONVERT_TZ", infer=_convert_tz_infer, min_args=3, max_args=3, category="temporal",
        signature="CONVERT_TZ(string, from_zone, to_zone)",
        description="The 'yyyy-MM-dd HH:mm:ss' time in from_zone, shown in to_zone.")
def _convert_tz(a, t, r, e):
    local = f"TRY_CAST({as_varchar(a[0], t[0])} AS TIMESTAMP)"
    moved = f"timezone({as_varchar(a[2], t[2])}, timezone({as_varchar(a[1], t[1])}, {local}))"
    return f"strftime({moved}, '%Y-%m-%d %H:%M:%S')"


