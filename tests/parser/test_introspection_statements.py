"""flowsql's introspection statements: ``SHOW WATERMARKS`` and the ``PHASES`` detail of EXPLAIN."""

import pytest
from flowsql.common.errors import SqlParseError
from flowsql.planner.parser import parse_statement
from flowsql.planner.parser.statements import Explain, Query, Show


def test_show_watermarks():
    for text in ("SHOW WATERMARKS", "show watermarks"):
        show = parse_statement(text)
        assert isinstance(show, Show) and show.what == "WATERMARKS" and show.name is None


def test_show_lists_watermarks_among_what_may_follow():
    with pytest.raises(SqlParseError) as error:
        parse_statement("SHOW WATERMARK")
    assert "WATERMARKS" in str(error.value)


def test_explain_phases_is_a_detail():
    explain = parse_statement("EXPLAIN PHASES, CHANGELOG_MODE SELECT 1")
    assert isinstance(explain, Explain) and isinstance(explain.statement, Query)
    assert explain.details == ["PHASES", "CHANGELOG_MODE"]
