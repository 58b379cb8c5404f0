"""The ``nexmark`` connector: the Nexmark benchmark's event stream, generated from a seed.

The table has Flink's nexmark layout (see ``ddl.py`` for the statement and the ``person``,
``auction`` and ``bid`` views)::

    CREATE TABLE datagen (event_type INT, person ROW<...>, auction ROW<...>, bid ROW<...>,
                          dateTime TIMESTAMP(3), WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
    WITH ('connector' = 'nexmark', 'events.num' = '1000000', 'seed' = '7')

``dateTime`` may be declared physical (the source fills it) or computed from the ROWs as Flink's
DDL does. Options keep Flink's names; ``seed``, ``first-event.time``, ``out-of-order-group.size``
and ``rate.limited`` are flowsql's. The rates set the spacing of event times; the reader waits for
the job's clock only when rate-limited (by default, when a rate option is given), so benchmarks
run unthrottled. The position is the next event number: the source is replayable.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import Column, ConnectorContext, ConnectorFactory, SourceReader, TableSource
from flowsql.connectors.nexmark.config import BASE_TIME_MS, GeneratorConfig
from flowsql.connectors.nexmark.generator import BLOCK_EVENTS, EVENT_SCHEMA, NexmarkGenerator
from flowsql.connectors.options import bool_option, check_options, duration_option, int_option

_INT_OPTIONS = {  # option -> (GeneratorConfig field, minimum)
    "first-event.rate": ("first_event_rate", 1), "next-event.rate": ("next_event_rate", 1),
    "person.proportion": ("person_proportion", 0), "auction.proportion": ("auction_proportion", 0),
    "bid.proportion": ("bid_proportion", 0), "person.avg-size": ("person_avg_size", 0),
    "auction.avg-size": ("auction_avg_size", 0), "bid.avg-size": ("bid_avg_size", 0),
    "seed": ("seed", 0), "out-of-order-group.size": ("out_of_order_group_size", 1),
}


def config_from_options(context: ConnectorContext) -> GeneratorConfig:
    values: dict[str, Any] = {}
    for key, (name, minimum) in _INT_OPTIONS.items():
        value = int_option(context, key, None, minimum=minimum)
        if value is not None:
            values[name] = value
    events = int_option(context, "events.num", 0, minimum=0)
    values["events_num"] = events or None  # 0 (Flink's default): unbounded
    period_ms = duration_option(context, "rate.period", None)
    if period_ms is not None:
        values["rate_period_s"] = max(1, period_ms // 1000)
    first = context.option("first-event.time")
    if first is not None:
        try:
            parsed = datetime.fromisoformat(first.strip())
        except ValueError:
            raise context.error(f"option 'first-event.time' must be a timestamp, found '{first}'",
                                hint="write it like '2015-07-15 00:00:00'") from None
        values["base_time_ms"] = int(parsed.replace(tzinfo=timezone.utc).timestamp() * 1000)
    config = GeneratorConfig(**values)
    if config.total_proportion == 0:
        raise context.error("the person, auction and bid proportions are all 0", hint="the defaults are 1, 3, 46")
    if config.bid_proportion and not (config.person_proportion and config.auction_proportion):
        raise context.error("bids need persons and auctions to refer to",
                            hint="keep 'person.proportion' and 'auction.proportion' at least 1")
    return config


class NexmarkSource(TableSource):
    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        if context.metadata_columns:
            raise context.error("the nexmark connector provides no metadata columns")
        for column in context.physical_columns:
            if column.name not in EVENT_SCHEMA.names:
                raise context.error(f"the nexmark connector produces no column '{column.name}'",
                                    hint="its columns: " + ", ".join(EVENT_SCHEMA.names))
            _check_fields(context, column)
        self.config = config_from_options(context)
        self.bounded = self.config.events_num is not None
        rates = ("first-event.rate", "next-event.rate")
        self.rate_limited = bool_option(context, "rate.limited", any(k in context.options for k in rates))
        self.columns = list(context.physical_columns)

    def apply_projection(self, columns: list[str]) -> bool:
        by_name = {c.name: c for c in self.context.physical_columns}
        self.columns = [by_name[n] for n in columns]
        return True

    def produced_columns(self) -> list[Column]:
        return list(self.columns)

    def create_reader(self) -> NexmarkReader:
        return NexmarkReader(self)

    def describe(self) -> str:
        events = self.config.events_num if self.bounded else "unbounded"
        paced = f" rate={self.config.next_event_rate}/s" if self.rate_limited else ""
        return f"nexmark events.num={events} seed={self.config.seed}{paced}"


def _check_fields(context: ConnectorContext, column: Column) -> None:
    produced = EVENT_SCHEMA.field(column.name).type
    if not pa.types.is_struct(produced):
        return
    if column.type.name != "ROW":
        raise context.error(f"column '{column.name}' must be a ROW, found {column.type}")
    unknown = [f for f in column.type.field_names if produced.get_field_index(f) < 0]
    if unknown:
        raise context.error(f"the nexmark {column.name} has no field '{unknown[0]}'",
                            hint="its fields: " + ", ".join(f.name for f in produced))


class NexmarkReader(SourceReader):
    """Polls the stream in order; the position is the number of events already returned."""

    def __init__(self, source: NexmarkSource) -> None:
        self.source = source
        self.generator = NexmarkGenerator(source.config)
        self.schema = pa.schema([pa.field(c.name, c.type.to_arrow()) for c in source.columns])
        self.names = tuple(c.name for c in source.columns)
        self.emitted = 0
        self.clock = None  # the job's clock, when rate-limited
        self.cached: tuple[int, pa.Table] | None = None  # the current block, derived data only
        self._restart_pacing()

    def use_clock(self, clock) -> None:
        """Pace a rate-limited stream by the job's clock (a test's manual clock included)."""
        self.clock = clock
        self._restart_pacing()

    def _restart_pacing(self) -> None:
        self.paced_from = (self.emitted, self._now_s())

    def _now_s(self) -> float:
        return self.clock.monotonic() if self.clock is not None else time.monotonic()

    @property
    def finished(self) -> bool:
        total = self.source.config.events_num
        return total is not None and self.emitted >= total

    def poll(self, max_rows: int) -> ChangeBatch | None:
        n = max_rows
        total = self.source.config.events_num
        if total is not None:
            n = min(n, total - self.emitted)
        if self.source.rate_limited:
            n = min(n, self._due() - self.emitted)
        if n <= 0:
            return None
        parts, position, end = [], self.emitted, self.emitted + n
        while position < end:
            number = position // BLOCK_EVENTS
            block = self._block(number)
            offset = position - number * BLOCK_EVENTS
            part = block.slice(offset, min(end - position, block.num_rows - offset))
            parts.append(part)
            position += part.num_rows
        self.emitted = end
        table = parts[0] if len(parts) == 1 else pa.concat_tables(parts).combine_chunks()
        return ChangeBatch(table)

    def _block(self, number: int) -> pa.Table:
        if self.cached is None or self.cached[0] != number:
            block = self.generator.block(number, self.names)
            if block.schema != self.schema:
                block = _conform(block, self.schema)
            self.cached = (number, block)
        return self.cached[1]

    def _due(self) -> int:
        """Events whose event time has come, counting event time from the pacing start at the
        clock's pace (so a restore or a slow consumer does not cause a burst)."""
        start_event, start_s = self.paced_from
        config = self.source.config
        target = config.timestamps_ms(np.array([start_event]))[0] + int((self._now_s() - start_s) * 1000)
        low, high = start_event, start_event + 1
        while config.timestamps_ms(np.array([high]))[0] <= target:
            low, high = high, high * 2 + 1
        while low < high:  # the first event later than the target
            middle = (low + high) // 2
            if config.timestamps_ms(np.array([middle]))[0] <= target:
                low = middle + 1
            else:
                high = middle
        return low

    def snapshot_position(self) -> int:
        return self.emitted

    def restore_position(self, position: Any) -> None:
        self.emitted = int(position)
        self._restart_pacing()

    def progress(self) -> tuple[int, int] | None:
        total = self.source.config.events_num
        return None if total is None else (self.emitted, total)


def _conform(block: pa.Table, schema: pa.Schema) -> pa.Table:
    """The generated columns in the declared types (a ROW may declare a subset of the fields)."""
    arrays = []
    for column, field in zip(block.columns, schema):
        array = column.combine_chunks()
        if pa.types.is_struct(field.type) and array.type != field.type:
            children = [array.field(f.name) for f in field.type]
            array = pa.StructArray.from_arrays(children, names=[f.name for f in field.type],
                                               mask=array.is_null())
        arrays.append(array.cast(field.type) if array.type != field.type else array)
    return pa.Table.from_arrays(arrays, schema=schema)


class NexmarkFactory(ConnectorFactory):
    identifier = "nexmark"
    optional_options = ("events.num", "rate.period", "rate.limited", "first-event.time", "scan.parallelism",
                        *_INT_OPTIONS)

    def create_source(self, context: ConnectorContext) -> TableSource:
        check_options(context, self.identifier, self.optional_options)
        return NexmarkSource(context)


FACTORY = NexmarkFactory()

__all__ = ["BASE_TIME_MS", "FACTORY", "GeneratorConfig", "NexmarkFactory", "NexmarkReader", "NexmarkSource"]
