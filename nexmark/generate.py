"""Write the Nexmark event stream to Parquet for other engines::

    python -m nexmark.generate --events 1000000 --seed 0 --out /tmp/nexmark

writes ``person.parquet``, ``auction.parquet`` and ``bid.parquet``: the same events the
``nexmark`` connector produces with the same ``events.num`` and ``seed``.
"""

from __future__ import annotations

import argparse
import time

from flowsql.connectors.nexmark.config import GeneratorConfig
from flowsql.connectors.nexmark.parquet import write_parquet


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write Nexmark events to Parquet")
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = write_parquet(GeneratorConfig(seed=args.seed, events_num=args.events), args.out)
    print(f"{args.events} events in {time.perf_counter() - start:.1f} s: " + ", ".join(map(str, paths.values())))


if __name__ == "__main__":
    main()
