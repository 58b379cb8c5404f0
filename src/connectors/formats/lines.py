"""Line-oriented files (csv, json lines, raw): chunked vectorized parsing with exact error places.

A file is read in blocks cut at line ends and each block is parsed at once by Arrow. Only when a
block fails is it split into lines and bisected, so the malformed records are found (and either
reported with their line number or skipped and counted) while the rest is still parsed in bulk.
A record is one line: quoted values spanning lines are not supported.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
from flowsql.common.errors import ConnectorError

BLOCK_BYTES = 8 << 20
_TEXT_LIMIT = 120
_PARSE_ERRORS = (pa.ArrowException, ValueError, TypeError, KeyError, ConnectorError)


def line_blocks(path: str, block_bytes: int = BLOCK_BYTES) -> Iterator[tuple[int, bytes]]:
    """(number of the first line, bytes) for blocks of whole lines."""
    first_line = 1
    rest = b""
    with open(path, "rb") as f:
        while True:
            block = f.read(block_bytes)
            if not block:
                if rest:
                    yield first_line, rest if rest.endswith(b"\n") else rest + b"\n"
                return
            data = rest + block
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                continue
            chunk, rest = data[: cut + 1], data[cut + 1:]
            yield first_line, chunk
            first_line += chunk.count(b"\n")


def shorten(text: str) -> str:
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 3] + "..."


class LineParser:
    """Parses blocks of lines; subclasses give ``parse`` (all-or-nothing) and ``diagnose``."""

    ignore_parse_errors = False
    hint = ""

    def __init__(self, location: str) -> None:
        self.location = location
        self.skipped_records = 0

    def parse(self, records: bytes) -> pa.Table:
        """Parse newline-terminated records; raise (any Arrow or value error) if one is malformed."""
        raise NotImplementedError

    def diagnose(self, line: bytes) -> str:
        """Why this single record does not parse, e.g. "cannot parse 'abc' as INT for column `qty`"."""
        raise NotImplementedError

    def is_record(self, line: bytes) -> bool:
        """False for lines that carry no record (blank lines, comments)."""
        return bool(line.strip())

    def needs_filtering(self, block: bytes) -> bool:
        """True if the block may hold non-record lines that Arrow's parser would not skip itself."""
        return False

    def read(self, path: str, block_bytes: int = BLOCK_BYTES) -> Iterator[pa.Table]:
        for first_line, block in line_blocks(path, block_bytes):
            records = block
            if self.needs_filtering(block):
                records = b"\n".join(line for line in block.split(b"\n") if self.is_record(line)) + b"\n"
            if not records.strip():
                continue
            try:
                yield self.parse(records)
            except _PARSE_ERRORS:
                yield self._recover(path, first_line, block)

    def _recover(self, path: str, first_line: int, block: bytes) -> pa.Table:
        lines = block.split(b"\n")
        numbered = [(first_line + i, line) for i, line in enumerate(lines) if self.is_record(line)]
        tables: list[pa.Table] = []
        self._bisect(path, numbered, tables)
        return pa.concat_tables(tables) if tables else self.parse(b"")

    def _bisect(self, path: str, items: list[tuple[int, bytes]], out: list[pa.Table]) -> None:
        if not items:
            return
        try:
            out.append(self.parse(b"\n".join(line for _, line in items) + b"\n"))
            return
        except _PARSE_ERRORS:
            if len(items) > 1:
                middle = len(items) // 2
                self._bisect(path, items[:middle], out)
                self._bisect(path, items[middle:], out)
                return
        number, line = items[0]
        if self.ignore_parse_errors:
            self.skipped_records += 1
            return
        text = line.decode("utf-8", "replace").rstrip("\r")
        raise ConnectorError(f"malformed record '{shorten(text)}': {self.diagnose(line)}",
                             location=f"{self.location}, file {path}, line {number}", hint=self.hint)
