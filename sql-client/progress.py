"""A progress bar for a bounded job the client waits for (``flowsql -f``, ``table.dml-sync``).

Drawn on one terminal line of stderr, redrawn a few times a second and erased when the job ends,
so it never mixes into the output a script prints or pipes. The fraction comes from the sources'
``progress()`` (rows or bytes done of the total: a filesystem table's bytes, datagen's
``number-of-rows``, nexmark's ``events.num``); a job none of whose sources knows its total shows
the rows read so far and the rate instead.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

_BAR_WIDTH = 28
_UNITS = ("B", "KB", "MB", "GB", "TB")


def should_draw(stream: TextIO) -> bool:
    """Only on a terminal: a redirected stderr gets no carriage returns."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _amount(value: int, unit: str) -> str:
    if unit != "bytes":
        return f"{value:,}"
    size = float(value)
    for name in _UNITS:
        if size < 1024 or name == _UNITS[-1]:
            return f"{size:.0f} {name}" if name == "B" else f"{size:.1f} {name}"
        size /= 1024
    return str(value)


def progress_text(job: Any, elapsed: float) -> str:
    """One line: the bar with its percentage and amounts when a total is known, else rows read."""
    totals: dict[str, tuple[int, int]] = {}
    rows_read = 0
    for source in job.sources:
        rows_read += source.metrics.rows_out
        reader = getattr(source, "reader", None)
        progress = reader.progress() if reader is not None else None
        if progress is not None and progress[1] > 0:
            unit = getattr(reader, "progress_unit", "rows")
            done, total = totals.get(unit, (0, 0))
            totals[unit] = (done + min(progress), total + progress[1])
    rate = f"{rows_read / elapsed:,.0f} rows/s" if elapsed > 0 else ""
    name = job.name if len(job.name) <= 24 else job.name[:23] + "…"
    if not totals:
        return f"{name}  {rows_read:,} rows read  {rate}"
    # Sources counting in different units: the bar follows the least advanced of them.
    unit, (done, total) = min(totals.items(), key=lambda item: item[1][0] / item[1][1])
    fraction = done / total
    filled = int(fraction * _BAR_WIDTH)
    bar = "█" * filled + "░" * (_BAR_WIDTH - filled)
    return f"{name} {bar} {fraction * 100:3.0f}%  {_amount(done, unit)} / {_amount(total, unit)}  {rate}"


def wait_with_progress(job: Any, stream: TextIO, interval: float = 0.2) -> None:
    """Wait until ``job`` ends, drawing its progress on ``stream``; the line is erased at the end."""
    started = time.monotonic()
    drawn = 0
    try:
        while True:
            text = progress_text(job, time.monotonic() - started)
            stream.write("\r" + text + " " * max(0, drawn - len(text)))
            stream.flush()
            drawn = len(text)
            if job.done_event.wait(interval):
                break
    finally:
        stream.write("\r" + " " * drawn + "\r")
        stream.flush()
