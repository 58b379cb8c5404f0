"""String functions of Flink SQL, translated to DuckDB.

Calling conventions for SQL's special syntax (the binder produces these calls):
  - ``POSITION(a IN b)``                 → ``POSITION(a, b)``
  - ``TRIM([BOTH|LEADING|TRAILING] [c] FROM s)`` → ``TRIM(s, c, mode)`` with ``c`` defaulting to
    ``' '`` and ``mode`` a string literal ``'BOTH'``/``'LEADING'``/``'TRAILING'``; ``TRIM(s)`` and
    ``TRIM(s, c)`` trim both ends.
  - ``SUBSTRING(s FROM p [FOR n])``      → ``SUBSTRING(s, p [, n])``
  - ``OVERLAY(s PLACING r FROM p [FOR n])`` → ``OVERLAY(s, r, p [, n])``
Flink's regular expressions are Java's; DuckDB's are RE2, which agree on the common syntax (no
back-references or look-around). REGEXP_REPLACE inserts its replacement literally, as Flink 2 does.
"""

from __future__ import annotations

import re

from flowsql.common.errors import ValidationError
from flowsql.common.types import ARRAY, BOOLEAN, BYTES, CHAR, INT, MAP, STRING, DataType, common_type
from flowsql.planner.functions._types import (
    any_nullable,
    as_varchar,
    expect,
    expect_all,
    is_binaryish,
    is_integerish,
    is_numericish,
    is_stringish,
    literal,
    returns,
    sql_string,
    type_name,
)
from flowsql.planner.functions.registry import scalar

_STRING = "a string"
_INTEGER = "an integer"


def _strings(fn: str, types, count: int | None = None) -> None:
    expect_all(fn, types[:count] if count else types, is_stringish, _STRING)


def _string_result(types, exprs) -> DataType:
    return STRING(any_nullable(types))


def _same_string_type(types, exprs) -> DataType:
    t = types[0]
    return t.with_nullable(any_nullable(types)) if t.is_string else STRING(any_nullable(types))


def _checked(fn: str, infer, string_args: int | None = None, int_args: tuple[int, ...] = ()):
    """Wrap an infer rule with the argument checks most string functions share."""

    def check(types, exprs):
        for i, t in enumerate(types):
            if i in int_args:
                expect(fn, types, i, is_integerish, _INTEGER)
            elif string_args is None or i < string_args:
                expect(fn, types, i, is_stringish, _STRING)
        return infer(types, exprs)

    return check


# -- length, case -------------------------------------------------------------------------

@scalar("CHAR_LENGTH", "CHARACTER_LENGTH", infer=_checked("CHAR_LENGTH", returns(INT)), min_args=1,
        max_args=1, category="string", signature="CHAR_LENGTH(string)",
        description="Number of characters in the string.")
def _char_length(a, t, r, e):
    return f"CAST(length({as_varchar(a[0], t[0])}) AS INTEGER)"


@scalar("UPPER", infer=_checked("UPPER", _same_string_type), min_args=1, max_args=1, category="string",
        signature="UPPER(string)", description="The string in upper case.")
def _upper(a, t, r, e):
    return f"upper({as_varchar(a[0], t[0])})"


@scalar("LOWER", infer=_checked("LOWER", _same_string_type), min_args=1, max_args=1, category="string",
        signature="LOWER(string)", description="The string in lower case.")
def _lower(a, t, r, e):
    return f"lower({as_varchar(a[0], t[0])})"


@scalar("INITCAP", infer=_checked("INITCAP", _same_string_type), min_args=1, max_args=1,
        category="string", signature="INITCAP(string)",
        description="First letter of each word upper case, the rest lower case (words are runs of "
                    "ASCII letters and digits).")
def _initcap(a, t, r, e):
    # Flink (Calcite's initcap) treats only [A-Za-z0-9] as word characters.
    s = as_varchar(a[0], t[0])
    return (f"array_to_string(list_transform(regexp_extract_all({s}, '[A-Za-z0-9]+|[^A-Za-z0-9]+'), "
            "lambda w: CASE WHEN regexp_matches(w, '^[A-Za-z0-9]') THEN upper(w[1]) || lower(w[2:]) "
            "ELSE w END), '')")


# -- searching ------------------------------------------------------------------------------

@scalar("POSITION", infer=_checked("POSITION", returns(INT)), min_args=2, max_args=2, category="string",
        signature="POSITION(needle IN haystack)",
        description="1-based position of the first occurrence of needle in haystack, 0 if absent.")
