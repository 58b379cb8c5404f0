"""Running a text of SQL statements in a server session, and what each produced, as JSON.

A ``ServerSession`` wraps one ``TableEnvironment``; statements run one at a time (a lock), in
order, stopping at the first error. DDL and SET change the session; an INSERT or statement set
answers with its job id while the job runs on; a query answers with its rows when its sources are
bounded (the final rows: updates already applied), and is refused when they are not, since a
request cannot wait forever. Error positions are those of the whole text, so a client can point at
the line and column of the file it sent.
"""

from __future__ import annotations

import threading
from typing import Any

from flowsql.common.errors import FlowSqlError, ValidationError
from flowsql.exec.job_overview import error_dict

DEFAULT_MAX_ROWS = 10_000


class StatementsFailed(Exception):
    """A statement of the text failed: its error (positioned in the text) and the results before it."""

    def __init__(self, error: BaseException, results: list[dict], statement: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.results = results
        self.statement = statement  # 0-based index of the failing statement

    def as_dict(self) -> dict:
        return {"error": dict(error_dict(self.error), statement=self.statement), "results": self.results}


class ServerSession:
    """One session of the server: its environment and the lock its statements run under."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.lock = threading.Lock()

    def run(self, text: str, max_rows: int = DEFAULT_MAX_ROWS) -> list[dict]:
        """Execute the statements of ``text``; raises ``StatementsFailed`` at the first error."""
        from flowsql.planner.parser import split_statements

        results: list[dict] = []
        with self.lock:
            try:
                pieces = split_statements(text)
            except FlowSqlError as error:
                raise StatementsFailed(error.with_sql(text), results, 0) from None
            if not pieces:
                raise StatementsFailed(ValidationError("no SQL statement was sent",
                                                       hint="send statements ending in ';' as the body"), results, 0)
            for index, (statement, line, column) in enumerate(pieces):
                try:
                    results.append(self._run_one(statement.rstrip().rstrip(";"), line, column, max_rows))
                except Exception as error:  # noqa: BLE001 - every failure goes back to the client
                    raise StatementsFailed(_positioned(error, text, line, column), results, index) from None
        return results

    def _run_one(self, statement: str, line: int, column: int, max_rows: int) -> dict:
        result = self.env.execute_sql(statement)
        answer: dict = {"statement": statement, "line": line, "column": column}
        job = result.job
        if result.job_id is not None:
            return dict(answer, kind="job", job_id=result.job_id)
        if job is None and result.get_result_kind().name == "SUCCESS":
            return dict(answer, kind="success")
        if job is not None and not all(root.bounded for root in job.roots):
            job.cancel()
            job.start()  # ends at once as CANCELED, so SHOW JOBS does not list it as CREATED forever
            raise ValidationError("this query reads an unbounded source, so its rows never end and cannot be "
                                  "returned over REST", line=1, column=1,
                                  hint="INSERT INTO a sink table (print, filesystem, ...) to run it as a job, "
                                       "or query a bounded table")
        schema = result.get_table_schema()
        rows, truncated = _final_rows(result, max_rows)
        columns = [{"name": n, "type": t.sql(False) if hasattr(t, "sql") else str(t)}
                   for n, t in zip(schema.get_field_names(), schema.get_field_data_types())]
        return dict(answer, kind="rows", columns=columns, rows=rows, truncated=truncated)


def _final_rows(result: Any, max_rows: int) -> tuple[list[list], bool]:
    """The result's rows after its changes are applied (a bounded result), at most ``max_rows``."""
    batches = list(result.change_batches())
    if not batches:
        return [], False
    if getattr(result, "is_streaming", False):
        from flowsql.table.materialize import MaterializedResult

        view = MaterializedResult(batches[0].table.schema)
        for batch in batches:
            view.apply(batch)
        table = view.table()
    else:
        import pyarrow as pa

        table = pa.concat_tables([b.table for b in batches])
    truncated = table.num_rows > max_rows
    table = table.slice(0, max_rows)
    columns = [c.to_pylist() for c in table.columns]
    return [list(row) for row in zip(*columns)], truncated


def _positioned(error: BaseException, text: str, line: int, column: int) -> BaseException:
    """The error with its statement-relative position moved into the whole text."""
    if isinstance(error, FlowSqlError):
        if error.line is not None:
            error.shift(line - 1, column - 1)
        else:
            error.line, error.column = line, column
        error.sql = text
    return error
