"""String functions: values and Flink types over literal and column inputs, and NULL propagation."""

import pytest
from function_eval import Col, assert_case, case_id, lit
from flowsql.common.types import BOOLEAN, BYTES, DOUBLE, INT, NULL, STRING

S = STRING()


def s(v):
    return Col(v, S)


def i(v):
    return lit(v, INT())


def t(v):
    return lit(v, S)


CASES = [
    ("CHAR_LENGTH", (s("héllo"),), 5, "INT"),
    ("CHARACTER_LENGTH", (t("ab"),), 2, "INT NOT NULL"),
    ("UPPER", (s("abc"),), "ABC", "STRING"),
    ("LOWER", (s("AbC"),), "abc", "STRING"),
    ("INITCAP", (s("hello-world foo_bar ÉCOLE x1y"),), "Hello-World Foo_Bar ÉCole X1y", "STRING"),
    ("POSITION", (t("b"), s("abcb")), 2, "INT"),
    ("POSITION", (t(""), s("abc")), 1, "INT"),
    ("LOCATE", (t("b"), s("abcb"), i(3)), 4, "INT"),
    ("LOCATE", (t("z"), s("abcb")), 0, "INT"),
    ("INSTR", (s("abcb"), t("b")), 2, "INT"),
    ("TRIM", (s("  x  "),), "x", "STRING"),
    ("TRIM", (s("abcba"), t("ab"), t("LEADING")), "cba", "STRING"),
    ("TRIM", (s("abcba"), t("ab"), t("TRAILING")), "abc", "STRING"),
    ("TRIM", (s("abcba"), t("ab"), t("BOTH")), "c", "STRING"),
    ("LTRIM", (s("  x "),), "x ", "STRING"),
    ("RTRIM", (s(" x  "),), " x", "STRING"),
    ("BTRIM", (s("xxaxx"), t("x")), "a", "STRING"),
    ("LPAD", (s("hi"), i(5), t("?!")), "?!?hi", "STRING"),
    ("LPAD", (s("hi"), i(1), t("?")), "h", "STRING"),
    ("LPAD", (s("hi"), i(-1), t("?")), None, "STRING"),
    ("RPAD", (s("hi"), i(5), t("?!")), "hi?!?", "STRING"),
    ("RPAD", (s("hi"), i(5), t("")), None, "STRING"),
    ("REPEAT", (s("ab"), i(3)), "ababab", "STRING"),
    ("REPEAT", (s("ab"), i(-1)), "", "STRING"),
    ("REPLACE", (s("hello"), t("l"), t("L")), "heLLo", "STRING"),
    ("REVERSE", (s("abc"),), "cba", "STRING"),
    ("SUBSTRING", (s("hello"), i(2), i(3)), "ell", "STRING"),
    ("SUBSTRING", (s("hello"), i(0), i(2)), "he", "STRING"),
    ("SUBSTRING", (s("hello"), i(-3)), "llo", "STRING"),
    ("SUBSTRING", (s("hello"), i(-10), i(2)), "", "STRING"),
    ("SUBSTR", (s("hello"), i(2), i(-1)), None, "STRING"),
    ("OVERLAY", (s("xxxxxtest"), t("xxxx"), i(6)), "xxxxxxxxx", "STRING"),
    ("OVERLAY", (s("xxxxxtest"), t("xxxx"), i(6), i(2)), "xxxxxxxxxst", "STRING"),
    ("CONCAT", (s("a"), t("b"), t("c")), "abc", "STRING"),
    ("CONCAT", (t("a"), t("b")), "ab", "STRING NOT NULL"),
    ("CONCAT", (s("a"), lit(None, S)), None, "STRING"),
    ("CONCAT_WS", (t(","), s("a"), lit(None, S), t("b")), "a,b", "STRING NOT NULL"),
    ("CONCAT_WS", (lit(None, S), s("a")), None, "STRING"),
    ("LEFT", (s("abc"), i(2)), "ab", "STRING"),
    ("LEFT", (s("abc"), i(-1)), "", "STRING"),
    ("RIGHT", (s("abc"), i(2)), "bc", "STRING"),
    ("SPLIT_INDEX", (s("a,b,c"), t(","), i(1)), "b", "STRING"),
    ("SPLIT_INDEX", (s("a,b,c"), t(","), i(5)), None, "STRING"),
    ("SPLIT_INDEX", (t("a,b"), t(","), i(0)), "a", "STRING"),
    ("SPLIT_INDEX", (s(""), t(","), i(0)), None, "STRING"),
    ("SPLIT", (s("a,b,,c"), t(",")), ["a", "b", "", "c"], "ARRAY<STRING>"),
    ("SPLIT", (s("abc"), t("")), ["a", "b", "c"], "ARRAY<STRING>"),
    ("REGEXP", (s("abc"), t("b.")), True, "BOOLEAN"),
    ("REGEXP_REPLACE", (s("abcb"), t("b"), t("x")), "axcx", "STRING"),
    ("REGEXP_REPLACE", (s("abc"), t("(b)"), t("[$1\\]")), "a[$1\\]c", "STRING"),
    ("REGEXP_EXTRACT", (s("foothebar"), t("foo(.*?)(bar)"), i(2)), "bar", "STRING"),
    ("REGEXP_EXTRACT", (s("a1b22c"), t("([a-z])(\\d+)")), "a1", "STRING"),
    ("REGEXP_EXTRACT", (s("abc"), t("x(.)"), i(1)), None, "STRING"),
    ("REGEXP_EXTRACT_ALL", (s("a1b22c"), t("([a-z])(\\d+)")), ["a", "b"], "ARRAY<STRING>"),
    ("REGEXP_EXTRACT_ALL", (s("a1b22c"), t("([a-z])(\\d+)"), i(2)), ["1", "22"], "ARRAY<STRING>"),
    ("REGEXP_COUNT", (s("abcab"), t("ab")), 2, "INT"),
    ("REGEXP_INSTR", (s("abcab"), t("ca")), 3, "INT"),
    ("REGEXP_INSTR", (s("aba"), t("a$")), 3, "INT"),
    ("REGEXP_INSTR", (s("abc"), t("x")), 0, "INT"),
    ("REGEXP_SUBSTR", (s("abcab"), t("c.")), "ca", "STRING"),
    ("REGEXP_SUBSTR", (s("abc"), t("x")), None, "STRING"),
    ("STR_TO_MAP", (s("a=1,b=2,a=3,c"),), [("b", "2"), ("a", "3"), ("c", None)], "MAP<STRING, STRING>"),
    ("STR_TO_MAP", (s("a:1;b:2"), t(";"), t(":")), [("a", "1"), ("b", "2")], "MAP<STRING, STRING>"),
    ("PARSE_URL", (s("http://user@host.com:8080/p/a?k=v&k2=v2#ref"), t("HOST")), "host.com", "STRING"),
    ("PARSE_URL", (s("http://user@host.com:8080/p/a?k=v&k2=v2#ref"), t("PATH")), "/p/a", "STRING"),
    ("PARSE_URL", (s("http://user@host.com:8080/p/a?k=v&k2=v2#ref"), t("QUERY")), "k=v&k2=v2", "STRING"),
    ("PARSE_URL", (s("http://user@host.com:8080/p/a?k=v&k2=v2#ref"), t("QUERY"), t("k2")), "v2", "STRING"),
    ("PARSE_URL", (s("http://user@host.com:8080/p/a?k=v&k2=v2#ref"), t("QUERY"), t("k3")), None, "STRING"),
    ("PARSE_URL", (s("http://user@host.com:8080/p/a?k=v&k2=v2#ref"), t("REF")), "ref", "STRING"),
    ("PARSE_URL", (s("http://user@host.com:8080/p/a?k=v&k2=v2#ref"), t("PROTOCOL")), "http", "STRING"),
    ("PARSE_URL", (s("http://user@host.com:8080/p/a?k=v&k2=v2#ref"), t("FILE")), "/p/a?k=v&k2=v2", "STRING"),
    ("PARSE_URL", (s("http://user@host.com:8080/p/a?k=v&k2=v2#ref"), t("AUTHORITY")), "user@host.com:8080",
     "STRING"),
    ("PARSE_URL", (s("http://user@host.com:8080/p/a?k=v&k2=v2#ref"), t("USERINFO")), "user", "STRING"),
    ("PARSE_URL", (s("http://host.com/p"), Col("HOST", S)), "host.com", "STRING"),
    ("URL_ENCODE", (s("a b*~é&"),), "a+b*%7E%C3%A9%26", "STRING"),
    ("URL_DECODE", (s("a+b%20c%C3%A9"),), "a b cé", "STRING"),
    ("URL_DECODE", (s("a%2"),), None, "STRING"),
    ("TO_BASE64", (s("hello"),), "aGVsbG8=", "STRING"),
    ("FROM_BASE64", (s("aGVsbG8="),), "hello", "STRING"),
    ("FROM_BASE64", (s("!!"),), None, "STRING"),
    ("ASCII", (s("abc"),), 97, "INT"),
    ("ASCII", (s(""),), 0, "INT"),
    ("CHR", (Col(65, INT()),), "A", "STRING"),
    ("CHR", (Col(321, INT()),), "A", "STRING"),
    ("HEX", (Col(100, INT()),), "64", "STRING"),
    ("HEX", (Col(-1, INT()),), "FFFFFFFFFFFFFFFF", "STRING"),
    ("HEX", (s("hello"),), "68656C6C6F", "STRING"),
    ("UNHEX", (s("6162"),), b"ab", "BYTES"),
    ("UNHEX", (s("zz"),), None, "BYTES"),
    ("BIN", (Col(12, INT()),), "1100", "STRING"),
    ("STARTSWITH", (s("abc"), t("ab")), True, "BOOLEAN"),
    ("STARTSWITH", (s("abc"), t("")), True, "BOOLEAN"),
    ("ENDSWITH", (s("abc"), t("ab")), False, "BOOLEAN"),
    ("STARTSWITH", (Col(b"abc", BYTES()), lit(b"ab", BYTES())), True, "BOOLEAN"),
    ("TRANSLATE", (s("abcabc"), t("ab"), t("x")), "xcxc", "STRING"),
    ("ELT", (Col(2, INT()), t("a"), t("b")), "b", "STRING"),
    ("ELT", (Col(3, INT()), t("a"), t("b")), None, "STRING"),
    ("PRINTF", (t("%s-%d-%.2f-%b"), s("x"), Col(5, INT()), lit(1.5, DOUBLE()), lit(True, BOOLEAN())),
     "x-5-1.50-true", "STRING NOT NULL"),
    ("IS_ALPHA", (s("abcé"),), True, "BOOLEAN NOT NULL"),
    ("IS_ALPHA", (s("ab1"),), False, "BOOLEAN NOT NULL"),
    ("IS_DIGIT", (s("123"),), True, "BOOLEAN NOT NULL"),
    ("IS_DIGIT", (s(""),), False, "BOOLEAN NOT NULL"),
    ("IS_DECIMAL", (s("-1.5e3"),), True, "BOOLEAN NOT NULL"),
    ("IS_DECIMAL", (s("1.5x"),), False, "BOOLEAN NOT NULL"),
]

