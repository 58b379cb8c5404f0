"""The shell's persistent catalog: permanent objects of one session are there in the next."""

import os
import re
import sys

import pexpect

from flowsql.catalog.persistent import PersistentCatalog
from flowsql.table import EnvironmentSettings, TableEnvironment

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r")


def new_env():
    return TableEnvironment.create(EnvironmentSettings.in_streaming_mode())


def test_permanent_objects_round_trip_and_temporary_ones_do_not(tmp_path):
    path = tmp_path / "catalog.sql"
    first = new_env()
    store = PersistentCatalog(first, path)
    assert store.load() == (0, [])
    for sql in [
        "CREATE DATABASE sales COMMENT 'the shop''s'",
        "CREATE TABLE sales.orders (id INT, amount DECIMAL(10, 2), ts TIMESTAMP(3), "
        "WATERMARK FOR ts AS ts - INTERVAL '5' SECOND, PRIMARY KEY (id) NOT ENFORCED) "
        "WITH ('connector' = 'datagen', 'number-of-rows' = '5', 'fields.id.kind' = 'sequence', "
        "'fields.id.start' = '1', 'fields.id.end' = '5')",
        "CREATE VIEW big (order_id) AS SELECT id FROM sales.orders WHERE id > 2",
        "CREATE TEMPORARY VIEW scratch AS SELECT 1",
    ]:
        first.execute_sql(sql)
    store.sync()
    text = path.read_text()
    assert "scratch" not in text and "CREATE DATABASE IF NOT EXISTS `sales` COMMENT 'the shop''s'" in text

    second = new_env()
    restored, warnings = PersistentCatalog(second, path).load()
    assert (restored, warnings) == (3, [])
    assert "orders" in second.execute_sql("SHOW TABLES IN sales").collect().__next__()[0]
    rows = sorted(r[0] for r in second.execute_sql("SELECT order_id FROM big").collect())
    assert rows == [3, 4, 5]
    described = {r[0]: r for r in second.execute_sql("DESCRIBE sales.orders").collect()}
    assert "*ROWTIME*" in str(described["ts"][1]) and "PRI" in str(described["id"][3])

    second.execute_sql("DROP VIEW big")
    store2 = PersistentCatalog(second, path)
    store2._written = text
    store2.sync()
    assert "big" not in path.read_text()


def test_a_broken_statement_is_reported_with_its_line_and_the_rest_restored(tmp_path):
    path = tmp_path / "catalog.sql"
    path.write_text("CREATE TABLE ok (a INT) WITH ('connector' = 'datagen');\n\n"
                    "CREATE VIEW broken AS SELECT nope FROM missing;\n")
    env = new_env()
    restored, warnings = PersistentCatalog(env, path).load()
    assert restored == 1
    assert len(warnings) == 1 and warnings[0].startswith(f"{path}:3: could not restore:")
    assert "missing" in warnings[0]


def shell(home, *extra):
    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", FLOWSQL_HOME=str(home))
    child = pexpect.spawn(sys.executable, ["-m", "flowsql.sql_client.cli", "-D",
                                           "sql-client.execution.result-mode=tableau", *extra],
                          env=env, encoding="utf-8", timeout=20, dimensions=(50, 160))
    child.expect("flowsql>")
    return child


def test_the_shell_keeps_tables_between_sessions_unless_told_not_to(tmp_path):
    child = shell(tmp_path)
    child.send("CREATE TABLE kept (a INT) WITH ('connector' = 'datagen', 'number-of-rows' = '2');\r")
    child.expect("Execute statement succeeded")
    child.send("QUIT;\r")
    child.expect(pexpect.EOF)
    assert (tmp_path / "catalog.sql").exists()

    child = shell(tmp_path)
    assert "Restored 1 catalog object" in ANSI.sub("", child.before)
    child.send("SHOW TABLES;\r")
    child.expect("kept")
    child.send("QUIT;\r")
    child.expect(pexpect.EOF)

    child = shell(tmp_path, "--no-persistent-catalog")
    child.send("SHOW TABLES;\r")
    child.expect("Empty set")
    child.send("QUIT;\r")
    child.expect(pexpect.EOF)
