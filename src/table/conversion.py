"""Results as Arrow, pandas or HTML: an updating result is materialized into its final rows."""

from __future__ import annotations

from html import escape

import numpy as np
import pyarrow as pa

HTML_PREVIEW_ROWS = 20


def result_to_arrow(result) -> pa.Table:
    """Every change of ``result``, applied: inserts are concatenated as they are (no copy beyond
    Arrow's); when updates or deletes occur, rows are counted and the retracted ones removed."""
    schema = pa.schema([pa.field(n, t.to_arrow()) for n, t in zip(result.get_table_schema().get_field_names(),
                                                                  result.get_table_schema().get_field_data_types())])
    tables, kinds = [], []
    for batch in result.change_batches():
        if batch.num_rows:
            tables.append(batch.table.rename_columns(schema.names))
            kinds.append(batch.kind_array())
    if not tables:
        return schema.empty_table()
    table = pa.concat_tables([t.cast(schema, safe=False) if t.schema != schema else t for t in tables])
    all_kinds = np.concatenate(kinds)
    if (all_kinds == 0).all():  # insert-only: the batches are the result
        return table
    from flowsql.common.changes import ChangeBatch
    from flowsql.table.materialize import MaterializedResult

    view = MaterializedResult(schema)
    view.apply(ChangeBatch(table, all_kinds))
    return view.table()


def html_preview(table) -> str:
    """The first rows of a Table as an HTML table (for notebooks); the job is cancelled after them."""
    names = table._names
    rows = []
    with table.execute().collect() as results:
        for row in results:
            rows.append(row)
            if len(rows) >= HTML_PREVIEW_ROWS:
                break
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    body = "".join("<tr>" + "".join(f"<td>{escape(_text(v))}</td>" for v in r) + "</tr>" for r in rows)
    more = f"<p>first {HTML_PREVIEW_ROWS} rows</p>" if len(rows) >= HTML_PREVIEW_ROWS else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _text(value) -> str:
    return "<NULL>" if value is None else str(value)
