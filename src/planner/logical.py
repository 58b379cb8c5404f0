"""The logical plan: immutable relational nodes with typed expressions.

Each node knows its output fields. Rewrites build new nodes (``replace_inputs``); ``explain_tree``
prints a plan as Flink-like indented text. Binding (SQL or Table API) produces these; optimizer
rules rewrite them; the physical planner turns them into operators.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from flowsql.common.connector import ColumnPredicate
from flowsql.common.types import BIGINT, DataType
from flowsql.planner.expressions import AggregateCall, Expr


@dataclass(frozen=True)
class Field:
    name: str
    type: DataType


@dataclass(frozen=True)
class Node:
    def inputs(self) -> tuple["Node", ...]:
        return ()

    def replace_inputs(self, inputs: tuple["Node", ...]) -> "Node":
        return self

    @property
    def fields(self) -> tuple[Field, ...]:
        raise NotImplementedError

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def types(self) -> list[DataType]:
        return [f.type for f in self.fields]

    def label(self) -> str:
        """One line for EXPLAIN: the node name and its arguments."""
        return type(self).__name__


@dataclass(frozen=True)
class SingleInputNode(Node):
    """A node with one input, always its first field."""

    input: Node

    def inputs(self) -> tuple[Node, ...]:
        return (self.input,)

    def replace_inputs(self, inputs: tuple[Node, ...]) -> Node:
        return replace(self, input=inputs[0])


@dataclass(frozen=True)
class TableScan(Node):
    """Reads a catalog table through its connector. ``columns`` are the produced source columns
    (physical and metadata); ``predicates`` were pushed into the source."""

    path: tuple[str, str, str]
    table: Any = field(compare=False)  # CatalogTable
    columns: tuple[Field, ...] = ()
    metadata_keys: tuple[str | None, ...] = ()
    predicates: tuple[ColumnPredicate, ...] = ()
    hints: tuple[tuple[str, str], ...] = ()  # OPTIONS('k'='v') hints

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.columns

    def label(self) -> str:
        text = f"TableScan(table=[[{', '.join(self.path)}]], fields=[{', '.join(self.names)}]"
        if self.predicates:
            preds = ", ".join(f"{p.column} {p.op} {p.value!r}" if p.value is not None else f"{p.column} {p.op}"
                              for p in self.predicates)
            text += f", filter=[{preds}]"
        return text + ")"


@dataclass(frozen=True)
class Values(Node):
    rows: tuple[tuple[Any, ...], ...]
    value_fields: tuple[Field, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.value_fields

    def label(self) -> str:
        return f"Values(tuples=[{len(self.rows)} rows], fields=[{', '.join(self.names)}])"


@dataclass(frozen=True)
class Project(SingleInputNode):
    exprs: tuple[Expr, ...]
    out_names: tuple[str, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(Field(n, e.type) for n, e in zip(self.out_names, self.exprs))

    def label(self) -> str:
        parts = []
        for name, e in zip(self.out_names, self.exprs):
            text = str(e)
            parts.append(text if text == name else f"{text} AS {name}")
        return f"Project({', '.join(parts)})"


@dataclass(frozen=True)
class Filter(SingleInputNode):
    condition: Expr

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.input.fields

    def label(self) -> str:
        return f"Filter(condition=[{self.condition}])"


@dataclass(frozen=True)
class Aggregate(SingleInputNode):
    """GROUP BY: output = group keys (in order) then one column per aggregate call."""

    group_keys: tuple[int, ...]
    aggregates: tuple[AggregateCall, ...]
    state_ttl: int | None = None  # ms from a STATE_TTL hint (None: table.exec.state.ttl applies)

    @property
    def fields(self) -> tuple[Field, ...]:
        keys = tuple(self.input.fields[k] for k in self.group_keys)
        return keys + tuple(Field(a.name, a.type) for a in self.aggregates)

    def label(self) -> str:
        in_names = self.input.names
        keys = ", ".join(in_names[k] for k in self.group_keys)
        aggs = ", ".join(f"{_agg_text(a, in_names)} AS {a.name}" for a in self.aggregates)
        text = f"Aggregate(groupBy=[{keys}], select=[{', '.join(x for x in (keys, aggs) if x)}]"
        if self.state_ttl is not None:
            from flowsql.planner.state_ttl import format_ttl

            text += f", stateTtl=[{format_ttl(self.state_ttl)}]"
        return text + ")"


def _agg_text(a: AggregateCall, names: list[str]) -> str:
    inner = ", ".join(names[i] for i in a.args) or "*"
    text = f"{a.function}({'DISTINCT ' if a.distinct else ''}{inner})"
    if a.filter_arg is not None:
        text += f" FILTER (WHERE {names[a.filter_arg]})"
    return text


@dataclass(frozen=True)
class Union(Node):
    """UNION ALL of inputs with identical field types (the binder inserts casts)."""

    union_inputs: tuple[Node, ...]

    def inputs(self) -> tuple[Node, ...]:
        return self.union_inputs

    def replace_inputs(self, inputs: tuple[Node, ...]) -> Node:
        return replace(self, union_inputs=tuple(inputs))

    @property
    def fields(self) -> tuple[Field, ...]:
        first = self.union_inputs[0].fields
        nullable = [any(i.fields[k].type.nullable for i in self.union_inputs) for k in range(len(first))]
        return tuple(Field(f.name, f.type.with_nullable(n).without_time_attribute()
                           if any(i.fields[k].type.time_attribute != f.type.time_attribute
                                  for i in self.union_inputs) else f.type.with_nullable(n))
                     for k, (f, n) in enumerate(zip(first, nullable)))

    def label(self) -> str:
        return f"Union(all=[true], fields=[{', '.join(self.names)}])"


@dataclass(frozen=True)
class Sort(SingleInputNode):
    """ORDER BY with optional OFFSET/FETCH; keys are (field index, ascending, nulls_first)."""

    keys: tuple[tuple[int, bool, bool], ...]
    offset: int = 0
    fetch: int | None = None

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.input.fields

    def label(self) -> str:
        names = self.input.names
        order = ", ".join(f"{names[i]} {'ASC' if asc else 'DESC'}" for i, asc, _ in self.keys)
        parts = [f"orderBy=[{order}]"] if self.keys else []
        if self.offset:
            parts.append(f"offset=[{self.offset}]")
        if self.fetch is not None:
            parts.append(f"fetch=[{self.fetch}]")
        return f"Sort({', '.join(parts)})"


@dataclass(frozen=True)
class WatermarkAssigner(SingleInputNode):
    """Marks ``rowtime_index`` as event time and derives watermarks from ``expr`` per row."""

    rowtime_index: int
    expr: Expr

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.input.fields

    def label(self) -> str:
        return f"WatermarkAssigner(rowtime=[{self.input.names[self.rowtime_index]}], watermark=[{self.expr}])"


@dataclass(frozen=True)
class Sink(SingleInputNode):
    """Writes its input into a catalog table (INSERT INTO) or into the query result (path None)."""

    path: tuple[str, str, str] | None
    table: Any = field(compare=False, default=None)  # CatalogTable, or None for a collected query
    sink_fields: tuple[Field, ...] = ()

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.sink_fields or self.input.fields

    def label(self) -> str:
        target = ", ".join(self.path) if self.path else "collect"
        return f"Sink(table=[{target}], fields=[{', '.join(self.names)}])"


ROW_COUNT = BIGINT(False)


def explain_tree(node: Node, annotate=None) -> str:
    """Render a plan like Flink does: children indented under their parent with ``+-``/``:-``."""
    lines: list[str] = []

    def visit(n: Node, prefix: str, last: bool, root: bool) -> None:
        extra = annotate(n) if annotate else ""
        text = n.label() + (f", {extra}" if extra else "")
        if text.endswith(")") and extra:
            text = n.label()[:-1] + f", {extra})"
        lines.append(text if root else prefix + ("+- " if last else ":- ") + text)
        kids = n.inputs()
        child_prefix = "" if root else prefix + ("   " if last else ":  ")
        for i, k in enumerate(kids):
            visit(k, child_prefix, i == len(kids) - 1, False)

    visit(node, "", True, True)
    return "\n".join(lines)


def walk(node: Node):
    """All nodes, parents before children."""
    yield node
    for i in node.inputs():
        yield from walk(i)


@dataclass(frozen=True)
class Join(Node):
    """A regular join: output = left fields then right fields (outer sides become nullable)."""

    left: Node
    right: Node
    join_type: str  # 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'SEMI' | 'ANTI'
    condition: Expr
    # (left, right) ms from a STATE_TTL hint; None (or a None side): table.exec.state.ttl applies
    state_ttl: tuple[int | None, int | None] | None = None

    def inputs(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def replace_inputs(self, inputs: tuple[Node, ...]) -> Node:
        return replace(self, left=inputs[0], right=inputs[1])

    @property
    def fields(self) -> tuple[Field, ...]:
        from flowsql.planner.time_joins import keeps_time_attributes

        left, right = self.left.fields, self.right.fields
        # Interval and window joins keep time attributes (they become IntervalJoin / WindowJoin).
        keep_time = keeps_time_attributes(self.join_type, self.condition, self.left, self.right, left, right)
        return _join_fields(left, right, self.join_type, keep_time)

    def label(self) -> str:
        if self.state_ttl is not None:
            from flowsql.planner.state_ttl import join_ttl_text

            ttl = join_ttl_text(self.state_ttl)
            return f"Join(joinType=[{self.join_type}], where=[{self.condition}], stateTtl=[{ttl}])"
        return f"Join(joinType=[{self.join_type}], where=[{self.condition}])"


def _join_fields(left: tuple[Field, ...], right: tuple[Field, ...], join_type: str,
                 keep_time: bool) -> tuple[Field, ...]:
    """Left then right fields (only left ones for SEMI/ANTI); the NULL-padded sides of outer joins
    become nullable; time attributes stay only when ``keep_time``."""
    def adjust(fields: tuple[Field, ...], nullable: bool) -> tuple[Field, ...]:
        out = []
        for f in fields:
            t = f.type if keep_time else f.type.without_time_attribute()
            out.append(Field(f.name, t.with_nullable(True) if nullable else t))
        return tuple(out)

    if join_type in ("SEMI", "ANTI"):
        return left
    return adjust(left, join_type in ("RIGHT", "FULL")) + adjust(right, join_type in ("LEFT", "FULL"))


@dataclass(frozen=True)
class ReplicateRows(SingleInputNode):
    """Emits each input row as many times as its last column says (INTERSECT ALL / EXCEPT ALL),
    without that count column."""

    width: int

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.input.fields[: self.width]

    def label(self) -> str:
        return f"ReplicateRows(times=[{self.input.names[self.width]}])"


@dataclass(frozen=True)
class WindowFrame:
    """ROWS/RANGE BETWEEN lower AND upper. A bound is None for UNBOUNDED, 0 for CURRENT ROW, a
    positive int of rows (ROWS) or a value / timedelta (RANGE) for n PRECEDING; upper FOLLOWING
    bounds are negative (n FOLLOWING = -n)."""

    mode: str  # 'ROWS' | 'RANGE'
    lower: Any = None
    upper: Any = 0

    def __str__(self) -> str:
        def bound(b, side):
            if b is None:
                return f"UNBOUNDED {side}"
            if b == 0 and not hasattr(b, "total_seconds") or (hasattr(b, "total_seconds") and not b):
                return "CURRENT ROW"
            if isinstance(b, (int, float)) and b < 0:
                return f"{-b} FOLLOWING"
            return f"{b} {side}"

        return f"{self.mode} BETWEEN {bound(self.lower, 'PRECEDING')} AND {bound(self.upper, 'FOLLOWING')}"


@dataclass(frozen=True)
class WindowCall:
    """One window function: ROW_NUMBER, RANK, DENSE_RANK, LAG, LEAD or an aggregate, OVER the node's window."""

    function: str
    args: tuple[int, ...]
    type: DataType
    name: str = ""
    distinct: bool = False
    constant_args: tuple[Any, ...] = ()

    def text(self, names: list[str]) -> str:
        inner = ", ".join(names[a] for a in self.args) or ("*" if self.function == "COUNT" else "")
        return f"{self.function}({'DISTINCT ' if self.distinct else ''}{inner})"


