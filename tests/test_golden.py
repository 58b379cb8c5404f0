"""Every query of every ``tests/golden/*.test`` file, run batch and streaming and compared with
DuckDB or with its ``expect`` rows (see ``tests/golden/harness.py`` and ``tests/golden/README.md``)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from golden.harness import all_cases, check_case  # noqa: E402

CASES = all_cases()


def _param(case):
    # A fixed engine bug turns its xfail into a failure (strict): delete the case's xfail line then.
    marks = [pytest.mark.xfail(reason=case.xfail, strict=True, run=not case.xfail_unsafe)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_golden(case, tmp_path):
    check_case(case, tmp_path)
