"""The same event stream as flat Parquet files (``person``, ``auction``, ``bid``), for other
engines (DuckDB, PyFlink) to read exactly the data flowsql's ``nexmark`` source produces."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from flowsql.connectors.nexmark.config import AUCTION, BID, PERSON, GeneratorConfig
from flowsql.connectors.nexmark.generator import BLOCK_EVENTS, NexmarkGenerator

KINDS = {"person": PERSON, "auction": AUCTION, "bid": BID}


def flat_tables(block: pa.Table) -> dict[str, pa.Table]:
    """Each kind's rows of a block of events, its ROW flattened into columns (the views' shape)."""
    out = {}
    kinds = block.column("event_type")
    for name, kind in KINDS.items():
        rows = block.filter(pc.equal(kinds, kind))
        struct = rows.column(name).combine_chunks()
        out[name] = pa.Table.from_arrays([struct.field(f.name) for f in struct.type],
                                         names=[f.name for f in struct.type])
    return out


def write_parquet(config: GeneratorConfig, directory: str | Path) -> dict[str, Path]:
    """Write ``config.events_num`` events as ``<directory>/{person,auction,bid}.parquet``."""
    if config.events_num is None:
        raise ValueError("an unbounded stream cannot be written to files: set events_num")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    generator = NexmarkGenerator(config)
    paths = {name: directory / f"{name}.parquet" for name in KINDS}
    writers: dict[str, pq.ParquetWriter] = {}
    try:
        for number in range(-(-config.events_num // BLOCK_EVENTS)):
            for name, table in flat_tables(generator.block(number)).items():
                if name not in writers:
                    writers[name] = pq.ParquetWriter(paths[name], table.schema)
                writers[name].write_table(table)
    finally:
        for writer in writers.values():
            writer.close()
    return paths
