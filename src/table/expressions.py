"""The expression DSL of the Table API (``pyflink.table.expressions``).

An ``Expression`` wraps the sqlglot node the SQL parser would produce for the same expression
(``col('a') + 1`` is ``exp.Add(Column(a), Literal(1))``, ``col('s').upper_case`` is
``Anonymous(UPPER, [s])``), so the Table API is bound by the very binder SQL goes through and a
Table API program and its SQL equivalent produce the same logical plan by construction.

Members that PyFlink exposes as properties (``.sum``, ``.asc``, ``.is_null``, ``.upper_case`` ...)
are properties here too; calling an expression with no arguments returns it, so ``.sum()`` and
``.asc()`` also work. ``.floor``/``.ceil`` can be called with a ``TimeIntervalUnit``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Callable
from typing import Any

from flowsql.common.types import DataType
from sqlglot import exp


class TimeIntervalUnit(enum.Enum):
    YEAR = "YEAR"
    YEAR_TO_MONTH = "YEAR TO MONTH"
    QUARTER = "QUARTER"
    MONTH = "MONTH"
    WEEK = "WEEK"
    DAY = "DAY"
    DAY_TO_HOUR = "DAY TO HOUR"
    DAY_TO_MINUTE = "DAY TO MINUTE"
    DAY_TO_SECOND = "DAY TO SECOND"
    HOUR = "HOUR"
    SECOND = "SECOND"
    HOUR_TO_MINUTE = "HOUR TO MINUTE"
    HOUR_TO_SECOND = "HOUR TO SECOND"
    MINUTE = "MINUTE"
    MINUTE_TO_SECOND = "MINUTE TO SECOND"


class TimePointUnit(enum.Enum):
    YEAR = "YEAR"
    MONTH = "MONTH"
    DAY = "DAY"
    HOUR = "HOUR"
    MINUTE = "MINUTE"
    SECOND = "SECOND"
    QUARTER = "QUARTER"
    WEEK = "WEEK"
    MILLISECOND = "MILLISECOND"
    MICROSECOND = "MICROSECOND"


class JsonOnNull(enum.Enum):
    NULL = "NULL"
    ABSENT = "ABSENT"


# -- node helpers ------------------------------------------------------------------------

_ATOMS = (exp.Column, exp.Literal, exp.Paren, exp.Anonymous, exp.Null, exp.Boolean, exp.Star, exp.Func,
          exp.Interval, exp.Bracket, exp.Cast)


def _wrap(node: exp.Expression) -> exp.Expression:
    """Parenthesize compound operands so generated SQL text keeps the tree's precedence
    (parentheses are transparent to the binder)."""
    return node if isinstance(node, _ATOMS) and not isinstance(node, exp.Binary) else exp.Paren(this=node)


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    """A call as the parser produces it: ``Anonymous(NAME, [args])``."""
    return exp.Anonymous(this=name, expressions=list(args))


def _literal_node(value: Any) -> exp.Expression:
    if isinstance(value, Expression):
        return value.node
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        # Python floats are DOUBLE in PyFlink; the SQL spelling of a DOUBLE literal has an exponent.
        text = repr(value)
        return exp.Literal.number(text if "e" in text or "inf" in text or "nan" in text else text + "E0")
    if isinstance(value, decimal.Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, dt.datetime):
        return exp.Cast(this=exp.Literal.string(value.isoformat(sep=" ")), to=_type_node("TIMESTAMP(6)"))
    if isinstance(value, dt.date):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=_type_node("DATE"))
    if isinstance(value, dt.time):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=_type_node("TIME(0)"))
    if isinstance(value, (list, tuple)):
        return exp.Array(expressions=[_literal_node(v) for v in value])
    if isinstance(value, dict):
        return exp.VarMap(keys=exp.Array(expressions=[_literal_node(k) for k in value]),
                          values=exp.Array(expressions=[_literal_node(v) for v in value.values()]))
    raise TypeError(f"cannot use {value!r} ({type(value).__name__}) as a literal")


def _type_node(type_text: str) -> exp.DataType:
    return exp.DataType(this=exp.DType.USERDEFINED, kind=type_text)


def _type_text(data_type: DataType | str) -> str:
    from flowsql.table.types import as_data_type

    return as_data_type(data_type).with_nullable(True).sql(False)


def _node(value: Any) -> exp.Expression:
    """An operand: an Expression's node, or a Python value as a literal."""
    return value.node if isinstance(value, Expression) else _literal_node(value)


