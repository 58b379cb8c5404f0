"""Binding windows: window TVFs in FROM, and the legacy ``GROUP BY TUMBLE(ts, ...)`` syntax.

``bind_window_tvf`` turns ``TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' MINUTE))`` into a
``WindowTableFunctionScan`` after checking that the descriptor names a time attribute and that
every size is a day-time interval. ``rewrite_legacy_group_window`` rewrites a query grouped by
``TUMBLE(ts, size)`` / ``HOP(ts, slide, size)`` / ``SESSION(ts, gap)`` into the TVF form, with
``TUMBLE_START``/``_END``/``_ROWTIME``/``_PROCTIME`` (and the HOP_/SESSION_ ones) becoming
``window_start``/``window_end``/``window_time``, so one operator serves both syntaxes::

    SELECT k, TUMBLE_END(ts, INTERVAL '1' MINUTE) FROM t GROUP BY k, TUMBLE(ts, INTERVAL '1' MINUTE)
    -- is bound as --
    SELECT k, window_end FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
    GROUP BY k, window_start, window_end
"""

from __future__ import annotations

import datetime as dt

from flowsql.planner.expr_binder import ExpressionBinder, Scope, error
from flowsql.planner.expressions import Literal
from flowsql.planner.logical import WindowSpec, WindowTableFunctionScan
from flowsql.planner.parser.dialect import WindowTableFunction
from sqlglot import exp

_ARGUMENTS = {  # the interval arguments of each TVF, named as Flink's docs name them, in order
    "TUMBLE": ("size", "offset"),
    "HOP": ("slide", "size", "offset"),
    "CUMULATE": ("step", "size", "offset"),
    "SESSION": ("gap",),
}
_PROPERTIES = {"START": "window_start", "END": "window_end", "ROWTIME": "window_time", "PROCTIME": "window_time"}


def bind_window_tvf(binder, node: WindowTableFunction):
    """A window TVF in FROM → a ``Relation`` over a ``WindowTableFunctionScan``."""
    from flowsql.planner.binder import Relation

    kind = str(node.args["kind"]).upper()
    inner = binder.bind_from(node.this)
    plan = inner.plan
    time_node = node.args["time_col"]
    name = time_node.name
    matches = [i for i, f in enumerate(plan.fields) if f.name == name]
    if not matches:
        raise error(f"column '{name}' in DESCRIPTOR of {kind} does not exist", time_node,
                    hint=f"the input's columns are {', '.join(plan.names)}")
    time_index = matches[0]
    time_type = plan.fields[time_index].type
    if time_type.time_attribute is None:
        hint = (f"declare an event-time attribute with WATERMARK FOR {name} AS {name} - INTERVAL '5' SECOND "
                f"in the table's DDL, or use a processing-time column (pt AS PROCTIME())")
        if time_type.is_timestamp:
            message = (f"the DESCRIPTOR column '{name}' (argument 2 of {kind}) must be a time attribute, but it is "
                       f"a plain {time_type.sql(False)}: its table declares no watermark on it")
        else:
            message = (f"the DESCRIPTOR column '{name}' (argument 2 of {kind}) must be a time attribute, but it is "
                       f"{time_type.sql(False)}")
        raise error(message, time_node, hint=hint)
    values = {}
    for position, arg in enumerate(_ARGUMENTS[kind], start=3):
        value = node.args.get(arg)
        values[arg] = _interval_ms(value, kind, arg, position) if value is not None else 0
    _check_shape(kind, values, node)
    spec = WindowSpec(kind, name, size=values.get("size", 0),
                      slide=values.get("slide") or values.get("step") or 0, offset=values.get("offset", 0),
                      gap=values.get("gap", 0), time_kind=time_type.time_attribute,
                      legacy=bool(node.meta.get("legacy_group_window")))
    partition = []
    for p in node.args.get("partition_by") or []:
        cols = [i for i, f in enumerate(plan.fields) if f.name == p.name]
        if not cols:
            raise error(f"PARTITION BY column '{p.name}' of {kind} does not exist", p,
                        hint=f"the input's columns are {', '.join(plan.names)}")
        partition.append(cols[0])
    scan = WindowTableFunctionScan(plan, spec, time_index, tuple(partition))
    alias = node.args.get("alias")
    qualifier = alias.name if alias is not None and alias.name else inner.qualifier
    if alias is not None and alias.columns:
        from flowsql.planner.binder import rename

        return Relation(rename(scan, [c.name for c in alias.columns], node), qualifier)
    return Relation(scan, qualifier)


