"""``StatementSet``: several INSERTs planned together and run as one job (``EXECUTE STATEMENT SET``)."""

from __future__ import annotations

from flowsql.common.errors import ValidationError
from flowsql.planner.parser import statements as st


class StatementSet:
    def __init__(self, env) -> None:
        self._env = env
        self._inserts: list[st.Insert] = []

    def add_insert_sql(self, stmt: str) -> StatementSet:
        from flowsql.planner.parser import parse_statement

        parsed = parse_statement(stmt)
        if not isinstance(parsed, st.Insert):
            raise ValidationError("add_insert_sql takes an INSERT statement", hint="INSERT INTO sink SELECT ...")
        self._inserts.append(parsed)
        return self

    def add_insert(self, target_path_or_descriptor, table, overwrite: bool = False) -> StatementSet:
        path = self._env._sink_path(target_path_or_descriptor)
        self._inserts.append(st.Insert(path, table._query.copy(), overwrite=overwrite, sql=table._sql()))
        return self

    def add(self, table_pipeline) -> StatementSet:
        raise ValidationError("table pipelines are not supported", hint="use add_insert(path, table)")

    def _statement(self) -> st.StatementSet:
        if not self._inserts:
            raise ValidationError("the statement set is empty", hint="add INSERTs with add_insert_sql or add_insert")
        return st.StatementSet(list(self._inserts))

    def explain(self, *extra_details) -> str:
        from flowsql.table.executor import StatementExecutor

        return StatementExecutor(self._env).explain(self._statement(),
                                                    [str(getattr(d, "name", d)) for d in extra_details])

    def execute(self):
        statement = self._statement()
        self._inserts = []
        return self._env.execute_statement(statement)


__all__ = ["StatementSet"]
