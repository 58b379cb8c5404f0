"""Array and map functions: values, Flink types and NULL handling."""

import pytest
from function_eval import Col, assert_case, case_id, evaluate, lit
from flowsql.common.types import ARRAY, BOOLEAN, INT, MAP, STRING

AI = ARRAY(INT())
AS = ARRAY(STRING())
MSI = MAP(STRING(), INT())


def a(v):
    return Col(v, AI)


def m(v):
    return Col(v, MSI)


def n(v):
    return lit(v, INT())


CASES = [
    ("CARDINALITY", (a([1, 2, None]),), 3, "INT"),
    ("CARDINALITY", (m([("a", 1)]),), 1, "INT"),
    ("ELEMENT", (a([7]),), 7, "INT"),
    ("ELEMENT", (a([]),), None, "INT"),
    ("ARRAY_CONTAINS", (a([1, None]), lit(None, INT())), True, "BOOLEAN"),
    ("ARRAY_CONTAINS", (a([1, None]), n(2)), False, "BOOLEAN"),
    ("ARRAY_CONTAINS", (a([1, 2]), n(2)), True, "BOOLEAN"),
    ("ARRAY_DISTINCT", (a([3, None, 1, 3, None]),), [3, None, 1], "ARRAY<INT>"),
    ("ARRAY_POSITION", (a([1, 2, 2]), n(2)), 2, "INT"),
    ("ARRAY_POSITION", (a([1, 2]), n(3)), 0, "INT"),
    ("ARRAY_REMOVE", (a([1, 2, 1, None]), n(1)), [2, None], "ARRAY<INT>"),
    ("ARRAY_REMOVE", (a([1, None]), lit(None, INT())), [1], "ARRAY<INT>"),
    ("ARRAY_REVERSE", (a([1, 2, 3]),), [3, 2, 1], "ARRAY<INT>"),
    ("ARRAY_SLICE", (a([1, 2, 3, 4]), n(2), n(3)), [2, 3], "ARRAY<INT>"),
    ("ARRAY_SLICE", (a([1, 2, 3, 4]), n(-3), n(-2)), [2, 3], "ARRAY<INT>"),
    ("ARRAY_SLICE", (a([1, 2, 3, 4]), n(3), n(1)), [], "ARRAY<INT>"),
    ("ARRAY_SLICE", (a([1, 2, 3, 4]), n(0)), [1, 2, 3, 4], "ARRAY<INT>"),
    ("ARRAY_SORT", (a([3, None, 1]),), [None, 1, 3], "ARRAY<INT>"),
    ("ARRAY_SORT", (a([3, None, 1]), lit(False, BOOLEAN())), [3, 1, None], "ARRAY<INT>"),
    ("ARRAY_SORT", (a([3, None, 1]), lit(True, BOOLEAN()), lit(False, BOOLEAN())), [1, 3, None], "ARRAY<INT>"),
    ("ARRAY_UNION", (a([1, 2, 2]), a([3, 1])), [1, 2, 3], "ARRAY<INT>"),
    ("ARRAY_CONCAT", (a([1]), a([2, None])), [1, 2, None], "ARRAY<INT>"),
    ("ARRAY_EXCEPT", (a([1, 2, 2, 3]), a([2])), [1, 3], "ARRAY<INT>"),
    ("ARRAY_INTERSECT", (a([1, 2, 2, 3]), a([2, 2, 5])), [2], "ARRAY<INT>"),
    ("ARRAY_MAX", (a([1, None, 3]),), 3, "INT"),
    ("ARRAY_MIN", (a([1, None, 3]),), 1, "INT"),
    ("ARRAY_MAX", (a([]),), None, "INT"),
    ("ARRAY_JOIN", (Col(["a", None, "b"], AS), lit(",", STRING())), "a,b", "STRING"),
    ("ARRAY_JOIN", (Col(["a", None, "b"], AS), lit(",", STRING()), lit("N", STRING())), "a,N,b", "STRING"),
    ("MAP_KEYS", (m([("a", 1), ("b", 2)]),), ["a", "b"], "ARRAY<STRING>"),
    ("MAP_VALUES", (m([("a", 1), ("b", 2)]),), [1, 2], "ARRAY<INT>"),
    ("MAP_ENTRIES", (m([("a", 1)]),), [{"key": "a", "value": 1}], "ARRAY<ROW<`key` STRING, `value` INT> NOT NULL>"),
    ("MAP_FROM_ARRAYS", (Col(["a", "b"], AS), a([1, 2])), [("a", 1), ("b", 2)], "MAP<STRING, INT>"),
    ("MAP_UNION", (m([("a", 1), ("b", 2)]), m([("a", 3)])), [("a", 3), ("b", 2)], "MAP<STRING, INT>"),
]

NULL_CASES = [
    ("CARDINALITY", (a(None),)), ("ELEMENT", (a(None),)), ("ARRAY_CONTAINS", (a(None), n(1))),
    ("ARRAY_DISTINCT", (a(None),)), ("ARRAY_POSITION", (a(None), n(1))), ("ARRAY_POSITION", (a([1]), lit(None, INT()))),
    ("ARRAY_REMOVE", (a(None), n(1))), ("ARRAY_REVERSE", (a(None),)), ("ARRAY_SLICE", (a(None), n(1))),
    ("ARRAY_SLICE", (a([1]), Col(None, INT()))), ("ARRAY_SORT", (a(None),)), ("ARRAY_UNION", (a([1]), a(None))),
    ("ARRAY_CONCAT", (a([1]), a(None))), ("ARRAY_EXCEPT", (a(None), a([1]))), ("ARRAY_INTERSECT", (a([1]), a(None))),
    ("ARRAY_MAX", (a(None),)), ("ARRAY_MIN", (a(None),)), ("ARRAY_JOIN", (Col(None, AS), lit(",", STRING()))),
    ("MAP_KEYS", (m(None),)), ("MAP_VALUES", (m(None),)), ("MAP_ENTRIES", (m(None),)),
    ("MAP_FROM_ARRAYS", (Col(None, AS), a([1]))), ("MAP_UNION", (m([("a", 1)]), m(None))),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_collection_function(case):
    assert_case(*case)


@pytest.mark.parametrize("case", NULL_CASES, ids=case_id)
def test_collection_null(case):
    assert_case(case[0], case[1], None, None)


def test_element_of_a_longer_array_is_an_error():
    from flowsql.common.errors import ExecutionError

    with pytest.raises(ExecutionError, match="ELEMENT"):
        evaluate("ELEMENT", a([1, 2]))
