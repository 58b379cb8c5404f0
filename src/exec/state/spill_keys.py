"""A key index that spills: key fingerprints → dense ids in sorted runs on local disk (an LSM tree).

A key is identified by its 128-bit fingerprint (``key_groups.key_hashes``). New keys go into
small sorted in-memory runs, merged like a binary counter; once they hold ``memtable_entries``
keys they are written as one immutable run file ``[hash1…][hash2…][id…]`` (three contiguous
segments, so each can be memory-mapped and binary-searched with ``np.searchsorted``). Run files
of similar size are merged in bounded chunks (an external merge: memory stays O(chunk)), so a
lookup searches O(log n) runs. A whole batch is looked up at once: per run one vectorised
``searchsorted`` of the batch's distinct fingerprints. Immutable run files are what makes
incremental checkpoints cheap: a checkpoint references the runs it already holds.
"""

from __future__ import annotations

import os
import zlib

import numpy as np
import pandas as pd
from flowsql.exec.state.key_groups import key_hashes
from flowsql.exec.state.residency import PageBudget


class KeyRun:
    """Sorted (hash1, hash2, id) entries, in memory or memory-mapped from an immutable file."""

    def __init__(self, h1: np.ndarray, h2: np.ndarray, ids: np.ndarray, path: str | None = None) -> None:
        self.h1, self.h2, self.ids, self.path = h1, h2, ids, path
        self._crc: int | None = None
        self.snapshot_name: str | None = None  # its name in the snapshot files, once in one

    @classmethod
    def open(cls, path: str, budget: PageBudget) -> KeyRun:
        n = os.path.getsize(path) // 24
        if n == 0:
            empty = np.empty(0, dtype=np.uint64)
            return cls(empty, empty, empty.view(np.int64), path)
        mapped = np.memmap(path, dtype=np.uint64, mode="r", shape=(3 * n,))
        budget.register(mapped)
        return cls(mapped[:n], mapped[n: 2 * n], mapped[2 * n:].view(np.int64), path)

    def __len__(self) -> int:
        return len(self.h1)

    def crc32(self) -> int:
        if self._crc is None:
            crc = 0
            with open(self.path, "rb") as handle:
                while chunk := handle.read(1 << 22):
                    crc = zlib.crc32(chunk, crc)
            self._crc = crc
        return self._crc

    def find(self, q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
        """The id of each (q1, q2) fingerprint in this run, -1 where absent."""
        found = np.full(len(q1), -1, dtype=np.int64)
        if not len(self) or not len(q1):
            return found
        pos = np.searchsorted(self.h1, q1)
        inside = pos < len(self)
        pos = np.minimum(pos, len(self) - 1)
        same1 = inside & (self.h1[pos] == q1)
        hit = same1 & (self.h2[pos] == q2)
        found[hit] = self.ids[pos[hit]]
        # Two keys sharing hash1 (about one pair in 1e12 at 10M keys): look along the equal range.
        for i in np.flatnonzero(same1 & ~hit):  # rare, hence a plain loop
            stop = np.searchsorted(self.h1, q1[i], side="right")
            for j in range(pos[i], stop):
                if self.h2[j] == q2[i]:
                    found[i] = self.ids[j]
                    break
        return found


def _sorted_run(h1: np.ndarray, h2: np.ndarray, ids: np.ndarray) -> KeyRun:
    order = np.argsort(h1, kind="stable")  # timsort: concatenated sorted runs merge in linear time
    return KeyRun(h1[order], h2[order], ids[order])


def _write_run(path: str, parts, n: int) -> None:
    """Write sorted pieces, in order, as one run file (pwrite: no dirty mapped pages)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
    try:
        os.ftruncate(fd, 24 * n)
        offset = 0
        for h1, h2, ids in parts:
            for segment, values in enumerate((h1, h2, ids)):
                os.pwrite(fd, np.ascontiguousarray(values).tobytes(), 8 * (segment * n + offset))
            offset += len(h1)
    finally:
        os.close(fd)


def _merge_pieces(older: KeyRun, newer: KeyRun, budget: PageBudget):
    """Yield the two runs' entries merged in sorted order, a bounded chunk at a time."""
    ia = ib = 0
    na, nb = len(older), len(newer)
    while ia < na or ib < nb:
        pivots = [run.h1[min(i + budget.merge_chunk, len(run)) - 1] for run, i in ((older, ia), (newer, ib)) if i < len(run)]
        pivot = min(pivots)
        ea = int(np.searchsorted(older.h1[ia:], pivot, side="right")) + ia if ia < na else na
        eb = int(np.searchsorted(newer.h1[ib:], pivot, side="right")) + ib if ib < nb else nb
        budget.charge(24 * (ea - ia + eb - ib))
        piece = _sorted_run(np.concatenate([older.h1[ia:ea], newer.h1[ib:eb]]),
                            np.concatenate([older.h2[ia:ea], newer.h2[ib:eb]]),
                            np.concatenate([older.ids[ia:ea], newer.ids[ib:eb]]))
        yield piece.h1, piece.h2, piece.ids
        ia, ib = ea, eb


class SpillingKeyIndex:
    """Key tuples → dense int64 ids (first seen, first numbered), the same interface as ``KeyIndex``."""

    def __init__(self, width: int, directory: str, budget: PageBudget) -> None:
        self.width = width
        self.directory = directory
        self.budget = budget
        budget.indexes.add(self)
        self.size = 1 if width == 0 else 0
        self.memory_runs: list[KeyRun] = []
        self.disk_runs: list[KeyRun] = []
        self._files = 0
        os.makedirs(directory, exist_ok=True)

    @property
    def memory_entries(self) -> int:
        return sum(len(r) for r in self.memory_runs)

    def lookup(self, columns: list, insert: bool = True) -> np.ndarray:
        return self.lookup_new(columns, insert)[0]

    def lookup_new(self, columns: list, insert: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(id per row, ids handed out now, their hash1): the new keys' hash1 gives their key group."""
        none = np.empty(0, dtype=np.int64)
        if self.width == 0:
            return np.zeros(len(columns[0]) if columns else 0, dtype=np.int64), none, none.view(np.uint64)
        h1, h2 = key_hashes(columns)
        codes, u1 = pd.factorize(h1)
        first = np.empty(len(u1), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
        u2 = h2[first]
        if (h2 != u2[codes]).any():  # two keys of this batch share hash1: tell them apart by both
            pairs, codes = np.unique(np.stack([h1, h2], axis=1), axis=0, return_inverse=True)
            u1, u2 = np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1])
            codes = codes.ravel()
        u1 = np.asarray(u1, dtype=np.uint64)
        found = np.full(len(u1), -1, dtype=np.int64)
        for run in self.memory_runs + self.disk_runs[::-1]:
            missing = np.flatnonzero(found < 0)
            if not len(missing):
                break
            if run.path is not None:
                self.budget.charge_slots(len(missing), 3)
            found[missing] = run.find(u1[missing], u2[missing])
        new = np.flatnonzero(found < 0)
        new_ids = none
        if insert and len(new):
            new_ids = np.arange(self.size, self.size + len(new), dtype=np.int64)
            found[new] = new_ids
            self.size += len(new)
            self._add(u1[new], u2[new], new_ids)
        return found[codes], new_ids, u1[new] if insert else none.view(np.uint64)

    def _add(self, h1: np.ndarray, h2: np.ndarray, ids: np.ndarray) -> None:
        self.memory_runs.append(_sorted_run(h1, h2, ids))
        while len(self.memory_runs) > 1 and len(self.memory_runs[-1]) * 2 >= len(self.memory_runs[-2]):
            newer, older = self.memory_runs.pop(), self.memory_runs.pop()
            self.memory_runs.append(_sorted_run(np.concatenate([older.h1, newer.h1]),
                                                np.concatenate([older.h2, newer.h2]),
                                                np.concatenate([older.ids, newer.ids])))
        if self.budget.memtable_full():
            for index in list(self.budget.indexes):
                index.flush()

    def _new_path(self) -> str:
        self._files += 1
        return os.path.join(self.directory, f"run-{self._files:06d}.keys")

    def flush(self) -> None:
        """Write the in-memory runs as one run file (at a checkpoint, or when memory is full)."""
        if not self.memory_runs:
            return
        run = self.memory_runs[0]
        for other in self.memory_runs[1:]:
            run = _sorted_run(np.concatenate([run.h1, other.h1]), np.concatenate([run.h2, other.h2]),
                              np.concatenate([run.ids, other.ids]))
        path = self._new_path()
        _write_run(path, [(run.h1, run.h2, run.ids)], len(run))
        self.memory_runs = []
        self.disk_runs.append(KeyRun.open(path, self.budget))
        while len(self.disk_runs) > 1 and len(self.disk_runs[-1]) * 2 >= len(self.disk_runs[-2]):
            newer, older = self.disk_runs.pop(), self.disk_runs.pop()
            path = self._new_path()
            _write_run(path, _merge_pieces(older, newer, self.budget), len(older) + len(newer))
            self.disk_runs.append(KeyRun.open(path, self.budget))
            for gone in (older, newer):  # a checkpoint that references it holds its own link
                os.unlink(gone.path)

    def adopt(self, paths: list[str], size: int) -> None:
        """Take over restored run files (already copied into this index's directory)."""
        self.disk_runs = [KeyRun.open(p, self.budget) for p in paths]
        self.size = size
