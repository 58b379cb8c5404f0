"""Hash functions of Flink SQL: lower-case hexadecimal digests of a string's UTF-8 bytes (or bytes).

DuckDB has MD5, SHA-1 and SHA-256 built in. SHA-224, SHA-384 and SHA-512 are not: ``SHA2`` accepts
256 (and 0, which means 256 as in Flink) and rejects the other lengths at planning time.
"""

from __future__ import annotations

from flowsql.common.errors import ValidationError
from flowsql.common.types import CHAR, VARCHAR, DataType
from flowsql.planner.functions._types import expect, is_binaryish, is_integerish, is_stringish, literal
from flowsql.planner.functions.registry import scalar


def _data_check(fn: str, types) -> None:
    expect(fn, types, 0, lambda t: is_stringish(t) or is_binaryish(t), "a string or bytes")


def _data(sql: str, t: DataType) -> str:
    return sql if t.name in ("BINARY", "VARBINARY") else f"CAST({sql} AS VARCHAR)"


def _digest(name: str, duck: str, hex_digits: int) -> None:
    def infer(types, exprs):
        _data_check(name, types)
        return CHAR(hex_digits, types[0].nullable)

    scalar(name, infer=infer, min_args=1, max_args=1, category="hashing", signature=f"{name}(string)",
           description=f"The {name} digest as {hex_digits} hexadecimal digits.")(
        lambda a, t, r, e: f"{duck}({_data(a[0], t[0])})")


_digest("MD5", "md5", 32)
_digest("SHA1", "sha1", 40)
_digest("SHA256", "sha256", 64)

_SUPPORTED_SHA2 = (0, 256)


def _sha2_infer(types, exprs) -> DataType:
    _data_check("SHA2", types)
    expect("SHA2", types, 1, is_integerish, "the bit length as an integer")
    is_lit, bits = literal(exprs, 1)
    if is_lit and bits is not None and bits not in _SUPPORTED_SHA2:
        raise ValidationError(f"SHA2 with bit length {bits} is not supported",
                              hint="this engine computes SHA2(x, 256) only; SHA-224/384/512 are not available")
    return VARCHAR(128, any(t.nullable for t in types))


@scalar("SHA2", infer=_sha2_infer, min_args=2, max_args=2, category="hashing", signature="SHA2(string, bits)",
        description="The SHA-2 digest of the given bit length (256 supported) as hexadecimal digits.")
def _sha2(a, t, r, e):
    return (f"CASE WHEN {a[1]} IN (0, 256) THEN sha256({_data(a[0], t[0])}) "
            f"WHEN {a[1]} IS NOT NULL THEN error('SHA2 supports the bit length 256 only') END")
