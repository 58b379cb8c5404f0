"""The Python Table API, named like ``pyflink.table``.

Heavy modules (pandas, polars, DuckDB, the planner) load on first use, so ``import flowsql.table``
stays light.
"""

from flowsql.table.descriptors import FormatDescriptor, TableDescriptor
from flowsql.table.environment import EnvironmentSettings, TableConfig, TableEnvironment
from flowsql.table.explain_detail import ExplainDetail
from flowsql.table.result import ResultKind, TableResult, TableSchema
from flowsql.table.row import Row, RowKind
from flowsql.table.statement_set import StatementSet
from flowsql.table.stream_environment import StreamTableEnvironment
from flowsql.table.table import GroupedTable, GroupWindowedTable, OverWindowedTable, Table, WindowGroupedTable
from flowsql.table.types import DataTypes, Schema
from flowsql.table.udf import (
    AggregateFunction,
    FunctionContext,
    ScalarFunction,
    TableAggregateFunction,
    TableFunction,
    udaf,
    udf,
    udtaf,
    udtf,
)

__all__ = [
    "AggregateFunction",
    "DataTypes",
    "EnvironmentSettings",
    "ExplainDetail",
    "FormatDescriptor",
    "FunctionContext",
    "GroupWindowedTable",
    "GroupedTable",
    "OverWindowedTable",
    "ResultKind",
    "Row",
    "RowKind",
    "ScalarFunction",
    "Schema",
    "StatementSet",
    "StreamTableEnvironment",
    "Table",
    "TableAggregateFunction",
    "TableConfig",
    "TableDescriptor",
    "TableEnvironment",
    "TableFunction",
    "TableResult",
    "TableSchema",
    "WindowGroupedTable",
    "udaf",
    "udf",
    "udtaf",
    "udtf",
]
