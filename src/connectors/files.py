"""Finding the files under a filesystem table's path, and reading ``k=v/`` partition directories."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import unquote

import pyarrow as pa
from flowsql.common.types import DataType
from flowsql.connectors.formats.conversion import from_strings

DEFAULT_PARTITION_NAME = "__DEFAULT_PARTITION__"
# Flink escapes these characters in partition values (FileUtils / PartitionPathUtils).
_UNSAFE = '"#%\'*/:=?\\\x7f{[]^'


@dataclass(frozen=True)
class DataFile:
    path: str
    size: int
    modified_ms: int
    partition: tuple[tuple[str, str], ...]  # (key, raw text) from the directories


def local_path(path: str) -> str:
    return path.removeprefix("file://")


def is_hidden(name: str) -> bool:
    """Hidden, in-progress and marker files (``.part-...inprogress``, ``_SUCCESS``) are not data."""
    return name.startswith((".", "_"))


def discover(root: str, regex: re.Pattern | None = None) -> list[DataFile]:
    """The data files under ``root`` (itself, if a file), sorted by path relative to it."""
    root = local_path(root)
    if os.path.isfile(root):
        return [_data_file(root, root)]
    if not os.path.isdir(root):
        return []
    found = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not is_hidden(d))
        for name in names:
            path = os.path.join(directory, name)
            if is_hidden(name) or (regex is not None and not regex.fullmatch(os.path.abspath(path))):
                continue
            found.append(path)
    return [_data_file(p, root) for p in sorted(found, key=lambda p: os.path.relpath(p, root))]


def _data_file(path: str, root: str) -> DataFile:
    stat = os.stat(path)
    relative = os.path.relpath(os.path.dirname(path), root) if path != root else "."
    partition = tuple(
        (unquote(k), unquote(v)) for k, v in
        (part.split("=", 1) for part in relative.split(os.sep) if "=" in part))
    return DataFile(path, stat.st_size, int(stat.st_mtime * 1000), partition)


def escape_partition_value(value: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in _UNSAFE or ord(c) < 32 else c for c in value)


def partition_path(keys: list[str], values: list[str]) -> str:
    return os.path.join(*(f"{escape_partition_value(k)}={escape_partition_value(v)}" for k, v in zip(keys, values)))


def partition_value(text: str | None, t: DataType, default_name: str) -> pa.Scalar:
    """A partition directory's text as a typed value (the default partition name is NULL)."""
    if text is None or text == default_name:
        return pa.scalar(None, t.to_arrow())
    return from_strings(pa.array([text], pa.string()), t)[0]