@dataclass(frozen=True)
class OverWindow(SingleInputNode):
    """Window functions over one window spec: output = input fields then one column per call."""

    partition_keys: tuple[int, ...]
    order_keys: tuple[tuple[int, bool, bool], ...]  # (field index, ascending, nulls_first)
    frame: WindowFrame | None
    calls: tuple[WindowCall, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.input.fields + tuple(Field(c.name, c.type) for c in self.calls)

    def label(self) -> str:
        names = self.input.names
        parts = []
        if self.partition_keys:
            parts.append(f"partitionBy=[{', '.join(names[k] for k in self.partition_keys)}]")
        if self.order_keys:
            parts.append("orderBy=[" + ", ".join(f"{names[i]} {'ASC' if asc else 'DESC'}"
                                                 for i, asc, _ in self.order_keys) + "]")
        if self.frame is not None:
            parts.append(f"frame=[{self.frame}]")
        parts.append("select=[" + ", ".join(f"{c.text(names)} AS {c.name}" for c in self.calls) + "]")
        return f"OverWindow({', '.join(parts)})"


# -- windows (event time and processing time) ----------------------------------------------------


def _duration_text(ms: int) -> str:
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size} {unit}"
    return f"{ms} ms"


@dataclass(frozen=True)
class WindowSpec:
    """A window TVF's shape in milliseconds: TUMBLE(size), HOP(slide, size), CUMULATE(step = slide,
    max size = size), SESSION(gap); ``offset`` shifts aligned windows; ``time_kind`` is 'rowtime'
    (fired by watermarks) or 'proctime' (fired by the clock)."""

    kind: str
    time_name: str
    size: int = 0
    slide: int = 0
    offset: int = 0
    gap: int = 0
    time_kind: str = "rowtime"
    legacy: bool = False  # written as GROUP BY TUMBLE(...)/HOP/SESSION: Flink's emit options apply

    def __str__(self) -> str:
        parts = [f"time_col=[{self.time_name}]"]
        if self.kind == "HOP":
            parts += [f"size=[{_duration_text(self.size)}]", f"slide=[{_duration_text(self.slide)}]"]
        elif self.kind == "CUMULATE":
            parts += [f"max_size=[{_duration_text(self.size)}]", f"step=[{_duration_text(self.slide)}]"]
        elif self.kind == "SESSION":
            parts.append(f"gap=[{_duration_text(self.gap)}]")
        else:
            parts.append(f"size=[{_duration_text(self.size)}]")
        if self.offset:
            parts.append(f"offset=[{_duration_text(self.offset)}]")
        return f"{self.kind}({', '.join(parts)})"


