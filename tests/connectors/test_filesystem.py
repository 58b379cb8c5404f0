import os
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from flowsql.common import types as T
from flowsql.common.changes import ChangeBatch
from flowsql.common.connector import Column, ColumnPredicate
from flowsql.common.errors import ConnectorError
from flowsql.connectors import find_factory

COLUMNS = [("id", T.INT()), ("name", T.STRING()), ("ts", T.TIMESTAMP(3)), ("price", T.DECIMAL(10, 2)),
           ("day", T.DATE()), ("ok", T.BOOLEAN())]
CSV = ("1,alice,2024-01-01 10:00:00,1.50,2024-01-02,true\n"
       "2,,2024-01-01T10:00:00.123,,,\n"
       "3,\"x,y\",,2.255,2024-01-03,false\n")


def fs(make_context, path, fmt="csv", columns=COLUMNS, partition_keys=(), **options):
    context = make_context(columns, {"connector": "filesystem", "path": str(path), "format": fmt, **options},
                           partition_keys)
    return find_factory("filesystem", "t"), context


def read(make_context, drain, path, fmt="csv", columns=COLUMNS, max_rows=1000, **options):
    factory, context = fs(make_context, path, fmt, columns, **options)
    return drain(factory.create_source(context).create_reader(), max_rows)


def test_csv_typed_read_with_nulls(make_context, drain, tmp_path):
    (tmp_path / "a.csv").write_text(CSV)
    table = read(make_context, drain, tmp_path / "a.csv")
    assert table.schema == pa.schema([pa.field(n, t.to_arrow()) for n, t in COLUMNS])
    rows = table.to_pylist()
    assert rows[0]["ts"].isoformat() == "2024-01-01T10:00:00" and rows[0]["price"] == Decimal("1.50")
    assert rows[1]["name"] == "" and rows[1]["price"] is None and rows[1]["ok"] is None
    assert rows[1]["ts"].isoformat() == "2024-01-01T10:00:00.123000"
    assert rows[2]["name"] == "x,y" and rows[2]["price"] == Decimal("2.26")


def test_null_literal_and_delimiter(make_context, drain, tmp_path):
    (tmp_path / "a.csv").write_text("1;NA\n2;\n")
    table = read(make_context, drain, tmp_path / "a.csv", columns=[("id", T.INT()), ("s", T.STRING())],
                 **{"csv.field-delimiter": ";", "csv.null-literal": "NA"})
    assert table.column("s").to_pylist() == [None, ""]


def test_empty_files_and_directories(make_context, drain, tmp_path):
    (tmp_path / "empty.csv").write_text("")
    assert read(make_context, drain, tmp_path) is None
    assert read(make_context, drain, tmp_path / "missing") is None


def test_directory_sorted_recursive_skipping_hidden(make_context, drain, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.csv").write_text("2,b,,,,\n")
    (tmp_path / "1.csv").write_text("1,a,,,,\n")
    (tmp_path / ".3.csv.inprogress").write_text("9,x,,,,\n")
    (tmp_path / "_SUCCESS").write_text("")
    assert read(make_context, drain, tmp_path).column("id").to_pylist() == [1, 2]
    table = read(make_context, drain, tmp_path, **{"source.path.regex-pattern": ".*/b/.*"})
    assert table.column("id").to_pylist() == [2]


def test_partition_columns_from_directories(make_context, drain, tmp_path):
    for dt, hr, body in (("2024-01-01", "1", "1,a\n"), ("2024-01-02", "__DEFAULT_PARTITION__", "2,b\n")):
        (tmp_path / f"dt={dt}" / f"hr={hr}").mkdir(parents=True)
        (tmp_path / f"dt={dt}" / f"hr={hr}" / "p.csv").write_text(body)
    cols = [("id", T.INT()), ("dt", T.DATE()), ("name", T.STRING()), ("hr", T.INT())]
    table = read(make_context, drain, tmp_path, columns=cols, partition_keys=["dt", "hr"])
    assert [(r["id"], str(r["dt"]), r["name"], r["hr"]) for r in table.to_pylist()] == [
        (1, "2024-01-01", "a", 1), (2, "2024-01-02", "b", None)]


def test_projection_and_metadata(make_context, drain, tmp_path):
    (tmp_path / "a.csv").write_text(CSV)
    columns = [Column(n, t) for n, t in COLUMNS] + [Column("file", T.STRING(), metadata_key="file.name")]
    factory, context = fs(make_context, tmp_path / "a.csv", columns=columns)
    source = factory.create_source(context)
    assert source.apply_projection(["price", "id", "file"])
    table = drain(source.create_reader())
    assert table.column_names == ["price", "id", "file"]
    assert table.column("file").to_pylist() == ["a.csv"] * 3


def test_malformed_csv_names_file_and_line(make_context, drain, tmp_path):
    (tmp_path / "a.csv").write_text("1,a,,,,\n\n2,b,,,,\nabc,c,,,,\n4,d\n")
    with pytest.raises(ConnectorError) as e:
        read(make_context, drain, tmp_path / "a.csv")
    text = str(e.value)
    assert "a.csv, line 4" in text and "cannot parse 'abc' as INT for column `id`" in text
    assert "csv.ignore-parse-errors" in text


def test_malformed_csv_skipped_and_counted(make_context, tmp_path, drain):
    lines = [f"{i},n{i},,,," for i in range(1000)]
    lines[10] = "x,bad,,,,"
    lines[500] = "7,too,few"
    (tmp_path / "a.csv").write_text("#comment\n" + "\n".join(lines) + "\n")
    factory, context = fs(make_context, tmp_path / "a.csv",
                          **{"csv.ignore-parse-errors": "true", "csv.allow-comments": "true"})
    reader = factory.create_source(context).create_reader()
    table = drain(reader)
    assert table.num_rows == 998 and reader.skipped_records == 2
    assert table.column("id").to_pylist()[:11] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11]


