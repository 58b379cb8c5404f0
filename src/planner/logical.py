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

    @property
    def fields(self) -> tuple[Field, ...]:
        keys = tuple(self.input.fields[k] for k in self.group_keys)
        return keys + tuple(Field(a.name, a.type) for a in self.aggregates)

    def label(self) -> str:
        in_names = self.input.names
        keys = ", ".join(in_names[k] for k in self.group_keys)
        aggs = ", ".join(f"{_agg_text(a, in_names)} AS {a.name}" for a in self.aggregates)
        return f"Aggregate(groupBy=[{keys}], select=[{', '.join(x for x in (keys, aggs) if x)}])"


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

    def inputs(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def replace_inputs(self, inputs: tuple[Node, ...]) -> Node:
        return replace(self, left=inputs[0], right=inputs[1])

    @property
    def fields(self) -> tuple[Field, ...]:
        def adjust(fields: tuple[Field, ...], nullable: bool) -> tuple[Field, ...]:
            return tuple(Field(f.name, f.type.without_time_attribute().with_nullable(True) if nullable
                               else f.type.without_time_attribute()) for f in fields)

        if self.join_type in ("SEMI", "ANTI"):
            return self.left.fields
        left_null = self.join_type in ("RIGHT", "FULL")
        right_null = self.join_type in ("LEFT", "FULL")
        return adjust(self.left.fields, left_null) + adjust(self.right.fields, right_null)

    def label(self) -> str:
        return f"Join(joinType=[{self.join_type}], where=[{self.condition}])"


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
