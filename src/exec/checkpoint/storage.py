"""Checkpoint files in Flink's layout, written atomically and verified on the way back.

A checkpoint is the folder ``<dir>/<job-id>/chk-<n>/`` holding ``state`` (the pickle stream),
``state.buffers`` (the raw array buffers) and ``_metadata`` (JSON: source positions, sink
transactions, watermarks, and the size and CRC-32 of every other file). It is written as
``chk-<n>.inprogress/`` and renamed only once complete, so a folder named ``chk-<n>`` is a whole
checkpoint unless its files were damaged afterwards, which the checksums detect. Only the last
``state.checkpoints.num-retained`` completed checkpoints of a job are kept.

Restoring from a folder of checkpoints (a job's folder, or the checkpoint root holding several
jobs' folders) takes the newest checkpoint that verifies, warning about each damaged one it
skips; restoring from one named checkpoint refuses a damaged one with an error.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import zlib
from dataclasses import dataclass
from typing import Any

from flowsql.common.errors import ExecutionError
from flowsql.exec.checkpoint.snapshot import CapturedState, load

logger = logging.getLogger("flowsql.checkpoint")

METADATA = "_metadata"
STATE = "state"
BUFFERS = "state.buffers"
SHARED = "shared"
_CHECKPOINT_DIR = re.compile(r"^chk-(\d+)$")


def _crc32(path: str) -> int:
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return crc


def _write(path: str, data: bytes | list[bytes]) -> dict[str, int]:
    crc, size = 0, 0
    with open(path, "wb") as handle:
        for part in data if isinstance(data, list) else [data]:
            handle.write(part)
            crc, size = zlib.crc32(part, crc), size + len(part)
    return {"size": size, "crc32": crc}


def _share(files: dict, shared_dir: str) -> int:
    """Hard-link (or copy) a snapshot's state files into ``shared_dir``; the bytes newly added
    (a file already there is one an earlier incremental checkpoint wrote)."""
    os.makedirs(shared_dir, exist_ok=True)
    added = 0
    for name, (path, size, _crc) in files.items():
        target = os.path.join(shared_dir, name)
        if os.path.exists(target):
            continue
        try:
            os.link(path, target)
        except OSError:  # another file system
            shutil.copyfile(path, target)
        added += size
    return added


def write_snapshot(final: str, metadata: dict[str, Any], captured: CapturedState,
                   shared_dir: str | None = None) -> int:
    """Write a checkpoint or savepoint folder as ``<final>.inprogress``, then rename it; its size.
    Without ``shared_dir`` the folder refers to nothing outside itself (its state files go into
    its own ``shared/``), so a savepoint can be moved elsewhere; a checkpoint's state files go
    into the job's ``shared/`` folder, where later incremental checkpoints reference them."""
    staging = final + ".inprogress"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    files = {STATE: _write(os.path.join(staging, STATE), captured.stream),
             BUFFERS: _write(os.path.join(staging, BUFFERS), captured.buffers)}
    added = 0
    if captured.files:
        added = _share(captured.files, shared_dir or os.path.join(staging, SHARED))
        metadata = dict(metadata, shared_in="job" if shared_dir else "self",
                        shared_files={n: {"size": f[1], "crc32": f[2]} for n, f in captured.files.items()})
    metadata = dict(metadata, files=files, buffer_sizes=[len(b) for b in captured.buffers])
    text = json.dumps(metadata, sort_keys=True).encode()
    with open(os.path.join(staging, METADATA), "wb") as handle:
        handle.write(text)
    os.rename(staging, final)
    return sum(f["size"] for f in files.values()) + len(text) + added


class CheckpointStorage:
    """Where one job's checkpoints go: ``<root>/<job-id>/``."""

    def __init__(self, root: str, job_id: str, num_retained: int) -> None:
        self.root = root.removeprefix("file://")
        self.job_dir = os.path.join(self.root, job_id)
        self.num_retained = max(1, num_retained)

    def write(self, checkpoint_id: int, metadata: dict[str, Any], captured: CapturedState) -> tuple[str, int]:
        """Write a checkpoint and make it visible in one rename; returns (its folder, bytes written)."""
        final = os.path.join(self.job_dir, f"chk-{checkpoint_id}")
        size = write_snapshot(final, metadata, captured, os.path.join(self.job_dir, SHARED))
        self._drop_old()
        return final, size

    def _drop_old(self) -> None:
        done = sorted(n for n, _ in _checkpoints_in(self.job_dir))
        for n in done[: -self.num_retained]:
            shutil.rmtree(os.path.join(self.job_dir, f"chk-{n}"), ignore_errors=True)
        self._drop_unreferenced_shared()

    def _drop_unreferenced_shared(self) -> None:
        """Delete shared state files that no retained checkpoint references any more."""
        shared = os.path.join(self.job_dir, SHARED)
        if not os.path.isdir(shared):
            return
        referenced: set[str] = set()
        for _, folder in _checkpoints_in(self.job_dir):
            try:
                with open(os.path.join(folder, METADATA), "rb") as handle:
                    referenced.update(json.loads(handle.read()).get("shared_files", {}))
            except (OSError, ValueError):
                return  # a checkpoint we cannot read: keep every file rather than guess
        for name in set(os.listdir(shared)) - referenced:
            os.unlink(os.path.join(shared, name))

    def discard(self) -> None:
        """Delete this job's checkpoints (a finished job, or a cancelled one that keeps none)."""
        shutil.rmtree(self.job_dir, ignore_errors=True)


