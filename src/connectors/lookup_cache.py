"""Cached lookups for connectors that read a table whole (Flink's lookup cache options).

``'lookup.cache'`` chooses the cache:

- ``NONE`` (Flink's default): every batch of keys reads the table again, so lookups see its latest
  contents.
- ``FULL``: the whole table is loaded on the first lookup and reloaded once
  ``'lookup.full-cache.periodic-reload.interval'`` has passed on the job's clock (never, unset).
- ``PARTIAL``: the rows of each looked-up key are kept until ``'lookup.partial-cache.expire-after-write'``
  (or ``...expire-after-access``) has passed on the job's clock, for at most
  ``'lookup.partial-cache.max-rows'`` keys (least recently used go first); keys without rows are
  remembered too unless ``'lookup.partial-cache.cache-missing-key'`` is false. A batch's missing
  keys are read in one pass over the table.

The clock is the job's (``flowsql.exec.clock``), so tests drive expiry and reloads by hand. Every
lookup is one DuckDB join between the batch's keys and the (cached) rows. The cache is connector
state that can be rebuilt from the table at any time, so, as in Flink, checkpoints leave it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from flowsql.common.connector import ConnectorContext, LookupFunction
from flowsql.connectors.options import bool_option, duration_option, int_option

LOOKUP_OPTIONS = (
    "lookup.cache", "lookup.partial-cache.expire-after-write", "lookup.partial-cache.expire-after-access",
    "lookup.partial-cache.max-rows", "lookup.partial-cache.cache-missing-key",
    "lookup.full-cache.reload-strategy", "lookup.full-cache.periodic-reload.interval",
)


@dataclass(frozen=True)
class LookupCacheOptions:
    mode: str = "NONE"
    expire_after_write_ms: int | None = None
    expire_after_access_ms: int | None = None
    max_rows: int | None = None
    cache_missing_key: bool = True
    reload_interval_ms: int | None = None

    @staticmethod
    def from_context(context: ConnectorContext) -> LookupCacheOptions:
        mode = (context.option("lookup.cache", "NONE") or "NONE").strip().upper()
        if mode not in ("NONE", "PARTIAL", "FULL"):
            raise context.error(f"option 'lookup.cache' must be NONE, PARTIAL or FULL, found '{mode}'")
        strategy = (context.option("lookup.full-cache.reload-strategy", "PERIODIC") or "").strip().upper()
        if strategy != "PERIODIC":
            raise context.error(f"option 'lookup.full-cache.reload-strategy' supports only PERIODIC, found "
                                f"'{strategy}'", hint="reload every 'lookup.full-cache.periodic-reload.interval'")
        options = LookupCacheOptions(
            mode, duration_option(context, "lookup.partial-cache.expire-after-write"),
            duration_option(context, "lookup.partial-cache.expire-after-access"),
            int_option(context, "lookup.partial-cache.max-rows", minimum=1),
            bool_option(context, "lookup.partial-cache.cache-missing-key", True),
            duration_option(context, "lookup.full-cache.periodic-reload.interval"))
        if mode == "PARTIAL" and options.expire_after_write_ms is None and options.expire_after_access_ms is None \
                and options.max_rows is None:
            raise context.error("'lookup.cache' = 'PARTIAL' needs a bound on the cache",
                                hint="set 'lookup.partial-cache.expire-after-write', '...expire-after-access' "
                                     "or '...max-rows'")
        return options


class CachingLookupFunction(LookupFunction):
    """Looks keys up in a table produced whole by ``read`` (see the module docstring)."""

    def __init__(self, read: Callable[[], pa.Table], schema: pa.Schema, key_columns: list[str],
                 options: LookupCacheOptions) -> None:
        self.read = read
        self.schema = schema
        self.key_positions = [schema.names.index(k) for k in key_columns]
        self.options = options
        self.clock = None
        self.table: pa.Table | None = None  # FULL: the loaded table
        self.loaded_at = 0
        self.entries: pa.Table | None = None  # PARTIAL: k0.., id, written, accessed
        self.rows: pa.Table | None = None  # PARTIAL: t0.., id
        self.next_id = 0
        self.reads = 0  # how often the table was read (for tests and metrics)

    def open(self, clock) -> None:
        self.clock = clock
        self.duck = duckdb.connect()
        self.duck.execute("SET TimeZone = 'UTC'")

    def close(self) -> None:
        self.table = self.entries = self.rows = None

    # -- lookups ----------------------------------------------------------------------------------
    def lookup(self, keys: pa.Table) -> tuple[np.ndarray, pa.Table]:
        numbered = pa.Table.from_arrays(list(keys.columns) + [pa.array(np.arange(keys.num_rows, dtype=np.int64))],
                                        names=[f"k{i}" for i in range(keys.num_columns)] + ["pos"])
        mode = self.options.mode
        if mode == "PARTIAL":
            return self._partial(numbered)
        table = self._full() if mode == "FULL" else self._read()
        on = " AND ".join(f"k.k{i} = t.t{p}" for i, p in enumerate(self.key_positions))
        result = self._sql(f"SELECT k.pos, t.* FROM keys AS k JOIN rows AS t ON {on}", keys=numbered, rows=table)
        return self._answer(result)

    def _full(self) -> pa.Table:
        now = self.clock.now_ms()
        interval = self.options.reload_interval_ms
        if self.table is None or (interval is not None and now - self.loaded_at >= interval):
            self.table, self.loaded_at = self._read(), now
        return self.table

    def _partial(self, keys: pa.Table) -> tuple[np.ndarray, pa.Table]:
        now = self.clock.now_ms()
        self._expire(now)
        width = len(self.key_positions)
        key_list = ", ".join(f"k{i}" for i in range(width))
        on = " AND ".join(f"d.k{i} = e.k{i}" for i in range(width))
        not_null = " AND ".join(f"k{i} IS NOT NULL" for i in range(width))
        distinct = self._sql(f"SELECT DISTINCT {key_list} FROM keys WHERE {not_null}", keys=keys)
        if self.entries is not None:
            hits = self._sql(f"SELECT e.id FROM d JOIN e ON {on}", d=distinct, e=self.entries).column(0)
            ids = self.entries.column("id")
            accessed = pc.if_else(pc.is_in(ids, value_set=hits), pa.scalar(now, pa.int64()),
                                  self.entries.column("accessed"))
            self.entries = self.entries.set_column(self.entries.schema.get_field_index("accessed"), "accessed",
                                                   accessed)
            distinct = self._sql(f"SELECT d.* FROM d ANTI JOIN e ON {on}", d=distinct, e=self.entries)
        if distinct.num_rows:
            self._load(distinct, now)
        if self.entries is None:
            return np.zeros(0, dtype=np.int64), self.schema.empty_table()
        result = self._sql(
            f"SELECT k.pos, r.* EXCLUDE (id) FROM keys AS k JOIN e ON {on.replace('d.', 'k.')} JOIN r ON e.id = r.id",
            keys=keys, e=self.entries, r=self.rows)
        self._evict()
        return self._answer(result)

    def _load(self, missing: pa.Table, now: int) -> None:
        """Read the rows of the ``missing`` keys into the cache."""
        ids = pa.array(np.arange(self.next_id, self.next_id + missing.num_rows, dtype=np.int64))
        self.next_id += missing.num_rows
        times = pa.array(np.full(missing.num_rows, now, dtype=np.int64))
        new = missing.append_column("id", ids).append_column("written", times).append_column("accessed", times)
        on = " AND ".join(f"m.k{i} = t.t{p}" for i, p in enumerate(self.key_positions))
        rows = self._sql(f"SELECT t.*, m.id FROM m JOIN t ON {on}", m=new, t=self._read())
        if not self.options.cache_missing_key:
            new = new.filter(pc.is_in(new.column("id"), value_set=rows.column("id")))
        rows = rows.cast(pa.schema([pa.field(f"t{i}", f.type) for i, f in enumerate(self.schema)]
                                   + [pa.field("id", pa.int64())]))
        self.entries = new if self.entries is None else pa.concat_tables([self.entries, new.cast(self.entries.schema)])
        self.rows = rows if self.rows is None else pa.concat_tables([self.rows, rows])

    def _expire(self, now: int) -> None:
        if self.entries is None:
            return
        keep = np.ones(self.entries.num_rows, dtype=bool)
        for column, ttl in (("written", self.options.expire_after_write_ms),
                            ("accessed", self.options.expire_after_access_ms)):
            if ttl is not None:
                keep &= self.entries.column(column).to_numpy() > now - ttl
        if not keep.all():
            self._keep(keep)

    def _evict(self) -> None:
        limit = self.options.max_rows
        if limit is None or self.entries is None or self.entries.num_rows <= limit:
            return
        accessed = self.entries.column("accessed").to_numpy()
        order = np.lexsort((self.entries.column("id").to_numpy(), accessed))  # least recently used first
        keep = np.zeros(self.entries.num_rows, dtype=bool)
        keep[order[-limit:]] = True
        self._keep(keep)

    def _keep(self, mask: np.ndarray) -> None:
        self.entries = self.entries.filter(pa.array(mask))
        self.rows = self.rows.filter(pc.is_in(self.rows.column("id"), value_set=self.entries.column("id")))

    # -- pieces -------------------------------------------------------------------------------------
    def _read(self) -> pa.Table:
        self.reads += 1
        table = self.read()
        return pa.Table.from_arrays(list(table.columns), names=[f"t{i}" for i in range(table.num_columns)])

    def _sql(self, sql: str, **tables: pa.Table) -> pa.Table:
        try:
            for name, table in tables.items():
                self.duck.register(name, table)
            return self.duck.sql(sql).to_arrow_table()
        finally:
            for name in tables:
                self.duck.unregister(name)

    def _answer(self, result: pa.Table) -> tuple[np.ndarray, pa.Table]:
        positions = result.column(0).to_numpy()
        columns = [c.cast(f.type) if c.type != f.type else c for c, f in zip(result.columns[1:], self.schema)]
        return positions, pa.Table.from_arrays(columns, schema=self.schema)