@dataclass(frozen=True)
class WindowTableFunctionScan(SingleInputNode):
    """A window TVF: input fields then ``window_start``, ``window_end`` and ``window_time`` (= end
    - 1 ms, still a time attribute); HOP and CUMULATE repeat a row once per window holding it.
    ``time_index`` is the descriptor column; ``partition_keys`` partition SESSION windows."""

    spec: WindowSpec
    time_index: int
    partition_keys: tuple[int, ...] = ()

    @property
    def fields(self) -> tuple[Field, ...]:
        from flowsql.common.types import TIMESTAMP

        time_type = self.input.fields[self.time_index].type
        bound = TIMESTAMP(3, False)
        return self.input.fields + (Field("window_start", bound), Field("window_end", bound),
                                    Field("window_time", time_type.with_nullable(False)))

    def label(self) -> str:
        text = f"WindowTableFunction(window=[{self.spec}]"
        if self.partition_keys:
            text += f", partitionBy=[{', '.join(self.input.names[k] for k in self.partition_keys)}]"
        return text + ")"


@dataclass(frozen=True)
class WindowAggregate(SingleInputNode):
    """Aggregation per window: like ``Aggregate`` (output = group keys then aggregates), where
    ``start_key``/``end_key`` are the input columns holding each row's window bounds. A window's
    result is final once time passes its end, so the output is insert-only. SESSION windows arrive
    as one-row windows [t, t + gap) and are merged per group when they overlap."""

    group_keys: tuple[int, ...]
    aggregates: tuple[AggregateCall, ...]
    spec: WindowSpec
    start_key: int
    end_key: int
    time_key: int | None = None

    @property
    def fields(self) -> tuple[Field, ...]:
        keys = tuple(Field(self.input.fields[k].name, self.input.fields[k].type if k == self.time_key
                           else self.input.fields[k].type.without_time_attribute()) for k in self.group_keys)
        return keys + tuple(Field(a.name, a.type) for a in self.aggregates)

    def label(self) -> str:
        names = self.input.names
        keys = [names[k] for k in self.group_keys if k not in (self.start_key, self.end_key, self.time_key)]
        aggs = ", ".join(f"{_agg_text(a, names)} AS {a.name}" for a in self.aggregates)
        props = ", ".join(names[k] for k in self.group_keys if k in (self.start_key, self.end_key, self.time_key))
        text = f"WindowAggregate(window=[{self.spec}]"
        if keys:
            text += f", groupBy=[{', '.join(keys)}]"
        return text + f", select=[{', '.join(x for x in (', '.join(keys), aggs, props) if x)}])"


