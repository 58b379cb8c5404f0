"""The catalog manager: catalogs → databases → tables, views and functions, plus temporary objects.

Like Flink, a session starts in ``default_catalog.default_database``; names resolve against the
current catalog and database; temporary objects shadow permanent ones of the same path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from flowsql.catalog.objects import CatalogFunction, CatalogTable, CatalogView
from flowsql.common.errors import ValidationError, did_you_mean

CatalogObject = Union[CatalogTable, CatalogView]
ObjectPath = tuple[str, str, str]  # catalog, database, object


@dataclass
class Database:
    objects: dict[str, CatalogObject] = field(default_factory=dict)
    functions: dict[str, CatalogFunction] = field(default_factory=dict)
    comment: str | None = None


@dataclass
class Catalog:
    """An in-memory catalog (Flink's generic_in_memory)."""

    databases: dict[str, Database] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)


def quote(path: tuple[str, ...]) -> str:
    return ".".join(f"`{p}`" for p in path)


class CatalogManager:
    def __init__(self) -> None:
        self.catalogs: dict[str, Catalog] = {"default_catalog": Catalog({"default_database": Database()})}
        self.current_catalog = "default_catalog"
        self.current_database = "default_database"
        self.temporary: dict[ObjectPath, CatalogObject] = {}
        self.temporary_functions: dict[ObjectPath, CatalogFunction] = {}
        self.temporary_system_functions: dict[str, CatalogFunction] = {}

    # -- names --------------------------------------------------------------------------
    def qualify(self, name: tuple[str, ...]) -> ObjectPath:
        if len(name) == 1:
            return (self.current_catalog, self.current_database, name[0])
        if len(name) == 2:
            return (self.current_catalog, name[0], name[1])
        if len(name) == 3:
            return (name[0], name[1], name[2])
        raise ValidationError(f"'{'.'.join(name)}' is not a valid object name",
                              hint="use name, database.name or catalog.database.name")

    def catalog(self, name: str) -> Catalog:
        if name not in self.catalogs:
            hint = did_you_mean(name, self.catalogs)
            raise ValidationError(f"catalog `{name}` does not exist", hint=hint or "SHOW CATALOGS lists them")
        return self.catalogs[name]

    def database(self, catalog: str, database: str) -> Database:
        cat = self.catalog(catalog)
        if database not in cat.databases:
            hint = did_you_mean(database, cat.databases)
            raise ValidationError(f"database `{catalog}`.`{database}` does not exist",
                                  hint=hint or "SHOW DATABASES lists them; CREATE DATABASE makes one")
        return cat.databases[database]

    # -- lookup -------------------------------------------------------------------------
    def lookup(self, name: tuple[str, ...]) -> tuple[ObjectPath, CatalogObject] | None:
        path = self.qualify(name)
        if path in self.temporary:
            return path, self.temporary[path]
        cat = self.catalogs.get(path[0])
        db = cat.databases.get(path[1]) if cat else None
        if db and path[2] in db.objects:
            return path, db.objects[path[2]]
        return None

    def resolve(self, name: tuple[str, ...]) -> tuple[ObjectPath, CatalogObject]:
        found = self.lookup(name)
        if found is None:
            path = self.qualify(name)
            candidates = [p[2] for p in self.temporary if p[:2] == path[:2]]
            cat = self.catalogs.get(path[0])
            db = cat.databases.get(path[1]) if cat else None
            if db:
                candidates += list(db.objects)
            hint = did_you_mean(path[2], candidates)
            raise ValidationError(
                f"table or view {quote(path)} does not exist",
                hint=hint or "SHOW TABLES lists the tables; CREATE TABLE declares one",
            )
        return found

    # -- DDL ----------------------------------------------------------------------------
    def create(self, name: tuple[str, ...], obj: CatalogObject, *, temporary: bool = False,
               if_not_exists: bool = False, replace: bool = False) -> None:
        path = self.qualify(name)
        kind = "view" if isinstance(obj, CatalogView) else "table"
        if temporary:
            if path in self.temporary and not replace:
                if if_not_exists:
                    return
                raise ValidationError(f"temporary {kind} {quote(path)} already exists",
                                      hint=f"use CREATE TEMPORARY {kind.upper()} IF NOT EXISTS, or DROP it first")
            self.database(path[0], path[1])
            self.temporary[path] = obj
            return
        db = self.database(path[0], path[1])
        if path[2] in db.objects and not replace:
            if if_not_exists:
                return
            raise ValidationError(f"{kind} {quote(path)} already exists",
                                  hint=f"use CREATE {kind.upper()} IF NOT EXISTS, or DROP it first")
        db.objects[path[2]] = obj

    def drop(self, name: tuple[str, ...], kind: str, *, temporary: bool = False, if_exists: bool = False) -> None:
        path = self.qualify(name)
        expected = CatalogView if kind == "VIEW" else CatalogTable
        if temporary or path in self.temporary:
            obj = self.temporary.get(path)
            if obj is not None and isinstance(obj, expected):
                del self.temporary[path]
                return
            if temporary:
                if if_exists:
                    return
                raise ValidationError(f"temporary {kind.lower()} {quote(path)} does not exist")
        cat = self.catalogs.get(path[0])
        db = cat.databases.get(path[1]) if cat else None
        obj = db.objects.get(path[2]) if db else None
        if obj is None or not isinstance(obj, expected):
            if if_exists:
                return
            found = "" if obj is None else f" (it is a {'view' if isinstance(obj, CatalogView) else 'table'})"
            raise ValidationError(f"{kind.lower()} {quote(path)} does not exist{found}")
        del db.objects[path[2]]

    def create_database(self, name: tuple[str, ...], *, if_not_exists: bool = False,
                        comment: str | None = None) -> None:
        catalog, db = (self.current_catalog, name[0]) if len(name) == 1 else (name[0], name[1])
        cat = self.catalog(catalog)
        if db in cat.databases:
            if if_not_exists:
                return
            raise ValidationError(f"database `{catalog}`.`{db}` already exists",
                                  hint="use CREATE DATABASE IF NOT EXISTS")
        cat.databases[db] = Database(comment=comment)

    def drop_database(self, name: tuple[str, ...], *, if_exists: bool = False, cascade: bool = False) -> None:
        catalog, db = (self.current_catalog, name[0]) if len(name) == 1 else (name[0], name[1])
        cat = self.catalog(catalog)
        if db not in cat.databases:
            if if_exists:
                return
            raise ValidationError(f"database `{catalog}`.`{db}` does not exist")
        if catalog == self.current_catalog and db == self.current_database:
            raise ValidationError(f"cannot drop the current database `{db}`", hint="USE another database first")
        if cat.databases[db].objects and not cascade:
            raise ValidationError(f"database `{catalog}`.`{db}` is not empty",
                                  hint="use DROP DATABASE ... CASCADE to drop it with its tables")
        del cat.databases[db]

    def create_catalog(self, name: str, options: dict[str, str], if_not_exists: bool = False) -> None:
        if name in self.catalogs:
            if if_not_exists:
                return
            raise ValidationError(f"catalog `{name}` already exists")
        kind = options.get("type", "generic_in_memory")
        if kind != "generic_in_memory":
            raise ValidationError(f"catalog type '{kind}' is not supported",
                                  hint="flowsql offers 'generic_in_memory' catalogs")
        self.catalogs[name] = Catalog({options.get("default-database", "default"): Database()}, dict(options))

    def drop_catalog(self, name: str, if_exists: bool = False) -> None:
        if name not in self.catalogs:
            if if_exists:
                return
            raise ValidationError(f"catalog `{name}` does not exist")
        if name == self.current_catalog:
            raise ValidationError(f"cannot drop the current catalog `{name}`")
        del self.catalogs[name]

    def use_catalog(self, name: str) -> None:
        cat = self.catalog(name)
        self.current_catalog = name
        self.current_database = next(iter(cat.databases), "default")

    def use_database(self, name: tuple[str, ...]) -> None:
        catalog, db = (self.current_catalog, name[0]) if len(name) == 1 else (name[0], name[1])
        self.database(catalog, db)
        self.current_catalog, self.current_database = catalog, db

    # -- functions ----------------------------------------------------------------------
    def create_function(self, name: tuple[str, ...], fn: CatalogFunction, *, temporary: bool = False,
                        system: bool = False, if_not_exists: bool = False) -> None:
        if system:
            key = name[-1].lower()
            if key in self.temporary_system_functions and not if_not_exists:
                raise ValidationError(f"temporary system function `{name[-1]}` already exists")
            self.temporary_system_functions.setdefault(key, fn)
            return
        path = self.qualify(name)
        path = (path[0], path[1], path[2].lower())
        if temporary:
            if path in self.temporary_functions:
                if if_not_exists:
                    return
                raise ValidationError(f"temporary function {quote(path)} already exists")
            self.temporary_functions[path] = fn
            return
        db = self.database(path[0], path[1])
        if path[2] in db.functions:
            if if_not_exists:
                return
            raise ValidationError(f"function {quote(path)} already exists")
        db.functions[path[2]] = fn

    def drop_function(self, name: tuple[str, ...], *, temporary: bool = False, system: bool = False,
                      if_exists: bool = False) -> None:
        if system:
            if self.temporary_system_functions.pop(name[-1].lower(), None) is None and not if_exists:
                raise ValidationError(f"temporary system function `{name[-1]}` does not exist")
            return
        path = self.qualify(name)
        path = (path[0], path[1], path[2].lower())
        if temporary:
            if self.temporary_functions.pop(path, None) is None and not if_exists:
                raise ValidationError(f"temporary function {quote(path)} does not exist")
            return
        db = self.database(path[0], path[1])
        if db.functions.pop(path[2], None) is None and not if_exists:
            raise ValidationError(f"function {quote(path)} does not exist")

    def lookup_function(self, name: tuple[str, ...]) -> CatalogFunction | None:
        if len(name) == 1 and name[0].lower() in self.temporary_system_functions:
            return self.temporary_system_functions[name[0].lower()]
        path = self.qualify(name)
        path = (path[0], path[1], path[2].lower())
        if path in self.temporary_functions:
            return self.temporary_functions[path]
        cat = self.catalogs.get(path[0])
        db = cat.databases.get(path[1]) if cat else None
        return db.functions.get(path[2]) if db else None

    # -- listing ------------------------------------------------------------------------
    def list_objects(self, kind: type, database: tuple[str, ...] | None = None) -> list[str]:
        catalog, db = (
            (self.current_catalog, self.current_database) if not database
            else (self.current_catalog, database[0]) if len(database) == 1 else (database[0], database[1])
        )
        names = {n for n, o in self.database(catalog, db).objects.items() if isinstance(o, kind)}
        names |= {p[2] for p, o in self.temporary.items() if p[:2] == (catalog, db) and isinstance(o, kind)}
        return sorted(names)

    def list_user_functions(self) -> list[str]:
        db = self.database(self.current_catalog, self.current_database)
        names = set(db.functions) | set(self.temporary_system_functions)
        names |= {p[2] for p in self.temporary_functions if p[:2] == (self.current_catalog, self.current_database)}
        return sorted(names)
