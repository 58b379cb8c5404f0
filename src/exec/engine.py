"""The DuckDB database the runtime evaluates SQL in: one per process, a cursor per user.

Opening a DuckDB database costs 15-160 ms, and a job opened one per operator (and a batch query one
per run), which dominated short queries. A cursor on a shared database costs microseconds and is
still a connection of its own: Arrow tables registered on it, ``SET TimeZone`` and ``SET VARIABLE``
stay private to it. What the database shares between cursors is its catalog (Python functions are
registered once per database, see ``flowsql.exec.python_udf.install``) and global settings such as
``threads``. Holding the one database is a cache of an expensive resource, not state of any job: a
process that forks makes itself a fresh one (a DuckDB database does not survive ``fork``).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable

import duckdb

_lock = threading.Lock()
_database: duckdb.DuckDBPyConnection | None = None
_pid = -1
_cursors: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()  # handed out by ``connect``
_functions: set[str] = set()  # registered in ``_database``


def connect() -> duckdb.DuckDBPyConnection:
    """A new connection (cursor) to the process's DuckDB database; close it, or drop it, when done."""
    global _database, _pid
    with _lock:
        if _database is None or _pid != os.getpid():
            _database, _pid = duckdb.connect(), os.getpid()
            _functions.clear()
        cursor = _database.cursor()
        _cursors.add(cursor)
        return cursor


def create_function(connection: duckdb.DuckDBPyConnection, name: str, function: Callable, parameters: list[str],
                    return_type: str, **options) -> None:
    """Make the Python ``function`` callable as ``name`` in SQL run on ``connection`` (once per database).

    DuckDB keeps a Python function alive only as long as the connection that registered it, while
    its catalog entry is database-wide: a function registered through a cursor that is later closed
    crashes the next query calling it. So functions of the shared database are registered through
    the database's own connection, which lives as long as the process."""
    with _lock:
        shared = connection in _cursors and _pid == os.getpid()
        if shared and name in _functions:
            return
        target = _database if shared else connection
        try:
            target.create_function(name, function, parameters, return_type, **options)
        except (duckdb.NotImplementedException, duckdb.CatalogException):
            pass  # already registered on this (not shared) connection
        if shared:
            _functions.add(name)