@dataclass(frozen=True)
class WindowRank(SingleInputNode):
    """Window Top-N and deduplication: ``ROW_NUMBER() OVER (PARTITION BY window_start, window_end,
    ... ORDER BY ...)`` kept where it is <= ``limit``, computed once per window when time passes its
    end (insert-only). Output = input fields, then the row number when ``rank_output``."""

    partition_keys: tuple[int, ...]
    order_keys: tuple[tuple[int, bool, bool], ...]
    limit: int
    rank_output: bool
    rank_name: str
    spec: WindowSpec
    end_key: int

    @property
    def fields(self) -> tuple[Field, ...]:
        extra = (Field(self.rank_name, ROW_COUNT),) if self.rank_output else ()
        return self.input.fields + extra

    def label(self) -> str:
        names = self.input.names
        order = ", ".join(f"{names[i]} {'ASC' if asc else 'DESC'}" for i, asc, _ in self.order_keys)
        kind = "WindowDeduplicate" if self.limit == 1 and not self.rank_output else "WindowRank"
        return (f"{kind}(window=[{self.spec}], rankRange=[rankStart=1, rankEnd={self.limit}], "
                f"partitionBy=[{', '.join(names[k] for k in self.partition_keys)}], orderBy=[{order}], "
                f"select=[{', '.join(self.names)}])")


