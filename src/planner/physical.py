"""The physical plan: operators (with connector handles) and the changelog each one emits.

``to_physical`` fuses Project/Filter chains into Calc nodes, creates connector sources and sinks,
infers every node's changelog mode (insert-only, upsert with key, retract) with a plain-words
reason for update-producing nodes, and rejects plans a sink cannot take.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowsql.common.changelog import ChangelogMode
from flowsql.common.config import Config
from flowsql.common.connector import Column, ConnectorContext
from flowsql.common.errors import PlanningError
from flowsql.planner.expressions import Expr, InputRef
from flowsql.planner.logical import IntervalJoin, WindowJoin
from flowsql.planner.logical import (
    Aggregate, Deduplicate, Filter, Join, Node, OverWindow, Project, Rank, ReplicateRows, Sink, Sort, TableScan,
    Union, Values, WatermarkAssigner, explain_tree,
)
from flowsql.planner.logical import Correlate
from flowsql.planner.logical import LookupJoin, TemporalJoin
from flowsql.planner.top_n import incremental_sort_limit, top_n_label, top_n_mode


@dataclass(eq=False)
class PhysicalNode:
    kind: str  # TableSourceScan, Values, Calc, GroupAggregate, Union, SortLimit, Sink, ...
    logical: Node
    inputs: list["PhysicalNode"]
    mode: ChangelogMode = field(default_factory=ChangelogMode.insert_only)
    reason: str = ""  # why this node emits updates, in plain words
    projections: tuple[Expr, ...] | None = None  # Calc
    condition: Expr | None = None  # Calc
    source: Any = None  # TableSource
    sink: Any = None  # TableSink
    bounded: bool = True
    operator_id: str = ""
    emit: Any = None  # WindowAggregate: its WindowEmit (early/late firing, allowed lateness)

    @property
    def fields(self):
        return self.logical.fields

    def label(self) -> str:
        if self.kind == "Calc":
            names = self.logical.names
            in_names = self.inputs[0].logical.names
            parts = []
            for name, e in zip(names, self.projections or ()):
                text = _expr_text(e, in_names)
                parts.append(text if text == name else f"{text} AS {name}")
            text = f"Calc(select=[{', '.join(parts)}]"
            if self.condition is not None:
                text += f", where=[{_expr_text(self.condition, in_names)}]"
            return text + ")"
        if self.kind == "TableSourceScan":
            return self.logical.label().replace("TableScan(", "TableSourceScan(", 1)
        if self.kind == "Join":
            from flowsql.planner.join_keys import split_join_condition

            join = self.logical
            keys = split_join_condition(join.condition, len(join.left.fields)).describe(join.left.names,
                                                                                        join.right.names)
            if join.state_ttl is not None:
                from flowsql.planner.state_ttl import join_ttl_text

                keys += f", stateTtl=[{join_ttl_text(join.state_ttl)}]"
            return f"Join(joinType=[{join.join_type}], where=[{join.condition}], {keys})"
        if self.kind in ("Rank", "SortLimit") and self.inputs:
            text = top_n_label(self)
            if text:
                return text
        label = self.logical.label()
        if self.kind == "Sink" and self.sink is not None and label.endswith(")"):
            # Whether the sink can take part in checkpoints (exactly-once) or may repeat rows.
            label = label[:-1] + f", deliveryGuarantee=[{self.sink.delivery_guarantee}])"
        if self.emit is not None and self.emit.produces_updates and label.endswith(")"):
            label = label[:-1] + f", emit=[{self.emit}])"
        return self.kind + label[label.index("("):] if "(" in label else self.kind


def _expr_text(e: Expr, names: list[str]) -> str:
    from flowsql.planner.expressions import transform

    def rename(x: Expr):
        if isinstance(x, InputRef):
            return InputRef(x.type, x.index, names[x.index] if x.index < len(names) else f"${x.index}")
        return None

    return str(transform(e, rename))


class PhysicalPlanner:
    def __init__(self, config: Config, batch: bool = False) -> None:
        self.config = config
        self.batch = batch
        self.memo: dict[int, PhysicalNode] = {}
        self.operator_ids: dict[str, int] = {}  # stable id → how many operators have it

    def plan(self, node: Node) -> PhysicalNode:
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        physical = self._plan(node)
        physical.operator_id = self._stable_operator_id(physical)
        physical.bounded = all(i.bounded for i in physical.inputs) if physical.inputs else physical.bounded
        self._infer_mode(physical)
        self.memo[key] = physical
        return physical

    def _stable_operator_id(self, physical: PhysicalNode) -> str:
        """An id that names the same operator in every run of the same query (like Flink's uid
        hash): its kind, its description and its inputs' ids, so checkpointed state is matched by
        operator rather than by planning order. Identical subtrees (a self-join) get a suffix."""
        import hashlib

        text = "|".join([physical.kind, physical.label()] + [i.operator_id for i in physical.inputs])
        base = f"{physical.kind.lower()}-{hashlib.sha1(text.encode()).hexdigest()[:10]}"
        seen = self.operator_ids.get(base, 0)
        self.operator_ids[base] = seen + 1
        return base if not seen else f"{base}-{seen + 1}"

    def _plan(self, node: Node) -> PhysicalNode:
        if isinstance(node, (Project, Filter)):
            return self._calc(node)
        if isinstance(node, TableScan):
            return self._scan(node)
        if isinstance(node, Values):
            return PhysicalNode("Values", node, [])
        if isinstance(node, Sink):
            return self._sink(node)
        if isinstance(node, (TemporalJoin, LookupJoin)):
            from flowsql.planner.temporal_physical import plan_temporal_join

            return plan_temporal_join(self, node)
        if isinstance(node, (IntervalJoin, WindowJoin)):
            return self._time_join(node)
        kind = {Aggregate: "GroupAggregate", Union: "Union", Sort: "SortLimit", ReplicateRows: "ReplicateRows",
                WatermarkAssigner: "WatermarkAssigner", Join: "Join", OverWindow: "OverAggregate",
                Rank: "Rank", Deduplicate: "Deduplicate", Correlate: "Correlate"}.get(type(node))
        if kind is None or kind == "OverAggregate":
            from flowsql.planner.windows import window_physical_kind

            kind = window_physical_kind(node, self.batch) or kind
        if kind is None:
            raise PlanningError(f"no physical operator for {type(node).__name__}")
        return PhysicalNode(kind, node, [self.plan(i) for i in node.inputs()])

    def _time_join(self, node: Node) -> PhysicalNode:
        """An interval or window join; a regular join in batch mode (DuckDB joins the whole input)
        or over an updating input (which only a regular join can retract)."""
        inputs = [self.plan(i) for i in node.inputs()]
        time_bounded = not self.batch and all(i.mode.is_insert_only for i in inputs)
        kind = type(node).__name__ if time_bounded else "Join"
        return PhysicalNode(kind, node, inputs)

    def _calc(self, node: Node) -> PhysicalNode:
        projections = None
        condition = None
        top = node
        if isinstance(node, Project):
            projections = node.exprs
            node = node.input
        if isinstance(node, Filter) and not isinstance(node.input, Filter):
            condition = node.condition
            node = node.input
        if projections is None:
            projections = tuple(InputRef(f.type, i, f.name) for i, f in enumerate(node.fields))
        return PhysicalNode("Calc", top, [self.plan(node)], projections=projections, condition=condition)

    def _scan(self, node: TableScan) -> PhysicalNode:
        from flowsql.connectors import find_factory

        table = node.table
        name = ".".join(f"`{p}`" for p in node.path)
        options = dict(table.options)
        options.update(dict(node.hints))
        columns = [Column(c.name, c.type, c.metadata_key or c.name if c.kind == "metadata" else None, c.virtual)
                   for c in table.columns if c.kind != "computed"]
        context = ConnectorContext(name, columns, options, self.config,
                                   list(table.primary_key) if table.primary_key else None, list(table.partition_keys))
        factory = find_factory(options.get("connector", ""), name)
        source = factory.create_source(context)
        wanted = [f.name for f in node.columns]
        if wanted != [c.name for c in columns]:
            if not source.apply_projection(wanted):
                raise PlanningError(f"source {name} cannot project columns")
        if node.predicates:
            source.apply_filters(list(node.predicates))
        physical = PhysicalNode("TableSourceScan", node, [], source=source)
        physical.bounded = bool(source.bounded)
        return physical

    def _sink(self, node: Sink) -> PhysicalNode:
        child = self.plan(node.input)
        physical = PhysicalNode("Sink", node, [child])
        if node.table is None:
            return physical
        from flowsql.connectors import find_factory

        table = node.table
        name = ".".join(f"`{p}`" for p in node.path)
        columns = [Column(c.name, c.type, c.metadata_key or c.name if c.kind == "metadata" else None, c.virtual)
                   for c in table.columns if c.is_persisted]
        context = ConnectorContext(name, columns, dict(table.options), self.config,
                                   list(table.primary_key) if table.primary_key else None, list(table.partition_keys))
        physical.sink = find_factory(table.options.get("connector", ""), name).create_sink(context)
        return physical

    # -- changelog inference -------------------------------------------------------------
    def _infer_mode(self, p: PhysicalNode) -> None:
        kinds = set()
        for i in p.inputs:
            kinds |= set(i.mode.kinds)
        inherited = ChangelogMode(frozenset(kinds)) if kinds else ChangelogMode.insert_only()
        if p.kind == "TableSourceScan":
            p.mode = p.source.changelog_mode()
            if not p.mode.is_insert_only:
                p.reason = "the source produces a changelog"
        elif p.kind == "Values":
            p.mode = ChangelogMode.insert_only()
        elif p.kind == "GroupAggregate":
            agg: Aggregate = p.logical
            keys = [agg.fields[i].name for i in range(len(agg.group_keys))]
            if self.batch:
                p.mode = ChangelogMode.insert_only()
            else:
                p.mode = ChangelogMode.retract()
                if keys:
                    p.reason = (f"GroupAggregate on [{', '.join(keys)}] emits updates: each new row changes "
                                f"its group's result, so the old result is retracted (-U) and the new one sent (+U)")
                else:
                    p.reason = ("a global aggregate emits updates: every row changes the single result row")
                if agg.aggregates or keys:
                    p.mode = ChangelogMode(p.mode.kinds, tuple(keys) or None)
        elif p.kind in ("Rank", "Deduplicate") or (p.kind == "SortLimit" and not self.batch
                                                     and incremental_sort_limit(p)):
            if not self.batch:
                p.mode, p.reason = top_n_mode(p)
        elif p.kind == "SortLimit":
            sort: Sort = p.logical
            if not p.inputs[0].bounded and not (not sort.keys and p.inputs[0].mode.is_insert_only):
                raise PlanningError(
                    "ORDER BY on an unbounded input is not supported yet",
                    hint="add a bounded source, or use a Top-N query: ROW_NUMBER() OVER (ORDER BY ...) <= N")
            p.mode = ChangelogMode.insert_only()
        elif p.kind == "Join":
            join: Join = p.logical
            p.mode = inherited if join.join_type == "INNER" and inherited.is_insert_only else ChangelogMode.retract()
            if not p.mode.is_insert_only:
                p.reason = ("an outer join emits updates: a row without a match is sent padded with NULLs and "
                            "retracted when its match arrives" if join.join_type != "INNER"
                            else "the join's inputs update, so its results are retracted and re-sent")
            if self.batch:
                p.mode = ChangelogMode.insert_only()
        elif p.kind in ("TemporalJoin", "LookupJoin"):
            from flowsql.planner.temporal_physical import temporal_join_mode

            temporal_join_mode(p)
        elif p.kind == "WindowAggregate" and not self.batch:
            from flowsql.common.rowkind import RowKind
            from flowsql.planner.window_emit import window_emit

            p.mode = inherited
            p.emit = window_emit(p.logical, self.config)
            if p.emit.produces_updates:
                keys = tuple(p.logical.fields[i].name for i in range(len(p.logical.group_keys)))
                p.mode = ChangelogMode(frozenset({RowKind.INSERT, RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER}),
                                       keys or None)
                p.reason = p.emit.reason()
        elif p.kind == "Sink":
            p.mode = inherited
            self._check_sink(p)
        else:
            p.mode = inherited
        if self.batch:
            p.mode = ChangelogMode.insert_only()

    def _check_sink(self, p: PhysicalNode) -> None:
        if p.sink is None:
            return
        accepted = p.sink.accepted_changelog_mode()
        produced = p.inputs[0].mode
        extra = set(produced.kinds) - set(accepted.kinds)
        from flowsql.common.rowkind import RowKind

        if accepted.is_upsert:
            extra.discard(RowKind.UPDATE_BEFORE)
        if extra:
            culprit = _updating_node(p.inputs[0])
            sink: Sink = p.logical
            raise PlanningError(
                f"table sink {'.'.join(sink.path)} does not accept the updates ({produced.short()}) produced by "
                f"{culprit.kind}" + (f": {culprit.reason}" if culprit.reason else ""),
                hint="write into a sink that accepts updates (print, or an upsert sink with a PRIMARY KEY), "
                     "or make the query insert-only (e.g. a window aggregation)")


def _updating_node(p: PhysicalNode) -> PhysicalNode:
    """The node that introduces updates below ``p``: the first updating input that says why."""
    for i in p.inputs:
        if not i.mode.is_insert_only:
            return i if i.reason else _updating_node(i)
    return p


def explain_physical(root: PhysicalNode, changelog: bool = True) -> str:
    lines: list[str] = []

    def visit(n: PhysicalNode, prefix: str, last: bool, is_root: bool) -> None:
        text = n.label()
        if changelog:
            text = text[:-1] + f", changelogMode=[{n.mode.short()}])" if text.endswith(")") else text
        lines.append(text if is_root else prefix + ("+- " if last else ":- ") + text)
        child_prefix = "" if is_root else prefix + ("   " if last else ":  ")
        for i, k in enumerate(n.inputs):
            visit(k, child_prefix, i == len(n.inputs) - 1, False)

    visit(root, "", True, True)
    return "\n".join(lines)


def explain_reasons(root: PhysicalNode) -> list[str]:
    seen, out = set(), []

    def visit(n: PhysicalNode) -> None:
        if id(n) in seen:
            return
        seen.add(id(n))
        for i in n.inputs:
            visit(i)
        if n.reason:
            out.append(f"{n.kind} ({n.mode.describe()}): {n.reason}.")
        from flowsql.planner.state_ttl import state_ttl_reasons

        out.extend(state_ttl_reasons(n))

    visit(root)
    return out


__all__ = ["PhysicalNode", "PhysicalPlanner", "explain_physical", "explain_reasons", "explain_tree"]