def _position(a, t, r, e):
    return f"CAST(strpos({as_varchar(a[1], t[1])}, {as_varchar(a[0], t[0])}) AS INTEGER)"


def _locate_sql(haystack: str, needle: str, start: str | None) -> str:
    if start is None:
        return f"CAST(strpos({haystack}, {needle}) AS INTEGER)"
    found = f"strpos(substr({haystack}, {start}), {needle})"
    return (f"CAST(CASE WHEN {start} < 1 THEN 0 WHEN {found} = 0 THEN 0 "
            f"ELSE {found} + {start} - 1 END AS INTEGER)")


@scalar("LOCATE", infer=_checked("LOCATE", returns(INT), string_args=2, int_args=(2,)), min_args=2,
        max_args=3, category="string", signature="LOCATE(needle, haystack [, start])",
        description="1-based position of needle in haystack at or after start, 0 if absent.")
def _locate(a, t, r, e):
    return _locate_sql(as_varchar(a[1], t[1]), as_varchar(a[0], t[0]), a[2] if len(a) > 2 else None)


@scalar("INSTR", infer=_checked("INSTR", returns(INT)), min_args=2, max_args=2, category="string",
        signature="INSTR(string, substring)",
        description="1-based position of the first occurrence of substring in string, 0 if absent.")
def _instr(a, t, r, e):
    return f"CAST(strpos({as_varchar(a[0], t[0])}, {as_varchar(a[1], t[1])}) AS INTEGER)"


@scalar("STARTSWITH", infer=lambda t, e: _starts_infer("STARTSWITH", t), min_args=2, max_args=2,
        category="string", signature="STARTSWITH(expr, prefix)",
        description="Whether expr (string or bytes) starts with prefix.")
def _startswith(a, t, r, e):
    if is_binaryish(t[0]) and not is_stringish(t[0]):
        return f"(hex({a[0]}) LIKE hex({a[1]}) || '%')"
    return f"starts_with({as_varchar(a[0], t[0])}, {as_varchar(a[1], t[1])})"


@scalar("ENDSWITH", infer=lambda t, e: _starts_infer("ENDSWITH", t), min_args=2, max_args=2,
        category="string", signature="ENDSWITH(expr, suffix)",
        description="Whether expr (string or bytes) ends with suffix.")
def _endswith(a, t, r, e):
    if is_binaryish(t[0]) and not is_stringish(t[0]):
        return f"(hex({a[0]}) LIKE '%' || hex({a[1]}))"
    return f"ends_with({as_varchar(a[0], t[0])}, {as_varchar(a[1], t[1])})"


def _starts_infer(fn: str, types) -> DataType:
    if not (all(is_stringish(x) for x in types) or all(is_binaryish(x) for x in types)):
        raise ValidationError(
            f"function {fn} expects two strings or two byte strings, found "
            f"{', '.join(type_name(x) for x in types)}", hint="CAST both arguments to STRING")
    return BOOLEAN(any_nullable(types))


# -- trimming and padding -------------------------------------------------------------------

_TRIM_MODES = {"BOTH": "trim", "LEADING": "ltrim", "TRAILING": "rtrim"}


def _trim_infer(types, exprs) -> DataType:
    _strings("TRIM", types, 2)
    if len(types) > 2:
        is_lit, mode = literal(exprs, 2)
        if not is_lit or str(mode).upper() not in _TRIM_MODES:
            raise ValidationError("function TRIM expects the mode 'BOTH', 'LEADING' or 'TRAILING' "
                                  "as a string literal in argument 3")
    return _same_string_type(types[:2], exprs)


@scalar("TRIM", infer=_trim_infer, min_args=1, max_args=3, category="string",
        signature="TRIM([BOTH | LEADING | TRAILING] [chars] FROM string)",
        description="Removes the given characters (default space) from the ends of the string.")
def _trim(a, t, r, e):
    fn = _TRIM_MODES[str(e[2].value).upper()] if len(a) > 2 else "trim"
    chars = as_varchar(a[1], t[1]) if len(a) > 1 else "' '"
    return f"{fn}({as_varchar(a[0], t[0])}, {chars})"


def _make_trim(name: str, duck: str, what: str) -> None:
    @scalar(name, infer=_checked(name, _same_string_type), min_args=1, max_args=2, category="string",
            signature=f"{name}(string [, chars])",
            description=f"Removes the given characters (default space) from {what} of the string.")
    def _translate(a, t, r, e):
        chars = as_varchar(a[1], t[1]) if len(a) > 1 else "' '"
        return f"{duck}({as_varchar(a[0], t[0])}, {chars})"


