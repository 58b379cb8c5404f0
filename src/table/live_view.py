"""A notebook view of a result that updates in place while its job runs.

``TableResult.display_live()`` shows the materialized rows as an HTML table through an IPython
display handle and re-renders it at most every ``refresh_interval`` seconds as changes arrive,
with a status line (job state, rows, changes received). Interrupting the cell cancels the job;
the last rendering stays. PyFlink can only print a streaming result line by line.
"""

from __future__ import annotations

import time
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowsql.table.materialize import MaterializedResult
    from flowsql.table.result import TableResult


def display_live(result: "TableResult", max_rows: int, refresh_interval: float) -> "MaterializedResult":
    try:
        from IPython.display import HTML, display
    except ImportError as e:
        from flowsql.common.errors import FlowSqlError

        raise FlowSqlError("display_live() needs IPython (it runs in Jupyter notebooks)",
                           hint="pip install ipython, or use print() / collect() outside a notebook") from e
    import pyarrow as pa

    from flowsql.table.materialize import MaterializedResult

    names = result.get_table_schema().get_field_names()
    types = result.get_table_schema().get_field_data_types()
    view = MaterializedResult(pa.schema([pa.field(n, t.to_arrow()) for n, t in zip(names, types)]))
    handle = display(HTML(render(names, view, max_rows, "RUNNING")), display_id=True)
    last = time.monotonic()
    state = "FINISHED"
    try:
        for batch in result.change_batches():
            view.apply(batch)
            if time.monotonic() - last >= refresh_interval:
                handle.update(HTML(render(names, view, max_rows, "RUNNING")))
                last = time.monotonic()
    except KeyboardInterrupt:
        result.cancel()
        state = "CANCELED"
    except Exception:
        state = "FAILED"
        handle.update(HTML(render(names, view, max_rows, state)))
        raise
    handle.update(HTML(render(names, view, max_rows, state)))
    return view


def render(names: list[str], view: "MaterializedResult", max_rows: int, state: str) -> str:
    table = view.table()
    shown = table.slice(0, max_rows)
    columns = [c.to_pylist() for c in shown.columns]
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    body = "".join(
        "<tr>" + "".join(f"<td>{'NULL' if v is None else escape(str(v))}</td>" for v in row) + "</tr>"
        for row in zip(*columns)
    )
    more = f", showing the first {max_rows}" if table.num_rows > max_rows else ""
    status = f"{state} · {table.num_rows} rows{more} · {view.changes} changes received"
    return (f'<div class="flowsql-live"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            f"<small>{escape(status)}</small></div>")
