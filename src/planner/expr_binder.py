"""Binding scalar expressions: sqlglot AST → typed ``Expr`` over a scope of input fields.

Resolves column names (with did-you-mean hints and positions), types every operator and function
by Flink's rules, and inserts the implicit casts Flink would (numeric widening, string literals
compared with numbers or timestamps). Aggregate calls are delegated to a callback so that the
query binder decides what an aggregate means in its context.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass, replace
from typing import Callable

from sqlglot import exp

from flowsql.common.errors import ValidationError, did_you_mean
from flowsql.common.types import (
    BIGINT, BOOLEAN, DECIMAL, DOUBLE, INT, INTERVAL_DAY_TIME, INTERVAL_YEAR_MONTH, NULL, STRING, VARCHAR, DataType, common_type, parse_type,
)
from flowsql.planner.expressions import Call, Expr, InputRef, Literal
from flowsql.planner.functions import registry
from flowsql.planner.typing_rules import AGGREGATE_FUNCTIONS, arithmetic_type, comparison_operand_type


@dataclass(frozen=True)
class ScopeField:
    name: str
    type: DataType
    qualifier: str | None  # the table alias it came from


class Scope:
    """The fields visible to an expression: the concatenated outputs of the FROM clause."""

    def __init__(self, fields: list[ScopeField], outer: "Scope | None" = None) -> None:
        self.fields = fields
        self.outer = outer

    def resolve(self, name: str, qualifier: str | None, node: exp.Expression) -> int:
        matches = [
            i for i, f in enumerate(self.fields)
            if f.name == name and (qualifier is None or f.qualifier == qualifier)
        ]
        if len(matches) == 1:
            return matches[0]
        full = f"{qualifier}.{name}" if qualifier else name
        if not matches:
            if qualifier is not None and not any(f.qualifier == qualifier for f in self.fields):
                quals = sorted({f.qualifier for f in self.fields if f.qualifier})
                raise error(f"table '{qualifier}' is not in the FROM clause", node,
                            hint=did_you_mean(qualifier, quals) or (f"known tables: {', '.join(quals)}" if quals
                                                                    else None))
            case_match = [f.name for f in self.fields if f.name.lower() == name.lower()]
            candidates = [f.name for f in self.fields if qualifier is None or f.qualifier == qualifier]
            hint = (f"identifiers are case-sensitive: did you mean '{case_match[0]}'?" if case_match
                    else did_you_mean(name, candidates))
            if hint is None and candidates:
                hint = f"available columns: {', '.join(dict.fromkeys(candidates))}"
            raise error(f"column '{full}' not found", node, hint=hint)
        raise error(f"column '{full}' is ambiguous", node,
                    hint="qualify it with its table name or alias, e.g. t." + name)


def error(message: str, node: exp.Expression | None, hint: str | None = None) -> ValidationError:
    line, col = position(node)
    return ValidationError(message, line=line, column=col, hint=hint)


def position(node: exp.Expression | None) -> tuple[int | None, int | None]:
    """The (line, column) sqlglot recorded for a node or its first positioned descendant."""
    if node is None:
        return None, None
    for n in node.walk():
        meta = getattr(n, "meta", None) or {}
        if "line" in meta:
            col = meta.get("col")
            start = meta.get("start")
            end = meta.get("end")
            if col is not None and start is not None and end is not None:
                col = col - (end - start)  # sqlglot records the column of the token's last char
            return meta["line"], max(1, col or 1)
        if isinstance(n, exp.Identifier) and n.meta:
            continue
    return None, None


AggregateHandler = Callable[[exp.Expression], Expr]

_COMPARISONS = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_ARITHMETIC = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%"}
_INTERVAL_UNITS_MS = {
    "MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000,
    "WEEK": 7 * 86_400_000,
}
# sqlglot function classes whose Flink name differs from their sqlglot name
_RENAMED = {"Length": "CHAR_LENGTH", "StrPosition": "POSITION", "Stddev": "STDDEV", "Variance": "VARIANCE",
            "VariancePop": "VAR_POP", "Pow": "POWER", "Ln": "LN", "Log": "LOG", "Initcap": "INITCAP",
            "ArrayContains": "ARRAY_CONTAINS", "ArraySize": "CARDINALITY", "Md5": "MD5", "SHA": "SHA1",
            "SHA2": "SHA2", "CurrentTimestamp": "CURRENT_TIMESTAMP", "CurrentDate": "CURRENT_DATE",
            "CurrentTime": "CURRENT_TIME", "RegexpLike": "REGEXP", "RegexpReplace": "REGEXP_REPLACE",
            "RegexpExtract": "REGEXP_EXTRACT", "StrToMap": "STR_TO_MAP", "Unhex": "UNHEX", "Hex": "HEX",
            "ToBase64": "TO_BASE64", "FromBase64": "FROM_BASE64", "Levenshtein": "LEVENSHTEIN",
            "UnixToTime": "FROM_UNIXTIME", "StrToUnix": "UNIX_TIMESTAMP", "TimeToUnix": "UNIX_TIMESTAMP",
            "Rand": "RAND", "Uuid": "UUID", "Chr": "CHR", "JSONExtractScalar": "JSON_VALUE",
            "JSONExtract": "JSON_QUERY", "ParseJSON": "PARSE_JSON", "DateFormat": "DATE_FORMAT",
            "TimeToStr": "DATE_FORMAT", "StrToTime": "TO_TIMESTAMP", "StrToDate": "TO_DATE",
            "TsOrDsToDate": "TO_DATE", "Split": "SPLIT", "Substring": "SUBSTRING", "Ceil": "CEIL",
            "Floor": "FLOOR", "Unicode": "ASCII", "Repeat": "REPEAT", "Pad": "LPAD"}


class ExpressionBinder:
    def __init__(self, scope: Scope, aggregate_handler: AggregateHandler | None = None,
                 function_lookup: Callable[[str], object] | None = None,
                 clause: str = "expression") -> None:
        self.scope = scope
        self.aggregate_handler = aggregate_handler
        self.function_lookup = function_lookup
        self.clause = clause
        # Optional hook the query binder uses to map whole sub-expressions (e.g. GROUP BY keys).
        self.substitute: Callable[[exp.Expression], Expr | None] | None = None
        self.subquery_handler: Callable[[exp.Expression], Expr] | None = None
        self.window_handler: Callable[[exp.Window], Expr] | None = None

    # -- entry --------------------------------------------------------------------------
    def bind(self, node: exp.Expression) -> Expr:
        if self.substitute is not None:
            found = self.substitute(node)
            if found is not None:
                return found
        try:
            bound = self._bind(node)
        except ValidationError as e:
            if e.line is None:
                line, col = position(node)
                e.at(line, col)
            raise
        if isinstance(bound, Call) and bound.position is None:
            line, col = position(node)
            if line is not None:
                bound = replace(bound, position=(line, col))
        return bound

    def _bind(self, node: exp.Expression) -> Expr:
        if isinstance(node, exp.Paren):
            return self.bind(node.this)
        if isinstance(node, exp.Alias):
            return self.bind(node.this)
        if isinstance(node, exp.Column):
            return self.column(node)
        if isinstance(node, exp.Literal):
            return self.literal(node)
        if isinstance(node, exp.Boolean):
            return Literal(BOOLEAN(False), bool(node.this))
        if isinstance(node, exp.Null):
            return Literal(NULL(), None)
        if isinstance(node, exp.Var):  # a unit keyword argument: FLOOR(ts TO HOUR), TIMESTAMPADD(DAY, ...)
            return Literal(DataType("CHAR", False, length=len(node.name)), node.name.upper())
        if isinstance(node, exp.VarMap):
            keys = [self.bind(k) for k in node.args["keys"].expressions]
            values = [self.bind(v) for v in node.args["values"].expressions]
            kt = common_type([k.type for k in keys]) or STRING()
            vt = common_type([v.type for v in values]) or STRING()
            kt = VARCHAR(kt.length, False) if kt.name == "CHAR" else kt
            vt = VARCHAR(vt.length, vt.nullable) if vt.name == "CHAR" else vt
            operands = []
            for k, v in zip(keys, values):
                operands += [self.coerce(k, kt), self.coerce(v, vt)]
            return Call(DataType("MAP", False, children=(kt, vt)), "MAP", tuple(operands))
        if isinstance(node, exp.Neg):
            inner = self.bind(node.this)
            if isinstance(inner, Literal) and isinstance(inner.value, (int, float, decimal.Decimal)):
                return Literal(inner.type, -inner.value)
            self._require(inner, lambda t: t.is_numeric or t.is_interval, "a number", node)
            return Call(inner.type, "NEG", (inner,))
        for cls, op in _ARITHMETIC.items():
            if type(node) is cls:
                return self.arithmetic(op, node.this, node.expression, node)
        if isinstance(node, exp.IntDiv):
            return self.arithmetic("/", node.this, node.expression, node)
        for cls, op in _COMPARISONS.items():
            if type(node) is cls:
                return self.comparison(op, self.bind(node.this), self.bind(node.expression), node)
        if isinstance(node, (exp.And, exp.Or)):
            left, right = self.boolean(node.this), self.boolean(node.expression)
            op = "AND" if isinstance(node, exp.And) else "OR"
            return Call(BOOLEAN(left.type.nullable or right.type.nullable), op, (left, right))
        if isinstance(node, exp.Not):
            inner_node = node.this
            if isinstance(inner_node, exp.Paren):
                inner_node = inner_node.this
            if isinstance(inner_node, exp.Like):
                return self.like(inner_node, negate=True)
            if isinstance(inner_node, exp.In):
                return self.in_list(inner_node, negate=True)
            if isinstance(inner_node, exp.Between):
                return self.between(inner_node, negate=True)
            if isinstance(inner_node, exp.SimilarTo):
                return self.similar(inner_node, negate=True)
            inner = self.boolean(node.this)
            return Call(BOOLEAN(inner.type.nullable), "NOT", (inner,))
        if isinstance(node, exp.Is):
            return self.is_test(node)
        if isinstance(node, (exp.NullSafeEQ, exp.NullSafeNEQ)):
            left, right = self.coerce_pair(self.bind(node.this), self.bind(node.expression), node)
            op = "IS NOT DISTINCT FROM" if isinstance(node, exp.NullSafeEQ) else "IS DISTINCT FROM"
            return Call(BOOLEAN(False), op, (left, right))
        if isinstance(node, (exp.Like, exp.ILike)):
            return self.like(node, negate=bool(node.args.get("negate")))  # sqlglot 30: NOT LIKE is negate=True
        if isinstance(node, exp.Escape):
            return self.like(node.this, negate=bool(node.this.args.get("negate")), escape=node.expression)
        if isinstance(node, exp.SimilarTo):
            return self.similar(node)
        if isinstance(node, exp.In):
            return self.in_list(node)
        if isinstance(node, exp.Between):
            return self.between(node)
        if isinstance(node, exp.Case):
            return self.case(node)
        if isinstance(node, exp.If) and not isinstance(node, exp.Case):
            return self.if_(node)
        if isinstance(node, (exp.Cast, exp.TryCast)):
            return self.cast(node)
        if isinstance(node, exp.DPipe):
            left, right = self.bind(node.this), self.bind(node.expression)
            left, right = self.to_string(left), self.to_string(right)
            return Call(STRING(left.type.nullable or right.type.nullable), "||", (left, right))
        if isinstance(node, exp.Interval):
            return self.interval(node)
        if isinstance(node, exp.Bracket):
            return self.bracket(node)
        if isinstance(node, exp.Dot):
            return self.field_access(self.bind(node.this), node.expression.name, node)
        if isinstance(node, exp.Array):
            items = [self.bind(e) for e in node.expressions]
            elem = common_type([i.type for i in items]) or STRING()
            return Call(DataType("ARRAY", False, children=(elem,)), "ARRAY",
                        tuple(self.coerce(i, elem) for i in items))
        if isinstance(node, exp.Struct) or (isinstance(node, exp.Anonymous) and node.name.upper() == "ROW"):
            items = [self.bind(e) for e in node.expressions]
            names = tuple(f"EXPR${i}" for i in range(len(items)))
            t = DataType("ROW", False, children=tuple(i.type for i in items), field_names=names)
            return Call(t, "ROW", tuple(items))
        if isinstance(node, exp.Tuple):
            items = [self.bind(e) for e in node.expressions]
            t = DataType("ROW", False, children=tuple(i.type for i in items),
                         field_names=tuple(f"EXPR${i}" for i in range(len(items))))
            return Call(t, "ROW", tuple(items))
        if isinstance(node, (exp.Subquery, exp.Select, exp.Exists)) and self.subquery_handler:
            return self.subquery_handler(node)
        if isinstance(node, exp.Window):
            if self.window_handler is None:
                raise error("window functions (OVER) are not allowed in the " + self.clause, node)
            return self.window_handler(node)
        if isinstance(node, exp.Filter) or self.is_aggregate(node):
            if self.aggregate_handler is None:
                raise error(f"aggregate functions are not allowed in the {self.clause}", node,
                            hint="aggregates belong in SELECT or HAVING of a grouped query")
            return self.aggregate_handler(node)
        if isinstance(node, exp.Star):
            raise error("'*' is only allowed in SELECT lists and COUNT(*)", node)
        if isinstance(node, exp.Func):
            return self.function(node)
        raise error(f"unsupported expression '{node.sql()}'", node)

    # -- leaves -------------------------------------------------------------------------
    def column(self, node: exp.Column) -> Expr:
        name = node.name
        qualifier = node.table or None
        if node.args.get("db"):
            # a.b.c: treat as table b column c (catalog-qualified columns are rare), or row field access
            qualifier = node.table
        try:
            index = self.scope.resolve(name, qualifier, node)
        except ValidationError:
            # `r.f` where r is a ROW column: field access rather than table.column
            if qualifier is not None and not any(f.qualifier == qualifier for f in self.scope.fields):
                try:
                    base = self.scope.resolve(qualifier, None, node)
                except ValidationError:
                    base = None
                if base is not None and self.scope.fields[base].type.name == "ROW":
                    ref = InputRef(self.scope.fields[base].type, base, qualifier)
                    return self.field_access(ref, name, node)
            raise
        f = self.scope.fields[index]
        return InputRef(f.type, index, f.name)

    def literal(self, node: exp.Literal) -> Literal:
        text = node.this
        if node.is_string:
            return Literal(DataType("CHAR", False, length=max(1, len(text))), text)
        if re.fullmatch(r"-?\d+", text):
            value = int(text)
            if -(2**31) <= value < 2**31:
                return Literal(INT(False), value)
            if -(2**63) <= value < 2**63:
                return Literal(BIGINT(False), value)
            return Literal(DECIMAL(min(38, len(text)), 0, False), decimal.Decimal(text))
        if re.fullmatch(r"-?(\d+\.\d*|\.\d+)", text):
            d = decimal.Decimal(text)
            digits = text.lstrip("-").replace(".", "").lstrip("0") or "0"
            scale = len(text.split(".")[1])
            precision = max(len(digits), scale, 1)
            return Literal(DECIMAL(min(38, precision), min(scale, 38), False), d)
        return Literal(DOUBLE(False), float(text))

    def interval(self, node: exp.Interval) -> Literal:
        unit_node = node.args.get("unit")
        unit = (unit_node.name if unit_node is not None else "").upper()
        raw = node.this.name if isinstance(node.this, exp.Literal) else node.this.sql()
        raw = raw.strip()
        if not unit and " " in raw:
            raw, unit = raw.split(None, 1)
            unit = unit.upper()
        unit = unit.rstrip("S") if unit.endswith("S") and unit[:-1] in (
            "YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "WEEK") else unit
        if " TO " in unit:
            return self._interval_range(raw, unit, node)
        try:
            amount = decimal.Decimal(raw)
        except decimal.InvalidOperation:
            raise error(f"'{raw}' is not a valid interval amount", node,
                        hint="write intervals like INTERVAL '10' SECOND") from None
        if unit in ("YEAR", "MONTH", "QUARTER"):
            months = int(amount) * {"YEAR": 12, "QUARTER": 3, "MONTH": 1}[unit]
            return Literal(INTERVAL_YEAR_MONTH(False), months)
        if unit not in _INTERVAL_UNITS_MS:
            raise error(f"unknown interval unit '{unit}'", node,
                        hint="use YEAR, MONTH, DAY, HOUR, MINUTE, SECOND or MILLISECOND")
        millis = amount * _INTERVAL_UNITS_MS[unit]
        return Literal(INTERVAL_DAY_TIME(False), dt.timedelta(milliseconds=float(millis)))

    def _interval_range(self, raw: str, unit: str, node: exp.Expression) -> Literal:
        start, _, end = unit.partition(" TO ")
        if start == "YEAR":
            years, _, months = raw.partition("-")
            return Literal(INTERVAL_YEAR_MONTH(False), int(years) * 12 + int(months or 0))
        m = re.fullmatch(r"(-?)(?:(\d+) )?(\d+)(?::(\d+))?(?::(\d+(?:\.\d+)?))?", raw)
        if not m:
            raise error(f"'{raw}' is not a valid {unit} interval", node)
        sign = -1 if m.group(1) else 1
        parts = [p for p in m.groups()[1:]]
        names = {"DAY": ["days", "hours", "minutes", "seconds"], "HOUR": ["hours", "minutes", "seconds"],
                 "MINUTE": ["minutes", "seconds"]}.get(start, ["seconds"])
        values = [float(p) for p in parts if p is not None]
        kwargs = dict(zip(names, values))
        return Literal(INTERVAL_DAY_TIME(False), sign * dt.timedelta(**kwargs))

    # -- operators ----------------------------------------------------------------------
    def arithmetic(self, op: str, left_node: exp.Expression, right_node: exp.Expression,
                   node: exp.Expression) -> Expr:
        left, right = self.bind(left_node), self.bind(right_node)
        left, right = self._numeric_literal(left, right), self._numeric_literal(right, left)
        t = arithmetic_type(op, left.type, right.type)
        if t.name == "DECIMAL" or t.name in ("DOUBLE", "FLOAT"):
            pass
        return Call(t, op, (left, right))

    def _numeric_literal(self, e: Expr, other: Expr) -> Expr:
        """A string literal next to a number is read as that number (Flink's implicit cast)."""
        if isinstance(e, Literal) and e.type.is_string and (other.type.is_numeric or other.type.is_temporal):
            return self.coerce(e, other.type)
        if e.type.name == "NULL":
            return Literal(other.type.with_nullable(True), None)
        return e

    def comparison(self, op: str, left: Expr, right: Expr, node: exp.Expression) -> Expr:
        left, right = self.coerce_pair(left, right, node)
        return Call(BOOLEAN(left.type.nullable or right.type.nullable), op, (left, right))

    def coerce_pair(self, left: Expr, right: Expr, node: exp.Expression) -> tuple[Expr, Expr]:
        target = comparison_operand_type(left.type, right.type)
        if target is None:
            raise error(f"cannot compare {left.type.sql(False)} with {right.type.sql(False)}", node,
                        hint="CAST one side to the other's type")
        return self.coerce(left, target), self.coerce(right, target)

    def coerce(self, e: Expr, target: DataType) -> Expr:
        """Cast ``e`` to ``target`` (keeping e's nullability) unless it already has that type."""
        src = e.type.without_time_attribute().with_nullable(True)
        tgt = target.without_time_attribute().with_nullable(True)
        if src == tgt or (src.is_string and tgt.is_string and tgt.name == "VARCHAR"):
            return e
        if isinstance(e, Literal) and e.value is None:
            return Literal(tgt, None)
        return Call(tgt.with_nullable(e.type.nullable), "CAST", (e,))

    def boolean(self, node: exp.Expression) -> Expr:
        e = self.bind(node)
        if e.type.name == "NULL":
            return Literal(BOOLEAN(True), None)
        if e.type.name != "BOOLEAN":
            raise error(f"expected a BOOLEAN condition, found {e.type.sql(False)}", node,
                        hint="compare the value, e.g. x > 0 or x IS NOT NULL")
        return e

    def _require(self, e: Expr, predicate, what: str, node: exp.Expression) -> None:
        if e.type.name != "NULL" and not predicate(e.type):
            raise error(f"expected {what}, found {e.type.sql(False)}", node)

    def is_test(self, node: exp.Is) -> Expr:
        target = node.expression
        inner = self.bind(node.this)
        if isinstance(target, exp.Null):
            return Call(BOOLEAN(False), "IS NULL", (inner,))
        if isinstance(target, exp.Boolean):
            return Call(BOOLEAN(False), "IS TRUE" if target.this else "IS FALSE", (inner,))
        if isinstance(target, exp.Not):
            t2 = target.this
            if isinstance(t2, exp.Null):
                return Call(BOOLEAN(False), "IS NOT NULL", (inner,))
            if isinstance(t2, exp.Boolean):
                return Call(BOOLEAN(False), "IS NOT TRUE" if t2.this else "IS NOT FALSE", (inner,))
        if isinstance(target, (exp.Var, exp.Column)) and target.name.upper() == "UNKNOWN":
            return Call(BOOLEAN(False), "IS NULL", (inner,))
        if isinstance(target, exp.JSON):  # x IS JSON [VALUE | SCALAR | ARRAY | OBJECT] → IS_JSON(x, kind)
            kind = str(target.this).upper() if target.this else "VALUE"
            return self.function(exp.Anonymous(this="IS_JSON", expressions=[node.this, exp.Literal.string(kind)]))
        raise error(f"unsupported IS test '{node.sql()}'", node)

    def like(self, node: exp.Expression, negate: bool = False, escape: exp.Expression | None = None) -> Expr:
        if isinstance(node, exp.Escape):
            return self.like(node.this, negate, node.expression)
        value, pattern = self.to_string(self.bind(node.this)), self.to_string(self.bind(node.expression))
        op = ("NOT " if negate else "") + ("ILIKE" if isinstance(node, exp.ILike) else "LIKE")
        operands = (value, pattern) + ((self.bind(escape),) if escape is not None else ())
        return Call(BOOLEAN(value.type.nullable or pattern.type.nullable), op, operands)

    def similar(self, node: exp.Expression, negate: bool = False) -> Expr:
        value, pattern = self.to_string(self.bind(node.this)), self.to_string(self.bind(node.expression))
        return Call(BOOLEAN(value.type.nullable or pattern.type.nullable),
                    "NOT SIMILAR TO" if negate else "SIMILAR TO", (value, pattern))

    def in_list(self, node: exp.In, negate: bool = False) -> Expr:
        if node.args.get("query") is not None:
            if self.subquery_handler is None:
                raise error("subqueries are not supported here", node)
            result = self.subquery_handler(node)
            return Call(BOOLEAN(result.type.nullable), "NOT", (result,)) if negate else result
        value = self.bind(node.this)
        items = [self.bind(e) for e in node.expressions]
        target = comparison_operand_type(value.type, common_type([i.type for i in items]) or items[0].type)
        if target is None:
            raise error(f"IN list values do not match {value.type.sql(False)}", node)
        value = self.coerce(value, target)
        items = [self.coerce(i, target) for i in items]
        nullable = value.type.nullable or any(i.type.nullable for i in items)
        return Call(BOOLEAN(nullable), "NOT IN" if negate else "IN", (value, *items))

    def between(self, node: exp.Between, negate: bool = False) -> Expr:
        value, low, high = self.bind(node.this), self.bind(node.args["low"]), self.bind(node.args["high"])
        target = comparison_operand_type(value.type, common_type([low.type, high.type]) or low.type)
        if target is None:
            raise error("BETWEEN bounds do not match the value's type", node)
        ops = tuple(self.coerce(x, target) for x in (value, low, high))
        symmetric = bool(node.args.get("symmetric"))
        op = "BETWEEN SYMMETRIC" if symmetric else ("NOT BETWEEN" if negate else "BETWEEN")
        result = Call(BOOLEAN(any(o.type.nullable for o in ops)), op, ops)
        if symmetric and negate:
            return Call(result.type, "NOT", (result,))
        return result

    def case(self, node: exp.Case) -> Expr:
        subject = self.bind(node.this) if node.this is not None else None
        conditions, values = [], []
        for when in node.args.get("ifs") or []:
            if subject is not None:
                cond = self.comparison("=", subject, self.bind(when.this), when)
            else:
                cond = self.boolean(when.this)
            conditions.append(cond)
            values.append(self.bind(when.args["true"]))
        default = node.args.get("default")
        else_value = self.bind(default) if default is not None else Literal(NULL(), None)
        result_type = common_type([v.type for v in values] + [else_value.type])
        if result_type is None:
            raise error("CASE branches have incompatible types: "
                        + ", ".join(v.type.sql(False) for v in values + [else_value]), node)
        if result_type.name == "CHAR" and len({v.type.length for v in values + [else_value]
                                               if v.type.name == "CHAR"}) > 1:
            result_type = VARCHAR(max(v.type.length or 1 for v in values + [else_value]), result_type.nullable)
        nullable = any(v.type.nullable for v in values) or else_value.type.nullable
        result_type = result_type.with_nullable(nullable)
        operands: list[Expr] = []
        for c, v in zip(conditions, values):
            operands += [c, self.coerce(v, result_type)]
        operands.append(self.coerce(else_value, result_type))
        return Call(result_type, "CASE", tuple(operands))

    def if_(self, node: exp.If) -> Expr:
        cond = self.boolean(node.this)
        a, b = self.bind(node.args["true"]), self.bind(node.args.get("false") or exp.Null())
        t = common_type([a.type, b.type])
        if t is None:
            raise error(f"IF branches have incompatible types {a.type} and {b.type}", node)
        return Call(t, "CASE", (cond, self.coerce(a, t), self.coerce(b, t)))

    def cast(self, node: exp.Expression) -> Expr:
        inner = self.bind(node.this)
        to = node.args["to"]
        type_text = to.sql(dialect="hive") if not isinstance(to, str) else to
        if isinstance(to, exp.DataType) and to.this == exp.DataType.Type.USERDEFINED:
            type_text = to.args.get("kind") or to.sql()
        try:
            target = parse_type(type_text)
        except ValidationError as e:
            raise error(e.message, node, hint=e.hint) from None
        try_cast = isinstance(node, exp.TryCast)
        nullable = inner.type.nullable or try_cast
        return Call(target.with_nullable(nullable), "TRY_CAST" if try_cast else "CAST", (inner,))

    def to_string(self, e: Expr) -> Expr:
        if e.type.is_string:
            return e
        if e.type.name == "NULL":
            return Literal(STRING(), None)
        return Call(STRING(e.type.nullable), "CAST", (e,))

    def bracket(self, node: exp.Bracket) -> Expr:
        base = self.bind(node.this)
        index = self.bind(node.expressions[0])
        if base.type.name in ("ARRAY", "MULTISET"):
            return Call(base.type.children[0].with_nullable(True), "ITEM", (base, index))
        if base.type.name == "MAP":
            key = self.coerce(index, base.type.children[0])
            return Call(base.type.children[1].with_nullable(True), "ITEM", (base, key))
        if base.type.name == "ROW" and isinstance(index, Literal):
            if isinstance(index.value, int):
                name = base.type.field_names[index.value - 1]
                return self.field_access(base, name, node)
            return self.field_access(base, str(index.value), node)
        raise error(f"cannot index into a value of type {base.type.sql(False)}", node,
                    hint="[] applies to ARRAY (1-based) and MAP values")

    def field_access(self, base: Expr, name: str, node: exp.Expression) -> Expr:
        if base.type.name != "ROW":
            raise error(f"cannot access field '{name}' of a {base.type.sql(False)}", node)
        if name not in base.type.field_names:
            raise error(f"ROW has no field '{name}'", node, hint=did_you_mean(name, base.type.field_names))
        t = base.type.children[base.type.field_names.index(name)]
        return Call(t.with_nullable(t.nullable or base.type.nullable), "FIELD", (base, Literal(STRING(False), name)))

    # -- functions ----------------------------------------------------------------------
    @staticmethod
    def function_name(node: exp.Expression) -> str:
        if isinstance(node, exp.Anonymous):
            return str(node.this).upper()
        cls = type(node).__name__
        if cls in _RENAMED:
            return _RENAMED[cls]
        return node.sql_name().upper() if isinstance(node, exp.Func) else cls.upper()

    def is_aggregate(self, node: exp.Expression) -> bool:
        if isinstance(node, exp.AggFunc) and not isinstance(node, exp.Window):
            name = self.function_name(node)
            return name in AGGREGATE_FUNCTIONS or name in ("STDDEV", "VARIANCE", "LISTAGG", "STRING_AGG",
                                                           "GROUP_CONCAT", "ARRAY_AGG", "COLLECT")
        if isinstance(node, exp.Anonymous):
            name = node.name.upper()
            if name in AGGREGATE_FUNCTIONS:
                return True
            if self.function_lookup is not None:
                fn = self.function_lookup(name)
                return getattr(fn, "is_aggregate", False)
        return False

    def function_args(self, node: exp.Func) -> list[exp.Expression]:
        if isinstance(node, exp.Anonymous):
            return list(node.expressions)
        args: list[exp.Expression] = []
        for key in node.arg_types:
            value = node.args.get(key)
            if value is None or isinstance(value, (bool, str)):
                continue
            if isinstance(value, list):
                args.extend(v for v in value if isinstance(v, exp.Expression))
            elif isinstance(value, exp.Expression):
                args.append(value)
        return args

    def function(self, node: exp.Func) -> Expr:
        name = self.function_name(node)
        arg_nodes = self._special_args(name, node)
        if self.function_lookup is not None:
            user_fn = self.function_lookup(name)
            if user_fn is not None:
                return user_fn.bind_call(self, name, arg_nodes, node)
        fn = registry.find(name)
        if fn is None:
            known = [f.name for f in registry.all_functions()]
            raise error(f"no function named {name}", node,
                        hint=did_you_mean(name, known) or "SHOW FUNCTIONS lists the built-in functions")
        args = [self.bind(a) if isinstance(a, exp.Expression) else a for a in arg_nodes]
        fn.check_arity(len(args))
        try:
            result_type = fn.infer([a.type for a in args], args)
        except ValidationError as e:
            raise error(e.message, node, hint=e.hint) from None
        return Call(result_type, name, tuple(args))

    def _special_args(self, name: str, node: exp.Func) -> list:
        """Arguments in the calling convention of our function library, for syntax-specific forms."""
        if isinstance(node, exp.StrPosition):
            args = [node.args["substr"], node.this]
            if node.args.get("position") is not None:
                args.append(node.args["position"])
            return args
        if isinstance(node, exp.Extract):
            return [exp.Literal.string(node.this.name.upper()), node.expression]
        if isinstance(node, exp.Trim):
            chars = node.expression if node.expression is not None else exp.Literal.string(" ")
            mode = (node.args.get("position") or "BOTH").upper()
            return [node.this, chars, exp.Literal.string(mode)]
        if isinstance(node, (exp.Floor, exp.Ceil)) and node.args.get("to") is not None:
            return [node.this, exp.Literal.string(node.args["to"].name.upper())]
        if isinstance(node, exp.TimeToStr):
            inner = node.this
            if isinstance(inner, exp.TimeStrToTime):
                inner = inner.this
            return [inner, node.args["format"]]
        return self.function_args(node)
