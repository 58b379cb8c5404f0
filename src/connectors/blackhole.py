"""The ``blackhole`` connector: a sink that accepts every change and discards it (for benchmarks)."""

from __future__ import annotations

from flowsql.common.changelog import ChangelogMode
from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import ConnectorContext, ConnectorFactory, TableSink
from flowsql.connectors.options import check_options


class BlackholeSink(TableSink):
    delivery_guarantee = "exactly-once"

    def __init__(self) -> None:
        self.rows = 0  # rows received, for tests and benchmark reports

    def accepted_changelog_mode(self) -> ChangelogMode:
        return ChangelogMode.retract()

    def write(self, batch: ChangeBatch) -> None:
        self.rows += batch.num_rows

    def describe(self) -> str:
        return "blackhole"


class BlackholeFactory(ConnectorFactory):
    identifier = "blackhole"
    optional_options = ("sink.parallelism",)

    def create_sink(self, context: ConnectorContext) -> TableSink:
        check_options(context, self.identifier, self.optional_options)
        return BlackholeSink()


FACTORY = BlackholeFactory()