_make_trim("LTRIM", "ltrim", "the start")
_make_trim("RTRIM", "rtrim", "the end")
_make_trim("BTRIM", "trim", "both ends")


def _pad(fn: str):
    def translate(a, t, r, e):
        s, pad = as_varchar(a[0], t[0]), as_varchar(a[2], t[2])
        # Flink: a negative length or an empty pad gives NULL; a shorter length truncates.
        return (f"CASE WHEN {a[1]} < 0 THEN NULL WHEN {pad} = '' AND length({s}) < {a[1]} THEN NULL "
                f"ELSE {fn}({s}, CAST({a[1]} AS INTEGER), {pad}) END")

    return translate


scalar("LPAD", infer=_checked("LPAD", returns(STRING, force_nullable=True), int_args=(1,)), min_args=3,
       max_args=3, category="string", signature="LPAD(string, length, pad)",
       description="The string left-padded with pad (or truncated) to length characters.")(_pad("lpad"))
scalar("RPAD", infer=_checked("RPAD", returns(STRING, force_nullable=True), int_args=(1,)), min_args=3,
       max_args=3, category="string", signature="RPAD(string, length, pad)",
       description="The string right-padded with pad (or truncated) to length characters.")(_pad("rpad"))


@scalar("REPEAT", infer=_checked("REPEAT", _string_result, int_args=(1,)), min_args=2, max_args=2,
        category="string", signature="REPEAT(string, times)",
        description="The string repeated times times ('' when times <= 0).")
def _repeat(a, t, r, e):
    return f"repeat({as_varchar(a[0], t[0])}, CAST({a[1]} AS BIGINT))"


@scalar("REPLACE", infer=_checked("REPLACE", _string_result), min_args=3, max_args=3, category="string",
        signature="REPLACE(string, search, replacement)",
        description="Replaces every occurrence of search in the string.")
def _replace(a, t, r, e):
    return f"replace({as_varchar(a[0], t[0])}, {as_varchar(a[1], t[1])}, {as_varchar(a[2], t[2])})"


@scalar("REVERSE", infer=_checked("REVERSE", _string_result), min_args=1, max_args=1, category="string",
        signature="REVERSE(string)", description="The characters of the string in reverse order.")
def _reverse(a, t, r, e):
    return f"reverse({as_varchar(a[0], t[0])})"


# -- substrings -------------------------------------------------------------------------------

def _substring_sql(s: str, pos: str, length: str | None) -> str:
    # Flink: position 0 means 1; a negative position counts from the end (and before the start
    # gives ''); a negative length gives NULL.
    start = (f"CASE WHEN {pos} > 0 THEN {pos} WHEN {pos} = 0 THEN 1 "
             f"WHEN length({s}) + {pos} < 0 THEN length({s}) + 1 ELSE length({s}) + {pos} + 1 END")
    if length is None:
        return f"substr({s}, {start})"
    return f"CASE WHEN {length} < 0 THEN NULL ELSE substr({s}, {start}, {length}) END"


@scalar("SUBSTRING", "SUBSTR", infer=_checked("SUBSTRING", _string_result, int_args=(1, 2)), min_args=2,
        max_args=3, category="string", signature="SUBSTRING(string FROM start [FOR length])",
        description="Substring from 1-based start (negative: from the end) of the given length.")
def _substring(a, t, r, e):
    return _substring_sql(as_varchar(a[0], t[0]), a[1], a[2] if len(a) > 2 else None)


@scalar("OVERLAY", infer=_checked("OVERLAY", _string_result, string_args=2, int_args=(2, 3)), min_args=3,
        max_args=4, category="string", signature="OVERLAY(string PLACING replacement FROM start [FOR length])",
        description="Replaces length characters (default: the replacement's length) from start.")
def _overlay(a, t, r, e):
    s, rep = as_varchar(a[0], t[0]), as_varchar(a[1], t[1])
    length = a[3] if len(a) > 3 else f"length({rep})"
    return f"(substr({s}, 1, {a[2]} - 1) || {rep} || substr({s}, {a[2]} + {length}))"


def _left_right(fn: str):
    def translate(a, t, r, e):
        return f"CASE WHEN {a[1]} < 0 THEN '' ELSE {fn}({as_varchar(a[0], t[0])}, CAST({a[1]} AS BIGINT)) END"

    return translate


scalar("LEFT", infer=_checked("LEFT", _string_result, int_args=(1,)), min_args=2, max_args=2,
       category="string", signature="LEFT(string, length)",
       description="The leftmost length characters ('' when length is negative).")(_left_right("left"))
