"""``flowsql state inspect <path>``: a checkpoint or savepoint, read-only, in tableau form.

Without options it lists every operator's states (kind, entries), source positions and pending
sink files; ``--operator ID --state NAME`` prints that state's rows.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TextIO


def main(argv: Sequence[str], out: TextIO) -> int:
    parser = argparse.ArgumentParser(prog="flowsql state", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["inspect"])
    parser.add_argument("path", help="a checkpoint (<dir>/<job-id>/chk-<n>), a savepoint, or a folder of them")
    parser.add_argument("--operator", help="the operator id (as listed)")
    parser.add_argument("--state", help="the state's name (as listed)")
    parser.add_argument("--limit", type=int, default=50, help="rows to print (50)")
    args = parser.parse_args(argv)
    from flowsql.common.errors import FlowSqlError
    from flowsql.exec.checkpoint.inspect import overview, state_table
    from flowsql.exec.checkpoint.storage import resolve_recovery_path

    try:
        restored = resolve_recovery_path(args.path)
    except FlowSqlError as error:
        print(f"[ERROR] {error}", file=out)
        return 1
    if bool(args.operator) != bool(args.state):
        print("[ERROR] --operator and --state go together", file=out)
        return 2
    try:
        table = state_table(restored, args.operator, args.state) if args.operator else overview(restored)
    except KeyError as error:
        print(f"[ERROR] {error.args[0]}", file=out)
        return 1
    print(f"checkpoint {restored.checkpoint_id} of job {restored.metadata.get('job_name')} "
          f"({restored.metadata.get('job_id')}) at {restored.path}", file=out)
    _print_tableau(table.slice(0, args.limit), out)
    if table.num_rows > args.limit:
        print(f"... {table.num_rows - args.limit} more rows (--limit)", file=out)
    return 0


def _print_tableau(table, out: TextIO) -> None:
    rows = [["NULL" if v is None else str(v) for v in row.values()] for row in table.to_pylist()]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(table.column_names)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(line, file=out)
    print("| " + " | ".join(n.ljust(w) for n, w in zip(table.column_names, widths)) + " |", file=out)
    print(line, file=out)
    for r in rows:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(r, widths)) + " |", file=out)
    print(line, file=out)
