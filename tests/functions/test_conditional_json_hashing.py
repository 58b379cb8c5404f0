"""Conditional, JSON and hash functions: values, Flink types and NULL handling."""

from decimal import Decimal

import pytest
from function_eval import Col, assert_case, call, case_id, evaluate, lit
from flowsql.common.types import BOOLEAN, BYTES, DECIMAL, DOUBLE, INT, NULL, STRING

S = STRING()


def s(v):
    return Col(v, S)


def t(v):
    return lit(v, S)


def n(v):
    return Col(v, INT())


DOC = '{"a":1,"b":{"c":[1,2]},"s":"x","n":null,"t":true}'

CASES = [
    ("COALESCE", (n(None), lit(2, INT())), 2, "INT NOT NULL"),
    ("COALESCE", (n(None), n(None)), None, "INT"),
    ("COALESCE", (n(1), lit(Decimal("2.5"), DECIMAL(2, 1))), Decimal("1.0"), "DECIMAL(11, 1) NOT NULL"),
    ("IFNULL", (n(None), lit(2, INT())), 2, "INT NOT NULL"),
    ("IFNULL", (n(5), lit(2, INT())), 5, "INT NOT NULL"),
    ("NULLIF", (n(1), lit(1, INT())), None, "INT"),
    ("NULLIF", (n(1), lit(2, INT())), 1, "INT"),
    ("IF", (Col(True, BOOLEAN()), lit(1, INT()), lit(Decimal("2.5"), DECIMAL(2, 1))), Decimal("1.0"),
     "DECIMAL(11, 1) NOT NULL"),
    ("IF", (Col(None, BOOLEAN()), lit("a", S), lit("b", S)), "b", "STRING NOT NULL"),
    ("TYPEOF", (n(1),), "INT", "STRING"),
    ("TYPEOF", (lit(1, INT()),), "INT NOT NULL", "STRING"),
    ("JSON_VALUE", (s(DOC), t("$.a")), "1", "STRING"),
    ("JSON_VALUE", (s(DOC), t("lax $.b.c[1]")), "2", "STRING"),
    ("JSON_VALUE", (s(DOC), t("$.s")), "x", "STRING"),
    ("JSON_VALUE", (s(DOC), t("$.t")), "true", "STRING"),
    ("JSON_VALUE", (s(DOC), t("$.b")), None, "STRING"),
    ("JSON_VALUE", (s(DOC), t("$.n")), None, "STRING"),
    ("JSON_VALUE", (s(DOC), t("$.zz")), None, "STRING"),
    ("JSON_VALUE", (s("not json"), t("$.a")), None, "STRING"),
    ("JSON_VALUE", (s(DOC), t("$.a"), t("INT")), 1, "INT"),
    ("JSON_VALUE", (s(DOC), t("$.a"), t("DOUBLE")), 1.0, "DOUBLE"),
    ("JSON_VALUE", (s(DOC), t("$.zz"), t("INT"), lit(-1, INT()), lit(-2, INT())), -1, "INT"),
    ("JSON_VALUE", (s(DOC), t("$.s"), t("INT"), lit(-1, INT()), lit(-2, INT())), -2, "INT"),
    ("JSON_QUERY", (s(DOC), t("$.b")), '{"c":[1,2]}', "STRING"),
    ("JSON_QUERY", (s(DOC), t("$.b.c")), "[1,2]", "STRING"),
    ("JSON_QUERY", (s(DOC), t("$.a")), None, "STRING"),
    ("JSON_QUERY", (s(DOC), t("$.a"), t("CONDITIONAL")), "[1]", "STRING"),
    ("JSON_QUERY", (s(DOC), t("$.b.c"), t("CONDITIONAL")), "[1,2]", "STRING"),
    ("JSON_QUERY", (s(DOC), t("$.b.c"), t("UNCONDITIONAL")), "[[1,2]]", "STRING"),
    ("JSON_QUERY", (s("nope"), t("$.a")), None, "STRING"),
    ("JSON_EXISTS", (s(DOC), t("$.b.c")), True, "BOOLEAN"),
    ("JSON_EXISTS", (s(DOC), t("$.zz")), False, "BOOLEAN"),
    ("JSON_EXISTS", (s("xx"), t("$.a")), False, "BOOLEAN"),
    ("IS_JSON", (s(DOC),), True, "BOOLEAN"),
    ("IS_JSON", (s("xx"),), False, "BOOLEAN"),
    ("IS_JSON", (s(DOC), t("OBJECT")), True, "BOOLEAN"),
    ("IS_JSON", (s(DOC), t("ARRAY")), False, "BOOLEAN"),
    ("IS_JSON", (s("1"), t("SCALAR")), True, "BOOLEAN"),
    ("JSON_STRING", (n(1),), "1", "STRING"),
    ("JSON_STRING", (s('a"b'),), '"a\\"b"', "STRING"),
    ("JSON_STRING", (Col(True, BOOLEAN()),), "true", "STRING"),
    ("JSON_STRING", (Col(Decimal("1.50"), DECIMAL(3, 2)),), "1.50", "STRING"),
    ("JSON_STRING", (Col(1.5, DOUBLE()),), "1.5", "STRING"),
    ("JSON_OBJECT", (t("a"), n(1), t("b"), n(None)), '{"a":1,"b":null}', "STRING NOT NULL"),
    ("JSON_OBJECT", (t("ABSENT ON NULL"), t("a"), n(1), t("b"), n(None)), '{"a":1}', "STRING NOT NULL"),
    ("JSON_OBJECT", (), "{}", "STRING NOT NULL"),
    ("JSON_ARRAY", (n(1), n(None), s("x")), '[1,"x"]', "STRING NOT NULL"),
    ("JSON_ARRAY", (t("NULL ON NULL"), n(1), n(None)), "[1,null]", "STRING NOT NULL"),
    ("JSON_QUOTE", (s('a"b\\c'),), '"a\\"b\\\\c"', "STRING"),
    ("JSON_UNQUOTE", (s('"a\\"b"'),), 'a"b', "STRING"),
    ("JSON_UNQUOTE", (s("abc"),), "abc", "STRING"),
    ("MD5", (s("a"),), "0cc175b9c0f1b6a831c399e269772661", "CHAR(32)"),
    ("MD5", (Col(b"a", BYTES()),), "0cc175b9c0f1b6a831c399e269772661", "CHAR(32)"),
    ("SHA1", (s("a"),), "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8", "CHAR(40)"),
    ("SHA256", (s("a"),), "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb", "CHAR(64)"),
    ("SHA2", (s("a"), lit(256, INT())), "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
     "VARCHAR(128)"),
]