scalar("RIGHT", infer=_checked("RIGHT", _string_result, int_args=(1,)), min_args=2, max_args=2,
       category="string", signature="RIGHT(string, length)",
       description="The rightmost length characters ('' when length is negative).")(_left_right("right"))


@scalar("SPLIT_INDEX", infer=_checked("SPLIT_INDEX", returns(STRING, force_nullable=True), int_args=(2,)),
        min_args=3, max_args=3, category="string", signature="SPLIT_INDEX(string, separator, index)",
        description="The 0-based index-th field of the string split by separator; NULL if out of range.")
def _split_index(a, t, r, e):
    s, sep = as_varchar(a[0], t[0]), as_varchar(a[1], t[1])
    return (f"CASE WHEN {a[2]} < 0 OR {s} = '' THEN NULL "
            f"ELSE string_split({s}, {sep})[CAST({a[2]} AS BIGINT) + 1] END")


@scalar("SPLIT", infer=_checked("SPLIT", lambda t, e: ARRAY(STRING(), any_nullable(t))), min_args=2,
        max_args=2, category="string", signature="SPLIT(string, delimiter)",
        description="Array of the parts of the string between delimiters (characters if it is '').")
def _split(a, t, r, e):
    return f"string_split({as_varchar(a[0], t[0])}, {as_varchar(a[1], t[1])})"


# -- concatenation --------------------------------------------------------------------------

def _concat_infer(types, exprs) -> DataType:
    if all(is_binaryish(x) for x in types) and not all(is_stringish(x) for x in types):
        return BYTES(any_nullable(types))
    _strings("CONCAT", types)
    return STRING(any_nullable(types))


@scalar("CONCAT", infer=_concat_infer, min_args=1, category="string", signature="CONCAT(string1, ...)",
        description="Concatenation of the arguments; NULL if any argument is NULL.")
def _concat(a, t, r, e):
    if r.name == "VARBINARY":
        return "(" + " || ".join(a) + ")"
    return "(" + " || ".join(as_varchar(x, y) for x, y in zip(a, t)) + ")"


def _concat_ws_infer(types, exprs) -> DataType:
    _strings("CONCAT_WS", types)
    return STRING(types[0].nullable)


@scalar("CONCAT_WS", infer=_concat_ws_infer, min_args=2, category="string",
        signature="CONCAT_WS(separator, string1, ...)",
        description="The strings joined by separator, skipping NULLs; NULL if the separator is NULL.")
def _concat_ws(a, t, r, e):
    return f"concat_ws({', '.join(as_varchar(x, y) for x, y in zip(a, t))})"


# -- regular expressions ----------------------------------------------------------------------

def _literal_replacement(sql: str) -> str:
    """Flink inserts the replacement literally; RE2 reads backslashes in it as group references."""
    return f"replace({sql}, '\\', '\\\\')"


@scalar("REGEXP", infer=_checked("REGEXP", returns(BOOLEAN)), min_args=2, max_args=2, category="string",
        signature="REGEXP(string, regex)", description="Whether any substring matches the Java regex.")
def _regexp(a, t, r, e):
    return f"regexp_matches({as_varchar(a[0], t[0])}, {as_varchar(a[1], t[1])})"


@scalar("REGEXP_REPLACE", infer=_checked("REGEXP_REPLACE", _string_result), min_args=3, max_args=3,
        category="string", signature="REGEXP_REPLACE(string, regex, replacement)",
        description="Replaces every match of regex with the replacement text (taken literally).")
def _regexp_replace(a, t, r, e):
    rep = _literal_replacement(as_varchar(a[2], t[2]))
    return f"regexp_replace({as_varchar(a[0], t[0])}, {as_varchar(a[1], t[1])}, {rep}, 'g')"


def _group_literal(fn: str, e, index: int, default: int) -> int:
    if len(e) <= index:
        return default
    is_lit, value = literal(e, index)
    if not is_lit or not isinstance(value, int) or value < 0:
        raise ValidationError(f"function {fn} expects a non-negative integer literal as the group index",
                              hint=f"write the group as a constant, e.g. {fn}(s, regex, 1)")
    return value


@scalar("REGEXP_EXTRACT", infer=_checked("REGEXP_EXTRACT", returns(STRING, force_nullable=True),
                                         string_args=2, int_args=(2,)),
        min_args=2, max_args=3, category="string", signature="REGEXP_EXTRACT(string, regex [, group])",
        description="Group (default 0: the whole match) of the first match; NULL when nothing matches.")
