"""Splitting scripts into statements, and telling the shell when its buffer is complete."""

from flowsql.planner.parser import is_complete, split_statements


def test_positions_are_of_the_first_significant_character():
    script = "SET 'a' = '1';\n  SELECT 1 FROM t;\n\n-- note\n/* block */ SHOW TABLES"
    assert split_statements(script) == [
        ("SET 'a' = '1'", 1, 1),
        ("SELECT 1 FROM t", 2, 3),
        ("SHOW TABLES", 5, 13),
    ]


def test_semicolons_inside_quotes_and_comments_do_not_split():
    script = "SELECT 'a;b', 'it''s;', `c;d`, \"e;f\" -- x;y\n FROM t /* ; */; SELECT 2"
    parts = [text for text, _, _ in split_statements(script)]
    assert parts == ["SELECT 'a;b', 'it''s;', `c;d`, \"e;f\" -- x;y\n FROM t /* ; */", "SELECT 2"]


def test_hints_stay_in_the_text():
    ((text, _, _),) = split_statements("SELECT /*+ BROADCAST(t) */ * FROM t;")
    assert text == "SELECT /*+ BROADCAST(t) */ * FROM t"


def test_empty_statements_are_skipped():
    assert split_statements(" ; -- only a comment\n; /* c */ ;") == []
    assert [t for t, _, _ in split_statements(";;SELECT 1;;")] == ["SELECT 1"]


def test_statement_set_is_one_statement_even_with_case_end():
    script = (
        "EXECUTE STATEMENT SET BEGIN\n"
        "  INSERT INTO a SELECT CASE WHEN x THEN 1 END FROM t;\n"
        "  INSERT INTO b SELECT 1;\n"
        "END;\nSELECT 3;"
    )
    parts = split_statements(script)
    assert len(parts) == 2
    assert parts[0][0].startswith("EXECUTE") and parts[0][0].endswith("END")
    assert parts[1] == ("SELECT 3", 5, 1)


def test_legacy_begin_statement_set_is_its_own_statement():
    parts = [t for t, _, _ in split_statements("BEGIN STATEMENT SET; INSERT INTO a SELECT 1; END;")]
    assert parts == ["BEGIN STATEMENT SET", "INSERT INTO a SELECT 1", "END"]


def test_trailing_statement_without_semicolon_is_returned():
    assert split_statements("SELECT 1;\nSELECT 2  \n") == [("SELECT 1", 1, 1), ("SELECT 2", 2, 1)]


def test_is_complete():
    assert is_complete("SELECT 1;")
    assert is_complete("SELECT 1; -- trailing comment")
    assert is_complete("SELECT 1;\n")
    assert not is_complete("SELECT 1")
    assert not is_complete("SELECT 1;\nSELECT")
    assert not is_complete("SELECT ';")
    assert not is_complete("SELECT 1 /* ; ")
    assert not is_complete("SELECT 1 -- ;")
    assert not is_complete("")
    assert not is_complete("EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1;")
    assert is_complete("EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END;")
