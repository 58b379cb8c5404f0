"""JSON functions of Flink SQL, translated to DuckDB's json extension.

Calling conventions for SQL's special syntax (the binder produces these calls):
  - ``JSON_VALUE(j, path [RETURNING t] [{NULL | DEFAULT x} ON EMPTY] [{NULL | DEFAULT y} ON ERROR])``
    → ``JSON_VALUE(j, path [, 'T' [, x [, y]]])`` with the type as a string literal (``'INT'``,
    ``'DOUBLE'``, ...) and the defaults as expressions (a NULL literal for ``NULL ON ...``).
    ``ERROR ON ...`` is not supported.
  - ``JSON_QUERY(j, path [{WITHOUT | WITH CONDITIONAL | WITH UNCONDITIONAL} [ARRAY] WRAPPER])``
    → ``JSON_QUERY(j, path [, 'WITHOUT' | 'CONDITIONAL' | 'UNCONDITIONAL'])``
  - ``JSON_EXISTS(j, path)``; ``j IS JSON [VALUE | SCALAR | ARRAY | OBJECT]`` → ``IS_JSON(j [, 'KIND'])``
  - ``JSON_OBJECT([KEY] k VALUE v, ... [{NULL | ABSENT} ON NULL])`` → ``JSON_OBJECT(['NULL ON NULL' |
    'ABSENT ON NULL',] k1, v1, k2, v2, ...)``: with an odd argument count the first is the NULL mode
    (default NULL ON NULL);
  - ``JSON_ARRAY(v, ... [{NULL | ABSENT} ON NULL])`` → ``JSON_ARRAY(['NULL ON NULL' | 'ABSENT ON NULL',]
    v1, ...)``: a leading string literal spelling a mode is the mode (default ABSENT ON NULL).
Paths are SQL/JSON paths (``$.a.b[0]``, optionally prefixed ``lax``/``strict``). Invalid JSON or a
missing path gives NULL (Flink's ``NULL ON EMPTY``/``NULL ON ERROR`` defaults).
"""

from __future__ import annotations

from flowsql.common.errors import ValidationError
from flowsql.common.types import BOOLEAN, STRING, DataType, parse_type
from flowsql.planner.expressions import Call, Literal
from flowsql.planner.functions._types import (
    any_nullable,
    as_varchar,
    expect,
    is_stringish,
    literal,
    literal_string,
    sql_string,
)
from flowsql.planner.functions.registry import scalar

_STRING = "a string"
_JSON_BUILDERS = ("JSON_OBJECT", "JSON_ARRAY", "JSON_QUERY", "JSON_STRING")
_NULL_MODES = ("NULL ON NULL", "ABSENT ON NULL")


def _path(sql: str, expr) -> str:
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        text = expr.value.strip()
        for mode in ("lax ", "strict "):
            if text.lower().startswith(mode):
                text = text[len(mode):].strip()
        return sql_string(text)
    return f"regexp_replace({sql}, '^\\s*(lax|strict)\\s+', '', 'i')"


def _valid(j: str) -> str:
    return f"coalesce(json_valid({j}), FALSE)"


def _value_text(j: str, path: str) -> str:
    """The scalar at path as text; NULL for a missing path, a JSON null, an object or an array."""
    node = f"json_extract({j}, {path})"
    return (f"CASE WHEN {_valid(j)} AND coalesce(json_type({node}) NOT IN ('OBJECT', 'ARRAY', 'NULL'), FALSE) "
            f"THEN json_extract_string({j}, {path}) END")


def _json_value_infer(types, exprs) -> DataType:
    for i in (0, 1):
        expect("JSON_VALUE", types, i, is_stringish, _STRING)
    if len(exprs) > 2:
        returning = parse_type(literal_string("JSON_VALUE", exprs, 2, "the RETURNING type"))
        if returning.name not in ("VARCHAR", "CHAR", "BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT",
                                  "FLOAT", "DOUBLE", "DECIMAL", "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ"):
            raise ValidationError(f"JSON_VALUE cannot return {returning}", hint="RETURNING a scalar type")
        return returning.with_nullable(True)
    return STRING(True)


@scalar("JSON_VALUE", infer=_json_value_infer, min_args=2, max_args=5, category="json",
        signature="JSON_VALUE(json, path [RETURNING type] [ON EMPTY] [ON ERROR])",
        description="The scalar at path (STRING unless RETURNING says otherwise); NULL when missing or invalid.")
