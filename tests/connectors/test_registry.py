import pytest
from flowsql.common import types as T
from flowsql.common.connector import ConnectorFactory
from flowsql.common.errors import ConnectorError
from flowsql.connectors import available_connectors, find_factory, register


def test_builtin_connectors_are_found_lazily():
    assert {"filesystem", "datagen", "print", "blackhole"} <= set(available_connectors())
    assert find_factory("datagen", "t").identifier == "datagen"


def test_unknown_connector_names_table_and_suggests():
    with pytest.raises(ConnectorError) as e:
        find_factory("fileystem", "`db`.`orders`")
    text = str(e.value)
    assert "`db`.`orders`" in text and "did you mean 'filesystem'?" in text and "blackhole" in text


def test_register_user_factory():
    class Mine(ConnectorFactory):
        identifier = "mine-test"
    register(Mine())
    assert "mine-test" in available_connectors()
    assert find_factory("mine-test", "t").identifier == "mine-test"


@pytest.mark.parametrize("connector,options,method", [
    ("datagen", {"rows-per-secnd": "1"}, "create_source"),
    ("print", {"print-identifer": "x"}, "create_sink"),
    ("blackhole", {"foo": "1"}, "create_sink"),
    ("filesystem", {"path": "/tmp/x", "format": "csv", "csv.field-delimitr": ";"}, "create_source"),
    ("filesystem", {"path": "/tmp/x", "format": "csv", "json.ignore-parse-errors": "true"}, "create_source"),
])
def test_unknown_options_are_rejected(make_context, connector, options, method):
    context = make_context([("a", T.INT())], {"connector": connector, **options})
    with pytest.raises(ConnectorError) as e:
        getattr(find_factory(connector, "t"), method)(context)
    assert "Unsupported options found for" in str(e.value)
    assert "supported options" in str(e.value)


def test_unknown_option_hint_did_you_mean(make_context):
    context = make_context([("a", T.INT())], {"connector": "datagen", "rows-per-secnd": "1"})
    with pytest.raises(ConnectorError) as e:
        find_factory("datagen", "t").create_source(context)
    assert "did you mean 'rows-per-second'?" in str(e.value)
