"""The Python Table API, named like ``pyflink.table``."""

from flowsql.table.environment import EnvironmentSettings, TableConfig, TableEnvironment
from flowsql.table.result import ResultKind, TableResult, TableSchema
from flowsql.table.row import Row, RowKind

StreamTableEnvironment = TableEnvironment

__all__ = [
    "EnvironmentSettings", "TableConfig", "TableEnvironment", "StreamTableEnvironment", "ResultKind", "TableResult",
    "TableSchema", "Row", "RowKind",
]
