import pyarrow as pa
import pytest
from flowsql.common.config import Config
from flowsql.common.connector import Column, ConnectorContext


def _drain(reader, max_rows=1000):
    tables = []
    for _ in range(100_000):
        if reader.finished:
            break
        batch = reader.poll(max_rows)
        if batch is not None:
            tables.append(batch.table)
    return pa.concat_tables(tables) if tables else None


@pytest.fixture
def make_context():
    def make(columns, options, partition_keys=()):
        cols = [c if isinstance(c, Column) else Column(*c) for c in columns]
        return ConnectorContext("`default_catalog`.`default_database`.`t`", cols, dict(options), Config(),
                                partition_keys=list(partition_keys))
    return make


@pytest.fixture
def drain():
    """Poll a reader until it finishes; all its rows as one table (None if it produced none)."""
    return _drain
