"""A UDF that fails once: on its first attempt past id 3000, unless the marker file exists."""

import os

from flowsql.table import DataTypes
from flowsql.table.udf import udf


@udf(result_type=DataTypes.INT())
def fail_once(x):
    marker = os.environ.get("FLOWSQL_FAIL_ONCE_MARKER")
    if marker and x is not None and x >= 3000 and not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("fail_once: the first attempt fails on purpose")
    return x
