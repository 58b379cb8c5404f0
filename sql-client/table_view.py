"""The shell's ``table`` result mode: the materialized result, full-screen, updating in place.

A reader thread applies the query's changes to a ``MaterializedResult``; the screen redraws the
current page at the refresh interval with Flink's status line (rows, page, refresh rate, last
update) and key help. ``Q`` quits back to the prompt — cancelling the query if it still runs, as
Flink's client does — ``+``/``-`` change the refresh rate, ``N``/``P`` page forward and back,
``G``/``L`` jump to the first and last page, and Ctrl-C cancels the query but keeps its last
result on screen.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from prompt_toolkit.application import Application
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.layout import HSplit, Layout, Window
from prompt_toolkit.layout.controls import FormattedTextControl
from prompt_toolkit.output import Output

from flowsql.table import printing

REFRESH_INTERVALS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
KEY_HELP = " Q Quit   + Inc Refresh   - Dec Refresh   N Next Page   P Prev Page   G First Page   L Last Page"


class TableView:
    def __init__(self, result: Any, *, max_width: int = printing.DEFAULT_MAX_WIDTH, zone: Any = None,
                 refresh: float = 1.0, output: Output | None = None, input: Any = None) -> None:
        import pyarrow as pa

        from flowsql.table.materialize import MaterializedResult

        schema = result.get_table_schema()
        self.result = result
        self.names = list(schema.get_field_names())
        self.types = list(schema.get_field_data_types())
        self.view = MaterializedResult(pa.schema([pa.field(n, t.to_arrow()) for n, t in zip(self.names, self.types)]))
        self.max_width, self.zone = max_width, zone
        self.refresh_index = min(range(len(REFRESH_INTERVALS)), key=lambda i: abs(REFRESH_INTERVALS[i] - refresh))
        self.page = 0  # 0-based; -1 follows the last page
        self.status = "RUNNING"
        self.error: BaseException | None = None
        self.updated = time.strftime("%H:%M:%S")
        self._lock = threading.Lock()
        self._frame: list[tuple[str, str]] = []
        self._frame_time = 0.0
        self._dirty = True
        self.app = Application(
            layout=Layout(HSplit([Window(FormattedTextControl(self._text), wrap_lines=False)])),
            key_bindings=self._bindings(), full_screen=True, refresh_interval=0.1,
            output=output, input=input, mouse_support=False,
        )

    # -- the reader ------------------------------------------------------------------------
    def _read(self) -> None:
        try:
            for batch in self.result.change_batches():
                with self._lock:
                    self.view.apply(batch)
                    self._dirty = True
            self.status = "FINISHED" if self.status == "RUNNING" else self.status
        except BaseException as error:  # shown in the status line; the shell prints it after
            self.status, self.error = "FAILED", error
        self._dirty = True

    def run(self) -> int:
        """Show the result until the user quits; the number of rows shown last."""
        reader = threading.Thread(target=self._read, name="flowsql-table-view", daemon=True)
        reader.start()
        try:
            self.app.run()
        finally:
            if self.status == "RUNNING":
                self._cancel()
        reader.join(timeout=5)
        if self.error is not None:
            raise self.error
        with self._lock:
            return self.view.row_count

    def _cancel(self) -> None:
        self.status = "CANCELED"
        try:
            self.result.cancel()
        except Exception:  # already finished: nothing to cancel
            pass

    # -- keys ------------------------------------------------------------------------------
    def _bindings(self) -> KeyBindings:
        keys = KeyBindings()

        @keys.add("q")
        @keys.add("Q")
        def _quit(event) -> None:
            event.app.exit()

        @keys.add("c-c")
        def _interrupt(event) -> None:
            self._cancel()
            self._dirty = True

        def refresh_by(step: int):
            def handler(event) -> None:
                self.refresh_index = max(0, min(len(REFRESH_INTERVALS) - 1, self.refresh_index + step))
                self._dirty = True
            return handler

        keys.add("+")(refresh_by(-1))  # faster
        keys.add("-")(refresh_by(1))

        def page_to(where):
            def handler(event) -> None:
                self.page = where(self.page)
                self._dirty = True
            return handler

        for key in ("n", "N", "pagedown"):
            keys.add(key)(page_to(lambda p: p + 1 if p >= 0 else p))
        for key in ("p", "P", "pageup"):
            keys.add(key)(page_to(lambda p: max(0, p - 1) if p >= 0 else max(0, self._pages() - 2)))
        for key in ("g", "G", "home"):
            keys.add(key)(page_to(lambda p: 0))
        for key in ("l", "L", "end"):
            keys.add(key)(page_to(lambda p: -1))
        return keys

    # -- drawing ---------------------------------------------------------------------------
    def _page_size(self) -> int:
        try:
            rows = self.app.output.get_size().rows
        except Exception:  # no terminal size known
            rows = 24
        return max(1, rows - 5)  # header, separator, status, key help, spare line

    def _pages(self) -> int:
        return max(1, -(-self.view.row_count // self._page_size()))

    def _text(self) -> list[tuple[str, str]]:
        now = time.monotonic()
        due = now - self._frame_time >= REFRESH_INTERVALS[self.refresh_index]
        if self._frame and not (self._dirty and due):
            return self._frame
        with self._lock:
            table = self.view.table()
        self._dirty = False
        self._frame_time = now
        self.updated = time.strftime("%H:%M:%S")
        size = self._page_size()
        pages = max(1, -(-table.num_rows // size))
        page = pages - 1 if self.page < 0 else min(self.page, pages - 1)
        if self.page >= 0:
            self.page = page
        shown = table.slice(page * size, size)
        rows = list(zip(*(c.to_pylist() for c in shown.columns))) if shown.num_columns else []
        printer = printing.TableauPrinter(self.names, self.types, with_op=False, widths="types",
                                          max_width=self.max_width, zone=self.zone)
        cells = [printer.cells(None, row) for row in rows]
        widths = printer.widths

        def line(values) -> str:
            return " ".join(printing.fit_cell(v, w) for v, w in zip(values, widths))

        fragments: list[tuple[str, str]] = [("reverse", line(printer.header_cells) + "\n")]
        fragments += [("", line(row) + "\n") for row in cells]
        fragments += [("", "\n" * max(0, size - len(rows)))]
        refresh = REFRESH_INTERVALS[self.refresh_index]
        refresh_text = f"{refresh:g} s" if refresh >= 1 else f"{int(refresh * 1000)} ms"
        status = (f" Total Rows: {table.num_rows}   Page: {'Last' if self.page < 0 else page + 1} of {pages}"
                  f"   Updated: {self.updated}   Refresh: {refresh_text}   Changes: {self.view.changes}"
                  f"   Status: {self.status}")
        fragments += [("reverse", status + "\n"), ("", KEY_HELP)]
        self._frame = fragments
        return fragments
