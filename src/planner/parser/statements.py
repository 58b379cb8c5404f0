"""The statements of flowsql's SQL dialect, as parsed (before binding).

Queries and expressions stay sqlglot ASTs (``sqlglot.exp.Expression``); everything around them
(DDL, SHOW, SET, ...) is one of these dataclasses. Every statement knows its source text and where
it starts in the script, so later errors can point at the right line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from flowsql.common.types import DataType

ObjectName = tuple[str, ...]  # 1 to 3 parts: [catalog, [database,]] name


@dataclass
class Statement:
    sql: str = field(default="", kw_only=True)  # the statement's own text, without the trailing ';'
    line: int = field(default=1, kw_only=True)  # where the statement starts in the script (1-based)
    column: int = field(default=1, kw_only=True)


@dataclass
class ColumnDef:
    name: str
    kind: str  # 'physical' | 'computed' | 'metadata'
    type: DataType | None = None  # None for computed columns (derived at bind time)
    expression: exp.Expression | None = None  # computed columns
    metadata_key: str | None = None  # METADATA FROM 'key'; None means the column name
    virtual: bool = False
    comment: str | None = None
    line: int | None = None
    column: int | None = None


@dataclass
class WatermarkDef:
    column: str
    expression: exp.Expression
    line: int | None = None
    column_pos: int | None = None


@dataclass
class LikeClause:
    source: ObjectName
    options: list[tuple[str, str]] = field(default_factory=list)  # e.g. ('EXCLUDING', 'WATERMARKS')


@dataclass
class CreateTable(Statement):
    name: ObjectName
    columns: list[ColumnDef]
    watermark: WatermarkDef | None = None
    primary_key: list[str] | None = None
    partition_keys: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    like: LikeClause | None = None
    if_not_exists: bool = False
    temporary: bool = False
    comment: str | None = None
    as_query: exp.Expression | None = None  # CREATE TABLE ... AS SELECT


@dataclass
class CreateView(Statement):
    name: ObjectName
    query: exp.Expression
    query_sql: str
    column_names: list[str] | None = None
    temporary: bool = False
    if_not_exists: bool = False
    comment: str | None = None


@dataclass
class CreateDatabase(Statement):
    name: ObjectName
    if_not_exists: bool = False
    comment: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class CreateCatalog(Statement):
    name: str
    options: dict[str, str] = field(default_factory=dict)
    if_not_exists: bool = False


@dataclass
class CreateFunction(Statement):
    name: ObjectName
    identifier: str  # 'module.path.function' for Python
    language: str = "PYTHON"
    temporary: bool = False
    system: bool = False
    if_not_exists: bool = False


@dataclass
class Drop(Statement):
    object_kind: str  # 'TABLE' | 'VIEW' | 'DATABASE' | 'FUNCTION' | 'CATALOG'
    name: ObjectName
    if_exists: bool = False
    temporary: bool = False
    system: bool = False
    cascade: bool = False


@dataclass
class AlterTable(Statement):
    name: ObjectName
    action: str  # 'RENAME' | 'SET' | 'RESET'
    new_name: ObjectName | None = None
    options: dict[str, str] = field(default_factory=dict)
    reset_keys: list[str] = field(default_factory=list)


@dataclass
class UseCatalog(Statement):
    name: str


@dataclass
class UseDatabase(Statement):
    name: ObjectName  # [catalog,] database


@dataclass
class Show(Statement):
    what: str  # 'TABLES' | 'VIEWS' | 'DATABASES' | 'CATALOGS' | 'FUNCTIONS' | 'USER FUNCTIONS' |
    #            'CURRENT CATALOG' | 'CURRENT DATABASE' | 'CREATE TABLE' | 'CREATE VIEW' | 'COLUMNS' |
    #            'JOBS' | 'MODULES' | 'FULL MODULES' | 'WATERMARKS'
    name: ObjectName | None = None  # SHOW CREATE TABLE x / SHOW COLUMNS FROM x / SHOW TABLES FROM db
    like: str | None = None
    not_like: bool = False
    ilike: bool = False


@dataclass
class Describe(Statement):
    name: ObjectName
    extended: bool = False


@dataclass
class Explain(Statement):
    statement: Statement  # a Query, Insert or StatementSet
    details: list[str] = field(default_factory=list)  # 'CHANGELOG_MODE', 'ESTIMATED_COST', 'PLAN_ADVICE', ...


@dataclass
class SetOption(Statement):
    key: str | None = None  # None: list all options
    value: str | None = None


@dataclass
class ResetOption(Statement):
    key: str | None = None  # None: reset all


@dataclass
class Query(Statement):
    query: exp.Expression  # exp.Select / exp.Union / exp.Values / ... ; WITH included


@dataclass
class Insert(Statement):
    table: ObjectName
    query: exp.Expression
    columns: list[str] | None = None
    overwrite: bool = False
    static_partition: dict[str, Any] = field(default_factory=dict)


@dataclass
class StatementSet(Statement):
    inserts: list[Insert]


@dataclass
class BeginStatementSet(Statement):
    """``BEGIN STATEMENT SET;`` of the shell's older syntax; INSERTs follow until ``END;``."""


@dataclass
class EndStatementSet(Statement):
    pass


@dataclass
class ShowJobs(Statement):
    pass


@dataclass
class DescribeJob(Statement):
    """``DESCRIBE JOB 'id'`` (Flink's one row) or ``SHOW JOB 'id'`` (flowsql: one row per operator)."""

    job_id: str
    operators: bool = False


@dataclass
class StopJob(Statement):
    job_id: str
    with_savepoint: bool = False
    with_drain: bool = False


@dataclass
class ClientCommand(Statement):
    """HELP, QUIT, EXIT, CLEAR: handled by the shell, never by the engine."""

    command: str