# Every function with NULL in its first argument (a column): NULL, except where Flink says otherwise.
NULL_CASES = [
    ("CHAR_LENGTH", (s(None),), None), ("UPPER", (s(None),), None), ("LOWER", (s(None),), None),
    ("INITCAP", (s(None),), None), ("POSITION", (s(None), t("a")), None), ("LOCATE", (s(None), t("a")), None),
    ("INSTR", (s(None), t("a")), None), ("TRIM", (s(None),), None), ("LTRIM", (s(None),), None),
    ("RTRIM", (s(None),), None), ("BTRIM", (s(None),), None), ("LPAD", (s(None), i(3), t("x")), None),
    ("RPAD", (s(None), i(3), t("x")), None), ("REPEAT", (s(None), i(2)), None),
    ("REPLACE", (s(None), t("a"), t("b")), None), ("REVERSE", (s(None),), None),
    ("SUBSTRING", (s(None), i(1)), None), ("SUBSTRING", (s("abc"), Col(None, INT())), None),
    ("OVERLAY", (s(None), t("x"), i(1)), None), ("CONCAT", (s(None), t("x")), None),
    ("CONCAT_WS", (t(","), s(None)), ""), ("LEFT", (s(None), i(1)), None), ("RIGHT", (s(None), i(1)), None),
    ("SPLIT_INDEX", (s(None), t(","), i(0)), None), ("SPLIT", (s(None), t(",")), None),
    ("REGEXP", (s(None), t("a")), None), ("REGEXP_REPLACE", (s(None), t("a"), t("b")), None),
    ("REGEXP_EXTRACT", (s(None), t("a")), None), ("REGEXP_EXTRACT_ALL", (s(None), t("a")), None),
    ("REGEXP_COUNT", (s(None), t("a")), None), ("REGEXP_INSTR", (s(None), t("a")), None),
    ("REGEXP_SUBSTR", (s(None), t("a")), None), ("STR_TO_MAP", (s(None),), None),
    ("PARSE_URL", (s(None), t("HOST")), None), ("URL_ENCODE", (s(None),), None), ("URL_DECODE", (s(None),), None),
    ("TO_BASE64", (s(None),), None), ("FROM_BASE64", (s(None),), None), ("ASCII", (s(None),), None),
    ("CHR", (Col(None, INT()),), None), ("HEX", (s(None),), None), ("UNHEX", (s(None),), None),
    ("BIN", (Col(None, INT()),), None), ("STARTSWITH", (s(None), t("a")), None),
    ("ENDSWITH", (s(None), t("a")), None), ("TRANSLATE", (s(None), t("a"), t("b")), None),
    ("ELT", (Col(None, INT()), t("a")), None), ("PRINTF", (t("%s"), s(None)), "null"),
    ("IS_ALPHA", (s(None),), False), ("IS_DIGIT", (s(None),), False), ("IS_DECIMAL", (s(None),), False),
    ("UPPER", (lit(None, NULL()),), None), ("CONCAT", (lit(None, NULL()), t("a")), None),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_string_function(case):
    op, args, expected, type_text = case
    assert_case(op, args, expected, type_text)


@pytest.mark.parametrize("case", NULL_CASES, ids=case_id)
def test_string_null(case):
    op, args, expected = case
    assert_case(op, args, expected, None)


def test_uuid_is_random_and_typed():
    from function_eval import evaluate

    first, t = evaluate("UUID")
    second, _ = evaluate("UUID")
    assert len(first) == 36 and first != second and str(t) == "CHAR(36) NOT NULL"


def test_wrong_argument_type_is_a_validation_error():
    from function_eval import evaluate
    from flowsql.common.errors import ValidationError

    with pytest.raises(ValidationError, match="UPPER expects a string"):
        evaluate("UPPER", Col(1, INT()))
    with pytest.raises(ValidationError, match="TRIM expects the mode"):
        evaluate("TRIM", s("x"), t(" "), t("MIDDLE"))


def test_string_results_over_literals_match_columns():
    from function_eval import evaluate

    assert evaluate("SUBSTRING", t("hello"), i(-3))[0] == "llo"
    assert evaluate("REGEXP_EXTRACT", t("abc"), t("x(.)"), i(1))[0] is None
    assert evaluate("SPLIT_INDEX", t("a,b"), t(","), i(1))[0] == "b"