def _regexp_extract(a, t, r, e):
    s, rx = as_varchar(a[0], t[0]), as_varchar(a[1], t[1])
    group = _group_literal("REGEXP_EXTRACT", e, 2, 0)
    return f"CASE WHEN regexp_matches({s}, {rx}) THEN regexp_extract({s}, {rx}, {group}) END"


@scalar("REGEXP_EXTRACT_ALL", infer=_checked("REGEXP_EXTRACT_ALL", lambda t, e: ARRAY(STRING(), any_nullable(t)),
                                             string_args=2, int_args=(2,)),
        min_args=2, max_args=3, category="string", signature="REGEXP_EXTRACT_ALL(string, regex [, group])",
        description="Group (default 1) of every match, as an array.")
def _regexp_extract_all(a, t, r, e):
    group = _group_literal("REGEXP_EXTRACT_ALL", e, 2, 1)
    return f"regexp_extract_all({as_varchar(a[0], t[0])}, {as_varchar(a[1], t[1])}, {group})"


@scalar("REGEXP_COUNT", infer=_checked("REGEXP_COUNT", returns(INT)), min_args=2, max_args=2,
        category="string", signature="REGEXP_COUNT(string, regex)",
        description="Number of matches of regex in the string.")
def _regexp_count(a, t, r, e):
    return f"CAST(len(regexp_extract_all({as_varchar(a[0], t[0])}, {as_varchar(a[1], t[1])})) AS INTEGER)"


@scalar("REGEXP_INSTR", infer=_checked("REGEXP_INSTR", returns(INT)), min_args=2, max_args=2,
        category="string", signature="REGEXP_INSTR(string, regex)",
        description="1-based position of the first match of regex, 0 if none.")
def _regexp_instr(a, t, r, e):
    s, rx = as_varchar(a[0], t[0]), as_varchar(a[1], t[1])
    # The shortest prefix after which the regex matches gives the match's start.
    prefix = f"regexp_extract({s}, '(?s)^(.*?)(?:' || {rx} || ')', 1)"
    return (f"CAST(CASE WHEN regexp_matches({s}, {rx}) THEN length({prefix}) + 1 "
            f"WHEN {s} IS NOT NULL AND {rx} IS NOT NULL THEN 0 END AS INTEGER)")


@scalar("REGEXP_SUBSTR", infer=_checked("REGEXP_SUBSTR", returns(STRING, force_nullable=True)), min_args=2,
        max_args=2, category="string", signature="REGEXP_SUBSTR(string, regex)",
        description="The first substring matching regex; NULL if none.")
def _regexp_substr(a, t, r, e):
    s, rx = as_varchar(a[0], t[0]), as_varchar(a[1], t[1])
    return f"CASE WHEN regexp_matches({s}, {rx}) THEN regexp_extract({s}, {rx}) END"


@scalar("STR_TO_MAP", infer=_checked("STR_TO_MAP", lambda t, e: MAP(STRING(), STRING(), any_nullable(t))),
        min_args=1, max_args=3, category="string",
        signature="STR_TO_MAP(string [, pair_delimiter [, key_value_delimiter]])",
        description="Map from splitting into pairs by pair_delimiter (default ',') and each pair by "
                    "key_value_delimiter (default '='); both are regexes; a later key wins.")
def _str_to_map(a, t, r, e):
    s = as_varchar(a[0], t[0])
    pairs = as_varchar(a[1], t[1]) if len(a) > 1 else "','"
    kv = as_varchar(a[2], t[2]) if len(a) > 2 else "'='"
    head = f"regexp_extract(p, '(?s)^(.*?(?:' || {kv} || '))', 1)"
    entry = (f"lambda p: CASE WHEN regexp_matches(p, {kv}) "
             f"THEN {{'k': regexp_extract(p, '(?s)^(.*?)(?:' || {kv} || ')', 1), "
             f"'v': substr(p, length({head}) + 1)}} ELSE {{'k': p, 'v': NULL::VARCHAR}} END")
    entries = f"list_transform(string_split_regex({s}, {pairs}), {entry})"
    # Java's map keeps the last value of a repeated key; DuckDB's map rejects duplicates.
    last = "lambda x, i: NOT list_contains(list_transform(es[i + 1:], lambda y: y.k), x.k)"
    # list_transform over a one-element list binds the entries once (a "let").
    return (f"CASE WHEN {pairs} IS NULL OR {kv} IS NULL THEN NULL ELSE "
            f"list_transform([{entries}], lambda es: map_from_entries(list_filter(es, {last})))[1] END")


