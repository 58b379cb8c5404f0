"""Array and map functions of Flink SQL, translated to DuckDB lists and maps.

Flink arrays are 1-based like DuckDB lists. Unlike DuckDB's list functions, Flink's keep the order
of first occurrence and treat NULL elements as values (``ARRAY_DISTINCT``, ``ARRAY_CONTAINS``,
``ARRAY_REMOVE``, ...).
"""

from __future__ import annotations

from flowsql.common.errors import ValidationError
from flowsql.common.types import ARRAY, BOOLEAN, INT, MAP, ROW, STRING, DataType, common_type
from flowsql.planner.functions._types import (
    any_nullable,
    as_varchar,
    expect,
    is_integerish,
    is_null_type,
    is_stringish,
    type_name,
)
from flowsql.planner.functions.registry import scalar


def _is_array(t: DataType) -> bool:
    return t.name == "ARRAY" or is_null_type(t)


def _is_map(t: DataType) -> bool:
    return t.name == "MAP" or is_null_type(t)


def _array_arg(fn: str, types, index: int = 0) -> DataType:
    expect(fn, types, index, _is_array, "an ARRAY")
    t = types[index]
    return ARRAY(STRING()) if is_null_type(t) else t


def _element(t: DataType) -> DataType:
    return t.children[0]


def _distinct_sql(sql: str) -> str:
    """The list without repeats, keeping first occurrences in order (NULL counts as a value)."""
    return f"list_filter({sql}, lambda x, i: list_position({sql}, x) = i)"


def _needle_check(fn: str, types) -> DataType:
    arr = _array_arg(fn, types)
    if common_type([_element(arr), types[1]]) is None:
        raise ValidationError(f"function {fn} expects an element of type {type_name(_element(arr))}, "
                              f"found {type_name(types[1])}")
    return arr


# -- ARRAY ------------------------------------------------------------------------------------------

def _cardinality_infer(types, exprs) -> DataType:
    expect("CARDINALITY", types, 0, lambda t: t.name in ("ARRAY", "MAP", "MULTISET") or is_null_type(t),
           "an ARRAY or a MAP")
    return INT(types[0].nullable)


@scalar("CARDINALITY", infer=_cardinality_infer, min_args=1, max_args=1, category="collection",
        signature="CARDINALITY(array | map)", description="Number of elements of the array or entries of the map.")
def _cardinality(a, t, r, e):
    if t[0].name == "MAP":
        return f"CAST(cardinality({a[0]}) AS INTEGER)"
    return f"CAST(len({a[0]}) AS INTEGER)"


@scalar("ELEMENT", infer=lambda t, e: _element(_array_arg("ELEMENT", t)).with_nullable(True), min_args=1,
        max_args=1, category="collection", signature="ELEMENT(array)",
        description="The only element of a one-element array; NULL if empty; an error if longer.")
def _element_fn(a, t, r, e):
    return (f"CASE WHEN {a[0]} IS NULL OR len({a[0]}) = 0 THEN NULL WHEN len({a[0]}) = 1 THEN {a[0]}[1] "
            f"ELSE error('ELEMENT expects an array of at most one element') END")


@scalar("ARRAY_CONTAINS", infer=lambda t, e: BOOLEAN(_needle_check("ARRAY_CONTAINS", t).nullable), min_args=2,
        max_args=2, category="collection", signature="ARRAY_CONTAINS(array, element)",
        description="Whether the array holds the element (NULL finds NULL elements).")
def _array_contains(a, t, r, e):
    return (f"CASE WHEN {a[1]} IS NULL THEN list_contains(list_transform({a[0]}, lambda x: x IS NULL), TRUE) "
            f"ELSE list_contains({a[0]}, {a[1]}) END")


@scalar("ARRAY_DISTINCT", infer=lambda t, e: _array_arg("ARRAY_DISTINCT", t), min_args=1, max_args=1,
        category="collection", signature="ARRAY_DISTINCT(array)",
        description="The array without repeated elements, in first-occurrence order.")
