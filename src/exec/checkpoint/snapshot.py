"""Operator state ⇄ bytes: a pickle stream plus the raw buffers of its big arrays.

State objects (``KeyedState``, ``ValueState`` and what they hold: numpy arrays, pandas indexes,
Arrow tables) are pickled with protocol 5, whose out-of-band buffers hand over every contiguous
numpy array and Arrow buffer without serialising it element by element. ``capture`` runs in the
job thread and copies those buffers (a memcpy), because the job mutates its arrays in place as
soon as it resumes; writing the copies to disk happens on a background thread. ``load`` gives
the arrays writable memory again, so restored operators update them in place as before.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CapturedState:
    """A state snapshot detached from the live job: the pickle stream and its buffers' bytes."""

    stream: bytes
    buffers: list[bytes]
    # Immutable state files the snapshot references (the disk backend's): name → (path, size, crc32)
    files: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.stream) + sum(len(b) for b in self.buffers) + sum(f[1] for f in self.files.values())


def capture(states: Any) -> CapturedState:
    """Serialise ``states`` now; the result shares no memory with them."""
    buffers: list[bytes] = []

    def keep(buffer: pickle.PickleBuffer) -> None:
        buffers.append(buffer.raw().tobytes())

    stream = pickle.dumps(states, protocol=5, buffer_callback=keep)
    return CapturedState(stream, buffers)


def load(stream: bytes, buffer_data: bytearray, sizes: list[int]) -> Any:
    """The state objects back from ``stream`` and the concatenated buffers of the given sizes."""
    view = memoryview(buffer_data)
    buffers, offset = [], 0
    for size in sizes:
        buffers.append(view[offset: offset + size])
        offset += size
    return pickle.loads(stream, buffers=buffers)