def _functions_of(*values: Any) -> dict:
    found: dict = {}
    for v in values:
        if isinstance(v, Expression):
            found.update(v.functions)
        elif isinstance(v, (list, tuple)):
            found.update(_functions_of(*v))
    return found


class Expression:
    """A Table API expression: a sqlglot node plus the Python functions it calls."""

    __hash__ = object.__hash__

    def __init__(self, node: exp.Expression, functions: dict | None = None) -> None:
        self.node = node
        # name -> UserDefinedFunction for Python functions called inline (registered on use)
        self.functions = dict(functions or {})

    def _derive(self, node: exp.Expression, *others: Any) -> Expression:
        return Expression(node, {**self.functions, **_functions_of(*others)})

    def _call(self, name: str, *args: Any) -> Expression:
        return self._derive(_fn(name, self.node, *(_node(a) for a in args)), *args)

    def _binary(self, cls: type, other: Any, reverse: bool = False) -> Expression:
        left, right = (_node(other), self.node) if reverse else (self.node, _node(other))
        return self._derive(cls(this=_wrap(left), expression=_wrap(right)), other)

    def __call__(self) -> Expression:
        return self

    def sql(self) -> str:
        from flowsql.planner.parser import FlinkDialect

        return self.node.sql(dialect=FlinkDialect)

    def __str__(self) -> str:
        return self.sql()

    def __repr__(self) -> str:
        return f"Expression({self.sql()})"

    def __bool__(self) -> bool:
        raise TypeError("an Expression has no truth value: combine conditions with & | ~, not and/or/not")

    # -- operators ------------------------------------------------------------------------
    def __add__(self, other): return self._binary(exp.Add, other)
    def __radd__(self, other): return self._binary(exp.Add, other, True)
    def __sub__(self, other): return self._binary(exp.Sub, other)
    def __rsub__(self, other): return self._binary(exp.Sub, other, True)
    def __mul__(self, other): return self._binary(exp.Mul, other)
    def __rmul__(self, other): return self._binary(exp.Mul, other, True)
    def __truediv__(self, other): return self._binary(exp.Div, other)
    def __rtruediv__(self, other): return self._binary(exp.Div, other, True)
    def __mod__(self, other): return self._binary(exp.Mod, other)
    def __rmod__(self, other): return self._binary(exp.Mod, other, True)
    def __pow__(self, other): return self._call("POWER", other)
    def __neg__(self): return self._derive(exp.Neg(this=_wrap(self.node)))
    def __pos__(self): return self
    def __eq__(self, other): return self._binary(exp.EQ, other)  # type: ignore[override]
    def __ne__(self, other): return self._binary(exp.NEQ, other)  # type: ignore[override]
    def __lt__(self, other): return self._binary(exp.LT, other)
    def __le__(self, other): return self._binary(exp.LTE, other)
    def __gt__(self, other): return self._binary(exp.GT, other)
    def __ge__(self, other): return self._binary(exp.GTE, other)
    def __and__(self, other): return self._binary(exp.And, other)
    def __rand__(self, other): return self._binary(exp.And, other, True)
    def __or__(self, other): return self._binary(exp.Or, other)
    def __ror__(self, other): return self._binary(exp.Or, other, True)
    def __invert__(self): return self._derive(exp.Not(this=_wrap(self.node)))

    def __getitem__(self, index):
        return self.at(index)

    def at(self, index) -> Expression:
        return self._derive(exp.Bracket(this=self.node, expressions=[_node(index)]), index)

    def get(self, name_or_index) -> Expression:
        """A field of a ROW value, by name (or 1-based position)."""
        if isinstance(name_or_index, str) and isinstance(self.node, exp.Column) and not self.node.table:
            return self._derive(exp.Column(this=exp.to_identifier(name_or_index, quoted=True),
                                           table=exp.to_identifier(self.node.name, quoted=True)))
        return self.at(name_or_index)

    # -- naming, typing, ordering ---------------------------------------------------------
    def alias(self, name: str, *extra_names: str) -> Expression:
        if extra_names:
            return _MultiAlias(self, (name,) + extra_names)
        return self._derive(exp.Alias(this=self.node, alias=exp.to_identifier(name, quoted=True)))

    def cast(self, data_type: DataType | str) -> Expression:
        return self._derive(exp.Cast(this=self.node, to=_type_node(_type_text(data_type))))

    def try_cast(self, data_type: DataType | str) -> Expression:
        return self._derive(exp.TryCast(this=self.node, to=_type_node(_type_text(data_type))))

    @property
    def asc(self) -> Expression:
        return self._derive(exp.Ordered(this=self.node, desc=False, nulls_first=True))

    @property
    def desc(self) -> Expression:
        return self._derive(exp.Ordered(this=self.node, desc=True, nulls_first=False))

    @property
    def nulls_first(self) -> Expression:
        return self._reorder(True)

    @property
    def nulls_last(self) -> Expression:
        return self._reorder(False)

    def _reorder(self, first: bool) -> Expression:
        base = self.node if isinstance(self.node, exp.Ordered) else exp.Ordered(this=self.node, desc=False)
        node = base.copy()
        node.set("nulls_first", first)
        return self._derive(node)

    # -- predicates -----------------------------------------------------------------------
    @property
    def is_null(self) -> Expression:
        return self._derive(exp.Is(this=_wrap(self.node), expression=exp.Null()))

    @property
    def is_not_null(self) -> Expression:
        return self._derive(exp.Not(this=exp.Is(this=_wrap(self.node), expression=exp.Null())))

    @property
    def is_true(self) -> Expression:
        return self._derive(exp.Is(this=_wrap(self.node), expression=exp.Boolean(this=True)))

    @property
    def is_false(self) -> Expression:
        return self._derive(exp.Is(this=_wrap(self.node), expression=exp.Boolean(this=False)))

    @property
    def is_not_true(self) -> Expression:
        return self._derive(exp.Not(this=exp.Is(this=_wrap(self.node), expression=exp.Boolean(this=True))))

    @property
    def is_not_false(self) -> Expression:
        return self._derive(exp.Not(this=exp.Is(this=_wrap(self.node), expression=exp.Boolean(this=False))))

    def in_(self, first, *others) -> Expression:
        from flowsql.table.table import Table

        if isinstance(first, Table):
            return self._derive(exp.In(this=_wrap(self.node), query=exp.Subquery(this=first._query.copy())))
        values = (first,) + others
        return self._derive(exp.In(this=_wrap(self.node), expressions=[_node(v) for v in values]), values)

    def not_in(self, first, *others) -> Expression:
        return ~self.in_(first, *others)

    def between(self, lower, upper) -> Expression:
        return self._derive(exp.Between(this=_wrap(self.node), low=_node(lower), high=_node(upper)), lower, upper)

    def not_between(self, lower, upper) -> Expression:
        return ~self.between(lower, upper)

    def like(self, pattern) -> Expression:
        return self._derive(exp.Like(this=_wrap(self.node), expression=_node(pattern)), pattern)

    def similar(self, pattern) -> Expression:
        return self._derive(exp.SimilarTo(this=_wrap(self.node), expression=_node(pattern)), pattern)

    def if_null(self, null_replacement) -> Expression:
        return self._call("IFNULL", null_replacement)

    def then(self, if_true, if_false) -> Expression:
        return if_then_else(self, if_true, if_false)

    # -- aggregates -----------------------------------------------------------------------
    def _aggregate(self, name: str, *extra: Any) -> Expression:
        return self._call(name, *extra)

    @property
    def sum(self): return self._aggregate("SUM")
    @property
    def sum0(self): return self._aggregate("SUM0")
    @property
    def min(self): return self._aggregate("MIN")
    @property
    def max(self): return self._aggregate("MAX")
    @property
    def count(self): return self._aggregate("COUNT")
    @property
    def avg(self): return self._aggregate("AVG")
    @property
    def first_value(self): return self._aggregate("FIRST_VALUE")
    @property
    def last_value(self): return self._aggregate("LAST_VALUE")
    @property
    def stddev_pop(self): return self._aggregate("STDDEV_POP")
    @property
    def stddev_samp(self): return self._aggregate("STDDEV_SAMP")
    @property
    def var_pop(self): return self._aggregate("VAR_POP")
    @property
    def var_samp(self): return self._aggregate("VAR_SAMP")
    @property
    def collect(self): return self._aggregate("COLLECT")
    @property
    def array_agg(self): return self._aggregate("ARRAY_AGG")

    def list_agg(self, separator: str | None = None) -> Expression:
        return self._aggregate("LISTAGG", *([separator] if separator is not None else []))

    @property
    def distinct(self) -> Expression:
        """``col('a').count.distinct``: the aggregate over distinct values."""
        node = self.node
        if isinstance(node, exp.Anonymous) and node.expressions:
            return self._derive(_fn(node.name, exp.Distinct(expressions=[node.expressions[0]]),
                                    *node.expressions[1:]))
        return self._derive(exp.Distinct(expressions=[node]))

    @property
    def count_distinct(self) -> Expression:
        return self._derive(_fn("COUNT", exp.Distinct(expressions=[self.node])))

    def over(self, alias: Expression | str) -> Expression:
        """This aggregate over the window named by ``alias`` (defined with ``over_window``)."""
        name = alias.node.name if isinstance(alias, Expression) else str(alias)
        return self._derive(exp.Window(this=self.node, alias=exp.to_identifier(name)))

    # -- arithmetic functions -------------------------------------------------------------
    @property
    def abs(self): return self._call("ABS")
    @property
    def sqrt(self): return self._call("SQRT")
    @property
    def exp(self): return self._call("EXP")
    @property
    def ln(self): return self._call("LN")
    @property
    def log10(self): return self._call("LOG10")
    @property
    def log2(self): return self._call("LOG2")
    @property
    def sign(self): return self._call("SIGN")
    @property
    def sin(self): return self._call("SIN")
    @property
    def cos(self): return self._call("COS")
    @property
    def tan(self): return self._call("TAN")
    @property
    def degrees(self): return self._call("DEGREES")
    @property
    def radians(self): return self._call("RADIANS")
    @property
    def hex(self): return self._call("HEX")
    @property
    def md5(self): return self._call("MD5")
    @property
    def sha1(self): return self._call("SHA1")
    @property
    def sha256(self): return self._call("SHA256")

    def log(self, base=None) -> Expression:
        if base is None:
            return self._call("LN")
        return Expression(_fn("LOG", _node(base), self.node), _functions_of(self, base))

    def power(self, other) -> Expression:
        return self._call("POWER", other)

    def round(self, places=0) -> Expression:
        return self._call("ROUND", places)

    def truncate(self, places=0) -> Expression:
        return self._call("TRUNCATE", places)

    @property
    def floor(self) -> Expression:
        return _Overloaded(self._call("FLOOR"), lambda unit: self._to_unit("FLOOR", unit))

    @property
    def ceil(self) -> Expression:
        return _Overloaded(self._call("CEIL"), lambda unit: self._to_unit("CEIL", unit))

    def _to_unit(self, name: str, unit: TimeIntervalUnit | str) -> Expression:
        text = unit.value if isinstance(unit, enum.Enum) else str(unit).upper()
        return self._derive(_fn(name, self.node, exp.Var(this=text)))

    # -- string functions -----------------------------------------------------------------
    @property
    def upper_case(self): return self._call("UPPER")
    @property
    def lower_case(self): return self._call("LOWER")
    @property
    def init_cap(self): return self._call("INITCAP")
    @property
    def char_length(self): return self._call("CHAR_LENGTH")
    @property
    def ltrim(self): return self._trim("LEADING", " ")
    @property
    def rtrim(self): return self._trim("TRAILING", " ")
    @property
    def reverse(self): return self._call("REVERSE")
    @property
    def to_base64(self): return self._call("TO_BASE64")
    @property
    def from_base64(self): return self._call("FROM_BASE64")

    def substring(self, begin_index, length=None) -> Expression:
        return self._call("SUBSTRING", begin_index, *([length] if length is not None else []))

    substr = substring

    def trim(self, character=None) -> Expression:
        return self._trim("BOTH", character if character is not None else " ")

    def trim_leading(self, character=None) -> Expression:
        return self._trim("LEADING", character if character is not None else " ")

    def trim_trailing(self, character=None) -> Expression:
        return self._trim("TRAILING", character if character is not None else " ")

    def _trim(self, position: str, character) -> Expression:
        return self._derive(exp.Trim(this=self.node, position=position, expression=_node(character)), character)

    def replace(self, search, replacement) -> Expression:
        return self._call("REPLACE", search, replacement)

    def position(self, haystack) -> Expression:
        return Expression(_fn("POSITION", self.node, _node(haystack)), _functions_of(self, haystack))

    def lpad(self, length, pad) -> Expression:
        return self._call("LPAD", length, pad)

    def rpad(self, length, pad) -> Expression:
        return self._call("RPAD", length, pad)

    def repeat(self, n) -> Expression:
        return self._call("REPEAT", n)

    def regexp(self, regex) -> Expression:
        return self._call("REGEXP", regex)

    def regexp_replace(self, regex, replacement) -> Expression:
        return self._call("REGEXP_REPLACE", regex, replacement)

    def regexp_extract(self, regex, extract_index=None) -> Expression:
        return self._call("REGEXP_EXTRACT", regex, *([extract_index] if extract_index is not None else []))

    def split_index(self, separator, index) -> Expression:
        return self._call("SPLIT_INDEX", separator, index)

    def split(self, delimiter) -> Expression:
        return self._call("SPLIT", delimiter)

    def instr(self, s) -> Expression:
        return self._call("INSTR", s)

    def left(self, n) -> Expression:
        return self._call("LEFT", n)

    def right(self, n) -> Expression:
        return self._call("RIGHT", n)

    def starts_with(self, prefix) -> Expression:
        return self._call("STARTSWITH", prefix)

    def ends_with(self, suffix) -> Expression:
        return self._call("ENDSWITH", suffix)

    def str_to_map(self, list_delimiter=None, key_value_delimiter=None) -> Expression:
        extra = [a for a in (list_delimiter, key_value_delimiter) if a is not None]
        return self._call("STR_TO_MAP", *extra)

    # -- temporal -------------------------------------------------------------------------
    def _interval(self, unit: str) -> Expression:
        node = self.node
        if isinstance(node, exp.Literal) and not node.is_string:
            return self._derive(exp.Interval(this=exp.Literal.string(node.this), unit=exp.Var(this=unit)))
        one = exp.Interval(this=exp.Literal.string("1"), unit=exp.Var(this=unit))
        return self._derive(exp.Mul(this=_wrap(node), expression=one))

    @property
    def years(self): return self._interval("YEAR")
    @property
    def year(self): return self._interval("YEAR")
    @property
    def quarters(self): return self._derive(exp.Mul(this=_wrap(self.node), expression=exp.Interval(
        this=exp.Literal.string("3"), unit=exp.Var(this="MONTH"))))
    @property
    def months(self): return self._interval("MONTH")
    @property
    def month(self): return self._interval("MONTH")
    @property
    def weeks(self): return self._interval("WEEK")
    @property
    def week(self): return self._interval("WEEK")
    @property
    def days(self): return self._interval("DAY")
    @property
    def day(self): return self._interval("DAY")
    @property
    def hours(self): return self._interval("HOUR")
    @property
    def hour(self): return self._interval("HOUR")
    @property
    def minutes(self): return self._interval("MINUTE")
    @property
    def minute(self): return self._interval("MINUTE")
    @property
    def seconds(self): return self._interval("SECOND")
    @property
    def second(self): return self._interval("SECOND")
    @property
    def millis(self): return self._interval("MILLISECOND")
    @property
    def milli(self): return self._interval("MILLISECOND")

    @property
    def rows(self):
        raise TypeError("lit(n).rows is not supported (as in PyFlink): use row_interval(n)")

    @property
    def to_date(self): return self._derive(exp.Cast(this=self.node, to=_type_node("DATE")))
    @property
    def to_time(self): return self._derive(exp.Cast(this=self.node, to=_type_node("TIME(0)")))
    @property
    def to_timestamp(self): return self._derive(exp.Cast(this=self.node, to=_type_node("TIMESTAMP(3)")))

    def extract(self, time_interval_unit: TimeIntervalUnit | str) -> Expression:
        unit = time_interval_unit.value if isinstance(time_interval_unit, enum.Enum) else str(time_interval_unit)
        return self._derive(exp.Extract(this=exp.Var(this=unit.upper()), expression=self.node))

    # window properties of a group window alias: col('w').start / .end / .rowtime / .proctime
    @property
    def start(self): return self._window_property("start")
    @property
    def end(self): return self._window_property("end")
    @property
    def rowtime(self): return self._window_property("rowtime")
    @property
    def proctime(self): return self._window_property("proctime")

    def _window_property(self, what: str) -> Expression:
        return self._derive(exp.Column(this=exp.to_identifier(what), table=exp.to_identifier(self.node.name)))

    # -- JSON -----------------------------------------------------------------------------
    def json_value(self, path: str, returning_type: DataType | None = None, *args) -> Expression:
        node = self._call("JSON_VALUE", path)
        return node.cast(returning_type) if returning_type is not None else node

    def json_query(self, path: str, *args) -> Expression:
        return self._call("JSON_QUERY", path)

    def json_exists(self, path: str, *args) -> Expression:
        return self._call("JSON_EXISTS", path)

    @property
    def is_json(self): return self._call("IS_JSON")

    # -- collections ----------------------------------------------------------------------
    @property
    def cardinality(self): return self._call("CARDINALITY")
    @property
    def element(self): return self._call("ELEMENT")

    def array_contains(self, needle) -> Expression:
        return self._call("ARRAY_CONTAINS", needle)


