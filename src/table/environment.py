"""``TableEnvironment``: the entry point of the Table API and the executor of SQL statements.

It owns a session — catalog, configuration, running jobs — and turns each statement into catalog
changes, result rows or a job. The SQL client and the Python API both go through ``execute_sql``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsql.catalog import CatalogManager
from flowsql.common.config import Config
from flowsql.common.errors import FlowSqlError
from flowsql.common.types import DataType
from flowsql.exec.job_registry import JobRegistry
from flowsql.table.environment_api import TableApiMixin, is_hidden_name
from flowsql.table.result import ResultKind, TableResult

if TYPE_CHECKING:
    from flowsql.planner.parser import statements as st


class EnvironmentSettings:
    def __init__(self, batch: bool = False, config: dict[str, str] | None = None) -> None:
        self.batch = batch
        self.config = dict(config or {})

    @staticmethod
    def in_streaming_mode() -> "EnvironmentSettings":
        return EnvironmentSettings(False)

    @staticmethod
    def in_batch_mode() -> "EnvironmentSettings":
        return EnvironmentSettings(True)

    @staticmethod
    def new_instance() -> "EnvironmentSettings.Builder":
        return EnvironmentSettings.Builder()

    def is_streaming_mode(self) -> bool:
        return not self.batch

    class Builder:
        def __init__(self) -> None:
            self._batch = False
            self._config: dict[str, str] = {}

        def in_streaming_mode(self) -> "EnvironmentSettings.Builder":
            self._batch = False
            return self

        def in_batch_mode(self) -> "EnvironmentSettings.Builder":
            self._batch = True
            return self

        def with_configuration(self, config) -> "EnvironmentSettings.Builder":
            items = config.to_dict() if hasattr(config, "to_dict") else dict(config)
            self._config.update(items)
            return self

        def build(self) -> "EnvironmentSettings":
            return EnvironmentSettings(self._batch, self._config)


class TableConfig(Config):
    """``get_config()``: Flink's option keys, set with ``set(key, value)``."""

    def get_configuration(self) -> "TableConfig":
        return self

    def set_local_timezone(self, zone: str) -> None:
        self.set("table.local-time-zone", zone)

    def get_local_timezone(self) -> str:
        return self.get("table.local-time-zone")


class TableEnvironment(TableApiMixin):
    def __init__(self, settings: EnvironmentSettings | None = None) -> None:
        settings = settings or EnvironmentSettings.in_streaming_mode()
        self.config = TableConfig(settings.config)
        if settings.batch:
            self.config.set("execution.runtime-mode", "batch")
        self.catalog = CatalogManager()
        self.jobs = JobRegistry()
        self.clock = None  # the processing-time clock of this session's jobs; None: the wall clock

    @staticmethod
    def create(settings: EnvironmentSettings | None = None) -> "TableEnvironment":
        return TableEnvironment(settings)

    def get_config(self) -> TableConfig:
        return self.config

    # -- SQL --------------------------------------------------------------------------------
    def execute_sql(self, statement: str) -> TableResult:
        from flowsql.planner.parser import parse_statement
        from flowsql.table.executor import StatementExecutor

        stmt = parse_statement(statement)
        try:
            return StatementExecutor(self).execute(stmt)
        except FlowSqlError as e:
            raise e.with_sql(statement) from None

    def execute_statement(self, stmt: st.Statement) -> TableResult:
        from flowsql.table.executor import StatementExecutor

        return StatementExecutor(self).execute(stmt)

    def explain_sql(self, statement: str, *details) -> str:
        from flowsql.planner.parser import parse_statement
        from flowsql.table.executor import StatementExecutor

        stmt = parse_statement(statement)
        return StatementExecutor(self).explain(stmt, [str(getattr(d, "name", d)) for d in details])

    # -- catalog ----------------------------------------------------------------------------
    def list_catalogs(self) -> list[str]:
        return sorted(self.catalog.catalogs)

    def list_databases(self) -> list[str]:
        return sorted(self.catalog.catalog(self.catalog.current_catalog).databases)

    def list_tables(self) -> list[str]:
        from flowsql.catalog import CatalogTable, CatalogView

        names = set(self.catalog.list_objects(CatalogTable)) | set(self.catalog.list_objects(CatalogView))
        return sorted(n for n in names if not is_hidden_name(n))

    def list_views(self) -> list[str]:
        from flowsql.catalog import CatalogView

        return self.catalog.list_objects(CatalogView)

    def list_temporary_tables(self) -> list[str]:
        return sorted(p[2] for p in self.catalog.temporary if not is_hidden_name(p[2]))

    def list_user_defined_functions(self) -> list[str]:
        return self.catalog.list_user_functions()

    def get_current_catalog(self) -> str:
        return self.catalog.current_catalog

    def get_current_database(self) -> str:
        return self.catalog.current_database

    def use_catalog(self, name: str) -> None:
        self.catalog.use_catalog(name)

    def use_database(self, name: str) -> None:
        self.catalog.use_database((name,))

    def get_table_columns(self, name: str) -> list[str]:
        from flowsql.planner.parser import parse_expression

        parts = tuple(p.name for p in parse_expression(name).parts) if "." in name else (name,)
        found = self.catalog.lookup(parts)
        if found is None:
            return []
        obj = found[1]
        if hasattr(obj, "columns"):
            return [c.name for c in obj.columns]
        from flowsql.planner.binder import QueryBinder

        return QueryBinder(self.catalog).bind_table_name(parts, None).names

    def list_jobs(self) -> list:
        return list(self.jobs.jobs.values())


def field_types(plan) -> tuple[list[str], list[DataType]]:
    return plan.names, plan.types
