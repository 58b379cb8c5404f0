"""The small part of ``pyflink.datastream`` that Table API programs touch to create their
environment (``StreamExecutionEnvironment.get_execution_environment()``, parallelism, checkpoint
interval, runtime mode). There is no DataStream API: settings are carried into the
``StreamTableEnvironment`` created from it."""

from __future__ import annotations

import enum


class RuntimeExecutionMode(enum.Enum):
    STREAMING = "streaming"
    BATCH = "batch"
    AUTOMATIC = "automatic"


class StreamExecutionEnvironment:
    def __init__(self) -> None:
        self.configuration: dict[str, str] = {}
        self._parallelism = -1

    @staticmethod
    def get_execution_environment(configuration=None) -> StreamExecutionEnvironment:
        env = StreamExecutionEnvironment()
        if configuration is not None:
            items = configuration.to_dict() if hasattr(configuration, "to_dict") else dict(configuration)
            env.configuration.update(items)
        return env

    def set_parallelism(self, parallelism: int) -> StreamExecutionEnvironment:
        self._parallelism = parallelism
        return self

    def get_parallelism(self) -> int:
        return self._parallelism

    def enable_checkpointing(self, interval: int, mode=None) -> StreamExecutionEnvironment:
        self.configuration["execution.checkpointing.interval"] = f"{interval} ms"
        return self

    def set_runtime_mode(self, execution_mode: RuntimeExecutionMode) -> StreamExecutionEnvironment:
        self.configuration["execution.runtime-mode"] = execution_mode.value
        return self

    def add_python_file(self, file_path: str) -> None:
        """Functions run in this interpreter; see TableEnvironment.add_python_file."""


__all__ = ["RuntimeExecutionMode", "StreamExecutionEnvironment"]
