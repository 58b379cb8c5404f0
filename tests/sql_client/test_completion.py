"""Completion and highlighting of the shell, without a terminal."""

from fake_env import FakeEnv
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from flowsql.sql_client.completion import SqlCompleter
from flowsql.sql_client.highlight import SimpleSqlLexer, sql_lexer
from flowsql.sql_client.script import is_complete


def complete(text: str) -> list[str]:
    completer = SqlCompleter(FakeEnv())
    document = Document(text, len(text))
    return [c.text for c in completer.get_completions(document, CompleteEvent(completion_requested=True))]


def test_keywords_keep_the_case_typed():
    assert "SELECT" in complete("SEL")
    assert "select" in complete("sel")


def test_tables_after_from_and_columns_of_mentioned_tables():
    assert complete("SELECT * FROM or") == ["orders"]
    assert "amount" not in complete("SELECT amo")  # no table mentioned yet
    text = "SELECT amo"
    completer = SqlCompleter(FakeEnv())
    document = Document(text + " FROM orders", len(text))
    names = [c.text for c in completer.get_completions(document, CompleteEvent(completion_requested=True))]
    assert names[0] == "amount"


def test_set_keys_inside_quotes():
    names = complete("SET 'table.dml")
    assert names == ["table.dml-sync'"]
    assert "sql-client.execution.result-mode'" in complete("RESET 'sql-client.exec")


def test_catalog_lookups_are_cached_until_refresh():
    env = FakeEnv()
    completer = SqlCompleter(env)
    assert "orders" in completer.tables()
    env.tables.append("payments")
    assert "payments" not in completer.tables()
    completer.refresh()
    assert "payments" in completer.tables()


def test_completion_survives_an_environment_without_lookups():
    completer = SqlCompleter(object())
    document = Document("SELECT * FROM x", 15)
    assert list(completer.get_completions(document, CompleteEvent(completion_requested=True))) == []


def test_lexers_mark_keywords_and_strings():
    fragments = SimpleSqlLexer().lex_document(Document("SELECT 'a' -- c\nFROM t"))
    first = fragments(0)
    assert ("class:pygments.keyword", "SELECT") in first
    assert ("class:pygments.literal.string", "'a'") in first
    assert ("class:pygments.comment", "-- c") in first
    assert ("class:pygments.keyword", "FROM") in fragments(1)
    assert sql_lexer() is not None


def test_statement_completeness():
    assert is_complete("SELECT 1;")
    assert is_complete("SELECT 1; -- done")
    assert not is_complete("SELECT ';'")
    assert not is_complete("SELECT 1")
    assert not is_complete("EXECUTE STATEMENT SET BEGIN INSERT INTO a VALUES (1);")
    assert is_complete("EXECUTE STATEMENT SET BEGIN INSERT INTO a VALUES (1); END;")
