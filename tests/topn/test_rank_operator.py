"""The Rank and Deduplicate operators fed by hand: the changelog they emit is the minimal one
(tests/golden/topn.test and dedup.test check final results; these check every intermediate step)."""

from collections import Counter

import numpy as np
import pyarrow as pa
from flowsql.common.changes import ChangeBatch
from flowsql.common.config import Config
from flowsql.common.rowkind import RowKind
from flowsql.exec.operator import RuntimeContext
from flowsql.exec.operators.deduplicate import DeduplicateOperator
from flowsql.exec.operators.rank import RankOperator, rank_within_partitions
from flowsql.exec.state.backend import StateBackend
from hypothesis import given, settings
from hypothesis import strategies as st

I, UB, UA, D = RowKind.INSERT, RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER, RowKind.DELETE
INPUT = pa.schema([("k", pa.string()), ("v", pa.int32())])
WITH_RANK = pa.schema([("k", pa.string()), ("v", pa.int32()), ("rn", pa.int64())])


def rank_operator(output_rank=False, keep_all_rows=False, rank_type="ROW_NUMBER", start=1, end=2):
    op = RankOperator("rank-1", rank_type, (0,), ((1, False, False),), start, end, output_rank, keep_all_rows,
                      INPUT, WITH_RANK if output_rank else INPUT)
    op.open(RuntimeContext(Config(), None, StateBackend()))
    return op


def feed(op, *rows, kinds=None):
    table = pa.table({"k": [r[0] for r in rows], "v": [r[1] for r in rows]}, schema=INPUT)
    kind_array = None if kinds is None else np.array([int(k) for k in kinds], dtype=np.int8)
    out = []
    for batch in op.process(ChangeBatch(table, kind_array)):
        out += batch.rows_with_kinds()
    return out


def test_rows_outside_or_moving_inside_the_top_n_emit_nothing_without_rank_number():
    op = rank_operator()
    assert feed(op, ("a", 10), ("a", 20)) == [(I, ("a", 10)), (I, ("a", 20))]
    assert feed(op, ("a", 5)) == []  # below the top 2
    assert feed(op, ("b", 1)) == [(I, ("b", 1))]  # another partition
    assert feed(op, ("a", 15)) == [(D, ("a", 10)), (I, ("a", 15))]
    assert feed(op, ("a", 30)) == [(D, ("a", 15)), (I, ("a", 30))]  # 20 moves from 1st to 2nd: silent
    assert op.state_size() == 3  # insert-only input: only the top 2 per partition are kept


def test_rank_number_changes_are_update_pairs():
    op = rank_operator(output_rank=True)
    assert feed(op, ("a", 10)) == [(I, ("a", 10, 1))]
    assert feed(op, ("a", 20)) == [(UB, ("a", 10, 1)), (UA, ("a", 10, 2)), (I, ("a", 20, 1))]
    assert feed(op, ("a", 15)) == [(D, ("a", 10, 2)), (I, ("a", 15, 2))]
    assert feed(op, ("a", 1)) == []


def test_a_retracted_top_row_lets_the_next_one_move_in():
    op = rank_operator(keep_all_rows=True)
    assert feed(op, ("a", 10), ("a", 20), ("a", 5), ("a", 1)) == [(I, ("a", 10)), (I, ("a", 20))]
    assert feed(op, ("a", 20), kinds=[D]) == [(D, ("a", 20)), (I, ("a", 5))]
    # An update of a row outside the top 2 that keeps it outside: nothing.
    assert feed(op, ("a", 1), ("a", 2), kinds=[UB, UA]) == []
    # An update that lifts it in.
    assert feed(op, ("a", 2), ("a", 60), kinds=[UB, UA]) == [(D, ("a", 5)), (I, ("a", 60))]
    assert op.state_size() == 3  # updating input: every row is kept


def test_an_update_inside_the_top_n_is_one_retraction_and_one_insert():
    op = rank_operator(keep_all_rows=True)
    feed(op, ("a", 10), ("a", 20), ("a", 5))
    assert feed(op, ("a", 10), ("a", 11), kinds=[UB, UA]) == [(D, ("a", 10)), (I, ("a", 11))]


def test_a_row_inserted_and_retracted_in_one_batch_leaves_no_trace():
    op = rank_operator(keep_all_rows=True)
    feed(op, ("a", 10))
    assert feed(op, ("a", 50), ("a", 50), kinds=[I, D]) == []


def test_duplicate_rows_are_counted():
    op = rank_operator(keep_all_rows=True, end=3)
    assert feed(op, ("a", 7), ("a", 7)) == [(I, ("a", 7)), (I, ("a", 7))]
    assert feed(op, ("a", 7), kinds=[D]) == [(D, ("a", 7))]


def test_rank_and_dense_rank_keep_ties_together():
    op = rank_operator(rank_type="RANK", output_rank=True, end=2)
    assert sorted(feed(op, ("a", 9), ("a", 9), ("a", 8))) == [(I, ("a", 9, 1)), (I, ("a", 9, 1))]
    op = rank_operator(rank_type="DENSE_RANK", output_rank=True, end=2)
    assert sorted(feed(op, ("a", 9), ("a", 9), ("a", 8))) == [(I, ("a", 8, 2)), (I, ("a", 9, 1)), (I, ("a", 9, 1))]


