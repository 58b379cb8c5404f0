"""The catalog: what tables, views and functions exist, and where (Flink's catalog model)."""

from flowsql.catalog.manager import CatalogManager
from flowsql.catalog.objects import CatalogFunction, CatalogTable, CatalogView, TableColumn, WatermarkSpec

__all__ = ["CatalogManager", "CatalogTable", "CatalogView", "CatalogFunction", "TableColumn", "WatermarkSpec"]
