"""Every query of every ``tests/golden/*.test`` file, run batch and streaming and compared with
DuckDB or with its ``expect`` rows (see ``tests/golden/harness.py`` and ``tests/golden/README.md``)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from golden.harness import all_cases, check_case

CASES = all_cases()


def _param(case):
    # A fixed engine bug turns its xfail into a failure (strict): delete the case's xfail line then.
    marks = [pytest.mark.xfail(reason=case.xfail, strict=True, run=not case.xfail_unsafe)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_golden(case, tmp_path):
    check_case(case, tmp_path)


def test_format_parses_every_section(tmp_path):
    from golden.harness import parse_file

    path = tmp_path / "sample.test"
    path.write_text(
        "# comment\n"
        "table t (k STRING, d DECIMAL(5, 2))\n"
        "'a, b', 1.50\n"
        "NULL, NULL\n"
        "'', -2.00\n"
        "\n"
        "table e (x INT)\n"
        "\n"
        "query ordered mode streaming\n"
        "SELECT k\n"
        "FROM t;\n"
        "----\n"
        "expect\n"
        "'a, b'\n"
        "NULL\n"
        "xfail some engine bug\n"
        "\n"
        "query\n"
        "SELECT nope FROM e\n"
        "----\n"
        "error not found\n"
        "at 1:8\n"
        "\n"
        "query mode batch\n"
        "SELECT x / 2 FROM e\n"
        "----\n"
        "oracle\n"
        "SELECT x // 2 FROM e\n")
    first, second, third = parse_file(path)
    assert first.id == "sample.test:9" and first.ordered and first.mode == "streaming"
    assert first.sql == "SELECT k\nFROM t" and first.expect == [["a, b"], [None]]
    assert first.xfail == "some engine bug" and not first.xfail_unsafe
    assert first.tables["t"].rows == [["a, b", "1.50"], [None, None], ["", "-2.00"]]
    assert first.tables["e"].rows == []
    assert second.error == "not found" and second.error_at == (1, 8) and second.mode == "both"
    assert third.mode == "batch" and third.oracle == "SELECT x // 2 FROM e"


def test_comparison_is_type_aware():
    from decimal import Decimal

    from golden.harness import compare, values_equal

    assert values_equal(Decimal("1.50"), Decimal("1.5"))
    assert not values_equal(Decimal("1.50"), Decimal("1.51"))
    assert values_equal(0.1 + 0.2, 0.3) and not values_equal(1.0, 1.001)
    assert not values_equal(True, 1) and not values_equal("1", 1) and values_equal(None, None)
    assert compare([(1,), (1,), (2,)], [(2,), (1,), (1,)], ordered=False) is None
    assert compare([(1,), (2,)], [(2,), (1,)], ordered=True) is not None
    assert compare([(1,)], [(1,), (1,)], ordered=False) is not None


def test_retraction_of_an_absent_row_is_reported():
    import numpy as np
    import pyarrow as pa
    from flowsql.common.changes import ChangeBatch
    from golden.harness import ChangelogError, materialize

    class FakeResult:
        def change_batches(self):
            yield ChangeBatch(pa.table({"x": [1]}), np.array([0], dtype=np.int8))
            yield ChangeBatch(pa.table({"x": [2]}), np.array([3], dtype=np.int8))

    with pytest.raises(ChangelogError, match="-D of a row not present"):
        materialize(FakeResult(), ordered=False)