NULL_CASES = [
    ("COALESCE", (n(None),), None), ("IFNULL", (n(None), n(None)), None), ("NULLIF", (n(None), n(1)), None),
    ("IF", (Col(None, BOOLEAN()), n(None), n(2)), 2), ("TYPEOF", (n(None),), "INT"),
    ("JSON_VALUE", (s(None), t("$.a")), None), ("JSON_QUERY", (s(None), t("$.a")), None),
    ("JSON_EXISTS", (s(None), t("$.a")), None), ("IS_JSON", (s(None),), None), ("JSON_STRING", (n(None),), None),
    ("JSON_QUOTE", (s(None),), None), ("JSON_UNQUOTE", (s(None),), None),
    ("MD5", (s(None),), None), ("SHA1", (s(None),), None), ("SHA256", (s(None),), None),
    ("SHA2", (s(None), lit(256, INT())), None), ("SHA2", (s("a"), n(None)), None),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_function(case):
    assert_case(*case)


@pytest.mark.parametrize("case", NULL_CASES, ids=case_id)
def test_null(case):
    assert_case(case[0], case[1], case[2], None)


def test_nested_json_constructors_are_inserted_as_json():
    inner = call("JSON_ARRAY", lit(1, INT()), lit(2, INT()))
    assert evaluate("JSON_OBJECT", t("a"), inner)[0] == '{"a":[1,2]}'


def test_json_functions_over_literals():
    assert evaluate("JSON_VALUE", t("not json"), t("$.a"))[0] is None
    assert evaluate("IS_JSON", lit(None, NULL()))[0] is None  # NULL IS JSON is NULL (FLINK-39943)


def test_unsupported_sha2_length_is_a_validation_error():
    from flowsql.common.errors import ValidationError

    with pytest.raises(ValidationError, match="SHA2 with bit length 512"):
        evaluate("SHA2", s("a"), lit(512, INT()))