class _Overloaded(Expression):
    """A property result that may also be called with arguments (``.floor(TimeIntervalUnit.HOUR)``)."""

    def __init__(self, base: Expression, with_args: Callable[..., Expression]) -> None:
        super().__init__(base.node, base.functions)
        self._with_args = with_args

    def __call__(self, *args) -> Expression:  # type: ignore[override]
        return self._with_args(*args) if args else Expression(self.node, self.functions)


class _MultiAlias(Expression):
    """``expr.alias('a', 'b')``: names for the several columns a table function or ROW result gives."""

    def __init__(self, base: Expression, names: tuple[str, ...]) -> None:
        super().__init__(base.node, base.functions)
        self.names = names


# -- builders ----------------------------------------------------------------------------

def col(name: str) -> Expression:
    if name == "*":
        return Expression(exp.Star())
    return Expression(exp.Column(this=exp.to_identifier(name, quoted=True)))


column = col


def lit(value: Any, data_type: DataType | None = None) -> Expression:
    node = _literal_node(value)
    if data_type is not None:
        return Expression(node).cast(data_type)
    return Expression(node)


def null_of(data_type: DataType) -> Expression:
    return Expression(exp.Cast(this=exp.Null(), to=_type_node(_type_text(data_type))))


def call(f, *args) -> Expression:
    """Call a function by name (built-in or registered) or a user-defined function object."""
    if isinstance(f, str):
        return Expression(_fn(f, *(_node(a) for a in args)), _functions_of(*args))
    return f(*args)