# -- URLs and encodings -----------------------------------------------------------------------

_URL = r"'^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?'"


def _url_part(url: str, part: str) -> str:
    def g(n: int) -> str:
        return f"regexp_extract({url}, {_URL}, {n})"

    matched = f"regexp_matches({url}, {_URL})"
    authority = f"CASE WHEN {g(3)} <> '' THEN {g(4)} END"
    host = f"regexp_extract({authority}, '^(?:[^@]*@)?(\\[[^\\]]*\\]|[^:]*)', 1)"
    query = f"CASE WHEN {g(6)} <> '' THEN {g(7)} END"
    parts = {
        "HOST": host,
        "PATH": g(5),
        "QUERY": query,
        "REF": f"CASE WHEN {g(8)} <> '' THEN {g(9)} END",
        "PROTOCOL": f"CASE WHEN {g(1)} <> '' THEN {g(2)} END",
        "FILE": f"{g(5)} || coalesce('?' || {query}, '')",
        "AUTHORITY": authority,
        "USERINFO": f"CASE WHEN {authority} LIKE '%@%' THEN regexp_extract({authority}, '^([^@]*)@', 1) END",
    }
    if part.upper() not in parts:
        raise ValidationError(f"PARSE_URL does not know the part '{part}'",
                              hint="use HOST, PATH, QUERY, REF, PROTOCOL, FILE, AUTHORITY or USERINFO")
    return f"CASE WHEN {matched} THEN {parts[part.upper()]} END"


@scalar("PARSE_URL", infer=_checked("PARSE_URL", returns(STRING, force_nullable=True)), min_args=2,
        max_args=3, category="string", signature="PARSE_URL(url, part [, key])",
        description="A part of the URL (HOST, PATH, QUERY, REF, PROTOCOL, FILE, AUTHORITY, USERINFO), "
                    "or the value of query parameter key.")
def _parse_url(a, t, r, e):
    url = as_varchar(a[0], t[0])
    is_lit, part = literal(e, 1)
    if is_lit and part is None:
        return "CAST(NULL AS VARCHAR)"
    if len(a) > 2:
        query = _url_part(url, "QUERY")
        key = as_varchar(a[2], t[2])
        rx = f"'(?:^|&)' || {key} || '=([^&]*)'"
        value = f"CASE WHEN regexp_matches({query}, {rx}) THEN regexp_extract({query}, {rx}, 1) END"
        if is_lit:
            return value if str(part).upper() == "QUERY" else "CAST(NULL AS VARCHAR)"
        return f"CASE WHEN upper({a[1]}) = 'QUERY' THEN {value} END"
    if is_lit:
        return _url_part(url, str(part))
    names = ("HOST", "PATH", "QUERY", "REF", "PROTOCOL", "FILE", "AUTHORITY", "USERINFO")
    whens = " ".join(f"WHEN '{n}' THEN {_url_part(url, n)}" for n in names)
    return f"CASE upper({a[1]}) {whens} END"


@scalar("URL_ENCODE", infer=_checked("URL_ENCODE", returns(STRING, force_nullable=True)), min_args=1,
        max_args=1, category="string", signature="URL_ENCODE(string)",
        description="application/x-www-form-urlencoded form of the string (like Java's URLEncoder).")
def _url_encode(a, t, r, e):
    # Java keeps '*', encodes '~' and writes a space as '+'.
    return (f"replace(replace(replace(url_encode({as_varchar(a[0], t[0])}), '%20', '+'), '%2A', '*'), "
            f"'~', '%7E')")


@scalar("URL_DECODE", infer=_checked("URL_DECODE", returns(STRING, force_nullable=True)), min_args=1,
        max_args=1, category="string", signature="URL_DECODE(string)",
        description="Decodes application/x-www-form-urlencoded text ('+' is a space); NULL if malformed.")
def _url_decode(a, t, r, e):
    s = as_varchar(a[0], t[0])
    valid = f"NOT regexp_matches({s}, '%([^0-9A-Fa-f]|.[^0-9A-Fa-f]|.?$)')"
    return f"CASE WHEN {valid} THEN url_decode(replace({s}, '+', ' ')) END"


@scalar("TO_BASE64", infer=lambda t, e: _string_or_bytes("TO_BASE64", t, STRING(any_nullable(t))),
        min_args=1, max_args=1, category="string", signature="TO_BASE64(string)",
        description="Base64 encoding of the string's UTF-8 bytes (or of bytes).")
