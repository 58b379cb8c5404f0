import pytest
from flowsql.table import EnvironmentSettings, TableEnvironment


@pytest.fixture
def batch_env():
    return TableEnvironment.create(EnvironmentSettings.in_batch_mode())


@pytest.fixture
def stream_env():
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    # one row per micro-batch: the changelog Flink prints row by row
    env.get_config().set("flowsql.exec.batch.max-rows", "1")
    return env


@pytest.fixture(params=["batch", "streaming"])
def env(request):
    settings = (EnvironmentSettings.in_batch_mode() if request.param == "batch"
                else EnvironmentSettings.in_streaming_mode())
    return TableEnvironment.create(settings)


@pytest.fixture
def final_rows():
    return rows


def rows(table_or_result):
    """Final rows (changelog applied), sorted, as tuples."""
    result = table_or_result.execute() if hasattr(table_or_result, "execute") else table_or_result
    from flowsql.table.conversion import result_to_arrow

    arrow = result_to_arrow(result)
    return sorted((tuple(r.values()) for r in arrow.to_pylist()),
                  key=lambda row: [(v is None, v if v is not None else 0) for v in row])
