"""Compile typed plan expressions to DuckDB SQL, and evaluate them over Arrow batches.

Input columns are named ``_0, _1, ...`` in the SQL (the batch is registered under those names), so
translation needs no knowledge of user column names, which may repeat or collide with keywords.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    import duckdb

from flowsql.common.errors import ExecutionError, ValidationError
from flowsql.common.types import DataType
from flowsql.exec import python_udf
from flowsql.planner.expressions import Call, Expr, InputRef, Literal
from flowsql.planner.functions import registry
from flowsql.planner.functions.cast import cast_sql

_BINARY_OPS = {"=", "<>", "<", "<=", ">", ">=", "AND", "OR", "||"}
_ARITH = {"+", "-", "*", "/", "%"}


def column_name(index: int) -> str:
    return f"_{index}"


def literal_sql(value: object, t: DataType) -> str:
    duck = t.to_duckdb()
    if value is None:
        return f"CAST(NULL AS {duck})"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if t.name == "INTERVAL_YEAR_MONTH":
        return f"INTERVAL {int(value)} MONTH"
    if isinstance(value, dt.timedelta):
        micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
        return f"INTERVAL {micros} MICROSECOND"
    if isinstance(value, int):
        if t.name in ("INT", "BIGINT", "SMALLINT", "TINYINT"):
            return f"CAST({value} AS {duck})"
        return f"CAST({value} AS {duck})"
    if isinstance(value, float):
        if math.isnan(value):
            return f"CAST('NaN' AS {duck})"
        if math.isinf(value):
            return f"CAST('{'-' if value < 0 else ''}Infinity' AS {duck})"
        return f"CAST({value!r} AS {duck})"
    if isinstance(value, decimal.Decimal):
        return f"CAST('{value}' AS {duck})"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'" + ("" if t.is_string else f"::{duck}")
    if isinstance(value, bytes):
        return "'" + "".join(f"\\x{b:02x}" for b in value) + "'::BLOB"
    if isinstance(value, dt.datetime):
        return f"CAST('{value.isoformat(sep=' ')}' AS {duck})"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, dt.time):
        return f"TIME '{value.isoformat()}'"
    if isinstance(value, (list, tuple)) and t.name == "ARRAY":
        inner = ", ".join(literal_sql(v, t.children[0]) for v in value)
        return f"CAST([{inner}] AS {duck})"
    raise ValidationError(f"cannot use the value {value!r} as a literal of type {t}")


def like_to_regex(pattern: str, escape: str | None = None) -> str:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return "".join(out)


def similar_to_regex(pattern: str) -> str:
    """SQL SIMILAR TO pattern → a regex: % and _ are wildcards, the rest is regex syntax."""
    return pattern.replace("%", ".*").replace("_", ".")


class SqlTranslator:
    """Turns an ``Expr`` into DuckDB SQL text.

    Calls of Python functions (op ``$udf:<key>``, see ``flowsql.exec.python_udf``) become calls of
    Arrow UDFs registered on ``connection``, the connection the SQL will run on.
    """

    def __init__(self, column_sql=column_name, connection: "duckdb.DuckDBPyConnection | None" = None) -> None:
        self.column_sql = column_sql
        self.connection = connection

    def sql(self, e: Expr) -> str:
        if isinstance(e, InputRef):
            return self.column_sql(e.index)
        if isinstance(e, Literal):
            return literal_sql(e.value, e.type)
        if isinstance(e, Call):
            return self.call(e)
        raise ExecutionError(f"cannot translate expression {e!r}")

    def call(self, e: Call) -> str:
        op, args = e.op, e.operands
        a = [self.sql(x) for x in args]
        t = e.type
        if op.startswith(python_udf.PREFIX):
            return self.python_call(op[len(python_udf.PREFIX):], a, [x.type for x in args])
        if op in _ARITH:
            return self.arithmetic(op, a, args, t)
        if op in _BINARY_OPS:
            sym = {"<>": "<>", "||": "||"}.get(op, op)
            return "(" + f" {sym} ".join(a) + ")"
        if op == "NOT":
            return f"(NOT {a[0]})"
        if op == "NEG":
            return f"(- {a[0]})"
        if op == "IS NULL":
            return f"({a[0]} IS NULL)"
        if op == "IS NOT NULL":
            return f"({a[0]} IS NOT NULL)"
        if op in ("IS TRUE", "IS FALSE", "IS NOT TRUE", "IS NOT FALSE", "IS UNKNOWN", "IS NOT UNKNOWN"):
            if op.endswith("UNKNOWN"):
                return f"({a[0]} {'IS NOT' if 'NOT' in op else 'IS'} NULL)"
            return f"({a[0]} {op})"
        if op == "IS DISTINCT FROM":
            return f"({a[0]} IS DISTINCT FROM {a[1]})"
        if op == "IS NOT DISTINCT FROM":
            return f"({a[0]} IS NOT DISTINCT FROM {a[1]})"
        if op in ("LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE"):
            escape = f" ESCAPE {a[2]}" if len(a) > 2 else ""
            return f"({a[0]} {op} {a[1]}{escape})"
        if op in ("SIMILAR TO", "NOT SIMILAR TO"):
            pattern = args[1]
            if isinstance(pattern, Literal) and isinstance(pattern.value, str):
                rx = "'" + similar_to_regex(pattern.value).replace("'", "''") + "'"
            else:
                rx = f"replace(replace({a[1]}, '%', '.*'), '_', '.')"
            text = f"regexp_full_match({a[0]}, {rx})"
            return f"(NOT {text})" if op.startswith("NOT") else text
        if op in ("IN", "NOT IN"):
            return f"({a[0]} {op} ({', '.join(a[1:])}))"
        if op in ("BETWEEN", "NOT BETWEEN"):
            return f"({a[0]} {op} {a[1]} AND {a[2]})"
        if op == "BETWEEN SYMMETRIC":
            return f"({a[0]} BETWEEN least({a[1]}, {a[2]}) AND greatest({a[1]}, {a[2]}))"
        if op == "CASE":
            parts = ["CASE"]
            pairs = len(a) // 2
            for i in range(pairs):
                parts.append(f"WHEN {a[2 * i]} THEN {self.coerce(a[2 * i + 1], args[2 * i + 1].type, t)}")
            if len(a) % 2:
                parts.append(f"ELSE {self.coerce(a[-1], args[-1].type, t)}")
            parts.append("END")
            return "(" + " ".join(parts) + ")"
        if op in ("CAST", "TRY_CAST"):
            return cast_sql(a[0], args[0].type, t, try_cast=op == "TRY_CAST")
        if op == "ITEM":
            if args[0].type.name == "MAP":
                return f"({a[0]})[{a[1]}]"
            return f"list_extract({a[0]}, {a[1]})"
        if op == "FIELD":
            return f"struct_extract({a[0]}, {a[1]})"
        if op == "ROW":
            names = t.field_names
            return "struct_pack(" + ", ".join(f'"{n}" := {x}' for n, x in zip(names, a)) + ")"
        if op == "ARRAY":
            return f"CAST([{', '.join(a)}] AS {t.to_duckdb()})"
        if op == "MAP":
            keys, values = a[0::2], a[1::2]
            return f"CAST(MAP([{', '.join(keys)}], [{', '.join(values)}]) AS {t.to_duckdb()})"
        fn = registry.find(op)
        if fn is None:
            raise ExecutionError(f"no translation for function {op}")
        return fn.translate(a, [x.type for x in args], t, args)

    def python_call(self, key: str, a: list[str], arg_types: list[DataType]) -> str:
        if self.connection is None:
            raise ExecutionError(f"the Python function {key} cannot run here",
                                 hint="Python functions run in projections and filters")
        return f"{python_udf.install(self.connection, key, arg_types)}({', '.join(a)})"

    def coerce(self, sql: str, source: DataType, target: DataType) -> str:
        if source.without_time_attribute().with_nullable(True) == target.with_nullable(True).without_time_attribute():
            return sql
        return cast_sql(sql, source, target)

    def arithmetic(self, op: str, a: list[str], args: tuple[Expr, ...], t: DataType) -> str:
        lt, rt = args[0].type, args[1].type
        if op == "/" and lt.is_integer and rt.is_integer:
            # Flink divides integers as integers, truncating toward zero.
            return f"CAST(trunc(({a[0]}) / ({a[1]})) AS {t.to_duckdb()})"
        if op == "%" and (lt.is_integer and rt.is_integer):
            return f"(({a[0]}) % ({a[1]}))"
        if t.is_temporal or t.is_interval:
            return f"({a[0]} {op} {a[1]})"
        if t.name == "DECIMAL":
            return f"CAST(({a[0]} {op} {a[1]}) AS {t.to_duckdb()})"
        if t.is_integer:
            return f"CAST(({a[0]} {op} {a[1]}) AS {t.to_duckdb()})"
        return f"({a[0]} {op} {a[1]})"


class BatchEvaluator:
    """Evaluates a projection (and optional filter) over Arrow tables with one DuckDB connection."""

    def __init__(self, projections: list[Expr], condition: Expr | None, output_schema: pa.Schema,
                 connection: "duckdb.DuckDBPyConnection | None" = None, extra_columns: list[str] = ()) -> None:
        import duckdb  # loaded when a job first evaluates expressions

        from flowsql.exec import engine

        connection = connection or engine.connect()
        translator = SqlTranslator(connection=connection)
        select = [f"{translator.sql(p)} AS \"c{i}\"" for i, p in enumerate(projections)]
        select += [f'"{c}"' for c in extra_columns]
        self.sql = f"SELECT {', '.join(select) or '1'} FROM batch"
        self.where = f" WHERE {translator.sql(condition)}" if condition is not None else ""
        self.sql += self.where
        self.translator = translator
        self.projections, self.condition = projections, condition
        self.output_schema = output_schema
        self.extra_columns = list(extra_columns)
        self.connection = connection
        self.connection.execute("SET TimeZone = 'UTC'")
        self.engine_error = duckdb.Error
        self.arrow_program = None  # made on the first batch, when the input's Arrow types are known
        self.arrow_schema: pa.Schema | None = None

    def _arrow(self, table: pa.Table):
        """The Arrow-kernel program for this input schema (``flowsql.exec.arrow_expression``), or None."""
        if table.schema != self.arrow_schema:
            from flowsql.exec.arrow_expression import compile_program

            self.arrow_schema = table.schema
            self.arrow_program = compile_program(self.projections, self.condition, table.schema,
                                                 self.extra_columns, self._constant)
        return self.arrow_program

    def _constant(self, e: Expr):
        from flowsql.exec.arrow_expression import Unsupported

        try:
            return self.connection.sql(f"SELECT {self.translator.sql(e)} AS v").to_arrow_table().column(0)[0]
        except self.engine_error as error:
            raise Unsupported(str(error)) from None

    def evaluate(self, table: pa.Table) -> pa.Table:
        names = [column_name(i) for i in range(table.num_columns - len(self.extra_columns))] + self.extra_columns
        renamed = table.rename_columns(names)
        if renamed.num_columns == 0:  # DuckDB cannot scan a table without columns
            renamed = pa.table({"__rows": pa.nulls(table.num_rows, pa.int8())})
        elif (program := self._arrow(renamed)) is not None:
            try:
                return conform(program.evaluate(renamed), self.output_schema, self.extra_columns)
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                pass  # e.g. an overflow: DuckDB computes or raises what SQL defines for this batch
        try:
            self.connection.register("batch", renamed)
            result = self.connection.sql(self.sql).to_arrow_table()
        except self.engine_error as e:
            raise python_udf.take_failure(self.connection) or self._locate(e) from None
        finally:
            self.connection.unregister("batch")
        return conform(result, self.output_schema, self.extra_columns)

    def _locate(self, error: Exception) -> ExecutionError:
        """The error of the innermost expression that fails on this batch, with its SQL position.
        Runs only after a failure: each expression is tried on its own."""

        def fails(e: Expr, where: str) -> bool:
            try:
                self.connection.sql(f"SELECT {self.translator.sql(e)} FROM batch{where}").to_arrow_table()
                return False
            except self.engine_error:
                return True

        def innermost(e: Expr, where: str) -> Expr:
            for child in e.children():
                if isinstance(child, Call) and fails(child, where):
                    return innermost(child, where)
            return e

        suspects = ([(self.condition, "")] if self.condition is not None else []) + [
            (p, self.where) for p in self.projections]
        message = _duckdb_message(error)
        for expr, where in suspects:
            if isinstance(expr, Call) and fails(expr, where):
                culprit = innermost(expr, where)
                line, column = culprit.position or expr.position or (None, None)
                return ExecutionError(f"{message}, in {culprit}", line=line, column=column,
                                      hint="check the values the expression receives; TRY_CAST gives NULL "
                                           "instead of failing")
        return ExecutionError(message, hint="check the values the expression receives")


def conform(result: pa.Table, schema: pa.Schema, extra_columns: list[str] = ()) -> pa.Table:
    """Cast DuckDB's result columns to the plan's Arrow types and names."""
    if len(schema) == 0 and not extra_columns:
        return pa.table({"rows": pa.nulls(result.num_rows)}).select([])
    columns = []
    for i, field in enumerate(schema):
        col = result.column(i)
        if col.type != field.type:
            col = col.cast(field.type, safe=False) if not pa.types.is_null(col.type) else pa.nulls(
                len(col), field.type)
        columns.append(col)
    for j, name in enumerate(extra_columns):
        columns.append(result.column(len(schema) + j))
    names = list(schema.names) + list(extra_columns)
    return pa.Table.from_arrays(columns, names=names)


def _duckdb_message(e: Exception) -> str:
    text = str(e).split("\n")[0]
    return re.sub(r"^[A-Za-z ]+Error: ", "", text)
