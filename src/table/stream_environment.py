"""``StreamTableEnvironment``: the DataStream-bridging entry point PyFlink programs often create.

flowsql has no DataStream API; ``create`` accepts a ``StreamExecutionEnvironment`` (ours or any
object with ``get_parallelism()``) and/or ``EnvironmentSettings`` and gives a streaming
``TableEnvironment`` with the same methods.
"""

from __future__ import annotations

from flowsql.table.environment import EnvironmentSettings, TableEnvironment


class StreamTableEnvironment(TableEnvironment):
    @staticmethod
    def create(stream_execution_environment=None, environment_settings: EnvironmentSettings | None = None
               ) -> StreamTableEnvironment:
        if isinstance(stream_execution_environment, EnvironmentSettings):
            stream_execution_environment, environment_settings = None, stream_execution_environment
        env = StreamTableEnvironment(environment_settings or EnvironmentSettings.in_streaming_mode())
        source = stream_execution_environment
        if source is not None:
            for key, value in getattr(source, "configuration", {}).items():
                env.get_config().set(key, value)
            parallelism = getattr(source, "get_parallelism", lambda: None)()
            if parallelism and parallelism > 0:
                env.get_config().set("parallelism.default", str(parallelism))
        return env

    def from_data_stream(self, data_stream, *fields):
        raise NotImplementedError("flowsql has no DataStream API: build tables with from_elements, "
                                  "from_pandas, from_arrow or a connector")

    def to_data_stream(self, table):
        raise NotImplementedError("flowsql has no DataStream API: use table.execute().collect() or to_pandas()")

    to_changelog_stream = to_data_stream
    to_append_stream = to_data_stream
    to_retract_stream = to_data_stream