# -- regular Top-N and deduplication --------------------------------------------------------------


def _order_text(names: list[str], order_keys) -> str:
    return ", ".join(f"{names[i]} {'ASC' if asc else 'DESC'}" for i, asc, _ in order_keys)


@dataclass(frozen=True)
class Rank(SingleInputNode):
    """Top-N: ``ROW_NUMBER()`` / ``RANK()`` / ``DENSE_RANK()`` over (PARTITION BY ... ORDER BY ...)
    kept where the rank lies in [``rank_start``, ``rank_end``]. Output = input fields, then the
    rank number when ``output_rank`` (when it is not read, rows that merely change rank inside the
    range produce no output)."""

    rank_type: str  # 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK'
    partition_keys: tuple[int, ...]
    order_keys: tuple[tuple[int, bool, bool], ...]  # (field index, ascending, nulls_first)
    rank_start: int
    rank_end: int
    output_rank: bool
    rank_name: str

    @property
    def fields(self) -> tuple[Field, ...]:
        extra = (Field(self.rank_name, ROW_COUNT),) if self.output_rank else ()
        return tuple(Field(f.name, f.type.without_time_attribute()) for f in self.input.fields) + extra

    def label(self) -> str:
        names = self.input.names
        return (f"Rank(rankType=[{self.rank_type}], rankRange=[rankStart={self.rank_start}, "
                f"rankEnd={self.rank_end}], partitionBy=[{', '.join(names[k] for k in self.partition_keys)}], "
                f"orderBy=[{_order_text(names, self.order_keys)}], select=[{', '.join(self.names)}])")