def _to_base64(a, t, r, e):
    data = a[0] if is_binaryish(t[0]) and t[0].name != "NULL" else f"encode({as_varchar(a[0], t[0])})"
    return f"to_base64({data})"


def _string_or_bytes(fn: str, types, result: DataType) -> DataType:
    expect(fn, types, 0, lambda x: is_stringish(x) or is_binaryish(x), "a string or bytes")
    return result


@scalar("FROM_BASE64", infer=_checked("FROM_BASE64", returns(STRING, force_nullable=True)), min_args=1,
        max_args=1, category="string", signature="FROM_BASE64(string)",
        description="The string whose UTF-8 bytes the base64 text encodes; NULL if malformed.")
def _from_base64(a, t, r, e):
    s = as_varchar(a[0], t[0])
    valid = f"regexp_full_match({s}, '([A-Za-z0-9+/]{{4}})*([A-Za-z0-9+/]{{2}}==|[A-Za-z0-9+/]{{3}}=)?')"
    return f"CASE WHEN {valid} THEN decode(from_base64({s})) END"


@scalar("ASCII", infer=_checked("ASCII", returns(INT)), min_args=1, max_args=1, category="string",
        signature="ASCII(string)", description="Code of the first character (0 for '').")
def _ascii(a, t, r, e):
    return f"CAST(ascii({as_varchar(a[0], t[0])}) AS INTEGER)"


@scalar("CHR", infer=lambda t, e: _chr_infer(t), min_args=1, max_args=1, category="string",
        signature="CHR(integer)", description="The character with code integer modulo 256 ('' if negative).")
def _chr(a, t, r, e):
    return f"CASE WHEN {a[0]} < 0 THEN '' ELSE chr(CAST({a[0]} % 256 AS INTEGER)) END"


def _chr_infer(types) -> DataType:
    expect("CHR", types, 0, is_integerish, _INTEGER)
    return STRING(any_nullable(types))


@scalar("HEX", infer=lambda t, e: _hex_infer(t), min_args=1, max_args=1, category="string",
        signature="HEX(numeric | string)",
        description="Hexadecimal digits (upper case) of an integer or of a string's UTF-8 bytes.")
def _hex(a, t, r, e):
    if t[0].is_string or is_binaryish(t[0]) and t[0].name != "NULL":
        return f"hex({a[0]})"
    return f"hex(CAST({a[0]} AS BIGINT))"


def _hex_infer(types) -> DataType:
    expect("HEX", types, 0, lambda x: is_numericish(x) or x.is_string or is_binaryish(x),
           "a number or a string")
    return STRING(any_nullable(types))


@scalar("UNHEX", infer=_checked("UNHEX", returns(BYTES, force_nullable=True)), min_args=1, max_args=1,
        category="string", signature="UNHEX(string)",
        description="The bytes the hexadecimal string spells; NULL if it is not hexadecimal.")
def _unhex(a, t, r, e):
    s = as_varchar(a[0], t[0])
    return f"CASE WHEN regexp_full_match({s}, '[0-9A-Fa-f]*') THEN unhex({s}) END"


@scalar("BIN", infer=lambda t, e: _chr_infer(t), min_args=1, max_args=1, category="string",
        signature="BIN(integer)", description="Binary digits of the integer (two's complement if negative).")
def _bin(a, t, r, e):
    return f"bin(CAST({a[0]} AS BIGINT))"


@scalar("TRANSLATE", infer=_checked("TRANSLATE", _string_result), min_args=3, max_args=3,
        category="string", signature="TRANSLATE(expr, from_chars, to_chars)",
        description="Replaces each character of from_chars by the one at the same place in to_chars "
                    "(removes it when to_chars is shorter).")
def _translate(a, t, r, e):
    return f"translate({', '.join(as_varchar(x, y) for x, y in zip(a, t))})"


def _elt_infer(types, exprs) -> DataType:
    expect("ELT", types, 0, is_integerish, _INTEGER)
    common = common_type(list(types[1:]))
    if common is None:
        raise ValidationError("function ELT expects expressions of one type after the index, found "
                              + ", ".join(type_name(x) for x in types[1:]))
    return (STRING() if common.name == "NULL" else common).with_nullable(True)


@scalar("ELT", infer=_elt_infer, min_args=2, category="string", signature="ELT(index, expr1, expr2, ...)",
        description="The index-th expression (1-based); NULL if index is out of range.")
