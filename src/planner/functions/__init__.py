"""Built-in scalar functions of Flink SQL, typed and translated to DuckDB."""