def _interval_ms(value: exp.Expression, kind: str, arg: str, position: int) -> int:
    bound = ExpressionBinder(Scope([]), clause=f"{kind} {arg}").bind(value)
    if not isinstance(bound, Literal) or bound.type.name != "INTERVAL_DAY_TIME" or not isinstance(
            bound.value, dt.timedelta):
        found = "a year-month interval" if bound.type.name == "INTERVAL_YEAR_MONTH" else bound.type.sql(False)
        raise error(f"argument {position} ({arg}) of {kind} must be a day-time interval literal, found {found}",
                    value, hint="write it like INTERVAL '10' MINUTE")
    return int(bound.value / dt.timedelta(milliseconds=1))


def _check_shape(kind: str, v: dict[str, int], node: exp.Expression) -> None:
    main = {"TUMBLE": "size", "HOP": "size", "CUMULATE": "size", "SESSION": "gap"}[kind]
    for arg in _ARGUMENTS[kind]:
        if arg != "offset" and v[arg] <= 0:
            raise error(f"the {arg} of {kind} must be positive, found {v[arg]} ms", node)
    if kind == "HOP" and v["size"] % v["slide"]:
        raise error(f"HOP's size ({v['size']} ms) must be a whole multiple of its slide ({v['slide']} ms)", node)
    if kind == "CUMULATE" and v["size"] % v["step"]:
        raise error(f"CUMULATE's max size ({v['size']} ms) must be a whole multiple of its step ({v['step']} ms)",
                    node)
    if "offset" in v and abs(v["offset"]) >= v[main] and v["offset"]:
        raise error(f"the offset of {kind} must be smaller than its {main}", node)


# -- the legacy group-window syntax ------------------------------------------------------------


def _call_name(n: exp.Expression) -> str | None:
    if isinstance(n, exp.Anonymous):
        return str(n.this).upper()
    if isinstance(n, exp.Func):
        return ExpressionBinder.function_name(n)
    return None


def rewrite_legacy_group_window(select: exp.Select) -> exp.Select | None:
    """The TVF form of a query grouped by TUMBLE/HOP/SESSION(time, ...), or None if it is not one."""
    group = select.args.get("group")
    if group is None:
        return None
    calls = [e for e in group.expressions if _call_name(e) in ("TUMBLE", "HOP", "SESSION")]
    if not calls:
        return None
    if len(calls) > 1:
        raise error("a query can group by one group window only", calls[1])
    call = calls[0]
    kind = _call_name(call)
    args = list(call.expressions) if isinstance(call, exp.Anonymous) else list(call.args.values())
    expected = {"TUMBLE": (2, 3), "HOP": (3, 4), "SESSION": (2, 2)}[kind]
    if not expected[0] <= len(args) <= expected[1] or not isinstance(args[0], exp.Column):
        raise error(f"{kind} in GROUP BY takes a time attribute column and {expected[0] - 1} interval(s)", call)
    from_ = select.args.get("from_") or select.args.get("from")
    if from_ is None or select.args.get("joins"):
        raise error(f"a GROUP BY {kind}(...) window needs a single table or subquery in FROM", call,
                    hint="move the join into a subquery: FROM (SELECT ... FROM a JOIN b ...) t")
    source = from_.this.copy()
    if not isinstance(source, (exp.Table, exp.Subquery)):
        raise error(f"a GROUP BY {kind}(...) window needs a table or subquery in FROM", from_.this)
    alias = source.args.get("alias")
    qualifier = alias.name if alias is not None and alias.name else (
        source.name if isinstance(source, exp.Table) else None)
    source.set("alias", None)
    intervals = [a.copy() for a in args[1:]]
    names = {"TUMBLE": ("size", "offset"), "HOP": ("slide", "size", "offset"), "SESSION": ("gap",)}[kind]
    tvf = WindowTableFunction(this=source, kind=kind, time_col=exp.to_identifier(args[0].name),
                              **dict(zip(names, intervals)))
    tvf.meta["legacy_group_window"] = True  # early/late firing options apply to this syntax only
    if kind == "SESSION":  # legacy sessions are per group: the other (column) keys partition them
        others = [e for e in group.expressions if e is not call and isinstance(e, exp.Column)]
        if others:
            tvf.set("partition_by", [exp.column(e.name) for e in others])
    if qualifier:
        tvf.set("alias", exp.TableAlias(this=exp.to_identifier(qualifier)))
    rewritten = select.copy()
    new_from = exp.From(this=tvf)
    rewritten.set("from_" if "from_" in select.args else "from", new_from)
    new_group = rewritten.args["group"]
    keys = []
    for e in new_group.expressions:
        if _call_name(e) == kind:
            keys += [exp.column("window_start"), exp.column("window_end")]
        else:
            keys.append(e)
    new_group.set("expressions", keys)

    def replace_property(n: exp.Expression) -> exp.Expression:
        name = _call_name(n)
        if name and "_" in name:
            prefix, _, prop = name.partition("_")
            if prefix in ("TUMBLE", "HOP", "SESSION") and prop in _PROPERTIES:
                if prefix != kind:
                    raise error(f"{name} does not match the GROUP BY window {kind}(...)", n)
                return exp.Paren(this=exp.column(_PROPERTIES[prop]))
        return n

    for key in ("expressions", "having", "order"):
        value = rewritten.args.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            rewritten.set(key, [v.transform(replace_property) for v in value])
        else:
            rewritten.set(key, value.transform(replace_property))
    if any(isinstance(c, exp.Column) and c.name == "window_time" and not c.table for c in rewritten.walk()):
        new_group.set("expressions", keys + [exp.column("window_time")])  # *_ROWTIME / *_PROCTIME
    return rewritten