def call_sql(sql_expression: str) -> Expression:
    from flowsql.planner.parser import parse_expression

    return Expression(parse_expression(sql_expression))


def if_then_else(condition, if_true, if_false) -> Expression:
    node = exp.Case(ifs=[exp.If(this=_node(condition), true=_node(if_true))], default=_node(if_false))
    return Expression(node, _functions_of(condition, if_true, if_false))


def _variadic(name: str, *args) -> Expression:
    return Expression(_fn(name, *(_node(a) for a in args)), _functions_of(*args))


def concat(first, *others) -> Expression:
    return _variadic("CONCAT", first, *others)


def concat_ws(separator, first, *others) -> Expression:
    return _variadic("CONCAT_WS", separator, first, *others)


def coalesce(*args) -> Expression:
    return _variadic("COALESCE", *args)


def greatest(*args) -> Expression:
    return _variadic("GREATEST", *args)


def least(*args) -> Expression:
    return _variadic("LEAST", *args)


def row(head, *tail) -> Expression:
    return _variadic("ROW", head, *tail)


def array(head, *tail) -> Expression:
    node = exp.Array(expressions=[_node(a) for a in (head, *tail)])
    return Expression(node, _functions_of(head, *tail))


def map_(key, value, *tail) -> Expression:
    items = (key, value, *tail)
    node = exp.VarMap(keys=exp.Array(expressions=[_node(a) for a in items[0::2]]),
                      values=exp.Array(expressions=[_node(a) for a in items[1::2]]))
    return Expression(node, _functions_of(*items))


