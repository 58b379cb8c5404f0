"""The ``STATE_TTL`` query hint: per-operator idle-state retention for regular joins and group
aggregates, overriding ``table.exec.state.ttl`` (Flink 1.18+).

    SELECT /*+ STATE_TTL('o' = '1d', 'c' = '20d') */ ... FROM orders o JOIN customers c ON ...
    Join(joinType=[INNER], ...)                        →  Join(..., stateTtl=[left=1 d, right=20 d])

A key names an input of a join or aggregate of the hinted query block: a table, view or CTE name, an
alias, or a subquery's alias. The hint applies to that block only; a join whose input is itself a
join has no name on that side (the global option applies there). Several ``STATE_TTL`` hints
merge and a repeated key keeps its last value, as in Flink; a key that names no input is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flowsql.common.config import parse_duration_ms
from flowsql.common.errors import FlowSqlError
from flowsql.planner.expr_binder import error
from sqlglot import exp

_UNITS = (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000))


def format_ttl(ms: int) -> str:
    """Milliseconds in the largest unit that divides them: '1 d', '90 min', '1500 ms'."""
    for unit, size in _UNITS:
        if ms and ms % size == 0:
            return f"{ms // size} {unit}"
    return f"{ms} ms"


@dataclass
class _Option:
    ttl_ms: int
    node: exp.Expression  # the key literal, for errors
    used: bool = False


@dataclass
class BlockStateTtl:
    """The STATE_TTL options of one query block, handed out to its joins and aggregates."""

    options: dict[str, _Option] = field(default_factory=dict)

    @classmethod
    def of(cls, select: exp.Select) -> BlockStateTtl | None:
        hint = select.args.get("hint")
        calls = [h for h in (hint.expressions if hint is not None else [])
                 if isinstance(h, exp.Anonymous) and h.name.upper() == "STATE_TTL"]
        if not calls:
            return None
        block = cls()
        for call in calls:
            if not call.expressions:
                raise error("STATE_TTL needs at least one 'input' = 'duration' option", call,
                            hint="write /*+ STATE_TTL('orders' = '1d') */")
            for option in call.expressions:
                if not (isinstance(option, exp.EQ) and isinstance(option.this, exp.Literal)
                        and isinstance(option.expression, exp.Literal)):
                    raise error(f"a STATE_TTL option must be 'input' = 'duration', found {option.sql()}",
                                option.this or option, hint="quote both sides: STATE_TTL('orders' = '1d')")
                key, value = option.this.name, option.expression.name
                try:
                    ttl = parse_duration_ms(value, f"STATE_TTL('{key}')")
                except FlowSqlError as e:
                    raise error(e.message, option.expression,
                                hint="write a duration like '1d', '12h' or '30 min'") from None
                if ttl < 0:
                    raise error(f"the state TTL of '{key}' must not be negative, found '{value}'",
                                option.expression, hint="use '0' to keep the state forever")
                block.options[key] = _Option(ttl, option.this)  # a repeated key: the last value wins
        return block

    def lookup(self, names: tuple[str, ...]) -> int | None:
        """The TTL for an input known by ``names`` (alias first), marking the option used."""
        for name in names:
            option = self.options.get(name)
            if option is not None:
                option.used = True
                return option.ttl_ms
        return None

    def on_join(self, relation, left_names: tuple[str, ...], right_item: exp.Expression) -> None:
        """Give the regular join just bound (``relation.plan``) the TTLs its inputs are named for."""
        from flowsql.planner.logical import Join

        if not isinstance(relation.plan, Join):
            return
        ttl = (self.lookup(left_names), self.lookup(from_item_names(right_item)))
        if ttl != (None, None):
            relation.plan = replace(relation.plan, state_ttl=ttl)

    def check_all_used(self) -> None:
        unused = [k for k, o in self.options.items() if not o.used]
        if unused:
            option = self.options[unused[0]]
            raise error(f"STATE_TTL option '{unused[0]}' names no input of a join or aggregate in this "
                        "query block", option.node,
                        hint="use a table name, view name or alias from this SELECT's FROM clause, "
                             "e.g. FROM orders o ... STATE_TTL('o' = '1d')")


def from_item_names(item: exp.Expression) -> tuple[str, ...]:
    """The names a FROM item answers to in a hint: its alias, then its table or view name."""
    names = []
    alias = item.args.get("alias")
    if alias is not None and alias.name:
        names.append(alias.name)
    if isinstance(item, exp.Table) and isinstance(item.this, exp.Identifier):
        names.append(item.name)
    return tuple(names)


def attach_to_aggregates(plan, below, ttl_ms: int):
    """Set ``state_ttl`` on the Aggregate nodes of ``plan`` above ``below`` (this block's FROM); joins
    above it come from subqueries in WHERE, other blocks, so the search stops there."""
    from flowsql.planner.logical import Aggregate

    if plan is below or type(plan).__name__.endswith("Join"):
        return plan
    inputs = tuple(attach_to_aggregates(i, below, ttl_ms) for i in plan.inputs())
    if any(a is not b for a, b in zip(inputs, plan.inputs())):
        plan = plan.replace_inputs(inputs)
    if isinstance(plan, Aggregate):
        plan = replace(plan, state_ttl=ttl_ms)
    return plan


def join_ttl_text(ttl: tuple[int | None, int | None]) -> str:
    return ", ".join(f"{side}={format_ttl(ms)}" for side, ms in zip(("left", "right"), ttl) if ms is not None)


def state_ttl_reasons(physical) -> list[str]:
    """Plain words for EXPLAIN: what a hinted TTL means for the results."""
    logical = physical.logical
    ttl = getattr(logical, "state_ttl", None)
    if ttl is None or physical.kind not in ("Join", "GroupAggregate"):
        return []
    if physical.kind == "GroupAggregate":
        if not ttl:
            return ["GroupAggregate keeps every group forever (STATE_TTL 0)."]
        return [(f"GroupAggregate forgets a group {format_ttl(ttl)} after its last update: a later row for it "
                 "starts a new result (+I) from empty.")]
    lines = []
    for side, ms in zip((logical.left, logical.right), ttl):
        if ms is None:
            continue
        what = _input_name(side)
        if not ms:
            lines.append(f"Join keeps rows of {what} forever (STATE_TTL 0).")
        else:
            lines.append(f"Join forgets rows of {what} {format_ttl(ms)} after their last update: a late match "
                         f"after that is missed.")
    return lines


def _input_name(node) -> str:
    from flowsql.planner.logical import TableScan

    while not isinstance(node, TableScan) and len(node.inputs()) == 1:
        node = node.inputs()[0]
    return node.path[-1] if isinstance(node, TableScan) else "the " + type(node).__name__.lower() + " input"
