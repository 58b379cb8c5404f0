"""A module of Python functions, registered by path ('tests.table_api.udf_module.add_ten')."""

from flowsql.table import DataTypes
from flowsql.table.udf import udf, udtf


@udf(result_type=DataTypes.BIGINT())
def add_ten(x):
    return None if x is None else x + 10


@udtf(result_types=[DataTypes.STRING()])
def words(line):
    """A table function registered by path ('tests.table_api.udf_module.words')."""
    yield from (line or "").split()
