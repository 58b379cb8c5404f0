"""flowsql: a streaming SQL engine with a Table API — Flink SQL over Arrow changelogs, in-process."""

__version__ = "0.1.0"