@dataclass
class RestoredCheckpoint:
    path: str
    checkpoint_id: int
    metadata: dict[str, Any]
    states: dict


def _checkpoints_in(directory: str) -> list[tuple[int, str]]:
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = []
    for name in names:
        m = _CHECKPOINT_DIR.match(name)
        if m and os.path.isdir(os.path.join(directory, name)):
            found.append((int(m.group(1)), os.path.join(directory, name)))
    return found


def read_checkpoint(path: str) -> RestoredCheckpoint:
    """Load and verify one checkpoint folder; an ExecutionError says what is wrong with it."""
    if os.path.basename(path) == METADATA:
        path = os.path.dirname(path)

    def damaged(reason: str) -> ExecutionError:
        return ExecutionError(f"checkpoint {path} is damaged: {reason}", location=path,
                              hint="restore from an earlier checkpoint, or from the job's checkpoint folder "
                                   "to take the newest one that is intact")

    try:
        with open(os.path.join(path, METADATA), "rb") as handle:
            metadata = json.loads(handle.read())
    except FileNotFoundError:
        raise damaged(f"its {METADATA} file is missing") from None
    except (OSError, ValueError) as e:
        raise damaged(f"its {METADATA} file cannot be read ({e})") from None
    for name, expected in metadata.get("files", {}).items():
        file = os.path.join(path, name)
        if not os.path.exists(file):
            raise damaged(f"the file {name} is missing")
        size = os.path.getsize(file)
        if size != expected["size"]:
            raise damaged(f"the file {name} has {size} bytes, {expected['size']} were written")
        if _crc32(file) != expected["crc32"]:
            raise damaged(f"the checksum of {name} does not match")
    shared = os.path.join(path if metadata.get("shared_in") == "self" else os.path.dirname(path), SHARED)
    for name, expected in metadata.get("shared_files", {}).items():
        file = os.path.join(shared, name)
        if not os.path.exists(file) or os.path.getsize(file) != expected["size"]:
            raise damaged(f"its state file {SHARED}/{name} is missing or truncated")
        if _crc32(file) != expected["crc32"]:
            raise damaged(f"the checksum of {SHARED}/{name} does not match")
    with open(os.path.join(path, STATE), "rb") as handle:
        stream = handle.read()
    buffer_data = bytearray(os.path.getsize(os.path.join(path, BUFFERS)))
    with open(os.path.join(path, BUFFERS), "rb") as handle:
        handle.readinto(buffer_data)
    try:
        states = load(stream, buffer_data, metadata["buffer_sizes"])
    except Exception as e:  # noqa: BLE001 - verified bytes that do not load: written by an incompatible version
        raise damaged(f"its state cannot be loaded ({type(e).__name__}: {e})") from None
    return RestoredCheckpoint(path, int(metadata["checkpoint_id"]), metadata, states)


def resolve_recovery_path(path: str) -> RestoredCheckpoint:
    """The checkpoint ``execution.state-recovery.path`` designates (see the module docstring)."""
    path = path.removeprefix("file://").rstrip("/") or "/"
    if os.path.isfile(path) or os.path.exists(os.path.join(path, METADATA)) or \
            _CHECKPOINT_DIR.match(os.path.basename(path)):
        if not os.path.exists(path):
            raise ExecutionError(f"checkpoint {path} does not exist", location=path,
                                 hint="check 'execution.state-recovery.path' (or flowsql -s)")
        return read_checkpoint(path)
    if not os.path.isdir(path):
        raise ExecutionError(f"the recovery path {path} does not exist", location=path,
                             hint="name a checkpoint folder <dir>/<job-id>/chk-<n>, or a folder of checkpoints")
    candidates = _checkpoints_in(path)
    for sub in os.listdir(path):
        candidates += _checkpoints_in(os.path.join(path, sub))
    for _, folder in sorted(candidates, key=lambda c: (c[0], os.path.getmtime(c[1])), reverse=True):
        try:
            return read_checkpoint(folder)
        except ExecutionError as e:
            logger.warning("WARNING: skipping checkpoint %s: %s; trying the one before it", folder, e.message)
    raise ExecutionError(f"no intact checkpoint under {path}", location=path,
                         hint="start the job without 'execution.state-recovery.path' to begin from scratch")