def and_(predicate0, predicate1, *predicates) -> Expression:
    result = Expression(_node(predicate0), _functions_of(predicate0))
    for p in (predicate1, *predicates):
        result = result & p
    return result


def or_(predicate0, predicate1, *predicates) -> Expression:
    result = Expression(_node(predicate0), _functions_of(predicate0))
    for p in (predicate1, *predicates):
        result = result | p
    return result


def not_(expression) -> Expression:
    return ~expression


def current_date() -> Expression:
    return Expression(_fn("CURRENT_DATE"))


def current_time() -> Expression:
    return Expression(_fn("CURRENT_TIME"))


def current_timestamp() -> Expression:
    return Expression(_fn("CURRENT_TIMESTAMP"))


def current_watermark(rowtime) -> Expression:
    return _variadic("CURRENT_WATERMARK", rowtime)


def local_time() -> Expression:
    return Expression(_fn("LOCALTIME"))


def local_timestamp() -> Expression:
    return Expression(_fn("LOCALTIMESTAMP"))


def to_date(date_str, format=None) -> Expression:
    return _variadic("TO_DATE", date_str, *([format] if format is not None else []))


def to_timestamp(timestamp_str, format=None) -> Expression:
    return _variadic("TO_TIMESTAMP", timestamp_str, *([format] if format is not None else []))


