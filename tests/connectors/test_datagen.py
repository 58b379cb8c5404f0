import itertools

import pyarrow as pa
import pytest
from flowsql.common import types as T
from flowsql.common.errors import ConnectorError
from flowsql.connectors import find_factory

ALL_TYPES = [("i", T.INT()), ("b", T.BIGINT()), ("t", T.TINYINT()), ("f", T.FLOAT()), ("d", T.DOUBLE()),
             ("dec", T.DECIMAL(10, 2)), ("ok", T.BOOLEAN()), ("s", T.STRING()), ("c", T.CHAR(3)),
             ("by", T.BYTES()), ("dt", T.DATE()), ("tm", T.TIME(0)), ("ts", T.TIMESTAMP(3)),
             ("ltz", T.TIMESTAMP_LTZ(3)), ("arr", T.ARRAY(T.INT())), ("m", T.MAP(T.STRING(), T.INT())),
             ("r", T.ROW([("x", T.INT()), ("y", T.STRING())]))]


def ticking():
    """A clock that advances one second per reading, so throttling never holds rows back."""
    counter = itertools.count()
    return lambda: float(next(counter))


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def source(make_context, columns, **options):
    opts = {"connector": "datagen", "rows-per-second": "1000000", **options}
    return find_factory("datagen", "t").create_source(make_context(columns, opts))


def test_all_types_have_declared_schema(make_context, drain):
    src = source(make_context, ALL_TYPES, **{"number-of-rows": "50", "seed": "7", "fields.s.length": "8",
                                              "fields.arr.length": "2", "fields.m.length": "1"})
    table = drain(src.create_reader(clock=ticking()))
    assert table.num_rows == 50
    assert table.schema == pa.schema([pa.field(n, t.to_arrow()) for n, t in ALL_TYPES])
    assert {len(s) for s in table.column("s").to_pylist()} == {8}
    assert {len(s) for s in table.column("c").to_pylist()} == {3}
    assert all(len(a) == 2 for a in table.column("arr").to_pylist())


def test_bounds_and_determinism(make_context, drain):
    cols = [("i", T.INT()), ("d", T.DECIMAL(5, 1)), ("x", T.DOUBLE())]
    opts = {"number-of-rows": "1000", "seed": "42", "fields.i.min": "-3", "fields.i.max": "3",
            "fields.d.min": "1.5", "fields.d.max": "2.5", "fields.x.min": "0", "fields.x.max": "1"}
    a = drain(source(make_context, cols, **opts).create_reader(clock=ticking()), 128)
    b = drain(source(make_context, cols, **opts).create_reader(clock=ticking()), 333)
    assert a.equals(b)
    values = a.column("i").to_pylist()
    assert min(values) == -3 and max(values) == 3
    assert all(1.5 <= float(v) <= 2.5 for v in a.column("d").to_pylist())
    assert all(0 <= v <= 1 for v in a.column("x").to_pylist())


def test_sequence_bounds_the_source(make_context, drain):
    cols = [("id", T.BIGINT()), ("s", T.STRING())]
    src = source(make_context, cols, **{"fields.id.kind": "sequence", "fields.id.start": "5",
                                        "fields.id.end": "14", "fields.s.kind": "sequence",
                                        "fields.s.start": "1", "fields.s.end": "100"})
    assert src.bounded
    table = drain(src.create_reader(clock=ticking()), 3)
    assert table.column("id").to_pylist() == list(range(5, 15))
    assert table.column("s").to_pylist() == [str(i) for i in range(1, 11)]


def test_sequence_requires_start_and_end(make_context, drain):
    with pytest.raises(ConnectorError, match="fields.id.end"):
        source(make_context, [("id", T.INT())], **{"fields.id.kind": "sequence", "fields.id.start": "1"})


def test_null_rate(make_context, drain):
    src = source(make_context, [("i", T.INT())], **{"number-of-rows": "10000", "seed": "1",
                                                     "fields.i.null-rate": "0.3"})
    table = drain(src.create_reader(clock=ticking()), 4096)
    assert 0.25 < table.column("i").null_count / 10000 < 0.35


def test_rows_per_second_throttles(make_context, drain):
    clock = FakeClock()
    src = source(make_context, [("i", T.INT())], **{"rows-per-second": "10", "seed": "1"})
    reader = src.create_reader(clock=clock)
    assert reader.poll(100).num_rows == 1
    assert reader.poll(100) is None
    clock.now = 1.0
    assert reader.poll(100).num_rows == 10
    assert not reader.finished


def test_position_restores_exactly(make_context, drain):
    cols = [("i", T.INT()), ("s", T.STRING())]
    opts = {"number-of-rows": "100", "seed": "3", "fields.s.length": "4"}
    full = drain(source(make_context, cols, **opts).create_reader(clock=ticking()), 10)
    reader = source(make_context, cols, **opts).create_reader(clock=ticking())
    first = reader.poll(30).table
    position = reader.snapshot_position()
    resumed = source(make_context, cols, **opts).create_reader(clock=ticking())
    resumed.restore_position(position)
    rest = drain(resumed, 25)
    assert pa.concat_tables([first, rest]).equals(full)


def test_unknown_field_option(make_context, drain):
    with pytest.raises(ConnectorError):
        source(make_context, [("i", T.INT())], **{"fields.i.mn": "1"})
    with pytest.raises(ConnectorError, match="names no column"):
        source(make_context, [("i", T.INT())], **{"fields.j.min": "1"})
