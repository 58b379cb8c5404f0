"""Materialized results and the notebook's live table (``TableResult.display_live``)."""

import numpy as np
import pyarrow as pa
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from flowsql.common.changes import ChangeBatch
from flowsql.table import EnvironmentSettings, TableEnvironment
from flowsql.table.materialize import MaterializedResult

SCHEMA = pa.schema([("k", pa.string()), ("n", pa.int64()), ("tags", pa.list_(pa.string()))])


def batch(rows, kinds):
    columns = list(zip(*rows))
    table = pa.table([pa.array(list(c), f.type) for c, f in zip(columns, SCHEMA)], schema=SCHEMA)
    return ChangeBatch(table, np.array(kinds, np.int8))


def test_changes_apply_as_a_multiset_in_order_of_first_appearance():
    view = MaterializedResult(SCHEMA)
    view.apply(batch([("a", 1, ["x"]), ("b", 1, None), ("a", 1, ["x"])], [0, 0, 0]))
    view.apply(batch([("a", 1, ["x"]), ("a", 2, ["x", "y"]), ("c", None, [])], [1, 2, 0]))
    assert view.table().to_pylist() == [
        {"k": "a", "n": 1, "tags": ["x"]},  # one of the two copies was retracted
        {"k": "b", "n": 1, "tags": None},
        {"k": "a", "n": 2, "tags": ["x", "y"]},
        {"k": "c", "n": None, "tags": []},
    ]
    assert view.row_count == 4 and view.changes == 6
    view.apply(batch([("b", 1, None), ("c", None, [])], [3, 3]))
    assert [r["k"] for r in view.table().to_pylist()] == ["a", "a"]


def test_a_retraction_without_its_row_leaves_nothing_behind():
    view = MaterializedResult(SCHEMA)
    view.apply(batch([("z", 9, None)], [3]))
    assert view.table().num_rows == 0


@pytest.fixture
def shell():
    return InteractiveShell.instance()


def test_display_live_renders_the_updating_result_until_the_job_ends(shell):
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("flowsql.exec.batch.max-rows", "1")  # one change at a time: many renderings
    result = env.execute_sql(
        "SELECT k, COUNT(*) AS c FROM (VALUES ('a'), ('b'), ('a'), ('a')) AS t(k) GROUP BY k")
    with capture_output() as captured:
        view = result.display_live(refresh_interval=0)
    pages = [o.data["text/html"] for o in captured.outputs]
    assert len(pages) > 3  # the first rendering, updates as changes arrived, the final one
    assert "<td>a</td><td>1</td>" in "".join(pages[:-1])  # an intermediate state was shown
    final = pages[-1]
    assert "<td>a</td><td>3</td>" in final and "<td>b</td><td>1</td>" in final
    assert "<td>a</td><td>1</td>" not in final
    assert "FINISHED · 2 rows" in final
    assert sorted(r["c"] for r in view.table().to_pylist()) == [1, 3]


def test_display_live_shows_the_first_rows_of_a_long_result(shell):
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.execute_sql("CREATE TABLE g (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '100', "
                    "'fields.x.kind' = 'sequence', 'fields.x.start' = '1', 'fields.x.end' = '100')")
    with capture_output() as captured:
        result = env.execute_sql("SELECT x FROM g")
        result.display_live(max_rows=5, refresh_interval=3600)
    final = captured.outputs[-1].data["text/html"]
    assert final.count("<tr>") == 6  # header and five rows
    assert "100 rows, showing the first 5" in final