def to_timestamp_ltz(numeric_epoch_time, precision=3) -> Expression:
    return _variadic("TO_TIMESTAMP_LTZ", numeric_epoch_time, precision)


def date_format(timestamp, format) -> Expression:
    return _variadic("DATE_FORMAT", timestamp, format)


def timestamp_diff(time_point_unit: TimePointUnit, time_point1, time_point2) -> Expression:
    unit = exp.Var(this=time_point_unit.value)
    return Expression(_fn("TIMESTAMPDIFF", unit, _node(time_point1), _node(time_point2)),
                      _functions_of(time_point1, time_point2))


def temporal_overlaps(left_time_point, left_temporal, right_time_point, right_temporal) -> Expression:
    return _variadic("TEMPORAL_OVERLAPS", left_time_point, left_temporal, right_time_point, right_temporal)


def uuid() -> Expression:
    return Expression(_fn("UUID"))


def rand(seed=None) -> Expression:
    return _variadic("RAND", *([seed] if seed is not None else []))


def rand_integer(bound, seed=None) -> Expression:
    return _variadic("RAND_INTEGER", *([seed] if seed is not None else []), bound)


def pi() -> Expression:
    return Expression(_fn("PI"))


def e() -> Expression:
    return Expression(_fn("E"))


def log(v, base=None) -> Expression:
    return Expression(_node(v), _functions_of(v)).log(base)