def _json_value(a, t, r, e):
    j = as_varchar(a[0], t[0])
    text = _value_text(j, _path(a[1], e[1]))
    value = text if r.is_string else f"TRY_CAST({text} AS {r.to_duckdb()})"
    if len(a) > 3:  # DEFAULT ... ON EMPTY: a missing path or a JSON null
        present = f"json_exists({j}, {_path(a[1], e[1])})"
        value = f"CASE WHEN {_valid(j)} AND NOT {present} THEN CAST({a[3]} AS {r.to_duckdb()}) ELSE {value} END"
    if len(a) > 4:  # DEFAULT ... ON ERROR: invalid JSON, a non-scalar or a failed conversion
        node = f"json_extract({j}, {_path(a[1], e[1])})"
        failed = (f"(NOT {_valid(j)} OR json_type({node}) IN ('OBJECT', 'ARRAY') OR "
                  f"(json_type({node}) <> 'NULL' AND TRY_CAST({text} AS {r.to_duckdb()}) IS NULL))")
        value = f"CASE WHEN {a[0]} IS NOT NULL AND {failed} THEN CAST({a[4]} AS {r.to_duckdb()}) ELSE {value} END"
    return value


_WRAPPERS = ("WITHOUT", "CONDITIONAL", "UNCONDITIONAL")


def _json_query_infer(types, exprs) -> DataType:
    for i in (0, 1):
        expect("JSON_QUERY", types, i, is_stringish, _STRING)
    if len(exprs) > 2:
        mode = literal_string("JSON_QUERY", exprs, 2, "the wrapper mode").upper()
        if mode not in _WRAPPERS:
            raise ValidationError(f"JSON_QUERY does not know the wrapper mode {mode}",
                                  hint="use 'WITHOUT', 'CONDITIONAL' or 'UNCONDITIONAL'")
    return STRING(True)


@scalar("JSON_QUERY", infer=_json_query_infer, min_args=2, max_args=3, category="json",
        signature="JSON_QUERY(json, path [{WITHOUT | WITH [CONDITIONAL | UNCONDITIONAL]} ARRAY WRAPPER])",
        description="The object or array at path as JSON text; NULL for a scalar (unless wrapped) or when missing.")
def _json_query(a, t, r, e):
    j = as_varchar(a[0], t[0])
    node = f"json_extract({j}, {_path(a[1], e[1])})"
    kind = f"json_type({node})"
    mode = str(e[2].value).upper() if len(a) > 2 else "WITHOUT"
    if mode == "UNCONDITIONAL":
        body = f"CASE WHEN {node} IS NOT NULL THEN '[' || CAST({node} AS VARCHAR) || ']' END"
    elif mode == "CONDITIONAL":
        body = (f"CASE WHEN {kind} IN ('OBJECT', 'ARRAY') THEN CAST({node} AS VARCHAR) "
                f"WHEN {node} IS NOT NULL THEN '[' || CAST({node} AS VARCHAR) || ']' END")
    else:
        body = f"CASE WHEN {kind} IN ('OBJECT', 'ARRAY') THEN CAST({node} AS VARCHAR) END"
    return f"CASE WHEN {_valid(j)} THEN {body} END"


def _json_exists_infer(types, exprs) -> DataType:
    for i in (0, 1):
        expect("JSON_EXISTS", types, i, is_stringish, _STRING)
    return BOOLEAN(True)


@scalar("JSON_EXISTS", infer=_json_exists_infer, min_args=2, max_args=2, category="json",
        signature="JSON_EXISTS(json, path)",
        description="Whether path exists in the JSON; FALSE for invalid JSON.")
def _json_exists(a, t, r, e):
    j = as_varchar(a[0], t[0])
    return f"CASE WHEN {j} IS NULL THEN NULL WHEN {_valid(j)} THEN json_exists({j}, {_path(a[1], e[1])}) ELSE FALSE END"


_KINDS = {"VALUE": None, "SCALAR": "NOT IN ('OBJECT', 'ARRAY')", "ARRAY": "= 'ARRAY'", "OBJECT": "= 'OBJECT'"}


def _is_json_infer(types, exprs) -> DataType:
    expect("IS_JSON", types, 0, is_stringish, _STRING)
    if len(exprs) > 1 and literal_string("IS_JSON", exprs, 1, "the kind").upper() not in _KINDS:
        raise ValidationError("IS JSON expects VALUE, SCALAR, ARRAY or OBJECT")
    # Three-valued like other predicates on a value: NULL IS JSON is NULL (Flink since FLINK-39943).
    return BOOLEAN(any_nullable(types[:1]))


@scalar("IS_JSON", infer=_is_json_infer, min_args=1, max_args=2, category="json",
        signature="value IS [NOT] JSON [VALUE | SCALAR | ARRAY | OBJECT]",
        description="Whether the string is valid JSON (of the given kind); NULL for NULL.")