def test_malformed_json_line(make_context, drain, tmp_path):
    (tmp_path / "a.json").write_text('{"id": 1}\n{"id": "x"}\n')
    with pytest.raises(ConnectorError, match=r"a.json, line 2"):
        read(make_context, drain, tmp_path / "a.json", "json")


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_position_seek_resumes_exactly(make_context, drain, tmp_path, fmt):
    factory, context = fs(make_context, tmp_path / "out", fmt)
    sink = factory.create_sink(context)
    sink.open()
    for k in range(3):
        sink.write(ChangeBatch(_rows(range(k * 10, k * 10 + 10))))
        sink.finish()
    full = read(make_context, drain, tmp_path / "out", fmt)
    reader = factory.create_source(context).create_reader()
    first = [reader.poll(7).table for _ in range(3)]  # 7 rows, the 3 left in file 0, 7 of file 1
    position = reader.snapshot_position()
    assert position == [1, 7]
    resumed = factory.create_source(context).create_reader()
    resumed.restore_position(position)
    assert resumed.progress()[1] > 0
    assert pa.concat_tables(first + [drain(resumed, 5)]).equals(full)


def _rows(ids):
    ids = list(ids)
    return pa.table({
        "id": pa.array(ids, pa.int32()), "name": [f"n{i}" if i % 3 else None for i in ids],
        "ts": pa.array([1704103200000 + i * 1500 for i in ids], pa.timestamp("ms")),
        "price": pa.array([Decimal(i) / 4 for i in ids], pa.decimal128(10, 2)),
        "day": pa.array([19000 + i for i in ids], pa.date32()), "ok": [i % 2 == 0 for i in ids]})


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_sink_round_trip_partitioned_and_rolling(make_context, drain, tmp_path, fmt):
    factory, context = fs(make_context, tmp_path / "out", fmt, partition_keys=["ok"],
                          **{"sink.rolling-policy.file-size": "1b"})
    sink = factory.create_sink(context)
    sink.open()
    sink.write(ChangeBatch(_rows(range(6))))
    sink.write(ChangeBatch(_rows(range(6, 10))))
    assert not any(n.startswith("part-") for _, _, names in os.walk(tmp_path / "out") for n in names)
    sink.finish()
    files = sorted(os.path.relpath(os.path.join(d, n), tmp_path / "out")
                   for d, _, names in os.walk(tmp_path / "out") for n in names)
    assert len(files) == 4 and {f.split("/")[0] for f in files} == {"ok=true", "ok=false"}
    assert all(f.split("/")[1].startswith("part-") and f.endswith("." + fmt) for f in files)
    table = read(make_context, drain, tmp_path / "out", fmt, partition_keys=["ok"])
    expected = _rows(range(10)).to_pylist()
    if fmt == "csv":  # Flink's csv has no NULL string: it reads back as ''
        for row in expected:
            row["name"] = row["name"] or ""
    assert sorted(table.to_pylist(), key=lambda r: r["id"]) == expected