def _array_distinct(a, t, r, e):
    return _distinct_sql(a[0])


@scalar("ARRAY_POSITION", infer=lambda t, e: INT(any_nullable([_needle_check("ARRAY_POSITION", t), t[1]])),
        min_args=2, max_args=2, category="collection", signature="ARRAY_POSITION(array, element)",
        description="1-based position of the first occurrence of element, 0 if absent.")
def _array_position(a, t, r, e):
    return f"CASE WHEN {_any_null(a)} THEN NULL ELSE CAST(coalesce(list_position({a[0]}, {a[1]}), 0) AS INTEGER) END"


@scalar("ARRAY_REMOVE", infer=lambda t, e: _needle_check("ARRAY_REMOVE", t), min_args=2, max_args=2,
        category="collection", signature="ARRAY_REMOVE(array, element)",
        description="The array without any element equal to element (NULL removes NULLs).")
def _array_remove(a, t, r, e):
    return f"list_filter({a[0]}, lambda x: x IS DISTINCT FROM {a[1]})"


@scalar("ARRAY_REVERSE", infer=lambda t, e: _array_arg("ARRAY_REVERSE", t), min_args=1, max_args=1,
        category="collection", signature="ARRAY_REVERSE(array)", description="The array in reverse order.")
def _array_reverse(a, t, r, e):
    return f"list_reverse({a[0]})"


def _slice_infer(types, exprs) -> DataType:
    arr = _array_arg("ARRAY_SLICE", types)
    for i in (1, 2):
        expect("ARRAY_SLICE", types, i, is_integerish, "an integer offset")
    return arr.with_nullable(any_nullable(types))


@scalar("ARRAY_SLICE", infer=_slice_infer, min_args=2, max_args=3, category="collection",
        signature="ARRAY_SLICE(array, start [, end])",
        description="Elements from start to end inclusive (1-based; negative counts from the end).")
def _array_slice(a, t, r, e):
    end = a[2] if len(a) > 2 else f"len({a[0]})"
    return f"list_slice({a[0]}, {a[1]}, {end})"


def _sort_infer(types, exprs) -> DataType:
    arr = _array_arg("ARRAY_SORT", types)
    for i in (1, 2):
        expect("ARRAY_SORT", types, i, lambda x: x.name in ("BOOLEAN", "NULL"), "a BOOLEAN")
    return arr.with_nullable(any_nullable(types))


@scalar("ARRAY_SORT", infer=_sort_infer, min_args=1, max_args=3, category="collection",
        signature="ARRAY_SORT(array [, ascending [, nulls_first]])",
        description="The array sorted (ascending with NULLs first by default; descending puts NULLs last).")
def _array_sort(a, t, r, e):
    if len(a) == 1:
        return f"list_sort({a[0]}, 'ASC', 'NULLS FIRST')"
    asc = a[1]
    nulls_first = a[2] if len(a) > 2 else asc
    cases = []
    for order in ("ASC", "DESC"):
        for nulls in ("FIRST", "LAST"):
            cond = f"{'' if order == 'ASC' else 'NOT '}{asc} AND {'' if nulls == 'FIRST' else 'NOT '}{nulls_first}"
            cases.append(f"WHEN {cond} THEN list_sort({a[0]}, '{order}', 'NULLS {nulls}')")
    return f"CASE {' '.join(cases)} END"


def _two_arrays(fn: str):
    def infer(types, exprs):
        for i in range(len(types)):
            _array_arg(fn, types, i)
        arrays = [t for t in types if t.name == "ARRAY"]
        if not arrays:
            return ARRAY(STRING(), True)
        element = common_type([_element(t) for t in arrays])
        if element is None:
            raise ValidationError(f"function {fn} expects arrays of one element type, found "
                                  + ", ".join(type_name(t) for t in types))
        return ARRAY(element, any_nullable(types))

    return infer


