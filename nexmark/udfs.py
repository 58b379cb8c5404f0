"""User-defined functions the Nexmark queries use (q14's ``count_char``), vectorized over pandas."""

from __future__ import annotations

import pandas as pd
from flowsql.table import DataTypes
from flowsql.table.udf import udf


def _count_char(text: pd.Series, char: pd.Series | str) -> pd.Series:
    """How many times ``char`` occurs in each string (Nexmark's CountChar)."""
    needle = char if isinstance(char, str) else char.iloc[0]
    return text.str.count(needle).astype("int64")


count_char = udf(_count_char, result_type=DataTypes.BIGINT(), func_type="pandas")
