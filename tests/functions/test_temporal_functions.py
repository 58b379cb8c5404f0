"""Date/time functions: values, Flink types and NULL propagation (session time zone UTC)."""

import datetime as dt

import pytest
from function_eval import Col, assert_case, case_id, evaluate, lit
from flowsql.common.types import BIGINT, DATE, INT, STRING, TIME, TIMESTAMP, TIMESTAMP_LTZ

S = STRING()
UTC = dt.timezone.utc
TS = dt.datetime(2024, 1, 10, 3, 4, 5, 678000)


def ts(v=TS):
    return Col(v, TIMESTAMP(3))


def u(unit):
    return lit(unit, S)


def s(v):
    return Col(v, S)


CASES = [
    ("EXTRACT", (u("YEAR"), ts()), 2024, "BIGINT"),
    ("EXTRACT", (u("QUARTER"), ts()), 1, "BIGINT"),
    ("EXTRACT", (u("MONTH"), ts()), 1, "BIGINT"),
    ("EXTRACT", (u("DAY"), ts()), 10, "BIGINT"),
    ("EXTRACT", (u("HOUR"), ts()), 3, "BIGINT"),
    ("EXTRACT", (u("MINUTE"), ts()), 4, "BIGINT"),
    ("EXTRACT", (u("SECOND"), ts()), 5, "BIGINT"),
    ("EXTRACT", (u("MILLISECOND"), ts()), 678, "BIGINT"),
    ("EXTRACT", (u("MICROSECOND"), ts()), 678000, "BIGINT"),
    ("EXTRACT", (u("DOW"), Col(dt.date(2024, 1, 7), DATE())), 1, "BIGINT"),
    ("EXTRACT", (u("DOY"), Col(dt.date(2024, 2, 1), DATE())), 32, "BIGINT"),
    ("EXTRACT", (u("WEEK"), Col(dt.date(2024, 1, 1), DATE())), 1, "BIGINT"),
    ("EXTRACT", (u("EPOCH"), ts(dt.datetime(2024, 1, 1, 0, 0, 1))), 1704067201, "BIGINT"),
    ("EXTRACT", (u("HOUR"), Col(dt.datetime(2024, 1, 1, 5, tzinfo=UTC), TIMESTAMP_LTZ(3))), 5, "BIGINT"),
    ("YEAR", (ts(),), 2024, "BIGINT"),
    ("QUARTER", (ts(),), 1, "BIGINT"),
    ("MONTH", (ts(),), 1, "BIGINT"),
    ("WEEK", (ts(),), 2, "BIGINT"),
    ("DAYOFYEAR", (ts(),), 10, "BIGINT"),
    ("DAYOFMONTH", (ts(),), 10, "BIGINT"),
    ("DAYOFWEEK", (Col(dt.date(2024, 1, 7), DATE()),), 1, "BIGINT"),
    ("HOUR", (ts(),), 3, "BIGINT"),
    ("MINUTE", (ts(),), 4, "BIGINT"),
    ("SECOND", (ts(),), 5, "BIGINT"),
    ("FLOOR", (ts(), u("WEEK")), dt.datetime(2024, 1, 7), "TIMESTAMP(3)"),
    ("FLOOR", (ts(), u("HOUR")), dt.datetime(2024, 1, 10, 3), "TIMESTAMP(3)"),
    ("FLOOR", (Col(dt.date(2024, 5, 10), DATE()), u("MONTH")), dt.date(2024, 5, 1), "DATE"),
    ("FLOOR", (Col(dt.time(3, 4, 5), TIME(0)), u("HOUR")), dt.time(3), "TIME(0)"),
    ("CEIL", (ts(), u("HOUR")), dt.datetime(2024, 1, 10, 4), "TIMESTAMP(3)"),
    ("CEIL", (ts(dt.datetime(2024, 1, 10, 4)), u("HOUR")), dt.datetime(2024, 1, 10, 4), "TIMESTAMP(3)"),
    ("CEIL", (Col(dt.date(2024, 1, 10), DATE()), u("MONTH")), dt.date(2024, 2, 1), "DATE"),
    ("DATE_FORMAT", (ts(), lit("yyyy/MM/dd HH:mm:ss.SS EEE 'o''clock'", S)), "2024/01/10 03:04:05.67 Wed o'clock",
     "STRING"),
    ("DATE_FORMAT", (ts(), lit("yyyy-MM-dd HH:mm:ss.SSS", S)), "2024-01-10 03:04:05.678", "STRING"),
    ("DATE_FORMAT", (s("2020-01-02 03:04:05"), lit("yyyyMMdd", S)), "20200102", "STRING"),
    ("DATE_FORMAT", (s("not a date"), lit("yyyyMMdd", S)), None, "STRING"),
    ("TO_DATE", (s("2020-01-02"),), dt.date(2020, 1, 2), "DATE"),
    ("TO_DATE", (s("20200102"), lit("yyyyMMdd", S)), dt.date(2020, 1, 2), "DATE"),
    ("TO_DATE", (s("junk"),), None, "DATE"),
    ("TO_TIMESTAMP", (s("2020-01-02 03:04:05.123456"),), dt.datetime(2020, 1, 2, 3, 4, 5, 123000), "TIMESTAMP(3)"),
    ("TO_TIMESTAMP", (s("2020-01-02"), lit("yyyy-MM-dd", S)), dt.datetime(2020, 1, 2), "TIMESTAMP(3)"),
    ("TO_TIMESTAMP", (s("02/01/2020 10:11"), lit("dd/MM/yyyy HH:mm", S)), dt.datetime(2020, 1, 2, 10, 11),
     "TIMESTAMP(3)"),
    ("TO_TIMESTAMP_LTZ", (Col(1700000000123, BIGINT()),), dt.datetime(2023, 11, 14, 22, 13, 20, 123000, UTC),
     "TIMESTAMP_LTZ(3)"),
    ("TO_TIMESTAMP_LTZ", (Col(1700000000, BIGINT()), lit(0, INT())), dt.datetime(2023, 11, 14, 22, 13, 20, 0, UTC),
     "TIMESTAMP_LTZ(3)"),
    ("TO_TIMESTAMP_LTZ", (s("2020-01-02 03:04:05"),), dt.datetime(2020, 1, 2, 3, 4, 5, 0, UTC), "TIMESTAMP_LTZ(3)"),
    ("TO_TIMESTAMP_LTZ", (s("2020-01-02 03:04:05"), lit("yyyy-MM-dd HH:mm:ss", S), lit("Asia/Shanghai", S)),
     dt.datetime(2020, 1, 1, 19, 4, 5, 0, UTC), "TIMESTAMP_LTZ(3)"),
    ("UNIX_TIMESTAMP", (s("2020-01-01 00:00:01"),), 1577836801, "BIGINT"),
    ("UNIX_TIMESTAMP", (s("2020/01/01"), lit("yyyy/MM/dd", S)), 1577836800, "BIGINT"),
    ("UNIX_TIMESTAMP", (s("xx"),), -9223372036854775808, "BIGINT"),
    ("FROM_UNIXTIME", (Col(1, BIGINT()),), "1970-01-01 00:00:01", "STRING"),
    ("FROM_UNIXTIME", (Col(86400, BIGINT()), lit("yyyy/MM/dd", S)), "1970/01/02", "STRING"),
    ("TIMESTAMPADD", (u("MONTH"), lit(1, INT()), ts(dt.datetime(2020, 1, 31, 10))), dt.datetime(2020, 2, 29, 10),
     "TIMESTAMP(3)"),
    ("TIMESTAMPADD", (u("HOUR"), lit(1, INT()), Col(dt.date(2020, 1, 1), DATE())), dt.datetime(2020, 1, 1, 1),
     "TIMESTAMP(3)"),
    ("TIMESTAMPADD", (u("DAY"), lit(1, INT()), Col(dt.date(2020, 1, 1), DATE())), dt.date(2020, 1, 2), "DATE"),
    ("TIMESTAMPADD", (u("QUARTER"), lit(-1, INT()), ts(dt.datetime(2020, 5, 1))), dt.datetime(2020, 2, 1),
     "TIMESTAMP(3)"),
    ("TIMESTAMPADD", (u("WEEK"), lit(1, INT()), ts(dt.datetime(2020, 5, 1))), dt.datetime(2020, 5, 8),
     "TIMESTAMP(3)"),
    ("TIMESTAMPDIFF", (u("MONTH"), Col(dt.date(2020, 1, 31), DATE()), Col(dt.date(2020, 2, 29), DATE())), 1, "INT"),
    ("TIMESTAMPDIFF", (u("MONTH"), Col(dt.date(2020, 3, 31), DATE()), Col(dt.date(2020, 1, 31), DATE())), -2,
     "INT"),
    ("TIMESTAMPDIFF", (u("YEAR"), ts(dt.datetime(2019, 6, 1)), ts(dt.datetime(2021, 5, 31))), 1, "INT"),
    ("TIMESTAMPDIFF", (u("HOUR"), ts(dt.datetime(2020, 1, 1, 10, 59)), ts(dt.datetime(2020, 1, 1, 9))), -1, "INT"),
    ("TIMESTAMPDIFF", (u("SECOND"), ts(dt.datetime(2020, 1, 1)), ts(dt.datetime(2020, 1, 1, 0, 1, 1, 500000))), 61,
     "INT"),
    ("TIMESTAMPDIFF", (u("DAY"), Col(dt.date(2020, 1, 1), DATE()), Col(dt.date(2020, 3, 1), DATE())), 60, "INT"),
    ("CONVERT_TZ", (s("2020-01-01 00:00:00"), lit("UTC", S), lit("Asia/Shanghai", S)), "2020-01-01 08:00:00",
     "STRING"),
]

