"""The memory connector's ``pause.group``: every source of a group holds the rows after its pause
offset until all have handed out the rows before it (how the TPC-H benchmark times a refresh)."""

import pyarrow as pa
from flowsql.connectors import memory
from flowsql.table import EnvironmentSettings, TableEnvironment


def test_rows_after_the_pause_come_after_every_sources_initial_rows():
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    a = memory.put(pa.table({"x": list(range(1, 11))}))
    b = memory.put(pa.table({"x": list(range(100, 104))}))
    for name, table_id, pause in (("a", a, "'pause.at-row' = '5', "), ("b", b, "")):
        env.execute_sql(f"CREATE TABLE {name} (x BIGINT) WITH ('connector' = 'flowsql-memory', 'table-id' = '{table_id}', "
                        f"{pause}'pause.group' = 'test-pause', 'chunk.max-rows' = '1', 'chunk.seed' = '3')")
    order = [v for batch in env.execute_sql("SELECT x FROM a UNION ALL SELECT x FROM b").change_batches()
             for v in batch.table.column(0).to_pylist()]
    assert sorted(order) == list(range(1, 11)) + list(range(100, 104))
    first_held = order.index(6)
    assert sorted(order[:first_held]) == [1, 2, 3, 4, 5, 100, 101, 102, 103]
    assert memory.resumed_at("test-pause") is not None


def test_without_rows_after_the_pause_the_group_never_resumes():
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    a = memory.put(pa.table({"x": [1, 2]}))
    env.execute_sql(f"CREATE TABLE a (x BIGINT) WITH ('connector' = 'flowsql-memory', 'table-id' = '{a}', "
                    f"'pause.group' = 'test-no-refresh')")
    assert [r[0] for r in env.execute_sql("SELECT x FROM a").collect()] == [1, 2]
    assert memory.resumed_at("test-no-refresh") is None