def test_ranking_places_nulls_per_key_and_breaks_ties_by_arrival():
    table = pa.table({"v": pa.array([3, None, 1, 3], pa.int32())})
    pids = np.array([0, 0, 0, 1])
    seqs = np.array([0, 1, 2, 3])
    first = rank_within_partitions(table, pids, seqs, ((0, True, True),), "ROW_NUMBER")
    last = rank_within_partitions(table, pids, seqs, ((0, True, False),), "ROW_NUMBER")
    assert first.tolist() == [3, 1, 2, 1] and last.tolist() == [2, 3, 1, 1]
    ties = pa.table({"v": pa.array([5, 5, 4], pa.int32())})
    assert rank_within_partitions(ties, np.zeros(3, int), np.array([2, 1, 0]), ((0, False, False),),
                                  "ROW_NUMBER").tolist() == [2, 1, 3]


EVENTS = pa.schema([("k", pa.string()), ("ts", pa.timestamp("ms"))])


def dedup(keep_last, rowtime=True):
    op = DeduplicateOperator("dedup-1", (0,), 1, keep_last, rowtime, EVENTS)
    op.open(RuntimeContext(Config(), None, StateBackend()))
    return op


def events(op, *rows):
    table = pa.table({"k": [r[0] for r in rows], "ts": pa.array([r[1] for r in rows], pa.timestamp("ms"))})
    return [r for b in op.process(ChangeBatch(table)) for r in b.rows_with_kinds()]


def fired(op, watermark):
    return [r for b in op.on_watermark(watermark) for r in b.rows_with_kinds()]


def test_keep_first_on_event_time_is_insert_only_and_waits_for_the_watermark():
    op = dedup(keep_last=False)
    assert events(op, ("a", 1000), ("b", 2000)) == []
    assert events(op, ("a", 500)) == []  # earlier: replaces the waiting row
    out = fired(op, 1500)
    assert [(kind, row[0], row[1].timestamp()) for kind, row in out] == [(I, "a", 0.5)]
    assert events(op, ("a", 100)) == []  # late: the key's first row is already out
    assert [row[0] for _, row in fired(op, 10_000)] == ["b"]
    assert fired(op, 20_000) == []


def test_keep_last_replaces_with_update_pairs():
    op = dedup(keep_last=True)
    first = events(op, ("a", 1000), ("a", 3000), ("b", 10))
    assert [(kind, row[0]) for kind, row in first] == [(I, "a"), (I, "b")]
    assert events(op, ("a", 2000)) == []  # older than the kept row
    out = events(op, ("a", 4000))
    assert [(kind, row[1].second) for kind, row in out] == [(UB, 3), (UA, 4)]


def test_keep_first_on_processing_time_sends_each_key_once():
    op = dedup(keep_last=False, rowtime=False)
    assert [row[0] for _, row in events(op, ("a", 5), ("a", 1), ("b", 0))] == ["a", "b"]
    assert events(op, ("a", 0), ("b", 9)) == []


def _reference(rows, rank_type, start, end, output_rank):
    """The Top-N of a multiset of (k, v) rows, computed row by row (v unique per k for ROW_NUMBER)."""
    out = []
    for k in {r[0] for r in rows}:
        values = sorted((r[1] for r in rows if r[0] == k), reverse=True)
        for i, v in enumerate(values):
            rank = {"ROW_NUMBER": i + 1, "RANK": values.index(v) + 1,
                    "DENSE_RANK": sorted(set(values), reverse=True).index(v) + 1}[rank_type]
            if start <= rank <= end:
                out.append((k, v, rank) if output_rank else (k, v))
    return sorted(out)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), rank_type=st.sampled_from(["ROW_NUMBER", "RANK", "DENSE_RANK"]),
       start=st.integers(1, 3), size=st.integers(0, 3), output_rank=st.booleans(), insert_only=st.booleans())
def test_every_prefix_of_a_random_changelog_materializes_to_the_top_n(data, rank_type, start, size, output_rank,
                                                                      insert_only):
    """Random inserts and retractions in random batches: after every batch, the changelog emitted so
    far (whose retractions must hit emitted rows) materializes to the Top-N of the input so far.
    An insert-only input runs with the append strategy (only the top rows kept)."""
    op = rank_operator(output_rank=output_rank, keep_all_rows=not insert_only, rank_type=rank_type, start=start,
                       end=start + size - 1)
    live: list[tuple] = []
    emitted: Counter = Counter()
    pool = range(64) if rank_type == "ROW_NUMBER" else range(4)  # ties only where they are deterministic
    for _ in range(data.draw(st.integers(1, 8))):
        rows, kinds = [], []
        for _ in range(data.draw(st.integers(1, 5))):
            if live and not insert_only and data.draw(st.booleans()):
                row = live.pop(data.draw(st.integers(0, len(live) - 1)))
                kinds.append(data.draw(st.sampled_from([UB, D])))
            else:
                k = data.draw(st.sampled_from("ab"))
                taken = {r[1] for r in live if r[0] == k} | {r[1] for r in rows if r[0] == k}
                choices = [v for v in pool if rank_type != "ROW_NUMBER" or v not in taken]
                row = (k, data.draw(st.sampled_from(choices)))
                live.append(row)
                kinds.append(I if insert_only else data.draw(st.sampled_from([I, UA])))
            rows.append(row)
        for kind, row in feed(op, *rows, kinds=kinds):
            if kind in (I, UA):
                emitted[row] += 1
            else:
                assert emitted[row] > 0, f"{kind} of a row never emitted: {row}"
                emitted[row] -= 1
        assert sorted(emitted.elements()) == _reference(live, rank_type, start, start + size - 1, output_rank)