def _is_json(a, t, r, e):
    j = as_varchar(a[0], t[0])
    kind = _KINDS[str(e[1].value).upper()] if len(a) > 1 else None
    test = f"{_valid(j)}" if kind is None else f"{_valid(j)} AND json_type({j}) {kind}"
    return f"CASE WHEN {j} IS NULL THEN NULL ELSE coalesce(CASE WHEN {_valid(j)} THEN {test} ELSE FALSE END, FALSE) END"


def json_text(sql: str, t: DataType, expr) -> str:
    """The value as JSON text: nested JSON builders stay raw JSON, others are serialized."""
    if isinstance(expr, Call) and expr.op in _JSON_BUILDERS:
        return sql
    if t.name == "DECIMAL":
        return f"CAST({sql} AS VARCHAR)"
    if t.name == "NULL":
        return "CAST(NULL AS VARCHAR)"
    return f"CAST(to_json({sql}) AS VARCHAR)"


@scalar("JSON_STRING", infer=lambda t, e: STRING(any_nullable(t)), min_args=1, max_args=1, category="json",
        signature="JSON_STRING(value)", description="The value serialized as JSON text; NULL for NULL.")
def _json_string(a, t, r, e):
    return json_text(a[0], t[0], e[0])


def _null_mode(exprs, default: str) -> tuple[str, int]:
    is_lit, value = literal(exprs, 0)
    if is_lit and isinstance(value, str) and value.upper() in _NULL_MODES:
        return value.upper(), 1
    return default, 0


def _json_object_infer(types, exprs) -> DataType:
    start = 1 if len(types) % 2 else 0
    if start:
        mode, _ = _null_mode(exprs, "")
        if not mode:
            raise ValidationError("JSON_OBJECT expects key/value pairs, after an optional 'NULL ON NULL' or "
                                  "'ABSENT ON NULL'")
    for i in range(start, len(types), 2):
        expect("JSON_OBJECT", types, i, is_stringish, "a string key")
    return STRING(False)


@scalar("JSON_OBJECT", infer=_json_object_infer, min_args=0, category="json",
        signature="JSON_OBJECT([KEY] key VALUE value, ... [{NULL | ABSENT} ON NULL])",
        description="A JSON object text from key/value pairs.")
def _json_object(a, t, r, e):
    mode, start = _null_mode(e, "NULL ON NULL") if len(a) % 2 else ("NULL ON NULL", 0)
    members = []
    for i in range(start, len(a), 2):
        key = f"CAST(to_json(CAST({a[i]} AS VARCHAR)) AS VARCHAR)"
        value = json_text(a[i + 1], t[i + 1], e[i + 1])
        if mode == "NULL ON NULL":
            value = f"coalesce({value}, 'null')"
        members.append(f"{key} || ':' || {value}")
    if not members:
        return "'{}'"
    return f"'{{' || array_to_string([{', '.join(members)}], ',') || '}}'"


@scalar("JSON_ARRAY", infer=lambda t, e: STRING(False), min_args=0, category="json",
        signature="JSON_ARRAY(value, ... [{NULL | ABSENT} ON NULL])",
        description="A JSON array text of the values.")
def _json_array(a, t, r, e):
    mode, start = _null_mode(e, "ABSENT ON NULL")
    items = []
    for i in range(start, len(a)):
        value = json_text(a[i], t[i], e[i])
        items.append(f"coalesce({value}, 'null')" if mode == "NULL ON NULL" else value)
    if not items:
        return "'[]'"
    return f"'[' || array_to_string([{', '.join(items)}], ',') || ']'"


@scalar("JSON_QUOTE", infer=lambda t, e: _string_arg("JSON_QUOTE", t), min_args=1, max_args=1, category="json",
        signature="JSON_QUOTE(string)", description="The string as a quoted, escaped JSON string literal.")
def _json_quote(a, t, r, e):
    return f"CAST(to_json({as_varchar(a[0], t[0])}) AS VARCHAR)"


@scalar("JSON_UNQUOTE", infer=lambda t, e: _string_arg("JSON_UNQUOTE", t), min_args=1, max_args=1,
        category="json", signature="JSON_UNQUOTE(string)",
        description="The unescaped content of a JSON string literal; other input unchanged.")
def _json_unquote(a, t, r, e):
    s = as_varchar(a[0], t[0])
    return (f"CASE WHEN {_valid(s)} AND json_type({s}) = 'VARCHAR' THEN json_extract_string({s}, '$') "
            f"ELSE {s} END")


def _string_arg(fn: str, types) -> DataType:
    expect(fn, types, 0, is_stringish, _STRING)
    return STRING(any_nullable(types))