@dataclass(frozen=True)
class Deduplicate(SingleInputNode):
    """Keeps the first (``keep_last`` False) or last row per key, ordered by the time attribute
    at ``time_index`` (rowtime or proctime): ``ROW_NUMBER() OVER (PARTITION BY k ORDER BY t) = 1``
    with the row number not read. Output = input fields."""

    keys: tuple[int, ...]
    time_index: int
    keep_last: bool

    @property
    def is_rowtime(self) -> bool:
        return self.input.fields[self.time_index].type.time_attribute != "proctime"

    @property
    def fields(self) -> tuple[Field, ...]:
        # Rows leave when the watermark has passed them (keep first) or as updates (keep last):
        # either way downstream they are no longer event time.
        return tuple(Field(f.name, f.type.without_time_attribute()) for f in self.input.fields)

    def as_rank(self) -> Rank:
        """The same query as a Top-N (what batch mode and updating inputs run)."""
        ascending = not self.keep_last
        return Rank(self.input, "ROW_NUMBER", self.keys, ((self.time_index, ascending, ascending),), 1, 1,
                    False, "")

    def label(self) -> str:
        names = self.input.names
        return (f"Deduplicate(keep=[{'LastRow' if self.keep_last else 'FirstRow'}], "
                f"key=[{', '.join(names[k] for k in self.keys)}], "
                f"order=[{'ROWTIME' if self.is_rowtime else 'PROCTIME'}])")


@dataclass(frozen=True)
class Correlate(SingleInputNode):
    """LATERAL: each input row joined with the rows a table function makes of it: ``UNNEST`` of an
    ARRAY, MAP or MULTISET argument, or a Python table function (``function`` is then its runtime
    key, ``$udtf:<key>``). Output = input fields, then ``function_fields`` (the ordinality column
    last), nullable for a LEFT correlate, which keeps a row the function makes nothing of, padded
    with NULLs. Row-wise and stateless: every output row carries its input row's kind."""

    function: str  # 'UNNEST' or '$udtf:<key>'
    function_name: str  # as the user wrote it, for EXPLAIN
    args: tuple[Expr, ...]
    function_fields: tuple[Field, ...]
    join_type: str = "INNER"  # 'INNER' | 'LEFT'
    with_ordinality: bool = False

    @property
    def is_unnest(self) -> bool:
        return self.function == "UNNEST"

    @property
    def fields(self) -> tuple[Field, ...]:
        extra = self.function_fields
        if self.join_type == "LEFT":
            extra = tuple(Field(f.name, f.type.with_nullable(True)) for f in extra)
        return self.input.fields + extra

    def label(self) -> str:
        call = f"{self.function_name}({', '.join(str(a) for a in self.args)})"
        if self.with_ordinality:
            call += " WITH ORDINALITY"
        row_type = ", ".join(f"{f.type.sql(False)} {f.name}" for f in self.fields)
        return (f"Correlate(invocation=[{call}], correlate=[table({call})], select=[{', '.join(self.names)}], "
                f"rowType=[RecordType({row_type})], joinType=[{self.join_type}])")


