"""Choosing and configuring the state backend from the job's options.

``state.backend.type``: ``hashmap`` (default: everything in memory) or ``rocksdb`` (Flink's name
for the disk backend; ``disk`` and ``spill`` mean the same), which keeps keyed state in files
under ``state.backend.local-dir`` (Flink's ``state.backend.rocksdb.localdir`` too; default the
system temp folder) with at most ``state.backend.spill.memory-budget`` of it in memory (Flink's
``state.backend.rocksdb.memory.fixed-per-slot`` too; default 256 mb).
``execution.checkpointing.incremental`` (or ``state.backend.incremental``) makes the disk
backend's checkpoints write only what changed since the previous one. A checkpoint written by
the disk backend is restored on the disk backend whatever ``state.backend.type`` says (its
state is files).
"""

from __future__ import annotations

import os
import re
import tempfile

from flowsql.common.config import Config
from flowsql.common.errors import ValidationError
from flowsql.exec.state.backend import StateBackend
from flowsql.exec.state.key_groups import MAX_PARALLELISM_OPTION, max_parallelism

TYPE_OPTION = "state.backend.type"
LOCAL_DIR_OPTIONS = ("state.backend.local-dir", "state.backend.rocksdb.localdir")
BUDGET_OPTIONS = ("state.backend.spill.memory-budget", "state.backend.rocksdb.memory.fixed-per-slot")
INCREMENTAL_OPTIONS = ("execution.checkpointing.incremental", "state.backend.incremental")
_TYPES = {"hashmap": "hashmap", "rocksdb": "disk", "disk": "disk", "spill": "disk"}
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_UNITS = {"": 1, "b": 1, "bytes": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "g": 1 << 30, "gb": 1 << 30, "t": 1 << 40, "tb": 1 << 40}


def _first(config: Config, keys: tuple[str, ...]) -> tuple[str, str | None]:
    for key in keys:
        if config.get(key):
            return key, config.get(key)
    return keys[0], None


def backend_type(config: Config) -> str:
    text = (config.get(TYPE_OPTION) or "hashmap").strip().lower()
    if text not in _TYPES:
        raise ValidationError(f"unknown state backend '{text}' in '{TYPE_OPTION}'",
                              hint="use 'hashmap' (in memory) or 'rocksdb' (spills to local disk)")
    return _TYPES[text]


def memory_budget(config: Config) -> int:
    key, text = _first(config, BUDGET_OPTIONS)
    m = _MEMORY.match(text or "256 mb")
    if not m or m.group(2).lower() not in _UNITS:
        raise ValidationError(f"'{text}' is not a memory size for '{key}'", hint="write it like '64 mb' or '1 gb'")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def incremental_checkpoints(config: Config) -> bool:
    key, text = _first(config, INCREMENTAL_OPTIONS)
    value = (text or "false").strip().lower()
    if value not in ("true", "false"):
        raise ValidationError(f"option '{key}' must be true or false, found '{text}'")
    return value == "true"


def _check_restored(states: dict, expected: int) -> None:
    """Like Flink, refuse state written with another max-parallelism: its key groups differ."""
    for (operator, name), state in states.items():
        recorded = getattr(state, "max_parallelism", None)
        if recorded is None and hasattr(state, "restored"):
            recorded = state.restored["max_parallelism"]
        if recorded is not None and recorded != expected:
            raise ValidationError(
                f"the state '{name}' of operator {operator} was written with {MAX_PARALLELISM_OPTION} = "
                f"{recorded}, this job has {expected}",
                hint=f"SET '{MAX_PARALLELISM_OPTION}' = '{recorded}' to restore it")


def create_state_backend(config: Config, job_id: str, restored=None) -> StateBackend:
    """The backend a job attempt runs on, holding the ``restored`` checkpoint's state if any."""
    groups = max_parallelism(config)
    states = restored.states if restored is not None else None
    if states:
        _check_restored(states, groups)
    if backend_type(config) == "hashmap" and not states:  # the common case imports nothing more
        return StateBackend(states, groups)
    from flowsql.exec.state.spill_backend import SpillingKeyedState, SpillingStateBackend

    spilled = any(isinstance(s, SpillingKeyedState) for s in (states or {}).values())
    if backend_type(config) == "hashmap" and not spilled:
        return StateBackend(states, groups)
    _, local = _first(config, LOCAL_DIR_OPTIONS)
    job_dir = os.path.join((local or tempfile.gettempdir()).removeprefix("file://"), f"flowsql-{job_id}")
    sources = []
    if restored is not None and restored.path != "<memory>":
        sources = [os.path.join(restored.path, "shared"), os.path.join(os.path.dirname(restored.path), "shared")]
    backend = SpillingStateBackend(job_dir, memory_budget(config), groups, incremental_checkpoints(config),
                                   states, sources)
    return backend