NULL_CASES = [
    ("EXTRACT", (u("YEAR"), ts(None))), ("YEAR", (ts(None),)), ("QUARTER", (ts(None),)), ("MONTH", (ts(None),)),
    ("WEEK", (ts(None),)), ("DAYOFYEAR", (ts(None),)), ("DAYOFMONTH", (ts(None),)), ("DAYOFWEEK", (ts(None),)),
    ("HOUR", (ts(None),)), ("MINUTE", (ts(None),)), ("SECOND", (ts(None),)), ("FLOOR", (ts(None), u("DAY"))),
    ("CEIL", (ts(None), u("DAY"))), ("DATE_FORMAT", (ts(None), lit("yyyy", S))), ("TO_DATE", (s(None),)),
    ("TO_TIMESTAMP", (s(None),)), ("TO_TIMESTAMP_LTZ", (Col(None, BIGINT()),)), ("TO_TIMESTAMP_LTZ", (s(None),)),
    ("UNIX_TIMESTAMP", (s(None),)), ("FROM_UNIXTIME", (Col(None, BIGINT()),)),
    ("TIMESTAMPADD", (u("DAY"), Col(None, INT()), ts())), ("TIMESTAMPADD", (u("DAY"), lit(1, INT()), ts(None))),
    ("TIMESTAMPDIFF", (u("DAY"), ts(None), ts())), ("CONVERT_TZ", (s(None), lit("UTC", S), lit("UTC", S))),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_temporal_function(case):
    assert_case(*case)


@pytest.mark.parametrize("case", NULL_CASES, ids=case_id)
def test_temporal_null(case):
    op, args = case
    assert_case(op, args, None, None)


def test_current_time_functions():
    now = dt.datetime.now(UTC)
    value, t = evaluate("CURRENT_TIMESTAMP")
    assert abs((value - now).total_seconds()) < 60 and str(t) == "TIMESTAMP_LTZ(3) NOT NULL"
    value, t = evaluate("NOW")
    assert str(t) == "TIMESTAMP_LTZ(3) NOT NULL"
    value, t = evaluate("LOCALTIMESTAMP")
    assert abs((value - now.replace(tzinfo=None)).total_seconds()) < 60 and str(t) == "TIMESTAMP(3) NOT NULL"
    assert evaluate("CURRENT_DATE")[0] in (now.date(), (now - dt.timedelta(minutes=1)).date())
    assert str(evaluate("CURRENT_TIME")[1]) == "TIME(0) NOT NULL"
    assert str(evaluate("LOCALTIME")[1]) == "TIME(0) NOT NULL"
    assert str(evaluate("CURRENT_ROW_TIMESTAMP")[1]) == "TIMESTAMP_LTZ(3) NOT NULL"
    value, t = evaluate("UNIX_TIMESTAMP")
    assert abs(value - now.timestamp()) < 60 and str(t) == "BIGINT NOT NULL"


def test_current_time_functions_are_not_deterministic():
    from flowsql.planner.functions import registry

    for name in ("CURRENT_TIMESTAMP", "NOW", "LOCALTIMESTAMP", "CURRENT_DATE", "CURRENT_ROW_TIMESTAMP", "UUID",
                 "RAND"):
        assert not registry.find(name).deterministic


def test_unknown_unit_is_a_validation_error():
    from flowsql.common.errors import ValidationError

    with pytest.raises(ValidationError, match="unit"):
        evaluate("EXTRACT", u("FORTNIGHT"), ts())
    with pytest.raises(ValidationError, match="pattern letter"):
        evaluate("DATE_FORMAT", ts(), lit("yyyy QQQ", S))