def _any_null(args) -> str:
    return " OR ".join(f"{x} IS NULL" for x in args)


def _as(sql: str, t: DataType, r: DataType) -> str:
    return sql if t.with_nullable(True) == r.with_nullable(True) else f"CAST({sql} AS {r.to_duckdb()})"


@scalar("ARRAY_UNION", infer=_two_arrays("ARRAY_UNION"), min_args=2, max_args=2, category="collection",
        signature="ARRAY_UNION(array1, array2)",
        description="Distinct elements of both arrays, in first-occurrence order.")
def _array_union(a, t, r, e):
    both = f"list_concat({_as(a[0], t[0], r)}, {_as(a[1], t[1], r)})"
    return f"CASE WHEN {_any_null(a)} THEN NULL ELSE {_distinct_sql(both)} END"


@scalar("ARRAY_CONCAT", infer=_two_arrays("ARRAY_CONCAT"), min_args=1, category="collection",
        signature="ARRAY_CONCAT(array1, ...)", description="The arrays concatenated; NULL if any is NULL.")
def _array_concat(a, t, r, e):
    if len(a) == 1:
        return a[0]
    body = f"list_concat({', '.join(_as(x, y, r) for x, y in zip(a, t))})"
    return f"CASE WHEN {_any_null(a)} THEN NULL ELSE {body} END"


@scalar("ARRAY_EXCEPT", infer=_two_arrays("ARRAY_EXCEPT"), min_args=2, max_args=2, category="collection",
        signature="ARRAY_EXCEPT(array1, array2)",
        description="Distinct elements of array1 not in array2, in order.")
def _array_except(a, t, r, e):
    x, y = _as(a[0], t[0], r), _as(a[1], t[1], r)
    kept = f"list_filter({x}, lambda v: NOT coalesce(list_position({y}, v) > 0, FALSE))"
    return f"CASE WHEN {_any_null(a)} THEN NULL ELSE {_distinct_sql(kept)} END"


@scalar("ARRAY_INTERSECT", infer=_two_arrays("ARRAY_INTERSECT"), min_args=2, max_args=2, category="collection",
        signature="ARRAY_INTERSECT(array1, array2)",
        description="Distinct elements of array1 that are also in array2, in order.")
def _array_intersect(a, t, r, e):
    x, y = _as(a[0], t[0], r), _as(a[1], t[1], r)
    kept = f"list_filter({x}, lambda v: coalesce(list_position({y}, v) > 0, FALSE))"
    return f"CASE WHEN {_any_null(a)} THEN NULL ELSE {_distinct_sql(kept)} END"


@scalar("ARRAY_MAX", infer=lambda t, e: _element(_array_arg("ARRAY_MAX", t)).with_nullable(True), min_args=1,
        max_args=1, category="collection", signature="ARRAY_MAX(array)",
        description="The greatest non-NULL element; NULL for an empty array.")
def _array_max(a, t, r, e):
    return f"list_max({a[0]})"


@scalar("ARRAY_MIN", infer=lambda t, e: _element(_array_arg("ARRAY_MIN", t)).with_nullable(True), min_args=1,
        max_args=1, category="collection", signature="ARRAY_MIN(array)",
        description="The least non-NULL element; NULL for an empty array.")
def _array_min(a, t, r, e):
    return f"list_min({a[0]})"


def _join_infer(types, exprs) -> DataType:
    arr = _array_arg("ARRAY_JOIN", types)
    if not (is_stringish(_element(arr))):
        raise ValidationError(f"function ARRAY_JOIN expects an ARRAY<STRING>, found {type_name(arr)}",
                              hint="CAST the array to ARRAY<STRING>")
    for i in (1, 2):
        expect("ARRAY_JOIN", types, i, is_stringish, "a string")
    return STRING(any_nullable(types))


@scalar("ARRAY_JOIN", infer=_join_infer, min_args=2, max_args=3, category="collection",
        signature="ARRAY_JOIN(array, delimiter [, null_replacement])",
        description="The string elements joined by delimiter, NULLs skipped or replaced.")
