"""The connector registry: ``'connector' = '<identifier>'`` in a WITH clause names a factory here.

Built-in connectors are imported lazily, only when a table uses them; user connectors are added
with ``register``.
"""

from __future__ import annotations

import importlib

from flowsql.common.connector import ConnectorFactory
from flowsql.common.errors import ConnectorError, did_you_mean

_BUILT_IN: dict[str, str] = {
    "filesystem": "flowsql.connectors.filesystem",
    "datagen": "flowsql.connectors.datagen",
    "print": "flowsql.connectors.print",
    "blackhole": "flowsql.connectors.blackhole",
    "flowsql-memory": "flowsql.connectors.memory",
    "nexmark": "flowsql.connectors.nexmark",
}

_registered: dict[str, ConnectorFactory] = {}


def register(factory: ConnectorFactory) -> None:
    """Make a user-provided factory available under its ``identifier`` (replacing any other)."""
    if not factory.identifier:
        raise ConnectorError(f"connector factory {type(factory).__name__} has no identifier")
    _registered[factory.identifier] = factory


def available_connectors() -> list[str]:
    return sorted(set(_BUILT_IN) | set(_registered))


def find_factory(identifier: str, table_name: str) -> ConnectorFactory:
    """The factory for ``identifier``; a ConnectorError naming the table when there is none."""
    if identifier in _registered:
        return _registered[identifier]
    if identifier in _BUILT_IN:
        module = importlib.import_module(_BUILT_IN[identifier])
        factory = module.FACTORY
        _registered[identifier] = factory
        return factory
    available = available_connectors()
    suggestion = did_you_mean(identifier, available)
    hint = (suggestion + " " if suggestion else "") + "available connectors: " + ", ".join(available)
    raise ConnectorError(f"Could not find any factory for identifier '{identifier}' "
                         f"(used by table {table_name})", location=f"table {table_name}", hint=hint)


def lookup_connectors() -> list[str]:
    """Identifiers of the connectors whose tables can be looked up by key (lookup joins)."""
    out = []
    for identifier in available_connectors():
        try:
            factory = find_factory(identifier, identifier)
        except ConnectorError:
            continue
        if getattr(factory, "supports_lookup", False):
            out.append(identifier)
    return out