# -- temporal and lookup joins (FOR SYSTEM_TIME AS OF) ---------------------------------------------


def _flink_join_type(join_type: str) -> str:
    return {"INNER": "InnerJoin", "LEFT": "LeftOuterJoin"}.get(join_type, join_type)


def _condition_text(condition: Expr, names: list[str]) -> str:
    """A join condition with each column named as in the join's output, repeated names made unique
    the way Calcite does (``currency``, ``currency0``), so both sides stay distinguishable."""
    from flowsql.planner.expressions import InputRef, transform

    unique: list[str] = []
    for name in names:
        candidate, k = name, 0
        while candidate in unique:
            candidate, k = f"{name}{k}", k + 1
        unique.append(candidate)
    return str(transform(condition, lambda e: replace(e, name=unique[e.index])
                         if isinstance(e, InputRef) and e.index < len(unique) else None))


def _temporal_join_fields(left: tuple[Field, ...], right: tuple[Field, ...], join_type: str) -> tuple[Field, ...]:
    """Left fields keep their time attributes (each output row carries its left row's time); the
    right side's become plain values, nullable for a LEFT join."""
    nullable = join_type == "LEFT"
    return left + tuple(Field(f.name, f.type.without_time_attribute().with_nullable(True) if nullable
                              else f.type.without_time_attribute()) for f in right)