def test_sink_rejects_updates(make_context, tmp_path):
    import numpy as np
    factory, context = fs(make_context, tmp_path / "out")
    sink = factory.create_sink(context)
    sink.open()
    with pytest.raises(ConnectorError, match="only accepts inserts"):
        sink.write(ChangeBatch(_rows(range(2)), np.array([0, 3], np.int8)))


def test_parquet_projection_filters_and_duckdb_scan(make_context, drain, tmp_path):
    pq.write_table(_rows(range(100)), tmp_path / "a.parquet", row_group_size=10)
    factory, context = fs(make_context, tmp_path, "parquet")
    source = factory.create_source(context)
    predicates = [ColumnPredicate("id", ">=", 95)]
    assert source.apply_filters(predicates) == predicates
    source.apply_projection(["id", "price"])
    table = drain(source.create_reader())
    assert table.column("id").to_pylist() == [95, 96, 97, 98, 99]
    sql = factory.create_source(context).batch_scan_sql()
    assert duckdb.sql(f"SELECT count(*), sum(id) FROM {sql}").fetchall() == [(100, 4950)]


def test_csv_duckdb_scan_matches_reader(make_context, drain, tmp_path):
    (tmp_path / "a.csv").write_text(CSV)
    factory, context = fs(make_context, tmp_path / "a.csv")
    sql = factory.create_source(context).batch_scan_sql()
    expected = read(make_context, drain, tmp_path / "a.csv").to_pylist()
    assert duckdb.sql(f"SELECT * FROM {sql}").to_arrow_table().to_pylist() == expected


def test_monitored_directory_discovers_new_files(make_context, tmp_path):
    (tmp_path / "1.csv").write_text("1,a,,,,\n")
    factory, context = fs(make_context, tmp_path, **{"source.monitor-interval": "1 s"})
    source = factory.create_source(context)
    assert not source.bounded
    now = [0.0]
    from flowsql.connectors.filesystem import FileSystemReader
    reader = FileSystemReader(source, clock=lambda: now[0])
    assert reader.poll(10).table.column("id").to_pylist() == [1]
    assert reader.poll(10) is None
    (tmp_path / "2.csv").write_text("2,b,,,,\n")
    assert reader.poll(10) is None  # the interval has not passed
    now[0] = 1.5
    assert reader.poll(10).table.column("id").to_pylist() == [2]
    assert not reader.finished
    assert reader.snapshot_position()[:2] == [1, 1]


def test_json_formats_timestamps_like_flink(make_context, tmp_path):
    cols = [("id", T.INT()), ("ts", T.TIMESTAMP(3)), ("price", T.DECIMAL(10, 2))]
    factory, context = fs(make_context, tmp_path / "out", "json", columns=cols)
    sink = factory.create_sink(context)
    sink.open()
    sink.write(ChangeBatch(pa.table({"id": pa.array([1], pa.int32()),
                                     "ts": pa.array([1704103200500], pa.timestamp("ms")),
                                     "price": pa.array([Decimal("1.25")], pa.decimal128(10, 2))})))
    sink.finish()
    (name,) = os.listdir(tmp_path / "out")
    assert (tmp_path / "out" / name).read_text() == '{"id":1,"ts":"2024-01-01 10:00:00.5","price":1.25}\n'


def test_raw_lines_round_trip(make_context, drain, tmp_path):
    factory, context = fs(make_context, tmp_path / "out", "raw", columns=[("line", T.STRING())])
    sink = factory.create_sink(context)
    sink.open()
    sink.write(ChangeBatch(pa.table({"line": ["a b", "", "c,d"]})))
    sink.finish()
    assert read(make_context, drain, tmp_path / "out", "raw", columns=[("line", T.STRING())]) \
        .column("line").to_pylist() == ["a b", "", "c,d"]


def test_json_fail_on_missing_field(make_context, drain, tmp_path):
    (tmp_path / "a.json").write_text('{"id": 1, "name": "a"}\n{"id": 2}\n')
    cols = [("id", T.INT()), ("name", T.STRING())]
    assert read(make_context, drain, tmp_path / "a.json", "json", columns=cols).column("name").to_pylist() \
        == ["a", None]
    with pytest.raises(ConnectorError, match=r"line 2.*|field `name` is missing"):
        read(make_context, drain, tmp_path / "a.json", "json", columns=cols, **{"json.fail-on-missing-field": "true"})
