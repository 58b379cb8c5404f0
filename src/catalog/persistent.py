"""A catalog that outlives the shell session: permanent objects kept as a DDL script.

The interactive shell loads ``$FLOWSQL_HOME/catalog.sql`` (``~/.flowsql/catalog.sql``) at start
and rewrites it after each statement that changed a permanent database, table, view or function
of ``default_catalog`` — so what one session creates is there in the next, while ``CREATE
TEMPORARY`` objects stay per session (Flink needs a Hive metastore for this). The file is plain
SQL, readable and editable; it is replaced atomically. Objects that cannot be spelt as SQL (a
view or function built from Python objects by the Table API) are not kept.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flowsql.catalog.objects import CatalogTable, CatalogView

CATALOG = "default_catalog"
HEADER = ("-- flowsql's persistent catalog: the permanent objects of default_catalog, rewritten by the\n"
          "-- shell after every change. Start the shell with --no-persistent-catalog to ignore it.\n")


def default_path() -> Path:
    home = os.environ.get("FLOWSQL_HOME") or os.path.join(os.path.expanduser("~"), ".flowsql")
    return Path(home) / "catalog.sql"


class PersistentCatalog:
    def __init__(self, env: Any, path: str | os.PathLike | None = None) -> None:
        self.env = env
        self.path = Path(path) if path else default_path()
        self._written: str | None = None

    def load(self) -> tuple[int, list[str]]:
        """Re-create the saved objects; (objects restored, one warning per statement that failed)."""
        from flowsql.planner.parser.splitter import split_statements

        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return 0, []
        restored, warnings = 0, []
        for statement, line, _ in split_statements(text):
            try:
                self.env.execute_sql(statement)
                restored += 1
            except Exception as error:  # keep the rest of the catalog usable
                first = str(error).splitlines()[0] if str(error) else type(error).__name__
                warnings.append(f"{self.path}:{line}: could not restore: {first}")
        self._written = self.script()
        return restored, warnings

    def sync(self) -> None:
        """Rewrite the file if the permanent objects changed since it was last read or written."""
        script = self.script()
        if script == self._written:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(script, encoding="utf-8")
        os.replace(temporary, self.path)
        self._written = script

    def script(self) -> str:
        """The permanent objects of default_catalog as DDL: databases, functions, tables, views."""
        manager = self.env.catalog
        catalog = manager.catalogs[CATALOG]
        databases, functions, tables, views = [], [], [], []
        for name, database in catalog.databases.items():
            if name != "default_database":
                comment = f" COMMENT {_string(database.comment)}" if database.comment else ""
                databases.append(f"CREATE DATABASE IF NOT EXISTS `{name}`{comment};\n")
            for fname, function in database.functions.items():
                if function.implementation is None:
                    functions.append(f"CREATE FUNCTION `{CATALOG}`.`{name}`.`{fname}` AS "
                                     f"{_string(function.identifier)} LANGUAGE {function.language};\n")
            for oname, obj in database.objects.items():
                path = f"`{CATALOG}`.`{name}`.`{oname}`"
                if isinstance(obj, CatalogTable):
                    tables.append(self._show_create(path).rstrip().rstrip(";") + ";\n")
                elif isinstance(obj, CatalogView) and obj.plan is None:
                    columns = f" ({', '.join(f'`{c}`' for c in obj.column_names)})" if obj.column_names else ""
                    comment = f" COMMENT {_string(obj.comment)}" if obj.comment else ""
                    views.append(f"CREATE VIEW {path}{columns}{comment} AS\n{obj.query.strip().rstrip(';')};\n")
        body = "\n".join(databases + functions + tables + views)
        return HEADER + ("\n" + body if body else "")

    def _show_create(self, path: str) -> str:
        result = self.env.execute_sql(f"SHOW CREATE TABLE {path}")
        return next(iter(result.collect()))[0]


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