def json_object(on_null: JsonOnNull = JsonOnNull.NULL, *args) -> Expression:
    return _variadic("JSON_OBJECT", *args)


def json_string(value) -> Expression:
    return _variadic("JSON_STRING", value)


def source_watermark() -> Expression:
    return Expression(_fn("SOURCE_WATERMARK"))


def with_columns(head, *tails) -> Expression:
    return _ColumnRange("with", (head, *tails))


def without_columns(head, *tails) -> Expression:
    return _ColumnRange("without", (head, *tails))


def range_(start: int | str, end: int | str) -> Expression:
    return _Range(start, end)


class _Range(Expression):
    def __init__(self, start, end) -> None:
        super().__init__(exp.Null())
        self.bounds = (start, end)


class _ColumnRange(Expression):
    """``with_columns(range_(1, 3))`` / ``without_columns(col('a'))``: expanded against a table's columns."""

    def __init__(self, mode: str, items: tuple) -> None:
        super().__init__(exp.Star())
        self.mode = mode
        self.items = items

    def expand(self, names: list[str]) -> list[Expression]:
        chosen: list[str] = []
        for item in self.items:
            if isinstance(item, _Range):
                lo, hi = item.bounds
                lo = names.index(lo) + 1 if isinstance(lo, str) else lo
                hi = names.index(hi) + 1 if isinstance(hi, str) else hi
                chosen += names[lo - 1:hi]
            elif isinstance(item, int):
                chosen.append(names[item - 1])
            elif isinstance(item, Expression) and isinstance(item.node, exp.Column):
                chosen.append(item.node.name)
            else:
                chosen.append(str(item))
        if self.mode == "without":
            chosen = [n for n in names if n not in chosen]
        return [col(n) for n in chosen]