@dataclass(frozen=True)
class TemporalJoin(Node):
    """Event-time temporal join ``l JOIN r FOR SYSTEM_TIME AS OF l.t ON l.k = r.pk``: each left row
    joins the version of ``r`` (per primary key ``right_keys``, ordered by ``right_time``) valid at
    the left row's time ``left_time``. ``left_keys`` equal ``right_keys`` pairwise; ``residual`` is
    the rest of ``condition`` (over left then right fields), tested on the chosen version."""

    left: Node
    right: Node
    join_type: str  # 'INNER' | 'LEFT'
    condition: Expr
    left_time: int
    right_time: int
    left_keys: tuple[Expr, ...]
    right_keys: tuple[int, ...]
    residual: Expr | None = None

    def inputs(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def replace_inputs(self, inputs: tuple[Node, ...]) -> Node:
        return replace(self, left=inputs[0], right=inputs[1])

    @property
    def fields(self) -> tuple[Field, ...]:
        return _temporal_join_fields(self.left.fields, self.right.fields, self.join_type)

    def label(self) -> str:
        where = _condition_text(self.condition, self.left.names + self.right.names)
        return (f"TemporalJoin(joinType=[{_flink_join_type(self.join_type)}], where=[{where}], "
                f"leftTimeAttribute=[{self.left.names[self.left_time]}], "
                f"rightTimeAttribute=[{self.right.names[self.right_time]}])")


@dataclass(frozen=True)
class LookupJoin(SingleInputNode):
    """Processing-time temporal join against a table whose connector can look rows up by key:
    each input row is joined, when it arrives, with the rows of ``table`` whose ``right_keys``
    columns equal its ``left_keys``. The table is no input of the plan: the operator asks the
    connector. ``right_fields`` are the table's columns; ``residual`` (over input then right
    fields) filters the looked-up rows. ``position`` places planning errors in the SQL."""

    path: tuple[str, str, str]
    table: Any = field(compare=False)  # CatalogTable
    right_fields: tuple[Field, ...] = ()
    join_type: str = "INNER"
    condition: Expr | None = None
    left_keys: tuple[Expr, ...] = ()
    right_keys: tuple[int, ...] = ()
    residual: Expr | None = None
    position: tuple[int | None, int | None] = field(default=(None, None), compare=False)

    @property
    def fields(self) -> tuple[Field, ...]:
        return _temporal_join_fields(self.input.fields, self.right_fields, self.join_type)

    def label(self) -> str:
        lookup = ", ".join(f"{self.right_fields[r].name}={k}" for k, r in zip(self.left_keys, self.right_keys))
        text = (f"LookupJoin(table=[{'.'.join(self.path)}], joinType=[{_flink_join_type(self.join_type)}], "
                f"lookup=[{lookup}]")
        if self.residual is not None:
            text += f", where=[{_condition_text(self.residual, self.input.names + [f.name for f in self.right_fields])}]"
        return text + f", select=[{', '.join(self.names)}])"


# -- interval and window joins ----------------------------------------------------------------------

_FLINK_JOIN_TYPES = {"INNER": "InnerJoin", "LEFT": "LeftOuterJoin", "RIGHT": "RightOuterJoin",
                     "FULL": "FullOuterJoin", "SEMI": "LeftSemiJoin", "ANTI": "LeftAntiJoin"}


@dataclass(frozen=True)
class IntervalJoin(Node):
    """A join whose condition bounds the left time attribute by the right one (``bounds``, see
    ``flowsql.planner.time_joins``): each row is kept only until time passes the last moment a match
    can arrive. Output like ``Join`` (INNER / LEFT / RIGHT / FULL), time attributes kept; insert-only,
    an outer row without a match is sent padded with NULLs when it expires. ``condition`` is the
    whole join condition, time bounds included."""

    left: Node
    right: Node
    join_type: str
    condition: Expr
    bounds: Any  # flowsql.planner.time_joins.IntervalBounds
    state_ttl: tuple[int | None, int | None] | None = None  # a STATE_TTL hint, for the regular-join fallback

    def inputs(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def replace_inputs(self, inputs: tuple[Node, ...]) -> Node:
        return replace(self, left=inputs[0], right=inputs[1])

    @property
    def fields(self) -> tuple[Field, ...]:
        return _join_fields(self.left.fields, self.right.fields, self.join_type, True)

    def label(self) -> str:
        return (f"IntervalJoin(joinType=[{_FLINK_JOIN_TYPES[self.join_type]}], windowBounds=[{self.bounds}], "
                f"where=[{self.condition}], select=[{', '.join(self.names)}])")


@dataclass(frozen=True)
class WindowJoin(Node):
    """A join of two windowed inputs on equal ``window_start`` and ``window_end``: each window's rows
    are joined once, when time passes the window's end (insert-only; late rows are dropped). The
    ``*_start``/``*_end`` indices locate each input's window bounds (right ones in the right
    input); ``condition`` is the whole join condition. INNER / LEFT / RIGHT / FULL / SEMI / ANTI."""

    left: Node
    right: Node
    join_type: str
    condition: Expr
    left_window: WindowSpec
    right_window: WindowSpec
    left_start: int
    left_end: int
    right_start: int
    right_end: int
    state_ttl: tuple[int | None, int | None] | None = None  # a STATE_TTL hint, for the regular-join fallback

    def inputs(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def replace_inputs(self, inputs: tuple[Node, ...]) -> Node:
        return replace(self, left=inputs[0], right=inputs[1])

    @property
    def fields(self) -> tuple[Field, ...]:
        return _join_fields(self.left.fields, self.right.fields, self.join_type, True)

    def label(self) -> str:
        left = _window_join_text(self.left_window, self.left.names[self.left_start], self.left.names[self.left_end])
        right = _window_join_text(self.right_window, self.right.names[self.right_start],
                                  self.right.names[self.right_end])
        return (f"WindowJoin(leftWindow=[{left}], rightWindow=[{right}], "
                f"joinType=[{_FLINK_JOIN_TYPES[self.join_type]}], where=[{self.condition}], "
                f"select=[{', '.join(self.names)}])")


def _window_join_text(spec: WindowSpec, start: str, end: str) -> str:
    """A window as Flink's WindowJoin prints it: TUMBLE(win_start=[..], win_end=[..], size=[5 min])."""
    text = str(spec)
    shape = text[text.index("], ") + 3:] if "], " in text else ")"
    return f"{spec.kind}(win_start=[{start}], win_end=[{end}], {shape}"