# -- where a column's window bounds come from ------------------------------------------------------


def window_origin(node, index: int):
    """(window node, 'start' | 'end' | 'time') if column ``index`` of ``node`` is a window bound
    produced by a window TVF or a window aggregate below (through projections, filters and window
    joins)."""
    from flowsql.planner.expressions import InputRef
    from flowsql.planner.logical import Filter, Join, Project, WindowAggregate, WindowJoin

    while True:
        if isinstance(node, Project):
            e = node.exprs[index]
            if not isinstance(e, InputRef):
                return None
            node, index = node.input, e.index
        elif isinstance(node, Filter):
            node = node.input
        elif isinstance(node, WindowTableFunctionScan):
            n = len(node.input.fields)
            role = {n: "start", n + 1: "end", n + 2: "time"}.get(index)
            return (node, role) if role else None
        elif isinstance(node, WindowAggregate):
            if index >= len(node.group_keys):
                return None
            g = node.group_keys[index]
            role = {node.start_key: "start", node.end_key: "end"}.get(g) or ("time" if g == node.time_key else None)
            return (node, role) if role else None
        elif isinstance(node, (Join, WindowJoin)):  # a window join passes its inputs' windows on
            from flowsql.planner.time_joins import window_join_side

            found = window_join_side(node, index)
            if found is None:
                return None
            node, index = found
        else:
            return None


# -- physical planning -------------------------------------------------------------------------------


def window_physical_kind(node, batch: bool) -> str | None:
    """The physical operator kind of a window node (checking what streaming needs), else None."""
    from flowsql.planner.logical import OverWindow, WindowAggregate, WindowRank

    if isinstance(node, WindowTableFunctionScan):
        return "WindowTableFunction"
    if isinstance(node, WindowAggregate):
        return "WindowAggregate"
    if isinstance(node, WindowRank):
        return "WindowRank"
    if isinstance(node, OverWindow):
        if not batch:
            check_streaming_over(node)
        return "OverAggregate"
    return None


def check_streaming_over(node) -> None:
    """Flink's restrictions on OVER aggregation in streaming mode, with clearer messages."""
    from flowsql.common.errors import PlanningError

    names = node.input.names
    if not node.order_keys:
        raise PlanningError("an OVER window on a stream needs ORDER BY a time attribute",
                            hint="add ORDER BY <rowtime or proctime column> to the OVER clause")
    index, ascending, _ = node.order_keys[0]
    t = node.input.fields[index].type
    if t.time_attribute is None or len(node.order_keys) > 1:
        raise PlanningError(
            f"OVER windows on a stream must be ordered by a single time attribute, but '{names[index]}' is "
            f"{t.sql(False)}" + (" (and more sort keys follow)" if t.time_attribute else "")
            + " (Flink: 'Non-time attribute sort is not supported for bounded OVER window')",
            hint="ORDER BY the table's rowtime (the WATERMARK column) or a PROCTIME() column"
            + ("; or, for a Top-N, filter the rank with constant bounds: WHERE rn <= 3"
               if any(c.function in ("ROW_NUMBER", "RANK", "DENSE_RANK") for c in node.calls) else ""))
    if not ascending:
        raise PlanningError(f"OVER windows on a stream can only be ordered ascending, found '{names[index]}' DESC",
                            hint=f"write ORDER BY {names[index]} ASC")
    frame = node.frame
    if frame is not None and frame.upper is not None and _is_following(frame.upper) or (
            frame is not None and frame.upper is None):
        raise PlanningError("OVER windows on a stream cannot look at FOLLOWING rows",
                            hint="end the frame at CURRENT ROW: ROWS BETWEEN n PRECEDING AND CURRENT ROW")


def _is_following(bound) -> bool:
    if isinstance(bound, dt.timedelta):
        return bound < dt.timedelta(0)
    return isinstance(bound, (int, float)) and bound < 0
