"""``TableResult``: what executing a statement returns — a message, static rows, or a running job
whose changes can be iterated, collected, printed or cancelled."""

from __future__ import annotations

import enum
import sys
from typing import TYPE_CHECKING, Iterator

from flowsql.common.rowkind import RowKind
from flowsql.common.types import DataType
from flowsql.table.row import Row

if TYPE_CHECKING:
    from flowsql.common.changes import ChangeBatch


class ResultKind(enum.Enum):
    SUCCESS = 0
    SUCCESS_WITH_CONTENT = 1


class TableSchema:
    def __init__(self, names: list[str], types: list[DataType]) -> None:
        self._names, self._types = list(names), list(types)

    def get_field_names(self) -> list[str]:
        return list(self._names)

    def get_field_data_types(self) -> list[DataType]:
        return list(self._types)

    def get_field_count(self) -> int:
        return len(self._names)

    def __str__(self) -> str:
        lines = ["root"] + [f" |-- {n}: {t}" for n, t in zip(self._names, self._types)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


class TableResult:
    def __init__(self, kind: ResultKind, names: list[str], types: list[DataType], *,
                 rows: list[tuple] | None = None, job=None, collector=None, is_streaming: bool = False,
                 batch_runner=None, max_width: int = 30, warnings=None) -> None:
        self._kind = kind
        self._warnings = warnings  # a callable giving the warnings of a batch-mode run
        self._schema = TableSchema(names, types)
        self._rows = rows
        self.job = job
        self._collector = collector
        self.is_streaming = is_streaming
        self._batch_runner = batch_runner
        self._started = False
        self.max_width = max_width

    @property
    def job_id(self) -> str | None:
        """The id of the job an INSERT or statement set started; None for queries and DDL."""
        return self.job.job_id if self.job is not None and self._collector is None else None

    def get_result_kind(self) -> ResultKind:
        return self._kind

    def get_table_schema(self) -> TableSchema:
        return self._schema

    def get_job_client(self):
        """A ``JobClient`` for the job behind this result (None for DDL and other statements)."""
        from flowsql.table.job_client import JobClient

        return JobClient(self.job) if self.job is not None else None

    def get_warnings(self) -> list[str]:
        """flowsql: what a user should hear about the statement's run so far — malformed records
        skipped under '<format>.ignore-parse-errors', windows stalled by an idle source."""
        if self._warnings is not None:
            return list(self._warnings())
        if self.job is not None:
            from flowsql.exec.job_metrics import job_warnings

            return job_warnings(self.job)
        return []

    def get_resolved_schema(self) -> TableSchema:
        return self._schema

    # -- consuming ------------------------------------------------------------------------
    def change_batches(self) -> Iterator["ChangeBatch"]:
        """The result's changes as they are produced (blocking between batches)."""
        import pyarrow as pa

        from flowsql.common.changes import ChangeBatch

        if self._rows is not None:
            names = self._schema.get_field_names()
            columns = list(zip(*self._rows)) if self._rows else [[] for _ in names]
            table = pa.table({f"c{i}": pa.array(list(c)) for i, c in enumerate(columns)}) if names else pa.table({})
            if names:
                table = table.rename_columns(names)
            yield ChangeBatch(table)
            return
        if self._batch_runner is not None:
            yield self._batch_runner()
            return
        if self.job is None:
            return
        if not self._started:
            self._started = True
            self.job.start()
        collector = self._collector
        while True:
            batch = collector.queue.get()
            if batch is None:  # the job has ended
                break
            yield batch
        if self.job.status.error is not None:
            raise self.job.status.error

    def collect(self) -> "CloseableIterator":
        return CloseableIterator(self)

    def wait(self, timeout_ms: int | None = None) -> None:
        if self.job is not None:
            if not self._started and self._collector is None:
                self._started = True
            self.job.wait(None if timeout_ms is None else timeout_ms / 1000)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def print(self, file=None) -> None:
        from flowsql.table.printing import IN_SET, TableauPrinter, batch_rows

        out = file or sys.stdout
        if self._kind == ResultKind.SUCCESS and self._rows is None and self.job is None:
            out.write("OK\n")
            return
        names, types = self._schema.get_field_names(), self._schema.get_field_data_types()
        printer = TableauPrinter(names, types, with_op=self.is_streaming, widths="types", max_width=self.max_width)
        count = 0
        header = False
        for batch in self.change_batches():
            kinds, rows = batch_rows(batch)
            if not rows:
                continue
            if not header:
                out.write(printer.format_header())
                header = True
            out.write(printer.format_rows(kinds if self.is_streaming else None, rows))
            count += len(rows)
            out.flush()
        if not header and count == 0:
            out.write("Empty set\n")
            return
        out.write(printer.format_footer(count, IN_SET))

    def display_live(self, max_rows: int = 50, refresh_interval: float = 0.5):
        """Show the result in a notebook as a table that updates in place until the job ends
        (or the cell is interrupted, which cancels it); returns the final ``MaterializedResult``."""
        from flowsql.table.live_view import display_live

        return display_live(self, max_rows, refresh_interval)

    def _repr_html_(self) -> str:
        from html import escape

        names = self._schema.get_field_names()
        rows = [tuple(r) for r in self.collect()]
        head = "".join(f"<th>{escape(n)}</th>" for n in names)
        body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class CloseableIterator:
    """Iterates result rows as ``Row``s carrying their kind; closing cancels the job."""

    def __init__(self, result: TableResult) -> None:
        self.result = result
        self._batches = result.change_batches()
        self._pending: list[Row] = []
        self._names = result.get_table_schema().get_field_names()

    def __iter__(self) -> "CloseableIterator":
        return self

    def __next__(self) -> Row:
        while not self._pending:
            batch = next(self._batches)
            columns = [c.to_pylist() for c in batch.table.columns]
            kinds = batch.kind_array()
            for i in range(batch.num_rows):
                row = Row(*(col[i] for col in columns))
                row.set_field_names(self._names)
                row.set_row_kind(RowKind(int(kinds[i])))
                self._pending.append(row)
            self._pending.reverse()
        return self._pending.pop()

    def close(self) -> None:
        self.result.cancel()

    def __enter__(self) -> "CloseableIterator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