def _array_join(a, t, r, e):
    arr = a[0]
    if len(a) > 2:
        arr = f"list_transform({a[0]}, lambda x: coalesce(x, {as_varchar(a[2], t[2])}))"
        return f"CASE WHEN {a[2]} IS NULL THEN NULL ELSE array_to_string({arr}, {as_varchar(a[1], t[1])}) END"
    return f"CASE WHEN {a[1]} IS NULL THEN NULL ELSE array_to_string({arr}, {as_varchar(a[1], t[1])}) END"


# -- MAP --------------------------------------------------------------------------------------------

def _map_arg(fn: str, types, index: int = 0) -> DataType:
    expect(fn, types, index, _is_map, "a MAP")
    t = types[index]
    return MAP(STRING(), STRING()) if is_null_type(t) else t


@scalar("MAP_KEYS", infer=lambda t, e: ARRAY(_map_arg("MAP_KEYS", t).children[0], t[0].nullable), min_args=1,
        max_args=1, category="collection", signature="MAP_KEYS(map)", description="The keys of the map.")
def _map_keys(a, t, r, e):
    return f"map_keys({a[0]})"


@scalar("MAP_VALUES", infer=lambda t, e: ARRAY(_map_arg("MAP_VALUES", t).children[1], t[0].nullable),
        min_args=1, max_args=1, category="collection", signature="MAP_VALUES(map)",
        description="The values of the map.")
def _map_values(a, t, r, e):
    return f"map_values({a[0]})"


def _map_entries_infer(types, exprs) -> DataType:
    m = _map_arg("MAP_ENTRIES", types)
    return ARRAY(ROW([("key", m.children[0]), ("value", m.children[1])], False), types[0].nullable)


@scalar("MAP_ENTRIES", infer=_map_entries_infer, min_args=1, max_args=1, category="collection",
        signature="MAP_ENTRIES(map)", description="The entries of the map as an array of ROW<key, value>.")
def _map_entries(a, t, r, e):
    return f"map_entries({a[0]})"


def _from_arrays_infer(types, exprs) -> DataType:
    keys, values = _array_arg("MAP_FROM_ARRAYS", types, 0), _array_arg("MAP_FROM_ARRAYS", types, 1)
    return MAP(_element(keys), _element(values), any_nullable(types))


@scalar("MAP_FROM_ARRAYS", infer=_from_arrays_infer, min_args=2, max_args=2, category="collection",
        signature="MAP_FROM_ARRAYS(keys, values)",
        description="A map pairing the keys with the values (arrays of equal length).")
def _map_from_arrays(a, t, r, e):
    return (f"CASE WHEN {_any_null(a)} THEN NULL WHEN len({a[0]}) <> len({a[1]}) "
            f"THEN error('MAP_FROM_ARRAYS expects arrays of the same length') "
            f"ELSE CAST(map({a[0]}, {a[1]}) AS {r.to_duckdb()}) END")


def _map_union_infer(types, exprs) -> DataType:
    maps = [_map_arg("MAP_UNION", types, i) for i in range(len(types))]
    key = common_type([m.children[0] for m in maps])
    value = common_type([m.children[1] for m in maps])
    if key is None or value is None:
        raise ValidationError("function MAP_UNION expects maps of one type, found "
                              + ", ".join(type_name(t) for t in types))
    return MAP(key, value, any_nullable(types))


@scalar("MAP_UNION", infer=_map_union_infer, min_args=1, category="collection", signature="MAP_UNION(map1, ...)",
        description="The maps merged, later maps winning on repeated keys; NULL if any is NULL.")
def _map_union(a, t, r, e):
    if len(a) == 1:
        return a[0]
    body = f"map_concat({', '.join(_as(x, y, r) for x, y in zip(a, t))})"
    return f"CASE WHEN {_any_null(a)} THEN NULL ELSE {body} END"