# -- over-window bounds ------------------------------------------------------------------

class _Bound(Expression):
    """A window bound: ``UNBOUNDED_ROW``, ``CURRENT_RANGE``, ``row_interval(2)`` ..."""

    def __init__(self, kind: str, amount: exp.Expression | None) -> None:
        super().__init__(amount if amount is not None else exp.Null())
        self.kind = kind  # 'ROWS' | 'RANGE'
        self.amount = amount  # None: unbounded / current row (see is_current)
        self.is_current = False


def _unbounded(kind: str) -> _Bound:
    return _Bound(kind, None)


def _current(kind: str) -> _Bound:
    bound = _Bound(kind, None)
    bound.is_current = True
    return bound


UNBOUNDED_ROW = _unbounded("ROWS")
UNBOUNDED_RANGE = _unbounded("RANGE")
CURRENT_ROW = _current("ROWS")
CURRENT_RANGE = _current("RANGE")


def row_interval(rows: int) -> _Bound:
    return _Bound("ROWS", exp.Literal.number(rows))


def range_interval(interval: Expression) -> _Bound:
    return _Bound("RANGE", interval.node)

__all__ = [
    "CURRENT_RANGE",
    "CURRENT_ROW",
    "UNBOUNDED_RANGE",
    "UNBOUNDED_ROW",
    "Expression",
    "JsonOnNull",
    "TimeIntervalUnit",
    "TimePointUnit",
    "and_",
    "array",
    "call",
    "call_sql",
    "coalesce",
    "col",
    "column",
    "concat",
    "concat_ws",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_watermark",
    "date_format",
    "e",
    "greatest",
    "if_then_else",
    "json_object",
    "json_string",
    "least",
    "lit",
    "local_time",
    "local_timestamp",
    "log",
    "map_",
    "not_",
    "null_of",
    "or_",
    "pi",
    "rand",
    "rand_integer",
    "range_",
    "range_interval",
    "row",
    "row_interval",
    "source_watermark",
    "temporal_overlaps",
    "timestamp_diff",
    "to_date",
    "to_timestamp",
    "to_timestamp_ltz",
    "uuid",
    "with_columns",
    "without_columns",
]