def _elt(a, t, r, e):
    duck = r.to_duckdb()
    whens = " ".join(f"WHEN {i} THEN CAST({x} AS {duck})" for i, x in enumerate(a[1:], start=1))
    return f"CASE {a[0]} {whens} END"


_FORMAT_SPEC = re.compile(r"%(\d+\$)?([-#+ 0,(<]*)?(\d+)?(\.\d+)?([a-zA-Z%])")


def _printf_casts(fmt: str) -> list[str | None]:
    """DuckDB type each argument is cast to, from Java's format conversions."""
    casts: list[str | None] = []
    for m in _FORMAT_SPEC.finditer(fmt):
        conv = m.group(5)
        if conv in ("%", "n"):
            continue
        casts.append({"d": "BIGINT", "x": "BIGINT", "X": "BIGINT", "o": "BIGINT", "f": "DOUBLE",
                      "e": "DOUBLE", "E": "DOUBLE", "g": "DOUBLE", "c": "VARCHAR"}.get(conv, "VARCHAR"))
    return casts


@scalar("PRINTF", infer=lambda t, e: _printf_infer(t, e), min_args=1, category="string",
        signature="PRINTF(format, obj...)",
        description="The objects formatted by the printf-style format (Java's String.format).")
def _printf(a, t, r, e):
    casts = _printf_casts(e[0].value) if isinstance(e[0].value, str) else []
    args = [as_varchar(a[0], t[0])]
    for i, (x, xt) in enumerate(zip(a[1:], t[1:])):
        target = casts[i] if i < len(casts) else "VARCHAR"
        if target == "VARCHAR" and xt.name == "BOOLEAN":
            args.append(f"CASE WHEN {x} THEN 'true' WHEN NOT {x} THEN 'false' ELSE 'null' END")
        elif target == "VARCHAR":
            args.append(f"coalesce(CAST({x} AS VARCHAR), 'null')")
        else:
            args.append(f"CAST({x} AS {target})")
    if isinstance(e[0].value, str):
        args[0] = sql_string(_duckdb_format(e[0].value))
    return f"printf({', '.join(args)})"


def _duckdb_format(fmt: str) -> str:
    """Java's conversions that C's printf lacks: %b (boolean), %n (line break), %S (upper-case)."""
    def convert(m: re.Match) -> str:
        conv = m.group(5)
        if conv == "n":
            return "\n"
        if conv in ("b", "B", "S", "c"):
            return m.group(0)[:-1] + "s"
        return m.group(0)

    return _FORMAT_SPEC.sub(convert, fmt)


def _printf_infer(types, exprs) -> DataType:
    expect("PRINTF", types, 0, is_stringish, _STRING)
    if not literal(exprs, 0)[0]:
        raise ValidationError("function PRINTF expects its format as a string literal")
    return STRING(types[0].nullable)


# -- predicates ---------------------------------------------------------------------------------

@scalar("IS_ALPHA", infer=_checked("IS_ALPHA", returns(BOOLEAN, not_null=True)), min_args=1, max_args=1,
        category="string", signature="IS_ALPHA(string)",
        description="Whether the string is non-empty and all letters; FALSE for NULL.")
def _is_alpha(a, t, r, e):
    return f"coalesce(regexp_full_match({as_varchar(a[0], t[0])}, '\\p{{L}}+'), FALSE)"


@scalar("IS_DIGIT", infer=_checked("IS_DIGIT", returns(BOOLEAN, not_null=True)), min_args=1, max_args=1,
        category="string", signature="IS_DIGIT(string)",
        description="Whether the string is non-empty and all digits; FALSE for NULL.")
def _is_digit(a, t, r, e):
    return f"coalesce(regexp_full_match({as_varchar(a[0], t[0])}, '\\p{{Nd}}+'), FALSE)"


@scalar("IS_DECIMAL", infer=_checked("IS_DECIMAL", returns(BOOLEAN, not_null=True)), min_args=1,
        max_args=1, category="string", signature="IS_DECIMAL(string)",
        description="Whether the string is a number (e.g. '12', '-1.5', '1e3'); FALSE for NULL.")
def _is_decimal(a, t, r, e):
    number = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfFlL]?|[+-]?0[xX][0-9a-fA-F]+"
    return f"coalesce(regexp_full_match({as_varchar(a[0], t[0])}, '{number}'), FALSE)"


@scalar("UUID", infer=lambda t, e: CHAR(36, nullable=False), min_args=0, max_args=0, deterministic=False,
        category="string", signature="UUID()", description="A random (version 4) UUID string.")
def _uuid(a, t, r, e):
    return "CAST(uuid() AS VARCHAR)"
